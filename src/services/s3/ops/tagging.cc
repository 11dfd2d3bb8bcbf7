// Object tagging: Get/Put/DeleteObjectTagging (a version's tag set, rewritten in place).
#include "services/s3/notify.h"
#include "services/s3/ops.h"
#include "services/s3/ops/common.h"

namespace stratus::s3 {
namespace {

std::optional<std::string> version_of(const Doc& in) {
  if (const Doc* v = in.get("VersionId"); v && v->is_string()) {
    check_version_id(v->as_string());
    return v->as_string();
  }
  return std::nullopt;
}

}  // namespace

Doc get_object_tagging(OpContext& ctx, const Doc& in) {
  ObjectVersion v = resolve_version(ctx, in, "GET", "s3:GetObjectTagging");
  Doc set = Doc::list();
  for (const auto& [k, val] : v.tags) {
    Doc t = Doc::map();
    t.set("Key", k);
    t.set("Value", val);
    set.push(std::move(t));
  }
  Doc out = Doc::map();
  out.set("TagSet", std::move(set));
  if (v.version_id != "null") out.set("VersionId", v.version_id);
  return out;
}

namespace {
// Tagging events carry the version's size and ETag; the sequencer is a fresh one.
void tagging_event(OpContext& ctx, const Bucket& b, const char* name, std::string_view key, const ObjectVersion& v) {
  ObjectEvent e = object_event(name, key, v, b);
  e.seq = store(ctx).next_seq(ctx.now_ms);
  notifier(ctx).emit(&ctx, b, e);
}
}  // namespace

Doc put_object_tagging(OpContext& ctx, const Doc& in) {
  std::vector<std::pair<std::string, std::string>> tags;
  if (const Doc* t = in.get("Tagging"); t && t->is_map())
    if (const Doc* set = t->get("TagSet"); set && set->is_list())
      for (const Doc& e : set->as_list()) {
        std::string k = e.str("Key"), v = e.str("Value");
        for (const auto& [have, _] : tags)
          if (have == k) throw s3_error("InvalidTag", "Cannot provide multiple Tags with the same key", 400);
        if (k.empty() || k.size() > 128) throw s3_error("InvalidTag", "The TagKey you have provided is invalid", 400);
        if (v.size() > 256) throw s3_error("InvalidTag", "The TagValue you have provided is invalid", 400);
        tags.emplace_back(std::move(k), std::move(v));
      }
  if (tags.size() > 10) throw s3_error("BadRequest", "Object tags cannot be greater than 10", 400);
  Bucket b = bucket_for(ctx, in.str("Bucket"),
                        in.has("VersionId") ? "s3:PutObjectVersionTagging" : "s3:PutObjectTagging", in.str("Key"));
  check_key(in.str("Key"));
  ObjectVersion v = store(ctx).update_version(in.str("Bucket"), in.str("Key"), version_of(in), [&](ObjectVersion& ov) {
    if (ov.delete_marker) throw method_not_allowed("PUT");
    ov.tags = tags;
  });
  tagging_event(ctx, b, "ObjectTagging:Put", in.str("Key"), v);
  Doc out = Doc::map();
  if (v.version_id != "null") out.set("VersionId", v.version_id);
  return out;
}

Doc delete_object_tagging(OpContext& ctx, const Doc& in) {
  Bucket b =
      bucket_for(ctx, in.str("Bucket"),
                 in.has("VersionId") ? "s3:DeleteObjectVersionTagging" : "s3:DeleteObjectTagging", in.str("Key"));
  check_key(in.str("Key"));
  ObjectVersion v = store(ctx).update_version(in.str("Bucket"), in.str("Key"), version_of(in), [&](ObjectVersion& ov) {
    if (ov.delete_marker) throw method_not_allowed("DELETE");
    ov.tags.clear();
  });
  tagging_event(ctx, b, "ObjectTagging:Delete", in.str("Key"), v);
  Doc out = Doc::map();
  if (v.version_id != "null") out.set("VersionId", v.version_id);
  return out;
}

}  // namespace stratus::s3
