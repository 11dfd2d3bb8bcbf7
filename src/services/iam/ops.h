// IAM's operations, one handler per operation named after it (the table is in service.cc).
// Each works on the caller's account's records (store.h).
#pragma once

#include "core/doc.h"
#include "core/result.h"
#include "services/service.h"

namespace stratus::iam {

// ops/roles.cc (roles, their attached and inline policies)
Doc create_role(OpContext&, const Doc&);
Doc get_role(OpContext&, const Doc&);
Doc list_roles(OpContext&, const Doc&);
Doc delete_role(OpContext&, const Doc&);
Doc update_role(OpContext&, const Doc&);
Doc update_assume_role_policy(OpContext&, const Doc&);
Doc attach_role_policy(OpContext&, const Doc&);
Doc detach_role_policy(OpContext&, const Doc&);
Doc list_attached_role_policies(OpContext&, const Doc&);
Doc put_role_policy(OpContext&, const Doc&);
Doc get_role_policy(OpContext&, const Doc&);
Doc delete_role_policy(OpContext&, const Doc&);
Doc list_role_policies(OpContext&, const Doc&);

// ops/policies.cc (managed policies)
Doc create_policy(OpContext&, const Doc&);
Doc get_policy(OpContext&, const Doc&);
Doc get_policy_version(OpContext&, const Doc&);
Doc list_policies(OpContext&, const Doc&);
Doc delete_policy(OpContext&, const Doc&);

// ops/users.cc (users, their attached policies and access keys)
Doc create_user(OpContext&, const Doc&);
Doc get_user(OpContext&, const Doc&);
Doc list_users(OpContext&, const Doc&);
Doc delete_user(OpContext&, const Doc&);
Doc attach_user_policy(OpContext&, const Doc&);
Doc detach_user_policy(OpContext&, const Doc&);
Doc list_attached_user_policies(OpContext&, const Doc&);
Doc create_access_key(OpContext&, const Doc&);
Doc list_access_keys(OpContext&, const Doc&);
Doc delete_access_key(OpContext&, const Doc&);

// ops/instance_profiles.cc (instance profiles: one role each)
Doc create_instance_profile(OpContext&, const Doc&);
Doc get_instance_profile(OpContext&, const Doc&);
Doc delete_instance_profile(OpContext&, const Doc&);
Doc list_instance_profiles(OpContext&, const Doc&);
Doc add_role_to_instance_profile(OpContext&, const Doc&);
Doc remove_role_from_instance_profile(OpContext&, const Doc&);
Doc list_instance_profiles_for_role(OpContext&, const Doc&);
Doc tag_instance_profile(OpContext&, const Doc&);
Doc untag_instance_profile(OpContext&, const Doc&);
Doc list_instance_profile_tags(OpContext&, const Doc&);

// ops/oidc_providers.cc (OpenID Connect providers, records only)
Doc create_open_id_connect_provider(OpContext&, const Doc&);
Doc get_open_id_connect_provider(OpContext&, const Doc&);
Doc list_open_id_connect_providers(OpContext&, const Doc&);
Doc delete_open_id_connect_provider(OpContext&, const Doc&);

}  // namespace stratus::iam
