// SQS's queue attribute rules: normalised values, the errors AWS gives, and the parsed Config.
#include "services/sqs/attributes.h"

#include <gtest/gtest.h>

#include "services/sqs/store.h"

namespace stratus::sqs {
namespace {

Doc attrs(std::initializer_list<std::pair<const char*, const char*>> kv) {
  Doc d = Doc::map();
  for (const auto& [k, v] : kv) d.set(k, std::string(v));
  return d;
}

TEST(SqsAttributes, NormalisesValues) {
  Store store;
  Doc in = attrs({{"VisibilityTimeout", "0042"}, {"SqsManagedSseEnabled", "TRUE"}, {"Policy", ""}});
  auto out = check_attributes(store, &in, true, false, "arn:self");
  EXPECT_EQ(out.at("VisibilityTimeout"), "42");
  EXPECT_EQ(out.at("SqsManagedSseEnabled"), "true");
  EXPECT_EQ(out.at("Policy"), "");  // "" removes the policy
}

TEST(SqsAttributes, RefusesWhatAwsRefuses) {
  Store store;
  auto code = [&](Doc in, bool creating, bool fifo) {
    try {
      check_attributes(store, &in, creating, fifo, "arn:self");
      return std::string();
    } catch (const AwsError& e) {
      return e.code;
    }
  };
  EXPECT_EQ(code(attrs({{"VisibilityTimeout", "43201"}}), true, false), "InvalidAttributeValue");
  EXPECT_EQ(code(attrs({{"Nope", "1"}}), true, false), "InvalidAttributeName");
  EXPECT_EQ(code(attrs({{"FifoQueue", "true"}}), false, true), "InvalidAttributeName");  // not settable later
  EXPECT_EQ(code(attrs({{"ContentBasedDeduplication", "true"}}), true, false), "InvalidAttributeName");
  EXPECT_EQ(code(attrs({{"DeduplicationScope", "everywhere"}}), true, true), "InvalidAttributeValue");
  EXPECT_EQ(code(attrs({{"Policy", "[1]"}}), true, false), "InvalidAttributeValue");
  EXPECT_EQ(code(attrs({{"RedrivePolicy", "{\"maxReceiveCount\":3}"}}), true, false), "InvalidParameterValue");
  // The dead-letter queue must exist.
  EXPECT_EQ(code(attrs({{"RedrivePolicy", "{\"deadLetterTargetArn\":\"arn:x\",\"maxReceiveCount\":3}"}}), true, false),
            "InvalidParameterValue");
}

TEST(SqsAttributes, FifoThroughputNeedsGroupScope) {
  EXPECT_THROW(check_fifo_throughput({{"FifoThroughputLimit", "perMessageGroupId"}}), AwsError);
  EXPECT_NO_THROW(
      check_fifo_throughput({{"FifoThroughputLimit", "perMessageGroupId"}, {"DeduplicationScope", "messageGroup"}}));
  EXPECT_NO_THROW(check_fifo_throughput({{"FifoThroughputLimit", "perQueue"}}));
}

TEST(SqsAttributes, DefaultsAndConfig) {
  auto std_defaults = default_attributes(false);
  EXPECT_EQ(std_defaults.count("FifoQueue"), 0u);
  auto fifo_defaults = default_attributes(true);
  EXPECT_EQ(fifo_defaults.at("DeduplicationScope"), "queue");

  auto a = default_attributes(true);
  a["VisibilityTimeout"] = "12";
  a["ContentBasedDeduplication"] = "true";
  a["DeduplicationScope"] = "messageGroup";
  a["RedrivePolicy"] = "{\"deadLetterTargetArn\":\"arn:dlq\",\"maxReceiveCount\":4}";
  Config c = parse_config(a);
  EXPECT_EQ(c.visibility_timeout, 12);
  EXPECT_EQ(c.maximum_message_size, 1048576);
  EXPECT_TRUE(c.content_based_dedup);
  EXPECT_TRUE(c.dedup_scope_group);
  EXPECT_EQ(c.dlq_arn, "arn:dlq");
  EXPECT_EQ(c.max_receive_count, 4);
  a["VisibilityTimeout"] = "junk";
  EXPECT_EQ(parse_config(a).visibility_timeout, 30);  // unparseable: the default
}

TEST(SqsAttributes, ReadOnlyNames) {
  EXPECT_TRUE(read_only_attribute("QueueArn"));
  EXPECT_FALSE(read_only_attribute("VisibilityTimeout"));
  EXPECT_NE(find_spec("VisibilityTimeout"), nullptr);
  EXPECT_EQ(find_spec("QueueArn"), nullptr);
}

}  // namespace
}  // namespace stratus::sqs
