#include "services/sns/platform.h"

#include <random>

#include "core/arn.h"
#include "core/ids.h"
#include "core/json.h"
#include "services/sns/mailbox.h"

namespace stratus::sns {
namespace {

constexpr const char* kKs = "sns.platform";
const char* const kPlatforms[] = {"ADM", "APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX", "BAIDU", "GCM",
                                  "MACOS", "MACOS_SANDBOX", "MPNS", "WNS"};
const char* const kSmsAttributes[] = {"DefaultSenderID",        "MonthlySpendLimit",   "DeliveryStatusIAMRole",
                                      "DeliveryStatusSuccessSamplingRate", "DefaultSMSType", "UsageReportS3Bucket"};

AwsError invalid(const std::string& what) { return AwsError("InvalidParameter", "Invalid parameter: " + what, 400); }
AwsError not_found(const std::string& what) { return AwsError("NotFound", what, 404); }
AwsError resource_not_found(const std::string& what) { return AwsError("ResourceNotFound", what, 404); }

std::string app_key(const std::string& arn) { return "a" + std::string(1, '\0') + arn; }
std::string endpoint_key(const std::string& arn) { return "e" + std::string(1, '\0') + arn; }
std::string account_key(char kind, const std::string& account, const std::string& rest = {}) {
  std::string k(1, kind);
  k += '\0';
  k += account;
  k += '\0';
  k += rest;
  return k;
}

bool valid_phone(const std::string& p) {
  size_t i = p.size() > 0 && p[0] == '+' ? 1 : 0;
  if (p.size() - i < 2 || p.size() - i > 15 || p[i] == '0') return false;
  return p.find_first_not_of("0123456789", i) == std::string::npos;
}

Doc attrs_doc(const Doc* d) {
  Doc out = Doc::map();
  if (d && d->is_map())
    for (const auto& [k, v] : d->as_map()) out.set(k, v.is_string() ? v.as_string() : std::string());
  return out;
}

// Attributes a platform application shows: everything set except the credentials.
Doc visible_app_attributes(const Doc& stored) {
  Doc out = Doc::map();
  if (const Doc* a = stored.get("attributes"); a && a->is_map())
    for (const auto& [k, v] : a->as_map())
      if (k != "PlatformCredential" && k != "PlatformPrincipal") out.set(k, v);
  return out;
}

}  // namespace

std::optional<Doc> Platform::load(const std::string& key) {
  std::string v;
  if (!engine_->get(kKs, key, &v).ok()) return std::nullopt;
  try {
    return json::parse(v);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

storage::Status Platform::save(const std::string& key, const Doc& d) { return engine_->put(kKs, key, json::write(d)); }

std::string Platform::platform_of(const std::string& arn) {
  auto a = Arn::parse(arn);
  if (!a || a->service != "sns" || a->resource.rfind("endpoint/", 0) != 0) return {};
  std::string rest = a->resource.substr(9);
  return rest.substr(0, rest.find('/'));
}

Result<Doc> Platform::update_attributes(const std::string& key, const char* missing, const Doc* given,
                                        const std::function<bool(const std::string&)>& known) {
  auto rec = load(key);
  if (!rec) return not_found(missing);
  Doc& attrs = (*rec)["attributes"];
  Doc in = attrs_doc(given);
  for (const auto& [k, v] : in.as_map()) {
    if (!known(k)) return invalid("Attributes Reason: Invalid attribute name: " + k);
    if (k == "Enabled" && v.as_string() != "true" && v.as_string() != "false") return invalid("Enabled");
    attrs.set(k, v);
  }
  auto st = save(key, *rec);
  if (!st.ok()) return errors::internal(st.message);
  return Doc::map();
}

// ---- platform applications -------------------------------------------------------------------

Result<Doc> Platform::create_platform_application(OpContext& ctx, const Doc& in) {
  std::string name = in.str("Name"), platform = in.str("Platform");
  if (name.empty() || name.size() > 256 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != std::string::npos)
    return invalid("Name");
  bool known = false;
  for (const char* p : kPlatforms) known = known || platform == p;
  if (!known) return invalid("Platform Reason: Invalid value for platform: " + platform);
  Doc attrs = attrs_doc(in.get("Attributes"));
  if (attrs.str("PlatformCredential").empty())
    return invalid("Attributes Reason: PlatformCredential attribute must be specified for " + platform);
  if (platform.rfind("APNS", 0) == 0 && attrs.str("PlatformPrincipal").empty())
    return invalid("Attributes Reason: PlatformPrincipal attribute must be specified for " + platform);
  std::string arn = "arn:aws:sns:" + ctx.region() + ":" + ctx.account() + ":app/" + platform + "/" + name;
  Doc rec = Doc::map();
  rec.set("name", name);
  rec.set("platform", platform);
  if (!attrs.has("Enabled")) attrs.set("Enabled", "true");
  rec.set("attributes", std::move(attrs));
  auto st = save(app_key(arn), rec);
  if (!st.ok()) return errors::internal(st.message);
  Doc out = Doc::map();
  out.set("PlatformApplicationArn", arn);
  return out;
}

Result<Doc> Platform::get_platform_application_attributes(OpContext&, const Doc& in) {
  auto rec = load(app_key(in.str("PlatformApplicationArn")));
  if (!rec) return not_found("PlatformApplication does not exist");
  Doc out = Doc::map();
  out.set("Attributes", visible_app_attributes(*rec));
  return out;
}

Result<Doc> Platform::set_platform_application_attributes(OpContext&, const Doc& in) {
  return update_attributes(app_key(in.str("PlatformApplicationArn")), "PlatformApplication does not exist",
                           in.get("Attributes"), [](const std::string&) { return true; });
}

Result<Doc> Platform::list_platform_applications(OpContext& ctx, const Doc&) {
  Doc list = Doc::list();
  std::string prefix = app_key("arn:aws:sns:" + ctx.region() + ":" + ctx.account() + ":app/");
  for (auto it = engine_->prefix(kKs, prefix); it->valid(); it->next()) {
    try {
      Doc rec = json::parse(it->value());
      Doc e = Doc::map();
      e.set("PlatformApplicationArn", std::string(it->key().substr(2)));
      e.set("Attributes", visible_app_attributes(rec));
      list.push(std::move(e));
    } catch (const std::exception&) {
    }
  }
  Doc out = Doc::map();
  out.set("PlatformApplications", std::move(list));
  return out;
}

Result<Doc> Platform::delete_platform_application(OpContext&, const Doc& in) {
  std::string arn = in.str("PlatformApplicationArn");
  storage::WriteBatch b;
  b.del(kKs, app_key(arn));
  for (auto it = engine_->prefix(kKs, endpoint_key("")); it->valid(); it->next()) {
    try {
      if (json::parse(it->value()).str("app") == arn) b.del(kKs, it->key());
    } catch (const std::exception&) {
    }
  }
  auto st = engine_->write(b);
  if (!st.ok()) return errors::internal(st.message);
  return Doc::map();
}

// ---- endpoints ---------------------------------------------------------------------------------

Result<Doc> Platform::create_platform_endpoint(OpContext&, const Doc& in) {
  std::string app = in.str("PlatformApplicationArn"), token = in.str("Token");
  auto rec = load(app_key(app));
  if (!rec) return not_found("PlatformApplication does not exist");
  if (token.empty()) return invalid("Token Reason: Token is empty");
  Doc attrs = attrs_doc(in.get("Attributes"));
  if (in.has("CustomUserData")) attrs.set("CustomUserData", in.str("CustomUserData"));
  attrs.set("Token", token);
  if (!attrs.has("Enabled")) attrs.set("Enabled", "true");
  // The same token again answers with the existing endpoint (when the attributes match).
  for (auto it = engine_->prefix(kKs, endpoint_key("")); it->valid(); it->next()) {
    try {
      Doc e = json::parse(it->value());
      if (e.str("app") != app || e.get("attributes") == nullptr || e.get("attributes")->str("Token") != token) continue;
      std::string arn(it->key().substr(2));
      if (json::write(*e.get("attributes")) != json::write(attrs)) {
        return invalid("Token Reason: Endpoint " + arn + " already exists with the same Token, but different attributes.");
      }
      Doc out = Doc::map();
      out.set("EndpointArn", arn);
      return out;
    } catch (const std::exception&) {
    }
  }
  std::string platform = rec->str("platform");
  auto a = Arn::parse(app);
  std::string arn = "arn:aws:sns:" + a->region + ":" + a->account + ":endpoint/" + platform + "/" + rec->str("name") +
                    "/" + ids::uuid4();
  Doc e = Doc::map();
  e.set("app", app);
  e.set("attributes", std::move(attrs));
  auto st = save(endpoint_key(arn), e);
  if (!st.ok()) return errors::internal(st.message);
  Doc out = Doc::map();
  out.set("EndpointArn", arn);
  return out;
}

Result<Doc> Platform::get_endpoint_attributes(OpContext&, const Doc& in) {
  auto rec = load(endpoint_key(in.str("EndpointArn")));
  if (!rec) return not_found("Endpoint does not exist");
  Doc out = Doc::map();
  out.set("Attributes", attrs_doc(rec->get("attributes")));
  return out;
}

Result<Doc> Platform::set_endpoint_attributes(OpContext&, const Doc& in) {
  return update_attributes(endpoint_key(in.str("EndpointArn")), "Endpoint does not exist", in.get("Attributes"),
                           [](const std::string& k) { return k == "Token" || k == "Enabled" || k == "CustomUserData"; });
}

Result<Doc> Platform::list_endpoints_by_platform_application(OpContext&, const Doc& in) {
  std::string app = in.str("PlatformApplicationArn");
  if (!load(app_key(app))) return not_found("PlatformApplication does not exist");
  Doc list = Doc::list();
  for (auto it = engine_->prefix(kKs, endpoint_key("")); it->valid(); it->next()) {
    try {
      Doc e = json::parse(it->value());
      if (e.str("app") != app) continue;
      Doc x = Doc::map();
      x.set("EndpointArn", std::string(it->key().substr(2)));
      x.set("Attributes", attrs_doc(e.get("attributes")));
      list.push(std::move(x));
    } catch (const std::exception&) {
    }
  }
  Doc out = Doc::map();
  out.set("Endpoints", std::move(list));
  return out;
}

Result<Doc> Platform::delete_endpoint(OpContext&, const Doc& in) {
  auto st = engine_->del(kKs, endpoint_key(in.str("EndpointArn")));  // deleting a missing one succeeds
  if (!st.ok() && !st.not_found()) return errors::internal(st.message);
  return Doc::map();
}

Result<std::string> Platform::push(const std::string& endpoint_arn, const std::string& text, const std::string& source,
                                   std::string message_id) {
  auto rec = load(endpoint_key(endpoint_arn));
  if (!rec) return not_found("Endpoint does not exist");
  const Doc* attrs = rec->get("attributes");
  if (attrs && attrs->str("Enabled") == "false") return AwsError("EndpointDisabled", "Endpoint is disabled", 400);
  if (auto app = load(app_key(rec->str("app"))); app && app->get("attributes") &&
                                                  app->get("attributes")->str("Enabled") == "false")
    return AwsError("PlatformApplicationDisabled", "Platform application is disabled", 400);
  mailbox::Mail m;
  m.id = message_id.empty() ? ids::uuid4() : message_id;
  m.channel = "application";
  m.recipient = endpoint_arn;
  m.sender = "AWS SNS";
  m.subject = attrs ? attrs->str("Token") : std::string();
  m.body = text;
  m.source = source;
  std::string id = m.id;
  auto st = mailbox::deliver(*engine_, std::move(m));
  if (!st.ok()) return errors::internal(st.message);
  return id;
}

// ---- SMS ---------------------------------------------------------------------------------------

Result<Doc> Platform::get_sms_attributes(OpContext& ctx, const Doc& in) {
  auto rec = load(account_key('m', ctx.account(), ctx.region()));
  Doc all = rec ? *rec : Doc::map();
  Doc out = Doc::map(), attrs = Doc::map();
  const Doc* want = in.get("attributes");
  for (const auto& [k, v] : all.as_map()) {
    bool wanted = !want || !want->is_list() || want->as_list().empty();
    if (!wanted)
      for (const auto& w : want->as_list()) wanted = wanted || (w.is_string() && w.as_string() == k);
    if (wanted) attrs.set(k, v);
  }
  out.set("attributes", std::move(attrs));
  return out;
}

Result<Doc> Platform::set_sms_attributes(OpContext& ctx, const Doc& in) {
  std::string key = account_key('m', ctx.account(), ctx.region());
  auto rec = load(key);
  Doc all = rec ? *rec : Doc::map();
  Doc given = attrs_doc(in.get("attributes"));
  for (const auto& [k, v] : given.as_map()) {
    bool known = false;
    for (const char* a : kSmsAttributes) known = known || k == a;
    if (!known) return invalid(k);
    const std::string& s = v.as_string();
    if (k == "DefaultSMSType" && s != "Promotional" && s != "Transactional") return invalid("DefaultSMSType");
    if ((k == "MonthlySpendLimit" || k == "DeliveryStatusSuccessSamplingRate") &&
        (s.empty() || s.find_first_not_of("0123456789") != std::string::npos))
      return invalid(k);
    if (k == "DeliveryStatusSuccessSamplingRate" && (s.size() > 3 || std::stoi(s) > 100)) return invalid(k);
    all.set(k, s);
  }
  auto st = save(key, all);
  if (!st.ok()) return errors::internal(st.message);
  return Doc::map();
}

bool Platform::opted_out(const std::string& account, const std::string& phone) {
  std::string v;
  return engine_->get(kKs, account_key('o', account, phone), &v).ok();
}

storage::Status Platform::opt_out(const std::string& account, const std::string& phone) {
  return engine_->put(kKs, account_key('o', account, phone), "");
}

Result<Doc> Platform::check_if_phone_number_is_opted_out(OpContext& ctx, const Doc& in) {
  std::string phone = in.str("phoneNumber");
  if (!valid_phone(phone)) return invalid("phoneNumber");
  Doc out = Doc::map();
  out.set("isOptedOut", opted_out(ctx.account(), phone));
  return out;
}

Result<Doc> Platform::list_phone_numbers_opted_out(OpContext& ctx, const Doc&) {
  Doc list = Doc::list();
  std::string prefix = account_key('o', ctx.account());
  for (auto it = engine_->prefix(kKs, prefix); it->valid(); it->next())
    list.push(std::string(it->key().substr(prefix.size())));
  Doc out = Doc::map();
  out.set("phoneNumbers", std::move(list));
  return out;
}

Result<Doc> Platform::opt_in_phone_number(OpContext& ctx, const Doc& in) {
  std::string phone = in.str("phoneNumber");
  if (!valid_phone(phone)) return invalid("phoneNumber");
  auto st = engine_->del(kKs, account_key('o', ctx.account(), phone));
  if (!st.ok() && !st.not_found()) return errors::internal(st.message);
  return Doc::map();
}

Result<Doc> Platform::get_sms_sandbox_account_status(OpContext&, const Doc&) {
  Doc out = Doc::map();
  out.set("IsInSandbox", false);  // Stratus sends to any number (into the mailbox)
  return out;
}

Result<Doc> Platform::create_sms_sandbox_phone_number(OpContext& ctx, const Doc& in) {
  std::string phone = in.str("PhoneNumber");
  if (!valid_phone(phone) || phone[0] != '+') return invalid("PhoneNumber");
  if (opted_out(ctx.account(), phone)) return AwsError("OptedOut", "Phone number is opted out.", 400);
  thread_local std::mt19937 gen{std::random_device{}()};
  std::string otp = std::to_string(100000 + gen() % 900000);
  Doc rec = Doc::map();
  rec.set("status", "Pending");
  rec.set("otp", otp);
  auto st = save(account_key('s', ctx.account(), phone), rec);
  if (!st.ok()) return errors::internal(st.message);
  mailbox::Mail m;
  m.channel = "sms";
  m.recipient = phone;
  m.sender = "AWS SNS";
  m.body = "Your Amazon SNS SMS sandbox verification code is " + otp + ".";
  m.source = "sns:CreateSMSSandboxPhoneNumber";
  st = mailbox::deliver(*engine_, std::move(m));
  if (!st.ok()) return errors::internal(st.message);
  return Doc::map();
}

Result<Doc> Platform::verify_sms_sandbox_phone_number(OpContext& ctx, const Doc& in) {
  std::string key = account_key('s', ctx.account(), in.str("PhoneNumber"));
  auto rec = load(key);
  if (!rec) return resource_not_found("Phone number does not exist in the sandbox.");
  if (rec->str("status") != "Verified") {
    if (rec->str("otp") != in.str("OneTimePassword"))
      return AwsError("VerificationException", "Invalid one-time password.", 400);
    rec->set("status", "Verified");
    auto st = save(key, *rec);
    if (!st.ok()) return errors::internal(st.message);
  }
  return Doc::map();
}

Result<Doc> Platform::delete_sms_sandbox_phone_number(OpContext& ctx, const Doc& in) {
  std::string key = account_key('s', ctx.account(), in.str("PhoneNumber"));
  if (!load(key)) return resource_not_found("Phone number does not exist in the sandbox.");
  auto st = engine_->del(kKs, key);
  if (!st.ok()) return errors::internal(st.message);
  return Doc::map();
}

Result<Doc> Platform::list_sms_sandbox_phone_numbers(OpContext& ctx, const Doc&) {
  Doc list = Doc::list();
  std::string prefix = account_key('s', ctx.account());
  for (auto it = engine_->prefix(kKs, prefix); it->valid(); it->next()) {
    try {
      Doc rec = json::parse(it->value());
      Doc x = Doc::map();
      x.set("PhoneNumber", std::string(it->key().substr(prefix.size())));
      x.set("Status", rec.str("status"));
      list.push(std::move(x));
    } catch (const std::exception&) {
    }
  }
  Doc out = Doc::map();
  out.set("PhoneNumbers", std::move(list));
  return out;
}

Result<Doc> Platform::list_origination_numbers(OpContext&, const Doc& in) {
  if (const Doc* m = in.get("MaxResults"); m && m->is_number() && (m->as_int() < 1 || m->as_int() > 30))
    return AwsError("ValidationException", "MaxResults must be between 1 and 30", 400);
  Doc out = Doc::map();
  out.set("PhoneNumbers", Doc::list());
  return out;
}

}  // namespace stratus::sns
