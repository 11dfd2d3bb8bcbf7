// GetTokensFromRefreshToken: new ID and access tokens from a refresh token, and a new refresh
// token on clients with RefreshTokenRotation ENABLED (tokens.cc: refresh_rotating).
#include "services/cognito-idp/common.h"
#include "services/cognito-idp/ops.h"

namespace stratus::cognitoidp {

Doc get_tokens_from_refresh_token(OpContext& ctx, const Doc& in) {
  auto [pool, client] = pool_and_client(ctx, in.str("ClientId"));
  check_client_secret(client, in.str("ClientSecret"));
  return answer("AuthenticationResult", refresh_rotating(ctx, pool, client, in.str("RefreshToken")));
}

}  // namespace stratus::cognitoidp
