// The pools' scheduling (runtime/pool.h) without processes: environments are created in
// State::spawning and driven here as the monitor and the Runtime API would.
#include "runtime/pool.h"

#include <gtest/gtest.h>

#include <optional>

#include "core/json.h"

namespace stratus::runtime {
namespace {

std::shared_ptr<FunctionSpec> make_spec(const std::string& key = "fn:$LATEST:1") {
  auto s = std::make_shared<FunctionSpec>();
  s->pool_key = key;
  s->function_name = "fn";
  s->version = "$LATEST";
  s->timeout_s = 3;
  return s;
}

struct Fixture {
  int wakes = 0;
  Pools pools{4, false, [this] { ++wakes; }};
  std::vector<InvokeResult> results;
  std::vector<http::Response> replies;

  std::shared_ptr<Invocation> inv(std::shared_ptr<const FunctionSpec> spec, const std::string& rid,
                                  const std::string& payload = "{}") {
    auto i = std::make_shared<Invocation>();
    i->spec = std::move(spec);
    i->req.request_id = rid;
    i->req.payload = payload;
    i->done = [this](InvokeResult r) { results.push_back(std::move(r)); };
    return i;
  }
  http::Responder responder() {
    return [this](http::Response r) { replies.push_back(std::move(r)); };
  }
  void invoke(std::shared_ptr<Invocation> i) {
    After after;
    pools.invoke(std::move(i), after);
    after.run();
  }
  // The environment's runtime polls /next (as RuntimeApi::route does).
  void poll_next(Env& e) {
    After after;
    e.parked = responder();
    pools.dispatch(e, after);
    after.run();
  }
  // The monitor started e's processes.
  static void started(Env& e) {
    e.state = Env::State::starting;
    e.spawned = steady_ms();
  }
  Env& only_env() {
    EXPECT_EQ(pools.envs().size(), 1u);
    return *pools.envs().begin()->second;
  }
};

TEST(RuntimePool, InvokeQueuesAndScalesOutThenTheFirstPollTakesTheWork) {
  Fixture f;
  auto spec = make_spec();
  f.invoke(f.inv(spec, "r1", "{\"a\":1}"));
  auto st = f.pools.stats(spec->pool_key);
  EXPECT_EQ(st.environments, 1);
  EXPECT_EQ(st.pending, 1);
  EXPECT_EQ(st.ready, 0);
  Env& e = f.only_env();
  EXPECT_EQ(e.state, Env::State::spawning);
  EXPECT_GT(f.wakes, 0);
  EXPECT_NE(e.stream.find("/[$LATEST]"), std::string::npos);

  Fixture::started(e);
  f.poll_next(e);
  ASSERT_EQ(f.replies.size(), 1u);
  EXPECT_EQ(f.replies[0].headers.get("lambda-runtime-aws-request-id"), "r1");
  EXPECT_EQ(f.replies[0].body, "{\"a\":1}");
  EXPECT_FALSE(f.replies[0].headers.get("lambda-runtime-deadline-ms").empty());
  EXPECT_EQ(e.state, Env::State::busy);
  EXPECT_GE(e.init_ms, 0);
  st = f.pools.stats(spec->pool_key);
  EXPECT_EQ(st.busy, 1);
  EXPECT_EQ(st.pending, 0);
  EXPECT_EQ(st.ready, 1);
}

TEST(RuntimePool, ClientContextReachesTheRuntimeDecodedAndNoPayloadIsAnEmptyObject) {
  Fixture f;
  auto spec = make_spec();
  auto i = f.inv(spec, "r1", "");
  // {"custom": {"k": "v\nw"}} in base64: the line break stays escaped in the header.
  i->req.client_context = "eyJjdXN0b20iOiB7ImsiOiAidlxudyJ9fQ==";
  f.invoke(i);
  Env& e = f.only_env();
  Fixture::started(e);
  f.poll_next(e);
  ASSERT_EQ(f.replies.size(), 1u);
  EXPECT_EQ(f.replies[0].body, "{}");
  EXPECT_EQ(f.replies[0].headers.get("lambda-runtime-client-context"), R"({"custom":{"k":"v\nw"}})");
  EXPECT_EQ(client_context_header("not base64!"), "");
  EXPECT_EQ(client_context_header("bm90IGpzb24="), "");  // "not json"
}

TEST(RuntimePool, CompleteReportsAndAWarmEnvironmentIsReused) {
  Fixture f;
  auto spec = make_spec();
  f.invoke(f.inv(spec, "r1"));
  Env& e = f.only_env();
  Fixture::started(e);
  f.poll_next(e);
  {
    After after;
    InvokeResult res;
    res.payload = "\"ok\"";
    f.pools.complete(e, std::move(res), nullptr, after);
    after.run();
  }
  ASSERT_EQ(f.results.size(), 1u);
  EXPECT_EQ(f.results[0].kind, InvokeResult::Kind::ok);
  EXPECT_EQ(f.results[0].payload, "\"ok\"");
  bool report = false;
  for (const auto& l : e.logs) report = report || l.message.rfind("REPORT RequestId: r1\t", 0) == 0;
  EXPECT_TRUE(report);
  EXPECT_NE(e.logs.back().message.find("Init Duration"), std::string::npos);  // the first REPORT says it

  e.state = Env::State::returning;
  f.poll_next(e);
  EXPECT_EQ(e.state, Env::State::idle);
  // The next invocation goes straight to the idle environment: no new one.
  f.invoke(f.inv(spec, "r2"));
  EXPECT_EQ(f.pools.envs().size(), 1u);
  ASSERT_EQ(f.replies.size(), 2u);
  EXPECT_EQ(f.replies[1].headers.get("lambda-runtime-aws-request-id"), "r2");
  EXPECT_EQ(e.state, Env::State::busy);
}

TEST(RuntimePool, ReservedConcurrencyThrottles) {
  Fixture f;
  auto zero = make_spec("zero");
  zero->reserved = true;
  zero->max_environments = 0;
  f.invoke(f.inv(zero, "r0"));
  ASSERT_EQ(f.results.size(), 1u);
  EXPECT_EQ(f.results[0].kind, InvokeResult::Kind::throttled);
  EXPECT_EQ(f.results[0].throttle_reason, "ReservedFunctionConcurrentInvocationLimitExceeded");
  EXPECT_TRUE(f.pools.envs().empty());

  auto one = make_spec("one");
  one->reserved = true;
  one->max_environments = 1;
  f.invoke(f.inv(one, "r1"));
  f.invoke(f.inv(one, "r2"));  // r1 still queued: the limit counts it
  ASSERT_EQ(f.results.size(), 2u);
  EXPECT_EQ(f.results[1].throttle_reason, "ReservedFunctionConcurrentInvocationLimitExceeded");
  EXPECT_EQ(f.pools.cap(f.pools.pool_of(*one)), 1);
}

TEST(RuntimePool, ScaleOutStopsAtTheDefaultLimit) {
  Fixture f;
  auto spec = make_spec();
  for (int i = 0; i < 6; ++i) f.invoke(f.inv(spec, "r" + std::to_string(i)));
  auto st = f.pools.stats(spec->pool_key);
  EXPECT_EQ(st.environments, 4);
  EXPECT_EQ(st.pending, 6);
}

TEST(RuntimePool, ProvisionedEnvironmentsAreKeptWarmUntilRetired) {
  Fixture f;
  auto spec = make_spec();
  f.pools.provision(spec, 2);
  ASSERT_EQ(f.pools.envs().size(), 2u);
  for (auto& [id, e] : f.pools.envs()) {
    Fixture::started(*e);
    f.poll_next(*e);
    EXPECT_EQ(e->state, Env::State::idle);
    EXPECT_TRUE(Pools::kept_warm(*e));
    // A pre-warmed environment reports its init when it becomes ready.
    ASSERT_FALSE(e->logs.empty());
    EXPECT_EQ(e->logs.back().message.rfind("INIT_REPORT Init Duration: ", 0), 0u);
  }
  EXPECT_EQ(f.pools.stats(spec->pool_key).ready, 2);
  f.pools.retire("fn:");
  for (auto& [id, e] : f.pools.envs()) {
    EXPECT_EQ(e->kill_reason, "retired");
    EXPECT_FALSE(Pools::kept_warm(*e));
  }
  EXPECT_EQ(f.pools.pool_of(*spec).provisioned, 0);
}

TEST(RuntimePool, StopFailsQueuedInvocationsAndThrottlesNewOnes) {
  Fixture f;
  auto spec = make_spec();
  f.invoke(f.inv(spec, "r1"));
  {
    After after;
    f.pools.stop(after);
    after.run();
  }
  ASSERT_EQ(f.results.size(), 1u);
  EXPECT_EQ(f.results[0].error_type, "Runtime.ExitError");
  EXPECT_TRUE(f.pools.stopping());
  f.invoke(f.inv(spec, "r2"));
  ASSERT_EQ(f.results.size(), 2u);
  EXPECT_EQ(f.results[1].kind, InvokeResult::Kind::throttled);
  EXPECT_EQ(f.results[1].throttle_reason, "ServerShuttingDown");
}

TEST(RuntimePool, ATimedOutEnvironmentFailsItsInvocation) {
  Fixture f;
  auto spec = make_spec();
  f.invoke(f.inv(spec, "r1"));
  Env& e = f.only_env();
  Fixture::started(e);
  f.poll_next(e);
  e.kill_reason = "timeout";
  After after;
  f.pools.buried(e, 9 /* killed by SIGKILL */, after);
  after.run();
  ASSERT_EQ(f.results.size(), 1u);
  EXPECT_EQ(f.results[0].kind, InvokeResult::Kind::function_error);
  EXPECT_EQ(f.results[0].error_type, "Sandbox.Timedout");
  EXPECT_EQ(json::parse(f.results[0].payload).str("errorMessage"),
            "RequestId: r1 Error: Task timed out after 3.00 seconds");
  EXPECT_EQ(e.state, Env::State::dead);
}

TEST(RuntimePool, AFailedInitFailsTheInvocationThatWaitedForIt) {
  Fixture f;
  auto spec = make_spec();
  f.invoke(f.inv(spec, "r1"));
  Env& e = f.only_env();
  Fixture::started(e);
  e.init_error = "{\"errorType\":\"Runtime.ImportModuleError\",\"errorMessage\":\"no module\"}";
  After after;
  f.pools.buried(e, 1 << 8 /* exit status 1 */, after);
  after.run();
  ASSERT_EQ(f.results.size(), 1u);
  EXPECT_EQ(f.results[0].error_type, "Runtime.ImportModuleError");
  EXPECT_EQ(f.results[0].payload, e.init_error);
  EXPECT_EQ(f.pools.stats(spec->pool_key).pending, 0);
}

TEST(RuntimePool, AnExitWithoutInitErrorIsARuntimeExitError) {
  Fixture f;
  auto spec = make_spec();
  f.invoke(f.inv(spec, "r1"));
  Env& e = f.only_env();
  Fixture::started(e);
  f.poll_next(e);
  After after;
  f.pools.buried(e, 2 << 8, after);
  after.run();
  ASSERT_EQ(f.results.size(), 1u);
  EXPECT_EQ(f.results[0].error_type, "Runtime.ExitError");
  EXPECT_EQ(json::parse(f.results[0].payload).str("errorMessage"),
            "RequestId: r1 Error: Runtime exited with error: exit status 2");
}

TEST(RuntimePool, PortsIdentifyEnvironmentsUntilErased) {
  Fixture f;
  auto spec = make_spec();
  f.invoke(f.inv(spec, "r1"));
  Env& e = f.only_env();
  f.pools.bind_port(e, 40001);
  EXPECT_EQ(f.pools.on_port(40001), &e);
  EXPECT_EQ(f.pools.on_port(40002), nullptr);
  f.pools.erase(e);
  EXPECT_EQ(f.pools.on_port(40001), nullptr);
  // The invocation is still queued: erasing the environment scales out again.
  ASSERT_EQ(f.pools.envs().size(), 1u);
  EXPECT_EQ(f.pools.envs().begin()->second->state, Env::State::spawning);
}

}  // namespace
}  // namespace stratus::runtime
