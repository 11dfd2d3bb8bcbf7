#include "services/cognito-idp/common.h"

#include <algorithm>
#include <charconv>
#include <random>

#include "auth/sigv4.h"
#include "core/arn.h"
#include "core/encoding.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/json.h"
#include "mail/mailbox.h"
#include "server/context.h"
#include "services/cognito-idp/crypto.h"
#include "services/cognito-idp/schema.h"

namespace stratus::cognitoidp {

std::string pool_name_part(const std::string& pool_id) {
  auto u = pool_id.find('_');
  return u == std::string::npos ? pool_id : pool_id.substr(u + 1);
}

Doc load_pool_any(OpContext& ctx, const std::string& pool_id) {
  return *pool_ref(ctx, pool_id);
}

std::shared_ptr<const Doc> pool_ref(OpContext& ctx, const std::string& pool_id) {
  auto p = state(ctx).store.get_shared(kPools.name, Store::pool_key(pool_id));
  if (!p) throw cerr::resource_not_found("User pool " + pool_id + " does not exist.");
  return p;
}

Doc load_pool(OpContext& ctx, const std::string& pool_id) {
  Doc p = load_pool_any(ctx, pool_id);
  if (p.str("_account") != ctx.account() || p.str("_region") != ctx.region())
    throw cerr::resource_not_found("User pool " + pool_id + " does not exist.");
  return p;
}

Doc load_group(OpContext& ctx, const std::string& pool_id, const std::string& name) {
  auto g = state(ctx).store.get(kGroups.name, Store::child_key(pool_id, name));
  if (!g) throw cerr::resource_not_found("Group not found.");
  return *g;
}

Doc load_client(OpContext& ctx, const std::string& pool_id, const std::string& client_id) {
  auto c = state(ctx).store.get(kClients.name, Store::child_key(pool_id, client_id));
  if (!c) throw cerr::resource_not_found("User pool client " + client_id + " does not exist.");
  return *c;
}

std::pair<Doc, Doc> pool_and_client(OpContext& ctx, const std::string& client_id) {
  auto [pool, client] = pool_and_client_ref(ctx, client_id);
  return {*pool, *client};
}

std::pair<std::shared_ptr<const Doc>, std::shared_ptr<const Doc>> pool_and_client_ref(OpContext& ctx,
                                                                                      const std::string& client_id) {
  std::string pool_id;
  auto st = ctx.storage.get(kClientIndex.name, Store::pool_key(client_id), &pool_id);
  if (!st.ok()) throw cerr::resource_not_found("User pool client " + client_id + " does not exist.");
  auto pool = pool_ref(ctx, pool_id);
  auto client = state(ctx).store.get_shared(kClients.name, Store::child_key(pool_id, client_id));
  if (!client) throw cerr::resource_not_found("User pool client " + client_id + " does not exist.");
  return {std::move(pool), std::move(client)};
}

int64_t session_validity_ms(const Doc& client) {
  int64_t minutes = client.integer("AuthSessionValidity");
  return (minutes >= 3 && minutes <= 15 ? minutes : 3) * 60 * 1000;
}

int64_t session_expiry(OpContext& ctx, const Doc& s) {
  auto c = state(ctx).store.get(kClients.name, Store::child_key(s.str("p"), s.str("c")));
  return ctx.now_ms + session_validity_ms(c ? *c : Doc::map());
}

void check_secret_hash(const Doc& client, const std::string& username, const Doc* secret_hash) {
  std::string secret = client.str("ClientSecret");
  if (secret.empty()) return;
  std::string id = client.str("ClientId");
  if (!secret_hash || !secret_hash->is_string())
    throw cerr::not_authorized("Client " + id + " is configured with secret but SECRET_HASH was not received");
  std::string want = enc::base64_encode(auth::hmac_sha256(secret, username + id));
  if (!crypto::equal_ct(want, secret_hash->as_string()))
    throw cerr::not_authorized("Unable to verify secret hash for client " + id);
}

namespace {
int64_t ts_of(const Doc& d, const char* k) {
  return d.integer(k);
}
}  // namespace

Doc record_out(const Doc& record) {
  Doc out = Doc::map();
  for (const auto& [k, v] : record.as_map()) {
    if (k.empty() || k[0] == '_') continue;
    if (k == "CreationDate" || k == "LastModifiedDate")
      out.set(k, Timestamp{v.as_int()});
    else
      out.set(k, v);
  }
  return out;
}

int64_t unit_seconds(int64_t value, const std::string& unit) {
  if (unit == "seconds") return value;
  if (unit == "minutes") return value * 60;
  if (unit == "hours") return value * 3600;
  return value * 86400;
}

// ---- users ----
bool case_sensitive(const Doc& pool) {
  const Doc* uc = pool.get("UsernameConfiguration");
  return uc && uc->flag("CaseSensitive", false);
}

std::string user_key(const Doc& pool, const std::string& username) {
  if (case_sensitive(pool)) return username;
  std::string k = username;
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return k;
}

std::string attr(const Doc& user, const std::string& name) {
  const Doc* a = user.get("Attrs");
  return a ? a->str(name) : std::string();
}

namespace {
bool list_has(const Doc* l, const std::string& v) {
  if (!l || !l->is_list()) return false;
  for (const auto& e : l->as_list())
    if (e.is_string() && e.as_string() == v) return true;
  return false;
}
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}
}  // namespace

