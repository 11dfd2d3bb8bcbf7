// DynamoDB table names and ARNs (TableName members), resource-based policy documents and the
// table record's new members (warm / on-demand throughput, billing switch, policies).
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/json.h"
#include "services/dynamodb/ops.h"
#include "services/dynamodb/store.h"

using namespace stratus;
using namespace stratus::dynamodb;

TEST(DynamoDbNames, NameRules) {
  EXPECT_NO_THROW(check_resource_name("abc", "tableName"));
  EXPECT_NO_THROW(check_resource_name(std::string(255, 'a'), "tableName"));
  EXPECT_NO_THROW(check_resource_name("a-b_c.D9", "indexName"));
  EXPECT_THROW(check_resource_name("ab", "tableName"), AwsError);
  EXPECT_THROW(check_resource_name(std::string(256, 'a'), "tableName"), AwsError);
  EXPECT_THROW(check_resource_name("a b", "tableName"), AwsError);
  EXPECT_THROW(check_resource_name(std::string("ab\0c", 4), "tableName"), AwsError);
  try {
    check_resource_name("x", "indexName");
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "ValidationException");
    EXPECT_EQ(e.message,
              "1 validation error detected: Value 'x' at 'indexName' failed to satisfy constraint: Member must have "
              "length greater than or equal to 3");
  }
}

TEST(DynamoDbNames, TableArns) {
  EXPECT_EQ(table_name_of("1", "r", "tbl"), "tbl");
  EXPECT_EQ(table_name_of("1", "r", "arn:aws:dynamodb:r:1:table/tbl"), "tbl");
  EXPECT_EQ(table_name_of("1", "r", "arn:aws:dynamodb:r:2:table/tbl"), std::nullopt);  // another account
  EXPECT_EQ(table_name_of("1", "r", "arn:aws:dynamodb:x:1:table/tbl"), std::nullopt);  // another region
  EXPECT_THROW(table_name_of("1", "r", "arn:aws:dynamodb:r:1:table/tbl/index/i"), AwsError);
  EXPECT_THROW(table_name_of("1", "r", "arn:aws:dynamodb:r:1:table/"), AwsError);
  EXPECT_THROW(table_name_of("1", "r", "arn:aws:sqs:r:1:table/tbl"), AwsError);
  EXPECT_THROW(table_name_of("1", "r", "arn:aws:dynamodb:r:1:table/a b"), AwsError);
  EXPECT_THROW(table_name_of("1", "r", "arn:"), AwsError);
}

TEST(DynamoDbPolicies, RevisionsAndDocuments) {
  TableInfo t;
  std::string doc = R"({"Version":"2012-10-17","Statement":[]})";
  std::string r1 = set_policy(t, "", doc, 1000);
  EXPECT_EQ(r1, "1000");
  EXPECT_EQ(set_policy(t, "", doc, 5000), r1);                      // unchanged document, unchanged revision
  std::string r2 = set_policy(t, "", R"({"Statement":[1]})", 900);  // the clock went back
  EXPECT_EQ(r2, "1001");
  EXPECT_EQ(set_policy(t, "label", doc, 7), "7");  // a stream's policy is its own
  EXPECT_THROW(set_policy(t, "", "", 1), AwsError);
  EXPECT_THROW(set_policy(t, "", "{nope", 1), AwsError);
  EXPECT_THROW(set_policy(t, "", "[]", 1), AwsError);
  EXPECT_THROW(set_policy(t, "", R"({"Statement":")" + std::string(20 * 1024, 'x') + "\"}", 1), AwsError);
}

TEST(DynamoDbPolicies, TableRecordKeepsNewMembers) {
  TableInfo t;
  t.account = "1";
  t.region = "r";
  t.name = "tbl";
  t.id = 5;
  t.hash = KeyDef{"pk", Type::S};
  t.billing_ms = 42;
  t.max_read = 10;
  t.warm_write = 5000;
  IndexInfo ix;
  ix.name = "gix";
  ix.keys.hash = {KeyDef{"g", Type::S}};
  ix.max_write = 3;
  ix.warm_read = 20000;
  t.indexes.push_back(ix);
  set_policy(t, "", R"({"Statement":[]})", 77);
  auto back = TableInfo::from_json(json::parse(json::write(t.to_json())));
  EXPECT_EQ(back->billing_ms, 42);
  EXPECT_EQ(back->max_read, 10);
  EXPECT_EQ(back->warm_write, 5000);
  EXPECT_EQ(back->indexes[0].max_write, 3);
  EXPECT_EQ(back->indexes[0].warm_read, 20000);
  EXPECT_EQ(back->policies.get("")->str("RevisionId"), "77");
}
