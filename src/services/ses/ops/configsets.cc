// Configuration sets and their event destinations (SNS topics, EventBridge buses; CloudWatch and
// Firehose destinations are stored only). Event types are stored by their v1 names.
#include <mutex>

#include "core/error.h"
#include "core/paging.h"
#include "services/ses/errors.h"
#include "services/ses/ops.h"
#include "services/ses/ops/common.h"
#include "services/ses/schema.h"

namespace stratus::ses {
namespace {

constexpr std::string_view kCs = schema::kConfigSets.name;
constexpr size_t kMaxDestinations = 10;

struct TypeName {
  const char *v1, *v2;
};
constexpr TypeName kTypes[] = {{"send", "SEND"},
                               {"reject", "REJECT"},
                               {"bounce", "BOUNCE"},
                               {"complaint", "COMPLAINT"},
                               {"delivery", "DELIVERY"},
                               {"open", "OPEN"},
                               {"click", "CLICK"},
                               {"renderingFailure", "RENDERING_FAILURE"},
                               {"deliveryDelay", "DELIVERY_DELAY"},
                               {"subscription", "SUBSCRIPTION"}};

std::string to_v1(const std::string& t) {
  for (const auto& x : kTypes)
    if (t == x.v2 || t == x.v1) return x.v1;
  return t;
}
std::string to_v2(const std::string& t) {
  for (const auto& x : kTypes)
    if (t == x.v1) return x.v2;
  return t;
}

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

AwsError missing_set(const std::string& name, Api api) {
  std::string msg = "Configuration set <" + name + "> does not exist.";
  return api == Api::v1 ? errors::configuration_set_does_not_exist(msg) : v2::errors::not_found(msg);
}

Doc must_find(OpContext& ctx, const std::string& name, Api api) {
  auto cs = state(ctx).get(kCs, ctx.account(), ctx.region(), name);
  if (!cs) throw missing_set(name, api);
  return *cs;
}

void create(OpContext& ctx, const std::string& name, Doc extra, Api api) {
  if (!valid_name(name)) {
    std::string msg = "Configuration set name " + name +
                      " is invalid. It must contain only letters, numbers, underscores and dashes, and be at most 64 "
                      "characters long.";
    throw api == Api::v1 ? errors::invalid_configuration_set(msg) : v2::errors::bad_request(msg);
  }
  State& st = state(ctx);
  std::lock_guard lk(st.mu);
  if (st.get(kCs, ctx.account(), ctx.region(), name)) {
    std::string msg = "Configuration set <" + name + "> already exists.";
    throw api == Api::v1 ? errors::configuration_set_already_exists(msg) : v2::errors::already_exists(msg);
  }
  Doc cs = extra.type() == Doc::Type::map ? std::move(extra) : Doc::map();
  cs.set("Name", name);
  cs.set("CreatedMs", ctx.now_ms);
  cs.set("EventDestinations", Doc::list());
  st.put(kCs, ctx.account(), ctx.region(), name, cs);
}

void remove(OpContext& ctx, const std::string& name, Api api) {
  State& st = state(ctx);
  std::lock_guard lk(st.mu);
  must_find(ctx, name, api);
  st.del(kCs, ctx.account(), ctx.region(), name);
}

// The stored destination from a v1 EventDestination or a v2 EventDestinationDefinition.
Doc destination(const std::string& name, const Doc& in, Api api) {
  Doc d = Doc::map();
  d.set("Name", name);
  d.set("Enabled", in.flag("Enabled", api == Api::v2 ? false : false));
  Doc types = Doc::list();
  for (const auto& t : strings_of(in.get("MatchingEventTypes"))) types.push(to_v1(t));
  d.set("Types", std::move(types));
  const Doc* sns = in.get(api == Api::v1 ? "SNSDestination" : "SnsDestination");
  if (sns) {
    std::string arn = sns->str(api == Api::v1 ? "TopicARN" : "TopicArn");
    if (arn.rfind("arn:aws:sns:", 0) != 0) {
      std::string msg = "Invalid SNS topic ARN " + arn + ".";
      throw api == Api::v1 ? errors::invalid_sns_destination(msg) : v2::errors::bad_request(msg);
    }
    d.set("Sns", arn);
  }
  if (const Doc* eb = in.get("EventBridgeDestination")) d.set("EventBridge", eb->str("EventBusArn"));
  if (const Doc* cw = in.get("CloudWatchDestination")) d.set("CloudWatch", *cw);
  if (const Doc* fh = in.get("KinesisFirehoseDestination")) d.set("Firehose", *fh);
  if (const Doc* pp = in.get("PinpointDestination")) d.set("Pinpoint", *pp);
  return d;
}

Doc v1_destination(const Doc& d) {
  Doc o = Doc::map();
  o.set("Name", d.str("Name"));
  o.set("Enabled", d.flag("Enabled"));
  o.set("MatchingEventTypes", d.has("Types") ? *d.get("Types") : Doc::list());
  if (d.has("Sns")) o.set("SNSDestination", answer("TopicARN", d.str("Sns")));
  if (d.has("CloudWatch")) o.set("CloudWatchDestination", *d.get("CloudWatch"));
  if (d.has("Firehose")) o.set("KinesisFirehoseDestination", *d.get("Firehose"));
  return o;
}

Doc v2_destination(const Doc& d) {
  Doc o = Doc::map();
  o.set("Name", d.str("Name"));
  o.set("Enabled", d.flag("Enabled"));
  Doc types = Doc::list();
  for (const auto& t : strings_of(d.get("Types"))) types.push(to_v2(t));
  o.set("MatchingEventTypes", std::move(types));
  if (d.has("Sns")) o.set("SnsDestination", answer("TopicArn", d.str("Sns")));
  if (d.has("EventBridge")) o.set("EventBridgeDestination", answer("EventBusArn", d.str("EventBridge")));
  if (d.has("CloudWatch")) o.set("CloudWatchDestination", *d.get("CloudWatch"));
  if (d.has("Firehose")) o.set("KinesisFirehoseDestination", *d.get("Firehose"));
  if (d.has("Pinpoint")) o.set("PinpointDestination", *d.get("Pinpoint"));
  return o;
}

enum class Change { create, update, remove };

void change_destination(OpContext& ctx, const std::string& set, const std::string& name, const Doc* def, Change how,
                        Api api) {
  State& st = state(ctx);
  std::lock_guard lk(st.mu);
  Doc cs = must_find(ctx, set, api);
  Doc& list = cs["EventDestinations"];
  if (list.type() != Doc::Type::list) list = Doc::list();
  auto& items = list.as_list();
  auto it = std::find_if(items.begin(), items.end(), [&](const Doc& d) { return d.str("Name") == name; });
  if (how == Change::create) {
    if (it != items.end()) {
      std::string msg = "Event destination " + name + " already exists in configuration set " + set + ".";
      throw api == Api::v1 ? errors::event_destination_already_exists(msg) : v2::errors::already_exists(msg);
    }
    if (items.size() >= kMaxDestinations) {
      std::string msg = "Maximum number of event destinations (10) reached for configuration set " + set + ".";
      throw api == Api::v1 ? errors::limit_exceeded(msg) : v2::errors::limit_exceeded(msg);
    }
    items.push_back(destination(name, def ? *def : Doc::map(), api));
  } else {
    if (it == items.end()) {
      std::string msg = "Event destination " + name + " does not exist in configuration set " + set + ".";
      throw api == Api::v1 ? errors::event_destination_does_not_exist(msg) : v2::errors::not_found(msg);
    }
    if (how == Change::remove)
      items.erase(it);
    else
      *it = destination(name, def ? *def : Doc::map(), api);
  }
  st.put(kCs, ctx.account(), ctx.region(), set, cs);
}

}  // namespace

// ---- v1 ----

Doc create_configuration_set(OpContext& ctx, const Doc& in) {
  const Doc* cs = in.get("ConfigurationSet");
  create(ctx, cs ? cs->str("Name") : "", Doc::map(), Api::v1);
  return Doc::map();
}

Doc delete_configuration_set(OpContext& ctx, const Doc& in) {
  remove(ctx, in.str("ConfigurationSetName"), Api::v1);
  return Doc::map();
}

Doc describe_configuration_set(OpContext& ctx, const Doc& in) {
  Doc cs = must_find(ctx, in.str("ConfigurationSetName"), Api::v1);
  Doc out = Doc::map();
  out.set("ConfigurationSet", answer("Name", cs.str("Name")));
  for (const auto& a : strings_of(in.get("ConfigurationSetAttributeNames"))) {
    if (a == "eventDestinations") {
      Doc l = Doc::list();
      for (const auto& d : cs.get("EventDestinations")->as_list()) l.push(v1_destination(d));
      out.set("EventDestinations", std::move(l));
    } else if (a == "reputationOptions") {
      Doc r = Doc::map();
      r.set("SendingEnabled", cs.flag("SendingEnabled", true));
      r.set("ReputationMetricsEnabled", false);
      out.set("ReputationOptions", std::move(r));
    }
  }
  return out;
}

Doc list_configuration_sets(OpContext& ctx, const Doc& in) {
  paging::Style style{"NextToken", "MaxItems", 1000, "NextToken", nullptr};
  return paging::paginate(state(ctx).scan(kCs, ctx.account(), ctx.region()), in, "ConfigurationSets", style,
                          [](const Doc& cs) -> std::optional<Doc> { return answer("Name", cs.str("Name")); });
}

Doc create_configuration_set_event_destination(OpContext& ctx, const Doc& in) {
  const Doc* def = in.get("EventDestination");
  change_destination(ctx, in.str("ConfigurationSetName"), def ? def->str("Name") : "", def, Change::create, Api::v1);
  return Doc::map();
}

Doc update_configuration_set_event_destination(OpContext& ctx, const Doc& in) {
  const Doc* def = in.get("EventDestination");
  change_destination(ctx, in.str("ConfigurationSetName"), def ? def->str("Name") : "", def, Change::update, Api::v1);
  return Doc::map();
}

Doc delete_configuration_set_event_destination(OpContext& ctx, const Doc& in) {
  change_destination(ctx, in.str("ConfigurationSetName"), in.str("EventDestinationName"), nullptr, Change::remove,
                     Api::v1);
  return Doc::map();
}

Doc update_configuration_set_sending_enabled(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::lock_guard lk(st.mu);
  std::string name = in.str("ConfigurationSetName");
  Doc cs = must_find(ctx, name, Api::v1);
  cs.set("SendingEnabled", in.flag("Enabled"));
  st.put(kCs, ctx.account(), ctx.region(), name, cs);
  return Doc::map();
}

// ---- v2 ----

Doc create_configuration_set_v2(OpContext& ctx, const Doc& in) {
  Doc extra = Doc::map();
  for (const char* k : {"TrackingOptions", "DeliveryOptions", "ReputationOptions", "SuppressionOptions", "Tags",
                        "VdmOptions", "ArchivingOptions"})
    if (const Doc* x = in.get(k)) extra.set(k, *x);
  if (const Doc* so = in.get("SendingOptions")) extra.set("SendingEnabled", so->flag("SendingEnabled", true));
  create(ctx, in.str("ConfigurationSetName"), std::move(extra), Api::v2);
  return Doc::map();
}

Doc get_configuration_set_v2(OpContext& ctx, const Doc& in) {
  Doc cs = must_find(ctx, in.str("ConfigurationSetName"), Api::v2);
  Doc out = Doc::map();
  out.set("ConfigurationSetName", cs.str("Name"));
  for (const char* k : {"TrackingOptions", "DeliveryOptions", "SuppressionOptions", "VdmOptions", "ArchivingOptions"})
    if (const Doc* x = cs.get(k)) out.set(k, *x);
  Doc rep = cs.has("ReputationOptions") ? *cs.get("ReputationOptions") : Doc::map();
  if (!rep.has("ReputationMetricsEnabled")) rep.set("ReputationMetricsEnabled", false);
  out.set("ReputationOptions", std::move(rep));
  out.set("SendingOptions", answer("SendingEnabled", cs.flag("SendingEnabled", true)));
  out.set("Tags", cs.has("Tags") ? *cs.get("Tags") : Doc::list());
  return out;
}

Doc list_configuration_sets_v2(OpContext& ctx, const Doc& in) {
  paging::Style style{"NextToken", "PageSize", 1000, "NextToken", nullptr};
  return paging::paginate(state(ctx).scan(kCs, ctx.account(), ctx.region()), in, "ConfigurationSets", style,
                          [](const Doc& cs) -> std::optional<Doc> { return Doc(cs.str("Name")); });
}

Doc delete_configuration_set_v2(OpContext& ctx, const Doc& in) {
  remove(ctx, in.str("ConfigurationSetName"), Api::v2);
  return Doc::map();
}

Doc create_configuration_set_event_destination_v2(OpContext& ctx, const Doc& in) {
  change_destination(ctx, in.str("ConfigurationSetName"), in.str("EventDestinationName"), in.get("EventDestination"),
                     Change::create, Api::v2);
  return Doc::map();
}

Doc get_configuration_set_event_destinations_v2(OpContext& ctx, const Doc& in) {
  Doc cs = must_find(ctx, in.str("ConfigurationSetName"), Api::v2);
  Doc l = Doc::list();
  for (const auto& d : cs.get("EventDestinations")->as_list()) l.push(v2_destination(d));
  return answer("EventDestinations", std::move(l));
}

Doc update_configuration_set_event_destination_v2(OpContext& ctx, const Doc& in) {
  change_destination(ctx, in.str("ConfigurationSetName"), in.str("EventDestinationName"), in.get("EventDestination"),
                     Change::update, Api::v2);
  return Doc::map();
}

Doc delete_configuration_set_event_destination_v2(OpContext& ctx, const Doc& in) {
  change_destination(ctx, in.str("ConfigurationSetName"), in.str("EventDestinationName"), nullptr, Change::remove,
                     Api::v2);
  return Doc::map();
}

Doc put_configuration_set_sending_options_v2(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::lock_guard lk(st.mu);
  std::string name = in.str("ConfigurationSetName");
  Doc cs = must_find(ctx, name, Api::v2);
  cs.set("SendingEnabled", in.flag("SendingEnabled"));
  st.put(kCs, ctx.account(), ctx.region(), name, cs);
  return Doc::map();
}

}  // namespace stratus::ses
