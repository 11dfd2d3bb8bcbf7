// Secrets Manager's keyspaces, declared once (storage/keys.h). The layouts are on disk: existing
// data must keep reading back, so a layout never changes; a new one gets a new keyspace.
#pragma once

#include "storage/keys.h"

namespace stratus::secretsmanager::schema {

// One record per secret name: its metadata, rotation state and the versions' metadata (never a
// value). Records without a "v" member are v1.
inline constexpr storage::Keyspace kSecrets{
    "secretsmanager.secrets", "scope(account, region) raw(secret name)",
    "{ARN, Name, Description, KmsKeyId, CreatedDate, LastChangedDate, LastAccessedDate, LastRotatedDate, "
    "DeletedDate, Tags, Policy, RotationEnabled, RotationLambdaARN, RotationRules, NextRotationStart, "
    "NextRotationDate, Rotation, Type, Replicas, PrimaryRegion, Versions{id: {Created, Stages, LastAccessed, "
    "KmsKeyArn, HasValue}}}, JSON v1"};
// One value per version, encrypted: 'K' then a KMS ciphertext blob (encryption context SecretARN,
// SecretVersionId), or 'L' then a value sealed with the data-directory key (auth/sealing.h) when KMS
// is not running. The plaintext inside is 'S' + SecretString or 'B' + SecretBinary.
inline constexpr storage::Keyspace kValues{"secretsmanager.values",
                                           "scope(account, region) str(secret name) raw(version id)",
                                           "'K' kms blob | 'L' sealed, around 'S' string | 'B' bytes"};

inline constexpr storage::Keyspace kKeyspaces[] = {kSecrets, kValues};

}  // namespace stratus::secretsmanager::schema
