#include "services/apigateway/store.h"

#include "core/error.h"
#include "core/json.h"
#include "services/apigateway/schema.h"

namespace stratus::apigateway {

std::optional<Doc> Store::load(storage::Engine& e, const std::string& account, const std::string& region,
                               const std::string& api_id) const {
  if (api_id.empty() || api_id.find('/') != std::string::npos) return std::nullopt;
  std::string v;
  if (!e.get(kApis.name, api_key(account, region, api_id), &v).ok()) return std::nullopt;
  return json::parse(v);
}

void Store::save(storage::Engine& e, const std::string& account, const std::string& region,
                 const std::string& api_id, const Doc& doc) {
  storage::WriteBatch b;
  b.put(kApis.name, api_key(account, region, api_id), json::write(doc));
  b.put(kApiIds.name, api_id, scope_key(account, region));
  auto st = e.write(b);
  bump();
  if (!st.ok()) throw stratus::errors::internal("storage: " + st.message);
}

void Store::remove(storage::Engine& e, const std::string& account, const std::string& region,
                   const std::string& api_id) {
  storage::WriteBatch b;
  b.del(kApis.name, api_key(account, region, api_id));
  b.del(kApiIds.name, api_id);
  auto st = e.write(b);
  bump();
  if (!st.ok()) throw stratus::errors::internal("storage: " + st.message);
}

std::optional<std::pair<std::string, std::string>> Store::locate(storage::Engine& e, const std::string& api_id) const {
  std::string v;
  if (api_id.empty() || !e.get(kApiIds.name, api_id, &v).ok()) return std::nullopt;
  return read_scope(v);
}

std::vector<Doc> Store::list(storage::Engine& e, const std::string& account, const std::string& region) const {
  std::vector<Doc> out;
  auto it = e.prefix(kApis.name, api_prefix(account, region));
  for (; it->valid(); it->next()) out.push_back(json::parse(it->value()));
  return out;
}

}  // namespace stratus::apigateway
