// The DynamoDB service's keyspaces: each declared once, with its key layout (KeyBuilder terms,
// storage/keys.h) and its value's codec and version. The layouts are on disk: never change one
// (existing data must read back); add a keyspace or a version instead. A record without a
// version field is v1.
//
// `h` is partition_hash() of the partition key's encoding (u16), `key(v)` the order-preserving,
// prefix-free key encoding of value.h (encode_key_value). Items, index entries and history keys
// carry raw encoded key attributes after their fixed-width prefix.
//
// Multi-attribute keys of global secondary indexes (up to four partition and four sort
// attributes): an index entry's `h` is partition_hash() of the partition attributes' encodings
// concatenated in declared order, followed by those encodings and then the sort attributes'
// encodings, in declared order. With one attribute of each this is the single-attribute layout,
// byte for byte, so entries written before multi-attribute keys read back unchanged. In the table
// metadata (ddb.tables) an index's "hash" and "range" are one {n, t} map, as before, or a list of
// them when the index has several (still JSON v1: a map reads as a list of one).
#pragma once

#include "storage/keys.h"

namespace stratus::dynamodb {

// Engine keyspace names.
inline constexpr const char* kTables = "ddb.tables";
inline constexpr const char* kItems = "ddb.items";
inline constexpr const char* kIndex = "ddb.index";
inline constexpr const char* kStream = "ddb.stream";
inline constexpr const char* kStreamMeta = "ddb.streammeta";
inline constexpr const char* kTtl = "ddb.ttl";
inline constexpr const char* kCounts = "ddb.counts";
inline constexpr const char* kHistory = "ddb.history";
inline constexpr const char* kBackups = "ddb.backups";
inline constexpr const char* kTokens = "ddb.txtokens";
inline constexpr const char* kTokenExpiry = "ddb.txtoken-expiry";

// ddb.tables and ddb.txtokens are keyed `scope(account, region) raw(name)`, byte for byte, but
// built by table_key() (store.h) rather than KeyBuilder::scope(): their account and region may
// come from a client's ARN, where a NUL must find nothing instead of throwing.
inline constexpr storage::Keyspace kKeyspaces[] = {
    {kTables, "scope(account, region) raw(table name)", "table metadata: TableInfo::to_json, JSON v1"},
    {kItems, "u64(table id) u16(h) raw(key(hash) [key(range)])", "item: encode_item (value.h), v1"},
    {kIndex, "u64(index id) u16(h) raw(key(index hash 1..4) [key(index range 1..4)] key(hash) [key(range)])",
     "projected item: encode_item, v1"},
    {kStream, "u64(stream id) u64(sequence number)",
     "stream record: encode_record, an encode_item map {e, t, k, o?, n?, s, v, u?}, v1"},
    {kStreamMeta, "u64(stream id)", "u64 of the last trimmed sequence number, v1"},
    {kTtl, "u64(table id) u64(expiry, epoch seconds) raw(item key without its u64(table id))", "empty"},
    {kCounts, "u64(table or index id) raw('n' items | 'b' bytes) raw(shard byte)", "engine counter"},
    {kHistory, "u64(table id) u64(commit ms) u64(history seq)",
     "change record: encode_change, an encode_item map {k: item key without table id, o?: old image}, v1"},
    {kBackups, "scope(account, region) raw(table name) raw(NUL) raw(backup id)", "backup record, JSON v1"},
    {kTokens, "scope(account, region) raw(ClientRequestToken)", "{h: request digest, t: commit ms}, JSON v1"},
    {kTokenExpiry, "u64(commit ms) raw(ddb.txtokens key)", "empty"},
};

}  // namespace stratus::dynamodb
