// ServerContext::call: another service's operation through the FrontDoor's validation and
// handler path, with a principal, without HTTP.
#include <gtest/gtest.h>

#include "server/context.h"
#include "storage/engine.h"

namespace stratus {
namespace {

struct Probe {};  // a port type for the provide/port test

class InternalCall : public ::testing::Test {
 protected:
  InternalCall() : ctx_(Config{}, storage::open_memory()) {
    Config c;
    c.services = {"sts", "sqs"};
    for (auto& s : make_services(c)) ctx_.add_service(std::move(s));
    ctx_.start_services();
  }
  ~InternalCall() override { ctx_.stop_services(); }
  OpContext::Caller principal() {
    OpContext::Caller p;
    p.account = "111122223333";
    p.region = "eu-west-1";
    p.arn = "arn:aws:iam::111122223333:root";
    p.user_id = "111122223333";
    return p;
  }
  ServerContext ctx_;
};

TEST_F(InternalCall, RunsTheOperationAsThePrincipal) {
  Result<Doc> r = ctx_.call_sync("sts", "GetCallerIdentity", Doc::map(), principal());
  ASSERT_TRUE(r.ok()) << r.error().code << " " << r.error().message;
  EXPECT_EQ(r.value().str("Account"), "111122223333");
}

TEST_F(InternalCall, ValidatesTheInputAgainstTheModel) {
  Result<Doc> r = ctx_.call_sync("sqs", "CreateQueue", Doc::map(), principal());  // QueueName missing
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 400);
}

TEST_F(InternalCall, UnknownServiceAndOperation) {
  Result<Doc> r = ctx_.call_sync("sns", "Publish", Doc::map(), principal());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ServiceUnavailableException");
  r = ctx_.call_sync("sts", "NoSuchOperation", Doc::map(), principal());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "UnknownOperationException");
}

TEST_F(InternalCall, PortsResolveByType) {
  EXPECT_EQ(ctx_.port<Probe>(), nullptr);
  Probe p;
  ctx_.provide<Probe>(&p);
  EXPECT_EQ(ctx_.port<Probe>(), &p);
}

TEST_F(InternalCall, SchedulerByNameIsOnePerName) {
  Scheduler& a = ctx_.scheduler("test-a");
  EXPECT_EQ(&a, &ctx_.scheduler("test-a"));
  EXPECT_NE(&a, &ctx_.scheduler("test-b"));
}

}  // namespace
}  // namespace stratus