std::optional<Doc> find_user(OpContext& ctx, const Doc& pool, const std::string& name) {
  if (name.empty()) return std::nullopt;
  Store& s = state(ctx).store;
  std::string pool_id = pool.str("Id");
  if (auto u = s.get(kUsers.name, Store::child_key(pool_id, user_key(pool, name)))) return u;
  // Username attributes (sign in with email/phone), aliases (verified only), or the sub.
  const Doc* ua = pool.get("UsernameAttributes");
  const Doc* aa = pool.get("AliasAttributes");
  bool by_email = list_has(ua, "email") || list_has(aa, "email");
  bool by_phone = list_has(ua, "phone_number") || list_has(aa, "phone_number");
  bool by_pref = list_has(aa, "preferred_username");
  std::optional<Doc> found;
  std::string lname = lower(name);
  s.scan(kUsers.name, Store::pool_key(pool_id), [&](const std::string&, Doc u) {
    bool alias_ok_email = list_has(ua, "email") || attr(u, "email_verified") == "true";
    bool alias_ok_phone = list_has(ua, "phone_number") || attr(u, "phone_number_verified") == "true";
    if (attr(u, "sub") == name || (by_email && alias_ok_email && lower(attr(u, "email")) == lname) ||
        (by_phone && alias_ok_phone && attr(u, "phone_number") == name) ||
        (by_pref && lower(attr(u, "preferred_username")) == lname)) {
      found = std::move(u);
      return false;
    }
    return true;
  });
  return found;
}

Doc must_find_user(OpContext& ctx, const Doc& pool, const std::string& name) {
  auto u = find_user(ctx, pool, name);
  if (!u) throw cerr::user_not_found("User does not exist.");
  return *u;
}

void save_user(OpContext& ctx, const Doc& pool, Doc& user) {
  user.set("UserLastModifiedDate", ctx.now_ms);
  state(ctx).store.put(kUsers.name, Store::child_key(pool.str("Id"), user.str("Key")), user);
  state(ctx).logins.forget_user(pool.str("Id"), user.str("Key"));
}

namespace {
thread_local bool t_inline_pass = false;
}  // namespace
InlinePass::InlinePass() {
  t_inline_pass = true;
}
InlinePass::~InlinePass() {
  t_inline_pass = false;
}
void require_worker() {
  if (t_inline_pass) throw NeedsWorker{};
}

bool password_matches(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& password) {
  auto& cache = state(ctx).logins;
  std::string stored = user.str("PasswordHash");
  if (cache.known(pool.str("Id"), user.str("Key"), stored, password)) return true;
  require_worker();
  return cache.verify_once(pool.str("Id"), user.str("Key"), stored, password,
                           [&] { return crypto::check_password(stored, password); });
}

Doc attributes_out(const Doc& user) {
  Doc out = Doc::list();
  if (const Doc* a = user.get("Attrs"); a && a->is_map())
    for (const auto& [k, v] : a->as_map()) {
      Doc e = Doc::map();
      e.set("Name", k);
      e.set("Value", v);
      out.push(std::move(e));
    }
  return out;
}

