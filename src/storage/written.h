// Ending an operation on a failed storage write, one way for every handler:
//
//   storage::written(ctx.storage.put(ks, key, value));   // InternalFailure with the engine's message
//
// (An operation that tolerates NotFound checks the Status itself.)
#pragma once

#include "core/error.h"
#include "storage/engine.h"

namespace stratus::storage {

inline void written(const Status& st) {
  if (!st.ok()) throw errors::internal(st.message);
}

}  // namespace stratus::storage
