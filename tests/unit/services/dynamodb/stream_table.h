// For DynamoDB's unit tests: table "tbl" (hash key id, S) with a stream of `view_type`, written
// through the handlers (prepare, then apply).
#pragma once

#include <gtest/gtest.h>

#include "../running.h"
#include "core/clock.h"
#include "services/dynamodb/api.h"
#include "services/dynamodb/ops.h"

namespace stratus::dynamodb {

class StreamTable : public ::testing::Test {
 protected:
  explicit StreamTable(const std::string& view_type)
      : run_({"dynamodb"}, false, "000000000000", "us-east-1"),
        oc_(run_.op_context("dynamodb", "PutItem", now_millis())) {
    Doc t = create_table(cat_, *oc_, json::parse(R"J({"TableName":"tbl","BillingMode":"PAY_PER_REQUEST",
        "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
        "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
        "StreamSpecification":{"StreamEnabled":true,"StreamViewType":")J" + view_type + R"J("}})J"));
    stream_arn_ = t["TableDescription"].str("LatestStreamArn");
    stream_ = find_stream(engine(), stream_arn_).value_or(StreamRef{});
  }
  // PutItem of `item` (its JSON, in DynamoDB's attribute value form).
  void put(const std::string& item) {
    put_item(cat_, *oc_, json::parse(R"J({"TableName":"tbl","Item":)J" + item + "}")).apply(cat_, *oc_);
  }
  storage::Engine& engine() { return run_.ctx.storage(); }

  unit::Running run_;
  Catalog cat_;
  std::unique_ptr<OpContext> oc_;
  std::string stream_arn_;
  StreamRef stream_;
};

}  // namespace stratus::dynamodb
