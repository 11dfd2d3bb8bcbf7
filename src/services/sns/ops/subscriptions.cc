// Subscribe, ConfirmSubscription, Unsubscribe, ListSubscriptions(ByTopic),
// Get/SetSubscriptionAttributes.
#include <map>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "core/arn.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "services/sns/delivery.h"
#include "services/sns/errors.h"
#include "services/sns/ops.h"
#include "services/sns/ops/common.h"
#include "services/sns/state.h"

namespace stratus::sns {
namespace {

Doc sub_doc(const Sub& s) {
  Doc d = Doc::map();
  d.set("SubscriptionArn", s.confirmed ? s.arn : "PendingConfirmation");
  d.set("Owner", s.owner);
  d.set("Protocol", s.protocol);
  d.set("Endpoint", s.endpoint);
  d.set("TopicArn", s.topic_arn);
  return d;
}

// REQUIRES(store.mutex())
std::shared_ptr<const Sub> sub_for(const OpContext& ctx, const Store& store, const Doc& in) {
  std::string arn = in.str("SubscriptionArn");
  auto parsed = Arn::parse(arn);
  if (!parsed || parsed->service != "sns") throw invalid_parameter("SubscriptionArn");
  auto s = parsed->region == ctx.region() ? store.sub(arn) : nullptr;
  if (!s) throw errors::not_found("Subscription does not exist");
  return s;
}

// The subscriptions of a topic that have a filter policy. REQUIRES(store.mutex())
size_t filter_policies(const Store& store, const Topic& t) {
  size_t n = 0;
  for (const auto& arn : t.subs)
    if (auto s = store.sub(arn); s && s->attributes.count("FilterPolicy")) ++n;
  return n;
}

}  // namespace

Doc subscribe(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  Store& store = st.store;
  std::string protocol = in.str("Protocol");
  std::string endpoint = in.str("Endpoint");
  std::map<std::string, std::string> attrs;
  if (const Doc* a = in.get("Attributes"); a && a->is_map())
    for (const auto& [k, v] : a->as_map()) attrs[k] = v.is_string() ? v.as_string() : "";
  std::shared_ptr<Sub> created;
  bool return_arn = in.flag("ReturnSubscriptionArn");
  Doc out = Doc::map();
  {
    std::unique_lock lk(store.mutex());
    auto t = topic_for(ctx, store, in);
    check_endpoint(protocol, endpoint, t->fifo);
    for (auto& [k, v] : attrs) v = check_sub_attribute(k, v, protocol);
    for (const auto& arn : t->subs) {
      auto existing = store.sub(arn);
      if (!existing) continue;
      const Sub& sub = *existing;
      if (sub.protocol == protocol && sub.endpoint == endpoint) {
        for (const auto& [k, v] : attrs) {
          auto cur = sub.attributes.find(k);
          if (cur == sub.attributes.end() || cur->second != v)
            throw invalid_parameter("Attributes Reason: Subscription already exists with different attributes");
        }
        out.set("SubscriptionArn", sub.confirmed || return_arn ? sub.arn : "pending confirmation");
        return out;
      }
    }
    // FIFO topics take 100 subscriptions; a topic takes 200 filter policies.
    if (t->fifo && t->subs.size() >= 100) throw errors::subscription_limit_exceeded("Subscription limit exceeded");
    if (attrs.count("FilterPolicy") && !attrs["FilterPolicy"].empty() && filter_policies(store, *t) >= 200)
      throw errors::filter_policy_limit_exceeded("Filter policy limit exceeded");
    auto s = std::make_shared<Sub>();
    s->arn = t->arn + ":" + ids::uuid4();
    s->topic_arn = t->arn;
    s->protocol = protocol;
    s->endpoint = endpoint;
    s->owner = ctx.account();
    for (const auto& [k, v] : attrs)
      if (!v.empty()) s->attributes[k] = v;
    if (auto f = s->attributes.find("FilterPolicy"); f != s->attributes.end())
      s->filter = parse_filter_policy(f->second, nullptr);
    // Same-account queues, functions and SMS need no confirmation; people and web hooks do.
    s->confirmed = !(protocol == "http" || protocol == "https" || protocol == "email" || protocol == "email-json");
    if (!s->confirmed) s->token = enc::hex(ids::random_base64(96)).substr(0, 256);
    store.add(*t, s);
    created = s;
  }
  if (!created->confirmed) send_confirmation(st, *created, host_of(ctx));
  out.set("SubscriptionArn", created->confirmed || return_arn ? created->arn : "pending confirmation");
  return out;
}

Doc confirm_subscription(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::string token = in.str("Token");
  std::unique_lock lk(store.mutex());
  auto t = topic_for(ctx, store, in);
  for (const auto& arn : t->subs) {
    auto s = store.sub(arn);
    if (!s || s->token != token || token.empty()) continue;
    // Subscriptions are copy-on-write: deliveries read them without the lock.
    auto copy = std::make_shared<Sub>(*s);
    copy->confirmed = true;
    store.replace(copy);
    return answer("SubscriptionArn", arn);
  }
  throw invalid_parameter("Token");
}

Doc unsubscribe(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::string arn = in.str("SubscriptionArn");
  auto parsed = Arn::parse(arn);
  if (!parsed || parsed->service != "sns") throw invalid_parameter("SubscriptionArn");
  std::unique_lock lk(store.mutex());
  if (parsed->region != ctx.region() || !store.erase_sub(arn)) throw errors::not_found("Subscription does not exist");
  return Doc::map();
}

Doc list_subscriptions(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::vector<Doc> all;
  {
    std::shared_lock lk(store.mutex());
    for (const auto& [arn, t] : store.topics()) {
      if (t->account != ctx.account() || t->region != ctx.region()) continue;
      for (const auto& s : t->subs)
        if (auto sub = store.sub(s)) all.push_back(sub_doc(*sub));
    }
  }
  return page(all.size(), in, 100, "Subscriptions", [&](size_t i) { return all[i]; });
}

Doc list_subscriptions_by_topic(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::vector<Doc> all;
  {
    std::shared_lock lk(store.mutex());
    auto t = topic_for(ctx, store, in);
    for (const auto& s : t->subs)
      if (auto sub = store.sub(s)) all.push_back(sub_doc(*sub));
  }
  return page(all.size(), in, 100, "Subscriptions", [&](size_t i) { return all[i]; });
}

Doc get_subscription_attributes(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::shared_lock lk(store.mutex());
  auto s = sub_for(ctx, store, in);
  const Sub& sub = *s;
  Doc a = Doc::map();
  a.set("SubscriptionArn", sub.arn);
  a.set("TopicArn", sub.topic_arn);
  a.set("Owner", sub.owner);
  a.set("Protocol", sub.protocol);
  a.set("Endpoint", sub.endpoint);
  a.set("ConfirmationWasAuthenticated", sub.confirmed ? "true" : "false");
  a.set("PendingConfirmation", sub.confirmed ? "false" : "true");
  a.set("RawMessageDelivery", "false");
  if (sub.protocol == "http" || sub.protocol == "https") a.set("EffectiveDeliveryPolicy", kDefaultDeliveryPolicy);
  for (const auto& [k, v] : sub.attributes) a.set(k, v);
  if (sub.attributes.count("FilterPolicy") && !sub.attributes.count("FilterPolicyScope"))
    a.set("FilterPolicyScope", "MessageAttributes");
  return answer("Attributes", std::move(a));
}

Doc set_subscription_attributes(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  auto [name, value] = attribute_change(in);
  std::unique_lock lk(store.mutex());
  auto s = sub_for(ctx, store, in);
  value = check_sub_attribute(name, value, s->protocol);
  if (name == "FilterPolicy" && !value.empty() && !s->attributes.count("FilterPolicy")) {
    auto t = store.topic(s->topic_arn);
    if (t && filter_policies(store, *t) >= 200)
      throw errors::filter_policy_limit_exceeded("Filter policy limit exceeded");
  }
  auto copy = std::make_shared<Sub>(*s);  // copy-on-write: deliveries read without the lock
  Sub& sub = *copy;
  if (value.empty() && name != "RawMessageDelivery") sub.attributes.erase(name);
  else sub.attributes[name] = value;
  if (name == "FilterPolicy") {
    sub.filter.reset();
    if (!value.empty()) sub.filter = parse_filter_policy(value, nullptr);
  }
  store.replace(copy);
  return Doc::map();
}

}  // namespace stratus::sns
