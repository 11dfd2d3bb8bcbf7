// lambda::invoke(), the internal API other services (API Gateway, event source mappings, SNS)
// use to run functions without HTTP: it must behave like the Invoke operation.
#include "services/lambda/invoke.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "core/json.h"
#include "server/context.h"
#include "storage/engine.h"

namespace stratus {
namespace {

std::string zip_of(const std::string& name, const std::string& text) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
  zip_source_keep(src);
  zip_t* za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
  zip_source_t* file = zip_source_buffer(za, text.data(), text.size(), 0);
  zip_file_add(za, name.c_str(), file, ZIP_FL_OVERWRITE);
  zip_close(za);
  zip_source_open(src);
  zip_source_seek(src, 0, SEEK_END);
  zip_int64_t n = zip_source_tell(src);
  zip_source_seek(src, 0, SEEK_SET);
  std::string out(static_cast<size_t>(n), '\0');
  zip_source_read(src, out.data(), static_cast<zip_uint64_t>(n));
  zip_source_close(src);
  zip_source_free(src);
  return out;
}

class LambdaInvoke : public ::testing::Test {
 protected:
  static Config config() {
    Config c;
    c.ephemeral = true;
    c.services = {"lambda", "logs"};
    return c;
  }
  LambdaInvoke() : ctx_(config(), storage::open_memory()) {
    for (auto& s : make_services(config())) ctx_.add_service(std::move(s));
    ctx_.start_services();
  }
  ~LambdaInvoke() override { ctx_.stop_services(); }

  void create(const std::string& name, const std::string& code) {
    OpContext::Caller caller;
    caller.account = "000000000000";
    caller.region = "us-east-1";
    Doc in = Doc::map();
    in.set("FunctionName", name);
    in.set("Runtime", "python3.12");
    in.set("Handler", "app.handler");
    in.set("Role", "arn:aws:iam::000000000000:role/r");
    Doc c = Doc::map();
    c.set("ZipFile", Blob{zip_of("app.py", code)});
    in.set("Code", c);
    auto r = ctx_.call_sync("lambda", "CreateFunction", std::move(in), caller);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  lambda::InvokeOutcome call(lambda::InvokeCall c) {
    if (c.account.empty()) c.account = "000000000000";
    if (c.region.empty()) c.region = "us-east-1";
    std::mutex mu;
    std::condition_variable cv;
    std::optional<lambda::InvokeOutcome> got;
    lambda::invoke(ctx_, std::move(c), [&](lambda::InvokeOutcome o) {
      std::lock_guard lk(mu);
      got = std::move(o);
      cv.notify_all();
    });
    std::unique_lock lk(mu);
    cv.wait_for(lk, std::chrono::seconds(60), [&] { return got.has_value(); });
    EXPECT_TRUE(got.has_value());
    return got ? std::move(*got) : lambda::InvokeOutcome{};
  }

  ServerContext ctx_;
};

TEST_F(LambdaInvoke, RequestResponseRunsTheFunction) {
  create("echo", "def handler(e, c):\n    return {'got': e, 'arn': c.invoked_function_arn}\n");
  lambda::InvokeCall c;
  c.function = "echo";
  c.payload = R"({"a":1})";
  auto out = call(c);
  ASSERT_FALSE(out.error) << out.error->message;
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.executed_version, "$LATEST");
  EXPECT_TRUE(out.function_error.empty());
  Doc d = json::parse(out.payload);
  EXPECT_EQ(d.get("got")->integer("a"), 1);
  EXPECT_EQ(d.str("arn"), "arn:aws:lambda:us-east-1:000000000000:function:echo");

  // Full ARN and explicit qualifier name the same function.
  c.function = "arn:aws:lambda:us-east-1:000000000000:function:echo";
  c.qualifier = "$LATEST";
  out = call(c);
  ASSERT_FALSE(out.error);
  EXPECT_EQ(json::parse(out.payload).str("arn"), "arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST");
}

TEST_F(LambdaInvoke, FunctionErrorIsNotAnError) {
  create("boom", "def handler(e, c):\n    raise ValueError('bad')\n");
  lambda::InvokeCall c;
  c.function = "boom";
  auto out = call(c);
  ASSERT_FALSE(out.error);
  EXPECT_EQ(out.function_error, "Unhandled");
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(json::parse(out.payload).str("errorType"), "ValueError");
}

TEST_F(LambdaInvoke, EventAndDryRun) {
  create("ev", "def handler(e, c):\n    return 1\n");
  lambda::InvokeCall c;
  c.function = "ev";
  c.type = lambda::InvocationType::event;
  c.payload = "{}";
  auto out = call(c);
  ASSERT_FALSE(out.error);
  EXPECT_EQ(out.status, 202);
  EXPECT_FALSE(out.request_id.empty());
  c.type = lambda::InvocationType::dry_run;
  EXPECT_EQ(call(c).status, 204);
}

TEST_F(LambdaInvoke, ErrorsAsInvokeReportsThem) {
  lambda::InvokeCall c;
  c.function = "missing";
  auto out = call(c);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, "ResourceNotFoundException");
  EXPECT_EQ(out.error->http_status, 404);

  create("small", "def handler(e, c):\n    return 1\n");
  c.function = "small:nope";
  EXPECT_EQ(call(c).error->code, "ResourceNotFoundException");
  c.function = "small";
  c.payload = "{not json";
  EXPECT_EQ(call(c).error->code, "InvalidRequestContentException");
  c.payload = "\"" + std::string(1024 * 1024 - 1, 'x') + "\"";  // 1 MB + 1
  c.type = lambda::InvocationType::event;
  auto big = call(c);
  ASSERT_TRUE(big.error);
  EXPECT_EQ(big.error->code, "RequestEntityTooLargeException");
  EXPECT_EQ(big.error->http_status, 413);
  EXPECT_EQ(big.error->message, "1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)");
  c.function = "bad name!";
  EXPECT_EQ(call(c).error->code, "ValidationException");

  auto arn = lambda::function_arn(ctx_, "000000000000", "us-east-1", "small");
  ASSERT_TRUE(arn.ok());
  EXPECT_EQ(arn.value(), "arn:aws:lambda:us-east-1:000000000000:function:small");
  EXPECT_FALSE(lambda::function_arn(ctx_, "000000000000", "us-east-1", "other").ok());
}

}  // namespace
}  // namespace stratus
