// sns/delivery.h: filter policies (attribute and MessageBody scope), and store_publish() writing
// SQS copies in-line with the publish, storing a "sns.publish" event only for what is left
// (other protocols, copies that could not be stored), with the caller's extra writes in the
// same batch.
#include "services/sns/delivery.h"

#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <shared_mutex>

#include "../running.h"
#include "core/json.h"
#include "services/sns/checks.h"
#include "services/sqs/api.h"
#include "storage/engine.h"

namespace stratus::sns {
namespace {

constexpr const char* kQueues = "arn:aws:sqs:eu-west-1:111122223333:";

std::shared_ptr<const Sub> sub(const std::string& name, const std::string& protocol, const std::string& endpoint,
                               const std::string& policy = "", bool body_scope = false) {
  auto s = std::make_shared<Sub>();
  s->arn = "arn:aws:sns:eu-west-1:111122223333:t:" + name;
  s->topic_arn = "arn:aws:sns:eu-west-1:111122223333:t";
  s->protocol = protocol;
  s->endpoint = endpoint;
  s->confirmed = true;
  s->attributes["RawMessageDelivery"] = "true";
  if (body_scope) s->attributes["FilterPolicyScope"] = "MessageBody";
  if (!policy.empty()) {
    std::string error;
    s->filter = parse_filter_policy(policy, &error);
    EXPECT_TRUE(s->filter) << error;
  }
  return s;
}

Published message(const std::string& text, std::vector<MsgAttr> attrs = {}) {
  Published p;
  p.topic_arn = "arn:aws:sns:eu-west-1:111122223333:t";
  p.message_id = "6b0e0d2a-1111-2222-3333-444455556666";
  p.message = Doc(text);
  p.attrs = std::move(attrs);
  p.timestamp_ms = 1'700'000'000'000;
  p.host = "localhost:4566";
  return p;
}

TEST(SnsFilter, AttributeAndBodyScopes) {
  Published red = message(R"({"color":"red"})", {{"color", "String", "red"}});
  Published blue = message(R"({"color":"blue"})", {{"color", "String", "blue"}});
  Published text = message("not json", {{"color", "String", "red"}});
  auto none = sub("none", "sqs", "q");
  EXPECT_TRUE(passes_filter(*none, red));
  auto attr = sub("attr", "sqs", "q", R"({"color":["red"]})");
  EXPECT_TRUE(passes_filter(*attr, red));
  EXPECT_FALSE(passes_filter(*attr, blue));
  EXPECT_TRUE(passes_filter(*attr, text));  // attributes scope: the body does not matter
  EXPECT_FALSE(passes_filter(*attr, message(R"({"color":"red"})")));
  auto body = sub("body", "sqs", "q", R"({"color":["red"]})", true);
  EXPECT_TRUE(passes_filter(*body, red));
  EXPECT_FALSE(passes_filter(*body, blue));
  EXPECT_FALSE(passes_filter(*body, text));  // not JSON: never matches a MessageBody policy
  auto numeric = sub("num", "sqs", "q", R"({"n":[{"numeric":[">",5]}]})");
  EXPECT_TRUE(passes_filter(*numeric, message("m", {{"n", "Number", "6"}})));
  EXPECT_FALSE(passes_filter(*numeric, message("m", {{"n", "Number", "5"}})));
}

class SnsStorePublish : public ::testing::Test {
 protected:
  // SQS runs; SNS's own service does not, so nothing consumes the "sns.publish" events stored.
  SnsStorePublish() {
    st_.emplace(ctx_);
    st_->sqs = sqs::api(ctx_);
    for (const char* q : {"a", "b"}) run_.ok("sqs", "CreateQueue", std::string(R"({"QueueName":")") + q + "\"}");
  }
  ~SnsStorePublish() override { st_.reset(); }
  storage::Status publish(Published& p, const Fanout& f, const std::function<void(storage::WriteBatch&)>& extra = {}) {
    std::shared_lock lk(st_->store.mutex());
    return store_publish(*st_, p, f, extra);
  }
  // The bodies waiting in queue `name`.
  std::vector<std::string> bodies(const std::string& name) {
    std::optional<Result<Doc>> out;
    st_->sqs->receive(kQueues + name, json::parse(R"({"MaxNumberOfMessages":10})"),
                      [&](Result<Doc> r) { out.emplace(std::move(r)); });
    std::vector<std::string> b;
    if (out && out->ok())
      if (const Doc* m = out->value().get("Messages"))
        for (const Doc& d : m->as_list()) b.push_back(d.str("Body"));
    return b;
  }
  // The values of the stored (pending) events.
  std::vector<std::string> stored_events() {
    std::vector<std::string> v;
    for (auto it = ctx_.storage().scan("events.pending", {}); it->valid(); it->next()) v.emplace_back(it->value());
    return v;
  }

  unit::Running run_{{"sqs"}};
  ServerContext& ctx_ = run_.ctx;
  std::optional<State> st_;
};

TEST_F(SnsStorePublish, SqsCopiesInlineAndNoEvent) {
  Fanout f;
  f.subs = {sub("a", "sqs", std::string(kQueues) + "a", R"({"k":["v"]})"),
            sub("b", "sqs", std::string(kQueues) + "b", R"({"k":["other"]})")};
  Published p = message("hello", {{"k", "String", "v"}});
  bool extra = false;
  ASSERT_TRUE(publish(p, f, [&](storage::WriteBatch& b) {
                extra = true;
                b.put("test.extra", "k", "v");
              }).ok());
  EXPECT_TRUE(extra);
  std::string v;
  EXPECT_TRUE(ctx_.storage().get("test.extra", "k", &v).ok());
  EXPECT_EQ(p.done, (std::set<std::string>{f.subs[0]->arn}));
  EXPECT_EQ(bodies("a"), (std::vector<std::string>{"hello"}));
  EXPECT_TRUE(bodies("b").empty());  // filtered out
  EXPECT_TRUE(stored_events().empty());
}

TEST_F(SnsStorePublish, OtherProtocolsAndFailedCopiesGoToTheEvent) {
  Fanout f;
  f.subs = {sub("a", "sqs", std::string(kQueues) + "a"), sub("gone", "sqs", std::string(kQueues) + "gone"),
            sub("h", "http", "http://localhost:1/x")};
  Published p = message("hi");
  ASSERT_TRUE(publish(p, f).ok());
  EXPECT_EQ(bodies("a"), (std::vector<std::string>{"hi"}));
  auto events = stored_events();
  ASSERT_EQ(events.size(), 1u);
  const std::string& payload = events[0];
  // The event carries the publish with the in-line copy marked done.
  EXPECT_NE(payload.find(p.message_id), std::string::npos);
  EXPECT_NE(payload.find(f.subs[0]->arn), std::string::npos);
  EXPECT_EQ(p.done, (std::set<std::string>{f.subs[0]->arn}));
}

TEST_F(SnsStorePublish, WithoutSqsEverythingGoesToTheEvent) {
  st_->sqs = nullptr;
  Fanout f;
  f.subs = {sub("a", "sqs", std::string(kQueues) + "a")};
  Published p = message("later");
  ASSERT_TRUE(publish(p, f).ok());
  EXPECT_TRUE(p.done.empty());
  EXPECT_EQ(stored_events().size(), 1u);
  st_->sqs = sqs::api(ctx_);
  EXPECT_TRUE(bodies("a").empty());
}

}  // namespace
}  // namespace stratus::sns
