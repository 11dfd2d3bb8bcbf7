// sqs/port.h: the port SNS and Lambda use (api.h) on a running SQS: errors come back as values,
// deliveries are visible to ReceiveMessage, receive/remove/change_visibility act on the queue
// named by ARN, deliver_all stages every target's outcome before its one write, and finish_on_read
// bodies go through the body finisher.
#include "services/sqs/port.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>

#include "../running.h"
#include "core/json.h"
#include "storage/engine.h"

namespace stratus {
namespace {

constexpr const char* kAccount = "111122223333";
constexpr const char* kRegion = "eu-west-1";

sqs::Delivery msg(std::string body, std::string group = "") {
  sqs::Delivery d;
  d.body = std::move(body);
  d.group_id = std::move(group);
  return d;
}

class SqsPort : public ::testing::Test {
 protected:
  SqsPort() { port_ = sqs::api(run_.ctx); }

  // Creates the queue; answers its ARN.
  std::string queue(const std::string& name, const std::string& attrs = "{}") {
    urls_[name] =
        run_.ok("sqs", "CreateQueue", R"({"QueueName":")" + name + R"(","Attributes":)" + attrs + "}").str("QueueUrl");
    return std::string("arn:aws:sqs:") + kRegion + ":" + kAccount + ":" + name;
  }
  Result<Doc> receive(const std::string& arn, const std::string& request = R"({"MaxNumberOfMessages":10})") {
    std::optional<Result<Doc>> out;
    port_->receive(arn, json::parse(request), [&](Result<Doc> r) { out.emplace(std::move(r)); });
    EXPECT_TRUE(out.has_value()) << "a receive without wait answers inline";
    return out ? std::move(*out) : Result<Doc>(AwsError("none", ""));
  }
  static const DocList& messages(const Result<Doc>& r) {
    static const DocList none;
    const Doc* m = r.ok() ? r.value().get("Messages") : nullptr;
    return m ? m->as_list() : none;
  }

  unit::Running run_{{"sqs"}, true, kAccount, kRegion};
  sqs::Api* port_ = nullptr;
  std::map<std::string, std::string> urls_;
};

TEST_F(SqsPort, MissingQueuesAnswerQueueDoesNotExist) {
  ASSERT_NE(port_, nullptr);
  std::string arn = std::string("arn:aws:sqs:") + kRegion + ":" + kAccount + ":nope";
  auto id = port_->deliver(arn, msg("x"));
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().code, "QueueDoesNotExist");
  EXPECT_FALSE(port_->info(arn).has_value());
  EXPECT_FALSE(receive(arn).ok());
  EXPECT_FALSE(port_->remove(arn, {"h"}).ok());
  EXPECT_FALSE(port_->change_visibility(arn, "h", 0).ok());
  EXPECT_FALSE(port_->deliver("not an arn", msg("x")).ok());
}

TEST_F(SqsPort, DeliverReceiveChangeVisibilityRemove) {
  std::string arn = queue("q", R"({"VisibilityTimeout":"45"})");
  auto info = port_->info(arn);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->fifo);
  EXPECT_EQ(info->visibility_timeout, 45);
  auto empty = port_->deliver(arn, msg(""));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "MissingParameter");
  sqs::Delivery d = msg("hello");
  d.attrs = {{"k", "String", "v"}};
  auto id = port_->deliver(arn, d);
  ASSERT_TRUE(id.ok()) << id.error().message;
  auto r = receive(arn, R"({"MaxNumberOfMessages":10,"MessageAttributeNames":["All"]})");
  ASSERT_EQ(messages(r).size(), 1u);
  Doc m = messages(r)[0];
  EXPECT_EQ(m.str("MessageId"), id.value());
  EXPECT_EQ(m.str("Body"), "hello");
  EXPECT_EQ(m["MessageAttributes"]["k"].str("StringValue"), "v");
  std::string handle = m.str("ReceiptHandle");
  EXPECT_TRUE(messages(receive(arn)).empty());  // in flight
  ASSERT_TRUE(port_->change_visibility(arn, handle, 0).ok());
  r = receive(arn);
  ASSERT_EQ(messages(r).size(), 1u);
  handle = messages(r)[0].str("ReceiptHandle");
  ASSERT_TRUE(port_->remove(arn, {handle}).ok());
  ASSERT_TRUE(port_->remove(arn, {handle}).ok());  // already gone: still fine
  EXPECT_FALSE(port_->change_visibility(arn, handle, 0).ok());
  EXPECT_FALSE(port_->change_visibility(arn, "", 0).ok());
  Doc attrs = run_.ok("sqs", "GetQueueAttributes",
                      R"({"QueueUrl":")" + urls_["q"] + R"(","AttributeNames":["ApproximateNumberOfMessages"]})");
  EXPECT_EQ(attrs["Attributes"].str("ApproximateNumberOfMessages"), "0");
}

