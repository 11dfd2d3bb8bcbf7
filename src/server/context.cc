#include "server/context.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "auth/sealing.h"
#include "core/clock.h"

namespace stratus {
namespace {
auth::Credential root_credential(const Config& c) {
  auth::Credential root;
  root.access_key = c.root_access_key;
  root.secret_key = c.root_secret_key;
  root.account = c.default_account;
  root.principal_arn = "arn:aws:iam::" + c.default_account + ":root";
  root.user_id = c.default_account;
  return root;
}

// The key sealing secrets at rest: the data directory's key file (created on first start), or a
// throwaway one when nothing is kept (--ephemeral, or any context over the memory engine).
std::string sealing_key(const Config& c, const storage::Engine& engine) {
  if (c.ephemeral || engine.describe().starts_with(R"({"engine":"memory")"))
    return auth::random_sealing_key();
  return auth::load_or_create_sealing_key(
      (std::filesystem::path(c.data_dir) / ".stratus-key").string());
}
}  // namespace

ServerContext::ServerContext(Config config, std::unique_ptr<storage::Engine> engine)
    : config_(std::move(config)),
      engine_(std::move(engine)),
      keys_(engine_.get(), root_credential(config_), sealing_key(config_, *engine_)),
      events_(std::make_unique<events::Queue>(*engine_)),
      started_ms_(now_millis()) {
  if (size_t n = keys_.seal_plain_records())
    spdlog::info("sealed {} access key record(s) stored in clear", n);
}

ServerContext::~ServerContext() { events_->stop(); }

void ServerContext::start_services() {
  for (auto& s : services_) s->start(*this);
  events_->start();
}

void ServerContext::stop_services() {
  events_->stop();
  for (auto& s : services_) s->stop();
}

void ServerContext::add_internal_route(std::string path, InternalRoute route) {
  internal_routes_[std::move(path)] = std::move(route);
}

const ServerContext::InternalRoute* ServerContext::internal_route(std::string_view path) const {
  auto it = internal_routes_.find(path);
  return it == internal_routes_.end() ? nullptr : &it->second;
}

void ServerContext::add_service(std::unique_ptr<Service> s) { services_.push_back(std::move(s)); }

Service* ServerContext::service(std::string_view id) const {
  for (const auto& s : services_)
    if (s->id() == id) return s.get();
  return nullptr;
}

void ServerContext::reset() {
  engine_->clear();
  keys_.clear_cache();
  events_->reset();
  for (auto& s : services_) s->reset();
}

}  // namespace stratus
