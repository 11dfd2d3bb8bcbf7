// Identities (email addresses and domains), the account and the suppression list.
#include <mutex>

#include "core/encoding.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/paging.h"
#include "mail/mime.h"
#include "services/ses/errors.h"
#include "services/ses/ops.h"
#include "services/ses/ops/common.h"
#include "services/ses/schema.h"

namespace stratus::ses {
namespace {

constexpr std::string_view kIds = schema::kIdentities.name;

bool is_email(std::string_view id) {
  return id.find('@') != std::string_view::npos;
}

void check_domain(const std::string& d, Api api) {
  bool ok = !d.empty() && d.size() <= 255 && d.front() != '.' && d.back() != '.';
  size_t label = 0;
  for (char c : d) {
    if (c == '.') {
      ok = ok && label > 0;
      label = 0;
      continue;
    }
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') && ++label <= 63;
  }
  if (!ok) {
    std::string msg = "Invalid domain name " + d + ".";
    throw api == Api::v1 ? stratus::errors::invalid_parameter_value(msg) : v2::errors::bad_request(msg);
  }
}

void check_email(const std::string& e, Api api) {
  if (std::string p = mime::address_problem(e); !p.empty() || mime::bare(e) != e) {
    std::string msg = "Invalid email address " + e + ".";
    throw api == Api::v1 ? stratus::errors::invalid_parameter_value(msg) : v2::errors::bad_request(msg);
  }
}

Doc dkim_tokens() {
  Doc l = Doc::list();
  for (int i = 0; i < 3; ++i) l.push(ids::random_lower_alnum(32));
  return l;
}

// Creates or refreshes an identity record. Domains are verified at once (no DNS to check here);
// email addresses wait for their verification link.
Doc upsert(OpContext& ctx, const std::string& id, bool dkim) {
  State& st = state(ctx);
  std::lock_guard lk(st.mu);
  auto cur = st.get(kIds, ctx.account(), ctx.region(), id);
  Doc d = cur.value_or(Doc::map());
  bool email = is_email(id);
  if (!cur) {
    d.set("Identity", id);
    d.set("Type", email ? "EmailAddress" : "Domain");
    d.set("Status", email ? "Pending" : "Success");
    d.set("CreatedMs", ctx.now_ms);
    if (!email) d.set("Token", ids::random_base64(32));
  }
  if (!email && dkim && !d.has("DkimTokens")) {
    d.set("DkimTokens", dkim_tokens());
    d.set("DkimEnabled", true);
  }
  st.put(kIds, ctx.account(), ctx.region(), id, d);
  if (email && d.str("Status") != "Success") st.send_verification(ctx, id);
  return d;
}

void remove_identity(OpContext& ctx, const std::string& id) {
  State& st = state(ctx);
  std::lock_guard lk(st.mu);
  st.del(kIds, ctx.account(), ctx.region(), id);
}

// {member: {identity: render(record)}} for the request's Identities that exist (the v1
// Get*Attributes operations leave unknown ones out).
template <typename Render>
Doc per_identity(OpContext& ctx, const Doc& in, const char* member, Render&& render) {
  State& st = state(ctx);
  Doc out = Doc::map();
  for (const auto& id : strings_of(in.get("Identities")))
    if (auto d = st.get(kIds, ctx.account(), ctx.region(), id)) out.set(id, render(*d));
  return answer(member, std::move(out));
}

std::vector<std::pair<std::string, Doc>> identities(OpContext& ctx) {
  return state(ctx).scan(kIds, ctx.account(), ctx.region());
}

const char* v2_status(const std::string& s) {
  if (s == "Success") return "SUCCESS";
  if (s == "Failed") return "FAILED";
  if (s == "NotStarted") return "NOT_STARTED";
  return "PENDING";
}

Doc dkim_v2(const Doc& d) {
  Doc k = Doc::map();
  bool has = d.has("DkimTokens");
  k.set("SigningEnabled", has && d.flag("DkimEnabled", true));
  k.set("Status", has ? "SUCCESS" : "NOT_STARTED");
  if (has) {
    k.set("Tokens", *d.get("DkimTokens"));
    k.set("SigningAttributesOrigin", "AWS_SES");
    k.set("NextSigningKeyLength", "RSA_2048_BIT");
    k.set("CurrentSigningKeyLength", "RSA_2048_BIT");
    k.set("LastKeyGenerationTimestamp", Doc(Timestamp{d.integer("CreatedMs")}));
  }
  return k;
}

// Read-modify-write of the account record.
template <typename Fn>
void update_account(OpContext& ctx, Fn&& change) {
  State& st = state(ctx);
  std::lock_guard lk(st.mu);
  Doc a = st.account(ctx.account(), ctx.region());
  change(a);
  st.put_account(ctx.account(), ctx.region(), a);
}

std::optional<Doc> find_suppressed(OpContext& ctx, const std::string& email) {
  return state(ctx).get(schema::kSuppressed.name, ctx.account(), ctx.region(), enc::ascii_lower(email));
}

}  // namespace

// ---- v1 ----

Doc verify_email_identity(OpContext& ctx, const Doc& in) {
  std::string e = in.str("EmailAddress");
  check_email(e, Api::v1);
  upsert(ctx, e, false);
  return Doc::map();
}

Doc verify_domain_identity(OpContext& ctx, const Doc& in) {
  std::string d = enc::ascii_lower(in.str("Domain"));
  check_domain(d, Api::v1);
  return answer("VerificationToken", upsert(ctx, d, false).str("Token"));
}

Doc verify_domain_dkim(OpContext& ctx, const Doc& in) {
  std::string d = enc::ascii_lower(in.str("Domain"));
  check_domain(d, Api::v1);
  return answer("DkimTokens", *upsert(ctx, d, true).get("DkimTokens"));
}

Doc list_identities(OpContext& ctx, const Doc& in) {
  std::string type = in.str("IdentityType");
  paging::Style style{"NextToken", "MaxItems", 1000, "NextToken", nullptr};
  return paging::paginate(identities(ctx), in, "Identities", style, [&](const Doc& d) -> std::optional<Doc> {
    if (!type.empty() && d.str("Type") != type) return std::nullopt;
    return Doc(d.str("Identity"));
  });
}

Doc get_identity_verification_attributes(OpContext& ctx, const Doc& in) {
  return per_identity(ctx, in, "VerificationAttributes", [](const Doc& d) {
    Doc a = Doc::map();
    a.set("VerificationStatus", d.str("Status"));
    if (d.has("Token")) a.set("VerificationToken", d.str("Token"));
    return a;
  });
}

Doc get_identity_dkim_attributes(OpContext& ctx, const Doc& in) {
  return per_identity(ctx, in, "DkimAttributes", [](const Doc& d) {
    Doc a = Doc::map();
    bool has = d.has("DkimTokens");
    a.set("DkimEnabled", has && d.flag("DkimEnabled", true));
    a.set("DkimVerificationStatus", has ? "Success" : "NotStarted");
    if (has) a.set("DkimTokens", *d.get("DkimTokens"));
    return a;
  });
}

Doc delete_identity(OpContext& ctx, const Doc& in) {
  remove_identity(ctx, in.str("Identity"));
  return Doc::map();
}

Doc list_verified_email_addresses(OpContext& ctx, const Doc&) {
  Doc l = Doc::list();
  for (const auto& [id, d] : identities(ctx))
    if (d.str("Type") == "EmailAddress" && d.str("Status") == "Success") l.push(id);
  return answer("VerifiedEmailAddresses", std::move(l));
}

Doc delete_verified_email_address(OpContext& ctx, const Doc& in) {
  remove_identity(ctx, in.str("EmailAddress"));
  return Doc::map();
}

namespace {
Doc quota(OpContext& ctx, bool v2) {
  State& st = state(ctx);
  bool prod = st.account(ctx.account(), ctx.region()).flag("ProductionAccessEnabled");
  Doc q = Doc::map();
  q.set(v2 ? "Max24HourSend" : "Max24HourSend", prod ? 50000.0 : 200.0);
  q.set("MaxSendRate", prod ? 14.0 : 1.0);
  q.set("SentLast24Hours", static_cast<double>(st.sent_last_24h(ctx.account(), ctx.region(), ctx.now_ms)));
  return q;
}
}  // namespace

Doc get_send_quota(OpContext& ctx, const Doc&) {
  return quota(ctx, false);
}

Doc get_send_statistics(OpContext& ctx, const Doc&) {
  Doc l = Doc::list();
  for (auto& d : state(ctx).statistics(ctx.account(), ctx.region(), ctx.now_ms)) l.push(std::move(d));
  return answer("SendDataPoints", std::move(l));
}

Doc get_account_sending_enabled(OpContext& ctx, const Doc&) {
  return answer("Enabled", state(ctx).account(ctx.account(), ctx.region()).flag("SendingEnabled", true));
}

Doc update_account_sending_enabled(OpContext& ctx, const Doc& in) {
  update_account(ctx, [&](Doc& a) { a.set("SendingEnabled", in.flag("Enabled", false)); });
  return Doc::map();
}

// ---- v2 ----

Doc create_email_identity(OpContext& ctx, const Doc& in) {
  std::string id = in.str("EmailIdentity");
  bool email = is_email(id);
  if (email)
    check_email(id, Api::v2);
  else
    check_domain(id = enc::ascii_lower(id), Api::v2);
  State& st = state(ctx);
  if (st.get(kIds, ctx.account(), ctx.region(), id))
    throw v2::errors::already_exists("Email identity " + id + " already exist.");
  Doc d = upsert(ctx, id, !email);
  if (in.has("Tags") || in.has("ConfigurationSetName")) {
    std::lock_guard lk(st.mu);
    if (const Doc* t = in.get("Tags")) d.set("Tags", *t);
    if (in.has("ConfigurationSetName")) d.set("ConfigurationSetName", in.str("ConfigurationSetName"));
    st.put(kIds, ctx.account(), ctx.region(), id, d);
  }
  Doc out = Doc::map();
  out.set("IdentityType", email ? "EMAIL_ADDRESS" : "DOMAIN");
  out.set("VerifiedForSendingStatus", d.str("Status") == "Success");
  out.set("DkimAttributes", dkim_v2(d));
  return out;
}

Doc get_email_identity(OpContext& ctx, const Doc& in) {
  std::string id = in.str("EmailIdentity");
  auto d = state(ctx).get(kIds, ctx.account(), ctx.region(), id);
  if (!d && !is_email(id)) d = state(ctx).get(kIds, ctx.account(), ctx.region(), enc::ascii_lower(id));
  if (!d) throw v2::errors::not_found("Email identity " + id + " does not exist.");
  Doc out = Doc::map();
  out.set("IdentityType", d->str("Type") == "Domain" ? "DOMAIN" : "EMAIL_ADDRESS");
  out.set("FeedbackForwardingStatus", true);
  out.set("VerifiedForSendingStatus", d->str("Status") == "Success");
  out.set("DkimAttributes", dkim_v2(*d));
  Doc mf = Doc::map();
  mf.set("BehaviorOnMxFailure", "USE_DEFAULT_VALUE");
  out.set("MailFromAttributes", std::move(mf));
  out.set("Policies", Doc::map());
  out.set("Tags", d->has("Tags") ? *d->get("Tags") : Doc::list());
  if (d->has("ConfigurationSetName")) out.set("ConfigurationSetName", d->str("ConfigurationSetName"));
  out.set("VerificationStatus", v2_status(d->str("Status")));
  return out;
}

Doc list_email_identities(OpContext& ctx, const Doc& in) {
  paging::Style style{"NextToken", "PageSize", 100, "NextToken", nullptr};
  return paging::paginate(identities(ctx), in, "EmailIdentities", style, [&](const Doc& d) -> std::optional<Doc> {
    Doc x = Doc::map();
    x.set("IdentityType", d.str("Type") == "Domain" ? "DOMAIN" : "EMAIL_ADDRESS");
    x.set("IdentityName", d.str("Identity"));
    x.set("SendingEnabled", d.str("Status") == "Success");
    x.set("VerificationStatus", v2_status(d.str("Status")));
    return x;
  });
}

Doc delete_email_identity(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string id = in.str("EmailIdentity");
  std::lock_guard lk(st.mu);
  if (!st.get(kIds, ctx.account(), ctx.region(), id)) {
    if (!is_email(id) && st.get(kIds, ctx.account(), ctx.region(), enc::ascii_lower(id)))
      id = enc::ascii_lower(id);
    else
      throw v2::errors::not_found("Email identity " + id + " does not exist.");
  }
  st.del(kIds, ctx.account(), ctx.region(), id);
  return Doc::map();
}

Doc get_account(OpContext& ctx, const Doc&) {
  State& st = state(ctx);
  Doc a = st.account(ctx.account(), ctx.region());
  Doc out = Doc::map();
  out.set("DedicatedIpAutoWarmupEnabled", false);
  out.set("EnforcementStatus", "HEALTHY");
  out.set("ProductionAccessEnabled", a.flag("ProductionAccessEnabled"));
  out.set("SendQuota", quota(ctx, true));
  out.set("SendingEnabled", a.flag("SendingEnabled", true));
  Doc sup = Doc::map();
  sup.set("SuppressedReasons", *a.get("SuppressedReasons"));
  out.set("SuppressionAttributes", std::move(sup));
  if (a.has("Details")) out.set("Details", *a.get("Details"));
  return out;
}

Doc put_account_sending_attributes(OpContext& ctx, const Doc& in) {
  update_account(ctx, [&](Doc& a) { a.set("SendingEnabled", in.flag("SendingEnabled", false)); });
  return Doc::map();
}

// The request for production access is granted at once (there is no one to review it here).
Doc put_account_details(OpContext& ctx, const Doc& in) {
  Doc details = Doc::map();
  for (const char* k : {"MailType", "WebsiteURL", "ContactLanguage", "UseCaseDescription"})
    if (in.has(k)) details.set(k, *in.get(k));
  if (const Doc* x = in.get("AdditionalContactEmailAddresses")) details.set("AdditionalContactEmailAddresses", *x);
  Doc review = Doc::map();
  review.set("CaseId", ids::random_lower_alnum(10));
  review.set("Status", "GRANTED");
  details.set("ReviewDetails", std::move(review));
  update_account(ctx, [&](Doc& a) {
    a.set("Details", std::move(details));
    if (in.has("ProductionAccessEnabled")) a.set("ProductionAccessEnabled", in.flag("ProductionAccessEnabled"));
  });
  return Doc::map();
}

Doc put_account_suppression_attributes(OpContext& ctx, const Doc& in) {
  update_account(ctx, [&](Doc& a) {
    a.set("SuppressedReasons", in.has("SuppressedReasons") ? *in.get("SuppressedReasons") : Doc::list());
  });
  return Doc::map();
}

Doc put_suppressed_destination(OpContext& ctx, const Doc& in) {
  std::string e = in.str("EmailAddress");
  check_email(e, Api::v2);
  Doc d = Doc::map();
  d.set("EmailAddress", e);
  d.set("Reason", in.str("Reason"));
  d.set("LastUpdateMs", ctx.now_ms);
  state(ctx).put(schema::kSuppressed.name, ctx.account(), ctx.region(), enc::ascii_lower(e), d);
  return Doc::map();
}

Doc get_suppressed_destination(OpContext& ctx, const Doc& in) {
  std::string e = in.str("EmailAddress");
  auto d = find_suppressed(ctx, e);
  if (!d) throw v2::errors::not_found("Email address " + e + " does not exist on your suppression list.");
  Doc s = Doc::map();
  s.set("EmailAddress", d->str("EmailAddress"));
  s.set("Reason", d->str("Reason"));
  s.set("LastUpdateTime", Doc(Timestamp{d->integer("LastUpdateMs")}));
  s.set("Attributes", Doc::map());
  return answer("SuppressedDestination", std::move(s));
}

Doc list_suppressed_destinations(OpContext& ctx, const Doc& in) {
  auto reasons = strings_of(in.get("Reasons"));
  int64_t from = in.has("StartDate") ? in.get("StartDate")->as_timestamp().millis : INT64_MIN;
  int64_t to = in.has("EndDate") ? in.get("EndDate")->as_timestamp().millis : INT64_MAX;
  paging::Style style{"NextToken", "PageSize", 1000, "NextToken", nullptr};
  auto all = state(ctx).scan(schema::kSuppressed.name, ctx.account(), ctx.region());
  return paging::paginate(all, in, "SuppressedDestinationSummaries", style, [&](const Doc& d) -> std::optional<Doc> {
    if (!reasons.empty() && std::find(reasons.begin(), reasons.end(), d.str("Reason")) == reasons.end())
      return std::nullopt;
    int64_t t = d.integer("LastUpdateMs");
    if (t < from || t > to) return std::nullopt;
    Doc s = Doc::map();
    s.set("EmailAddress", d.str("EmailAddress"));
    s.set("Reason", d.str("Reason"));
    s.set("LastUpdateTime", Doc(Timestamp{t}));
    return s;
  });
}

Doc delete_suppressed_destination(OpContext& ctx, const Doc& in) {
  std::string e = in.str("EmailAddress");
  if (!find_suppressed(ctx, e))
    throw v2::errors::not_found("Email address " + e + " does not exist on your suppression list.");
  state(ctx).del(schema::kSuppressed.name, ctx.account(), ctx.region(), enc::ascii_lower(e));
  return Doc::map();
}

}  // namespace stratus::ses

