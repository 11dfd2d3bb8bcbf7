#include "services/cognito-idp/auth_sessions.h"

#include <algorithm>
#include <vector>

#include "services/cognito-idp/crypto.h"

namespace stratus::cognitoidp {

std::string AuthSessions::put(Doc record, int64_t expires_ms, int64_t now_ms) {
  std::string id = crypto::base64url(crypto::random_bytes(48));
  std::lock_guard lk(mu_);
  if (items_.size() >= capacity_) {
    std::erase_if(items_, [now_ms](const auto& kv) { return kv.second.expires_ms < now_ms; });
    if (items_.size() >= capacity_) {
      auto oldest = std::min_element(items_.begin(), items_.end(),
                                     [](const auto& a, const auto& b) { return a.second.seq < b.second.seq; });
      items_.erase(oldest);
    }
  }
  items_[id] = Entry{expires_ms, ++seq_, std::move(record)};
  return id;
}

std::optional<Doc> AuthSessions::take(const std::string& id, int64_t now_ms) {
  std::lock_guard lk(mu_);
  auto it = items_.find(id);
  if (it == items_.end()) return std::nullopt;
  Entry e = std::move(it->second);
  items_.erase(it);
  if (e.expires_ms < now_ms) return std::nullopt;
  return std::move(e.record);
}

void AuthSessions::put_back(const std::string& id, Doc record, int64_t expires_ms) {
  std::lock_guard lk(mu_);
  items_[id] = Entry{expires_ms, ++seq_, std::move(record)};
}

size_t AuthSessions::size() const {
  std::lock_guard lk(mu_);
  return items_.size();
}

}  // namespace stratus::cognitoidp
