// Cognito user pools' handlers (ops/*.cc), one per operation, named after it.
#pragma once

#include "core/doc.h"
#include "services/service.h"

namespace stratus::cognitoidp {

// ops/pools.cc
Doc create_user_pool(OpContext&, const Doc&);
Doc describe_user_pool(OpContext&, const Doc&);
Doc update_user_pool(OpContext&, const Doc&);
Doc delete_user_pool(OpContext&, const Doc&);
Doc list_user_pools(OpContext&, const Doc&);
Doc add_custom_attributes(OpContext&, const Doc&);
Doc create_user_pool_client(OpContext&, const Doc&);
Doc describe_user_pool_client(OpContext&, const Doc&);
Doc update_user_pool_client(OpContext&, const Doc&);
Doc delete_user_pool_client(OpContext&, const Doc&);
Doc list_user_pool_clients(OpContext&, const Doc&);
Doc create_user_pool_domain(OpContext&, const Doc&);
Doc describe_user_pool_domain(OpContext&, const Doc&);
Doc delete_user_pool_domain(OpContext&, const Doc&);
Doc create_group(OpContext&, const Doc&);
Doc get_group(OpContext&, const Doc&);
Doc update_group(OpContext&, const Doc&);
Doc delete_group(OpContext&, const Doc&);
Doc list_groups(OpContext&, const Doc&);
Doc create_resource_server(OpContext&, const Doc&);
Doc describe_resource_server(OpContext&, const Doc&);
Doc update_resource_server(OpContext&, const Doc&);
Doc delete_resource_server(OpContext&, const Doc&);
Doc list_resource_servers(OpContext&, const Doc&);

// ops/users.cc
Doc admin_create_user(OpContext&, const Doc&);
Doc admin_get_user(OpContext&, const Doc&);
Doc admin_delete_user(OpContext&, const Doc&);
Doc admin_enable_user(OpContext&, const Doc&);
Doc admin_disable_user(OpContext&, const Doc&);
Doc admin_confirm_sign_up(OpContext&, const Doc&);
Doc admin_set_user_password(OpContext&, const Doc&);
Doc admin_reset_user_password(OpContext&, const Doc&);
Doc admin_update_user_attributes(OpContext&, const Doc&);
Doc admin_delete_user_attributes(OpContext&, const Doc&);
Doc admin_add_user_to_group(OpContext&, const Doc&);
Doc admin_remove_user_from_group(OpContext&, const Doc&);
Doc admin_list_groups_for_user(OpContext&, const Doc&);
Doc admin_user_global_sign_out(OpContext&, const Doc&);
Doc list_users(OpContext&, const Doc&);
Doc list_users_in_group(OpContext&, const Doc&);
Doc sign_up(OpContext&, const Doc&);
Doc confirm_sign_up(OpContext&, const Doc&);
Doc resend_confirmation_code(OpContext&, const Doc&);
Doc forgot_password(OpContext&, const Doc&);
Doc confirm_forgot_password(OpContext&, const Doc&);
Doc change_password(OpContext&, const Doc&);
Doc get_user(OpContext&, const Doc&);
Doc update_user_attributes(OpContext&, const Doc&);
Doc delete_user_attributes(OpContext&, const Doc&);
Doc get_user_attribute_verification_code(OpContext&, const Doc&);
Doc verify_user_attribute(OpContext&, const Doc&);
Doc delete_user(OpContext&, const Doc&);
Doc global_sign_out(OpContext&, const Doc&);
Doc revoke_token(OpContext&, const Doc&);

// ops/refresh.cc
Doc get_tokens_from_refresh_token(OpContext&, const Doc&);

// ops/auth.cc
Doc initiate_auth(OpContext&, const Doc&);
Doc admin_initiate_auth(OpContext&, const Doc&);
Doc respond_to_auth_challenge(OpContext&, const Doc&);
Doc admin_respond_to_auth_challenge(OpContext&, const Doc&);

// ops/mfa.cc
Doc set_user_pool_mfa_config(OpContext&, const Doc&);
Doc get_user_pool_mfa_config(OpContext&, const Doc&);
Doc set_user_mfa_preference(OpContext&, const Doc&);
Doc admin_set_user_mfa_preference(OpContext&, const Doc&);
Doc associate_software_token(OpContext&, const Doc&);
Doc verify_software_token(OpContext&, const Doc&);

// ops/devices.cc
Doc confirm_device(OpContext&, const Doc&);
Doc get_device(OpContext&, const Doc&);
Doc admin_get_device(OpContext&, const Doc&);
Doc list_devices(OpContext&, const Doc&);
Doc admin_list_devices(OpContext&, const Doc&);
Doc forget_device(OpContext&, const Doc&);
Doc admin_forget_device(OpContext&, const Doc&);
Doc update_device_status(OpContext&, const Doc&);
Doc admin_update_device_status(OpContext&, const Doc&);

}  // namespace stratus::cognitoidp