TEST_F(SqsPort, FifoInfoAndGroups) {
  std::string arn = queue("f.fifo", R"({"FifoQueue":"true","ContentBasedDeduplication":"true"})");
  auto info = port_->info(arn);
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->fifo);
  EXPECT_FALSE(port_->deliver(arn, msg("no group")).ok());
  auto a = port_->deliver(arn, msg("a", "g"));
  ASSERT_TRUE(a.ok());
  // Same body, same group: deduplicated (same MessageId, one message).
  auto again = port_->deliver(arn, msg("a", "g"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value(), a.value());
  EXPECT_EQ(messages(receive(arn)).size(), 1u);
}

TEST_F(SqsPort, DeliverAllStagesOutcomesInOrderAndWritesTheBatch) {
  std::string a = queue("a"), b = queue("b");
  std::string missing = std::string("arn:aws:sqs:") + kRegion + ":" + kAccount + ":missing";
  std::vector<sqs::Api::Target> targets = {{a, msg("1")}, {missing, msg("2")}, {b, msg("3")}};
  storage::WriteBatch batch;
  std::vector<Result<std::string>> seen;
  auto st = port_->deliver_all(targets, batch, [&](const std::vector<Result<std::string>>& r, storage::WriteBatch& wb) {
    seen = r;
    wb.put("test.extra", "k", "v");  // the caller's own write goes in the same batch
  });
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_TRUE(seen[0].ok());
  ASSERT_FALSE(seen[1].ok());
  EXPECT_EQ(seen[1].error().code, "QueueDoesNotExist");
  EXPECT_TRUE(seen[2].ok());
  std::string v;
  EXPECT_TRUE(run_.ctx.storage().get("test.extra", "k", &v).ok());
  auto ra = receive(a);
  ASSERT_EQ(messages(ra).size(), 1u);
  EXPECT_EQ(messages(ra)[0].str("MessageId"), seen[0].value());
  EXPECT_EQ(messages(receive(b))[0].str("Body"), "3");
}

TEST_F(SqsPort, FinishOnReadBodiesGoThroughTheFinisher) {
  std::string arn = queue("fin");
  port_->set_body_finisher([](std::string_view body) { return "<" + std::string(body) + ">"; });
  sqs::Delivery d = msg("compact");
  d.finish_on_read = true;
  d.finished_size = 9;
  ASSERT_TRUE(port_->deliver(arn, d).ok());
  ASSERT_TRUE(port_->deliver(arn, msg("plain")).ok());
  std::set<std::string> bodies;
  auto r = receive(arn);  // kept alive: a range-for over messages(receive(...)) reads a dead temporary
  for (const Doc& m : messages(r)) bodies.insert(m.str("Body"));
  EXPECT_EQ(bodies, (std::set<std::string>{"<compact>", "plain"}));
}

TEST_F(SqsPort, QueueSizeLimitAppliesUnlessWaived) {
  std::string arn = queue("small", R"({"MaximumMessageSize":"1024"})");
  std::string big(2000, 'x');
  auto r = port_->deliver(arn, msg(big));
  EXPECT_FALSE(r.ok());
  sqs::Delivery waived = msg(big);
  waived.queue_size_limit = false;
  EXPECT_TRUE(port_->deliver(arn, waived).ok());
}

}  // namespace
}  // namespace stratus
