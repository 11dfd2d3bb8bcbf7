// Cognito identity pools' handlers (ops/*.cc), one per operation, named after it, and what they
// share (common.cc).
#pragma once

#include <string>
#include <vector>

#include "core/doc.h"
#include "services/cognito-identity/errors.h"
#include "services/cognito-identity/store.h"
#include "services/service.h"

namespace stratus::cognitoidp {
class Api;
}

namespace stratus::cognitoidentity {

namespace cerr = stratus::cognitoidentity::errors;

struct State {
  Store store;
  cognitoidp::Api* idp = nullptr;  // user pool tokens (services/cognito-idp/api.h); nullptr when not running
  explicit State(storage::Engine& e) : store(e) {}
};
State& state(OpContext& ctx);

// The pool; ResourceNotFoundException "IdentityPool '<id>' not found." when absent or, with
// `own`, another account's or region's (the anonymous APIs find any).
Doc load_pool(OpContext& ctx, const std::string& pool_id, bool own = true);
// The identity; ResourceNotFoundException "Identity '<id>' not found.".
Doc load_identity(OpContext& ctx, const std::string& identity_id);
// IdentityDescription: IdentityId, Logins (provider names), CreationDate, LastModifiedDate.
Doc identity_out(const Doc& identity);

// The provider name of cognito-identity's own OpenID tokens in a Logins map (the developer
// flows' GetCredentialsForIdentity).
inline constexpr std::string_view kIdentityProvider = "cognito-identity.amazonaws.com";

// One verified entry of a Logins map.
struct Login {
  std::string provider;  // "cognito-idp.<region>.amazonaws.com/<user pool id>"
  std::string subject;   // the token's sub
  Doc claims;
};
// Verifies every entry of `logins` (a Logins map, may be null) against the pool's providers (and
// OpenID tokens of this pool, subject the identity id, under kIdentityProvider):
// NotAuthorizedException "Invalid login token. ..." as AWS words it.
std::vector<Login> verify_logins(OpContext& ctx, const Doc& pool, const Doc* logins);
// An authenticated identity's operations need at least one of its own logins.
void check_logins_match(const Doc& identity, const std::vector<Login>& logins);
// The OpenID token (RS256, iss https://cognito-identity.amazonaws.com, aud the pool, sub the
// identity, amr) cognito-identity issues, valid `seconds`.
std::string open_id_token(OpContext& ctx, const Doc& pool, const Doc& identity, const std::vector<Login>& logins,
                          int64_t seconds);

// ops/pools.cc
HandlerFn create_identity_pool, describe_identity_pool, update_identity_pool, delete_identity_pool, list_identity_pools,
    set_identity_pool_roles, get_identity_pool_roles, tag_resource, untag_resource, list_tags_for_resource;
// ops/identities.cc
HandlerFn get_id, get_open_id_token, get_credentials_for_identity, list_identities, describe_identity,
    delete_identities, unlink_identity, get_open_id_token_for_developer_identity, lookup_developer_identity,
    merge_developer_identities, unlink_developer_identity, get_principal_tag_attribute_map,
    set_principal_tag_attribute_map;

}  // namespace stratus::cognitoidentity
