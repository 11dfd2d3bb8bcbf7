// KMS's operations, one handler per operation named after it (the table is in service.cc).
// Each reaches the service's state through state(ctx) (state.h), returns the output document,
// and throws the AwsError that ends the operation (kms::errors, errors.h; or stratus::errors).
#pragma once

#include "core/doc.h"
#include "services/service.h"

namespace stratus::kms {

// ops/keys.cc
Doc create_key(OpContext&, const Doc&);
Doc describe_key(OpContext&, const Doc&);
Doc list_keys(OpContext&, const Doc&);
Doc enable_key(OpContext&, const Doc&);
Doc disable_key(OpContext&, const Doc&);
Doc update_key_description(OpContext&, const Doc&);
Doc schedule_key_deletion(OpContext&, const Doc&);
Doc cancel_key_deletion(OpContext&, const Doc&);

// ops/crypto.cc
Doc encrypt(OpContext&, const Doc&);
Doc decrypt(OpContext&, const Doc&);
Doc re_encrypt(OpContext&, const Doc&);
Doc generate_data_key(OpContext&, const Doc&);
Doc generate_data_key_without_plaintext(OpContext&, const Doc&);
Doc generate_data_key_pair(OpContext&, const Doc&);
Doc generate_data_key_pair_without_plaintext(OpContext&, const Doc&);
Doc generate_random(OpContext&, const Doc&);

// ops/asymmetric.cc
Doc sign(OpContext&, const Doc&);
Doc verify(OpContext&, const Doc&);
Doc get_public_key(OpContext&, const Doc&);
Doc generate_mac(OpContext&, const Doc&);
Doc verify_mac(OpContext&, const Doc&);

// ops/aliases.cc
Doc create_alias(OpContext&, const Doc&);
Doc update_alias(OpContext&, const Doc&);
Doc delete_alias(OpContext&, const Doc&);
Doc list_aliases(OpContext&, const Doc&);

// ops/tags.cc
Doc tag_resource(OpContext&, const Doc&);
Doc untag_resource(OpContext&, const Doc&);
Doc list_resource_tags(OpContext&, const Doc&);

// ops/policies.cc
Doc get_key_policy(OpContext&, const Doc&);
Doc put_key_policy(OpContext&, const Doc&);
Doc list_key_policies(OpContext&, const Doc&);

// ops/grants.cc
Doc create_grant(OpContext&, const Doc&);
Doc list_grants(OpContext&, const Doc&);
Doc list_retirable_grants(OpContext&, const Doc&);
Doc retire_grant(OpContext&, const Doc&);
Doc revoke_grant(OpContext&, const Doc&);

// ops/rotation.cc
Doc enable_key_rotation(OpContext&, const Doc&);
Doc disable_key_rotation(OpContext&, const Doc&);
Doc get_key_rotation_status(OpContext&, const Doc&);
Doc rotate_key_on_demand(OpContext&, const Doc&);
Doc list_key_rotations(OpContext&, const Doc&);

}  // namespace stratus::kms
