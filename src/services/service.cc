#include "services/service.h"

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

}  // namespace stratus
