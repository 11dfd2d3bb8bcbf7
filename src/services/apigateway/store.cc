#include "services/apigateway/store.h"

#include "core/error.h"
#include "core/json.h"

namespace stratus::apigateway {
namespace {
std::string key(const std::string& account, const std::string& region, const std::string& id) {
  return account + "/" + region + "/" + id;
}
}  // namespace

std::optional<Doc> Store::load(storage::Engine& e, const std::string& account, const std::string& region,
                               const std::string& api_id) const {
  if (api_id.empty() || api_id.find('/') != std::string::npos) return std::nullopt;
  std::string v;
  if (!e.get(kKeyspace, key(account, region, api_id), &v).ok()) return std::nullopt;
  return json::parse(v);
}

void Store::save(storage::Engine& e, const std::string& account, const std::string& region,
                 const std::string& api_id, const Doc& doc) {
  storage::WriteBatch b;
  b.put(kKeyspace, key(account, region, api_id), json::write(doc));
  b.put(kIdKeyspace, api_id, account + "/" + region);
  auto st = e.write(b);
  bump();
  if (!st.ok()) throw errors::internal("storage: " + st.message);
}

void Store::remove(storage::Engine& e, const std::string& account, const std::string& region,
                   const std::string& api_id) {
  storage::WriteBatch b;
  b.del(kKeyspace, key(account, region, api_id));
  b.del(kIdKeyspace, api_id);
  auto st = e.write(b);
  bump();
  if (!st.ok()) throw errors::internal("storage: " + st.message);
}

std::optional<std::pair<std::string, std::string>> Store::locate(storage::Engine& e, const std::string& api_id) const {
  std::string v;
  if (api_id.empty() || !e.get(kIdKeyspace, api_id, &v).ok()) return std::nullopt;
  auto slash = v.find('/');
  if (slash == std::string::npos) return std::nullopt;
  return std::make_pair(v.substr(0, slash), v.substr(slash + 1));
}

std::vector<Doc> Store::list(storage::Engine& e, const std::string& account, const std::string& region) const {
  std::vector<Doc> out;
  auto it = e.prefix(kKeyspace, account + "/" + region + "/");
  for (; it->valid(); it->next()) out.push_back(json::parse(it->value()));
  return out;
}

}  // namespace stratus::apigateway