Doc user_out(const Doc& user, bool list_form) {
  Doc out = Doc::map();
  out.set("Username", user.str("Username"));
  out.set(list_form ? "Attributes" : "UserAttributes", attributes_out(user));
  out.set("UserCreateDate", Timestamp{ts_of(user, "UserCreateDate")});
  out.set("UserLastModifiedDate", Timestamp{ts_of(user, "UserLastModifiedDate")});
  out.set("Enabled", user.flag("Enabled", true));
  out.set("UserStatus", user.str("UserStatus"));
  if (!list_form) mfa_settings_out(user, out);
  return out;
}

void mfa_settings_out(const Doc& user, Doc& out) {
  Doc list = Doc::list();
  if (user.flag("MfaSms")) list.push("SMS_MFA");
  if (user.flag("MfaTotp")) list.push("SOFTWARE_TOKEN_MFA");
  if (!list.as_list().empty()) out.set("UserMFASettingList", std::move(list));
  if (!user.str("MfaPreferred").empty()) out.set("PreferredMfaSetting", user.str("MfaPreferred"));
}

namespace {
const Doc* schema_attr(const Doc& pool, const std::string& name) {
  if (const Doc* sa = pool.get("SchemaAttributes"); sa && sa->is_list())
    for (const auto& a : sa->as_list())
      if (a.str("Name") == name) return &a;
  return nullptr;
}
}  // namespace

std::vector<std::string> apply_attributes(const Doc& pool, Doc& user, const Doc* list, bool creating, bool admin) {
  std::vector<std::string> names;
  if (!list || !list->is_list()) return names;
  Doc& attrs = user["Attrs"];
  if (!attrs.is_map()) attrs = Doc::map();
  for (const auto& a : list->as_list()) {
    std::string name = a.str("Name");
    std::string value = a.str("Value");
    const Doc* sa = schema_attr(pool, name);
    if (!sa) throw cerr::invalid_parameter("Attribute does not exist in the schema.");
    if (name == "sub") throw cerr::invalid_parameter("Cannot modify an already provided sub attribute");
    if (!creating && !sa->flag("Mutable", true))
      throw cerr::invalid_parameter("Cannot modify the non-mutable attribute " + name);
    if (sa->flag("DeveloperOnlyAttribute") && !admin)
      throw cerr::not_authorized("A client attempted to write unauthorized attribute");
    std::string type = sa->str("AttributeDataType", "String");
    if (type == "Boolean" && value != "true" && value != "false")
      throw cerr::invalid_parameter(name + " is not a valid Boolean value");
    if (type == "Number") {
      bool ok = !value.empty();
      for (size_t i = 0; i < value.size(); ++i)
        ok = ok && (std::isdigit(static_cast<unsigned char>(value[i])) || (i == 0 && value[i] == '-'));
      if (!ok) throw cerr::invalid_parameter(name + " is not a valid Number value");
    }
    if (const Doc* c = sa->get("StringAttributeConstraints"); c && type == "String") {
      auto num = [](const std::string& t, size_t dflt) {
        size_t v = 0;
        auto r = std::from_chars(t.data(), t.data() + t.size(), v);
        return r.ec == std::errc() && r.ptr == t.data() + t.size() ? v : dflt;
      };
      size_t mx = num(c->str("MaxLength", "2048"), 2048);
      size_t mn = num(c->str("MinLength", "0"), 0);
      if (value.size() > mx || value.size() < mn)
        throw cerr::invalid_parameter("String attributes cannot have a length of more than " + std::to_string(mx));
    }
    if (name == "email" && (value.find('@') == std::string::npos || value.front() == '@' || value.back() == '@'))
      throw cerr::invalid_parameter("Invalid email address format.");
    if (name == "phone_number" && (value.size() < 2 || value[0] != '+'))
      throw cerr::invalid_parameter("Invalid phone number format.");
    if (attrs.str(name) != value) {
      if (name == "email" && !creating) attrs.set("email_verified", "false");
      if (name == "phone_number" && !creating) attrs.set("phone_number_verified", "false");
    }
    attrs.set(name, value);
    names.push_back(name);
  }
  return names;
}

