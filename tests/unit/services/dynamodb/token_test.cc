// DynamoDB ClientRequestToken (TransactWriteItems, ExecuteTransaction): a token is claimed while its
// request is applied (TransactionInProgressException for another request with it), then remembered
// with the request's digest (replay without applying; IdempotentParameterMismatchException).
#include <gtest/gtest.h>

#include "core/json.h"
#include "server/context.h"
#include "services/dynamodb/common.h"
#include "storage/engine.h"

namespace stratus {
namespace {

class DynamoToken : public ::testing::Test {
 protected:
  static Config config() {
    Config c;
    c.ephemeral = true;
    c.services = {"dynamodb"};
    return c;
  }
  DynamoToken() : ctx_(config(), storage::open_memory()) {
    for (auto& s : make_services(config())) ctx_.add_service(std::move(s));
  }
  OpContext op_context() {
    Service* svc = ctx_.service("dynamodb");
    OpContext oc{ctx_, ctx_.storage(), svc->model(), *svc->model().find_operation("TransactWriteItems"), {}, "req", 1000, {}};
    oc.caller.account = "000000000000";
    oc.caller.region = "us-east-1";
    return oc;
  }
  static Doc request(const std::string& token, const std::string& body) {
    Doc in = json::parse(body);
    in.set("ClientRequestToken", token);
    return in;
  }
  static std::string code_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const AwsError& e) {
      return e.code;
    }
    return "";
  }
  ServerContext ctx_;
};

TEST_F(DynamoToken, InFlightThenRememberedThenMismatch) {
  OpContext oc = op_context();
  Doc in = request("tok", R"({"TransactItems":[{"a":1}]})");
  {
    dynamodb::TransactionToken first(oc, in);
    ASSERT_FALSE(first.applied());
    ASSERT_NE(first.record(), nullptr);
    EXPECT_EQ(code_of([&] { dynamodb::TransactionToken second(oc, in); }), "TransactionInProgressException");
    // Another token is independent.
    EXPECT_EQ(code_of([&] { dynamodb::TransactionToken other(oc, request("tok2", R"({"TransactItems":[{"a":1}]})")); }), "");
    ASSERT_TRUE(ctx_.storage().write(*first.record()).ok());  // as commit_transaction does
  }
  {
    dynamodb::TransactionToken again(oc, in);
    EXPECT_TRUE(again.applied());
    EXPECT_EQ(again.record(), nullptr);
  }
  EXPECT_EQ(code_of([&] { dynamodb::TransactionToken diff(oc, request("tok", R"({"TransactItems":[{"a":2}]})")); }),
            "IdempotentParameterMismatchException");
  // A mismatch releases its claim: the identical request still replays.
  dynamodb::TransactionToken last(oc, in);
  EXPECT_TRUE(last.applied());
}

TEST_F(DynamoToken, NoTokenNoIdempotency) {
  OpContext oc = op_context();
  Doc in = json::parse(R"({"TransactItems":[{"a":1}]})");
  dynamodb::TransactionToken a(oc, in);
  dynamodb::TransactionToken b(oc, in);
  EXPECT_FALSE(a.applied());
  EXPECT_EQ(a.record(), nullptr);
}

}  // namespace
}  // namespace stratus
