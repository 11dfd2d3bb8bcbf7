#include <mutex>

#include "core/lookup.h"
#include "core/tags.h"
#include "services/ssm/ops.h"
#include "services/ssm/rules.h"
#include "services/ssm/store.h"

namespace stratus::ssm {
namespace {

// The parameter a tagging request names (ResourceType Parameter, ResourceId its name or ARN).
std::string parameter_id(const Doc& in) {
  if (in.str("ResourceType") != "Parameter") throw errors::invalid_resource_type("Invalid Resource Type");
  return strip_arn(in.str("ResourceId"));
}

template <class F>
Doc with_tags(OpContext& ctx, const Doc& in, F f) {
  std::string name = parameter_id(in);
  std::lock_guard lock(ParamStore::mu());
  ParamStore store(ctx.storage);
  Doc rec = found_or(store.load(ctx.account(), ctx.region(), name),
                     [] { return errors::invalid_resource_id("Invalid Resource Id"); });
  Doc& tags = rec["Tags"];
  if (!tags.is_map()) tags = Doc::map();
  f(tags);
  int64_t expiry = ParamStore::expiration_of(rec);
  store.save(ctx.account(), ctx.region(), rec, expiry, expiry, ParamStore::tier_of(rec));
  return Doc::map();
}

}  // namespace

Doc add_tags_to_resource(OpContext& ctx, const Doc& in) {
  return with_tags(ctx, in, [&](Doc& tags) {
    Doc merged = tags;
    for (const Doc& t : in.get("Tags")->as_list()) merged.set(t.str("Key"), t.str("Value"));
    if (merged.size() > kMaxTags)
      throw errors::too_many_tags_error(
          "The Tags parameter contains too many tags. The maximum number of tags for a "
          "resource is 50.");
    tags = std::move(merged);
  });
}

Doc remove_tags_from_resource(OpContext& ctx, const Doc& in) {
  return with_tags(ctx, in, [&](Doc& tags) {
    for (const Doc& k : in.get("TagKeys")->as_list()) tags.as_map().erase(k.as_string());
  });
}

Doc list_tags_for_resource(OpContext& ctx, const Doc& in) {
  std::string name = parameter_id(in);
  std::optional<Doc> rec = ParamStore(ctx.storage).load(ctx.account(), ctx.region(), name);
  if (!rec) throw errors::invalid_resource_id("Invalid Resource Id");
  const Doc* tags = rec->get("Tags");
  return answer("TagList", tags && tags->is_map() ? tags::to_list(tags->as_map()) : Doc::list());
}

}  // namespace stratus::ssm
