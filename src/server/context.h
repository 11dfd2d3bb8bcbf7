// What every part of a running stratus shares: configuration, storage, keys, services.
// Built once at start-up; the members are fixed after start (no locking needed to read them).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/keystore.h"
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

  // Service::start() for each service, then the event dispatcher; stop_services() reverses it.
  void start_services();
  void stop_services();

  // Wipes all state (POST /_stratus/reset): storage, caches, service state.
  void reset();

 private:
  Config config_;
  std::unique_ptr<storage::Engine> engine_;
  auth::KeyStore keys_;
  std::unique_ptr<events::Queue> events_;
  std::vector<std::unique_ptr<Service>> services_;
  std::map<std::string, InternalRoute, std::less<>> internal_routes_;  // fixed after start
  int64_t started_ms_;
};

// The services Stratus implements, filtered by config.services (empty: all).
// Throws std::runtime_error for an unknown name in config.services.
std::vector<std::unique_ptr<Service>> make_services(const Config& config);
// Names of every implemented service (for --help and health).
std::vector<std::string> implemented_services();

}  // namespace stratus
