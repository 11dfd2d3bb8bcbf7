#include "services/s3/ops/common.h"

#include <cctype>

#include "core/encoding.h"

namespace stratus::s3 {

void check_key(std::string_view key) {
  if (key.size() > 1024)
    throw s3_error("KeyTooLongError", "Your key is too long", 400,
                   {{"MaxSizeAllowed", "1024"}, {"Size", std::to_string(key.size())}});
  if (key.empty()) throw invalid_argument("Key must not be empty", "key", "");
  if (key.find('\0') != std::string_view::npos)
    throw invalid_argument("Object key contains a NUL character", "key", "");
}

std::string quoted(std::string_view etag) {
  return "\"" + std::string(etag) + "\"";
}

std::string unquoted(std::string_view etag) {
  while (!etag.empty() && etag.front() == ' ') etag.remove_prefix(1);
  while (!etag.empty() && etag.back() == ' ') etag.remove_suffix(1);
  if (etag.substr(0, 2) == "W/") etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

namespace {

// An If-Match / If-None-Match list: "*" or comma-separated ETags.
bool etag_matches(std::string_view header, std::string_view etag) {
  size_t at = 0;
  while (at <= header.size()) {
    size_t comma = header.find(',', at);
    std::string item =
        unquoted(header.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at));
    if (item == "*" || item == etag) return true;
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return false;
}

std::optional<int64_t> time_of(const Doc* d) {
  if (!d) return std::nullopt;
  if (d->is_timestamp()) return d->as_timestamp().millis;
  if (d->is_string()) return enc::parse_timestamp(d->as_string());
  return std::nullopt;
}

}  // namespace

void check_read_conditions(const Doc& in, const ObjectVersion& v, std::string_view prefix) {
  bool copy = !prefix.empty();  // copy-source conditions: every failure is 412
  auto name = [&](const char* n) { return std::string(prefix) + n; };
  const Doc* if_match = in.get(name("IfMatch"));
  const Doc* if_none = in.get(name("IfNoneMatch"));
  auto ims = time_of(in.get(name("IfModifiedSince")));
  auto ius = time_of(in.get(name("IfUnmodifiedSince")));
  int64_t mtime_s = v.last_modified_ms / 1000;
  bool match_ok = false;
  if (if_match && if_match->is_string()) {
    if (!etag_matches(if_match->as_string(), v.etag)) throw precondition_failed("If-Match");
    match_ok = true;
  }
  if (!match_ok && ius && mtime_s > *ius / 1000) throw precondition_failed("If-Unmodified-Since");
  bool none_given = if_none && if_none->is_string();
  if (none_given && etag_matches(if_none->as_string(), v.etag)) {
    if (copy) throw precondition_failed("If-None-Match");
    throw s3_error("NotModified", "Not Modified", 304);
  }
  if (!none_given && ims && mtime_s <= *ims / 1000 && *ims <= v.last_modified_ms + 86400000LL * 365 * 100) {
    if (copy) throw precondition_failed("If-Modified-Since");
    throw s3_error("NotModified", "Not Modified", 304);
  }
}

void describe_version(Doc& out, const ObjectVersion& v, bool checksum) {
  out.set("AcceptRanges", "bytes");
  out.set("ETag", quoted(v.etag));
  out.set("LastModified", Timestamp{v.last_modified_ms / 1000 * 1000});
  out.set("ContentType", v.content_type.empty() ? std::string("binary/octet-stream") : v.content_type);
  if (!v.content_encoding.empty()) out.set("ContentEncoding", v.content_encoding);
  if (!v.content_disposition.empty()) out.set("ContentDisposition", v.content_disposition);
  if (!v.content_language.empty()) out.set("ContentLanguage", v.content_language);
  if (!v.cache_control.empty()) out.set("CacheControl", v.cache_control);
  if (!v.expires.empty()) {
    if (auto t = enc::parse_timestamp(v.expires)) out.set("Expires", Timestamp{*t});
  }
  if (!v.website_redirect.empty()) out.set("WebsiteRedirectLocation", v.website_redirect);
  if (!v.metadata.empty()) {
    Doc m = Doc::map();
    for (const auto& [k, val] : v.metadata) m.set(k, val);
    out.set("Metadata", std::move(m));
  }
  if (v.storage_class != "STANDARD") out.set("StorageClass", v.storage_class);
  if (v.version_id != "null") out.set("VersionId", v.version_id);
  if (!v.tags.empty()) out.set("TagCount", static_cast<int64_t>(v.tags.size()));
  if (!v.restore.empty()) out.set("Restore", v.restore);
  if (checksum && !v.checksum_algorithm.empty()) {
    out.set("Checksum" + v.checksum_algorithm, v.checksum_value);
    out.set("ChecksumType", v.checksum_type.empty() ? std::string("FULL_OBJECT") : v.checksum_type);
  }
  // Members other parts of S3 keep for the answer (encryption, object lock): "headers" in extra.
  if (const Doc* h = v.extra.get("headers"); h && h->is_map())
    for (const auto& [k, val] : h->as_map()) out.set(k, val);
}

void check_version_id(std::string_view vid) {
  if (vid == "null") return;
  bool ok = vid.size() == 32;
  for (char c : vid) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_');
  if (!ok) throw invalid_argument("Invalid version id specified", "versionId", vid);
}

std::string versioned_action(std::string_view action) {
  if (action == "s3:GetObject") return "s3:GetObjectVersion";
  if (action == "s3:GetObjectTagging") return "s3:GetObjectVersionTagging";
  if (action == "s3:GetObjectAttributes") return "s3:GetObjectVersionAttributes";
  if (action == "s3:DeleteObject") return "s3:DeleteObjectVersion";
  return std::string(action);
}

Bucket bucket_for(OpContext& ctx, std::string_view name, std::string_view action, std::string_view key) {
  Store& st = store(ctx);
  Bucket b = st.require_bucket(name);
  st.authorize(ctx, b, action, key);
  return b;
}

ObjectVersion resolve_version(OpContext& ctx, const Doc& in, std::string_view method, std::string_view action,
                              Bucket* bucket_out) {
  Store& st = store(ctx);
  std::string bucket = in.str("Bucket"), key = in.str("Key");
  Bucket b = bucket_for(ctx, bucket, in.has("VersionId") ? versioned_action(action) : std::string(action), key);
  if (bucket_out) *bucket_out = b;
  check_key(key);
  if (const Doc* vid = in.get("VersionId"); vid && vid->is_string()) {
    check_version_id(vid->as_string());
    auto v = st.version(bucket, key, vid->as_string());
    if (!v) {
      if (vid->as_string() == "null" && !st.current(bucket, key)) throw no_such_key(key);
      throw no_such_version(key, vid->as_string());
    }
    if (v->delete_marker) {
      ctx.transport.reply.headers.insert(ctx.transport.reply.headers.end(),
                                         {{"x-amz-delete-marker", "true"}, {"x-amz-version-id", v->version_id}});
      throw method_not_allowed(method);
    }
    return *v;
  }
  auto v = st.current(bucket, key);
  if (v && v->delete_marker) {
    ctx.transport.reply.headers.insert(ctx.transport.reply.headers.end(),
                                       {{"x-amz-delete-marker", "true"}, {"x-amz-version-id", v->version_id}});
    throw no_such_key(key);
  }
  if (!v) throw no_such_key(key);
  return *v;
}

Doc owner_doc(std::string_view account) {
  Doc o = Doc::map();
  o.set("DisplayName", display_name(account));
  o.set("ID", canonical_user_id(account));
  return o;
}

}  // namespace stratus::s3
