#include "services/sns/store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

#include "core/clock.h"
#include "core/doc.h"
#include "core/json.h"
#include "core/record.h"
#include "services/sns/checks.h"
#include "services/sns/schema.h"
#include "storage/keys.h"

namespace stratus::sns {
namespace {
constexpr std::string_view kTopicsKs = kTopics.name;
constexpr std::string_view kSubsKs = kSubs.name;
constexpr std::string_view kDedupKs = kDedup.name;

// The flat members of a stored topic (the ARN is the storage key); tags (a list of Key/Value maps),
// subs and deleted_subs are written and read beside the table.
const json::Record<Topic> kTopicRecord{{"account", &Topic::account}, {"region", &Topic::region},
                                       {"name", &Topic::name},       {"fifo", &Topic::fifo},
                                       {"attributes", &Topic::attributes}};

// The stored record of a subscription (the ARN is the storage key; the filter is parsed from the
// FilterPolicy attribute on load).
const json::Record<Sub> kSubRecord{
    {"topic", &Sub::topic_arn}, {"protocol", &Sub::protocol},   {"endpoint", &Sub::endpoint},
    {"owner", &Sub::owner},     {"token", &Sub::token},         {"confirmed", &Sub::confirmed},
    {"attributes", &Sub::attributes}};
}  // namespace

void Store::open(storage::Engine& engine) {
  engine_ = &engine;
  std::unique_lock lk(mu_);
  for (auto it = engine_->scan(kTopicsKs, {}); it->valid(); it->next()) {
    try {
      Doc d = json::parse(it->value());
      auto t = std::make_shared<Topic>();
      t->arn = std::string(it->key());
      kTopicRecord.from_doc(d, *t);
      if (const Doc* tags = d.get("tags"))
        for (const auto& e : tags->as_list()) t->tags.emplace_back(e.str("Key"), e.str("Value"));
      if (const Doc* subs = d.get("subs"))
        for (const auto& s : subs->as_list()) t->subs.push_back(s.as_string());
      t->deleted_subs = d.integer("deleted_subs");
      topics_[t->arn] = t;
      count(*t, 1);
    } catch (const std::exception& e) {
      spdlog::error("sns: unreadable topic record: {}", e.what());
    }
  }
  // FIFO deduplication windows still open; expired records are deleted.
  storage::WriteBatch expired;
  int64_t now = now_millis();
  for (auto it = engine_->scan(kDedupKs, {}); it->valid(); it->next()) {
    try {
      storage::KeyReader r(it->key());
      std::string arn(r.str());
      std::string key(r.rest());
      Doc d = json::parse(it->value());
      auto t = topic(arn);
      if (!t || d.integer("e") <= now) {
        expired.del(kDedupKs, it->key());
        continue;
      }
      uint64_t seq = static_cast<uint64_t>(d.integer("seq"));
      t->dedup[key] = {d.integer("e"), {d.str("id"), seq}};
      constexpr uint64_t kBase = 10'000'000'000'000'000'000ULL;  // where FIFO sequence numbers start
      if (seq > kBase) t->next_seq = std::max(t->next_seq, seq - kBase + 1);
    } catch (const std::exception& e) {
      spdlog::error("sns: unreadable deduplication record: {}", e.what());
    }
  }
  if (!expired.empty()) (void)engine_->write(expired);
  for (auto it = engine_->scan(kSubsKs, {}); it->valid(); it->next()) {
    try {
      auto s = std::make_shared<Sub>();
      kSubRecord.read(it->value(), *s);
      s->arn = std::string(it->key());
      if (auto f = s->attributes.find("FilterPolicy"); f != s->attributes.end())
        s->filter = parse_filter_policy(f->second, nullptr);
      subs_[s->arn] = s;
    } catch (const std::exception& e) {
      spdlog::error("sns: unreadable subscription record: {}", e.what());
    }
  }
}

void Store::clear() {
  std::unique_lock lk(mu_);
  topics_.clear();
  subs_.clear();
  counts_.clear();
}

void Store::count(const Topic& t, int delta) {
  auto& c = counts_[t.account + '\0' + t.region][t.fifo ? 1 : 0];
  c = delta > 0 ? c + 1 : (c > 0 ? c - 1 : 0);
}

size_t Store::topic_count(const std::string& account, const std::string& region, bool fifo) const {
  auto it = counts_.find(account + '\0' + region);
  return it == counts_.end() ? 0 : it->second[fifo ? 1 : 0];
}

std::shared_ptr<Topic> Store::topic(const std::string& arn) const {
  auto it = topics_.find(arn);
  return it == topics_.end() ? nullptr : it->second;
}

std::shared_ptr<const Sub> Store::sub(const std::string& arn) const {
  auto it = subs_.find(arn);
  return it == subs_.end() ? nullptr : it->second;
}

Fanout Store::fanout_of(const Topic& t) const {
  Fanout f;
  for (const auto& arn : t.subs)
    if (auto it = subs_.find(arn); it != subs_.end() && it->second->confirmed) f.subs.push_back(it->second);
  if (auto dn = t.attributes.find("DisplayName"); dn != t.attributes.end()) f.display_name = dn->second;
  if (auto sv = t.attributes.find("SignatureVersion"); sv != t.attributes.end() && sv->second == "2") f.version = 2;
  return f;
}

void Store::add(std::shared_ptr<Topic> t) {
  if (!topics_.count(t->arn)) count(*t, 1);
  topics_[t->arn] = t;
  save(*t);
}

void Store::add(Topic& t, std::shared_ptr<const Sub> s) {
  subs_[s->arn] = s;
  t.subs.push_back(s->arn);
  save(*s);
  save(t);
}

void Store::replace(std::shared_ptr<const Sub> s) {
  subs_[s->arn] = s;
  save(*s);
}

storage::Status Store::erase(const Topic& t) {
  std::string arn = t.arn;  // t may be the last owner's: keep what is needed
  storage::WriteBatch b;
  for (const auto& s : t.subs) {
    subs_.erase(s);
    b.del(kSubsKs, s);
  }
  b.del(kTopicsKs, arn);
  std::string dedup_prefix = storage::KeyBuilder().str(arn).take();
  for (auto it = engine_->prefix(kDedupKs, dedup_prefix); it->valid(); it->next()) b.del(kDedupKs, it->key());
  count(t, -1);
  topics_.erase(arn);
  return engine_->write(b);
}

bool Store::erase_sub(const std::string& arn) {
  auto it = subs_.find(arn);
  if (it == subs_.end()) return false;
  if (auto t = topic(it->second->topic_arn)) {
    t->subs.erase(std::remove(t->subs.begin(), t->subs.end(), arn), t->subs.end());
    t->deleted_subs++;
    save(*t);
  }
  subs_.erase(it);
  (void)engine_->del(kSubsKs, arn);
  return true;
}

int Store::signature_version(const std::string& topic_arn) const {
  std::shared_lock lk(mu_);
  auto t = topic(topic_arn);
  if (!t) return 1;
  auto it = t->attributes.find("SignatureVersion");
  return it != t->attributes.end() && it->second == "2" ? 2 : 1;
}

void Store::save(const Topic& t) {
  Doc d = kTopicRecord.to_doc(t);
  Doc tags = Doc::list();
  for (const auto& [k, v] : t.tags) {
    Doc e = Doc::map();
    e.set("Key", k);
    e.set("Value", v);
    tags.push(std::move(e));
  }
  d.set("tags", std::move(tags));
  d.set("subs", [&] {
    Doc l = Doc::list();
    for (const auto& s : t.subs) l.push(s);
    return l;
  }());
  d.set("deleted_subs", t.deleted_subs);
  (void)engine_->put(kTopicsKs, t.arn, json::write(d));
}

void Store::dedup_record(storage::WriteBatch& b, const Topic& t, const std::string& key, int64_t expiry,
                         const std::string& message_id, uint64_t seq) {
  Doc d = Doc::map();
  d.set("e", expiry);
  d.set("id", message_id);
  d.set("seq", static_cast<int64_t>(seq));
  b.put(kDedupKs, storage::KeyBuilder().str(t.arn).raw(key).take(), json::write(d));
}

void Store::dedup_forget(storage::WriteBatch& b, const Topic& t, const std::string& key) {
  b.del(kDedupKs, storage::KeyBuilder().str(t.arn).raw(key).take());
}

void Store::save(const Sub& s) { (void)engine_->put(kSubsKs, s.arn, kSubRecord.write(s)); }

}  // namespace stratus::sns
