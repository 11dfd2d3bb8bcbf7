// What both engines (memory/, rocksdb/) share: keyspace-name checks and single writes expressed
// as one-op batches, so the two cannot drift on Engine's contract.
#pragma once

#include <string_view>

#include "storage/engine.h"

namespace stratus::storage {

// Keyspace names are non-empty and contain no NUL byte (engine.h); else invalid_argument.
inline Status check_keyspace(std::string_view ks) {
  if (ks.empty() || ks.find('\0') != std::string_view::npos)
    return Status::Invalid("keyspace name must be non-empty and contain no NUL byte");
  return Status::OK();
}

// Every keyspace a batch names, checked before anything of it is applied.
inline Status check_keyspaces(const WriteBatch& batch) {
  for (const auto& c : batch.conditions())
    if (auto s = check_keyspace(c.keyspace); !s.ok()) return s;
  for (const auto& op : batch.ops())
    if (auto s = check_keyspace(op.keyspace); !s.ok()) return s;
  return Status::OK();
}

// put() and del() as one-op batches through the engine's write().
class EngineBase : public Engine {
 public:
  Status put(std::string_view ks, std::string_view key, std::string_view value) override {
    WriteBatch b;
    b.put(ks, key, value);
    return write(b);
  }
  Status del(std::string_view ks, std::string_view key) override {
    WriteBatch b;
    b.del(ks, key);
    return write(b);
  }
};

}  // namespace stratus::storage
