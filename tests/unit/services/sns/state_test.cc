// sns/state.h: a State reads every topic and subscription of the engine into memory, leaves the
// ports unresolved (start() resolves them), and reset() drops what is cached.
#include "services/sns/state.h"

#include <gtest/gtest.h>

#include "core/json.h"
#include "server/context.h"
#include "storage/engine.h"

namespace stratus::sns {
namespace {

TEST(SnsState, LoadsTheEngineAndResets) {
  ServerContext ctx(Config{}, storage::open_memory());
  Config c;
  c.services = {"sns"};
  for (auto& s : make_services(c)) ctx.add_service(std::move(s));
  ctx.start_services();
  OpContext::Caller p;
  p.account = "111122223333";
  p.region = "eu-west-1";
  p.arn = "arn:aws:iam::111122223333:root";
  auto topic = ctx.call_sync("sns", "CreateTopic", json::parse(R"({"Name":"t"})"), p);
  ASSERT_TRUE(topic.ok());
  std::string arn = topic.value().str("TopicArn");
  auto sub = ctx.call_sync("sns", "Subscribe",
                           json::parse(R"({"TopicArn":")" + arn +
                                       R"(","Protocol":"sqs","Endpoint":"arn:aws:sqs:eu-west-1:111122223333:q"})"),
                           p);
  ASSERT_TRUE(sub.ok());
  std::string sub_arn = sub.value().str("SubscriptionArn");

  State st(ctx);  // a second State over the same engine: what a restart reads
  EXPECT_EQ(&st.server, &ctx);
  EXPECT_EQ(&st.engine, &ctx.storage());
  EXPECT_EQ(st.sqs, nullptr);
  EXPECT_EQ(st.metrics, nullptr);
  ASSERT_NE(st.store.topic(arn), nullptr);
  auto s = st.store.sub(sub_arn);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->topic_arn, arn);
  EXPECT_EQ(s->protocol, "sqs");
  EXPECT_TRUE(s->confirmed);
  EXPECT_EQ(st.store.fanout_of(*st.store.topic(arn)).subs.size(), 1u);
  // The signing key is the one the running SNS stored.
  std::string cert = st.envelopes.signer().certificate_pem();
  st.reset();
  EXPECT_EQ(st.store.topic(arn), nullptr);
  EXPECT_EQ(st.store.sub(sub_arn), nullptr);
  EXPECT_EQ(st.envelopes.signer().certificate_pem(), cert);  // reloaded from storage
  ctx.stop_services();
}

}  // namespace
}  // namespace stratus::sns
