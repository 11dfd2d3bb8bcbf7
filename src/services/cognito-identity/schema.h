// What Cognito identity pools store: every keyspace once (storage/keys.h). Records are JSON
// documents (v1: a missing "v" reads as 1). On disk: never change a layout, add a keyspace or a
// version.
#pragma once

#include "storage/keys.h"

namespace stratus::cognitoidentity {

// Identity pool ids ("<region>:<uuid>") are unique across accounts; the record names its
// account and region ("_account", "_region") and holds its roles and role mappings.
inline constexpr storage::Keyspace kPools{"cognito-identity.pools", "str(identity pool id)",
                                          "identity pool record, JSON v1"};
inline constexpr storage::Keyspace kIdentities{"cognito-identity.identities", "str(identity pool id) str(identity id)",
                                               "identity record, JSON v1"};
// Identity ids do not name their pool: the pool of each.
inline constexpr storage::Keyspace kIdentityIndex{"cognito-identity.identityidx", "str(identity id)",
                                                  "identity pool id"};
// A login (provider name, the token's subject) linked to an identity.
inline constexpr storage::Keyspace kLogins{"cognito-identity.logins",
                                           "str(identity pool id) str(provider) str(subject)", "identity id"};

inline constexpr storage::Keyspace kKeyspaces[] = {kPools, kIdentities, kIdentityIndex, kLogins};

}  // namespace stratus::cognitoidentity
