// SNS message attributes as Publish checks them, and the publish event's payload round trip.
#include <gtest/gtest.h>

#include "core/error.h"
#include "services/sns/message.h"

namespace stratus::sns {
namespace {

Doc attr(const std::string& type, const std::string& value) {
  Doc a = Doc::map();
  a.set("DataType", type);
  if (type.rfind("Binary", 0) == 0) a.set("BinaryValue", Blob{value});
  else a.set("StringValue", value);
  return a;
}

TEST(SnsMessageAttributes, AcceptsEachType) {
  Doc m = Doc::map();
  m.set("s", attr("String", "hello"));
  m.set("n", attr("Number.float", "1.5"));
  m.set("b", attr("Binary", std::string("\0\xff", 2)));
  m.set("l", attr("String.Array", R"(["a",1])"));
  auto r = parse_message_attributes(&m);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].name, "b");  // map order
  EXPECT_EQ(r[0].value, std::string("\0\xff", 2));
  EXPECT_EQ(r[2].type, "Number.float");
}

TEST(SnsMessageAttributes, NoneIsEmpty) {
  EXPECT_TRUE(parse_message_attributes(nullptr).empty());
}

TEST(SnsMessageAttributes, Rejects) {
  auto code = [](const Doc& m) {
    try {
      parse_message_attributes(&m);
    } catch (const AwsError& e) {
      return e.code;
    }
    return std::string("ok");
  };
  Doc many = Doc::map();
  for (int i = 0; i < 11; ++i) many.set("a" + std::to_string(i), attr("String", "v"));
  EXPECT_EQ(code(many), "InvalidParameter");
  Doc bad_type = Doc::map();
  bad_type.set("a", attr("Text", "v"));
  EXPECT_EQ(code(bad_type), "ParameterValueInvalid");
  Doc bad_number = Doc::map();
  bad_number.set("a", attr("Number", "12abc"));
  EXPECT_EQ(code(bad_number), "ParameterValueInvalid");
  Doc not_array = Doc::map();  // accepted: filter policies match it as a string
  not_array.set("a", attr("String.Array", R"({"a":1})"));
  EXPECT_EQ(code(not_array), "ok");
  for (const char* name : {".a", "a.", "a..b", "AWS.x", "amazon.y", "a b", ""}) {
    Doc bad_name = Doc::map();
    bad_name.set(name, attr("String", "v"));
    EXPECT_EQ(code(bad_name), "InvalidParameter") << name;
  }
  Doc control = Doc::map();
  control.set("a", attr("String", std::string("x\x01y")));
  EXPECT_EQ(code(control), "ParameterValueInvalid");
}

TEST(SnsMessageAttributes, FilterViewTypesValues) {
  std::vector<MsgAttr> attrs = {{"n", "Number", "42"}, {"s", "String", "red"}, {"b", "Binary", "xx"},
                                {"l", "String.Array", R"(["x","y"])"}};
  Doc v = filter_view(attrs);
  ASSERT_TRUE(v.get("n"));
  EXPECT_TRUE(v.get("n")->is_number());
  EXPECT_EQ(v.str("s"), "red");
  EXPECT_FALSE(v.has("b"));
  ASSERT_TRUE(v.get("l"));
  EXPECT_TRUE(v.get("l")->is_list());
}

TEST(SnsMessageAttributes, FilterViewNumbersAtFiveDecimals) {
  std::vector<MsgAttr> attrs = {{"n", "Number", "0.30000000000000004"},
                                {"l", "String.Array", "[1.000001, \"x\"]"},
                                {"p", "String.Array", "plain text"}};
  Doc v = filter_view(attrs);
  EXPECT_EQ(v.get("n")->as_double(), 0.3);
  EXPECT_EQ(v.get("l")->as_list()[0].as_double(), 1.0);
  EXPECT_EQ(v.str("p"), "plain text");
}

TEST(SnsMessageAttributes, Names) {
  EXPECT_TRUE(valid_attribute_name("a.b-c_D9"));
  EXPECT_TRUE(valid_attribute_name(std::string(256, 'a')));
  EXPECT_FALSE(valid_attribute_name(std::string(257, 'a')));
  EXPECT_TRUE(valid_attribute_name("AWSx"));
  EXPECT_FALSE(valid_attribute_name("Aws.x"));
}

TEST(SnsPublished, PayloadRoundTrip) {
  Published p;
  p.topic_arn = "arn:aws:sns:us-east-1:000000000000:t.fifo";
  p.message_id = "id-1";
  p.subject = "Subj";
  Doc msg = Doc::map();
  msg.set("default", "d");
  msg.set("sqs", "for queues");
  p.message = msg;
  p.attrs = {{"k", "String", "v"}, {"bin", "Binary", std::string("\0\1", 2)}};
  p.group_id = "g";
  p.dedup_id = "dd";
  p.timestamp_ms = 1'700'000'000'123;
  p.sequence = 10'000'000'000'000'000'001ULL;
  p.host = "localhost:4566";
  p.done = {"arn:aws:sns:us-east-1:000000000000:t.fifo:a"};
  Published r = Published::from(p.payload());
  EXPECT_EQ(r.topic_arn, p.topic_arn);
  EXPECT_EQ(r.message_id, p.message_id);
  EXPECT_EQ(r.subject, p.subject);
  EXPECT_EQ(r.message, p.message);
  ASSERT_EQ(r.attrs.size(), 2u);
  EXPECT_EQ(r.attrs[1].value, std::string("\0\1", 2));  // binary survives (base64 in the payload)
  EXPECT_EQ(r.group_id, "g");
  EXPECT_EQ(r.dedup_id, "dd");
  EXPECT_EQ(r.timestamp_ms, p.timestamp_ms);
  EXPECT_EQ(r.sequence, p.sequence);
  EXPECT_EQ(r.host, p.host);
  EXPECT_EQ(r.done, p.done);
  EXPECT_EQ(r.text_for("sqs"), "for queues");
  EXPECT_EQ(r.text_for("email"), "d");
}

TEST(SnsPublished, UnreadablePayloadThrows) { EXPECT_ANY_THROW(Published::from("{not json")); }

}  // namespace
}  // namespace stratus::sns
