#include "services/kms/store.h"

#include <stdexcept>

#include "auth/sealing.h"
#include "core/arn.h"
#include "core/encoding.h"
#include "core/json.h"
#include "core/record.h"
#include "services/kms/errors.h"
#include "services/kms/schema.h"
#include "storage/keys.h"

namespace stratus::kms {
namespace {

constexpr size_t kCacheMax = 10'000;

std::string key_key(std::string_view account, std::string_view region, std::string_view id) {
  return storage::KeyBuilder().scope(account, region).str(id).take();
}
std::string alias_key(std::string_view account, std::string_view region, std::string_view name) {
  return storage::KeyBuilder().scope(account, region).raw(name).take();
}
std::string grant_key(std::string_view account, std::string_view region, std::string_view key_id,
                      std::string_view grant_id) {
  return storage::KeyBuilder().scope(account, region).str(key_id).raw(grant_id).take();
}
std::string sealing_context(const std::string& arn, uint32_t version) {
  return arn + "#" + std::to_string(version);
}

void check(const storage::Status& s) {
  if (!s.ok()) throw std::runtime_error("kms storage: " + s.message);
}

// The flat members of the stored key and grant records (the rest is written beside the table).
const json::Record<Key>& key_record() {
  static const json::Record<Key> r{{"id", &Key::id},
                                   {"spec", &Key::spec},
                                   {"usage", &Key::usage},
                                   {"state", &Key::state},
                                   {"manager", &Key::manager},
                                   {"origin", &Key::origin},
                                   {"description", &Key::description},
                                   {"created", &Key::created_ms},
                                   {"deletion", &Key::deletion_ms},
                                   {"window", &Key::pending_window},
                                   {"multi_region", &Key::multi_region},
                                   {"policy", &Key::policy},
                                   {"rotation", &Key::rotation},
                                   {"period", &Key::rotation_period},
                                   {"next_rotation", &Key::next_rotation_ms}};
  return r;
}

const json::Record<Grant>& grant_record() {
  static const json::Record<Grant> r{{"id", &Grant::id},           {"name", &Grant::name},
                                     {"grantee", &Grant::grantee}, {"retiring", &Grant::retiring},
                                     {"issuer", &Grant::issuer},   {"created", &Grant::created_ms}};
  return r;
}

// An alias record: its name is its key.
const json::Record<Alias>& alias_record() {
  static const json::Record<Alias> r{
      {"target", &Alias::target}, {"created", &Alias::created_ms}, {"updated", &Alias::updated_ms}};
  return r;
}

Doc strings(const std::vector<std::string>& v) {
  Doc l = Doc::list();
  for (const auto& s : v) l.push(s);
  return l;
}

}  // namespace

Store::Store(storage::Engine& engine, std::string master_key) : engine_(engine), master_(std::move(master_key)) {}

std::string Store::encode(const Key& k) const {
  Doc d = key_record().to_doc(k);
  Doc tags = Doc::list();
  for (const auto& [tk, tv] : k.tags) {
    Doc p = Doc::list();
    p.push(tk);
    p.push(tv);
    tags.push(std::move(p));
  }
  d.set("tags", std::move(tags));
  Doc mats = Doc::list();
  for (const auto& m : k.materials) {
    Doc e = Doc::map();
    e.set("v", static_cast<int64_t>(m.version));
    e.set("created", m.created_ms);
    e.set("type", m.rotation_type);
    e.set("sealed", enc::base64_encode(auth::seal(master_, m.secret, sealing_context(k.arn, m.version))));
    mats.push(std::move(e));
  }
  d.set("materials", std::move(mats));
  return json::write(d);
}

Key Store::decode(std::string_view account, std::string_view region, std::string_view value) const {
  Doc d = json::parse(value);
  Key k;
  key_record().from_doc(d, k);
  k.account = account;
  k.region = region;
  k.arn = Arn::make("kms", k.region, k.account, "key/" + k.id);
  if (!d.has("period")) k.rotation_period = 365;
  if (const Doc* t = d.get("tags"); t && t->is_list())
    for (const auto& p : t->as_list())
      if (p.is_list() && p.as_list().size() == 2)
        k.tags.emplace_back(p.as_list()[0].as_string(), p.as_list()[1].as_string());
  if (const Doc* ms = d.get("materials"); ms && ms->is_list()) {
    for (const auto& e : ms->as_list()) {
      Material m;
      m.version = static_cast<uint32_t>(e.integer("v"));
      m.created_ms = e.integer("created");
      m.rotation_type = e.str("type");
      auto sealed = enc::base64_decode(e.str("sealed"));
      auto secret = sealed ? auth::unseal(master_, *sealed, sealing_context(k.arn, m.version)) : std::nullopt;
      if (!secret) throw std::runtime_error("kms: key material of " + k.arn + " does not unseal (another master key?)");
      m.secret = std::move(*secret);
      k.materials.push_back(std::move(m));
    }
  }
  if (k.materials.empty()) throw std::runtime_error("kms: key " + k.arn + " has no material");
  return k;
}

void Store::cache(const std::string& storage_key, std::shared_ptr<const Key> k) {
  std::unique_lock lk(cache_mu_);
  ++generation_;
  if (cache_.size() >= kCacheMax) cache_.clear();
  if (k)
    cache_[storage_key] = std::move(k);
  else
    cache_.erase(storage_key);
}

std::shared_ptr<const Key> Store::key(const std::string& account, const std::string& region, std::string_view id) {
  if (id.empty() || id.find('\0') != std::string_view::npos) return nullptr;
  std::string sk = key_key(account, region, id);
  uint64_t generation = 0;
  {
    std::shared_lock lk(cache_mu_);
    if (auto it = cache_.find(sk); it != cache_.end()) return it->second;
    generation = generation_;
  }
  std::string v;
  auto s = engine_.get(kKeys.name, sk, &v);
  if (s.not_found()) return nullptr;
  check(s);
  std::shared_ptr<const Key> k;
  try {
    k = std::make_shared<const Key>(decode(account, region, v));
  } catch (const std::runtime_error& e) {
    // Material that does not unseal (started with another master key): the key exists but is
    // unusable, as AWS answers for key material it cannot reach.
    throw errors::key_unavailable(Arn::make("kms", region, account, "key/" + std::string(id)) +
                                  " is unavailable: " + e.what());
  }
  std::unique_lock lk(cache_mu_);
  if (generation_ == generation && cache_.size() < kCacheMax) cache_.emplace(sk, k);
  return k;
}

void Store::put(const Key& k) {
  std::string sk = key_key(k.account, k.region, k.id);
  check(engine_.put(kKeys.name, sk, encode(k)));
  cache(sk, std::make_shared<const Key>(k));
  std::lock_guard lk(index_mu_);
  if (indexed_) index_[k.id] = {k.account, k.region};
}

std::shared_ptr<const Key> Store::locate(std::string_view id) {
  std::pair<std::string, std::string> where;
  {
    std::lock_guard lk(index_mu_);
    if (!indexed_) {
      auto it = engine_.scan(kKeys.name, {});
      for (; it->valid(); it->next()) {
        storage::KeyReader r(it->key());
        std::string account(r.str()), region(r.str()), kid(r.str());
        index_[kid] = {std::move(account), std::move(region)};
      }
      indexed_ = true;
    }
    auto f = index_.find(std::string(id));
    if (f == index_.end()) return nullptr;
    where = f->second;
  }
  return key(where.first, where.second, id);
}

void Store::erase(const Key& k) {
  storage::WriteBatch b;
  std::string sk = key_key(k.account, k.region, k.id);
  b.del(kKeys.name, sk);
  for (const auto& a : aliases(k.account, k.region))
    if (a.target == k.id) b.del(kAliases.name, alias_key(k.account, k.region, a.name));
  for (const auto& g : grants(k.account, k.region, k.id))
    b.del(kGrants.name, grant_key(k.account, k.region, k.id, g.id));
  check(engine_.write(b));
  cache(sk, nullptr);
  std::lock_guard lk(index_mu_);
  index_.erase(k.id);
}

std::vector<std::shared_ptr<const Key>> Store::keys(const std::string& account, const std::string& region) {
  std::vector<std::shared_ptr<const Key>> out;
  std::vector<std::string> ids;
  auto it = engine_.prefix(kKeys.name, storage::scope_prefix(account, region));
  for (; it->valid(); it->next()) {
    storage::KeyReader r(it->key());
    r.str();
    r.str();
    ids.emplace_back(r.str());
  }
  for (const auto& id : ids) try {
      if (auto k = key(account, region, id)) out.push_back(std::move(k));
    } catch (const AwsError&) {  // unavailable (another master key): not listed
    }
  return out;
}

std::vector<std::shared_ptr<const Key>> Store::all_keys() {
  std::vector<std::shared_ptr<const Key>> out;
  std::vector<std::tuple<std::string, std::string, std::string>> ids;
  auto it = engine_.scan(kKeys.name, {});
  for (; it->valid(); it->next()) {
    storage::KeyReader r(it->key());
    std::string account(r.str()), region(r.str()), id(r.str());
    ids.emplace_back(std::move(account), std::move(region), std::move(id));
  }
  for (const auto& [a, r, id] : ids) try {
      if (auto k = key(a, r, id)) out.push_back(std::move(k));
    } catch (const AwsError&) {
    }
  return out;
}

std::optional<Alias> Store::alias(const std::string& account, const std::string& region, std::string_view name) {
  std::string v;
  auto s = engine_.get(kAliases.name, alias_key(account, region, name), &v);
  if (s.not_found()) return std::nullopt;
  check(s);
  Alias a = alias_record().read(v);
  a.name = name;
  return a;
}

void Store::put_alias(const std::string& account, const std::string& region, const Alias& a) {
  check(engine_.put(kAliases.name, alias_key(account, region, a.name), alias_record().write(a)));
}

void Store::del_alias(const std::string& account, const std::string& region, std::string_view name) {
  check(engine_.del(kAliases.name, alias_key(account, region, name)));
}

std::vector<Alias> Store::aliases(const std::string& account, const std::string& region) {
  std::vector<Alias> out;
  std::string prefix = storage::scope_prefix(account, region);
  auto it = engine_.prefix(kAliases.name, prefix);
  for (; it->valid(); it->next()) {
    Alias a = alias_record().read(it->value());
    a.name = it->key().substr(prefix.size());
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<Grant> Store::grants(const std::string& account, const std::string& region, std::string_view key_id) {
  std::vector<Grant> out;
  auto it = engine_.prefix(kGrants.name, storage::KeyBuilder().scope(account, region).str(key_id).take());
  for (; it->valid(); it->next()) {
    Doc d = json::parse(it->value());
    Grant g = grant_record().from_doc(d);
    g.key_id = key_id;
    if (const Doc* ops = d.get("operations"); ops && ops->is_list())
      for (const auto& o : ops->as_list()) g.operations.push_back(o.as_string());
    if (const Doc* c = d.get("constraints")) g.constraints = *c;
    out.push_back(std::move(g));
  }
  return out;
}

void Store::put_grant(const std::string& account, const std::string& region, const Grant& g) {
  Doc d = grant_record().to_doc(g);
  d.set("operations", strings(g.operations));
  d.set("constraints", g.constraints);
  check(engine_.put(kGrants.name, grant_key(account, region, g.key_id, g.id), json::write(d)));
}

void Store::del_grant(const std::string& account, const std::string& region, const Grant& g) {
  check(engine_.del(kGrants.name, grant_key(account, region, g.key_id, g.id)));
}

void Store::reset() {
  {
    std::lock_guard ilk(index_mu_);
    indexed_ = false;
    index_.clear();
  }
  std::unique_lock lk(cache_mu_);
  ++generation_;
  cache_.clear();
}

}  // namespace stratus::kms
