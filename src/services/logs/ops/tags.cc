#include "core/tags.h"
#include "services/logs/ops.h"

#include "services/logs/store.h"

namespace stratus::logs {

static std::string arn_group(const std::string& arn) {
  Doc d = Doc::map();
  d.set("logGroupIdentifier", arn);
  return group_name(d);
}

static Doc tag_group(OpContext& ctx, const std::string& name, const Doc& tags) {
  return with_group(ctx, name, [&](Doc& g) {
    tags::merge_map(g["tags"], &tags);
    return Doc::map();
  });
}

static Doc untag_group(OpContext& ctx, const std::string& name, const Doc& keys) {
  return with_group(ctx, name, [&](Doc& g) {
    if (Doc* t = g.get("tags")) tags::remove_from_map(*t, &keys);
    return Doc::map();
  });
}

static Doc list_tags(OpContext& ctx, const std::string& name) {
  return with_group(ctx, name, [&](Doc& g) {
    Doc out = Doc::map();
    const Doc* t = g.get("tags");
    out.set("tags", t ? *t : Doc::map());
    return out;
  });
}

// The legacy operations name the group; the newer ones take its ARN.
Doc tag_log_group(OpContext& ctx, const Doc& in) { return tag_group(ctx, in.str("logGroupName"), *in.get("tags")); }

Doc untag_log_group(OpContext& ctx, const Doc& in) {
  return untag_group(ctx, in.str("logGroupName"), *in.get("tags"));
}

Doc list_tags_log_group(OpContext& ctx, const Doc& in) { return list_tags(ctx, in.str("logGroupName")); }

Doc tag_resource(OpContext& ctx, const Doc& in) {
  return tag_group(ctx, arn_group(in.str("resourceArn")), *in.get("tags"));
}

Doc untag_resource(OpContext& ctx, const Doc& in) {
  return untag_group(ctx, arn_group(in.str("resourceArn")), *in.get("tagKeys"));
}

Doc list_tags_for_resource(OpContext& ctx, const Doc& in) {
  return list_tags(ctx, arn_group(in.str("resourceArn")));
}

}  // namespace stratus::logs
