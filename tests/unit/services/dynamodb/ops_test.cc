// DynamoDB's data-plane writes in two halves (ops.h): the handler prepares the write on the I/O
// thread — every error that depends only on the request and the table's schema is thrown there,
// before anything reaches the commit lane — and apply() (run by the lane) reads, evaluates, writes.
// Also the helpers that came out of the handlers' files: PartiQL statement binding, write cost,
// table ARNs.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/json.h"
#include "server/context.h"
#include "services/dynamodb/ops.h"
#include "storage/engine.h"

namespace stratus {
namespace {

using namespace dynamodb;

class DynamoOps : public ::testing::Test {
 protected:
  static Config config() {
    Config c;
    c.ephemeral = true;
    c.services = {"dynamodb"};
    return c;
  }
  DynamoOps() : ctx_(config(), storage::open_memory()) {
    for (auto& s : make_services(config())) ctx_.add_service(std::move(s));
    OpContext oc = op_context();
    create_table(cat_, oc, json::parse(R"J({"TableName":"tbl","BillingMode":"PAY_PER_REQUEST",
        "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
        "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]})J"));
  }
  OpContext op_context() {
    Service* svc = ctx_.service("dynamodb");
    OpContext oc{ctx_, ctx_.storage(), svc->model(), *svc->model().find_operation("PutItem"), {}, "req", 1000, {}};
    oc.caller.account = "000000000000";
    oc.caller.region = "us-east-1";
    return oc;
  }
  static std::string code_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const AwsError& e) {
      return e.code;
    }
    return "";
  }
  // Whether item `id` is stored (read through GetItem).
  bool stored(const std::string& id) {
    OpContext oc = op_context();
    Doc out = get_item(cat_, oc, json::parse(R"J({"TableName":"tbl","Key":{"id":{"S":")J" + id + R"J("}}})J"));
    return out.has("Item");
  }
  ServerContext ctx_;
  Catalog cat_;
};

TEST_F(DynamoOps, PutItemRequestErrorsComeFromThePreparation) {
  OpContext oc = op_context();
  // Missing table, invalid ReturnValues, item without its key, an unparsable condition, an
  // unused value: thrown by the handler itself, before there is anything to apply.
  EXPECT_EQ(code_of([&] { put_item(cat_, oc, json::parse(R"J({"TableName":"nope","Item":{"id":{"S":"a"}}})J")); }),
            "ResourceNotFoundException");
  EXPECT_EQ(code_of([&] {
              put_item(cat_, oc,
                       json::parse(R"J({"TableName":"tbl","Item":{"id":{"S":"a"}},"ReturnValues":"ALL_NEW"})J"));
            }),
            "ValidationException");
  EXPECT_EQ(code_of([&] { put_item(cat_, oc, json::parse(R"J({"TableName":"tbl","Item":{"x":{"S":"a"}}})J")); }),
            "ValidationException");
  EXPECT_EQ(code_of([&] {
              put_item(cat_, oc,
                       json::parse(R"J({"TableName":"tbl","Item":{"id":{"S":"a"}},"ConditionExpression":"id ="})J"));
            }),
            "ValidationException");
  EXPECT_EQ(code_of([&] {
              put_item(cat_, oc, json::parse(R"J({"TableName":"tbl","Item":{"id":{"S":"a"}},
                  "ConditionExpression":"attribute_not_exists(id)","ExpressionAttributeValues":{":v":{"S":"x"}}})J"));
            }),
            "ValidationException");
  EXPECT_FALSE(stored("a"));
}

TEST_F(DynamoOps, PreparedPutItemAppliesWhereverItWasMoved) {
  OpContext oc = op_context();
  Doc in = json::parse(R"J({"TableName":"tbl","Item":{"id":{"S":"a"},"v":{"N":"1"}},
      "ConditionExpression":"attribute_not_exists(id)","ReturnConsumedCapacity":"TOTAL"})J");
  PutItemWrite prepared = put_item(cat_, oc, in);
  ASSERT_TRUE(prepared.ex.condition.has_value());
  EXPECT_FALSE(stored("a"));  // preparing writes nothing
  PutItemWrite owned = std::move(prepared);  // as the lane task takes it
  Doc out = owned.apply(cat_, oc);
  EXPECT_TRUE(stored("a"));
  EXPECT_EQ(out.get("ConsumedCapacity")->str("TableName"), "tbl");
  // The same request again: the condition is evaluated on the lane, against the stored item.
  PutItemWrite again = put_item(cat_, oc, in);
  EXPECT_EQ(code_of([&] { again.apply(cat_, oc); }), "ConditionalCheckFailedException");
}

