#include "services/cognito-idp/store.h"

#include <stdexcept>

#include "auth/sealing.h"
#include "auth/sigv4.h"
#include "core/error.h"
#include "core/json.h"
#include "services/cognito-idp/crypto.h"
#include "services/cognito-idp/errors.h"
#include "services/cognito-idp/schema.h"
#include "storage/keys.h"

namespace stratus::cognitoidp {
namespace {
// Names reach keys: one with a NUL byte is refused as the model's patterns would refuse it.
const std::string& checked(const std::string& name) {
  if (name.find('\0') != std::string::npos)
    throw cognitoidp::errors::invalid_parameter(
        "1 validation error detected: Value at 'name' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern");
  return name;
}

void check(const storage::Status& st) {
  if (!st.ok()) throw stratus::errors::internal("storage: " + st.message);
}
}  // namespace

std::optional<Doc> Store::get(std::string_view ks, const std::string& key) {
  std::string v;
  auto st = engine_.get(ks, key, &v);
  if (st.code == storage::Code::not_found) return std::nullopt;
  check(st);
  return json::parse(v);
}

std::shared_ptr<const Doc> Store::get_shared(std::string_view ks, const std::string& key) {
  std::string v;
  auto st = engine_.get(ks, key, &v);
  if (st.code == storage::Code::not_found) return nullptr;
  check(st);
  std::string id(ks);
  id += '\0';
  id += key;
  {
    std::lock_guard lk(cache_mu_);
    if (auto it = parsed_.find(id); it != parsed_.end() && it->second.raw == v) return it->second.doc;
  }
  auto doc = std::make_shared<const Doc>(json::parse(v));
  std::lock_guard lk(cache_mu_);
  if (parsed_.size() >= 4096) parsed_.clear();
  parsed_[std::move(id)] = Parsed{std::move(v), doc};
  return doc;
}

void Store::put(std::string_view ks, const std::string& key, const Doc& record) {
  check(engine_.put(ks, key, json::write(record)));
}

void Store::del(std::string_view ks, const std::string& key) {
  check(engine_.del(ks, key));
}

void Store::scan(std::string_view ks, const std::string& prefix, const std::function<bool(const std::string&, Doc)>& fn,
                 const std::string& after) {
  storage::ScanOptions o;
  o.start = after.empty() ? prefix : after + std::string(1, '\0');
  if (!after.empty() && after.compare(0, prefix.size(), prefix) != 0) o.start = prefix;
  o.end = prefix;
  // prefix end: the next key after every key with the prefix
  while (!o.end.empty() && static_cast<unsigned char>(o.end.back()) == 0xff) o.end.pop_back();
  if (!o.end.empty()) o.end.back() = static_cast<char>(static_cast<unsigned char>(o.end.back()) + 1);
  auto it = engine_.scan(ks, o);
  for (; it->valid(); it->next()) {
    if (!fn(std::string(it->key()), json::parse(it->value()))) break;
  }
  check(it->status());
}

void Store::del_prefix(std::string_view ks, const std::string& prefix) {
  std::vector<std::string> keys;
  storage::ScanOptions o;
  o.start = prefix;
  auto it = engine_.scan(ks, o);
  for (; it->valid() && it->key().substr(0, prefix.size()) == prefix; it->next()) keys.emplace_back(it->key());
  storage::WriteBatch b;
  for (const auto& k : keys) b.del(ks, k);
  if (!keys.empty()) check(engine_.write(b));
}

std::string Store::pool_key(const std::string& pool) {
  return storage::KeyBuilder().str(checked(pool)).take();
}
std::string Store::child_key(const std::string& pool, const std::string& name) {
  return storage::KeyBuilder().str(checked(pool)).str(checked(name)).take();
}
std::string Store::session_key(const std::string& pool, const std::string& user, const std::string& jti) {
  return storage::KeyBuilder().str(checked(pool)).str(checked(user)).str(checked(jti)).take();
}

std::string Store::signing_key(const std::string& pool) {
  // The sealed key is read on every call (a deleted pool's key is gone at once) and unsealed only
  // when it is not the one remembered: AES-GCM over the PEM and a copy under the key mutex on every
  // token issued or verified was a tenth of a password sign-in's own CPU.
  std::string ad = "cognito-key:" + pool;
  std::string v;
  auto st = engine_.get(kKeys.name, pool_key(pool), &v);
  if (st.ok()) {
    {
      std::lock_guard lk(cache_mu_);
      if (auto it = pems_.find(pool); it != pems_.end() && it->second.sealed == v) return it->second.pem;
    }
    auto pem = auth::unseal(sealing_key_, v, ad);
    if (!pem) throw stratus::errors::internal("cognito: the pool's signing key cannot be unsealed");
    std::lock_guard lk(cache_mu_);
    if (pems_.size() >= 4096) pems_.clear();
    pems_[pool] = Pem{std::move(v), *pem};
    return *pem;
  }
  std::lock_guard lk(keys_mu_);
  if (engine_.get(kKeys.name, pool_key(pool), &v).ok()) {  // made by another thread meanwhile
    auto pem = auth::unseal(sealing_key_, v, ad);
    if (!pem) throw stratus::errors::internal("cognito: the pool's signing key cannot be unsealed");
    return *pem;
  }
  std::string pem = crypto::generate_rsa_pem();
  check(engine_.put(kKeys.name, pool_key(pool), auth::seal(sealing_key_, pem, ad)));
  return pem;
}

std::string Store::seal(std::string_view plain, std::string_view purpose) const {
  return auth::seal(sealing_key_, plain, purpose);
}
std::optional<std::string> Store::unseal(std::string_view sealed, std::string_view purpose) const {
  return auth::unseal(sealing_key_, sealed, purpose);
}
std::string Store::mac(std::string_view data, std::string_view purpose) const {
  std::string msg(purpose);
  msg.push_back('\0');
  msg.append(data);
  return auth::hmac_sha256(sealing_key_, msg);
}

std::mutex& Store::lock_user(const std::string& pool, const std::string& user) {
  return user_locks_[std::hash<std::string>()(pool + '\0' + user) % user_locks_.size()];
}

}  // namespace stratus::cognitoidp
