// IAM's operations, one handler per operation named after it (the table is in service.cc).
// Each works on the caller's account's records (store.h).
#pragma once

#include "core/doc.h"
#include "core/result.h"
#include "services/service.h"

namespace stratus::iam {

// ops/roles.cc (roles, their attached and inline policies)
HandlerFn create_role, get_role, list_roles, delete_role, update_role, update_assume_role_policy, attach_role_policy,
    detach_role_policy, list_attached_role_policies, put_role_policy, get_role_policy, delete_role_policy,
    list_role_policies;

// ops/policies.cc (managed policies)
HandlerFn create_policy, get_policy, get_policy_version, list_policies, delete_policy, create_policy_version,
    list_policy_versions, delete_policy_version, set_default_policy_version;

// ops/users.cc (users, their attached policies and access keys)
HandlerFn create_user, get_user, list_users, delete_user, attach_user_policy, detach_user_policy,
    list_attached_user_policies, create_access_key, list_access_keys, delete_access_key;

// ops/instance_profiles.cc (instance profiles: one role each)
HandlerFn create_instance_profile, get_instance_profile, delete_instance_profile, list_instance_profiles,
    add_role_to_instance_profile, remove_role_from_instance_profile, list_instance_profiles_for_role,
    tag_instance_profile, untag_instance_profile, list_instance_profile_tags;

// ops/oidc_providers.cc (OpenID Connect providers, records only)
HandlerFn create_open_id_connect_provider, get_open_id_connect_provider, list_open_id_connect_providers,
    delete_open_id_connect_provider;

}  // namespace stratus::iam