TEST_F(DynamoOps, UpdateItemKeyChangeIsRejectedBeforeTheLane) {
  OpContext oc = op_context();
  EXPECT_EQ(code_of([&] {
              update_item(cat_, oc, json::parse(R"J({"TableName":"tbl","Key":{"id":{"S":"a"}},
                  "UpdateExpression":"SET id = :v","ExpressionAttributeValues":{":v":{"S":"b"}}})J"));
            }),
            "ValidationException");
  // A prepared write points into its request, which outlives it (the FrontDoor keeps the input
  // until the lane answers): the requests here are named for that reason.
  Doc win = json::parse(R"J({"TableName":"tbl","Key":{"id":{"S":"a"}},
      "UpdateExpression":"SET s = :s ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"},":s":{"S":"x"}},
      "ReturnValues":"ALL_NEW"})J");
  UpdateItemWrite w = update_item(cat_, oc, win);
  ASSERT_EQ(w.ex.update.size(), 2u);
  Doc out = w.apply(cat_, oc);
  EXPECT_EQ(out.get("Attributes")->get("n")->str("N"), "1");
  // An operand of the wrong type is only known against the stored item: the lane's error.
  Doc bad_in = json::parse(R"J({"TableName":"tbl","Key":{"id":{"S":"a"}},
      "UpdateExpression":"ADD s :one","ExpressionAttributeValues":{":one":{"N":"1"}}})J");
  UpdateItemWrite bad = update_item(cat_, oc, bad_in);
  EXPECT_EQ(code_of([&] { bad.apply(cat_, oc); }), "ValidationException");
}

TEST_F(DynamoOps, DeleteAndBatchWrite) {
  OpContext oc = op_context();
  Doc bin = json::parse(R"J({"RequestItems":{"tbl":[
      {"PutRequest":{"Item":{"id":{"S":"a"}}}},{"PutRequest":{"Item":{"id":{"S":"b"}}}}]}})J");
  BatchWriteItemWrite b = batch_write_item(cat_, oc, bin);
  EXPECT_EQ(b.writes.size(), 2u);
  b.apply(cat_, oc);
  EXPECT_TRUE(stored("a"));
  EXPECT_TRUE(stored("b"));
  EXPECT_EQ(code_of([&] {
              batch_write_item(cat_, oc, json::parse(R"J({"RequestItems":{"tbl":[
                  {"DeleteRequest":{"Key":{"id":{"S":"a"}}}},{"PutRequest":{"Item":{"id":{"S":"a"}}}}]}})J"));
            }),
            "ValidationException");  // duplicate keys
  Doc din = json::parse(R"J({"TableName":"tbl","Key":{"id":{"S":"a"}},"ReturnValues":"ALL_OLD"})J");
  DeleteItemWrite d = delete_item(cat_, oc, din);
  Doc out = d.apply(cat_, oc);
  EXPECT_EQ(out.get("Attributes")->get("id")->str("S"), "a");
  EXPECT_FALSE(stored("a"));
}

TEST_F(DynamoOps, TransactWriteItemsPreparesEveryAction) {
  OpContext oc = op_context();
  EXPECT_EQ(code_of([&] {
              transact_write_items(cat_, oc, json::parse(R"J({"TransactItems":[
                  {"Put":{"TableName":"tbl","Item":{"id":{"S":"a"}}}},
                  {"Delete":{"TableName":"tbl","Key":{"id":{"S":"a"}}}}]})J"));
            }),
            "ValidationException");  // two operations on one item
  EXPECT_EQ(code_of([&] {
              transact_write_items(cat_, oc, json::parse(R"J({"TransactItems":[
                  {"ConditionCheck":{"TableName":"tbl","Key":{"id":{"S":"a"}}}}]})J"));
            }),
            "ValidationException");  // ConditionCheck without a condition
  Doc tin = json::parse(R"J({"TransactItems":[
      {"Put":{"TableName":"tbl","Item":{"id":{"S":"a"}}}},
      {"Put":{"TableName":"tbl","Item":{"id":{"S":"b"}},"ConditionExpression":"attribute_exists(id)"}}]})J");
  TransactWriteItemsWrite w = transact_write_items(cat_, oc, tin);
  ASSERT_EQ(w.actions.size(), 2u);
  EXPECT_EQ(w.actions[1].kind, "Put");
  EXPECT_TRUE(w.writes[0].table != nullptr);
  EXPECT_EQ(code_of([&] { w.apply(cat_, oc); }), "TransactionCanceledException");
  EXPECT_FALSE(stored("a"));  // all or nothing
}

