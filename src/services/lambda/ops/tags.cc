#include "core/tags.h"
#include "services/lambda/ops.h"

#include "services/lambda/state.h"

namespace stratus::lambda::ops {

// ---- tags ----

static std::string tag_target(OpContext& ctx, const std::string& arn) {
  Doc d = Doc::map();
  d.set("FunctionName", arn);
  FnRef r = parse_ref(d);
  if (!r.qualifier.empty())
    throw errors::invalid_parameter_value("Tags are not supported on function versions or aliases: " + arn);
  return r.name;
}

Doc tag_resource(OpContext& ctx, const Doc& in) {
  std::string name = tag_target(ctx, in.str("Resource"));
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, name);
  tags::merge_map(rec["tags"], in.get("Tags"));
  state(ctx).save(ctx, name, rec);
  return Doc::map();
}

Doc untag_resource(OpContext& ctx, const Doc& in) {
  std::string name = tag_target(ctx, in.str("Resource"));
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, name);
  if (Doc* tags = rec.get("tags")) tags::remove_from_map(*tags, in.get("TagKeys"));
  state(ctx).save(ctx, name, rec);
  return Doc::map();
}

Doc list_tags(OpContext& ctx, const Doc& in) {
  std::string name = tag_target(ctx, in.str("Resource"));
  Doc rec = state(ctx).must_load(ctx, name);
  return answer("Tags", rec.get("tags") ? *rec.get("tags") : Doc::map());
}

}  // namespace stratus::lambda::ops
