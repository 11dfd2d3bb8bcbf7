// Verified logins: a repeat USER_PASSWORD_AUTH of the same user with the same password skips the
// PBKDF2 check (~30 ms of CPU) and costs one HMAC.
//
// An entry is HMAC-SHA256(process key, pool id | username key | stored hash | password): nothing
// in memory is the password or a fast hash an attacker without the process key could test
// guesses against. The stored hash carries a fresh salt on every password change, so a changed
// password (or a deleted and re-created user) never matches an old entry: invalidation is by
// construction, and the service also forgets a user's entries (`forget_user`) on any change of the
// user record it makes through save_user. Bounded: at most `capacity` entries, the oldest evicted.
// Thread safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace stratus::cognitoidp {

class LoginCache {
 public:
  explicit LoginCache(size_t capacity = 10'000);
  bool known(std::string_view pool, std::string_view user_key, std::string_view stored_hash,
             std::string_view password) const;
  void add(std::string_view pool, std::string_view user_key, std::string_view stored_hash, std::string_view password);
  // The verdict of `check` (the slow hash) for these credentials, remembered when true. Concurrent
  // callers with the same credentials share one run: the first runs it, the others wait for its
  // verdict (a burst of first logins of one user costs one PBKDF2, not one per connection, which
  // at 30 ms each on two cores queued every caller behind all of them).
  bool verify_once(std::string_view pool, std::string_view user_key, std::string_view stored_hash,
                   std::string_view password, const std::function<bool()>& check);
  // Drops the user's entries (a password, status or attribute change).
  void forget_user(std::string_view pool, std::string_view user_key);
  size_t size() const;

 private:
  std::string mac(std::string_view pool, std::string_view user_key, std::string_view stored_hash,
                  std::string_view password) const;
  static std::string user_id(std::string_view pool, std::string_view user_key);

  const size_t capacity_;
  const std::string key_;
  mutable std::mutex mu_;
  std::deque<std::pair<std::string, std::string>> order_;      // GUARDED_BY(mu_) (mac, user id), oldest first
  std::unordered_set<std::string> entries_;                    // GUARDED_BY(mu_) macs
  std::unordered_multimap<std::string, std::string> by_user_;  // GUARDED_BY(mu_) user id -> mac
  struct Pending {
    bool done = false;
    bool ok = false;
  };
  std::unordered_map<std::string, std::shared_ptr<Pending>> pending_;  // GUARDED_BY(mu_) mac -> running check
  std::condition_variable settled_;
};

}  // namespace stratus::cognitoidp