TEST_F(DynamoOps, PartiqlStatementsBindTheirKey) {
  OpContext oc = op_context();
  PartiqlStatement sel =
      prepare_statement(cat_, oc, json::parse(R"J({"Statement":"SELECT * FROM tbl WHERE id = 'a' AND v > 1"})J"));
  EXPECT_TRUE(sel.is_read());
  ASSERT_TRUE(sel.key.has_value());
  EXPECT_EQ(sel.key->at("id").scalar, "a");
  EXPECT_TRUE(sel.cond.has_value());  // v > 1 stays the condition
  EXPECT_EQ(
      code_of([&] { prepare_statement(cat_, oc, json::parse(R"J({"Statement":"DELETE FROM tbl WHERE v = 1"})J")); }),
      "ValidationException");  // a write needs the whole key
  EXPECT_EQ(code_of([&] { prepare_statement(cat_, oc, json::parse(R"J({"Statement":"SELECT * FROM nope"})J")); }),
            "ResourceNotFoundException");

  Doc select = json::parse(R"J({"Statement":"SELECT * FROM tbl"})J");
  EXPECT_FALSE(execute_statement(cat_, oc, select).on_lane());
  Doc insert = json::parse(R"J({"Statement":"INSERT INTO tbl VALUE {'id': 'p'}"})J");
  ExecuteStatementRun run = execute_statement(cat_, oc, insert);
  EXPECT_TRUE(run.on_lane());
  run.apply(cat_, oc);
  EXPECT_TRUE(stored("p"));
}

TEST_F(DynamoOps, WriteCostPaysForTheLargerImage) {
  OpContext oc = op_context();
  TablePtr t = cat_.get(ctx_.storage(), "000000000000", "us-east-1", "tbl");
  Item small = item_from_doc(json::parse(R"J({"id":{"S":"a"}})J"));
  Item big = small;
  big["blob"] = Value::str(std::string(3000, 'x'));
  EXPECT_EQ(write_cost(*t, small, big).table, 3);
  EXPECT_EQ(write_cost(*t, big, std::nullopt).table, 3);
  EXPECT_EQ(write_cost(*t, std::nullopt, small).table, 1);
  EXPECT_TRUE(write_cost(*t, std::nullopt, small).indexes.empty());
}

TEST_F(DynamoOps, QueryOnMultiAttributeKeysGoesLeftToRightWithTheRangeLast) {
  OpContext oc = op_context();
  create_table(cat_, oc, json::parse(R"J({"TableName":"multi","BillingMode":"PAY_PER_REQUEST",
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
            json::parse(R"J({"TableName":"multi","Item":{"id":{"S":"i)J" + std::to_string(n++) +
                        R"J("},"a":{"S":"A"},"b":{"S":"B"},"x":{"N":")J" + std::to_string(x) + R"J("},"y":{"N":")J" +
                        std::to_string(y) + R"J("},"z":{"N":")J" + std::to_string(z) + R"J("}}})J");
        put_item(cat_, oc, in).apply(cat_, oc);
      }
  // "OK <count>" or the error message.
  auto run = [&](const std::string& sort, const std::string& values = "") -> std::string {
    std::string kce = "a = :a AND b = :b" + (sort.empty() ? "" : " AND " + sort);
    Doc in = json::parse(R"J({"TableName":"multi","IndexName":"gsi","KeyConditionExpression":")J" + kce +
                         R"J(","ExpressionAttributeValues":{":a":{"S":"A"},":b":{"S":"B"})J" + values + "}}");
    try {
      return "OK " + std::to_string(query(cat_, oc, in).integer("Count"));
    } catch (const AwsError& e) {
      return e.message;
    }
  };
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
  EXPECT_EQ(code_of([&] {
              query(cat_, oc, json::parse(R"J({"TableName":"multi","IndexName":"gsi","KeyConditionExpression":"b = :b",
                  "ExpressionAttributeValues":{":b":{"S":"B"}}})J"));
            }),
            "ValidationException");  // "Query condition missed key schema element: a"
}

TEST_F(DynamoOps, TableByArn) {
  OpContext oc = op_context();
  TablePtr t = table_by_arn(ctx_.storage(), cat_, oc, "arn:aws:dynamodb:us-east-1:000000000000:table/tbl");
  EXPECT_EQ(t->name, "tbl");
  EXPECT_EQ(code_of([&] { table_by_arn(ctx_.storage(), cat_, oc, "not-an-arn"); }), "ValidationException");
  EXPECT_EQ(code_of([&] { table_by_arn(ctx_.storage(), cat_, oc, "arn:aws:dynamodb:us-east-1:000000000000:table/x"); }),
            "ResourceNotFoundException");
}

}  // namespace
}  // namespace stratus
