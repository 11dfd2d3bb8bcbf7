#include "services/ssm/store.h"

#include "core/env.h"
#include "core/json.h"
#include "services/ssm/rules.h"
#include "services/ssm/schema.h"
#include "storage/keys.h"

namespace stratus::ssm {

std::string ParamStore::scope(std::string_view account, std::string_view region) {
  return storage::scope_prefix(account, region);
}

std::string ParamStore::key(std::string_view account, std::string_view region, std::string_view name) {
  return storage::KeyBuilder().scope(account, region).raw(name_key(name)).take();
}

std::mutex& ParamStore::mu() {
  static std::mutex m;
  return m;
}

std::optional<Doc> ParamStore::load(std::string_view account, std::string_view region, std::string_view name) {
  std::string v;
  if (!db_.get(schema::kParameters.name, key(account, region, name), &v).ok()) return std::nullopt;
  return json::parse(v);
}

std::string ParamStore::expiry_key(int64_t when, std::string_view account, std::string_view region,
                                   std::string_view name) {
  return storage::KeyBuilder().u64(static_cast<uint64_t>(when)).str(account).str(region).raw(name_key(name)).take();
}

static std::string count_key(std::string_view account, std::string_view region, std::string_view tier);

storage::Status ParamStore::save(std::string_view account, std::string_view region, const Doc& record,
                                 int64_t expires_ms, int64_t old_expires_ms, std::string_view old_tier,
                                 const Also& also) {
  storage::WriteBatch b;
  std::string name = record.str("Name");
  std::string tier = tier_of(record);
  if (old_tier != tier) {
    if (!old_tier.empty()) b.add(schema::kCounts.name, count_key(account, region, old_tier), -1);
    b.add(schema::kCounts.name, count_key(account, region, tier), 1);
  }
  b.put(schema::kParameters.name, key(account, region, name), json::write(record));
  if (old_expires_ms > 0 && old_expires_ms != expires_ms)
    b.del(schema::kExpirations.name, expiry_key(old_expires_ms, account, region, name));
  if (expires_ms > 0) b.put(schema::kExpirations.name, expiry_key(expires_ms, account, region, name), "");
  if (also) also(b);
  return db_.write(b);
}

storage::Status ParamStore::erase(std::string_view account, std::string_view region, std::string_view name,
                                  int64_t expires_ms, std::string_view tier, const Also& also) {
  storage::WriteBatch b;
  b.del(schema::kParameters.name, key(account, region, name));
  b.add(schema::kCounts.name, count_key(account, region, tier), -1);
  if (expires_ms > 0) b.del(schema::kExpirations.name, expiry_key(expires_ms, account, region, name));
  if (also) also(b);
  return db_.write(b);
}

static std::string count_key(std::string_view account, std::string_view region, std::string_view tier) {
  return storage::KeyBuilder().scope(account, region).raw(tier).take();
}

int64_t ParamStore::count(std::string_view account, std::string_view region, std::string_view tier) {
  std::string v;
  if (!db_.get(schema::kCounts.name, count_key(account, region, tier), &v).ok()) return 0;
  return storage::WriteBatch::decode_counter(v);
}

std::string ParamStore::tier_of(const Doc& record) {
  const Doc* versions = record.get("Versions");
  if (!versions || !versions->is_list() || versions->as_list().empty()) return "Standard";
  return versions->as_list().back().str("Tier", "Standard");
}

std::vector<ParamStore::Due> ParamStore::due(int64_t now_ms, size_t n) {
  std::vector<Due> out;
  storage::ScanOptions o;
  o.end = storage::KeyBuilder().u64(static_cast<uint64_t>(now_ms) + 1).take();
  for (auto it = db_.scan(schema::kExpirations.name, o); it->valid() && out.size() < n; it->next()) {
    storage::KeyReader r(it->key());
    Due d;
    d.raw_key = std::string(it->key());
    d.when = static_cast<int64_t>(r.u64());
    d.account = std::string(r.str());
    d.region = std::string(r.str());
    d.name = std::string(r.rest());
    out.push_back(std::move(d));
  }
  return out;
}

void ParamStore::drop_due(const Due& d) {
  db_.del(schema::kExpirations.name, d.raw_key);
}

int64_t ParamStore::hour_ms() {
  static const int64_t v = env_positive("STRATUS_SSM_HOUR_MS", 3'600'000);
  return v;
}

int64_t ParamStore::expiration_of(const Doc& record) {
  return next_policy_action(record, hour_ms());
}

}  // namespace stratus::ssm
