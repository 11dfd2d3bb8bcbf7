// SQS's keyspaces and their keys. Every layout here is on disk: never change one (existing data
// must read back), only add.
//
// Message seqs come from one counter for all queues, and message keys start with the seq:
// stored messages are appended at the keyspace's end in send order (the storage engine moves
// such data down as whole files instead of merging it again and again). A queue's uid is 16
// lower-case alphanumerics, fixed width, so keys that start with it need no terminator.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/keys.h"

namespace stratus::sqs {

inline constexpr storage::Keyspace kQueues{
    "sqs.queues", "scope(account, region) raw(name)",
    "queue record, JSON v1 {uid, created, modified, fifo, last_purge, attributes, tags}"};
// Data written before the seq came first has raw(uid) u64(seq) keys; Store::load re-keys it.
inline constexpr storage::Keyspace kMessages{"sqs.messages", "u64(seq) raw(uid)",
                                             "message record, binary (message.h; v1 and v2 read)"};
inline constexpr storage::Keyspace kState{"sqs.state", "u64(seq) raw(uid)", "receive state, binary (message.h)"};
inline constexpr storage::Keyspace kDedup{"sqs.dedup", "raw(uid) raw(dedup key: [group \\n] id)",
                                          "be64 expiry, be64-length id, be64 sequence number (record.h)"};
inline constexpr storage::Keyspace kAttempts{
    "sqs.attempts", "raw(uid) raw(ReceiveRequestAttemptId)",
    "be64 expiry, be64 n, n x be64 (seq, receive count, first receive, nonce, visible at) (record.h)"};
inline constexpr storage::Keyspace kTasks{"sqs.tasks", "raw(task id)",
                                          "message move task record, JSON v1 (MoveTasks::record)"};

inline constexpr storage::Keyspace kKeyspaces[] = {kQueues, kMessages, kState, kDedup, kAttempts, kTasks};

// The names the engine takes.
inline constexpr std::string_view kQueuesKs = kQueues.name;
inline constexpr std::string_view kMessagesKs = kMessages.name;
inline constexpr std::string_view kStateKs = kState.name;
inline constexpr std::string_view kDedupKs = kDedup.name;
inline constexpr std::string_view kAttemptsKs = kAttempts.name;
inline constexpr std::string_view kTasksKs = kTasks.name;

inline std::string queue_key(std::string_view account, std::string_view region, std::string_view name) {
  return storage::KeyBuilder(account.size() + region.size() + name.size() + 2).scope(account, region).raw(name).take();
}
inline std::string message_key(std::string_view uid, uint64_t seq) {  // sqs.messages and sqs.state
  return storage::KeyBuilder(8 + uid.size()).u64(seq).raw(uid).take();
}
inline std::string queue_item_key(std::string_view uid, std::string_view item) {  // sqs.dedup and sqs.attempts
  return storage::KeyBuilder(uid.size() + item.size()).raw(uid).raw(item).take();
}

}  // namespace stratus::sqs
