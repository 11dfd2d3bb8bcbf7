#include "server/context.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "auth/sealing.h"
#include "core/arn.h"
#include "core/clock.h"
#include "core/ids.h"
#include "mail/mailbox.h"
#include "protocol/validate.h"

namespace stratus {
namespace {
// A root key pair of an account (the account's root user signs with it).
auth::Credential root_key(const std::string& access_key, const std::string& secret_key, const std::string& account) {
  auth::Credential cred;
  cred.access_key = access_key;
  cred.secret_key = secret_key;
  cred.account = account;
  cred.principal_arn = root_arn(account);
  cred.user_id = account;
  return cred;
}

auth::Credential root_credential(const Config& c) {
  return root_key(c.root_access_key, c.root_secret_key, c.default_account);
}

std::vector<auth::Credential> account_credentials(const Config& c) {
  std::vector<auth::Credential> out;
  for (const auto& k : c.account_keys) out.push_back(root_key(k.access_key, k.secret_key, k.account));
  return out;
}

// The key sealing secrets at rest: the data directory's key file (created on first start), or a
// throwaway one when nothing is kept (--ephemeral, or any context over the memory engine).
std::string make_sealing_key(const Config& c, const storage::Engine& engine) {
  if (c.ephemeral || engine.describe().starts_with(R"({"engine":"memory")"))
    return auth::random_sealing_key();
  return auth::load_or_create_sealing_key(
      (std::filesystem::path(c.data_dir) / ".stratus-key").string());
}
}  // namespace

ServerContext::ServerContext(Config config, std::unique_ptr<storage::Engine> engine)
    : config_(std::move(config)),
      engine_(std::move(engine)),
      sealing_key_(make_sealing_key(config_, *engine_)),
      keys_(engine_.get(), root_credential(config_), sealing_key_, account_credentials(config_)),
      events_(std::make_unique<events::Queue>(*engine_)),
      started_ms_(now_millis()) {
  if (size_t n = keys_.seal_plain_records())
    spdlog::info("sealed {} access key record(s) stored in clear", n);
}

ServerContext::~ServerContext() {
  events_->stop();
  stop_schedulers();
}

void ServerContext::attach_services() {
  for (auto& s : services_) s->attach(*this);
}

void ServerContext::start_services() {
  attach_services();
  // The mailbox (mail/mailbox.h) is shared by SNS, Cognito and SES: served whatever runs.
  storage::Engine* engine = engine_.get();
  add_internal_route("/_stratus/mailbox",
                     [engine](const http::Request& req, http::Response& res) { mailbox::serve(*engine, req, res); });
  mailbox::enable_relay(*events_, config().smtp_relay);
  for (auto& s : services_) s->start(*this);
  events_->start();
}

void ServerContext::stop_services() {
  events_->stop();
  stop_schedulers();
  for (auto& s : services_) s->stop();
}

void ServerContext::stop_schedulers() {
  std::vector<Scheduler*> order;
  {
    std::lock_guard lk(schedulers_mu_);
    for (auto& s : schedulers_) order.push_back(s.get());
  }
  for (auto it = order.rbegin(); it != order.rend(); ++it) (*it)->stop();
}

Scheduler& ServerContext::scheduler(std::string_view name) {
  std::lock_guard lk(schedulers_mu_);
  for (auto& s : schedulers_)
    if (s->name() == name) {
      s->start();  // again after a stop (reset restarts services)
      return *s;
    }
  schedulers_.push_back(std::make_unique<Scheduler>(std::string(name)));
  return *schedulers_.back();
}

namespace {
// What an internal call needs alive until it answers.
struct InternalCall {
  Doc input;
  std::unique_ptr<OpContext> ctx;
};

AwsError not_running(std::string_view service) {
  return {"ServiceUnavailableException", std::string(service) + " is not running in this Stratus.", 503, false};
}
}  // namespace

void ServerContext::call(std::string_view service, std::string_view operation, Doc input,
                         OpContext::Caller principal, Done done) {
  Service* svc = this->service(service);
  if (!svc) return done(not_running(service));
  const model::ServiceModel& model = svc->model();
  const model::Operation* op = model.find_operation(operation);
  if (!op) return done(errors::unknown_operation(std::string(operation)));
  const Service::Entry* entry = svc->handler(op->name);
  if (!entry) return done(errors::not_implemented(model.service_id + " " + op->name));
  if (op->input) {
    if (auto e = protocol::validate(model, *op->input, input, svc->validation_error_code(), svc->validates_enums()))
      return done(*e);
  }
  auto call = std::make_shared<InternalCall>();
  call->input = std::move(input);
  call->ctx.reset(new OpContext{*this, storage(), model, *op, std::move(principal), ids::uuid4(), now_millis(), {}});
  invoke_handler(*entry, *call->ctx, call->input, [call, done = std::move(done)](Result<Doc> out) mutable {
    done(std::move(out));
  });
}

Result<Doc> ServerContext::call_sync(std::string_view service, std::string_view operation, Doc input,
                                     OpContext::Caller principal) {
  Service* svc = this->service(service);
  if (!svc) return not_running(service);
  const Service::Entry* entry = svc->handler(operation);
  if (entry && entry->async) {
    spdlog::error("call_sync of asynchronous operation {} {}", service, operation);
    return errors::internal();
  }
  std::optional<Result<Doc>> out;
  call(service, operation, std::move(input), std::move(principal), [&out](Result<Doc> r) { out.emplace(std::move(r)); });
  if (!out) return errors::internal();
  return std::move(*out);
}

void ServerContext::call_http(std::string signing_name, http::Request req, OpContext::Caller principal,
                              std::function<void(http::Response)> respond) {
  if (!http_entry_) {
    http::Response res;
    res.status = 503;
    res.body = "no front door";
    return respond(std::move(res));
  }
  http_entry_(std::move(signing_name), std::move(req), std::move(principal), std::move(respond));
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
