#include "services/service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

namespace stratus {

Service::Service(std::string model_id) : id_(std::move(model_id)), summary_(model::Models::summary(id_)) {
  if (!summary_) throw std::runtime_error("no embedded model for service " + id_);
}

const model::ServiceModel& Service::model() const {
  std::call_once(model_once_, [this] { model_ = model::Models::get(id_); });
  return *model_;
}

void Service::add(std::string op, Handler h) {
  if (!summary_->has_operation(op)) throw std::runtime_error(id_ + ": model has no operation " + op);
  ops_[std::move(op)] = Entry{std::move(h), nullptr};
}

void Service::add_async(std::string op, AsyncHandler h) {
  if (!summary_->has_operation(op)) throw std::runtime_error(id_ + ": model has no operation " + op);
  ops_[std::move(op)] = Entry{nullptr, std::move(h)};
}

const Service::Entry* Service::handler(std::string_view op) const {
  auto it = ops_.find(std::string(op));
  return it == ops_.end() ? nullptr : &it->second;
}

std::vector<std::string> Service::implemented() const {
  std::vector<std::string> out;
  for (const auto& [k, _] : ops_) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Service::validation_error_code() const {
  return summary_->protocol == "query" ? "ValidationError" : "ValidationException";
}

namespace {
AwsError internal_failure(const OpContext& ctx, const char* what) noexcept {
  try {
    spdlog::error("internal error id={} service={} op={}: {}", ctx.request_id, ctx.model.id, ctx.op.name, what);
  } catch (...) {
  }
  return errors::internal();
}
}  // namespace

Result<Doc> invoke_handler(const Handler& h, OpContext& ctx, const Doc& input) noexcept {
  try {
    return h(ctx, input);
  } catch (const AwsError& e) {
    return e;
  } catch (const std::exception& e) {
    return internal_failure(ctx, e.what());
  } catch (...) {
    return internal_failure(ctx, "non-standard exception");
  }
}

void invoke_handler(const Service::Entry& e, OpContext& ctx, const Doc& input, Done done) noexcept {
  if (!e.async) {
    Result<Doc> out = invoke_handler(e.sync, ctx, input);
    done(std::move(out));
    return;
  }
  // An async handler owns its copy of `done` once it has it. Handlers throw only before they
  // defer (the contract), so when one throws, no answer has been given yet and this one is it.
  try {
    e.async(ctx, input, done);
    return;
  } catch (const AwsError& err) {
    done(err);
  } catch (const std::exception& ex) {
    done(internal_failure(ctx, ex.what()));
  } catch (...) {
    done(internal_failure(ctx, "non-standard exception"));
  }
}

}  // namespace stratus
