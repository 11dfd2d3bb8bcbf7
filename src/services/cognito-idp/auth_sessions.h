// Pending challenge sessions of the multi-step sign-ins (CUSTOM_AUTH's trigger loop, MFA and
// MFA_SETUP, device SRP, USER_AUTH's one-time codes): the `Session` string a client sends back is
// a random id naming a record here. A session lives the client's AuthSessionValidity (3 minutes
// by default). With a Store the sessions are durable (kAuthSessions: written when issued, deleted
// when used), so a sign-in that got its challenge before a restart -- kill -9 too -- answers it
// after; load() reads them back at start and drops the expired. Bounded: at most `capacity`
// pending, the expired swept first, then the oldest. Thread safe.
// (The SRP secret blocks and NEW_PASSWORD_REQUIRED sessions are sealed blobs, not records here:
// they survive a restart with the sealing key.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/doc.h"

namespace stratus::cognitoidp {

class Store;

class AuthSessions {
 public:
  explicit AuthSessions(size_t capacity = 100'000, Store* store = nullptr) : capacity_(capacity), store_(store) {}
  // Reads the stored sessions back (at start), deleting the expired ones.
  void load(int64_t now_ms);
  // Stores `record` until `expires_ms`; its new id (base64url, 64 characters).
  std::string put(Doc record, int64_t expires_ms, int64_t now_ms);
  // The record of a live session, removed (sessions are single use); nullopt when unknown or expired.
  std::optional<Doc> take(const std::string& id, int64_t now_ms);
  // Stores `record` again under an id take() returned (a challenge that may be retried).
  void put_back(const std::string& id, Doc record, int64_t expires_ms);
  // Drops the expired sessions (also from the Store); how many. Run every minute (service.cc).
  size_t sweep(int64_t now_ms);
  size_t size() const;

 private:
  struct Entry {
    int64_t expires_ms;
    int64_t seq;
    Doc record;
  };
  void persist(const std::string& id, const Entry& e);
  void forget(const std::string& id);
  size_t sweep_locked(int64_t now_ms);  // REQUIRES(mu_)
  const size_t capacity_;
  Store* const store_;
  mutable std::mutex mu_;
  int64_t seq_ = 0;                               // GUARDED_BY(mu_)
  std::unordered_map<std::string, Entry> items_;  // GUARDED_BY(mu_)
};

}  // namespace stratus::cognitoidp
