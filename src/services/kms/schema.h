// What KMS stores: every keyspace once (storage/keys.h). On disk: never change a layout, add a
// keyspace or a version instead. JSON records without a version field are v1.
#pragma once

#include "storage/keys.h"

namespace stratus::kms {

// Keys (store.h). Key material is sealed (auth/sealing.h) under the KMS master key with the key
// ARN and material version as associated data: never in clear.
inline constexpr storage::Keyspace kKeys{
    "kms.keys", "scope(account, region) str(key id)",
    "key record, JSON v1 {id, spec, usage, state, manager, origin, description, created, deletion, window, "
    "multi_region, policy, tags [[k, v]], rotation, period, next_rotation, materials [{v, created, type, sealed "
    "(base64)}], rotations}"};
// Aliases: name → target key id.
inline constexpr storage::Keyspace kAliases{"kms.aliases", "scope(account, region) raw(alias name)",
                                            "alias record, JSON v1 {target, created, updated}"};
// Grants, by key.
inline constexpr storage::Keyspace kGrants{
    "kms.grants", "scope(account, region) str(key id) raw(grant id)",
    "grant record, JSON v1 {id, name, grantee, retiring, operations, constraints, issuer, created}"};

inline constexpr storage::Keyspace kKeyspaces[] = {kKeys, kAliases, kGrants};

}  // namespace stratus::kms
