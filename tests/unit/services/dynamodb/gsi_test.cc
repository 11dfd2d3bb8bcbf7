// Global secondary indexes with multi-attribute keys: the index entry layout (a single-attribute
// index keeps the bytes it was written with), hierarchical order of the sort attributes, sparse
// entries, the stored metadata and the storage range of a key condition (Query's rules:
// ops_test.cc).
#include <gtest/gtest.h>

#include <string>

#include "core/json.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/store.h"
#include "storage/keys.h"

namespace stratus {
namespace {

using namespace dynamodb;

// Big-endian id and partition hash, as schema_test.cc checks KeyBuilder writes them.
std::string be64(uint64_t v) {
  return storage::KeyBuilder(8).u64(v).take();
}
std::string be16(uint16_t v) {
  return storage::KeyBuilder(2).u16(v).take();
}

std::string enc(const Value& v) {
  std::string s;
  encode_key_value(v, s);
  return s;
}

Value num(const char* n) {
  return Value::num(Decimal::must(n));
}

TableInfo table_with(IndexInfo ix) {
  TableInfo t;
  t.id = 1;
  t.hash = {"pk", Type::S};
  t.range = KeyDef{"sk", Type::N};
  ix.id = 0x0a0b0c0d0e0f1011ull;
  t.indexes.push_back(std::move(ix));
  return t;
}

TEST(DynamoGsi, SingleAttributeEntriesKeepTheirLayout) {
  IndexInfo ix;
  ix.name = "g";
  ix.keys.hash = {{"g", Type::S}};
  ix.keys.range = {{"r", Type::N}};
  TableInfo t = table_with(ix);
  Item item{{"pk", Value::str("a")}, {"sk", num("1")}, {"g", Value::str("x")}, {"r", num("7")}};
  // u64(index id) u16(h) key(index hash) key(index range) key(hash) key(range): as before.
  std::string want = be64(t.indexes[0].id) + be16(partition_hash(enc(Value::str("x")))) + enc(Value::str("x")) +
                     enc(num("7")) + enc(Value::str("a")) + enc(num("1"));
  EXPECT_EQ(index_key(t, t.indexes[0], item), want);
  EXPECT_EQ(partition_prefix(t.indexes[0].id, std::vector<Value>{Value::str("x")}),
            partition_prefix(t.indexes[0].id, Value::str("x")));
}

TEST(DynamoGsi, MultiAttributeEntriesHashEveryPartitionAttributeAndSortLeftToRight) {
  IndexInfo ix;
  ix.name = "g";
  ix.keys.hash = {{"t", Type::S}, {"region", Type::S}};
  ix.keys.range = {{"round", Type::N}, {"bracket", Type::S}};
  TableInfo t = table_with(ix);
  const IndexInfo& g = t.indexes[0];
  auto entry = [&](const char* round, const char* bracket, const char* pk) {
    Item item{{"pk", Value::str(pk)},       {"sk", num("1")},      {"t", Value::str("W")},
              {"region", Value::str("EU")}, {"round", num(round)}, {"bracket", Value::str(bracket)}};
    return *index_key(t, g, item);
  };
  std::string part = enc(Value::str("W")) + enc(Value::str("EU"));
  EXPECT_EQ(entry("2", "upper", "a"), be64(g.id) + be16(partition_hash(part)) + part + enc(num("2")) +
                                          enc(Value::str("upper")) + enc(Value::str("a")) + enc(num("1")));
  EXPECT_EQ(partition_prefix(g.id, std::vector<Value>{Value::str("W"), Value::str("EU")}),
            entry("2", "upper", "a").substr(0, 10 + part.size()));
  // Round first (numerically), then bracket, then the table key.
  EXPECT_LT(entry("2", "upper", "z"), entry("10", "a", "a"));
  EXPECT_LT(entry("2", "lower", "z"), entry("2", "upper", "a"));
  EXPECT_LT(entry("2", "upper", "a"), entry("2", "upper", "b"));
  // "ab" + "c" and "a" + "bc" are different partitions (the encodings are prefix-free).
  Item one{{"pk", Value::str("p")},     {"sk", num("1")},    {"t", Value::str("ab")},
           {"region", Value::str("c")}, {"round", num("1")}, {"bracket", Value::str("b")}};
  Item two = one;
  two["t"] = Value::str("a");
  two["region"] = Value::str("bc");
  EXPECT_NE(partition_prefix(g.id, std::vector<Value>{one["t"], one["region"]}),
            partition_prefix(g.id, std::vector<Value>{two["t"], two["region"]}));
  EXPECT_NE(index_key(t, g, one), index_key(t, g, two));
  // Sparse: any key attribute missing (or of another type) leaves the item out.
  Item missing = one;
  missing.erase("bracket");
  EXPECT_FALSE(index_key(t, g, missing));
  Item typed = one;
  typed["round"] = Value::str("1");
  EXPECT_FALSE(index_key(t, g, typed));
  // Keys of an entry: the table's and every index key attribute.
  EXPECT_EQ(key_of(t, one, &g).size(), 6u);
  IndexInfo keys_only = g;
  keys_only.projection = "KEYS_ONLY";
  EXPECT_EQ(project_for_index(t, keys_only, one).size(), 6u);
}

TEST(DynamoGsi, CheckItemRefusesBadTypesOfEveryKeyAttribute) {
  IndexInfo ix;
  ix.name = "g";
  ix.keys.hash = {{"a", Type::S}, {"b", Type::N}};
  ix.keys.range = {{"c", Type::S}, {"d", Type::B}};
  TableInfo t = table_with(ix);
  Item item{{"pk", Value::str("p")}, {"sk", num("1")}, {"b", Value::str("x")}};
  try {
    check_item(t, item);
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(
        e.message,
        "One or more parameter values were invalid: Type mismatch for Index Key b Expected: N Actual: S IndexName: g");
  }
  EXPECT_NO_THROW(check_item(t, item, false));  // the table's own checks only
  item["b"] = num("1");
  item["d"] = Value::bin("");
  EXPECT_THROW(check_item(t, item), AwsError);
  item["d"] = Value::bin("\x01");
  EXPECT_NO_THROW(check_item(t, item));
}

TEST(DynamoGsi, MetadataStoresOneAttributeAsBeforeAndSeveralAsAList) {
  TableInfo t;
  t.hash = {"pk", Type::S};
  IndexInfo single;
  single.name = "one";
  single.keys.hash = {{"g", Type::S}};
  IndexInfo multi;
  multi.name = "many";
  multi.keys.hash = {{"a", Type::S}, {"b", Type::N}};
  multi.keys.range = {{"c", Type::B}, {"d", Type::S}, {"e", Type::N}};
  t.indexes = {single, multi};
  Doc d = t.to_json();
  const auto& ixs = d.get("indexes")->as_list();
  EXPECT_TRUE(ixs[0].get("hash")->is_map());
  EXPECT_FALSE(ixs[0].has("range"));
  EXPECT_TRUE(ixs[1].get("hash")->is_list());
  EXPECT_EQ(ixs[1].get("range")->as_list().size(), 3u);
  auto back = TableInfo::from_json(json::parse(json::write(d)));
  ASSERT_EQ(back->indexes.size(), 2u);
  EXPECT_EQ(back->indexes[1].keys.hash[1].name, "b");
  EXPECT_EQ(back->indexes[1].keys.hash[1].type, Type::N);
  EXPECT_EQ(back->indexes[1].keys.range[0].type, Type::B);
  EXPECT_EQ(back->indexes[1].keys.range[2].name, "e");
  // Metadata written before multi-attribute keys (a {n, t} map each) reads back.
  auto old = TableInfo::from_json(json::parse(R"J({"id":"5","hash":{"n":"pk","t":"S"},"indexes":[
      {"name":"g","global":true,"id":"6","hash":{"n":"g","t":"S"},"range":{"n":"r","t":"N"},"projection":"ALL"}]})J"));
  ASSERT_EQ(old->indexes.size(), 1u);
  EXPECT_EQ(old->indexes[0].keys.hash.size(), 1u);
  EXPECT_EQ(old->indexes[0].keys.range[0].name, "r");
  EXPECT_EQ(old->key_schema(&old->indexes[0]).range[0].type, Type::N);
  EXPECT_EQ(old->key_schema().hash[0].name, "pk");
  EXPECT_TRUE(old->key_schema().range.empty());
}

TEST(DynamoGsi, StorageRangeAppendsTheLeadingEqualities) {
  KeyRange kr;
  kr.hash = {Value::str("W"), Value::str("EU")};
  kr.sort_prefix = {num("2")};
  kr.op = Condition::Kind::gt;
  kr.v1 = Value::str("m");
  std::string start, end;
  storage_range(kr, 9, start, end);
  std::string p = partition_prefix(9, kr.hash) + enc(num("2"));
  EXPECT_EQ(start, storage::prefix_end(p + enc(Value::str("m"))));
  EXPECT_EQ(end, storage::prefix_end(p));
  kr.op.reset();
  storage_range(kr, 9, start, end);
  EXPECT_EQ(start, p);
  EXPECT_EQ(end, storage::prefix_end(p));
}

}  // namespace
}  // namespace stratus
