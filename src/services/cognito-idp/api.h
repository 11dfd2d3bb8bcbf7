// cognito-idp's port for other services: verifying the JWTs a user pool issued.
//
//   auto* idp = ctx.port<cognitoidp::Api>();  // in start(); nullptr when cognito-idp is not running
//   cognitoidp::Verified v = idp->verify_jwt("us-east-1_AbC", token, now_ms, false);
//   if (!v.claims) ... v.error says why (for logs; callers answer with their own error)
//   v.claims->str("token_use"), v.claims->str("aud") / str("client_id"), ...
//
// Used by API Gateway's COGNITO_USER_POOLS authorizer and the identity pools (cognito-identity,
// Logins "cognito-idp.<region>.amazonaws.com/<pool id>").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/doc.h"

namespace stratus::cognitoidp {

struct Verified {
  std::optional<Doc> claims;  // the payload, when the token verified
  std::string error;          // why not, otherwise
};

class Api {
 public:
  virtual ~Api() = default;
  // Verifies a compact JWS as a token of the pool `pool_id`: three base64url segments, header
  // alg RS256 with the kid of the pool's key, the RS256 signature (keys cached after the first
  // use; a verified signature is remembered until the token expires), iss naming the pool in
  // either issuer form (`https://cognito-idp.<region>.amazonaws.com/<pool>` or Stratus's local
  // `http://localhost:<port>/<pool>`), exp in the future, token_use "id" or "access". Audience
  // (aud / client_id) and scopes are the caller's to check. With `check_revoked`, also what
  // Cognito's own APIs check: the user still exists and is enabled, and the token's sign-in
  // (origin_jti) was not revoked by RevokeToken / GlobalSignOut / AdminUserGlobalSignOut
  // (AWS's API Gateway and plain JWT verifiers do not check this). Thread safe, never throws.
  virtual Verified verify_jwt(const std::string& pool_id, std::string_view jwt, int64_t now_ms, bool check_revoked) = 0;
  // Signs `claims_json` (a JSON object) as an RS256 JWT (header alg, kid, typ "JWS") with the key
  // named `key_name`, kept as the pools' keys are (created on first use, sealed, durable); names
  // without "_" never meet a pool id. For cognito-identity's OpenID tokens ("cognito-identity").
  virtual std::string sign_jwt(const std::string& key_name, const std::string& claims_json) = 0;
  // The claims of a JWT that sign_jwt(key_name, ...) signed and that has not expired (exp); the
  // error otherwise. Thread safe, never throws.
  virtual Verified verify_signed(const std::string& key_name, std::string_view jwt, int64_t now_ms) = 0;
  // The JWKS document ({"keys": [...]}) of the key named `key_name` (created on first use).
  virtual std::string key_jwks(const std::string& key_name) = 0;
};

}  // namespace stratus::cognitoidp
