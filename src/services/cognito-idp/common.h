// What the handlers share: the service state, finding pools/clients/users, attributes in AWS's
// shapes, password policy, codes into the mailbox, and tokens (issue and check).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/doc.h"
#include "services/cognito-idp/api.h"
#include "services/cognito-idp/auth_sessions.h"
#include "services/cognito-idp/errors.h"
#include "services/cognito-idp/login_cache.h"
#include "services/cognito-idp/store.h"
#include "services/service.h"

namespace stratus {
class Workers;
}

namespace stratus::cognitoidp {

namespace cerr = stratus::cognitoidp::errors;

struct State {
  Store store;
  std::string issuer_mode;  // "local" | "aws"
  uint16_t port = 4566;
  // Where password hashing and trigger-running operations run (service.cc `offload`): never
  // an I/O thread.
  Workers* workers = nullptr;
  LoginCache logins;  // verified USER_PASSWORD_AUTH logins (login_cache.h)
  AuthSessions sessions;  // pending CUSTOM_AUTH / MFA / device / USER_AUTH challenges, durable (auth_sessions.h)
  // JWTs verified (sha256 of the token -> the pool, its exp (epoch s) and its parsed claims), so a
  // token seen again costs a SHA-256 and a lookup; bounded (verify_token).
  struct VerifiedToken {
    std::string pool_id;
    int64_t exp = 0;
    std::shared_ptr<const Doc> claims;
  };
  std::mutex verified_mu;
  std::unordered_map<std::string, VerifiedToken> verified;
  State(storage::Engine& e, std::string sealing_key) : store(e, std::move(sealing_key)), sessions(100'000, &store) {}
};
State& state(OpContext& ctx);

// ---- off the I/O threads ----
// Operations that may hash a password run first inline on the I/O thread (service.cc `offload`,
// kWhenNeeded); a step that needs the slow work calls require_worker(), which on that inline pass
// throws NeedsWorker before anything was written: the operation is then run again from the start
// on State::workers. Elsewhere (on a worker) it does nothing.
struct NeedsWorker {};
void require_worker();
// Marks this thread's current pass as the inline one (RAII).
struct InlinePass {
  InlinePass();
  ~InlinePass();
  InlinePass(const InlinePass&) = delete;
  InlinePass& operator=(const InlinePass&) = delete;
};

// ---- pools, clients ----
// The pool record (AWS's UserPoolType plus "_account", "_region"); ResourceNotFoundException
// when absent or another account's.
Doc load_pool(OpContext& ctx, const std::string& pool_id);
// For the anonymous user APIs: the pool whatever the caller's account.
Doc load_pool_any(OpContext& ctx, const std::string& pool_id);
Doc load_client(OpContext& ctx, const std::string& pool_id, const std::string& client_id);
// A group of the pool; ResourceNotFoundException "Group not found." when absent.
Doc load_group(OpContext& ctx, const std::string& pool_id, const std::string& name);
// Anonymous APIs name only the client: its pool is found through the client index.
std::pair<Doc, Doc> pool_and_client(OpContext& ctx, const std::string& client_id);  // {pool, client}
// The same records shared from the store's parsed-record cache (the sign-in path: no parse, no copy).
std::pair<std::shared_ptr<const Doc>, std::shared_ptr<const Doc>> pool_and_client_ref(OpContext& ctx,
                                                                                      const std::string& client_id);
std::shared_ptr<const Doc> pool_ref(OpContext& ctx, const std::string& pool_id);  // any account's
void check_secret_hash(const Doc& client, const std::string& username, const Doc* secret_hash);
// When a pending challenge session `s` (auth_sessions.h: "p" pool id, "c" client id) issued now
// expires: its client's AuthSessionValidity (3-15 minutes, 3 by default) from ctx.now_ms.
int64_t session_expiry(OpContext& ctx, const Doc& s);
// A client's AuthSessionValidity in milliseconds (3 minutes when unset).
int64_t session_validity_ms(const Doc& client);
// A stored record (pool, client, group) as the API answers it: members starting with "_" dropped,
// CreationDate / LastModifiedDate (epoch ms) as timestamps.
Doc record_out(const Doc& record);
// A token validity in seconds: value in TokenValidityUnits' unit (seconds, minutes, hours, days).
int64_t unit_seconds(int64_t value, const std::string& unit);
std::string pool_name_part(const std::string& pool_id);  // "us-east-1_AbC" -> "AbC"

// ---- users ----
bool case_sensitive(const Doc& pool);
std::string user_key(const Doc& pool, const std::string& username);
// The user by username, or by alias / username attribute (email, phone_number,
// preferred_username) or sub. nullopt when absent.
std::optional<Doc> find_user(OpContext& ctx, const Doc& pool, const std::string& name);
Doc must_find_user(OpContext& ctx, const Doc& pool, const std::string& name);  // UserNotFoundException
// Writes the user record; forgets the user's verified logins (login_cache.h).
void save_user(OpContext& ctx, const Doc& pool, Doc& user);
// The stored password hash checked against `password`, through the verified-login cache: a hit
// costs one HMAC; a miss calls require_worker() and runs PBKDF2.
bool password_matches(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& password);
std::string attr(const Doc& user, const std::string& name);
// [{"Name","Value"}...] of the user's attributes.
Doc attributes_out(const Doc& user);
// AdminGetUser/ListUsers shapes.
Doc user_out(const Doc& user, bool list_form);
// Validates and applies [{"Name","Value"}] to the user (schema, mutability unless `creating`);
// returns the names applied.
std::vector<std::string> apply_attributes(const Doc& pool, Doc& user, const Doc* list, bool creating, bool admin);
void check_password_policy(const Doc& pool, const std::string& password);
// Stores the PBKDF2 hash and the SRP salt and verifier (sealed) of a new password.
void set_password(OpContext& ctx, const Doc& pool, Doc& user, const std::string& password);
// The user's SRP verifier (hex), unsealed.
std::string srp_verifier(OpContext& ctx, const Doc& pool, const Doc& user);
std::string generate_password(const Doc& pool);
// UserMigration (ops/users.cc): a user the pool does not know, asked of the trigger at sign-in
// (`password` given: UserMigration_Authentication) or in ForgotPassword (null:
// UserMigration_ForgotPassword, the user is RESET_REQUIRED). The new user saved with the
// function's userAttributes and finalUserStatus (CONFIRMED by default at sign-in); nullopt when the
// pool has no such trigger; UserNotFoundException "Exception migrating user in app client <id>"
// when the function returned no attributes.
std::optional<Doc> migrate_user(OpContext& ctx, const Doc& pool, const Doc& client, const std::string& name,
                                const std::string* password, const Doc* metadata);

// ---- MFA (ops/mfa.cc) ----
// After the password: the MFA challenge the pool and the user call for (SMS_MFA with its code
// sent, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, MFA_SETUP) as the sign-in's answer; nullopt when
// none is due. `source`: the PreTokenGeneration triggerSource of the tokens that follow.
std::optional<Doc> mfa_challenge(OpContext& ctx, const Doc& pool, const Doc& client, const Doc& user,
                                 const std::string& source);
// RespondToAuthChallenge for those challenges: false when `in` names another challenge; else the
// code was right (or the MFA_SETUP done) and *user signs in with *source, unless *next holds the
// following challenge (SELECT_MFA_TYPE's answer). CodeMismatchException for a wrong code (the same
// Session may try 3 times).
bool mfa_respond(OpContext& ctx, const Doc& pool, const Doc& client, const Doc& in, Doc* next, Doc* user,
                 std::string* source);
// A pending challenge's record in State::sessions: its kind ("mfa", "uauth", "device"), challenge
// name, pool, client and user (checked when the Session comes back).
Doc challenge_record(const char* kind, const std::string& name, const Doc& pool, const Doc& client, const Doc& user);
// AdminGetUser / GetUser's UserMFASettingList and PreferredMfaSetting.
void mfa_settings_out(const Doc& user, Doc& out);

// ---- devices (ops/devices.cc) ----
// A new device for a sign-in on a pool with DeviceConfiguration, added to `user` (unconfirmed):
// the NewDeviceMetadata {DeviceKey, DeviceGroupKey}; null when the pool does not track devices.
Doc new_device(OpContext& ctx, const Doc& pool, Doc& user);
bool device_known(const Doc& user, const std::string& key);  // confirmed with ConfirmDevice
// DEVICE_PASSWORD_VERIFIER's parameters for the device's SRP with the client's A; the server's
// secret (A, B, b) into *block, which the caller seals as SECRET_BLOCK.
Doc device_srp_challenge(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& key, const std::string& A,
                         Doc* block);
// The device's PASSWORD_CLAIM_SIGNATURE checked (constant time).
bool device_password_ok(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& key, const Doc& block,
                        const std::string& secret_block, const std::string& timestamp, const std::string& signature);

// ---- codes and mail ----
std::string new_code();  // 6 digits
std::string mask(const std::string& destination, const std::string& medium);
// Sends `body` to the user's email (or phone for SMS) through the mailbox; the delivery details
// as AWS returns them.
Doc send_code(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& attribute,
              const std::string& subject, const std::string& body);
void check_code(Doc& user, const std::string& purpose, const std::string& code, int64_t now_ms);

// ---- tokens ----
// Signs in: a new session (origin_jti) and the AuthenticationResult.
// `source`: the PreTokenGeneration triggerSource (TokenGeneration_Authentication, ...).
Doc issue_tokens(OpContext& ctx, const Doc& pool, const Doc& client, Doc& user, bool with_refresh,
                 const std::string& origin_jti = {}, int64_t auth_time = 0,
                 const std::string& source = "TokenGeneration_Authentication",
                 const std::string& scope = "aws.cognito.signin.user.admin");
// The password checks of a sign-in (ops/auth.cc): the lockout (NotAuthorizedException "Password
// attempts exceeded"), a wrong password counted (and NotAuthorizedException thrown), and what
// follows a proven password (failed attempts reset; disabled, unconfirmed, reset-required users
// refused).
void check_lockout(OpContext& ctx, const Doc& user);
[[noreturn]] void wrong_password(OpContext& ctx, const Doc& pool, Doc& user);
void password_proven(OpContext& ctx, const Doc& pool, Doc& user);
// REFRESH_TOKEN_AUTH and the token endpoint's refresh_token grant: new ID and access tokens of the
// refresh token's sign-in. `client_authenticated`: the caller proved the client secret itself
// (token endpoint), else SECRET_HASH is checked.
Doc refresh_tokens(OpContext& ctx, const Doc& pool, const Doc& client, const std::string& token, const Doc* secret_hash,
                   bool client_authenticated);
// The client's RefreshTokenRotation.Feature is ENABLED.
bool rotates_refresh_tokens(const Doc& client);
// GetTokensFromRefreshToken and the token endpoint's refresh_token grant (the client already
// authenticated): refresh_tokens(), and on a client with RefreshTokenRotation ENABLED a new
// refresh token too; the one presented then stays usable for RetryGracePeriodSeconds
// (RefreshTokenReuseException after that).
Doc refresh_rotating(OpContext& ctx, const Doc& pool, const Doc& client, const std::string& token);
// A client secret given with a call (RevokeToken, GetTokensFromRefreshToken) checked against the
// client's (NotAuthorizedException).
void check_client_secret(const Doc& client, const std::string& given);
// RevokeToken and /oauth2/revoke: marks the refresh token's session revoked (its access tokens
// stop working with it) when the token is one of `client`'s.
enum class Revoked { kRevoked, kNotRefreshToken, kUnknown, kOtherClient };
Revoked revoke_refresh_token(OpContext& ctx, const Doc& client, const std::string& token);
struct AccessClaims {
  std::string pool_id, username, origin_jti, client_id;
  std::string scope;  // the token's scope claim (space-separated)
  Doc user;
  Doc pool;
};
// A valid, unrevoked access token (NotAuthorizedException otherwise).
AccessClaims check_access_token(OpContext& ctx, const std::string& token);
// The port's JWT verification (api.h: Api::verify_jwt).
Verified verify_token(State& st, const std::string& pool_id, std::string_view jwt, int64_t now_ms, bool check_revoked);
// The port's signing with a named key (api.h: Api::sign_jwt).
std::string sign_with_key(State& st, const std::string& key_name, const std::string& claims_json);
// The port's check of such a token (api.h: Api::verify_signed).
Verified verify_with_key(State& st, const std::string& key_name, std::string_view jwt, int64_t now_ms);
// The JWKS and OpenID configuration documents of a pool (null when it does not exist).
std::optional<std::string> jwks(State& st, const std::string& pool_id);
std::string jwks_of_key(State& st, const std::string& key_name);  // any named key (api.h: Api::key_jwks)
std::string issuer(const State& st, const std::string& region, const std::string& pool_id);

}  // namespace stratus::cognitoidp