// ---- v1 identity feedback notifications ----

namespace stratus::ses {
namespace {

const char* notification_kind(const std::string& type) {
  if (type == "Bounce" || type == "Complaint" || type == "Delivery") return type.c_str();
  return nullptr;
}

// Read-modify-write of an identity that must exist.
template <typename Fn>
void update_identity(OpContext& ctx, const std::string& id, Fn&& change) {
  State& st = state(ctx);
  std::lock_guard lk(st.mu);
  auto d = st.get(kIds, ctx.account(), ctx.region(), id);
  if (!d) throw stratus::errors::invalid_parameter_value("Identity <" + id + "> does not exist.");
  change(*d);
  st.put(kIds, ctx.account(), ctx.region(), id, *d);
}

}  // namespace

Doc set_identity_notification_topic(OpContext& ctx, const Doc& in) {
  std::string type = in.str("NotificationType");
  if (!notification_kind(type))
    throw stratus::errors::invalid_parameter_value("Invalid notification type " + type + ".");
  std::string topic = in.str("SnsTopic");
  if (!topic.empty() && topic.rfind("arn:aws:sns:", 0) != 0)
    throw stratus::errors::invalid_parameter_value("Invalid SNS topic ARN " + topic + ".");
  update_identity(ctx, in.str("Identity"), [&](Doc& d) {
    if (topic.empty())
      d.as_map().erase(type + "Topic");
    else
      d.set(type + "Topic", topic);
  });
  return Doc::map();
}

Doc set_identity_feedback_forwarding_enabled(OpContext& ctx, const Doc& in) {
  bool on = in.flag("ForwardingEnabled");
  update_identity(ctx, in.str("Identity"), [&](Doc& d) {
    if (!on && (!d.has("BounceTopic") || !d.has("ComplaintTopic")))
      throw stratus::errors::invalid_parameter_value(
          "Feedback forwarding cannot be disabled until Amazon SNS topics are set for bounces and complaints.");
    d.set("ForwardingEnabled", on);
  });
  return Doc::map();
}

Doc set_identity_headers_in_notifications_enabled(OpContext& ctx, const Doc& in) {
  std::string type = in.str("NotificationType");
  if (!notification_kind(type))
    throw stratus::errors::invalid_parameter_value("Invalid notification type " + type + ".");
  update_identity(ctx, in.str("Identity"),
                  [&](Doc& d) { d.set("HeadersIn" + type + "NotificationsEnabled", in.flag("Enabled")); });
  return Doc::map();
}

Doc get_identity_notification_attributes(OpContext& ctx, const Doc& in) {
  return per_identity(ctx, in, "NotificationAttributes", [](const Doc& d) {
    Doc a = Doc::map();
    for (const char* t : {"Bounce", "Complaint", "Delivery"}) {
      if (d.has(std::string(t) + "Topic")) a.set(std::string(t) + "Topic", d.str(std::string(t) + "Topic"));
      a.set(std::string("HeadersIn") + t + "NotificationsEnabled",
            d.flag(std::string("HeadersIn") + t + "NotificationsEnabled"));
    }
    a.set("ForwardingEnabled", d.flag("ForwardingEnabled", true));
    return a;
  });
}

}  // namespace stratus::ses
