// The Extensions API (runtime/extensions.h): registration during init, event/next long polls,
// INVOKE and SHUTDOWN events, and when an environment is ready for work.
#include "runtime/extensions.h"

#include <gtest/gtest.h>

#include "core/json.h"
#include "runtime/environment.h"

namespace stratus::runtime {
namespace {

struct Fixture {
  int dispatched = 0, wakes = 0;
  ExtensionsApi api{[this](Env&, After&) { ++dispatched; }, [this] { ++wakes; }};
  std::vector<http::Response> replies;
  Env e;

  Fixture() {
    auto spec = std::make_shared<FunctionSpec>();
    spec->function_name = "fn";
    spec->version = "$LATEST";
    spec->handler = "app.handler";
    spec->account = "000000000000";
    e.spec = spec;
    e.state = Env::State::starting;
  }
  http::Response call(const std::string& method, const std::string& rest, const std::string& body = "",
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::Request req;
    req.method = method;
    req.body = body;
    for (auto& [k, v] : headers) req.headers.set(k, v);
    size_t before = replies.size();
    After after;
    api.route(e, req, rest, [this](http::Response r) { replies.push_back(std::move(r)); }, after);
    after.run();
    if (replies.size() == before) {  // parked
      http::Response none;
      none.status = 0;
      return none;
    }
    return replies.back();
  }
  std::string register_ext(const std::string& name, const std::string& events) {
    http::Response r = call("POST", "register", "{\"events\":" + events + "}", {{"lambda-extension-name", name}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.headers.get("lambda-extension-identifier");
  }
};

TEST(RuntimeExtensions, RegisterDuringInitOnly) {
  Fixture f;
  http::Response r = f.call("POST", "register", "{\"events\":[\"INVOKE\"]}",
                            {{"lambda-extension-name", "ext"}, {"lambda-extension-accept-feature", "accountId"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE(r.headers.get("lambda-extension-identifier").empty());
  Doc body = json::parse(r.body);
  EXPECT_EQ(body.str("functionName"), "fn");
  EXPECT_EQ(body.str("handler"), "app.handler");
  EXPECT_EQ(body.str("accountId"), "000000000000");
  ASSERT_EQ(f.e.exts.size(), 1u);  // an internal extension
  EXPECT_TRUE(f.e.exts[0].wants_invoke);
  EXPECT_FALSE(f.e.exts[0].wants_shutdown);

  EXPECT_EQ(f.call("POST", "register", "{}", {{"lambda-extension-name", "ext"}}).status, 409);
  EXPECT_EQ(f.call("POST", "register", "{}").status, 400);
  EXPECT_EQ(f.call("POST", "register", "{\"events\":[\"BOGUS\"]}", {{"lambda-extension-name", "b"}}).status, 400);
  f.e.state = Env::State::idle;
  http::Response late = f.call("POST", "register", "{}", {{"lambda-extension-name", "late"}});
  EXPECT_EQ(late.status, 403);
  EXPECT_EQ(json::parse(late.body).str("errorType"), "Extension.InvalidRegistration");
}

TEST(RuntimeExtensions, TheEnvironmentIsReadyWhenEveryExtensionWaits) {
  Fixture f;
  EXPECT_TRUE(ExtensionsApi::ready(f.e));
  Ext external;
  external.name = "ext";
  f.e.exts.push_back(external);
  EXPECT_FALSE(ExtensionsApi::registered(f.e));
  std::string id = f.register_ext("ext", "[\"INVOKE\",\"SHUTDOWN\"]");
  EXPECT_TRUE(ExtensionsApi::registered(f.e));
  EXPECT_FALSE(ExtensionsApi::ready(f.e));  // not in /next yet

  EXPECT_EQ(f.call("GET", "event/next").status, 403);  // no identifier
  EXPECT_EQ(f.call("GET", "event/next", "", {{"lambda-extension-identifier", "nope"}}).status, 403);
  EXPECT_EQ(f.call("GET", "event/next", "", {{"lambda-extension-identifier", id}}).status, 0);  // parked
  EXPECT_TRUE(ExtensionsApi::ready(f.e));
  EXPECT_EQ(f.dispatched, 1);  // starting: the runtime may now get work

  Invocation inv;
  inv.req.request_id = "r1";
  inv.deadline_ms = 123;
  size_t before = f.replies.size();
  After after;
  ExtensionsApi::send_invoke(f.e, inv, after);
  after.run();
  ASSERT_EQ(f.replies.size(), before + 1);
  Doc ev = json::parse(f.replies.back().body);
  EXPECT_EQ(ev.str("eventType"), "INVOKE");
  EXPECT_EQ(ev.str("requestId"), "r1");
  EXPECT_FALSE(f.replies.back().headers.get("lambda-extension-event-identifier").empty());
  EXPECT_FALSE(ExtensionsApi::ready(f.e));  // busy with the event
}

TEST(RuntimeExtensions, SpinDownSendsShutdownAndWaits) {
  Fixture f;
  std::string id = f.register_ext("ext", "[\"SHUTDOWN\"]");
  f.e.exts[0].pid = 12345;  // as if external and running
  f.call("GET", "event/next", "", {{"lambda-extension-identifier", id}});
  f.e.kill_reason = "timeout";  // not a spin-down: kill now
  After a0;
  EXPECT_TRUE(ExtensionsApi::shutting_down(f.e, steady_ms(), a0));
  EXPECT_TRUE(a0.replies.empty());

  f.e.kill_reason = "idle";
  double now = steady_ms();
  size_t before = f.replies.size();
  After after;
  EXPECT_FALSE(ExtensionsApi::shutting_down(f.e, now, after));
  after.run();
  ASSERT_EQ(f.replies.size(), before + 1);
  EXPECT_EQ(json::parse(f.replies.back().body).str("eventType"), "SHUTDOWN");
  After again;
  EXPECT_FALSE(ExtensionsApi::shutting_down(f.e, now + 1000, again));  // sent once
  EXPECT_TRUE(again.replies.empty());
  EXPECT_TRUE(ExtensionsApi::shutting_down(f.e, now + 2000, again));  // 2 s are over
  f.e.exts[0].pid = 0;
  EXPECT_TRUE(ExtensionsApi::shutting_down(f.e, now + 1, again));  // gone
}

TEST(RuntimeExtensions, AnInitErrorEndsTheEnvironment) {
  Fixture f;
  std::string id = f.register_ext("ext", "[]");
  http::Response r = f.call("POST", "init/error", "{\"errorMessage\":\"bad config\"}",
                            {{"lambda-extension-identifier", id}, {"lambda-extension-function-error-type", "Extension.Bad"}});
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(f.e.kill_reason, "init-error");
  EXPECT_EQ(json::parse(f.e.init_error).str("errorMessage"), "bad config");
  EXPECT_EQ(json::parse(f.e.init_error).str("errorType"), "Extension.Bad");
  EXPECT_GT(f.wakes, 0);
  EXPECT_EQ(f.call("GET", "nowhere", "", {{"lambda-extension-identifier", id}}).status, 404);
}

}  // namespace
}  // namespace stratus::runtime
