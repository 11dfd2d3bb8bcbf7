// What every part of a running stratus shares: configuration, storage, keys, services.
// Built once at start-up; the members are fixed after start (no locking needed to read them).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <typeindex>
#include <unordered_map>
#include <vector>

#include "auth/keystore.h"
#include "core/scheduler.h"
#include "events/queue.h"
#include "http/message.h"
#include "server/config.h"
#include "services/service.h"
#include "storage/engine.h"

namespace stratus {

class ServerContext {
 public:
  ServerContext(Config config, std::unique_ptr<storage::Engine> engine);
  ~ServerContext();

  const Config& config() const { return config_; }
  storage::Engine& storage() { return *engine_; }
  auth::KeyStore& keys() { return keys_; }
  // The key that seals secrets at rest (auth/sealing.h): services seal their own secret records
  // (Cognito's signing keys) with it.
  const std::string& sealing_key() const { return sealing_key_; }
  // Durable deliveries between services. Services subscribe in Service::start(); the queue
  // starts dispatching after every service has started (start_services()).
  events::Queue& events() { return *events_; }
  int64_t started_ms() const { return started_ms_; }

  // Stratus' own endpoints that a service answers (GET /_stratus/mailbox): the front door hands
  // requests for `path` (exact match, any method) to the route. Register in Service::start();
  // routes run on I/O threads and must not block.
  using InternalRoute = std::function<void(const http::Request&, http::Response&)>;
  void add_internal_route(std::string path, InternalRoute route);
  const InternalRoute* internal_route(std::string_view path) const;

  void add_service(std::unique_ptr<Service> s);
  Service* service(std::string_view id) const;
  const std::vector<std::unique_ptr<Service>>& services() const { return services_; }

  // ---- Ports: the typed interfaces services publish for each other (services/<svc>/api.h) ----
  // A service publishes in Service::attach(): `ctx.provide<sqs::Api>(this);`. Callers resolve
  // once, in start(): `sqs_ = ctx.port<sqs::Api>();` — nullptr when that service is not running.
  // Fixed after attach (no locking needed to read).
  template <class T>
  void provide(T* impl) {
    ports_[std::type_index(typeid(T))] = impl;
  }
  template <class T>
  T* port() const {
    auto it = ports_.find(std::type_index(typeid(T)));
    return it == ports_.end() ? nullptr : static_cast<T*>(it->second);
  }

  // ---- Internal calls of another service's operations ----
  // The FrontDoor's path without HTTP: the input Doc (shaped like the operation's input) is
  // validated against the model exactly as a decoded request is, then the handler runs through
  // invoke_handler() with an OpContext for `principal` (account, region, ARN) and a fresh request
  // id. `done` is called exactly once, from any thread (inline for synchronous operations).
  // Errors: the operation's own; ServiceUnavailableException (503) when the service is not
  // running; UnknownOperationException for an operation the model lacks.
  void call(std::string_view service, std::string_view operation, Doc input, OpContext::Caller principal,
            Done done);
  // The same for synchronous operations only (an async one answers InternalFailure, logged).
  Result<Doc> call_sync(std::string_view service, std::string_view operation, Doc input,
                        OpContext::Caller principal);
  // An HTTP request as a client would send it for the service whose SigV4 signing name is
  // `signing_name` (API Gateway's AWS integrations build these from mapping templates): the
  // FrontDoor routes, decodes, validates and answers it as it would a signed request from
  // `principal`, without a signature. `respond` is called once, from any thread.
  using HttpEntry = std::function<void(std::string signing_name, http::Request, OpContext::Caller,
                                       std::function<void(http::Response)>)>;
  void call_http(std::string signing_name, http::Request req, OpContext::Caller principal,
                 std::function<void(http::Response)> respond);
  void set_http_entry(HttpEntry entry) { http_entry_ = std::move(entry); }  // the FrontDoor's

  // ---- Background work ----
  // The scheduler named `name` (created on first use, one thread each). Schedulers stop in
  // reverse creation order after the event dispatcher and before the services' stop().
  Scheduler& scheduler(std::string_view name);

  // Service::attach() for each service, Service::start() for each, then the event dispatcher;
  // stop_services() reverses it.
  void start_services();
  void stop_services();
  // Only the attach() step (the ports), for start_services().
  void attach_services();

  // Wipes all state (POST /_stratus/reset): storage, caches, service state.
  void reset();

 private:
  Config config_;
  std::unique_ptr<storage::Engine> engine_;
  std::string sealing_key_;
  auth::KeyStore keys_;
  std::unique_ptr<events::Queue> events_;
  std::vector<std::unique_ptr<Service>> services_;
  std::map<std::string, InternalRoute, std::less<>> internal_routes_;  // fixed after start
  std::unordered_map<std::type_index, void*> ports_;                   // fixed after attach
  HttpEntry http_entry_;
  std::mutex schedulers_mu_;
  std::vector<std::unique_ptr<Scheduler>> schedulers_;  // GUARDED_BY(schedulers_mu_) creation order
  int64_t started_ms_;

  void stop_schedulers();
};

// The services Stratus implements, filtered by config.services (empty: all).
// Throws std::runtime_error for an unknown name in config.services.
std::vector<std::unique_ptr<Service>> make_services(const Config& config);
// Names of every implemented service (for --help and health).
std::vector<std::string> implemented_services();

}  // namespace stratus