void check_password_policy(const Doc& pool, const std::string& password) {
  const Doc* pp = pool.get("Policies");
  pp = pp ? pp->get("PasswordPolicy") : nullptr;
  Doc dflt = Doc::map();
  const Doc& p = pp ? *pp : dflt;
  auto any = [&](auto pred) { return std::any_of(password.begin(), password.end(), pred); };
  if (static_cast<int64_t>(password.size()) < p.integer("MinimumLength", 8))
    throw cerr::invalid_password("Password did not conform with policy: Password not long enough");
  if (p.flag("RequireLowercase", true) && !any([](unsigned char c) { return std::islower(c); }))
    throw cerr::invalid_password("Password did not conform with policy: Password must have lowercase characters");
  if (p.flag("RequireUppercase", true) && !any([](unsigned char c) { return std::isupper(c); }))
    throw cerr::invalid_password("Password did not conform with policy: Password must have uppercase characters");
  if (p.flag("RequireNumbers", true) && !any([](unsigned char c) { return std::isdigit(c); }))
    throw cerr::invalid_password("Password did not conform with policy: Password must have numeric characters");
  if (p.flag("RequireSymbols", true) && !any([](unsigned char c) {
        return std::string_view("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ").find(static_cast<char>(c)) !=
               std::string_view::npos;
      }))
    throw cerr::invalid_password("Password did not conform with policy: Password must have symbol characters");
}

namespace {
std::string verifier_purpose(const Doc& pool, const Doc& user) {
  return "cognito-verifier:" + pool.str("Id") + "/" + user.str("Key");
}
}  // namespace

void set_password(OpContext& ctx, const Doc& pool, Doc& user, const std::string& password) {
  require_worker();
  user.set("PasswordHash", crypto::hash_password(password));
  auto v = crypto::make_verifier(pool_name_part(pool.str("Id")), user.str("Username"), password);
  user.set("SrpSalt", v.salt_hex);
  // The verifier allows a fast offline guess (one SHA-256 and one modexp per try): sealed at rest.
  user.set("SrpVerifier", enc::base64_encode(state(ctx).store.seal(v.v_hex, verifier_purpose(pool, user))));
  user.set("FailedAttempts", 0);
}

std::string srp_verifier(OpContext& ctx, const Doc& pool, const Doc& user) {
  auto raw = enc::base64_decode(user.str("SrpVerifier"));
  auto v = raw ? state(ctx).store.unseal(*raw, verifier_purpose(pool, user)) : std::nullopt;
  if (!v) throw stratus::errors::internal("cognito: the user's SRP verifier cannot be unsealed");
  return *v;
}

std::string generate_password(const Doc& pool) {
  std::string r = crypto::random_bytes(12);
  std::string out = "Aa1!";
  const char* alnum = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  for (unsigned char c : r) out.push_back(alnum[c % 57]);
  (void)pool;
  return out;
}

// ---- codes and mail ----
std::string new_code() {
  std::string r = crypto::random_bytes(4);
  uint32_t n = 0;
  for (unsigned char c : r) n = (n << 8) | c;
  std::string s = std::to_string(n % 1000000);
  return std::string(6 - s.size(), '0') + s;
}

std::string mask(const std::string& destination, const std::string& medium) {
  if (medium == "EMAIL") {
    auto at = destination.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= destination.size()) return "***";
    return destination.substr(0, 1) + "***@" + destination.substr(at + 1, 1) + "***";
  }
  if (destination.size() <= 4) return "+***";
  return "+" + std::string(destination.size() - 5, '*') + destination.substr(destination.size() - 4);
}

namespace {

// The pool's account, in the region of `arn` when it names one (the SES identity's, SNS's).
OpContext::Caller pool_principal(const Doc& pool, const std::string& arn) {
  OpContext::Caller p;
  p.account = pool.str("_account");
  p.region = pool.str("_region");
  if (auto a = Arn::parse(arn)) {
    if (!a->region.empty()) p.region = a->region;
    if (a->account.size() == 12) p.account = a->account;
  }
  p.arn = root_arn(p.account);
  p.user_id = p.account;
  return p;
}

}  // namespace

