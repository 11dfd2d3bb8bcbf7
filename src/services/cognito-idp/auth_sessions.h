// Pending challenge sessions of the multi-step sign-ins (CUSTOM_AUTH's trigger loop, MFA and
// MFA_SETUP): the `Session` string a client sends back is a random id naming a record here.
// In memory: a session lives AuthSessionValidity (3 minutes) and a restart ends the pending ones
// (the client starts the sign-in again, as after an expiry). Bounded: at most `capacity` pending,
// the expired swept first, then the oldest. Thread safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/doc.h"

namespace stratus::cognitoidp {

class AuthSessions {
 public:
  explicit AuthSessions(size_t capacity = 100'000) : capacity_(capacity) {}
  // Stores `record` until `expires_ms`; its new id (base64url, 64 characters).
  std::string put(Doc record, int64_t expires_ms, int64_t now_ms);
  // The record of a live session, removed (sessions are single use); nullopt when unknown or expired.
  std::optional<Doc> take(const std::string& id, int64_t now_ms);
  // Stores `record` again under an id take() returned (a challenge that may be retried).
  void put_back(const std::string& id, Doc record, int64_t expires_ms);
  size_t size() const;

 private:
  struct Entry {
    int64_t expires_ms;
    int64_t seq;
    Doc record;
  };
  const size_t capacity_;
  mutable std::mutex mu_;
  int64_t seq_ = 0;                               // GUARDED_BY(mu_)
  std::unordered_map<std::string, Entry> items_;  // GUARDED_BY(mu_)
};

}  // namespace stratus::cognitoidp
