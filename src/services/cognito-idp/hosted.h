// The hosted UI and OAuth 2.0 endpoints of a user pool (basics): on the pool's path
// (`/<pool-id>/oauth2/authorize`, `/<pool-id>/login`, `/<pool-id>/oauth2/token`,
// `/<pool-id>/oauth2/userInfo`, `/<pool-id>/logout`: no DNS needed, what the OpenID
// configuration advertises) and on the pool domain's host (`<domain>.auth.<region>.localhost`,
// the same paths without the pool id).
//
// - /oauth2/authorize (GET, response_type=code or token): checks client_id, redirect_uri (one of
//   the client's CallbackURLs, else to /error?error=redirect_mismatch), the client's
//   AllowedOAuthFlows ("code" / "implicit": unauthorized_client), PKCE (S256 only: invalid_request)
//   and scopes (invalid_scope), and answers a plain HTML login form of our own that posts to
//   /login -- or, with a valid sign-in cookie, signs in straight away.
// - /login (POST username, password and the authorize parameters): the password is checked as
//   USER_PASSWORD_AUTH checks it (lockout, status), then 302 to redirect_uri?code=...&state=...
//   (implicit: redirect_uri#id_token=...&access_token=...&token_type=Bearer&expires_in=...&state=...,
//   the ID token only with openid, never a refresh token) and the sign-in cookie "cognito" (sealed
//   pool, user and sign-in time; one hour, as AWS's). A wrong password shows the form again with
//   AWS's message; a temporary password (FORCE_CHANGE_PASSWORD) shows a new-password form (a
//   sealed 3-minute session; the policy applies) that confirms the user and then signs in. The code is a sealed blob (5
//   minutes, single use within the process), carrying the PKCE challenge.
// - /oauth2/token (POST form): authorization_code (with code_verifier for PKCE),
//   refresh_token, client_credentials (a client with a secret; the access token's scope is the
//   requested custom scopes -- "<resource server>/<scope>" -- among AllowedOAuthScopes, all of
//   them when none is requested); the client authenticates with HTTP Basic or client_id /
//   client_secret in the form. Errors as AWS's {"error": "invalid_grant"} ... (also for a code
//   whose scopes name attributes the client may not read: email without email_verified...)
// - /oauth2/revoke (POST token): the refresh token's session revoked; 200 with an empty body (also
//   for unknown or already revoked tokens), invalid_request, unsupported_token_type, 401
//   invalid_client.
// - /oauth2/userInfo (GET, Bearer access token with the openid scope): sub, username and the
//   attributes the token's scopes allow (email, phone; profile / aws.cognito.signin.user.admin:
//   all) among the client's ReadAttributes; 400 invalid_request without a token, 401
//   invalid_token (WWW-Authenticate and the JSON body) otherwise.
// - /logout: forgets the sign-in cookie; 302 to logout_uri (one of the client's LogoutURLs), or
//   with redirect_uri and response_type to /login again.
// Work runs on State::workers (PBKDF2, RSA signatures, triggers), never on the I/O thread.
#pragma once

#include "http/message.h"
#include "http/server.h"

namespace stratus {
class ServerContext;
class Service;
}  // namespace stratus

namespace stratus::cognitoidp {

struct State;

// Whether the request is one of these endpoints (a look at the host and path only).
bool hosted_claims(const http::Request& req);
void hosted_serve(ServerContext& server, Service& svc, State& st, http::Request req, http::Responder respond);

}  // namespace stratus::cognitoidp
