// Global secondary indexes with multi-attribute keys: the index entry layout (a single-attribute
// index keeps the bytes it was written with), hierarchical order of the sort attributes, sparse
// entries, the stored metadata, the storage range of a key condition, and Query's rules.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/json.h"
#include "server/context.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/ops.h"
#include "services/dynamodb/store.h"
#include "storage/engine.h"

namespace stratus {
namespace {

using namespace dynamodb;

std::string be(uint64_t v, int bytes) {
  std::string s;
  for (int i = bytes - 1; i >= 0; --i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
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
  std::string want = be(t.indexes[0].id, 8) + be(partition_hash(enc(Value::str("x"))), 2) + enc(Value::str("x")) +
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
  EXPECT_EQ(entry("2", "upper", "a"), be(g.id, 8) + be(partition_hash(part), 2) + part + enc(num("2")) +
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

class DynamoGsiQuery : public ::testing::Test {
 protected:
  static Config config() {
    Config c;
    c.ephemeral = true;
    c.services = {"dynamodb"};
    return c;
  }
  DynamoGsiQuery() : ctx_(config(), storage::open_memory()) {
    for (auto& s : make_services(config())) ctx_.add_service(std::move(s));
    OpContext oc = op_context();
    create_table(cat_, oc, json::parse(R"J({"TableName":"t","BillingMode":"PAY_PER_REQUEST",
        "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"a","AttributeType":"S"},
          {"AttributeName":"b","AttributeType":"S"},{"AttributeName":"x","AttributeType":"N"},
          {"AttributeName":"y","AttributeType":"N"},{"AttributeName":"z","AttributeType":"N"}],
        "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
        "GlobalSecondaryIndexes":[{"IndexName":"gsi","Projection":{"ProjectionType":"ALL"},
          "KeySchema":[{"AttributeName":"a","KeyType":"HASH"},{"AttributeName":"b","KeyType":"HASH"},
            {"AttributeName":"x","KeyType":"RANGE"},{"AttributeName":"y","KeyType":"RANGE"},
            {"AttributeName":"z","KeyType":"RANGE"}]}]})J"));
    int n = 0;
    for (int x = 1; x <= 3; ++x)
      for (int y = 1; y <= 3; ++y)
        for (int z = 1; z <= 3; ++z) {
          Doc in =
              json::parse(R"J({"TableName":"t","Item":{"id":{"S":"i)J" + std::to_string(n++) +
                          R"J("},"a":{"S":"A"},"b":{"S":"B"},"x":{"N":")J" + std::to_string(x) + R"J("},"y":{"N":")J" +
                          std::to_string(y) + R"J("},"z":{"N":")J" + std::to_string(z) + R"J("}}})J");
          put_item(cat_, oc, in).apply(cat_, oc);
        }
  }
  OpContext op_context() {
    Service* svc = ctx_.service("dynamodb");
    OpContext oc{ctx_, ctx_.storage(), svc->model(), *svc->model().find_operation("Query"), {}, "req", 1000, {}};
    oc.caller.account = "000000000000";
    oc.caller.region = "us-east-1";
    return oc;
  }
  // Query on the index: "OK <count>" or the error message.
  std::string run(const std::string& sort, const std::string& values = "") {
    OpContext oc = op_context();
    std::string kce = "a = :a AND b = :b" + (sort.empty() ? "" : " AND " + sort);
    Doc in = json::parse(R"J({"TableName":"t","IndexName":"gsi","KeyConditionExpression":")J" + kce +
                         R"J(","ExpressionAttributeValues":{":a":{"S":"A"},":b":{"S":"B"})J" + values + "}}");
    try {
      return "OK " + std::to_string(query(cat_, oc, in).integer("Count"));
    } catch (const AwsError& e) {
      return e.message;
    }
  }
  ServerContext ctx_;
  Catalog cat_;
};

TEST_F(DynamoGsiQuery, SortConditionsGoLeftToRightWithTheRangeLast) {
  const std::string one = R"J(,":one":{"N":"1"})J", two = R"J(,":two":{"N":"2"})J";
  EXPECT_EQ(run(""), "OK 27");
  EXPECT_EQ(run("x = :two", two), "OK 9");
  EXPECT_EQ(run("x > :one", one), "OK 18");
  EXPECT_EQ(run("x = :two AND y = :one", one + two), "OK 3");
  EXPECT_EQ(run("x = :two AND y <= :two", two), "OK 6");
  EXPECT_EQ(run("x = :two AND y = :two AND z BETWEEN :one AND :two", one + two), "OK 2");
  EXPECT_EQ(run("z = :one AND y = :two AND x = :one", one + two), "OK 1");
  EXPECT_EQ(run("y = :one", one), "Query key condition not supported");
  EXPECT_EQ(run("x = :one AND z = :two", one + two), "Query key condition not supported");
  EXPECT_EQ(run("x > :one AND y = :two", one + two), "Query key condition not supported");
  EXPECT_EQ(run("x > :one AND y > :two", one + two), "Query key condition not supported");
  EXPECT_EQ(run("x = :one AND x = :two", one + two), "KeyConditionExpressions must only contain one condition per key");
  OpContext oc = op_context();
  try {
    query(cat_, oc, json::parse(R"J({"TableName":"t","IndexName":"gsi","KeyConditionExpression":"b = :b AND x = :x",
        "ExpressionAttributeValues":{":b":{"S":"B"},":x":{"N":"1"}}})J"));
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.message, "Query condition missed key schema element: a");
  }
}

}  // namespace
}  // namespace stratus
