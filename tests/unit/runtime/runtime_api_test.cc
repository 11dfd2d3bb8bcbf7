// The Runtime API handler (runtime/runtime_api.h) without a listener: requests are handed to
// handle() with the local port that identifies the environment.
#include "runtime/runtime_api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/json.h"
#include "runtime/environment.h"
#include "runtime/extensions.h"
#include "runtime/pool.h"

namespace stratus::runtime {
namespace {

namespace fs = std::filesystem;

struct Fixture {
  std::mutex mu;
  Pools pools{4, false, [] {}};
  ExtensionsApi extensions{[this](Env& e, After& after) { pools.dispatch(e, after); }, [] {}};
  std::string root;
  RuntimeApi api;
  std::vector<InvokeResult> results;
  std::vector<http::Response> replies;
  std::shared_ptr<FunctionSpec> spec = std::make_shared<FunctionSpec>();

  explicit Fixture(std::string download_root = "") : root(std::move(download_root)), api(mu, pools, extensions, root) {
    spec->pool_key = "fn";
    spec->version = "$LATEST";
  }
  // One environment on port 40001, its runtime started.
  Env& environment() {
    auto inv = std::make_shared<Invocation>();
    inv->spec = spec;
    inv->req.request_id = "r1";
    inv->req.payload = "{\"n\":1}";
    inv->done = [this](InvokeResult r) { results.push_back(std::move(r)); };
    After after;
    pools.invoke(inv, after);
    Env& e = *pools.envs().begin()->second;
    pools.bind_port(e, 40001);
    e.state = Env::State::starting;
    return e;
  }
  http::Response call(const std::string& method, const std::string& path, std::string body = "",
                      uint16_t port = 40001) {
    http::Request req;
    req.method = method;
    req.path = path;
    req.body = std::move(body);
    req.local_port = port;
    size_t before = replies.size();
    api.handle(std::move(req), [this](http::Response r) { replies.push_back(std::move(r)); });
    if (replies.size() == before) {
      http::Response parked;
      parked.status = 0;
      return parked;
    }
    return replies.back();
  }
};

TEST(RuntimeApi, NextThenResponseCompletesTheInvocation) {
  Fixture f;
  Env& e = f.environment();
  http::Response next = f.call("GET", "/2018-06-01/runtime/invocation/next");
  ASSERT_EQ(next.status, 200);
  EXPECT_EQ(next.headers.get("lambda-runtime-aws-request-id"), "r1");
  EXPECT_EQ(next.body, "{\"n\":1}");
  EXPECT_EQ(f.call("POST", "/2018-06-01/runtime/invocation/r2/response", "{}").status, 400);
  EXPECT_EQ(f.call("POST", "/2018-06-01/runtime/invocation/r1/response", "\"done\"").status, 202);
  ASSERT_EQ(f.results.size(), 1u);
  EXPECT_EQ(f.results[0].kind, InvokeResult::Kind::ok);
  EXPECT_EQ(f.results[0].payload, "\"done\"");
  EXPECT_EQ(e.state, Env::State::returning);
  // The next poll parks: nothing queued.
  EXPECT_EQ(f.call("GET", "/2018-06-01/runtime/invocation/next").status, 0);
  EXPECT_EQ(e.state, Env::State::idle);
}

TEST(RuntimeApi, FunctionErrorsAndOversizedResponses) {
  Fixture f;
  f.environment();
  f.call("GET", "/2018-06-01/runtime/invocation/next");
  std::string big(kMaxResponseBytes + 1, 'x');
  EXPECT_EQ(f.call("POST", "/2018-06-01/runtime/invocation/r1/response", big).status, 413);
  ASSERT_EQ(f.results.size(), 1u);
  EXPECT_EQ(f.results[0].error_type, "Function.ResponseSizeTooLarge");
}

TEST(RuntimeApi, NextWithoutAnsweringFailsTheInvocation) {
  Fixture f;
  f.environment();
  f.call("GET", "/2018-06-01/runtime/invocation/next");
  f.call("GET", "/2018-06-01/runtime/invocation/next");
  ASSERT_EQ(f.results.size(), 1u);
  EXPECT_EQ(f.results[0].error_type, "Runtime.NoResponse");
}

TEST(RuntimeApi, UnknownOrStoppedEnvironmentsAreRefused) {
  Fixture f;
  Env& e = f.environment();
  EXPECT_EQ(f.call("GET", "/2018-06-01/runtime/invocation/next", "", 40002).status, 403);
  EXPECT_EQ(f.call("GET", "/nowhere").status, 404);
  EXPECT_EQ(f.call("GET", "/2018-06-01/runtime/nowhere").status, 404);
  e.kill_reason = "idle";
  http::Response r = f.call("GET", "/2018-06-01/runtime/invocation/next");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json::parse(r.body).str("errorType"), "InvalidEnvironment");
  e.kill_reason.clear();
  e.state = Env::State::dead;
  EXPECT_EQ(f.call("POST", "/2020-01-01/extension/register", "{}").status, 403);
}

TEST(RuntimeApi, InitErrorIsRecorded) {
  Fixture f;
  Env& e = f.environment();
  EXPECT_EQ(f.call("POST", "/2018-06-01/runtime/init/error", "{\"errorType\":\"X\"}").status, 202);
  EXPECT_EQ(e.init_error, "{\"errorType\":\"X\"}");
}

TEST(RuntimeApi, ServesCodePackages) {
  fs::path dir = fs::temp_directory_path() / ("stratus-rt-dl-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  { std::ofstream(dir / "fn.zip") << "PK"; }
  Fixture f(dir.string());
  http::Response r = f.call("GET", "/code/fn.zip");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "PK");
  EXPECT_EQ(r.headers.get("content-type"), "application/zip");
  EXPECT_EQ(f.call("GET", "/code/../etc/passwd").status, 404);
  EXPECT_EQ(f.call("GET", "/code/missing.zip").status, 404);
  Fixture none;
  EXPECT_EQ(none.call("GET", "/code/fn.zip").status, 404);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace stratus::runtime
