// SSM Parameter Store's keyspaces, declared once (storage/keys.h). The layouts are on disk: existing
// data must keep reading back, so a layout never changes; a new one gets a new keyspace.
// JSON records without a version member are v1.
#pragma once

#include "storage/keys.h"

namespace stratus::ssm::schema {

// One record per parameter: its tags, its policies and every kept version (at most 100), oldest
// first. A SecureString version holds only the KMS ciphertext of its value ("Cipher", base64),
// never the value.
inline constexpr storage::Keyspace kParameters{
    "ssm.parameters", "scope(account, region) raw(\"/\" + name without its leading \"/\")",
    "{Name, Tags, Versions: [{Version, Type, Value | Cipher, KeyId, Description, AllowedPattern, Tier, "
    "DataType, Policies, LastModifiedDate, LastModifiedUser, Labels}]}, JSON v1"};
// Pending Expiration policies: the sweep deletes the parameter when its time has come (if the
// parameter still carries that expiration).
inline constexpr storage::Keyspace kExpirations{"ssm.expirations",
                                                "u64(expiry ms) str(account) str(region) raw(parameter key)", "empty"};

// Parameters per tier (ParameterLimitExceeded, Intelligent-Tiering), kept in the batch that creates,
// re-tiers or deletes a parameter.
inline constexpr storage::Keyspace kCounts{"ssm.counts", "scope(account, region) raw(tier)",
                                           "counter (WriteBatch::add)"};

inline constexpr storage::Keyspace kKeyspaces[] = {kParameters, kExpirations, kCounts};

}  // namespace stratus::ssm::schema
