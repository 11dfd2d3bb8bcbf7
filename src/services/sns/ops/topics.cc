// CreateTopic, DeleteTopic, ListTopics, Get/SetTopicAttributes.
#include <map>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "core/arn.h"
#include "core/json.h"
#include "services/sns/errors.h"
#include "services/sns/ops.h"
#include "services/sns/ops/common.h"
#include "services/sns/state.h"
#include "storage/written.h"

namespace stratus::sns {

Doc create_topic(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::string name = in.str("Name");
  std::map<std::string, std::string> attrs;
  if (const Doc* a = in.get("Attributes"); a && a->is_map())
    for (const auto& [k, v] : a->as_map()) attrs[k] = v.is_string() ? v.as_string() : "";
  bool fifo = false;
  if (auto f = attrs.find("FifoTopic"); f != attrs.end())
    fifo = check_topic_attribute("FifoTopic", f->second, false) == "true";
  bool fifo_name = name.size() > 5 && name.substr(name.size() - 5) == ".fifo";
  if (!valid_topic_name(name, fifo) || fifo != fifo_name) {
    if (fifo_name && !fifo) throw invalid_parameter("Topic Name");
    throw invalid_parameter(fifo ? "Fifo Topic names must end with .fifo and must be made up of only uppercase and "
                          "lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and "
                          "256 characters long."
                        : "Topic Name");
  }
  for (auto& [k, v] : attrs) {
    if (!settable_topic_attribute(k)) throw invalid_parameter("Attributes Reason: Unknown attribute " + k);
    v = check_topic_attribute(k, v, fifo);
  }
  if (in.has("DataProtectionPolicy")) {
    check_data_protection_policy(in.str("DataProtectionPolicy"));
    attrs["DataProtectionPolicy"] = in.str("DataProtectionPolicy");
  }
  std::vector<std::pair<std::string, std::string>> tags;
  if (const Doc* t = in.get("Tags"); t && t->is_list())
    for (const auto& e : t->as_list()) tags.emplace_back(e.str("Key"), e.str("Value"));
  std::string arn = Arn::make("sns", ctx.region(), ctx.account(), name);
  std::unique_lock lk(store.mutex());
  if (auto t = store.topic(arn)) {
    for (const auto& [k, v] : attrs) {
      if (k == "FifoTopic") continue;
      auto cur = t->attributes.find(k);
      if (cur == t->attributes.end() || cur->second != v)
        throw invalid_parameter("Attributes Reason: Topic already exists with different attributes");
    }
    if (!tags.empty() && tags != t->tags) throw invalid_parameter("Tags Reason: Topic already exists with different tags");
  } else {
    // 100,000 standard and 1,000 FIFO topics per account and region.
    if (store.topic_count(ctx.account(), ctx.region(), fifo) >= (fifo ? 1000u : 100000u))
      throw errors::topic_limit_exceeded("Topic limit exceeded");
    if (tags.size() > 50)
      throw errors::tag_limit_exceeded("Could not complete request: tag quota of per resource exceeded");
    auto nt = std::make_shared<Topic>();
    nt->arn = arn;
    nt->account = ctx.account();
    nt->region = ctx.region();
    nt->name = name;
    nt->fifo = fifo;
    nt->attributes = attrs;
    nt->attributes.erase("FifoTopic");
    nt->tags = std::move(tags);
    store.add(nt);
  }
  return answer("TopicArn", arn);
}

Doc delete_topic(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::string arn = in.str("TopicArn");
  if (!Arn::parse(arn)) throw invalid_parameter("TopicArn");
  std::unique_lock lk(store.mutex());
  auto t = store.topic(arn);
  if (!t) return Doc::map();  // deleting a missing topic succeeds, as on AWS
  storage::written(store.erase(*t));
  return Doc::map();
}

Doc list_topics(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::vector<std::string> arns;
  {
    std::shared_lock lk(store.mutex());
    for (const auto& [arn, t] : store.topics())
      if (t->account == ctx.account() && t->region == ctx.region()) arns.push_back(arn);
  }
  return page(arns.size(), in, 100, "Topics", [&](size_t i) {
    Doc d = Doc::map();
    d.set("TopicArn", arns[i]);
    return d;
  });
}

Doc get_topic_attributes(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::shared_lock lk(store.mutex());
  auto t = topic_for(ctx, store, in);
  const Topic& tp = *t;
  Doc a = Doc::map();
  a.set("TopicArn", tp.arn);
  a.set("Owner", tp.account);
  a.set("Policy", default_policy(tp));
  a.set("DisplayName", "");
  a.set("EffectiveDeliveryPolicy", kDefaultDeliveryPolicy);
  int64_t confirmed = 0, pending = 0;
  for (const auto& arn : tp.subs) {
    auto s = store.sub(arn);
    if (!s) continue;
    (s->confirmed ? confirmed : pending)++;
  }
  a.set("SubscriptionsConfirmed", std::to_string(confirmed));
  a.set("SubscriptionsPending", std::to_string(pending));
  a.set("SubscriptionsDeleted", std::to_string(tp.deleted_subs));
  if (tp.fifo) {
    a.set("FifoTopic", "true");
    a.set("ContentBasedDeduplication", "false");
    a.set("FifoThroughputScope", "Topic");
  }
  for (const auto& [k, v] : tp.attributes) a.set(k, v);
  if (auto dp = tp.attributes.find("DeliveryPolicy"); dp != tp.attributes.end()) a.set("EffectiveDeliveryPolicy", dp->second);
  return answer("Attributes", std::move(a));
}

Doc set_topic_attributes(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  auto [name, value] = attribute_change(in);
  std::unique_lock lk(store.mutex());
  auto t = topic_for(ctx, store, in);
  if (!settable_topic_attribute(name) || name == "FifoTopic") throw invalid_parameter("AttributeName");
  t->attributes[name] = check_topic_attribute(name, value, t->fifo);
  store.save(*t);
  return Doc::map();
}

}  // namespace stratus::sns
