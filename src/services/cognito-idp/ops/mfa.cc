// MFA: the pool's configuration (Set/GetUserPoolMfaConfig), the user's preference
// ((Admin)SetUserMFAPreference), TOTP authenticators (AssociateSoftwareToken /
// VerifySoftwareToken: RFC 6238, HMAC-SHA1, 6 digits, 30-second steps, one step either side
// accepted, a step used once), and the sign-in challenges SMS_MFA (the code into the mailbox as an
// SMS), SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE and MFA_SETUP. TOTP secrets are sealed in the user
// record (auth/sealing.h, associated data naming the pool and user).
#include <algorithm>
#include <tuple>

#include "core/encoding.h"
#include "core/json.h"
#include "services/cognito-idp/common.h"
#include "services/cognito-idp/crypto.h"
#include "services/cognito-idp/ops.h"
#include "services/cognito-idp/schema.h"
#include "services/cognito-idp/triggers.h"

namespace stratus::cognitoidp {
namespace {

constexpr int kCodeAttempts = 3;

bool totp_on(const Doc& pool) {
  return pool.flag("_TotpMfa");
}
bool sms_on(const Doc& pool) {
  return pool.has("_SmsMfa") || (pool.has("SmsConfiguration") && !pool.has("_MfaSet"));
}

std::string secret_purpose(const Doc& pool, const Doc& user) {
  return "cognito-totp:" + pool.str("Id") + "/" + user.str("Key");
}

std::optional<std::string> unseal_secret(OpContext& ctx, const Doc& pool, const Doc& user, const char* field) {
  auto raw = enc::base64_decode(user.str(field));
  if (!raw || raw->empty()) return std::nullopt;
  return state(ctx).store.unseal(*raw, secret_purpose(pool, user));
}

// The MFA methods the user has turned on (and the pool allows), preferred first.
std::vector<std::string> user_methods(const Doc& pool, const Doc& user) {
  std::vector<std::string> m;
  bool sms = sms_on(pool) && user.flag("MfaSms") && !attr(user, "phone_number").empty();
  bool totp = totp_on(pool) && user.flag("MfaTotp");
  std::string pref = user.str("MfaPreferred");
  if (pref == "SOFTWARE_TOKEN_MFA" && totp) m.push_back(pref);
  if (pref == "SMS_MFA" && sms) m.push_back(pref);
  if (totp && pref != "SOFTWARE_TOKEN_MFA") m.push_back("SOFTWARE_TOKEN_MFA");
  if (sms && pref != "SMS_MFA") m.push_back("SMS_MFA");
  return m;
}

Doc session_record(const Doc& pool, const Doc& client, const Doc& user, const std::string& name,
                   const std::string& source) {
  Doc s = challenge_record("mfa", name, pool, client, user);
  s.set("src", source);
  return s;
}

Doc challenge(OpContext& ctx, const std::string& name, Doc params, Doc s) {
  Doc out = Doc::map();
  out.set("ChallengeName", name);
  int64_t expires = session_expiry(ctx, s);
  out.set("Session", state(ctx).sessions.put(std::move(s), expires, ctx.now_ms));
  out.set("ChallengeParameters", std::move(params));
  return out;
}

// The challenge of one method: SMS_MFA sends its code now.
Doc method_challenge(OpContext& ctx, const Doc& pool, const Doc& client, const Doc& user, const std::string& method,
                     const std::string& source) {
  Doc s = session_record(pool, client, user, method, source);
  Doc cp = Doc::map();
  if (method == "SMS_MFA") {
    std::string code = new_code();
    std::string body;
    if (auto t = custom_message(ctx, pool, user, client.str("ClientId"), "CustomMessage_Authentication", nullptr, true,
                                code)) {
      body = t->body;
    } else {
      const Doc* sc = pool.get("_SmsMfa");
      body = sc ? sc->str("SmsAuthenticationMessage") : "";
      if (body.empty()) body = pool.str("SmsAuthenticationMessage");
      if (body.empty()) body = "Your authentication code is {####}. ";
      for (auto p = body.find("{####}"); p != std::string::npos; p = body.find("{####}", p + code.size()))
        body.replace(p, 6, code);
    }
    Doc d = send_code(ctx, pool, user, "phone_number", "", body);
    s.set("code", code);
    cp.set("CODE_DELIVERY_DELIVERY_MEDIUM", "SMS");
    cp.set("CODE_DELIVERY_DESTINATION", d.str("Destination"));
  }
  cp.set("USER_ID_FOR_SRP", user.str("Username"));
  return challenge(ctx, method, std::move(cp), std::move(s));
}

// The pending record of a Session sent back with the challenge `name` (NotAuthorizedException
// when unknown, used, expired or another client's).
Doc take_session(OpContext& ctx, const Doc& pool, const Doc& client, const std::string& id,
                 std::initializer_list<const char*> names) {
  if (id.empty()) throw cerr::invalid_parameter("Missing required parameter Session");
  require_worker();  // the session is used once: never on a pass that may run again
  auto s = state(ctx).sessions.take(id, ctx.now_ms);
  bool ok = s && s->str("k") == "mfa" && (pool.is_null() || s->str("p") == pool.str("Id")) &&
            (client.is_null() || s->str("c") == client.str("ClientId"));
  bool named = false;
  for (const char* n : names) named = named || (s && s->str("n") == n);
  if (!ok || !named) throw cerr::not_authorized("Invalid session for the user, session is expired.");
  return *s;
}

Doc session_user(OpContext& ctx, const Doc& s) {
  auto user = state(ctx).store.get(kUsers.name, Store::child_key(s.str("p"), s.str("u")));
  if (!user) throw cerr::user_not_found("User does not exist.");
  return *user;
}

// A TOTP code checked against the user's authenticator; a step is accepted once.
bool totp_ok(OpContext& ctx, const Doc& pool, Doc& user, const char* field, const std::string& code) {
  auto secret = unseal_secret(ctx, pool, user, field);
  if (!secret) return false;
  int64_t step = crypto::totp_match(*secret, code, ctx.now_ms / 1000);
  if (step < 0 || step <= user.integer("TotpLastStep", -1)) return false;
  user.set("TotpLastStep", step);
  return true;
}

// The user an MFA API names: by AccessToken, or by the Session of an MFA_SETUP challenge.
struct SetupTarget {
  Doc pool, user, session;  // session: null when by AccessToken
};
SetupTarget setup_target(OpContext& ctx, const Doc& in, const char* want_session) {
  SetupTarget t;
  if (!in.str("AccessToken").empty()) {
    AccessClaims c = check_access_token(ctx, in.str("AccessToken"));
    t.pool = c.pool;
    t.user = c.user;
    return t;
  }
  if (in.str("Session").empty()) throw cerr::invalid_parameter("Either AccessToken or Session must be provided.");
  t.session = take_session(ctx, Doc(), Doc(), in.str("Session"), {want_session});
  t.pool = load_pool_any(ctx, t.session.str("p"));
  t.user = session_user(ctx, t.session);
  return t;
}

// (Admin)SetUserMFAPreference on a user record.
void apply_preference(OpContext& ctx, const Doc& pool, Doc& user, const Doc& in) {
  for (auto [field, method, flag] :
       {std::tuple<const char*, const char*, const char*>{"SMSMfaSettings", "SMS_MFA", "MfaSms"},
        {"SoftwareTokenMfaSettings", "SOFTWARE_TOKEN_MFA", "MfaTotp"}}) {
    const Doc* st = in.get(field);
    if (!st || !st->is_map()) continue;
    bool enabled = st->flag("Enabled");
    bool preferred = st->flag("PreferredMfa");
    if (enabled && std::string(method) == "SOFTWARE_TOKEN_MFA" && user.str("TotpSecret").empty())
      throw cerr::invalid_parameter("User has not verified software token mfa");
    if (enabled && std::string(method) == "SMS_MFA" && attr(user, "phone_number").empty())
      throw cerr::invalid_parameter("User does not have delivery config set to turn on SMS_MFA");
    if (preferred && !enabled) throw cerr::invalid_parameter("Cannot set a disabled MFA method as preferred.");
    user.set(flag, enabled);
    if (preferred)
      user.set("MfaPreferred", method);
    else if (user.str("MfaPreferred") == method)
      user.set("MfaPreferred", "");
  }
  save_user(ctx, pool, user);
}

Doc mfa_config_out(const Doc& pool) {
  Doc out = Doc::map();
  out.set("MfaConfiguration", pool.str("MfaConfiguration", "OFF"));
  Doc st = Doc::map();
  st.set("Enabled", totp_on(pool));
  out.set("SoftwareTokenMfaConfiguration", std::move(st));
  if (const Doc* sms = pool.get("_SmsMfa")) out.set("SmsMfaConfiguration", *sms);
  return out;
}

}  // namespace

Doc challenge_record(const char* kind, const std::string& name, const Doc& pool, const Doc& client, const Doc& user) {
  Doc s = Doc::map();
  s.set("k", kind);
  s.set("n", name);
  s.set("p", pool.str("Id"));
  s.set("c", client.str("ClientId"));
  s.set("u", user.str("Key"));
  return s;
}

// ---- sign-in ----
std::optional<Doc> mfa_challenge(OpContext& ctx, const Doc& pool, const Doc& client, const Doc& user,
                                 const std::string& source) {
  std::string mode = pool.str("MfaConfiguration", "OFF");
  if (mode == "OFF") return std::nullopt;
  auto methods = user_methods(pool, user);
  if (methods.empty()) {
    if (mode != "ON") return std::nullopt;
    if (sms_on(pool) && !attr(user, "phone_number").empty())
      return method_challenge(ctx, pool, client, user, "SMS_MFA", source);
    if (!totp_on(pool)) return std::nullopt;
    Doc cp = Doc::map();
    cp.set("MFAS_CAN_SETUP", "[\"SOFTWARE_TOKEN_MFA\"]");
    cp.set("USER_ID_FOR_SRP", user.str("Username"));
    return challenge(ctx, "MFA_SETUP", std::move(cp), session_record(pool, client, user, "MFA_SETUP", source));
  }
  if (methods.size() == 1 || !user.str("MfaPreferred").empty())
    return method_challenge(ctx, pool, client, user, methods[0], source);
  Doc cp = Doc::map();
  Doc can = Doc::list();
  for (const auto& m : methods) can.push(m);
  cp.set("MFAS_CAN_CHOOSE", json::write(can));
  cp.set("USER_ID_FOR_SRP", user.str("Username"));
  return challenge(ctx, "SELECT_MFA_TYPE", std::move(cp),
                   session_record(pool, client, user, "SELECT_MFA_TYPE", source));
}

bool mfa_respond(OpContext& ctx, const Doc& pool, const Doc& client, const Doc& in, Doc* next, Doc* user,
                 std::string* source) {
  std::string name = in.str("ChallengeName");
  if (name != "SMS_MFA" && name != "SOFTWARE_TOKEN_MFA" && name != "SELECT_MFA_TYPE" && name != "MFA_SETUP")
    return false;
  const Doc* r = in.get("ChallengeResponses");
  auto param = [r](const char* k) { return r ? r->str(k) : std::string(); };
  std::string id = in.str("Session");
  Doc s = take_session(ctx, pool, client, id, {name == "MFA_SETUP" ? "MFA_SETUP_DONE" : name.c_str()});
  *user = session_user(ctx, s);
  *source = s.str("src");
  check_secret_hash(client, param("USERNAME"), r ? r->get("SECRET_HASH") : nullptr);
  if (name == "SELECT_MFA_TYPE") {
    std::string answer = param("ANSWER");
    auto methods = user_methods(pool, *user);
    if (std::find(methods.begin(), methods.end(), answer) == methods.end())
      throw cerr::invalid_parameter("Invalid MFA type " + answer + " for the user.");
    *next = method_challenge(ctx, pool, client, *user, answer, *source);
    return true;
  }
  if (name == "MFA_SETUP") return true;
  auto retry = [&](const char* message) {
    int attempts = static_cast<int>(s.integer("tries")) + 1;
    if (attempts < kCodeAttempts) {  // the same session may try again
      s.set("tries", attempts);
      state(ctx).sessions.put_back(id, s, session_expiry(ctx, s));
    }
    throw cerr::code_mismatch(message);
  };
  if (name == "SMS_MFA") {
    std::string code = param("SMS_MFA_CODE");
    if (code.empty()) throw cerr::invalid_parameter("Missing required parameter SMS_MFA_CODE");
    if (!crypto::equal_ct(s.str("code"), code)) retry("Invalid code or auth state for the user.");
    return true;
  }
  std::string code = param("SOFTWARE_TOKEN_MFA_CODE");
  if (code.empty()) throw cerr::invalid_parameter("Missing required parameter SOFTWARE_TOKEN_MFA_CODE");
  std::lock_guard lk(state(ctx).store.lock_user(pool.str("Id"), user->str("Key")));
  *user = session_user(ctx, s);
  if (!totp_ok(ctx, pool, *user, "TotpSecret", code)) retry("Invalid code received for user");
  save_user(ctx, pool, *user);
  return true;
}

// ---- operations ----
Doc set_user_pool_mfa_config(OpContext& ctx, const Doc& in) {
  Doc old = load_pool(ctx, in.str("UserPoolId"));
  Doc pool = Doc::map();
  for (const auto& [k, v] : old.as_map())
    if (k != "_SmsMfa") pool.set(k, v);
  if (const Doc* st = in.get("SoftwareTokenMfaConfiguration"); st && st->is_map())
    pool.set("_TotpMfa", st->flag("Enabled"));
  if (const Doc* sms = in.get("SmsMfaConfiguration"); sms && sms->is_map()) pool.set("_SmsMfa", *sms);
  pool.set("_MfaSet", true);
  std::string mode = in.str("MfaConfiguration", old.str("MfaConfiguration", "OFF"));
  if (mode != "OFF" && !totp_on(pool) && !sms_on(pool))
    throw cerr::invalid_parameter("At least one of SMS or TOTP MFA must be enabled when MFA is ON or OPTIONAL.");
  pool.set("MfaConfiguration", mode);
  pool.set("LastModifiedDate", ctx.now_ms);
  state(ctx).store.put(kPools.name, Store::pool_key(pool.str("Id")), pool);
  return mfa_config_out(pool);
}

Doc get_user_pool_mfa_config(OpContext& ctx, const Doc& in) {
  return mfa_config_out(load_pool(ctx, in.str("UserPoolId")));
}

Doc set_user_mfa_preference(OpContext& ctx, const Doc& in) {
  AccessClaims c = check_access_token(ctx, in.str("AccessToken"));
  std::lock_guard lk(state(ctx).store.lock_user(c.pool_id, c.user.str("Key")));
  Doc user = must_find_user(ctx, c.pool, c.user.str("Username"));
  apply_preference(ctx, c.pool, user, in);
  return Doc::map();
}

Doc admin_set_user_mfa_preference(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  Doc user = must_find_user(ctx, pool, in.str("Username"));
  std::lock_guard lk(state(ctx).store.lock_user(pool.str("Id"), user.str("Key")));
  user = must_find_user(ctx, pool, in.str("Username"));
  apply_preference(ctx, pool, user, in);
  return Doc::map();
}

Doc associate_software_token(OpContext& ctx, const Doc& in) {
  SetupTarget t = setup_target(ctx, in, "MFA_SETUP");
  std::string secret = crypto::random_bytes(20);
  std::lock_guard lk(state(ctx).store.lock_user(t.pool.str("Id"), t.user.str("Key")));
  auto fresh = state(ctx).store.get(kUsers.name, Store::child_key(t.pool.str("Id"), t.user.str("Key")));
  if (!fresh) throw cerr::user_not_found("User does not exist.");
  fresh->set("TotpPending", enc::base64_encode(state(ctx).store.seal(secret, secret_purpose(t.pool, *fresh))));
  save_user(ctx, t.pool, *fresh);
  Doc out = Doc::map();
  out.set("SecretCode", crypto::base32(secret));
  if (!t.session.is_null()) {
    t.session.set("n", "MFA_SETUP_ASSOCIATED");
    out.set("Session", state(ctx).sessions.put(t.session, session_expiry(ctx, t.session), ctx.now_ms));
  }
  return out;
}

Doc verify_software_token(OpContext& ctx, const Doc& in) {
  SetupTarget t = setup_target(ctx, in, "MFA_SETUP_ASSOCIATED");
  std::lock_guard lk(state(ctx).store.lock_user(t.pool.str("Id"), t.user.str("Key")));
  auto user = state(ctx).store.get(kUsers.name, Store::child_key(t.pool.str("Id"), t.user.str("Key")));
  if (!user) throw cerr::user_not_found("User does not exist.");
  if (user->str("TotpPending").empty())
    throw cerr::software_token_mfa_not_found("Software Token MFA has not been associated with the user.");
  if (!totp_ok(ctx, t.pool, *user, "TotpPending", in.str("UserCode"))) {
    if (!t.session.is_null())  // the setup may try again with the same session
      state(ctx).sessions.put_back(in.str("Session"), t.session, session_expiry(ctx, t.session));
    throw cerr::enable_software_token_mfa("Code mismatch and fail enable Software Token MFA");
  }
  user->set("TotpSecret", user->str("TotpPending"));
  user->set("TotpPending", "");
  user->set("TotpDeviceName", in.str("FriendlyDeviceName"));
  user->set("MfaTotp", true);
  save_user(ctx, t.pool, *user);
  Doc out = Doc::map();
  out.set("Status", "SUCCESS");
  if (!t.session.is_null()) {
    t.session.set("n", "MFA_SETUP_DONE");
    out.set("Session", state(ctx).sessions.put(t.session, session_expiry(ctx, t.session), ctx.now_ms));
  }
  return out;
}

}  // namespace stratus::cognitoidp
