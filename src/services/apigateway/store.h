// API Gateway's persistent state: one JSON document per REST API.
//
// Layout (keyspace "apigateway", key "<account>/<region>/<restApiId>"; schema.h declares the
// keyspaces):
//   {"api": RestApi, "resources": {id: Resource (resourceMethods: {VERB: Method (methodIntegration,
//    methodResponses)})}, "deployments": {id: Deployment + "snapshot" (the resources at deploy
//    time)}, "stages": {name: Stage}, "authorizers": {...}, "models": {...}, "validators": {...},
//    "gatewayResponses": {...}}
// Members are spelled as the model's output shapes spell them, so a stored object is returned
// as it is (the codec drops the internal extras). Dates are stored as epoch milliseconds.
//
// Thread safety: writers serialise on Store::mu (read-modify-write of one document); readers
// may load without it. generation() changes on every write so caches can tell they are stale.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/doc.h"
#include "storage/engine.h"

namespace stratus::apigateway {

class Store {
 public:
  std::optional<Doc> load(storage::Engine& e, const std::string& account, const std::string& region,
                          const std::string& api_id) const;
  // Writes the document and bumps the generation. Throws AwsError(InternalFailure) on io errors.
  void save(storage::Engine& e, const std::string& account, const std::string& region, const std::string& api_id,
            const Doc& doc);
  void remove(storage::Engine& e, const std::string& account, const std::string& region, const std::string& api_id);
  // Which account and region own a REST API id (invoke URLs carry only the id).
  std::optional<std::pair<std::string, std::string>> locate(storage::Engine& e, const std::string& api_id) const;
  std::vector<Doc> list(storage::Engine& e, const std::string& account, const std::string& region) const;
  uint64_t generation() const { return gen_.load(std::memory_order_acquire); }
  void bump() { gen_.fetch_add(1, std::memory_order_acq_rel); }

  std::mutex mu;  // held by every read-modify-write

 private:
  std::atomic<uint64_t> gen_{1};
};

}  // namespace stratus::apigateway
