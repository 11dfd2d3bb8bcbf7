// Mobile push: platform applications and their endpoints (state in platform.h).
#include <optional>
#include <vector>

#include "core/arn.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/lookup.h"
#include "services/sns/checks.h"
#include "services/sns/errors.h"
#include "services/sns/ops.h"
#include "services/sns/ops/common.h"
#include "services/sns/state.h"
#include "storage/written.h"

namespace stratus::sns {
namespace {

const char* const kPlatforms[] = {"ADM", "APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX", "BAIDU", "GCM",
                                  "MACOS", "MACOS_SANDBOX", "MPNS", "WNS"};

// Attributes a platform application shows: everything set except the credentials.
Doc visible_app_attributes(const Doc& stored) {
  Doc out = Doc::map();
  if (const Doc* a = stored.get("attributes"); a && a->is_map())
    for (const auto& [k, v] : a->as_map())
      if (k != "PlatformCredential" && k != "PlatformPrincipal") out.set(k, v);
  return out;
}

// The attributes a platform application takes (SetPlatformApplicationAttributes' list).
bool app_attribute(const std::string& k) {
  static const char* const kNames[] = {"PlatformCredential",     "PlatformPrincipal",      "EventEndpointCreated",
                                       "EventEndpointDeleted",   "EventEndpointUpdated",   "EventDeliveryFailure",
                                       "SuccessFeedbackRoleArn", "FailureFeedbackRoleArn", "SuccessFeedbackSampleRate",
                                       "ApplePlatformTeamID",    "ApplePlatformBundleID",  "Enabled"};
  for (const char* n : kNames)
    if (k == n) return true;
  return false;
}

// Values AWS checks: the sample rate (0-100), event topics (SNS ARNs), custom user data (< 2 KB).
void check_platform_values(const Doc& attrs) {
  for (const auto& [k, v] : attrs.as_map()) {
    const std::string& s = v.as_string();
    if (k == "SuccessFeedbackSampleRate") check_topic_attribute("SuccessFeedbackSampleRate", s, false);
    if (k.rfind("Event", 0) == 0 && !s.empty()) {
      auto a = Arn::parse(s);
      if (!a || a->service != "sns") throw invalid_parameter("Attributes Reason: " + k + ": Invalid topic ARN " + s);
    }
    if (k == "CustomUserData" && s.size() >= 2048)
      throw invalid_parameter("CustomUserData Reason: CustomUserData must be less than 2KB");
  }
}

// The record of an application or endpoint named by an ARN of the caller's region.
std::optional<Doc> load_in_region(OpContext& ctx, const std::string& key, const std::string& arn) {
  if (!in_caller_region(ctx, arn)) return std::nullopt;
  return state(ctx).platform.load(key);
}

}  // namespace

// ---- platform applications -------------------------------------------------------------------

Doc create_platform_application(OpContext& ctx, const Doc& in) {
  Platform& pf = state(ctx).platform;
  std::string name = in.str("Name"), platform = in.str("Platform");
  if (name.empty() || name.size() > 256 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != std::string::npos)
    throw invalid_parameter("Name");
  bool known = false;
  for (const char* p : kPlatforms) known = known || platform == p;
  if (!known) throw invalid_parameter("Platform Reason: Invalid value for platform: " + platform);
  Doc attrs = Platform::string_map(in.get("Attributes"));
  for (const auto& [k, v] : attrs.as_map())
    if (!app_attribute(k)) throw invalid_parameter("Attributes Reason: Invalid attribute name: " + k);
  check_platform_values(attrs);
  if (attrs.str("PlatformCredential").empty())
    throw invalid_parameter("Attributes Reason: PlatformCredential attribute must be specified for " + platform);
  // Every platform but Firebase (GCM) names a principal: certificate or key id, client id, API key.
  if (platform != "GCM" && attrs.str("PlatformPrincipal").empty())
    throw invalid_parameter("Attributes Reason: PlatformPrincipal attribute must be specified for " + platform);
  if (attrs.has("ApplePlatformTeamID") != attrs.has("ApplePlatformBundleID"))
    throw invalid_parameter(
        "Attributes Reason: ApplePlatformTeamID and ApplePlatformBundleID must be specified "
        "together for token-based authentication");
  std::string arn = Arn::make("sns", ctx.region(), ctx.account(), "app/" + platform + "/" + name);
  Doc rec = Doc::map();
  rec.set("name", name);
  rec.set("platform", platform);
  if (!attrs.has("Enabled")) attrs.set("Enabled", "true");
  rec.set("attributes", std::move(attrs));
  storage::written(pf.save(Platform::app_key(arn), rec));
  return answer("PlatformApplicationArn", arn);
}

Doc get_platform_application_attributes(OpContext& ctx, const Doc& in) {
  std::string arn = in.str("PlatformApplicationArn");
  Doc rec = found_or(load_in_region(ctx, Platform::app_key(arn), arn),
                     [] { return errors::not_found("PlatformApplication does not exist"); });
  return answer("Attributes", visible_app_attributes(rec));
}

Doc set_platform_application_attributes(OpContext& ctx, const Doc& in) {
  std::string arn = in.str("PlatformApplicationArn");
  if (!in_caller_region(ctx, arn)) throw errors::not_found("PlatformApplication does not exist");
  check_platform_values(Platform::string_map(in.get("Attributes")));
  state(ctx).platform.update_attributes(Platform::app_key(arn), "PlatformApplication does not exist",
                                        in.get("Attributes"), app_attribute);
  return Doc::map();
}

Doc list_platform_applications(OpContext& ctx, const Doc& in) {
  auto apps = state(ctx).platform.applications(Arn::make("sns", ctx.region(), ctx.account(), "app/"));
  return page(apps.size(), in, 100, "PlatformApplications", [&](size_t i) {
    Doc e = Doc::map();
    e.set("PlatformApplicationArn", apps[i].arn);
    e.set("Attributes", visible_app_attributes(apps[i].doc));
    return e;
  });
}

Doc delete_platform_application(OpContext& ctx, const Doc& in) {
  storage::written(state(ctx).platform.erase_application(in.str("PlatformApplicationArn")));
  return Doc::map();
}

// ---- endpoints ---------------------------------------------------------------------------------

Doc create_platform_endpoint(OpContext& ctx, const Doc& in) {
  Platform& pf = state(ctx).platform;
  std::string app = in.str("PlatformApplicationArn"), token = in.str("Token");
  auto rec = load_in_region(ctx, Platform::app_key(app), app);
  if (!rec) throw errors::not_found("PlatformApplication does not exist");
  if (token.empty()) throw invalid_parameter("Token Reason: Token is empty");
  Doc attrs = Platform::string_map(in.get("Attributes"));
  if (in.has("CustomUserData")) attrs.set("CustomUserData", in.str("CustomUserData"));
  for (const auto& [k, v] : attrs.as_map())
    if (k != "Token" && k != "Enabled" && k != "CustomUserData" && k != "ChannelId" && k != "UserId")
      throw invalid_parameter("Attributes Reason: Invalid attribute name: " + k);
  check_platform_values(attrs);
  attrs.set("Token", token);
  if (!attrs.has("Enabled")) attrs.set("Enabled", "true");
  if (rec->str("platform") == "BAIDU" && (attrs.str("ChannelId").empty() || attrs.str("UserId").empty()))
    throw invalid_parameter("Attributes Reason: Baidu endpoints need the ChannelId and UserId attributes");
  // The same token again answers with the existing endpoint (when the attributes match).
  for (const auto& e : pf.endpoints()) {
    if (e.doc.str("app") != app || e.doc.get("attributes") == nullptr || e.doc.get("attributes")->str("Token") != token)
      continue;
    if (json::write(*e.doc.get("attributes")) != json::write(attrs)) {
      throw invalid_parameter("Token Reason: Endpoint " + e.arn +
                              " already exists with the same Token, but different attributes.");
    }
    return answer("EndpointArn", e.arn);
  }
  std::string platform = rec->str("platform");
  auto a = Arn::parse(app);
  std::string arn =
      Arn::make("sns", a->region, a->account, "endpoint/" + platform + "/" + rec->str("name") + "/" + ids::uuid4());
  Doc e = Doc::map();
  e.set("app", app);
  e.set("attributes", std::move(attrs));
  storage::written(pf.save(Platform::endpoint_key(arn), e));
  return answer("EndpointArn", arn);
}

Doc get_endpoint_attributes(OpContext& ctx, const Doc& in) {
  std::string arn = in.str("EndpointArn");
  Doc rec = found_or(load_in_region(ctx, Platform::endpoint_key(arn), arn),
                     [] { return errors::not_found("Endpoint does not exist"); });
  return answer("Attributes", Platform::string_map(rec.get("attributes")));
}

Doc set_endpoint_attributes(OpContext& ctx, const Doc& in) {
  std::string arn = in.str("EndpointArn");
  if (!in_caller_region(ctx, arn)) throw errors::not_found("Endpoint does not exist");
  check_platform_values(Platform::string_map(in.get("Attributes")));
  state(ctx).platform.update_attributes(
      Platform::endpoint_key(arn), "Endpoint does not exist", in.get("Attributes"),
      [](const std::string& k) { return k == "Token" || k == "Enabled" || k == "CustomUserData"; });
  return Doc::map();
}

Doc list_endpoints_by_platform_application(OpContext& ctx, const Doc& in) {
  Platform& pf = state(ctx).platform;
  std::string app = in.str("PlatformApplicationArn");
  if (!load_in_region(ctx, Platform::app_key(app), app)) throw errors::not_found("PlatformApplication does not exist");
  std::vector<Platform::Record> eps;
  for (auto& e : pf.endpoints())
    if (e.doc.str("app") == app) eps.push_back(std::move(e));
  return page(eps.size(), in, 100, "Endpoints", [&](size_t i) {
    Doc x = Doc::map();
    x.set("EndpointArn", eps[i].arn);
    x.set("Attributes", Platform::string_map(eps[i].doc.get("attributes")));
    return x;
  });
}

Doc delete_endpoint(OpContext& ctx, const Doc& in) {
  auto st = state(ctx).platform.erase(Platform::endpoint_key(in.str("EndpointArn")));  // a missing one succeeds
  if (!st.ok() && !st.not_found()) throw stratus::errors::internal(st.message);
  return Doc::map();
}

}  // namespace stratus::sns
