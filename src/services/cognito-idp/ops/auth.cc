// Authentication flows: USER_SRP_AUTH (PASSWORD_VERIFIER), USER_PASSWORD_AUTH,
// ADMIN_USER_PASSWORD_AUTH (ADMIN_NO_SRP_AUTH), REFRESH_TOKEN_AUTH (REFRESH_TOKEN), and the
// NEW_PASSWORD_REQUIRED challenge. Opaque state (SRP secret blocks, challenge sessions) is sealed
// under the data directory's key: nothing to store, nothing a client can forge.
#include <algorithm>

#include "core/encoding.h"
#include "core/error.h"
#include "core/json.h"
#include "services/cognito-idp/common.h"
#include "services/cognito-idp/crypto.h"
#include "services/cognito-idp/ops.h"
#include "services/cognito-idp/schema.h"

namespace stratus::cognitoidp {
namespace {

constexpr int64_t kChallengeValidityMs = 3 * 60 * 1000;  // AuthSessionValidity's default
constexpr int64_t kLockoutAttempts = 5;

bool flow_allowed(const Doc& client, const std::string& allow, const std::string& legacy) {
  const Doc* f = client.get("ExplicitAuthFlows");
  if (!f || !f->is_list() || f->as_list().empty())
    return allow == "ALLOW_USER_SRP_AUTH" || allow == "ALLOW_REFRESH_TOKEN_AUTH" || allow == "ALLOW_CUSTOM_AUTH";
  for (const auto& x : f->as_list())
    if (x.as_string() == allow || (!legacy.empty() && x.as_string() == legacy)) return true;
  // legacy values imply SRP and refresh
  return allow == "ALLOW_USER_SRP_AUTH" || allow == "ALLOW_REFRESH_TOKEN_AUTH"
             ? std::none_of(f->as_list().begin(), f->as_list().end(),
                            [](const Doc& x) { return x.as_string().rfind("ALLOW_", 0) == 0; })
             : false;
}

std::string param(const Doc* params, const char* name) {
  return params ? params->str(name) : std::string();
}

Doc user_for_auth(OpContext& ctx, const Doc& pool, const Doc& client, const std::string& name) {
  auto u = find_user(ctx, pool, name);
  if (!u) {
    if (client.str("PreventUserExistenceErrors") == "ENABLED")
      throw cerr::not_authorized("Incorrect username or password.");
    throw cerr::user_not_found("User does not exist.");
  }
  return *u;
}

}  // namespace

void check_lockout(OpContext& ctx, const Doc& user) {
  if (user.integer("FailedAttempts") >= kLockoutAttempts && user.integer("LockedUntil") > ctx.now_ms)
    throw cerr::not_authorized("Password attempts exceeded");
}

void wrong_password(OpContext& ctx, const Doc& pool, Doc& user) {
  int64_t n = user.integer("FailedAttempts") + 1;
  user.set("FailedAttempts", n);
  if (n >= kLockoutAttempts) {  // 1 s, doubling, up to 15 minutes (AWS's lockout)
    int64_t shift = std::min<int64_t>(n - kLockoutAttempts, 10);
    user.set("LockedUntil", ctx.now_ms + std::min<int64_t>(1000LL << shift, 15 * 60 * 1000));
  }
  save_user(ctx, pool, user);
  if (n > kLockoutAttempts) throw cerr::not_authorized("Password attempts exceeded");
  throw cerr::not_authorized("Incorrect username or password.");
}

void password_proven(OpContext& ctx, const Doc& pool, Doc& user) {
  if (!user.flag("Enabled", true)) throw cerr::not_authorized("User is disabled.");
  if (user.integer("FailedAttempts") != 0) {
    user.set("FailedAttempts", 0);
    user.set("LockedUntil", 0);
    save_user(ctx, pool, user);
  }
  std::string status = user.str("UserStatus");
  if (status == "UNCONFIRMED") throw cerr::user_not_confirmed("User is not confirmed.");
  if (status == "RESET_REQUIRED") throw cerr::password_reset_required("Password reset required for the user");
}

namespace {

std::string seal_b64(OpContext& ctx, const Doc& d, const char* purpose) {
  return enc::base64_encode(state(ctx).store.seal(json::write(d), purpose));
}
std::optional<Doc> unseal_b64(OpContext& ctx, const std::string& s, const char* purpose) {
  auto raw = enc::base64_decode(s);
  if (!raw) return std::nullopt;
  auto plain = state(ctx).store.unseal(*raw, purpose);
  if (!plain) return std::nullopt;
  try {
    return json::parse(*plain);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// After the password is proven: status checks, then tokens or the next challenge.
Doc after_password(OpContext& ctx, const Doc& pool, const Doc& client, Doc& user,
                   const std::string& source = "TokenGeneration_Authentication") {
  password_proven(ctx, pool, user);
  std::string status = user.str("UserStatus");
  Doc out = Doc::map();
  if (status == "FORCE_CHANGE_PASSWORD") {
    if (user.integer("TempPasswordExpires") && user.integer("TempPasswordExpires") < ctx.now_ms)
      throw cerr::not_authorized("Temporary password has expired and must be reset by an administrator.");
    Doc s = Doc::map();
    s.set("p", pool.str("Id"));
    s.set("u", user.str("Key"));
    s.set("c", client.str("ClientId"));
    s.set("t", ctx.now_ms + kChallengeValidityMs);
    s.set("n", "NEW_PASSWORD_REQUIRED");
    Doc attrs = Doc::map();
    if (const Doc* a = user.get("Attrs"); a && a->is_map())
      for (const auto& [k, v] : a->as_map())
        if (k != "sub") attrs.set(k, v);
    Doc cp = Doc::map();
    cp.set("USER_ID_FOR_SRP", user.str("Username"));
    cp.set("requiredAttributes", "[]");
    cp.set("userAttributes", json::write(attrs));
    out.set("ChallengeName", "NEW_PASSWORD_REQUIRED");
    out.set("Session", seal_b64(ctx, s, "cognito-session"));
    out.set("ChallengeParameters", std::move(cp));
    return out;
  }
  out.set("ChallengeParameters", Doc::map());
  out.set("AuthenticationResult", issue_tokens(ctx, pool, client, user, true, {}, 0, source));
  return out;
}

// USERNAME and the flow's other required parameter (`second`), with the client's SECRET_HASH
// checked.
std::pair<std::string, std::string> username_and(const Doc& client, const Doc* params, const char* second) {
  std::string name = param(params, "USERNAME");
  std::string value = param(params, second);
  if (name.empty()) throw cerr::invalid_parameter("Missing required parameter USERNAME");
  if (value.empty()) throw cerr::invalid_parameter(std::string("Missing required parameter ") + second);
  check_secret_hash(client, name, params ? params->get("SECRET_HASH") : nullptr);
  return {name, value};
}

Doc password_auth(OpContext& ctx, const Doc& pool, const Doc& client, const Doc* params) {
  auto np = username_and(client, params, "PASSWORD");
  const std::string& name = np.first;
  const std::string& pw = np.second;
  Doc user = user_for_auth(ctx, pool, client, name);
  check_lockout(ctx, user);
  if (!password_matches(ctx, pool, user, pw)) wrong_password(ctx, pool, user);
  return after_password(ctx, pool, client, user);
}

Doc srp_auth(OpContext& ctx, const Doc& pool, const Doc& client, const Doc* params) {
  auto na = username_and(client, params, "SRP_A");
  const std::string& name = na.first;
  const std::string& A = na.second;
  if (!crypto::valid_a(A)) throw cerr::not_authorized("Incorrect username or password.");
  Doc user = user_for_auth(ctx, pool, client, name);
  auto pair = crypto::server_pair(srp_verifier(ctx, pool, user));
  Doc block = Doc::map();
  block.set("p", pool.str("Id"));
  block.set("u", user.str("Key"));
  block.set("c", client.str("ClientId"));
  block.set("A", A);
  block.set("B", pair.B_hex);
  block.set("b", pair.b_hex);
  block.set("t", ctx.now_ms + kChallengeValidityMs);
  Doc cp = Doc::map();
  cp.set("SALT", user.str("SrpSalt"));
  cp.set("SECRET_BLOCK", seal_b64(ctx, block, "cognito-srp"));
  cp.set("SRP_B", pair.B_hex);
  cp.set("USERNAME", user.str("Username"));
  cp.set("USER_ID_FOR_SRP", user.str("Username"));
  Doc out = Doc::map();
  out.set("ChallengeName", "PASSWORD_VERIFIER");
  out.set("ChallengeParameters", std::move(cp));
  return out;
}

Doc refresh_auth(OpContext& ctx, const Doc& pool, const Doc& client, const Doc* params) {
  std::string token = param(params, "REFRESH_TOKEN");
  if (token.empty()) throw cerr::invalid_parameter("Missing required parameter REFRESH_TOKEN");
  Doc out = Doc::map();
  out.set("ChallengeParameters", Doc::map());
  out.set("AuthenticationResult", refresh_tokens(ctx, pool, client, token, params->get("SECRET_HASH"), false));
  return out;
}

Doc run_flow(OpContext& ctx, const Doc& pool, const Doc& client, const Doc& in, bool admin) {
  std::string flow = in.str("AuthFlow");
  const Doc* params = in.get("AuthParameters");
  if (flow == "USER_SRP_AUTH") {
    if (!flow_allowed(client, "ALLOW_USER_SRP_AUTH", ""))
      throw cerr::invalid_parameter("USER_SRP_AUTH is not enabled for the client.");
    return srp_auth(ctx, pool, client, params);
  }
  if (flow == "REFRESH_TOKEN_AUTH" || flow == "REFRESH_TOKEN") {
    if (!flow_allowed(client, "ALLOW_REFRESH_TOKEN_AUTH", ""))
      throw cerr::invalid_parameter("Refresh Token flow not enabled for this client");
    return refresh_auth(ctx, pool, client, params);
  }
  if (!admin && flow == "USER_PASSWORD_AUTH") {
    if (!flow_allowed(client, "ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"))
      throw cerr::invalid_parameter("USER_PASSWORD_AUTH flow not enabled for this client");
    return password_auth(ctx, pool, client, params);
  }
  if (admin && (flow == "ADMIN_USER_PASSWORD_AUTH" || flow == "ADMIN_NO_SRP_AUTH")) {
    if (!flow_allowed(client, "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"))
      throw cerr::invalid_parameter("Auth flow not enabled for this client");
    return password_auth(ctx, pool, client, params);
  }
  if (flow == "CUSTOM_AUTH" || flow == "USER_AUTH")
    throw cerr::invalid_parameter(flow + " is not supported by Stratus yet.");
  throw cerr::invalid_parameter("Initiate Auth method not supported.");
}

Doc respond(OpContext& ctx, const Doc& pool, const Doc& client, const Doc& in) {
  std::string name = in.str("ChallengeName");
  const Doc* r = in.get("ChallengeResponses");
  if (name == "PASSWORD_VERIFIER") {
    auto block = unseal_b64(ctx, param(r, "PASSWORD_CLAIM_SECRET_BLOCK"), "cognito-srp");
    if (!block || block->str("p") != pool.str("Id") || block->str("c") != client.str("ClientId"))
      throw cerr::not_authorized("Incorrect username or password.");
    if (block->integer("t") < ctx.now_ms)
      throw cerr::not_authorized("Invalid session for the user, session is expired.");
    auto user = state(ctx).store.get(kUsers.name, Store::child_key(pool.str("Id"), block->str("u")));
    if (!user) throw cerr::user_not_found("User does not exist.");
    check_secret_hash(client, param(r, "USERNAME"), r ? r->get("SECRET_HASH") : nullptr);
    check_lockout(ctx, *user);
    auto key = crypto::server_key(block->str("A"), block->str("B"), block->str("b"), srp_verifier(ctx, pool, *user));
    auto raw_block = enc::base64_decode(param(r, "PASSWORD_CLAIM_SECRET_BLOCK"));
    if (!key || !raw_block) wrong_password(ctx, pool, *user);
    std::string want = crypto::claim_signature(*key, pool_name_part(pool.str("Id")), user->str("Username"), *raw_block,
                                               param(r, "TIMESTAMP"));
    if (!crypto::equal_ct(want, param(r, "PASSWORD_CLAIM_SIGNATURE"))) wrong_password(ctx, pool, *user);
    return after_password(ctx, pool, client, *user);
  }
  if (name == "NEW_PASSWORD_REQUIRED") {
    std::string sess = in.str("Session");
    if (sess.empty()) throw cerr::invalid_parameter("Missing required parameter Session");
    auto s = unseal_b64(ctx, sess, "cognito-session");
    if (!s || s->str("p") != pool.str("Id") || s->str("c") != client.str("ClientId") || s->str("n") != name)
      throw cerr::not_authorized("Invalid session for the user.");
    if (s->integer("t") < ctx.now_ms) throw cerr::not_authorized("Invalid session for the user, session is expired.");
    auto user = state(ctx).store.get(kUsers.name, Store::child_key(pool.str("Id"), s->str("u")));
    if (!user) throw cerr::user_not_found("User does not exist.");
    check_secret_hash(client, param(r, "USERNAME"), r ? r->get("SECRET_HASH") : nullptr);
    std::string pw = param(r, "NEW_PASSWORD");
    if (pw.empty()) throw cerr::invalid_parameter("Missing required parameter NEW_PASSWORD");
    check_password_policy(pool, pw);
    Doc attrs = Doc::list();
    if (r)
      for (const auto& [k, v] : r->as_map())
        if (k.rfind("userAttributes.", 0) == 0) {
          Doc a = Doc::map();
          a.set("Name", k.substr(15));
          a.set("Value", v);
          attrs.push(std::move(a));
        }
    apply_attributes(pool, *user, &attrs, false, false);
    set_password(ctx, pool, *user, pw);
    user->set("UserStatus", "CONFIRMED");
    save_user(ctx, pool, *user);
    return after_password(ctx, pool, client, *user, "TokenGeneration_NewPasswordChallenge");
  }
  throw cerr::invalid_parameter("Challenge " + name + " is not supported by Stratus yet.");
}

}  // namespace

Doc refresh_tokens(OpContext& ctx, const Doc& pool, const Doc& client, const std::string& token, const Doc* secret_hash,
                   bool client_authenticated) {
  auto invalid = [] { return cerr::not_authorized("Invalid Refresh Token"); };
  std::vector<std::string> parts;
  size_t p = 0;
  for (size_t q; (q = token.find('.', p)) != std::string::npos; p = q + 1) parts.push_back(token.substr(p, q - p));
  parts.push_back(token.substr(p));
  if (parts.size() != 5) throw invalid();
  auto sealed = crypto::base64url_decode(parts[3]);
  auto plain = sealed ? state(ctx).store.unseal(*sealed, "cognito-refresh") : std::nullopt;
  if (!plain) throw invalid();
  Doc r = json::parse(*plain);
  if (r.str("p") != pool.str("Id") || r.str("c") != client.str("ClientId")) throw invalid();
  auto session = state(ctx).store.get(kSessions.name, Store::session_key(r.str("p"), r.str("u"), r.str("j")));
  if (!session || session->flag("Revoked")) throw cerr::not_authorized("Refresh Token has been revoked");
  if (session->integer("Expires") < ctx.now_ms) throw cerr::not_authorized("Refresh Token has expired");
  auto user = state(ctx).store.get(kUsers.name, Store::child_key(r.str("p"), r.str("u")));
  if (!user) throw cerr::not_authorized("User does not exist.");
  if (!client_authenticated) check_secret_hash(client, user->str("Username"), secret_hash);
  if (!user->flag("Enabled", true)) throw cerr::not_authorized("User is disabled.");
  return issue_tokens(ctx, pool, client, *user, false, r.str("j"), session->integer("AuthTime"),
                      "TokenGeneration_RefreshTokens", session->str("Scope", "aws.cognito.signin.user.admin"));
}

Doc initiate_auth(OpContext& ctx, const Doc& in) {
  auto [pool, client] = pool_and_client(ctx, in.str("ClientId"));
  return run_flow(ctx, pool, client, in, false);
}

Doc admin_initiate_auth(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  Doc client = load_client(ctx, pool.str("Id"), in.str("ClientId"));
  return run_flow(ctx, pool, client, in, true);
}

Doc respond_to_auth_challenge(OpContext& ctx, const Doc& in) {
  auto [pool, client] = pool_and_client(ctx, in.str("ClientId"));
  return respond(ctx, pool, client, in);
}

Doc admin_respond_to_auth_challenge(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  Doc client = load_client(ctx, pool.str("Id"), in.str("ClientId"));
  return respond(ctx, pool, client, in);
}

}  // namespace stratus::cognitoidp
