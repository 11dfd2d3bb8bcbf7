// Authentication flows: USER_SRP_AUTH (PASSWORD_VERIFIER), USER_PASSWORD_AUTH, CUSTOM_AUTH (the
// Define/Create/VerifyAuthChallengeResponse loop), USER_AUTH (SELECT_CHALLENGE, EMAIL_OTP, SMS_OTP),
// ADMIN_USER_PASSWORD_AUTH (ADMIN_NO_SRP_AUTH), REFRESH_TOKEN_AUTH (REFRESH_TOKEN), and the
// NEW_PASSWORD_REQUIRED challenge. Opaque state (SRP secret blocks, challenge sessions) is sealed
// under the data directory's key: nothing to store, nothing a client can forge.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/encoding.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/json.h"
#include "services/cognito-idp/common.h"
#include "services/cognito-idp/crypto.h"
#include "services/cognito-idp/ops.h"
#include "services/cognito-idp/schema.h"
#include "services/cognito-idp/triggers.h"

namespace stratus::cognitoidp {
namespace {

constexpr int64_t kLockoutQuietMs = 15 * 60 * 1000;      // failures this long ago are forgotten
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

bool existence_hidden(const Doc& client) {
  return client.str("PreventUserExistenceErrors") == "ENABLED";
}

// What the triggers see of a user who does not exist (userNotFound true): the name, no attributes.
Doc stand_in_user(const std::string& name) {
  Doc u = Doc::map();
  u.set("Username", name);
  u.set("Attrs", Doc::map());
  return u;
}

// The user a sign-in names does not exist: UserNotFoundException, or, when the app client hides
// users' existence, what a wrong password gets — after PreAuthentication, which AWS runs for
// unknown users then (userNotFound true).
[[noreturn]] void unknown_user(OpContext& ctx, const Doc& pool, const Doc& client, const std::string& name,
                               const Doc* validation) {
  if (!existence_hidden(client)) throw cerr::user_not_found("User does not exist.");
  pre_authentication(ctx, pool, stand_in_user(name), client.str("ClientId"), validation, true);
  throw cerr::not_authorized("Incorrect username or password.");
}

Doc user_for_auth(OpContext& ctx, const Doc& pool, const Doc& client, const std::string& name, const Doc* validation) {
  auto u = find_user(ctx, pool, name);
  if (!u) unknown_user(ctx, pool, client, name, validation);
  return *u;
}

}  // namespace

void check_lockout(OpContext& ctx, const Doc& user) {
  if (user.integer("FailedAttempts") >= kLockoutAttempts && user.integer("LockedUntil") > ctx.now_ms)
    throw cerr::not_authorized("Password attempts exceeded");
}

void wrong_password(OpContext& ctx, const Doc& pool, Doc& user) {
  int64_t n = user.integer("FailedAttempts") + 1;
  if (ctx.now_ms - user.integer("LastFailure") > kLockoutQuietMs) n = 1;  // AWS: 15 quiet minutes reset it
  user.set("FailedAttempts", n);
  user.set("LastFailure", ctx.now_ms);
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
std::optional<Doc> unseal_raw(OpContext& ctx, const std::string& raw, const char* purpose) {
  auto plain = state(ctx).store.unseal(raw, purpose);
  if (!plain) return std::nullopt;
  try {
    return json::parse(*plain);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}
std::optional<Doc> unseal_b64(OpContext& ctx, const std::string& s, const char* purpose) {
  auto raw = enc::base64_decode(s);
  return raw ? unseal_raw(ctx, *raw, purpose) : std::nullopt;
}

// A sign-in that succeeded: PostAuthentication, then the tokens (with NewDeviceMetadata when the
// pool tracks devices and none was used).
Doc signed_in(OpContext& ctx, const Doc& pool, const Doc& client, Doc& user, const std::string& source,
              const Doc* metadata, bool device_used = false) {
  post_authentication(ctx, pool, user, client.str("ClientId"), metadata);
  Doc out = Doc::map();
  out.set("ChallengeParameters", Doc::map());
  Doc result = issue_tokens(ctx, pool, client, user, true, {}, 0, source);
  if (!device_used && pool.get("DeviceConfiguration") && pool.get("DeviceConfiguration")->is_map()) {
    std::lock_guard lk(state(ctx).store.lock_user(pool.str("Id"), user.str("Key")));
    if (auto fresh = state(ctx).store.get(kUsers.name, Store::child_key(pool.str("Id"), user.str("Key")))) {
      Doc meta = new_device(ctx, pool, *fresh);
      save_user(ctx, pool, *fresh);
      result.set("NewDeviceMetadata", std::move(meta));
    }
  }
  out.set("AuthenticationResult", std::move(result));
  return out;
}

// After the password is proven: status checks, then tokens or the next challenge. `metadata`:
// the ClientMetadata of RespondToAuthChallenge (PostAuthentication's).
Doc after_password(OpContext& ctx, const Doc& pool, const Doc& client, Doc& user, const Doc* metadata,
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
    s.set("t", ctx.now_ms + session_validity_ms(client));
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
  if (auto mfa = mfa_challenge(ctx, pool, client, user, source)) return *mfa;
  return signed_in(ctx, pool, client, user, source, metadata);
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

Doc password_auth(OpContext& ctx, const Doc& pool, const Doc& client, const Doc* params, const Doc& in) {
  auto np = username_and(client, params, "PASSWORD");
  const std::string& name = np.first;
  const std::string& pw = np.second;
  const Doc* metadata = in.get("ClientMetadata");
  std::optional<Doc> found = find_user(ctx, pool, name);
  if (!found) {
    found = migrate_user(ctx, pool, client, name, &pw, metadata);
    if (found) pre_authentication(ctx, pool, *found, client.str("ClientId"), metadata);
    if (found) return after_password(ctx, pool, client, *found, nullptr);
  }
  if (!found) unknown_user(ctx, pool, client, name, metadata);
  Doc user = std::move(*found);
  check_lockout(ctx, user);
  pre_authentication(ctx, pool, user, client.str("ClientId"), metadata);
  if (!password_matches(ctx, pool, user, pw)) wrong_password(ctx, pool, user);
  return after_password(ctx, pool, client, user, nullptr);
}

// The PASSWORD_VERIFIER step's answer: the sealed secret block and what the client's SRP needs.
Doc verifier_step(OpContext& ctx, const Doc& block, const std::string& salt_hex, const std::string& B_hex,
                  const std::string& user_id) {
  Doc cp = Doc::map();
  cp.set("SALT", salt_hex);
  cp.set("SECRET_BLOCK", seal_b64(ctx, block, "cognito-srp"));
  cp.set("SRP_B", B_hex);
  cp.set("USERNAME", user_id);
  cp.set("USER_ID_FOR_SRP", user_id);
  Doc out = Doc::map();
  out.set("ChallengeName", "PASSWORD_VERIFIER");
  out.set("ChallengeParameters", std::move(cp));
  return out;
}

// The PASSWORD_VERIFIER challenge for SRP_A: the server's B and the sealed secret block (which
// carries b); `custom`: the challenge is a step of CUSTOM_AUTH (its session goes with it).
Doc srp_challenge(OpContext& ctx, const Doc& pool, const Doc& client, const Doc& user, const std::string& A,
                  bool custom, const std::string& device_key = {}) {
  auto pair = crypto::server_pair(srp_verifier(ctx, pool, user));
  Doc block = Doc::map();
  block.set("p", pool.str("Id"));
  block.set("u", user.str("Key"));
  block.set("c", client.str("ClientId"));
  block.set("A", A);
  block.set("B", pair.B_hex);
  block.set("b", pair.b_hex);
  block.set("t", ctx.now_ms + kChallengeValidityMs);
  if (custom) block.set("x", true);
  if (device_known(user, device_key)) block.set("d", device_key);
  return verifier_step(ctx, block, user.str("SrpSalt"), pair.B_hex, user.str("Username"));
}

// USER_SRP_AUTH for a name that is no user, from an app client that hides users' existence: AWS
// answers with a simulated PASSWORD_VERIFIER step — the same salt and internal user id every time
// for the same name, as a real user's would be — and refuses its answer (NotAuthorizedException).
// The salt and verifier come from a keyed hash of the pool and the name (Store::mac); the secret
// block is marked so that RespondToAuthChallenge refuses it before looking for a user.
Doc stand_in_srp(OpContext& ctx, const Doc& pool, const Doc& client, const std::string& name, const Doc* validation) {
  pre_authentication(ctx, pool, stand_in_user(name), client.str("ClientId"), validation, true);
  const Store& store = state(ctx).store;
  std::string id = pool.str("Id") + '\0' + name;
  auto v = crypto::stand_in_verifier(store.mac(id, "cognito-srp-stand-in-1") + store.mac(id, "cognito-srp-stand-in-2"));
  uint64_t bits[2];
  std::memcpy(bits, store.mac(id, "cognito-srp-stand-in-id").data(), sizeof bits);
  std::string uuid = ids::uuid4_of(bits[0], bits[1]);
  auto pair = crypto::server_pair(v.v_hex);
  Doc block = Doc::map();
  block.set("p", pool.str("Id"));
  block.set("c", client.str("ClientId"));
  block.set("B", pair.B_hex);
  block.set("t", ctx.now_ms + kChallengeValidityMs);
  block.set("nf", true);
  return verifier_step(ctx, block, v.salt_hex, pair.B_hex, uuid);
}

Doc srp_auth(OpContext& ctx, const Doc& pool, const Doc& client, const Doc* params, const Doc& in) {
  auto na = username_and(client, params, "SRP_A");
  const std::string& name = na.first;
  const std::string& A = na.second;
  if (!crypto::valid_a(A)) throw cerr::not_authorized("Incorrect username or password.");
  auto found = find_user(ctx, pool, name);
  if (!found && existence_hidden(client)) return stand_in_srp(ctx, pool, client, name, in.get("ClientMetadata"));
  if (!found) throw cerr::user_not_found("User does not exist.");
  Doc user = std::move(*found);
  pre_authentication(ctx, pool, user, client.str("ClientId"), in.get("ClientMetadata"));
  return srp_challenge(ctx, pool, client, user, A, false, param(params, "DEVICE_KEY"));
}

// ---- CUSTOM_AUTH: DefineAuthChallenge decides, CreateAuthChallenge asks, VerifyAuthChallenge-
// Response judges; the session list (challengeName, challengeResult, challengeMetadata) grows by
// one entry per answered challenge and lives in State::sessions between the calls.

Doc session_entry(const std::string& name, bool result, const Doc& metadata) {
  Doc e = Doc::map();
  e.set("challengeName", name);
  e.set("challengeResult", result);
  e.set("challengeMetadata", metadata);
  return e;
}

// The user a custom session is about: the stored one, or (PreventUserExistenceErrors) a stand-in.
Doc custom_user(OpContext& ctx, const Doc& pool, const Doc& s) {
  if (s.flag("nf")) return stand_in_user(s.str("name"));
  auto user = state(ctx).store.get(kUsers.name, Store::child_key(pool.str("Id"), s.str("u")));
  if (!user) throw cerr::user_not_found("User does not exist.");
  return *user;
}

std::string challenge_session(OpContext& ctx, Doc s) {
  int64_t expires = session_expiry(ctx, s);
  return state(ctx).sessions.put(std::move(s), expires, ctx.now_ms);
}

// A custom-auth trigger's event with the members every one of them gets.
Doc custom_event(const Doc& pool, const Doc& user, const Doc& client, const char* source, const Doc& s,
                 const Doc* metadata) {
  Doc ev = trigger_event(pool, user.str("Username"), client.str("ClientId"), source);
  Doc& req = ev["request"];
  req.set("userAttributes", user_attributes_map(user, !s.flag("nf")));
  req.set("session", *s.get("list"));
  req.set("clientMetadata", metadata_or_empty(metadata));
  req.set("userNotFound", s.flag("nf"));
  return ev;
}

// One turn of the loop: DefineAuthChallenge on the session so far, then tokens, failure, or the
// next challenge (PASSWORD_VERIFIER in a flow that started with SRP_A, or CUSTOM_CHALLENGE made by
// CreateAuthChallenge).
Doc define_step(OpContext& ctx, const Doc& pool, const Doc& client, Doc& user, Doc s, const Doc* metadata) {
  Doc ev = custom_event(pool, user, client, "DefineAuthChallenge_Authentication", s, metadata);
  ev["response"].set("challengeName", Doc());
  ev["response"].set("issueTokens", Doc());
  ev["response"].set("failAuthentication", Doc());
  auto r = run_trigger(ctx, pool, "DefineAuthChallenge", ev);
  const Doc* resp = r ? r->get("response") : nullptr;
  if (!resp || !resp->is_map()) throw cerr::invalid_lambda_response("Unrecognizable lambda output");
  if (resp->flag("failAuthentication")) throw cerr::not_authorized("Incorrect username or password.");
  if (resp->flag("issueTokens")) {
    if (s.flag("nf")) throw cerr::not_authorized("Incorrect username or password.");
    if (!user.flag("Enabled", true)) throw cerr::not_authorized("User is disabled.");
    if (user.str("UserStatus") == "UNCONFIRMED") throw cerr::user_not_confirmed("User is not confirmed.");
    return signed_in(ctx, pool, client, user, "TokenGeneration_Authentication", metadata);
  }
  std::string name = resp->str("challengeName");
  Doc out = Doc::map();
  if (name == "PASSWORD_VERIFIER" && !s.str("A").empty() && !s.flag("nf")) {
    out = srp_challenge(ctx, pool, client, user, s.str("A"), true);
    out.set("Session", challenge_session(ctx, std::move(s)));
    return out;
  }
  if (name != "CUSTOM_CHALLENGE")
    throw cerr::invalid_lambda_response("Invalid challenge name returned by DefineAuthChallenge: " + name);
  if (trigger_arn(pool, "CreateAuthChallenge").empty())
    throw cerr::invalid_parameter("CreateAuthChallenge lambda trigger is not configured for the user pool.");
  Doc cev = custom_event(pool, user, client, "CreateAuthChallenge_Authentication", s, metadata);
  cev["request"].set("challengeName", name);
  for (const char* k : {"publicChallengeParameters", "privateChallengeParameters", "challengeMetadata"})
    cev["response"].set(k, Doc());
  auto c = run_trigger(ctx, pool, "CreateAuthChallenge", cev);
  const Doc* cr = c ? c->get("response") : nullptr;
  if (!cr || !cr->is_map()) throw cerr::invalid_lambda_response("Unrecognizable lambda output");
  Doc cp = Doc::map();
  if (const Doc* pub = cr->get("publicChallengeParameters"); pub && pub->is_map())
    for (const auto& [k, v] : pub->as_map()) cp.set(k, v.is_string() ? v.as_string() : json::write(v));
  cp.set("USERNAME", user.str("Username"));
  const Doc* priv = cr->get("privateChallengeParameters");
  s.set("priv", priv && priv->is_map() ? *priv : Doc::map());
  const Doc* meta = cr->get("challengeMetadata");
  s.set("meta", meta && meta->is_string() ? *meta : Doc());
  s.set("n", name);
  out.set("ChallengeName", name);
  out.set("Session", challenge_session(ctx, std::move(s)));
  out.set("ChallengeParameters", std::move(cp));
  return out;
}

Doc custom_auth(OpContext& ctx, const Doc& pool, const Doc& client, const Doc* params) {
  if (trigger_arn(pool, "DefineAuthChallenge").empty())
    throw cerr::invalid_parameter("Custom auth lambda trigger is not configured for the user pool.");
  std::string name = param(params, "USERNAME");
  if (name.empty()) throw cerr::invalid_parameter("Missing required parameter USERNAME");
  check_secret_hash(client, name, params ? params->get("SECRET_HASH") : nullptr);
  Doc s = Doc::map();
  s.set("k", "custom");
  s.set("p", pool.str("Id"));
  s.set("c", client.str("ClientId"));
  Doc list = Doc::list();
  if (param(params, "CHALLENGE_NAME") == "SRP_A") {
    std::string A = param(params, "SRP_A");
    if (A.empty()) throw cerr::invalid_parameter("Missing required parameter SRP_A");
    if (!crypto::valid_a(A)) throw cerr::not_authorized("Incorrect username or password.");
    s.set("A", A);
    list.push(session_entry("SRP_A", true, Doc()));
  }
  s.set("list", std::move(list));
  Doc user;
  if (auto u = find_user(ctx, pool, name)) {
    user = std::move(*u);
    s.set("u", user.str("Key"));
    if (!user.flag("Enabled", true)) throw cerr::not_authorized("User is disabled.");
    pre_authentication(ctx, pool, user, client.str("ClientId"), nullptr);
  } else if (client.str("PreventUserExistenceErrors") == "ENABLED") {
    s.set("nf", true);
    s.set("name", name);
    user = custom_user(ctx, pool, s);
    pre_authentication(ctx, pool, user, client.str("ClientId"), nullptr, true);
  } else {
    throw cerr::user_not_found("User does not exist.");
  }
  return define_step(ctx, pool, client, user, std::move(s), nullptr);
}

// RespondToAuthChallenge CUSTOM_CHALLENGE: VerifyAuthChallengeResponse judges ANSWER, then Define.
Doc custom_answer(OpContext& ctx, const Doc& pool, const Doc& client, const Doc& in) {
  const Doc* r = in.get("ChallengeResponses");
  std::string sess = in.str("Session");
  if (sess.empty()) throw cerr::invalid_parameter("Missing required parameter Session");
  require_worker();  // the session is used once: never on a pass that may run again
  auto s = state(ctx).sessions.take(sess, ctx.now_ms);
  if (!s || s->str("k") != "custom" || s->str("p") != pool.str("Id") || s->str("c") != client.str("ClientId") ||
      s->str("n") != "CUSTOM_CHALLENGE")
    throw cerr::not_authorized("Invalid session for the user, session is expired.");
  Doc user = custom_user(ctx, pool, *s);
  check_secret_hash(client, param(r, "USERNAME"), r ? r->get("SECRET_HASH") : nullptr);
  if (!r || !r->get("ANSWER")) throw cerr::invalid_parameter("Missing required parameter ANSWER");
  if (trigger_arn(pool, "VerifyAuthChallengeResponse").empty())
    throw cerr::invalid_parameter("VerifyAuthChallengeResponse lambda trigger is not configured for the user pool.");
  const Doc* metadata = in.get("ClientMetadata");
  Doc ev = custom_event(pool, user, client, "VerifyAuthChallengeResponse_Authentication", *s, metadata);
  ev["request"].set("privateChallengeParameters", *s->get("priv"));
  ev["request"].set("challengeAnswer", param(r, "ANSWER"));
  ev["response"].set("answerCorrect", Doc());
  auto v = run_trigger(ctx, pool, "VerifyAuthChallengeResponse", ev);
  const Doc* vr = v ? v->get("response") : nullptr;
  bool correct = vr && vr->is_map() && vr->flag("answerCorrect");
  (*s)["list"].push(session_entry("CUSTOM_CHALLENGE", correct, s->get("meta") ? *s->get("meta") : Doc()));
  return define_step(ctx, pool, client, user, std::move(*s), metadata);
}

// ---- USER_AUTH: the first factor the user picks among the pool's AllowedFirstAuthFactors
// (PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP), named by PREFERRED_CHALLENGE or answered to
// SELECT_CHALLENGE; the one-time codes go to the mailbox, pending state in State::sessions.

std::vector<std::string> available_challenges(const Doc& pool, const Doc& user) {
  const Doc* p = pool.get("Policies");
  p = p ? p->get("SignInPolicy") : nullptr;
  const Doc* f = p ? p->get("AllowedFirstAuthFactors") : nullptr;
  auto allowed = [f](const char* v) {
    if (!f || !f->is_list() || f->as_list().empty()) return std::string(v) == "PASSWORD";
    for (const auto& x : f->as_list())
      if (x.is_string() && x.as_string() == v) return true;
    return false;
  };
  std::vector<std::string> out;
  if (allowed("PASSWORD")) {
    out.emplace_back("PASSWORD");
    out.emplace_back("PASSWORD_SRP");
  }
  if (allowed("EMAIL_OTP") && attr(user, "email_verified") == "true") out.emplace_back("EMAIL_OTP");
  if (allowed("SMS_OTP") && attr(user, "phone_number_verified") == "true") out.emplace_back("SMS_OTP");
  return out;
}

Doc user_auth_session(const Doc& pool, const Doc& client, const Doc& user, const std::string& name) {
  return challenge_record("uauth", name, pool, client, user);
}

// EMAIL_OTP / SMS_OTP: an 8-digit code sent now.
Doc otp_challenge(OpContext& ctx, const Doc& pool, const Doc& client, const Doc& user, const std::string& name) {
  bool sms = name == "SMS_OTP";
  std::string code = new_code() + new_code().substr(0, 2);
  std::string body = "Your sign-in code is " + code + ". ";
  std::string subject = "Your sign-in code";
  if (auto t =
          custom_message(ctx, pool, user, client.str("ClientId"), "CustomMessage_Authentication", nullptr, sms, code)) {
    body = t->body;
    if (!t->subject.empty()) subject = t->subject;
  }
  Doc d = send_code(ctx, pool, user, sms ? "phone_number" : "email", subject, body);
  Doc s = user_auth_session(pool, client, user, name);
  s.set("code", code);
  Doc cp = Doc::map();
  cp.set("CODE_DELIVERY_DELIVERY_MEDIUM", d.str("DeliveryMedium"));
  cp.set("CODE_DELIVERY_DESTINATION", d.str("Destination"));
  Doc out = Doc::map();
  out.set("ChallengeName", name);
  out.set("Session", challenge_session(ctx, std::move(s)));
  out.set("ChallengeParameters", std::move(cp));
  return out;
}

// The first factor `answer` with its parameters (PASSWORD, SRP_A) from `params`.
Doc first_factor(OpContext& ctx, const Doc& pool, const Doc& client, Doc& user, const std::string& answer,
                 const Doc* params, const Doc* metadata) {
  auto avail = available_challenges(pool, user);
  if (std::find(avail.begin(), avail.end(), answer) == avail.end())
    throw cerr::invalid_parameter("The challenge " + answer + " is not available for the user.");
  if (answer == "PASSWORD") {
    std::string pw = param(params, "PASSWORD");
    if (pw.empty()) throw cerr::invalid_parameter("Missing required parameter PASSWORD");
    check_lockout(ctx, user);
    if (!password_matches(ctx, pool, user, pw)) wrong_password(ctx, pool, user);
    return after_password(ctx, pool, client, user, metadata);
  }
  if (answer == "PASSWORD_SRP") {
    std::string A = param(params, "SRP_A");
    if (A.empty()) throw cerr::invalid_parameter("Missing required parameter SRP_A");
    if (!crypto::valid_a(A)) throw cerr::not_authorized("Incorrect username or password.");
    return srp_challenge(ctx, pool, client, user, A, false);
  }
  return otp_challenge(ctx, pool, client, user, answer);
}

Doc user_auth(OpContext& ctx, const Doc& pool, const Doc& client, const Doc* params, const Doc& in) {
  std::string name = param(params, "USERNAME");
  if (name.empty()) throw cerr::invalid_parameter("Missing required parameter USERNAME");
  check_secret_hash(client, name, params ? params->get("SECRET_HASH") : nullptr);
  Doc user = user_for_auth(ctx, pool, client, name, in.get("ClientMetadata"));
  pre_authentication(ctx, pool, user, client.str("ClientId"), in.get("ClientMetadata"));
  std::string preferred = param(params, "PREFERRED_CHALLENGE");
  auto avail = available_challenges(pool, user);
  if (!preferred.empty() && std::find(avail.begin(), avail.end(), preferred) != avail.end())
    return first_factor(ctx, pool, client, user, preferred, params, nullptr);
  Doc list = Doc::list();
  for (const auto& a : avail) list.push(a);
  Doc out = Doc::map();
  out.set("ChallengeName", "SELECT_CHALLENGE");
  out.set("Session", challenge_session(ctx, user_auth_session(pool, client, user, "SELECT_CHALLENGE")));
  out.set("ChallengeParameters", Doc::map());
  out.set("AvailableChallenges", std::move(list));
  return out;
}

// RespondToAuthChallenge SELECT_CHALLENGE, EMAIL_OTP, SMS_OTP of a USER_AUTH sign-in.
Doc user_auth_answer(OpContext& ctx, const Doc& pool, const Doc& client, const Doc& in) {
  const Doc* r = in.get("ChallengeResponses");
  std::string name = in.str("ChallengeName");
  std::string id = in.str("Session");
  if (id.empty()) throw cerr::invalid_parameter("Missing required parameter Session");
  require_worker();  // the session is used once: never on a pass that may run again
  auto s = state(ctx).sessions.take(id, ctx.now_ms);
  if (!s || s->str("k") != "uauth" || s->str("n") != name || s->str("p") != pool.str("Id") ||
      s->str("c") != client.str("ClientId"))
    throw cerr::not_authorized("Invalid session for the user, session is expired.");
  Doc user = custom_user(ctx, pool, *s);
  check_secret_hash(client, param(r, "USERNAME"), r ? r->get("SECRET_HASH") : nullptr);
  const Doc* metadata = in.get("ClientMetadata");
  if (name == "SELECT_CHALLENGE") return first_factor(ctx, pool, client, user, param(r, "ANSWER"), r, metadata);
  std::string code = param(r, name == "SMS_OTP" ? "SMS_OTP_CODE" : "EMAIL_OTP_CODE");
  if (code.empty())
    throw cerr::invalid_parameter(std::string("Missing required parameter ") +
                                  (name == "SMS_OTP" ? "SMS_OTP_CODE" : "EMAIL_OTP_CODE"));
  if (!crypto::equal_ct(s->str("code"), code)) {
    if (s->integer("tries") + 1 < 3) {
      s->set("tries", s->integer("tries") + 1);
      state(ctx).sessions.put_back(id, *s, session_expiry(ctx, *s));
    }
    throw cerr::code_mismatch("Invalid code or auth state for the user.");
  }
  if (!user.flag("Enabled", true)) throw cerr::not_authorized("User is disabled.");
  if (user.str("UserStatus") == "UNCONFIRMED") throw cerr::user_not_confirmed("User is not confirmed.");
  return signed_in(ctx, pool, client, user, "TokenGeneration_Authentication", metadata);
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
    return srp_auth(ctx, pool, client, params, in);
  }
  if (flow == "REFRESH_TOKEN_AUTH" || flow == "REFRESH_TOKEN") {
    if (!flow_allowed(client, "ALLOW_REFRESH_TOKEN_AUTH", ""))
      throw cerr::invalid_parameter("Refresh Token flow not enabled for this client");
    return refresh_auth(ctx, pool, client, params);
  }
  if (!admin && flow == "USER_PASSWORD_AUTH") {
    if (!flow_allowed(client, "ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"))
      throw cerr::invalid_parameter("USER_PASSWORD_AUTH flow not enabled for this client");
    return password_auth(ctx, pool, client, params, in);
  }
  if (admin && (flow == "ADMIN_USER_PASSWORD_AUTH" || flow == "ADMIN_NO_SRP_AUTH")) {
    if (!flow_allowed(client, "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"))
      throw cerr::invalid_parameter("Auth flow not enabled for this client");
    return password_auth(ctx, pool, client, params, in);
  }
  if (flow == "CUSTOM_AUTH") {
    if (!flow_allowed(client, "ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"))
      throw cerr::invalid_parameter("Custom auth flow not enabled for this client");
    return custom_auth(ctx, pool, client, params);
  }
  if (flow == "USER_AUTH") {
    if (!flow_allowed(client, "ALLOW_USER_AUTH", ""))
      throw cerr::invalid_parameter("USER_AUTH flow not enabled for this client");
    return user_auth(ctx, pool, client, params, in);
  }
  throw cerr::invalid_parameter("Initiate Auth method not supported.");
}

Doc respond(OpContext& ctx, const Doc& pool, const Doc& client, const Doc& in) {
  std::string name = in.str("ChallengeName");
  const Doc* r = in.get("ChallengeResponses");
  Doc next, mfa_user;
  std::string source;
  if (mfa_respond(ctx, pool, client, in, &next, &mfa_user, &source)) {
    if (!next.is_null()) return next;
    password_proven(ctx, pool, mfa_user);
    return signed_in(ctx, pool, client, mfa_user, source, in.get("ClientMetadata"));
  }
  if (name == "PASSWORD_VERIFIER") {
    auto raw_block = enc::base64_decode(param(r, "PASSWORD_CLAIM_SECRET_BLOCK"));
    auto block = raw_block ? unseal_raw(ctx, *raw_block, "cognito-srp") : std::nullopt;
    if (!block || block->str("p") != pool.str("Id") || block->str("c") != client.str("ClientId"))
      throw cerr::not_authorized("Incorrect username or password.");
    if (block->integer("t") < ctx.now_ms)
      throw cerr::not_authorized("Invalid session for the user, session is expired.");
    if (block->flag("nf")) throw cerr::not_authorized("Incorrect username or password.");  // stand_in_srp's
    auto user = state(ctx).store.get(kUsers.name, Store::child_key(pool.str("Id"), block->str("u")));
    if (!user) throw cerr::user_not_found("User does not exist.");
    check_secret_hash(client, param(r, "USERNAME"), r ? r->get("SECRET_HASH") : nullptr);
    check_lockout(ctx, *user);
    auto key = crypto::server_key(block->str("A"), block->str("B"), block->str("b"), srp_verifier(ctx, pool, *user));
    if (!key) wrong_password(ctx, pool, *user);
    std::string want = crypto::claim_signature(*key, pool_name_part(pool.str("Id")), user->str("Username"), *raw_block,
                                               param(r, "TIMESTAMP"));
    if (!crypto::equal_ct(want, param(r, "PASSWORD_CLAIM_SIGNATURE"))) wrong_password(ctx, pool, *user);
    if (block->flag("x")) {  // a step of CUSTOM_AUTH: Define decides what follows
      require_worker();      // the session is used once: never on a pass that may run again
      auto s = state(ctx).sessions.take(in.str("Session"), ctx.now_ms);
      if (!s || s->str("k") != "custom" || s->str("u") != block->str("u"))
        throw cerr::not_authorized("Invalid session for the user, session is expired.");
      password_proven(ctx, pool, *user);
      s->set("A", "");
      (*s)["list"].push(session_entry("PASSWORD_VERIFIER", true, Doc()));
      return define_step(ctx, pool, client, *user, std::move(*s), in.get("ClientMetadata"));
    }
    std::string device = block->str("d");
    if (device.empty() && device_known(*user, param(r, "DEVICE_KEY"))) device = param(r, "DEVICE_KEY");
    if (!device.empty() && user->str("UserStatus") == "CONFIRMED") {  // a known device: its SRP next
      password_proven(ctx, pool, *user);
      Doc s = challenge_record("device", "DEVICE_SRP_AUTH", pool, client, *user);
      s.set("d", device);
      Doc out = Doc::map();
      out.set("ChallengeName", "DEVICE_SRP_AUTH");
      out.set("Session", challenge_session(ctx, std::move(s)));
      out.set("ChallengeParameters", Doc::map());
      return out;
    }
    return after_password(ctx, pool, client, *user, in.get("ClientMetadata"));
  }
  if (name == "DEVICE_SRP_AUTH" || name == "DEVICE_PASSWORD_VERIFIER") {
    require_worker();  // the session is used once: never on a pass that may run again
    auto s = state(ctx).sessions.take(in.str("Session"), ctx.now_ms);
    if (!s || s->str("k") != "device" || s->str("n") != name || s->str("p") != pool.str("Id") ||
        s->str("c") != client.str("ClientId") || s->str("d") != param(r, "DEVICE_KEY"))
      throw cerr::not_authorized("Invalid session for the user, session is expired.");
    Doc user = custom_user(ctx, pool, *s);
    check_secret_hash(client, param(r, "USERNAME"), r ? r->get("SECRET_HASH") : nullptr);
    if (name == "DEVICE_SRP_AUTH") {
      std::string A = param(r, "SRP_A");
      if (!crypto::valid_a(A)) throw cerr::not_authorized("Incorrect username or password.");
      Doc block = Doc::map();
      Doc cp = device_srp_challenge(ctx, pool, user, s->str("d"), A, &block);
      block.set("t", ctx.now_ms + kChallengeValidityMs);
      cp.set("SECRET_BLOCK", seal_b64(ctx, block, "cognito-device-srp"));
      s->set("n", "DEVICE_PASSWORD_VERIFIER");
      Doc out = Doc::map();
      out.set("ChallengeName", "DEVICE_PASSWORD_VERIFIER");
      out.set("Session", challenge_session(ctx, std::move(*s)));
      out.set("ChallengeParameters", std::move(cp));
      return out;
    }
    auto block = unseal_b64(ctx, param(r, "PASSWORD_CLAIM_SECRET_BLOCK"), "cognito-device-srp");
    if (!block || block->integer("t") < ctx.now_ms ||
        !device_password_ok(ctx, pool, user, s->str("d"), *block, param(r, "PASSWORD_CLAIM_SECRET_BLOCK"),
                            param(r, "TIMESTAMP"), param(r, "PASSWORD_CLAIM_SIGNATURE")))
      throw cerr::not_authorized("Incorrect username or password.");
    return signed_in(ctx, pool, client, user, "TokenGeneration_AuthenticateDevice", in.get("ClientMetadata"), true);
  }
  if (name == "CUSTOM_CHALLENGE") return custom_answer(ctx, pool, client, in);
  if (name == "SELECT_CHALLENGE" || name == "EMAIL_OTP" || name == "SMS_OTP")
    return user_auth_answer(ctx, pool, client, in);
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
    return after_password(ctx, pool, client, *user, in.get("ClientMetadata"), "TokenGeneration_NewPasswordChallenge");
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
  if (!client_authenticated && rotates_refresh_tokens(client))  // AWS: rotation only through GetTokensFromRefreshToken
    throw cerr::not_authorized("Refresh token rotation is enabled for this client: use GetTokensFromRefreshToken.");
  if (!user->flag("Enabled", true)) throw cerr::not_authorized("User is disabled.");
  return issue_tokens(ctx, pool, client, *user, false, r.str("j"), session->integer("AuthTime"),
                      "TokenGeneration_RefreshTokens", session->str("Scope", "aws.cognito.signin.user.admin"));
}

Doc initiate_auth(OpContext& ctx, const Doc& in) {
  auto [pool, client] = pool_and_client_ref(ctx, in.str("ClientId"));
  return run_flow(ctx, *pool, *client, in, false);
}

Doc admin_initiate_auth(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  Doc client = load_client(ctx, pool.str("Id"), in.str("ClientId"));
  return run_flow(ctx, pool, client, in, true);
}

Doc respond_to_auth_challenge(OpContext& ctx, const Doc& in) {
  auto [pool, client] = pool_and_client_ref(ctx, in.str("ClientId"));
  return respond(ctx, *pool, *client, in);
}

Doc admin_respond_to_auth_challenge(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  Doc client = load_client(ctx, pool.str("Id"), in.str("ClientId"));
  return respond(ctx, pool, client, in);
}

}  // namespace stratus::cognitoidp
