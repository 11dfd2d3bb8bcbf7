// Identity pools' persistence: JSON records and plain-string indexes in the keyspaces of
// schema.h. Thread safety: the engine's; GetId's find-or-create of a login's identity is
// serialised by Store::mu so one login never gets two identities.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/doc.h"
#include "storage/engine.h"

namespace stratus::cognitoidentity {

class Store {
 public:
  explicit Store(storage::Engine& engine) : engine_(engine) {}

  std::optional<Doc> pool(const std::string& pool_id);
  void put_pool(const Doc& pool);  // keyed by its IdentityPoolId
  // Deletes the pool with its identities, their index entries and logins.
  void delete_pool(const std::string& pool_id);
  std::vector<std::pair<std::string, Doc>> pools();  // every pool, by id

  std::optional<Doc> identity(const std::string& identity_id);                      // through the identity index
  void put_identity(const std::string& pool_id, const Doc& identity);               // record + index
  void delete_identity(const std::string& pool_id, const Doc& identity);            // record, index, its logins
  std::vector<std::pair<std::string, Doc>> identities(const std::string& pool_id);  // by identity id

  std::optional<std::string> login(const std::string& pool_id, const std::string& provider, const std::string& subject);
  void put_login(const std::string& pool_id, const std::string& provider, const std::string& subject,
                 const std::string& identity_id);
  void delete_login(const std::string& pool_id, const std::string& provider, const std::string& subject);

  std::mutex mu;

 private:
  std::vector<std::pair<std::string, Doc>> scan(std::string_view ks, const std::string& prefix);
  storage::Engine& engine_;
};

}  // namespace stratus::cognitoidentity
