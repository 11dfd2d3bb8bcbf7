#include "services/cognito-idp/auth_sessions.h"

#include <algorithm>
#include <vector>

#include "services/cognito-idp/crypto.h"
#include "services/cognito-idp/schema.h"
#include "services/cognito-idp/store.h"

namespace stratus::cognitoidp {

// Stored as {"e": expires_ms, "r": record} under the session id.
void AuthSessions::persist(const std::string& id, const Entry& e) {
  if (!store_) return;
  Doc d = Doc::map();
  d.set("e", e.expires_ms);
  d.set("r", e.record);
  store_->put(kAuthSessions.name, id, d);
}

void AuthSessions::forget(const std::string& id) {
  if (store_) store_->del(kAuthSessions.name, id);
}

void AuthSessions::load(int64_t now_ms) {
  if (!store_) return;
  std::vector<std::string> expired;
  std::lock_guard lk(mu_);
  store_->scan(kAuthSessions.name, "", [&](const std::string& id, Doc d) {
    int64_t exp = d.integer("e");
    if (exp < now_ms || !d.get("r"))
      expired.push_back(id);
    else
      items_[id] = Entry{exp, ++seq_, std::move(d["r"])};
    return true;
  });
  for (const auto& id : expired) forget(id);
}

std::string AuthSessions::put(Doc record, int64_t expires_ms, int64_t now_ms) {
  std::string id = crypto::base64url(crypto::random_bytes(48));
  std::lock_guard lk(mu_);
  if (items_.size() >= capacity_) {
    sweep_locked(now_ms);
    if (items_.size() >= capacity_) {
      auto oldest = std::min_element(items_.begin(), items_.end(),
                                     [](const auto& a, const auto& b) { return a.second.seq < b.second.seq; });
      forget(oldest->first);
      items_.erase(oldest);
    }
  }
  Entry& e = items_[id] = Entry{expires_ms, ++seq_, std::move(record)};
  persist(id, e);
  return id;
}

std::optional<Doc> AuthSessions::take(const std::string& id, int64_t now_ms) {
  std::lock_guard lk(mu_);
  auto it = items_.find(id);
  if (it == items_.end()) return std::nullopt;
  Entry e = std::move(it->second);
  items_.erase(it);
  forget(id);
  if (e.expires_ms < now_ms) return std::nullopt;
  return std::move(e.record);
}

void AuthSessions::put_back(const std::string& id, Doc record, int64_t expires_ms) {
  std::lock_guard lk(mu_);
  Entry& e = items_[id] = Entry{expires_ms, ++seq_, std::move(record)};
  persist(id, e);
}

size_t AuthSessions::sweep_locked(int64_t now_ms) {
  size_t n = 0;
  for (auto it = items_.begin(); it != items_.end();)
    if (it->second.expires_ms < now_ms) {
      forget(it->first);
      it = items_.erase(it);
      ++n;
    } else {
      ++it;
    }
  return n;
}

size_t AuthSessions::sweep(int64_t now_ms) {
  std::lock_guard lk(mu_);
  return sweep_locked(now_ms);
}

size_t AuthSessions::size() const {
  std::lock_guard lk(mu_);
  return items_.size();
}

}  // namespace stratus::cognitoidp