Doc send_code(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& attribute,
              const std::string& subject, const std::string& body) {
  std::string medium = attribute == "phone_number" ? "SMS" : "EMAIL";
  std::string to = attr(user, attribute);
  const Doc* ec = pool.get("EmailConfiguration");
  const Doc* sc = pool.get("SmsConfiguration");
  Doc d = Doc::map();
  d.set("Destination", mask(to, medium));
  d.set("DeliveryMedium", medium);
  d.set("AttributeName", attribute);
  if (medium == "EMAIL" && ec && ec->str("EmailSendingAccount") == "DEVELOPER" && !ec->str("SourceArn").empty()) {
    // DEVELOPER: SES's SendEmail in the identity's account and region (its sandbox, quotas,
    // configuration set and notifications apply).
    std::string arn = ec->str("SourceArn");
    std::string from = ec->str("From");
    if (from.empty())
      from = arn.substr(arn.find("identity/") == std::string::npos ? arn.size() : arn.find("identity/") + 9);
    Doc in = Doc::map();
    in.set("Source", from);
    in.set("SourceArn", arn);
    Doc dest = Doc::map();
    Doc tos = Doc::list();
    tos.push(to);
    dest.set("ToAddresses", std::move(tos));
    in.set("Destination", std::move(dest));
    Doc msg = Doc::map();
    Doc subj = Doc::map();
    subj.set("Data", subject);
    msg.set("Subject", std::move(subj));
    Doc text = Doc::map();
    text.set("Data", body);
    Doc b = Doc::map();
    b.set("Text", std::move(text));
    msg.set("Body", std::move(b));
    in.set("Message", std::move(msg));
    if (std::string r = ec->str("ReplyToEmailAddress"); !r.empty()) {
      Doc rl = Doc::list();
      rl.push(r);
      in.set("ReplyToAddresses", std::move(rl));
    }
    if (std::string cs = ec->str("ConfigurationSet"); !cs.empty()) in.set("ConfigurationSetName", cs);
    auto r = ctx.server.call_sync("ses", "SendEmail", std::move(in), pool_principal(pool, arn));
    if (!r) throw cerr::code_delivery_failure(r.error().message);
    return d;
  }
  if (medium == "SMS" && sc && !sc->str("SnsCallerArn").empty()) {
    // SNS's Publish to the phone number in the pool's account (its SMS sandbox and spend apply).
    Doc in = Doc::map();
    in.set("PhoneNumber", to);
    in.set("Message", body);
    std::string region = sc->str("SnsRegion");
    auto r =
        ctx.server.call_sync("sns", "Publish", std::move(in),
                             pool_principal(pool, region.empty() ? std::string() : "arn:aws:sns:" + region + "::"));
    if (!r) throw cerr::code_delivery_failure(r.error().message);
    return d;
  }
  mailbox::Mail m;  // COGNITO_DEFAULT: Cognito's own sender, into the mailbox
  m.channel = medium == "SMS" ? "sms" : "email";
  m.recipient = to;
  m.sender = medium == "SMS" ? "AWS SNS" : "no-reply@verificationemail.com";
  m.subject = medium == "SMS" ? "" : subject;
  m.body = body;
  m.source = "cognito-idp:" + pool.str("Id");
  auto st = mailbox::deliver(ctx.storage, std::move(m));
  if (!st.ok()) throw stratus::errors::internal("mailbox: " + st.message);
  return d;
}

void check_code(Doc& user, const std::string& purpose, const std::string& code, int64_t now_ms) {
  Doc* codes = const_cast<Doc*>(user.get("Codes"));
  const Doc* c = codes ? codes->get(purpose) : nullptr;
  if (!c) throw cerr::code_mismatch("Invalid verification code provided, please try again.");
  if (c->integer("Expires") < now_ms) throw cerr::expired_code("Invalid code provided, please request a code again.");
  if (!crypto::equal_ct(c->str("Code"), code))
    throw cerr::code_mismatch("Invalid verification code provided, please try again.");
  Doc rest = Doc::map();
  for (const auto& [k, v] : codes->as_map())
    if (k != purpose) rest.set(k, v);
  user.set("Codes", std::move(rest));
}

}  // namespace stratus::cognitoidp
