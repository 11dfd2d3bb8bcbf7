// Users: the admin API, the user's own API (access tokens), sign-up and recovery codes, groups
// membership, ListUsers.
#include <algorithm>
#include <functional>
#include <optional>
#include <tuple>

#include "core/error.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/paging.h"
#include "services/cognito-idp/common.h"
#include "services/cognito-idp/crypto.h"
#include "services/cognito-idp/filter.h"
#include "services/cognito-idp/ops.h"
#include "services/cognito-idp/schema.h"
#include "services/cognito-idp/triggers.h"
#include "storage/keys.h"

namespace stratus::cognitoidp {
namespace {

// How long a code lives (AWS): sign-up and attribute verification codes 24 hours, a forgot-password
// code one hour.
constexpr int64_t kCodeValidityMs = 24 * 3600 * 1000;
constexpr int64_t kForgotCodeValidityMs = 3600 * 1000;

bool list_has(const Doc* l, const std::string& v) {
  if (!l || !l->is_list()) return false;
  for (const auto& e : l->as_list())
    if (e.is_string() && e.as_string() == v) return true;
  return false;
}

bool looks_email(const std::string& s) {
  auto at = s.find('@');
  return at != std::string::npos && at > 0 && at + 1 < s.size();
}
bool looks_phone(const std::string& s) {
  return s.size() > 2 && s[0] == '+' &&
         std::all_of(s.begin() + 1, s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// A new user record. With username attributes (sign in with email/phone) the name given is that
// attribute and the username is the sub.
Doc new_user(OpContext& ctx, const Doc& pool, const std::string& given_name, const Doc* attrs, bool admin) {
  Doc user = Doc::map();
  std::string sub = ids::uuid4();
  std::string username = given_name;
  const Doc* ua = pool.get("UsernameAttributes");
  Doc extra = Doc::list();
  if (ua && ua->is_list() && !ua->as_list().empty()) {
    if (list_has(ua, "email") && looks_email(given_name)) {
      Doc e = Doc::map();
      e.set("Name", "email");
      e.set("Value", given_name);
      extra.push(std::move(e));
    } else if (list_has(ua, "phone_number") && looks_phone(given_name)) {
      Doc e = Doc::map();
      e.set("Name", "phone_number");
      e.set("Value", given_name);
      extra.push(std::move(e));
    } else {
      throw cerr::invalid_parameter(list_has(ua, "phone_number") && list_has(ua, "email")
                                        ? "Username should be either an email or a phone number."
                                    : list_has(ua, "email") ? "Username should be an email."
                                                            : "Username should be a phone number.");
    }
    username = sub;
  }
  if (username.empty() || username.size() > 128) throw cerr::invalid_parameter("Invalid username.");
  user.set("Username", username);
  user.set("Key", user_key(pool, username));
  user.set("Attrs", Doc::map());
  user["Attrs"].set("sub", sub);
  apply_attributes(pool, user, attrs, true, admin);
  apply_attributes(pool, user, &extra, true, admin);
  user.set("Enabled", true);
  user.set("UserCreateDate", ctx.now_ms);
  user.set("Groups", Doc::list());
  // a username attribute or preferred_username alias must be unique among users (email and phone
  // aliases when they become verified: claim_aliases)
  for (const char* a : {"email", "phone_number", "preferred_username"}) {
    std::string v = attr(user, a);
    if (v.empty()) continue;
    bool unique_required =
        list_has(ua, a) || (std::string(a) == "preferred_username" && list_has(pool.get("AliasAttributes"), a));
    if (!unique_required) continue;
    std::string v_lower = v;
    std::transform(v_lower.begin(), v_lower.end(), v_lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    state(ctx).store.scan(kUsers.name, Store::pool_key(pool.str("Id")), [&](const std::string&, const Doc& u) {
      std::string o = attr(u, a);
      std::transform(o.begin(), o.end(), o.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (o == v_lower && (list_has(ua, a) || attr(u, std::string(a) + "_verified") == "true" ||
                           std::string(a) == "preferred_username"))
        throw cerr::username_exists(list_has(ua, a)
                                        ? "An account with the given " + std::string(a) + " already exists."
                                        : "An account with the given " + std::string(a) + " already exists.");
      return true;
    });
  }
  return user;
}

// An email or phone alias is one user's once verified (AWS): when `user`'s is verified and another
// user holds the same verified alias, AliasExistsException -- or, with `force`
// (ForceAliasCreation, PreSignUp's autoVerify), the alias moves: the other user's attribute
// becomes unverified.
void claim_aliases(OpContext& ctx, const Doc& pool, const Doc& user, bool force) {
  const Doc* ua = pool.get("UsernameAttributes");
  for (const char* a : {"email", "phone_number"}) {
    std::string name = a;
    if (!list_has(pool.get("AliasAttributes"), name) || list_has(ua, name)) continue;
    std::string v = attr(user, name);
    if (v.empty() || attr(user, name + "_verified") != "true") continue;
    auto lower = [](std::string s) {
      std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      return s;
    };
    std::vector<Doc> holders;
    state(ctx).store.scan(kUsers.name, Store::pool_key(pool.str("Id")), [&](const std::string&, Doc u) {
      if (u.str("Key") != user.str("Key") && attr(u, name + "_verified") == "true" && lower(attr(u, name)) == lower(v))
        holders.push_back(std::move(u));
      return true;
    });
    if (holders.empty()) continue;
    if (!force)
      throw cerr::alias_exists(name == "email" ? "An account with the email already exists."
                                               : "An account with the phone number already exists.");
    for (Doc& h : holders) {
      h["Attrs"].set(name + "_verified", "false");
      save_user(ctx, pool, h);
    }
  }
}

void check_required(const Doc& pool, const Doc& user) {
  if (const Doc* sa = pool.get("SchemaAttributes"); sa && sa->is_list())
    for (const auto& a : sa->as_list()) {
      std::string n = a.str("Name");
      if (a.flag("Required") && n != "sub" && attr(user, n).empty())
        throw cerr::invalid_parameter("Attributes did not conform to the schema: " + n + ": The attribute " + n +
                                      " is required");
    }
}

std::string verification_body(const Doc& pool, const std::string& code, bool sms) {
  std::string tmpl = pool.str(sms ? "SmsVerificationMessage" : "EmailVerificationMessage");
  if (const Doc* t = pool.get("VerificationMessageTemplate"); tmpl.empty() && t)
    tmpl = t->str(sms ? "SmsMessage" : "EmailMessage");
  if (tmpl.empty()) tmpl = "Your verification code is {####}. ";
  auto p = tmpl.find("{####}");
  if (p != std::string::npos) tmpl.replace(p, 6, code);
  return tmpl;
}
std::string verification_subject(const Doc& pool) {
  std::string s = pool.str("EmailVerificationSubject");
  if (const Doc* t = pool.get("VerificationMessageTemplate"); s.empty() && t) s = t->str("EmailSubject");
  return s.empty() ? "Your verification code" : s;
}

// Who asked for a code: the CustomMessage triggerSource, the app client and ClientMetadata.
struct Asker {
  std::string source;  // CustomMessage_SignUp, ...
  std::string client_id;
  const Doc* metadata = nullptr;
};

// Stores a code for `purpose` and sends it to `attribute` (the CustomMessage trigger's text, or
// the pool's template); the CodeDeliveryDetails.
Doc deliver_code(OpContext& ctx, const Doc& pool, Doc& user, const std::string& purpose, const std::string& attribute,
                 const Asker& asker) {
  std::string code = new_code();
  Doc& codes = user["Codes"];
  if (!codes.is_map()) codes = Doc::map();
  Doc c = Doc::map();
  c.set("Code", code);
  c.set("Expires", ctx.now_ms + (purpose == "forgot" ? kForgotCodeValidityMs : kCodeValidityMs));
  c.set("Attribute", attribute);
  codes.set(purpose, std::move(c));
  bool sms = attribute == "phone_number";
  if (auto t = custom_message(ctx, pool, user, asker.client_id, asker.source, asker.metadata, sms, code))
    return send_code(ctx, pool, user, attribute, t->subject.empty() ? verification_subject(pool) : t->subject, t->body);
  return send_code(ctx, pool, user, attribute, verification_subject(pool), verification_body(pool, code, sms));
}

// A code delivered and the user saved with it: the {"CodeDeliveryDetails"} answer.
Doc deliver_and_save(OpContext& ctx, const Doc& pool, Doc& user, const std::string& purpose,
                     const std::string& attribute, const Asker& asker) {
  Doc out = Doc::map();
  out.set("CodeDeliveryDetails", deliver_code(ctx, pool, user, purpose, attribute, asker));
  save_user(ctx, pool, user);
  return out;
}

// PreventUserExistenceErrors=ENABLED: the anonymous APIs answer as if the user existed.
bool hides_users(const Doc& client) {
  return client.str("PreventUserExistenceErrors") == "ENABLED";
}

// The anonymous user APIs that name ClientId, Username and SecretHash: the pool and client
// (SECRET_HASH checked) and the user -- UserNotFoundException when absent, or nullopt when the
// client hides unknown (and, with `disabled_too`, disabled) users.
std::optional<Doc> client_user_or_hidden(OpContext& ctx, const Doc& in, Doc* pool, Doc* client, bool disabled_too) {
  std::tie(*pool, *client) = pool_and_client(ctx, in.str("ClientId"));
  check_secret_hash(*client, in.str("Username"), in.get("SecretHash"));
  auto user = find_user(ctx, *pool, in.str("Username"));
  if (hides_users(*client) && (!user || (disabled_too && !user->flag("Enabled", true)))) return std::nullopt;
  if (!user) throw cerr::user_not_found("User does not exist.");
  return user;
}

// The CodeDeliveryDetails of a code that was not sent (a hidden user): an email destination
// masked from the username, as if the code went there.
Doc simulated_delivery(const std::string& username) {
  bool phone = !username.empty() && username[0] == '+';
  std::string dest = phone || username.find('@') != std::string::npos ? username : username + "@" + username;
  Doc d = Doc::map();
  d.set("Destination", mask(dest, phone ? "SMS" : "EMAIL"));
  d.set("DeliveryMedium", phone ? "SMS" : "EMAIL");
  d.set("AttributeName", phone ? "phone_number" : "email");
  return d;
}

Doc simulated_answer(const std::string& username) {
  Doc out = Doc::map();
  out.set("CodeDeliveryDetails", simulated_delivery(username));
  return out;
}

// The attribute sign-up codes go to: AutoVerifiedAttributes, email first.
std::string auto_verified(const Doc& pool, const Doc& user) {
  const Doc* av = pool.get("AutoVerifiedAttributes");
  if (list_has(av, "email") && !attr(user, "email").empty()) return "email";
  if (list_has(av, "phone_number") && !attr(user, "phone_number").empty()) return "phone_number";
  return {};
}

Doc admin_user(OpContext& ctx, const Doc& in, Doc* pool_out_doc = nullptr) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  Doc user = must_find_user(ctx, pool, in.str("Username"));
  if (pool_out_doc) *pool_out_doc = std::move(pool);
  return user;
}

void revoke_sessions(OpContext& ctx, const std::string& pool_id, const std::string& key) {
  Store& s = state(ctx).store;
  std::vector<std::pair<std::string, Doc>> sessions;
  s.scan(kSessions.name, storage::KeyBuilder().str(pool_id).str(key).take(), [&](const std::string& k, Doc d) {
    sessions.emplace_back(k, std::move(d));
    return true;
  });
  for (auto& [k, d] : sessions) {
    d.set("Revoked", true);
    s.put(kSessions.name, k, d);
  }
}

void delete_user_record(OpContext& ctx, const Doc& pool, const Doc& user) {
  Store& s = state(ctx).store;
  s.del(kUsers.name, Store::child_key(pool.str("Id"), user.str("Key")));
  state(ctx).logins.forget_user(pool.str("Id"), user.str("Key"));
  s.del_prefix(kSessions.name, storage::KeyBuilder().str(pool.str("Id")).str(user.str("Key")).take());
}

Doc user_type(const Doc& user) {
  return user_out(user, true);
}

Doc name_value_map(const Doc* list) {
  if (!list || !list->is_list()) return Doc();
  Doc m = Doc::map();
  for (const auto& a : list->as_list()) m.set(a.str("Name"), a.str("Value"));
  return m;
}

// PreSignUp: the function may confirm the user and verify the email / phone (not for
// AdminCreateUser). True: confirmed.
bool pre_sign_up(OpContext& ctx, const Doc& pool, Doc& user, const std::string& client_id, const Doc& in,
                 const std::string& source) {
  if (trigger_arn(pool, "PreSignUp").empty()) return false;
  Doc ev = trigger_event(pool, user.str("Username"), client_id, source);
  Doc& req = ev["request"];
  req.set("userAttributes", user_attributes_map(user, false));
  req.set("validationData", name_value_map(in.get("ValidationData")));
  req.set("clientMetadata", in.get("ClientMetadata") ? *in.get("ClientMetadata") : Doc::map());
  Doc& resp = ev["response"];
  resp.set("autoConfirmUser", false);
  resp.set("autoVerifyEmail", false);
  resp.set("autoVerifyPhone", false);
  auto r = run_trigger(ctx, pool, "PreSignUp", ev);
  const Doc* out = r ? r->get("response") : nullptr;
  // AWS ignores the three flags for AdminCreateUser (the admin decides status and verification)
  if (!out || !out->is_map() || source == "PreSignUp_AdminCreateUser") return false;
  if (out->flag("autoVerifyEmail") && !attr(user, "email").empty()) user["Attrs"].set("email_verified", "true");
  if (out->flag("autoVerifyPhone") && !attr(user, "phone_number").empty())
    user["Attrs"].set("phone_number_verified", "true");
  return out->flag("autoConfirmUser");
}

void post_confirmation(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& client_id, const Doc& in,
                       const std::string& source) {
  if (trigger_arn(pool, "PostConfirmation").empty()) return;
  Doc ev = trigger_event(pool, user.str("Username"), client_id, source);
  ev["request"].set("userAttributes", user_attributes_map(user, true));
  ev["request"].set("clientMetadata", in.get("ClientMetadata") ? *in.get("ClientMetadata") : Doc::map());
  run_trigger(ctx, pool, "PostConfirmation", ev);
}

}  // namespace

std::optional<Doc> migrate_user(OpContext& ctx, const Doc& pool, const Doc& client, const std::string& name,
                                const std::string* password, const Doc* metadata) {
  if (trigger_arn(pool, "UserMigration").empty() || name.empty()) return std::nullopt;
  bool forgot = password == nullptr;
  std::string client_id = client.str("ClientId");
  Doc ev =
      trigger_event(pool, name, client_id, forgot ? "UserMigration_ForgotPassword" : "UserMigration_Authentication");
  Doc& req = ev["request"];
  if (!forgot) req.set("password", *password);
  req.set("validationData", metadata_or_empty(metadata));
  req.set("clientMetadata", metadata_or_empty(metadata));
  Doc& resp = ev["response"];
  for (const char* k : {"userAttributes", "finalUserStatus", "messageAction", "desiredDeliveryMediums",
                        "forceAliasCreation", "enableSMSMFA"})
    resp.set(k, Doc());
  auto r = run_trigger(ctx, pool, "UserMigration", ev);
  const Doc* out = r ? r->get("response") : nullptr;
  const Doc* attrs = out && out->is_map() ? out->get("userAttributes") : nullptr;
  if (!attrs || !attrs->is_map() || attrs->as_map().empty()) {
    if (client.str("PreventUserExistenceErrors") == "ENABLED")
      throw cerr::not_authorized("Incorrect username or password.");
    throw cerr::user_not_found("Exception migrating user in app client " + client_id);
  }
  std::string status = out->str("finalUserStatus");
  std::string action = out->str("messageAction");
  if ((!status.empty() && status != "CONFIRMED" && status != "RESET_REQUIRED") ||
      (!action.empty() && action != "SUPPRESS" && action != "RESEND"))
    throw cerr::invalid_lambda_response(
        "Invalid lambda response: finalUserStatus must be CONFIRMED or "
        "RESET_REQUIRED, messageAction SUPPRESS or RESEND");
  Doc list = Doc::list();
  for (const auto& [k, v] : attrs->as_map()) {
    if (k == "sub" || k == "cognito:user_status" || k == "cognito:mfa_enabled" || k == "username") continue;
    Doc a = Doc::map();
    a.set("Name", k);
    a.set("Value", v.is_string() ? v.as_string() : json::write(v));
    list.push(std::move(a));
  }
  Doc user = new_user(ctx, pool, name, &list, true);
  if (forgot) {
    set_password(ctx, pool, user, generate_password(pool));
    user.set("UserStatus", "RESET_REQUIRED");
  } else {
    set_password(ctx, pool, user, *password);  // the policy is not applied to migrated passwords
    user.set("UserStatus", status.empty() ? "CONFIRMED" : status);
  }
  if (out->flag("enableSMSMFA") && !attr(user, "phone_number").empty()) user.set("MfaSms", true);
  save_user(ctx, pool, user);
  return user;
}

// ---- admin ----
Doc admin_create_user(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  std::string action = in.str("MessageAction");
  std::string name = in.str("Username");
  Doc user;
  std::string temp = in.str("TemporaryPassword");
  if (action == "RESEND") {
    user = must_find_user(ctx, pool, name);
    if (user.str("UserStatus") != "FORCE_CHANGE_PASSWORD")
      throw cerr::unsupported_user_state("Resend not possible. " + user.str("Username") +
                                         " status is not FORCE_CHANGE_PASSWORD.");
  } else {
    if (find_user(ctx, pool, name) ||
        (state(ctx).store.get(kUsers.name, Store::child_key(pool.str("Id"), user_key(pool, name)))))
      throw cerr::username_exists("User account already exists");
    user = new_user(ctx, pool, name, in.get("UserAttributes"), true);
    pre_sign_up(ctx, pool, user, "", in, "PreSignUp_AdminCreateUser");
    claim_aliases(ctx, pool, user, in.flag("ForceAliasCreation"));
  }
  if (!temp.empty())
    check_password_policy(pool, temp);
  else
    temp = generate_password(pool);
  set_password(ctx, pool, user, temp);
  user.set("UserStatus", "FORCE_CHANGE_PASSWORD");
  // the pool's TemporaryPasswordValidityDays (0 or unset: 7, AWS's default)
  int64_t days = 0;
  if (const Doc* pol = pool.get("Policies"); pol && pol->get("PasswordPolicy"))
    days = pol->get("PasswordPolicy")->integer("TemporaryPasswordValidityDays");
  if (days <= 0) days = 7;
  user.set("TempPasswordExpires", static_cast<int64_t>(ctx.now_ms + days * 86400 * 1000));
  if (action != "SUPPRESS") {
    Doc mediums = in.get("DesiredDeliveryMediums") ? *in.get("DesiredDeliveryMediums") : Doc::list();
    if (mediums.as_list().empty()) mediums.push("SMS");
    const Doc* acu = pool.get("AdminCreateUserConfig");
    const Doc* tmpl = acu ? acu->get("InviteMessageTemplate") : nullptr;
    for (const auto& m : mediums.as_list()) {
      bool sms = m.as_string() == "SMS";
      std::string a = sms ? "phone_number" : "email";
      if (attr(user, a).empty()) continue;
      std::string subject = tmpl ? tmpl->str("EmailSubject") : "";
      if (subject.empty()) subject = "Your temporary password";
      if (auto t = custom_message(ctx, pool, user, "", "CustomMessage_AdminCreateUser", in.get("ClientMetadata"), sms,
                                  temp)) {
        send_code(ctx, pool, user, a, t->subject.empty() ? subject : t->subject, t->body);
        continue;
      }
      std::string body = tmpl ? tmpl->str(sms ? "SMSMessage" : "EmailMessage") : "";
      if (body.empty()) body = "Your username is {username} and temporary password is {####}. ";
      for (auto [ph, v] : {std::pair<std::string, std::string>{"{username}", user.str("Username")}, {"{####}", temp}})
        for (auto p = body.find(ph); p != std::string::npos; p = body.find(ph, p + v.size()))
          body.replace(p, ph.size(), v);
      send_code(ctx, pool, user, a, subject, body);
    }
  }
  save_user(ctx, pool, user);
  Doc out = Doc::map();
  out.set("User", user_type(user));
  return out;
}

Doc admin_get_user(OpContext& ctx, const Doc& in) {
  Doc user = admin_user(ctx, in);
  Doc out = user_out(user, false);
  return out;
}

Doc admin_delete_user(OpContext& ctx, const Doc& in) {
  Doc pool;
  Doc user = admin_user(ctx, in, &pool);
  delete_user_record(ctx, pool, user);
  return Doc::map();
}

// AdminEnableUser / AdminDisableUser (which also ends the user's sessions).
static Doc set_enabled(OpContext& ctx, const Doc& in, bool enabled) {
  Doc pool;
  Doc user = admin_user(ctx, in, &pool);
  user.set("Enabled", enabled);
  save_user(ctx, pool, user);
  if (!enabled) revoke_sessions(ctx, pool.str("Id"), user.str("Key"));
  return Doc::map();
}

Doc admin_enable_user(OpContext& ctx, const Doc& in) {
  return set_enabled(ctx, in, true);
}

Doc admin_disable_user(OpContext& ctx, const Doc& in) {
  return set_enabled(ctx, in, false);
}

Doc admin_confirm_sign_up(OpContext& ctx, const Doc& in) {
  Doc pool;
  Doc user = admin_user(ctx, in, &pool);
  if (user.str("UserStatus") != "UNCONFIRMED")
    throw cerr::not_authorized("User cannot be confirmed. Current status is " + user.str("UserStatus"));
  user.set("UserStatus", "CONFIRMED");
  save_user(ctx, pool, user);
  post_confirmation(ctx, pool, user, "", in, "PostConfirmation_ConfirmSignUp");
  return Doc::map();
}

Doc admin_set_user_password(OpContext& ctx, const Doc& in) {
  Doc pool;
  Doc user = admin_user(ctx, in, &pool);
  std::string pw = in.str("Password");
  check_password_policy(pool, pw);
  set_password(ctx, pool, user, pw);
  user.set("UserStatus", in.flag("Permanent") ? "CONFIRMED" : "FORCE_CHANGE_PASSWORD");
  save_user(ctx, pool, user);
  return Doc::map();
}

Doc admin_reset_user_password(OpContext& ctx, const Doc& in) {
  Doc pool;
  Doc user = admin_user(ctx, in, &pool);
  std::string a = attr(user, "email_verified") == "true"          ? "email"
                  : attr(user, "phone_number_verified") == "true" ? "phone_number"
                                                                  : "";
  if (a.empty())
    throw cerr::invalid_parameter(
        "Cannot reset password for the user as there is no registered/verified email or phone_number");
  deliver_code(ctx, pool, user, "forgot", a, Asker{"CustomMessage_ForgotPassword", "", in.get("ClientMetadata")});
  user.set("UserStatus", "RESET_REQUIRED");
  save_user(ctx, pool, user);
  return Doc::map();
}

Doc admin_update_user_attributes(OpContext& ctx, const Doc& in) {
  Doc pool;
  Doc user = admin_user(ctx, in, &pool);
  std::lock_guard lk(state(ctx).store.lock_user(pool.str("Id"), user.str("Key")));
  user = must_find_user(ctx, pool, user.str("Username"));
  auto names = apply_attributes(pool, user, in.get("UserAttributes"), false, true);
  save_user(ctx, pool, user);
  return Doc::map();
}

Doc admin_delete_user_attributes(OpContext& ctx, const Doc& in) {
  Doc pool;
  Doc user = admin_user(ctx, in, &pool);
  Doc& attrs = user["Attrs"];
  Doc keep = Doc::map();
  const Doc* names = in.get("UserAttributeNames");
  for (const auto& [k, v] : attrs.as_map()) {
    bool drop = false;
    if (names)
      for (const auto& n : names->as_list()) drop = drop || n.as_string() == k;
    if (drop && k == "sub") throw cerr::invalid_parameter("Cannot delete the sub attribute.");
    if (!drop) keep.set(k, v);
  }
  user.set("Attrs", std::move(keep));
  save_user(ctx, pool, user);
  return Doc::map();
}

// AdminAddUserToGroup / AdminRemoveUserFromGroup: GroupName added to (kept in place when there)
// or removed from the user's groups.
static Doc change_groups(OpContext& ctx, const Doc& in, bool add) {
  Doc pool;
  Doc user = admin_user(ctx, in, &pool);
  std::string g = in.str("GroupName");
  load_group(ctx, pool.str("Id"), g);
  Doc keep = Doc::list();
  bool had = false;
  if (const Doc* gl = user.get("Groups"); gl && gl->is_list())
    for (const auto& x : gl->as_list()) {
      had = had || x.as_string() == g;
      if (add || x.as_string() != g) keep.push(x);
    }
  if (add && !had) keep.push(g);
  user.set("Groups", std::move(keep));
  save_user(ctx, pool, user);
  return Doc::map();
}

Doc admin_add_user_to_group(OpContext& ctx, const Doc& in) {
  return change_groups(ctx, in, true);
}

Doc admin_remove_user_from_group(OpContext& ctx, const Doc& in) {
  return change_groups(ctx, in, false);
}

Doc admin_list_groups_for_user(OpContext& ctx, const Doc& in) {
  Doc pool;
  Doc user = admin_user(ctx, in, &pool);
  Doc list = Doc::list();
  if (const Doc* gl = user.get("Groups"); gl && gl->is_list())
    for (const auto& x : gl->as_list())
      if (auto g = state(ctx).store.get(kGroups.name, Store::child_key(pool.str("Id"), x.as_string())))
        list.push(record_out(*g));
  Doc out = Doc::map();
  out.set("Groups", std::move(list));
  return out;
}

Doc admin_user_global_sign_out(OpContext& ctx, const Doc& in) {
  Doc pool;
  Doc user = admin_user(ctx, in, &pool);
  revoke_sessions(ctx, pool.str("Id"), user.str("Key"));
  return Doc::map();
}

namespace {
bool matches(const Doc& user, const UserFilter& f) {
  if (f.attribute.empty()) return true;
  std::string v;
  if (f.attribute == "username")
    v = user.str("Username");
  else if (f.attribute == "cognito:user_status")
    v = user.str("UserStatus");
  else if (f.attribute == "status")
    v = user.flag("Enabled", true) ? "Enabled" : "Disabled";
  else
    v = attr(user, f.attribute);
  if (f.prefix) return v.compare(0, f.value.size(), f.value) == 0;
  return v == f.value;
}

Doc filtered(const Doc& user, const Doc* to_get) {
  Doc u = user_type(user);
  if (!to_get || !to_get->is_list()) return u;
  Doc keep = Doc::list();
  for (const auto& a : u.get("Attributes")->as_list())
    if (list_has(to_get, a.str("Name"))) keep.push(a);
  u.set("Attributes", std::move(keep));
  return u;
}
}  // namespace

namespace {
// One page of a pool's users that `keep` accepts, from the sealed token (the last key served)
// on; sets the token of the next page in `out` under `token_field`.
Doc users_page(OpContext& ctx, const Doc& pool, int64_t limit, const std::string& token, const char* token_field,
               const std::function<bool(const Doc&)>& keep, const Doc* to_get, Doc& out) {
  std::string purpose = "cognito-page:" + pool.str("Id");
  std::string after;
  if (!token.empty()) {
    auto k = state(ctx).store.unseal(crypto::base64url_decode(token).value_or(""), purpose);
    if (!k) throw cerr::invalid_parameter("Invalid pagination token.");
    after = *k;
  }
  paging::After page(limit);
  if (limit > 0)  // Limit 0: an empty page, no token
    state(ctx).store.scan(
        kUsers.name, Store::pool_key(pool.str("Id")),
        [&](const std::string& key, const Doc& u) {
          if (!keep(u)) return true;
          if (page.full()) return false;
          page.add(key, filtered(u, to_get));
          return true;
        },
        after);
  if (page.more()) out.set(token_field, crypto::base64url(state(ctx).store.seal(page.last(), purpose)));
  return page.take();
}
}  // namespace

Doc list_users(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  std::string err;
  auto f = parse_user_filter(in.str("Filter"), &err);
  if (!f) throw cerr::invalid_parameter(err);
  int64_t limit = in.integer("Limit", 60);
  if (limit > 60)
    throw cerr::invalid_parameter("1 validation error detected: Value '" + std::to_string(limit) +
                                  "' at 'limit' failed to satisfy constraint: Member must have value less than or "
                                  "equal to 60");
  Doc out = Doc::map();
  out.set("Users", users_page(
                       ctx, pool, limit, in.str("PaginationToken"), "PaginationToken",
                       [&](const Doc& u) { return matches(u, *f); }, in.get("AttributesToGet"), out));
  return out;
}

Doc list_users_in_group(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  std::string g = in.str("GroupName");
  load_group(ctx, pool.str("Id"), g);
  Doc out = Doc::map();
  out.set("Users", users_page(
                       ctx, pool, in.integer("Limit", 60), in.str("NextToken"), "NextToken",
                       [&](const Doc& u) { return list_has(u.get("Groups"), g); }, nullptr, out));
  return out;
}

// ---- sign-up and recovery ----
Doc sign_up(OpContext& ctx, const Doc& in) {
  auto [pool, client] = pool_and_client(ctx, in.str("ClientId"));
  check_secret_hash(client, in.str("Username"), in.get("SecretHash"));
  if (const Doc* acu = pool.get("AdminCreateUserConfig"); acu && acu->flag("AllowAdminCreateUserOnly"))
    throw cerr::not_authorized("SignUp is not permitted for this user pool");
  std::string name = in.str("Username");
  if (find_user(ctx, pool, name) ||
      state(ctx).store.get(kUsers.name, Store::child_key(pool.str("Id"), user_key(pool, name))))
    throw cerr::username_exists("User already exists");
  std::string pw = in.str("Password");
  check_password_policy(pool, pw);
  Doc user = new_user(ctx, pool, name, in.get("UserAttributes"), false);
  check_required(pool, user);
  set_password(ctx, pool, user, pw);
  bool confirmed = pre_sign_up(ctx, pool, user, client.str("ClientId"), in, "PreSignUp_SignUp");
  claim_aliases(ctx, pool, user, true);  // PreSignUp's autoVerify moves an alias (AWS)
  user.set("UserStatus", confirmed ? "CONFIRMED" : "UNCONFIRMED");
  Doc out = Doc::map();
  std::string a = confirmed ? std::string() : auto_verified(pool, user);
  if (!a.empty())
    out.set("CodeDeliveryDetails",
            deliver_code(ctx, pool, user, "signup", a,
                         Asker{"CustomMessage_SignUp", client.str("ClientId"), in.get("ClientMetadata")}));
  save_user(ctx, pool, user);
  out.set("UserConfirmed", confirmed);
  out.set("UserSub", attr(user, "sub"));
  return out;
}

Doc confirm_sign_up(OpContext& ctx, const Doc& in) {
  Doc pool, client;
  auto found = client_user_or_hidden(ctx, in, &pool, &client, false);
  if (!found) throw cerr::code_mismatch("Invalid verification code provided, please try again.");
  Doc user = std::move(*found);
  if (user.str("UserStatus") != "UNCONFIRMED")
    throw cerr::not_authorized("User cannot be confirmed. Current status is " + user.str("UserStatus"));
  std::string a;
  if (const Doc* c = user.get("Codes"); c && c->get("signup")) a = c->get("signup")->str("Attribute");
  check_code(user, "signup", in.str("ConfirmationCode"), ctx.now_ms);
  user.set("UserStatus", "CONFIRMED");
  if (!a.empty()) user["Attrs"].set(a + "_verified", "true");
  claim_aliases(ctx, pool, user, in.flag("ForceAliasCreation"));
  save_user(ctx, pool, user);
  post_confirmation(ctx, pool, user, client.str("ClientId"), in, "PostConfirmation_ConfirmSignUp");
  return Doc::map();
}

Doc resend_confirmation_code(OpContext& ctx, const Doc& in) {
  Doc pool, client;
  auto found = client_user_or_hidden(ctx, in, &pool, &client, true);
  if (!found) return simulated_answer(in.str("Username"));
  Doc user = std::move(*found);
  if (user.str("UserStatus") != "UNCONFIRMED") throw cerr::invalid_parameter("User is already confirmed.");
  std::string a = auto_verified(pool, user);
  if (a.empty()) a = !attr(user, "email").empty() ? "email" : !attr(user, "phone_number").empty() ? "phone_number" : "";
  if (a.empty()) throw cerr::invalid_parameter("No email or phone_number attribute to send the code to.");
  return deliver_and_save(ctx, pool, user, "signup", a,
                          Asker{"CustomMessage_ResendCode", client.str("ClientId"), in.get("ClientMetadata")});
}

Doc forgot_password(OpContext& ctx, const Doc& in) {
  Doc pool, client;
  std::tie(pool, client) = pool_and_client(ctx, in.str("ClientId"));
  check_secret_hash(client, in.str("Username"), in.get("SecretHash"));
  auto found = find_user(ctx, pool, in.str("Username"));
  if (!found) found = migrate_user(ctx, pool, client, in.str("Username"), nullptr, in.get("ClientMetadata"));
  bool hide = hides_users(client);  // AWS: a simulated delivery for unknown, disabled, unreachable users
  if (!found && hide) return simulated_answer(in.str("Username"));
  if (!found) throw cerr::user_not_found("User does not exist.");
  Doc user = std::move(*found);
  if (!user.flag("Enabled", true)) {
    if (hide) return simulated_answer(in.str("Username"));
    throw cerr::not_authorized("User is disabled.");
  }
  std::string a = attr(user, "email_verified") == "true"          ? "email"
                  : attr(user, "phone_number_verified") == "true" ? "phone_number"
                                                                  : "";
  if (a.empty() && hide) return simulated_answer(in.str("Username"));
  if (a.empty())
    throw cerr::invalid_parameter(
        "Cannot reset password for the user as there is no registered/verified email or phone_number");
  return deliver_and_save(ctx, pool, user, "forgot", a,
                          Asker{"CustomMessage_ForgotPassword", client.str("ClientId"), in.get("ClientMetadata")});
}

Doc confirm_forgot_password(OpContext& ctx, const Doc& in) {
  Doc pool, client;
  auto found = client_user_or_hidden(ctx, in, &pool, &client, true);
  if (!found) throw cerr::code_mismatch("Invalid verification code provided, please try again.");
  Doc user = std::move(*found);
  if (hides_users(client) && !(user.get("Codes") && user.get("Codes")->get("forgot")))  // no code was requested
    throw cerr::expired_code("Invalid code provided, please request a code again.");
  std::string pw = in.str("Password");
  check_code(user, "forgot", in.str("ConfirmationCode"), ctx.now_ms);
  check_password_policy(pool, pw);
  set_password(ctx, pool, user, pw);
  if (user.str("UserStatus") == "RESET_REQUIRED" || user.str("UserStatus") == "FORCE_CHANGE_PASSWORD")
    user.set("UserStatus", "CONFIRMED");
  save_user(ctx, pool, user);
  post_confirmation(ctx, pool, user, client.str("ClientId"), in, "PostConfirmation_ConfirmForgotPassword");
  return Doc::map();
}

// ---- the user's own API (access token) ----
Doc change_password(OpContext& ctx, const Doc& in) {
  AccessClaims c = check_access_token(ctx, in.str("AccessToken"));
  if (!password_matches(ctx, c.pool, c.user, in.str("PreviousPassword")))
    throw cerr::not_authorized("Incorrect username or password.");
  check_password_policy(c.pool, in.str("ProposedPassword"));
  set_password(ctx, c.pool, c.user, in.str("ProposedPassword"));
  save_user(ctx, c.pool, c.user);
  return Doc::map();
}

Doc get_user(OpContext& ctx, const Doc& in) {
  AccessClaims c = check_access_token(ctx, in.str("AccessToken"));
  Doc out = Doc::map();
  out.set("Username", c.user.str("Username"));
  out.set("UserAttributes", attributes_out(c.user));
  mfa_settings_out(c.user, out);
  return out;
}

Doc update_user_attributes(OpContext& ctx, const Doc& in) {
  AccessClaims c = check_access_token(ctx, in.str("AccessToken"));
  std::lock_guard lk(state(ctx).store.lock_user(c.pool_id, c.user.str("Key")));
  Doc user = must_find_user(ctx, c.pool, c.user.str("Username"));
  auto names = apply_attributes(c.pool, user, in.get("UserAttributes"), false, false);
  Doc list = Doc::list();
  const Doc* av = c.pool.get("AutoVerifiedAttributes");
  for (const auto& n : names)
    if ((n == "email" || n == "phone_number") && list_has(av, n) && attr(user, n + "_verified") != "true")
      list.push(deliver_code(ctx, c.pool, user, "verify:" + n, n,
                             Asker{"CustomMessage_UpdateUserAttribute", c.client_id, in.get("ClientMetadata")}));
  save_user(ctx, c.pool, user);
  Doc out = Doc::map();
  if (!list.as_list().empty()) out.set("CodeDeliveryDetailsList", std::move(list));
  return out;
}

Doc delete_user_attributes(OpContext& ctx, const Doc& in) {
  AccessClaims c = check_access_token(ctx, in.str("AccessToken"));
  Doc req = in;
  req.set("UserPoolId", c.pool_id);
  req.set("Username", c.user.str("Username"));
  ctx.caller.account = c.pool.str("_account");
  ctx.caller.region = c.pool.str("_region");
  return admin_delete_user_attributes(ctx, req);
}

Doc get_user_attribute_verification_code(OpContext& ctx, const Doc& in) {
  AccessClaims c = check_access_token(ctx, in.str("AccessToken"));
  std::string a = in.str("AttributeName");
  if ((a != "email" && a != "phone_number") || attr(c.user, a).empty())
    throw cerr::invalid_parameter("Invalid attribute name: " + a);
  Doc out = Doc::map();
  out.set("CodeDeliveryDetails",
          deliver_code(ctx, c.pool, c.user, "verify:" + a, a,
                       Asker{"CustomMessage_VerifyUserAttribute", c.client_id, in.get("ClientMetadata")}));
  save_user(ctx, c.pool, c.user);
  return out;
}

Doc verify_user_attribute(OpContext& ctx, const Doc& in) {
  AccessClaims c = check_access_token(ctx, in.str("AccessToken"));
  std::string a = in.str("AttributeName");
  check_code(c.user, "verify:" + a, in.str("Code"), ctx.now_ms);
  c.user["Attrs"].set(a + "_verified", "true");
  save_user(ctx, c.pool, c.user);
  return Doc::map();
}

Doc delete_user(OpContext& ctx, const Doc& in) {
  AccessClaims c = check_access_token(ctx, in.str("AccessToken"));
  delete_user_record(ctx, c.pool, c.user);
  return Doc::map();
}

Doc global_sign_out(OpContext& ctx, const Doc& in) {
  AccessClaims c = check_access_token(ctx, in.str("AccessToken"));
  revoke_sessions(ctx, c.pool_id, c.user.str("Key"));
  return Doc::map();
}

Doc revoke_token(OpContext& ctx, const Doc& in) {
  auto [pool, client] = pool_and_client(ctx, in.str("ClientId"));
  check_client_secret(client, in.str("ClientSecret"));
  if (!client.flag("EnableTokenRevocation", true))
    throw cerr::unsupported_operation("Token revocation is not enabled for this app client.");
  switch (revoke_refresh_token(ctx, client, in.str("Token"))) {
    case Revoked::kNotRefreshToken:
    case Revoked::kUnknown:
      throw cerr::unsupported_token_type("Unsupported token type.");
    case Revoked::kOtherClient:
      throw cerr::unauthorized("Client is not authorized to revoke this token.");
    case Revoked::kRevoked:
      break;
  }
  return Doc::map();
}

}  // namespace stratus::cognitoidp
