// protocol::validate(): AWS's aggregated messages, paths and value rendering.
#include "protocol/validate.h"

#include <gtest/gtest.h>

#include "model/model.h"

namespace stratus {
namespace {

std::string message(const char* service, const char* op, const Doc& in, const char* code = "ValidationException") {
  const auto* svc = model::Models::get(service);
  auto e = protocol::validate(*svc, *svc->find_operation(op)->input, in, code);
  if (!e) return "ok";
  EXPECT_EQ(e->code, code);
  EXPECT_EQ(e->http_status, 400);
  return e->message;
}

Doc key_schema(const char* type) {
  Doc k = Doc::map();
  k.set("AttributeName", "pk");
  k.set("KeyType", type);
  Doc l = Doc::list();
  l.push(k);
  return l;
}

TEST(Validate, ValidInputPasses) {
  Doc in = Doc::map();
  in.set("TableName", "t");
  in.set("Key", Doc::map());
  EXPECT_EQ(message("dynamodb", "GetItem", in), "ok");
}

TEST(Validate, RequiredMember) {
  Doc in = Doc::map();
  in.set("Key", Doc::map());
  EXPECT_EQ(message("dynamodb", "GetItem", in),
            "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: "
            "Member must not be null");
}

TEST(Validate, SeveralErrorsAreAllListed) {
  Doc in = Doc::map();
  in.set("TableName", std::string(1025, 'x'));
  in.set("Limit", 0);
  in.set("Select", "SOME");
  EXPECT_EQ(message("dynamodb", "Query", in),
            "3 validation errors detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value "
            "greater than or equal to 1; Value 'SOME' at 'select' failed to satisfy constraint: Member must satisfy "
            "enum value set: [ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES, SPECIFIC_ATTRIBUTES, COUNT]; Value '" +
                std::string(1025, 'x') +
                "' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 1024");
}

TEST(Validate, NestedListPaths) {
  Doc in = Doc::map();
  in.set("TableName", "tbl");
  in.set("KeySchema", key_schema("BAD"));
  Doc def = Doc::map();
  def.set("AttributeName", "pk");
  Doc defs = Doc::list();
  defs.push(def);
  in.set("AttributeDefinitions", defs);
  EXPECT_EQ(message("dynamodb", "CreateTable", in),
            "2 validation errors detected: Value null at 'attributeDefinitions.1.member.attributeType' failed to "
            "satisfy constraint: Member must not be null; Value 'BAD' at 'keySchema.1.member.keyType' failed to "
            "satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]");
}

TEST(Validate, ListLengthAndScalarItems) {
  Doc in = Doc::map();
  in.set("QueueUrl", "u");
  Doc names = Doc::list();
  names.push("All");
  names.push("Bogus");
  in.set("MessageSystemAttributeNames", names);
  std::string m = message("sqs", "ReceiveMessage", in);
  EXPECT_NE(m.find("Value '[All, Bogus]' at 'messageSystemAttributeNames' failed to satisfy constraint: Member "
                   "must satisfy constraint: [Member must satisfy enum value set: ["),
            std::string::npos)
      << m;
  // A service that checks its enum-typed values itself (SQS) turns the enum check off; the other
  // constraints stay.
  const auto* sqs = model::Models::get("sqs");
  EXPECT_FALSE(protocol::validate(*sqs, *sqs->find_operation("ReceiveMessage")->input, in, "ValidationError", false));
  Doc no_url = Doc::map();
  no_url.set("MessageSystemAttributeNames", names);
  EXPECT_TRUE(
      protocol::validate(*sqs, *sqs->find_operation("ReceiveMessage")->input, no_url, "ValidationError", false));
  Doc empty = Doc::map();
  empty.set("KeySchema", Doc::list());
  empty.set("TableName", "tbl");
  empty.set("AttributeDefinitions", Doc::list());
  EXPECT_NE(message("dynamodb", "CreateTable", empty)
                .find("Value '[]' at 'keySchema' failed to satisfy constraint: Member must have length greater than or "
                      "equal to 1"),
            std::string::npos);
}

TEST(Validate, QueryServicesUseValidationError) {
  EXPECT_EQ(message("iam", "GetRole", Doc::map(), "ValidationError"),
            "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null");
}

TEST(Validate, WrongTypeIsSerializationError) {
  const auto* svc = model::Models::get("dynamodb");
  Doc in = Doc::map();
  in.set("TableName", "t");
  in.set("Limit", "5");
  auto e = protocol::validate(*svc, *svc->find_operation("Query")->input, in, "ValidationException");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "SerializationException");
  EXPECT_EQ(e->message, "STRING_VALUE can not be converted to an Integer");
}

}  // namespace
}  // namespace stratus
