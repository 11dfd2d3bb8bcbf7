// TagResource, UntagResource, ListTagsForResource (topics only).
#include <algorithm>
#include <mutex>
#include <shared_mutex>

#include "services/sns/errors.h"
#include "services/sns/ops.h"
#include "services/sns/ops/common.h"
#include "services/sns/state.h"

namespace stratus::sns {
namespace {

std::shared_ptr<Topic> tagged(const OpContext& ctx, const Store& store, const Doc& in) {  // REQUIRES(store.mutex())
  std::string arn = in.str("ResourceArn");
  auto t = in_caller_region(ctx, arn) ? store.topic(arn) : nullptr;
  if (!t) throw errors::resource_not_found("Resource does not exist");
  return t;
}

}  // namespace

Doc tag_resource(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::unique_lock lk(store.mutex());
  auto t = tagged(ctx, store, in);
  auto tags = t->tags;
  if (const Doc* l = in.get("Tags"); l && l->is_list()) {
    for (const auto& e : l->as_list()) {
      std::string k = e.str("Key"), v = e.str("Value");
      auto it = std::find_if(tags.begin(), tags.end(), [&](const auto& p) { return p.first == k; });
      if (it != tags.end()) it->second = v;
      else tags.emplace_back(k, v);
    }
  }
  if (tags.size() > 50) throw errors::tag_limit_exceeded("Could not complete request: tag quota of per resource exceeded");
  t->tags = std::move(tags);
  store.save(*t);
  return Doc::map();
}

Doc untag_resource(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::unique_lock lk(store.mutex());
  auto t = tagged(ctx, store, in);
  if (const Doc* l = in.get("TagKeys"); l && l->is_list()) {
    for (const auto& k : l->as_list()) {
      auto& tags = t->tags;
      tags.erase(std::remove_if(tags.begin(), tags.end(), [&](const auto& p) { return p.first == k.as_string(); }),
                 tags.end());
    }
  }
  store.save(*t);
  return Doc::map();
}

Doc list_tags_for_resource(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::shared_lock lk(store.mutex());
  auto t = tagged(ctx, store, in);
  Doc l = Doc::list();
  for (const auto& [k, v] : t->tags) {
    Doc e = Doc::map();
    e.set("Key", k);
    e.set("Value", v);
    l.push(std::move(e));
  }
  Doc out = Doc::map();
  out.set("Tags", std::move(l));
  return out;
}

}  // namespace stratus::sns
