#include "services/iam/store.h"

#include "core/error.h"
#include "core/json.h"
#include "services/iam/api.h"
#include "services/iam/schema.h"

namespace stratus::iam {
namespace {
constexpr std::string_view kKs = kIam.name;
}  // namespace

// The layout of schema.h (not KeyBuilder's: see there).
std::string Store::key(std::string_view kind, std::string_view name) const {
  return account_ + "/" + std::string(kind) + "/" + std::string(name);
}

std::optional<Doc> Store::load(std::string_view kind, std::string_view name) {
  std::string v;
  auto st = engine_.get(kKs, key(kind, name), &v);
  if (st.not_found()) return std::nullopt;
  if (!st.ok()) throw stratus::errors::internal("storage: " + st.message);
  return json::parse(v);
}

void Store::put(std::string_view kind, std::string_view name, const Doc& d) {
  auto st = engine_.put(kKs, key(kind, name), json::write(d));
  if (!st.ok()) throw stratus::errors::internal("storage: " + st.message);
}

void Store::erase(std::string_view kind, std::string_view name) {
  auto st = engine_.del(kKs, key(kind, name));
  if (!st.ok()) throw stratus::errors::internal("storage: " + st.message);
}

std::vector<std::pair<std::string, Doc>> Store::scan(std::string_view kind, std::string_view within) {
  std::vector<std::pair<std::string, Doc>> out;
  std::string prefix = key(kind, within);
  size_t cut = key(kind, "").size();
  for (auto it = engine_.prefix(kKs, prefix); it->valid(); it->next())
    out.emplace_back(std::string(it->key().substr(cut)), json::parse(it->value()));
  return out;
}

// ---- api.h ----

std::optional<std::vector<std::string>> oidc_client_ids(storage::Engine& db, const std::string& account,
                                                        const std::string& issuer) {
  std::string id = issuer.rfind("https://", 0) == 0 ? issuer.substr(8) : issuer;
  while (!id.empty() && id.back() == '/') id.pop_back();
  if (id.empty()) return std::nullopt;
  auto rec = Store(db, account).load("oidc-provider", id);
  if (!rec) return std::nullopt;
  std::vector<std::string> out;
  if (const Doc* l = rec->get("ClientIDList"); l && l->is_list())
    for (const auto& c : l->as_list())
      if (c.is_string()) out.push_back(c.as_string());
  return out;
}

}  // namespace stratus::iam
