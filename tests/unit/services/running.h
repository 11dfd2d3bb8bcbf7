// For unit tests of service internals: a ServerContext on an in-memory engine with the named
// services (started unless asked not to), an OpContext for direct handler calls, and
// call_sync as one fixed caller.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "server/context.h"
#include "storage/engine.h"

namespace stratus::unit {

struct Running {
  explicit Running(std::vector<std::string> services, bool start = true, std::string account = "111122223333",
                   std::string region = "eu-west-1")
      : ctx(Config{}, storage::open_memory()), started(start) {
    Config c;
    c.services = std::move(services);
    for (auto& s : make_services(c)) ctx.add_service(std::move(s));
    if (started) ctx.start_services();
    caller.account = std::move(account);
    caller.region = std::move(region);
    caller.arn = "arn:aws:iam::" + caller.account + ":root";
    caller.user_id = caller.account;
  }
  ~Running() {
    if (started) ctx.stop_services();
  }
  // An OpContext for `op` of `service` as the caller (now_ms: the clock's now).
  std::unique_ptr<OpContext> op_context(const std::string& service, std::string_view op, int64_t now_ms) {
    Service* svc = ctx.service(service);
    auto oc = std::make_unique<OpContext>(
        OpContext{ctx, ctx.storage(), svc->model(), *svc->model().find_operation(op), caller, "req", now_ms, {}});
    return oc;
  }
  Result<Doc> call(const std::string& service, std::string_view op, const std::string& input) {
    return ctx.call_sync(service, op, json::parse(input), caller);
  }
  // call(), expected to succeed: its output (an empty map after a failure).
  Doc ok(const std::string& service, std::string_view op, const std::string& input) {
    Result<Doc> r = call(service, op, input);
    EXPECT_TRUE(r.ok()) << op << ": " << r.error().code << " " << r.error().message;
    return r.ok() ? r.value() : Doc::map();
  }

  ServerContext ctx;
  bool started;
  OpContext::Caller caller;
};

}  // namespace stratus::unit
