// TagResource, UntagResource, ListTagsForResource (topics only).
#include <algorithm>
#include <mutex>
#include <shared_mutex>

#include "core/lookup.h"
#include "core/tags.h"
#include "services/sns/errors.h"
#include "services/sns/ops.h"
#include "services/sns/ops/common.h"
#include "services/sns/state.h"

namespace stratus::sns {
namespace {

std::shared_ptr<Topic> tagged(const OpContext& ctx, const Store& store, const Doc& in) {  // REQUIRES(store.mutex())
  std::string arn = in.str("ResourceArn");
  return found_or(in_caller_region(ctx, arn) ? store.topic(arn) : nullptr,
                  [] { return errors::resource_not_found("Resource does not exist"); });
}

}  // namespace

// Changes the topic's tags under the store's lock, then saves it.
template <typename Change>
Doc change_tags(OpContext& ctx, const Doc& in, const Change& change) {
  Store& store = state(ctx).store;
  std::unique_lock lk(store.mutex());
  auto t = tagged(ctx, store, in);
  change(t->tags);
  store.save(*t);
  return Doc::map();
}

Doc tag_resource(OpContext& ctx, const Doc& in) {
  return change_tags(ctx, in, [&](tags::Pairs& topic_tags) {
    auto merged = topic_tags;
    tags::merge_pairs(merged, in.get("Tags"));
    if (merged.size() > 50)
      throw errors::tag_limit_exceeded("Could not complete request: tag quota of per resource exceeded");
    topic_tags = std::move(merged);
  });
}

Doc untag_resource(OpContext& ctx, const Doc& in) {
  return change_tags(ctx, in, [&](tags::Pairs& topic_tags) { tags::remove_pairs(topic_tags, in.get("TagKeys")); });
}

Doc list_tags_for_resource(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::shared_lock lk(store.mutex());
  auto t = tagged(ctx, store, in);
  return answer("Tags", tags::to_list(t->tags));
}

}  // namespace stratus::sns
