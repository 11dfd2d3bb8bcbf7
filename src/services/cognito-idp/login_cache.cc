#include "services/cognito-idp/login_cache.h"

#include "auth/sigv4.h"
#include "services/cognito-idp/crypto.h"

namespace stratus::cognitoidp {

LoginCache::LoginCache(size_t capacity) : capacity_(capacity ? capacity : 1), key_(crypto::random_bytes(32)) {}

std::string LoginCache::user_id(std::string_view pool, std::string_view user_key) {
  std::string id(pool);
  id += '\0';
  id += user_key;
  return id;
}

std::string LoginCache::mac(std::string_view pool, std::string_view user_key, std::string_view stored_hash,
                            std::string_view password) const {
  std::string data = user_id(pool, user_key);
  data += '\0';
  data += stored_hash;
  data += '\0';
  data += password;
  return auth::hmac_sha256(key_, data);
}

bool LoginCache::known(std::string_view pool, std::string_view user_key, std::string_view stored_hash,
                       std::string_view password) const {
  if (stored_hash.empty()) return false;
  std::string m = mac(pool, user_key, stored_hash, password);
  std::lock_guard lk(mu_);
  return entries_.count(m) != 0;
}

void LoginCache::add(std::string_view pool, std::string_view user_key, std::string_view stored_hash,
                     std::string_view password) {
  if (stored_hash.empty()) return;
  std::string m = mac(pool, user_key, stored_hash, password);
  std::string id = user_id(pool, user_key);
  std::lock_guard lk(mu_);
  if (!entries_.insert(m).second) return;
  by_user_.emplace(id, m);
  order_.emplace_back(std::move(m), std::move(id));
  while (entries_.size() > capacity_ && !order_.empty()) {
    auto [old, uid] = std::move(order_.front());
    order_.pop_front();
    if (!entries_.erase(old)) continue;  // already forgotten
    auto range = by_user_.equal_range(uid);
    for (auto it = range.first; it != range.second; ++it)
      if (it->second == old) {
        by_user_.erase(it);
        break;
      }
  }
  // Forgotten entries leave their place in order_; keep it from growing past twice the cap.
  if (order_.size() > 2 * capacity_) {
    std::deque<std::pair<std::string, std::string>> live;
    for (auto& e : order_)
      if (entries_.count(e.first)) live.push_back(std::move(e));
    order_.swap(live);
  }
}

bool LoginCache::verify_once(std::string_view pool, std::string_view user_key, std::string_view stored_hash,
                             std::string_view password, const std::function<bool()>& check) {
  if (stored_hash.empty()) return check();
  std::string m = mac(pool, user_key, stored_hash, password);
  std::shared_ptr<Pending> p;
  {
    std::unique_lock lk(mu_);
    if (entries_.count(m)) return true;
    auto [it, first] = pending_.try_emplace(m, nullptr);
    if (!first) {
      p = it->second;
      settled_.wait(lk, [&] { return p->done; });
      return p->ok;
    }
    p = it->second = std::make_shared<Pending>();
  }
  bool ok = false;
  try {
    ok = check();
  } catch (...) {
    std::lock_guard lk(mu_);
    p->done = true;
    pending_.erase(m);
    settled_.notify_all();
    throw;
  }
  if (ok) add(pool, user_key, stored_hash, password);
  std::lock_guard lk(mu_);
  p->ok = ok;
  p->done = true;
  pending_.erase(m);
  settled_.notify_all();
  return ok;
}

void LoginCache::forget_user(std::string_view pool, std::string_view user_key) {
  std::string id = user_id(pool, user_key);
  std::lock_guard lk(mu_);
  auto range = by_user_.equal_range(id);
  for (auto it = range.first; it != range.second; ++it) entries_.erase(it->second);
  by_user_.erase(range.first, range.second);
}

size_t LoginCache::size() const {
  std::lock_guard lk(mu_);
  return entries_.size();
}

}  // namespace stratus::cognitoidp
