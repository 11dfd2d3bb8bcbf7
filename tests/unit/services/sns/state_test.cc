// sns/state.h: a State reads every topic and subscription of the engine into memory, leaves the
// ports unresolved (start() resolves them), and reset() drops what is cached.
#include "services/sns/state.h"

#include <gtest/gtest.h>

#include "../running.h"
#include "core/json.h"
#include "storage/engine.h"

namespace stratus::sns {
namespace {

TEST(SnsState, LoadsTheEngineAndResets) {
  unit::Running run({"sns"});
  ServerContext& ctx = run.ctx;
  auto topic = run.call("sns", "CreateTopic", R"({"Name":"t"})");
  ASSERT_TRUE(topic.ok());
  std::string arn = topic.value().str("TopicArn");
  auto sub =
      run.call("sns", "Subscribe",
               R"({"TopicArn":")" + arn + R"(","Protocol":"sqs","Endpoint":"arn:aws:sqs:eu-west-1:111122223333:q"})");
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
}

}  // namespace
}  // namespace stratus::sns
