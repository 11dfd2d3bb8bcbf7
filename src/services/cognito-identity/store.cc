#include "services/cognito-identity/store.h"

#include "core/json.h"
#include "services/cognito-identity/schema.h"
#include "storage/keys.h"
#include "storage/written.h"

namespace stratus::cognitoidentity {
namespace {

std::string key(const std::string& a) {
  return storage::KeyBuilder().text(a).take();
}
std::string key(const std::string& a, const std::string& b) {
  return storage::KeyBuilder().text(a).text(b).take();
}

std::optional<std::string> read(storage::Engine& e, std::string_view ks, const std::string& k) {
  std::string v;
  auto st = e.get(ks, k, &v);
  if (st.code == storage::Code::not_found) return std::nullopt;
  storage::written(st);
  return v;
}

}  // namespace

std::optional<Doc> Store::pool(const std::string& pool_id) {
  auto v = read(engine_, kPools.name, key(pool_id));
  if (!v) return std::nullopt;
  return json::parse(*v);
}

void Store::put_pool(const Doc& pool) {
  storage::written(engine_.put(kPools.name, key(pool.str("IdentityPoolId")), json::write(pool)));
}

std::vector<std::pair<std::string, Doc>> Store::scan(std::string_view ks, const std::string& prefix) {
  std::vector<std::pair<std::string, Doc>> out;
  storage::ScanOptions o;
  o.start = prefix;
  o.end = prefix.empty() ? std::string() : storage::prefix_end(prefix);
  auto it = engine_.scan(ks, o);
  for (; it->valid(); it->next()) out.emplace_back(std::string(it->key()), json::parse(it->value()));
  storage::written(it->status());
  return out;
}

std::vector<std::pair<std::string, Doc>> Store::pools() {
  std::vector<std::pair<std::string, Doc>> out;
  for (auto& [k, d] : scan(kPools.name, "")) out.emplace_back(d.str("IdentityPoolId"), std::move(d));
  return out;
}

std::vector<std::pair<std::string, Doc>> Store::identities(const std::string& pool_id) {
  std::vector<std::pair<std::string, Doc>> out;
  for (auto& [k, d] : scan(kIdentities.name, key(pool_id))) out.emplace_back(d.str("IdentityId"), std::move(d));
  return out;
}

std::optional<Doc> Store::identity(const std::string& identity_id) {
  auto pool_id = read(engine_, kIdentityIndex.name, key(identity_id));
  if (!pool_id) return std::nullopt;
  auto v = read(engine_, kIdentities.name, key(*pool_id, identity_id));
  if (!v) return std::nullopt;
  return json::parse(*v);
}

void Store::put_identity(const std::string& pool_id, const Doc& identity) {
  storage::WriteBatch b;
  b.put(kIdentities.name, key(pool_id, identity.str("IdentityId")), json::write(identity));
  b.put(kIdentityIndex.name, key(identity.str("IdentityId")), pool_id);
  storage::written(engine_.write(b));
}

void Store::delete_identity(const std::string& pool_id, const Doc& identity) {
  storage::WriteBatch b;
  b.del(kIdentities.name, key(pool_id, identity.str("IdentityId")));
  b.del(kIdentityIndex.name, key(identity.str("IdentityId")));
  if (const Doc* subs = identity.get("_subjects"); subs && subs->is_map())
    for (const auto& [provider, subject] : subs->as_map())
      b.del(kLogins.name, storage::KeyBuilder().text(pool_id).text(provider).text(subject.as_string()).take());
  if (const Doc* dev = identity.get("_developer"); dev && dev->is_map())
    for (const auto& [provider, users] : dev->as_map())
      for (const Doc& u : users.as_list())
        b.del(kLogins.name, storage::KeyBuilder().text(pool_id).text(provider).text(u.as_string()).take());
  storage::written(engine_.write(b));
}

void Store::delete_pool(const std::string& pool_id) {
  storage::WriteBatch b;
  for (const auto& [id, d] : identities(pool_id)) {
    b.del(kIdentities.name, key(pool_id, id));
    b.del(kIdentityIndex.name, key(id));
  }
  storage::ScanOptions o;
  o.start = key(pool_id);
  o.end = storage::prefix_end(o.start);
  auto it = engine_.scan(kLogins.name, o);
  for (; it->valid(); it->next()) b.del(kLogins.name, std::string(it->key()));
  storage::written(it->status());
  b.del(kPools.name, key(pool_id));
  storage::written(engine_.write(b));
}

std::optional<std::string> Store::login(const std::string& pool_id, const std::string& provider,
                                        const std::string& subject) {
  return read(engine_, kLogins.name, storage::KeyBuilder().text(pool_id).text(provider).text(subject).take());
}

void Store::put_login(const std::string& pool_id, const std::string& provider, const std::string& subject,
                      const std::string& identity_id) {
  storage::written(
      engine_.put(kLogins.name, storage::KeyBuilder().text(pool_id).text(provider).text(subject).take(), identity_id));
}

void Store::delete_login(const std::string& pool_id, const std::string& provider, const std::string& subject) {
  storage::written(engine_.del(kLogins.name, storage::KeyBuilder().text(pool_id).text(provider).text(subject).take()));
}

}  // namespace stratus::cognitoidentity
