// What other services read of IAM. Nothing outside src/services/iam reads the "iam" keyspace.
//
//   if (auto ids = iam::oidc_client_ids(ctx.storage, account, claims.iss)) {
//     // a provider is registered for the issuer: the token's audience must be one of *ids
//   }
//
// Contract: reads storage only (works whether or not the iam service runs); thread safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/engine.h"

namespace stratus::iam {

// The ClientIDList of the account's OpenID Connect provider for `issuer` (a token's iss:
// "https://host/path" or "host/path"), or nullopt when none is registered.
std::optional<std::vector<std::string>> oidc_client_ids(storage::Engine& db, const std::string& account,
                                                         const std::string& issuer);

}  // namespace stratus::iam
