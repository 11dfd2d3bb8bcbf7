// Objects: put (digests, checksums, conditional writes), get/head (ranges, conditions,
// response-* overrides, file-backed bodies), delete, delete many, copy, restore, attributes.
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "auth/checksum.h"
#include "core/encoding.h"
#include "http/message.h"
#include "services/s3/access.h"
#include "services/s3/notify.h"
#include "services/s3/ops.h"
#include "services/s3/ops/common.h"
#include "services/s3/range.h"

namespace stratus::s3 {
namespace {

constexpr std::array<std::string_view, 5> kAlgorithms = {"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"};

size_t digest_size(std::string_view alg) {
  if (alg == "CRC32" || alg == "CRC32C") return 4;
  if (alg == "CRC64NVME") return 8;
  if (alg == "SHA1") return 20;
  return 32;
}

}  // namespace

// Shared with multipart uploads and POST uploads (declared in ops/common.h) down to put_checksum_out.

Digests digest(const std::string* bytes, const http::BodyFile* file, std::string_view algorithm) {
  std::string alg = enc::ascii_lower(algorithm);
  Digests out;
  // The spool digested the body as it arrived (S3Service::plan_streaming_body): what it has is
  // not computed again.
  bool need_md5 = !(file && !file->md5_raw.empty());
  bool need_ck = !alg.empty() && !(file && file->checksum_algorithm == alg && !file->checksum_b64.empty());
  if (!need_md5) out.md5_raw = file->md5_raw;
  if (!alg.empty() && !need_ck) out.checksum_b64 = file->checksum_b64;
  if (!need_md5 && !need_ck) return out;
  struct FreeCtx {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, FreeCtx> ctx(EVP_MD_CTX_new());
  EVP_MD_CTX* md = ctx.get();
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  if (need_md5) EVP_DigestInit_ex(md, md5 ? md5 : EVP_md5(), nullptr);
  auto ck = need_ck ? auth::Checksum::make(alg) : nullptr;
  auto feed = [&](std::string_view piece) {
    if (need_md5) EVP_DigestUpdate(md, piece.data(), piece.size());
    if (ck) ck->update(piece);
  };
  if (file) {
    constexpr size_t kSlice = 256 << 10;
    std::string buf(static_cast<size_t>(std::min<uint64_t>(kSlice, file->size)), '\0');
    for (uint64_t off = 0; off < file->size;) {
      ssize_t n = ::pread(file->fd, buf.data(), static_cast<size_t>(std::min<uint64_t>(kSlice, file->size - off)),
                          static_cast<off_t>(off));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw internal_error();
      feed(std::string_view(buf.data(), static_cast<size_t>(n)));
      off += static_cast<uint64_t>(n);
    }
  } else if (bytes) {
    feed(*bytes);
  }
  if (need_md5) {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(md, d, &n);
    out.md5_raw.assign(reinterpret_cast<const char*>(d), n);
  }
  if (ck) out.checksum_b64 = ck->base64();
  return out;
}

DeclaredChecksum declared_checksum(const Doc& in) {
  DeclaredChecksum out;
  int given = 0;
  for (std::string_view alg : kAlgorithms) {
    const Doc* v = in.get("Checksum" + std::string(alg));
    if (!v || !v->is_string()) continue;
    ++given;
    out.algorithm = std::string(alg);
    out.value = v->as_string();
    auto raw = enc::base64_decode(out.value);
    if (!raw || raw->size() != digest_size(alg))
      throw invalid_request("Value for x-amz-checksum-" + enc::ascii_lower(alg) + " header is invalid.");
  }
  if (given > 1)
    throw invalid_request("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
  std::string sdk = in.str("ChecksumAlgorithm");
  if (given == 0 && !sdk.empty()) {
    if (std::find(kAlgorithms.begin(), kAlgorithms.end(), sdk) == kAlgorithms.end())
      throw invalid_request(
          "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, "
          "CRC64NVME, SHA1, SHA256]");
    throw invalid_request(
        "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were "
        "found.");
  }
  if (given == 1 && !sdk.empty() && sdk != out.algorithm)
    throw invalid_request("Value for x-amz-sdk-checksum-algorithm header is invalid.");
  if (given == 0) out.algorithm = "CRC64NVME";  // S3 stores a CRC64NVME for every new object
  return out;
}

std::string storage_class(const std::string& s) {
  static constexpr std::string_view kClasses[] = {
      "STANDARD",     "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
      "DEEP_ARCHIVE", "GLACIER_IR",         "OUTPOSTS",    "SNOW",       "EXPRESS_ONEZONE",     "FSX_OPENZFS"};
  if (std::find(std::begin(kClasses), std::end(kClasses), s) == std::end(kClasses))
    throw s3_error("InvalidStorageClass", "The storage class you specified is not valid", 400,
                   {{"StorageClassRequested", s}});
  return s;
}

bool archived(const ObjectVersion& v) {
  return (v.storage_class == "GLACIER" || v.storage_class == "DEEP_ARCHIVE") &&
         v.restore.find("ongoing-request=\"false\"") == std::string::npos;
}

void check_readable(const ObjectVersion& v) {
  if (archived(v))
    throw s3_error("InvalidObjectState", "The operation is not valid for the object's storage class", 403,
                   {{"StorageClass", v.storage_class}});
}

std::vector<std::pair<std::string, std::string>> parse_tagging(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> tags;
  for (auto& [k, v] : http::parse_query(text)) {
    if (k.empty()) continue;
    for (const auto& t : tags)
      if (t.first == k) throw invalid_argument("Cannot provide multiple Tags with the same key", "x-amz-tagging", text);
    if (k.size() > 128) throw s3_error("InvalidTag", "The TagKey you have provided is too long, max 128", 400);
    if (v.size() > 256) throw s3_error("InvalidTag", "The TagValue you have provided is too long, max 256", 400);
    tags.emplace_back(std::move(k), std::move(v));
  }
  if (tags.size() > 10) throw s3_error("BadRequest", "Object tags cannot be greater than 10", 400);
  return tags;
}

// Content-Encoding as stored: without the aws-chunked transfer coding.
std::string stored_encoding(std::string_view ce) {
  std::string out;
  size_t at = 0;
  while (at <= ce.size()) {
    size_t comma = ce.find(',', at);
    std::string_view item = ce.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty() && enc::ascii_lower(item) != "aws-chunked") {
      if (!out.empty()) out += ",";
      out += item;
    }
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return out;
}

std::string http_date_text(const Doc* d) {
  if (!d) return {};
  if (d->is_timestamp()) return enc::http_date(d->as_timestamp().millis);
  if (d->is_string()) return d->as_string();
  return {};
}

// Content and user metadata members of PutObject / CopyObject (REPLACE) into v.
void take_metadata(const Doc& in, ObjectVersion& v) {
  v.content_type = in.str("ContentType");
  v.content_encoding = stored_encoding(in.str("ContentEncoding"));
  v.content_disposition = in.str("ContentDisposition");
  v.content_language = in.str("ContentLanguage");
  v.cache_control = in.str("CacheControl");
  v.expires = http_date_text(in.get("Expires"));
  v.website_redirect = in.str("WebsiteRedirectLocation");
  v.metadata.clear();
  size_t meta_bytes = 0;
  if (const Doc* m = in.get("Metadata"); m && m->is_map())
    for (const auto& [k, val] : m->as_map()) {
      std::string value = val.is_string() ? val.as_string() : std::string();
      meta_bytes += k.size() + value.size();
      v.metadata[enc::ascii_lower(k)] = value;
    }
  if (meta_bytes > 2048)
    throw s3_error("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size", 400,
                   {{"Size", std::to_string(meta_bytes)}, {"MaxSizeAllowed", "2048"}});
}

// Conditional writes (If-None-Match: *, If-Match) against the current version.
Store::Check write_conditions(const Doc& in, std::string_view key) {
  std::string if_none = in.str("IfNoneMatch"), if_match = in.str("IfMatch");
  if (!if_none.empty() && if_none != "*")
    throw s3_error("NotImplemented", "A header you provided implies functionality that is not implemented", 501,
                   {{"Header", "If-None-Match"}});
  if (if_none.empty() && if_match.empty()) return {};
  std::string k(key);
  return [if_none, if_match, k](const std::optional<ObjectVersion>& cur) {
    bool exists = cur && !cur->delete_marker;
    if (!if_none.empty() && exists) throw precondition_failed("If-None-Match");
    if (!if_match.empty()) {
      if (!exists) throw no_such_key(k);
      if (unquoted(if_match) != "*" && unquoted(if_match) != cur->etag) throw precondition_failed("If-Match");
    }
  };
}

void put_checksum_out(Doc& out, const ObjectVersion& v) {
  if (v.checksum_algorithm.empty()) return;
  out.set("Checksum" + v.checksum_algorithm, v.checksum_value);
  out.set("ChecksumType", v.checksum_type.empty() ? std::string("FULL_OBJECT") : v.checksum_type);
}

UploadBody upload_body(OpContext& ctx, const Doc& in) {
  UploadBody out;
  out.file = ctx.transport.body_file;
  if (!out.file)
    if (const Doc* body = in.get("Body"); body && body->is_blob()) out.bytes = &body->as_blob().bytes;
  out.size = out.file ? out.file->size : out.bytes ? out.bytes->size() : 0;
  if (out.size > (5ull << 30))
    throw s3_error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400,
                   {{"ProposedSize", std::to_string(out.size)}, {"MaxSizeAllowed", "5368709120"}});
  if (const Doc* m = in.get("ContentMD5"); m && m->is_string()) {
    auto raw = enc::base64_decode(m->as_string());
    if (!raw || raw->size() != 16)
      throw s3_error("InvalidDigest", "The Content-MD5 you specified was invalid.", 400,
                     {{"Content-MD5", m->as_string()}});
    out.md5 = *raw;
  }
  return out;
}

PreparedPut prepare_put_object(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  PreparedPut p;
  p.key = in.str("Key");
  p.bucket = bucket_for(ctx, in.str("Bucket"), "s3:PutObject", p.key);
  check_key(p.key);
  auto [file, bytes, size, md5_given] = upload_body(ctx, in);
  DeclaredChecksum ck = declared_checksum(in);
  ObjectVersion& v = p.version;
  take_metadata(in, v);
  if (const Doc* t = in.get("Tagging"); t && t->is_string()) v.tags = parse_tagging(t->as_string());
  v.storage_class = storage_class(in.str("StorageClass", "STANDARD"));
  p.check = write_conditions(in, p.key);

  Digests d = digest(bytes, file, ck.algorithm);
  if (md5_given && *md5_given != d.md5_raw)
    throw s3_error("BadDigest", "The Content-MD5 you specified did not match what we received.", 400,
                   {{"ExpectedDigest", enc::hex(*md5_given)}, {"CalculatedDigest", enc::base64_encode(d.md5_raw)}});
  if (!ck.value.empty() && ck.value != d.checksum_b64)
    throw s3_error("BadDigest", "The " + ck.algorithm + " you specified did not match the calculated checksum.", 400);
  v.etag = enc::hex(d.md5_raw);
  v.size = size;
  v.checksum_algorithm = ck.algorithm;
  v.checksum_value = d.checksum_b64;
  v.checksum_type = "FULL_OBJECT";
  v.owner = ctx.account();
  apply_write_extra(ctx, in, p.bucket, v);
  // Last: nothing above throws once the data is written (commit_put_object owns it).
  v.data = file ? st.adopt_spool(*file) : st.write_data(bytes ? std::string_view(*bytes) : std::string_view());
  return p;
}

namespace {

// The event and the answer of a committed PUT.
Doc answer_put(OpContext& ctx, const PreparedPut& p, const ObjectVersion& put) {
  const Bucket& b = p.bucket;
  notifier(ctx).emit(&ctx, b, object_event("ObjectCreated:Put", p.key, put, b));

  Doc out = Doc::map();
  out.set("ETag", quoted(put.etag));
  if (put.version_id != "null" || !b.versioning.empty()) out.set("VersionId", put.version_id);
  put_checksum_out(out, put);
  write_extra_out(put, out);
  return out;
}

}  // namespace

Doc commit_put_object(OpContext& ctx, PreparedPut& p) {
  return answer_put(ctx, p, store(ctx).put_object(p.bucket, p.key, std::move(p.version), ctx.now_ms, p.check));
}

std::optional<Doc> try_commit_put_object(OpContext& ctx, PreparedPut& p) {
  auto put = store(ctx).try_put_object(p.bucket, p.key, p.version, ctx.now_ms, p.check);
  if (!put) return std::nullopt;
  return answer_put(ctx, p, *put);
}

Doc put_object(OpContext& ctx, const Doc& in) {
  PreparedPut p = prepare_put_object(ctx, in);
  return commit_put_object(ctx, p);
}

namespace {

Doc read_object(OpContext& ctx, const Doc& in, bool get) {
  Store& st = store(ctx);
  std::string key = in.str("Key");
  for (int attempt = 0;; ++attempt) {
    ObjectVersion v = resolve_version(ctx, in, get ? "GET" : "HEAD", "s3:GetObject");
    try {
      check_read_conditions(in, v);
    } catch (const AwsError& e) {
      if (e.http_status == 304)  // Not Modified carries the validators
        ctx.transport.reply.headers.insert(
            ctx.transport.reply.headers.end(),
            {{"etag", quoted(v.etag)}, {"last-modified", enc::http_date(v.last_modified_ms)}});
      throw;
    }
    if (get) check_readable(v);
    uint64_t first = 0, length = v.size;
    bool partial = false;
    if (const Doc* pn = in.get("PartNumber"); pn && pn->is_number()) {
      int64_t n = pn->as_int();
      if (n < 1 || n > 10000)
        throw invalid_argument("Part number must be an integer between 1 and 10000, inclusive", "partNumber",
                               std::to_string(n));
      int64_t parts = v.parts_count ? v.parts_count : 1;
      if (n > parts)
        throw s3_error("InvalidPartNumber", "The requested partnumber is not satisfiable", 416,
                       {{"PartNumberRequested", std::to_string(n)}, {"ActualPartCount", std::to_string(parts)}});
      // A multipart object's part boundaries: extra "part_sizes" (written by multipart completion).
      if (const Doc* sizes = v.extra.get("part_sizes"); sizes && sizes->is_list() && v.parts_count) {
        uint64_t off = 0;
        for (int64_t i = 0; i + 1 < n && i < static_cast<int64_t>(sizes->size()); ++i)
          off += static_cast<uint64_t>(sizes->as_list()[static_cast<size_t>(i)].as_int());
        if (n <= static_cast<int64_t>(sizes->size())) {
          first = off;
          length = static_cast<uint64_t>(sizes->as_list()[static_cast<size_t>(n - 1)].as_int());
          partial = true;
        }
      }
    }
    if (const Doc* r = in.get("Range"); r && r->is_string()) {
      ByteRange br;
      switch (parse_range(r->as_string(), v.size, &br)) {
        case RangeKind::none:
          break;
        case RangeKind::unsatisfiable:
          throw s3_error("InvalidRange", "The requested range is not satisfiable", 416,
                         {{"RangeRequested", r->as_string()}, {"ActualObjectSize", std::to_string(v.size)}});
        case RangeKind::ok:
          first = br.first;
          length = br.last - br.first + 1;
          partial = true;
          break;
      }
    }
    Doc out = Doc::map();
    describe_version(out, v, in.str("ChecksumMode") == "ENABLED" && !partial);
    if (v.parts_count && in.has("PartNumber")) out.set("PartsCount", v.parts_count);
    out.set("ContentLength", static_cast<int64_t>(length));
    if (partial) {
      out.set("ContentRange", "bytes " + std::to_string(first) + "-" + std::to_string(first + length - 1) + "/" +
                                  std::to_string(v.size));
      ctx.transport.reply.status = 206;
    }
    // response-* overrides (GET and HEAD)
    static constexpr std::pair<const char*, const char*> kOverrides[] = {
        {"ResponseContentType", "ContentType"},         {"ResponseContentLanguage", "ContentLanguage"},
        {"ResponseCacheControl", "CacheControl"},       {"ResponseContentDisposition", "ContentDisposition"},
        {"ResponseContentEncoding", "ContentEncoding"},
    };
    for (const auto& [q, member] : kOverrides)
      if (const Doc* o = in.get(q); o && o->is_string()) out.set(member, o->as_string());
    if (const Doc* o = in.get("ResponseExpires"); o && (o->is_timestamp() || o->is_string())) {
      if (o->is_timestamp())
        out.set("Expires", *o);
      else if (auto t = enc::parse_timestamp(o->as_string()))
        out.set("Expires", Timestamp{*t});
    }
    if (!get || length == 0) {
      if (get) out.set("Body", Blob{});
      return out;
    }
    if (v.data.inline_blob) {
      auto bytes = st.read_inline(v.data);
      if (!bytes) {
        if (attempt < 3) continue;  // replaced while we read: read the record again
        throw internal_error();
      }
      out.set("Body", Blob{bytes->substr(static_cast<size_t>(first), static_cast<size_t>(length))});
      return out;
    }
    auto f = st.open_data(v.data, v.size);
    if (!f) {
      if (attempt < 3) continue;
      throw internal_error();
    }
    ctx.transport.reply.file = std::move(f);
    ctx.transport.reply.offset = first;
    ctx.transport.reply.length = length;
    return out;
  }
}

}  // namespace

Doc get_object(OpContext& ctx, const Doc& in) {
  return read_object(ctx, in, true);
}
Doc head_object(OpContext& ctx, const Doc& in) {
  return read_object(ctx, in, false);
}

Doc delete_object(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  std::string key = in.str("Key");
  Bucket b = bucket_for(ctx, in.str("Bucket"), in.has("VersionId") ? "s3:DeleteObjectVersion" : "s3:DeleteObject", key);
  check_key(key);
  std::optional<std::string> vid;
  if (const Doc* v = in.get("VersionId"); v && v->is_string()) {
    check_version_id(v->as_string());
    vid = v->as_string();
  }
  Store::Check check;
  if (std::string if_match = in.str("IfMatch"); !if_match.empty()) {
    check = [if_match, key](const std::optional<ObjectVersion>& cur) {
      if (!cur || cur->delete_marker) throw no_such_key(key);
      if (unquoted(if_match) != "*" && unquoted(if_match) != cur->etag) throw precondition_failed("If-Match");
    };
  }
  Store::Deleted d = st.delete_object(b, key, vid, ctx.now_ms, check);
  if (d.removed) notifier(ctx).emit(&ctx, b, removal_event("ObjectRemoved", key, d, d.delete_marker && !vid, b));
  Doc out = Doc::map();
  if (d.delete_marker) out.set("DeleteMarker", true);
  if (!d.version_id.empty() && (vid || d.delete_marker)) out.set("VersionId", d.version_id);
  return out;
}

Doc delete_objects(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  Bucket b = bucket_for(ctx, in.str("Bucket"), "s3:DeleteObject");
  const Doc* del = in.get("Delete");
  const Doc* objects = del ? del->get("Objects") : nullptr;
  if (!objects || !objects->is_list() || objects->as_list().empty() || objects->as_list().size() > 1000)
    throw s3_error("MalformedXML",
                   "The XML you provided was not well-formed or did not validate against our published schema", 400);
  bool quiet = del->flag("Quiet");
  Doc deleted = Doc::list(), errors = Doc::list();
  for (const Doc& o : objects->as_list()) {
    std::string key = o.str("Key");
    std::optional<std::string> vid;
    if (const Doc* v = o.get("VersionId"); v && v->is_string()) vid = v->as_string();
    try {
      check_key(key);
      if (vid) {
        check_version_id(*vid);
        Doc lock_in = Doc::map();
        lock_in.set("Bucket", b.name);
        lock_in.set("VersionId", *vid);
        lock_in.set("BypassGovernanceRetention", in.flag("BypassGovernanceRetention"));
        check_object_lock_delete(st, lock_in, ctx.now_ms, key);
      }
      Store::Deleted d = st.delete_object(b, key, vid, ctx.now_ms);
      if (d.removed) notifier(ctx).emit(&ctx, b, removal_event("ObjectRemoved", key, d, d.delete_marker && !vid, b));
      if (quiet) continue;
      Doc e = Doc::map();
      e.set("Key", key);
      if (vid) e.set("VersionId", *vid);
      if (d.delete_marker) {
        e.set("DeleteMarker", true);
        if (!vid) e.set("DeleteMarkerVersionId", d.version_id);
      }
      deleted.push(std::move(e));
    } catch (const AwsError& err) {
      if (err.code == "NoSuchBucket") throw;
      Doc e = Doc::map();
      e.set("Key", key);
      if (vid) e.set("VersionId", *vid);
      e.set("Code", err.code);
      e.set("Message", err.message);
      errors.push(std::move(e));
    }
  }
  Doc out = Doc::map();
  if (deleted.size()) out.set("Deleted", std::move(deleted));
  if (errors.size()) out.set("Errors", std::move(errors));
  return out;
}

Doc copy_object(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  std::string key = in.str("Key");
  Bucket b = bucket_for(ctx, in.str("Bucket"), "s3:PutObject", key);
  check_key(key);
  // x-amz-copy-source: "[/]bucket/key[?versionId=id]", URL-encoded.
  std::string source = in.str("CopySource");
  std::string_view src = source;
  if (!src.empty() && src.front() == '/') src.remove_prefix(1);
  std::optional<std::string> src_vid;
  if (size_t q = src.find('?'); q != std::string_view::npos) {
    for (auto& [k, v] : http::parse_query(src.substr(q + 1)))
      if (k == "versionId") src_vid = v;
    src = src.substr(0, q);
  }
  std::string decoded = enc::uri_decode(src);
  size_t slash = decoded.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= decoded.size())
    throw invalid_argument("Invalid copy source object key", "x-amz-copy-source", source);
  std::string src_bucket = decoded.substr(0, slash), src_key = decoded.substr(slash + 1);
  bucket_for(ctx, src_bucket, src_vid ? "s3:GetObjectVersion" : "s3:GetObject", src_key);
  check_key(src_key);
  ObjectVersion from;
  if (src_vid) {
    check_version_id(*src_vid);
    auto v = st.version(src_bucket, src_key, *src_vid);
    if (!v) throw no_such_version(src_key, *src_vid);
    if (v->delete_marker)
      throw invalid_request(
          "The source of a copy request may not specifically refer to a delete marker by version id.");
    from = *v;
  } else {
    auto v = st.current(src_bucket, src_key);
    if (!v || v->delete_marker) throw no_such_key(src_key);
    from = *v;
  }
  check_read_conditions(in, from, "CopySource");
  check_readable(from);
  std::string mdir = in.str("MetadataDirective", "COPY"), tdir = in.str("TaggingDirective", "COPY");
  if (mdir != "COPY" && mdir != "REPLACE")
    throw invalid_argument("Unknown metadata directive.", "x-amz-metadata-directive", mdir);
  if (tdir != "COPY" && tdir != "REPLACE")
    throw invalid_argument("Unknown tagging directive.", "x-amz-tagging-directive", tdir);
  std::string sclass = in.str("StorageClass");
  bool same = src_bucket == b.name && src_key == key;
  if (same && mdir == "COPY" && sclass.empty() && !in.has("WebsiteRedirectLocation") &&
      !in.has("ServerSideEncryption") && !in.has("SSEKMSKeyId"))
    throw invalid_request(
        "This copy request is illegal because it is trying to copy an object to itself without changing the "
        "object's metadata, storage class, website redirect location or encryption attributes.");
  ObjectVersion v = from;
  v.version_id = "null";
  v.seq = 0;
  v.last_modified_ms = 0;
  v.restore.clear();
  v.owner = ctx.account();
  if (mdir == "REPLACE") take_metadata(in, v);
  if (tdir == "REPLACE") {
    v.tags.clear();
    if (const Doc* t = in.get("Tagging"); t && t->is_string()) v.tags = parse_tagging(t->as_string());
  }
  v.storage_class = sclass.empty() ? (same ? from.storage_class : std::string("STANDARD")) : storage_class(sclass);
  if (std::string alg = in.str("ChecksumAlgorithm"); !alg.empty() && alg != from.checksum_algorithm) {
    std::string bytes = st.read_all(from);
    Digests d = digest(&bytes, nullptr, alg);
    v.checksum_algorithm = alg;
    v.checksum_value = d.checksum_b64;
    v.checksum_type = "FULL_OBJECT";
  }
  apply_write_extra(ctx, in, b, v);
  v.data = st.copy_data(from.data, from.size);
  ObjectVersion put = st.put_object(b, key, std::move(v), ctx.now_ms, write_conditions(in, key));
  notifier(ctx).emit(&ctx, b, object_event("ObjectCreated:Copy", key, put, b));
  Doc result = Doc::map();
  result.set("ETag", quoted(put.etag));
  result.set("LastModified", Timestamp{put.last_modified_ms / 1000 * 1000});
  put_checksum_out(result, put);
  Doc out = Doc::map();
  out.set("CopyObjectResult", std::move(result));
  if (put.version_id != "null") out.set("VersionId", put.version_id);
  if (from.version_id != "null") out.set("CopySourceVersionId", from.version_id);
  write_extra_out(put, out);
  return out;
}

Doc restore_object(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  std::string key = in.str("Key");
  ObjectVersion v = resolve_version(ctx, in, "POST", "s3:RestoreObject");
  if (v.storage_class != "GLACIER" && v.storage_class != "DEEP_ARCHIVE")
    throw s3_error("InvalidObjectState", "Restore is not allowed for the object's current storage class", 403,
                   {{"StorageClass", v.storage_class}});
  int64_t days = 1;
  if (const Doc* r = in.get("RestoreRequest"); r && r->is_map()) days = r->integer("Days", 1);
  bool already = !v.restore.empty();
  // Restores complete at once; the copy stays for Days (rounded up to midnight UTC, as S3 does).
  int64_t expiry = (ctx.now_ms / 86400000 + days + 1) * 86400000;
  std::string restore = "ongoing-request=\"false\", expiry-date=\"" + enc::http_date(expiry) + "\"";
  std::optional<std::string> vid;
  if (const Doc* x = in.get("VersionId"); x && x->is_string()) vid = x->as_string();
  ObjectVersion w = st.update_version(in.str("Bucket"), key, vid, [&](ObjectVersion& ov) { ov.restore = restore; });
  if (!already) {
    // The restore starts and (here at once) completes.
    Bucket b = st.require_bucket(in.str("Bucket"));
    ObjectEvent e = object_event("ObjectRestore:Post", key, w, b);
    e.seq = st.next_seq(ctx.now_ms);
    notifier(ctx).emit(&ctx, b, e);
    e.name = "ObjectRestore:Completed";
    e.seq = st.next_seq(ctx.now_ms);
    e.restore_expiry_ms = enc::iso8601(expiry);
    notifier(ctx).emit(&ctx, b, e);
  }
  ctx.transport.reply.status = already ? 200 : 202;
  return Doc::map();
}

Doc get_object_attributes(OpContext& ctx, const Doc& in) {
  ObjectVersion v = resolve_version(ctx, in, "GET", "s3:GetObjectAttributes");
  check_read_conditions(in, v);
  std::vector<std::string> want;
  if (const Doc* a = in.get("ObjectAttributes"); a && a->is_list())
    for (const Doc& e : a->as_list())
      if (e.is_string()) want.push_back(e.as_string());
  if (want.empty()) throw invalid_request("Invalid attribute name specified.");
  auto wants = [&](std::string_view n) { return std::find(want.begin(), want.end(), n) != want.end(); };
  Doc out = Doc::map();
  out.set("LastModified", Timestamp{v.last_modified_ms / 1000 * 1000});
  if (v.version_id != "null") out.set("VersionId", v.version_id);
  if (wants("ETag")) out.set("ETag", v.etag);
  if (wants("Checksum") && !v.checksum_algorithm.empty()) {
    Doc c = Doc::map();
    c.set("Checksum" + v.checksum_algorithm, v.checksum_value);
    c.set("ChecksumType", v.checksum_type.empty() ? std::string("FULL_OBJECT") : v.checksum_type);
    out.set("Checksum", std::move(c));
  }
  if (wants("ObjectParts") && v.parts_count) {
    Doc p = v.extra.get("object_parts") ? *v.extra.get("object_parts") : Doc::map();
    p.set("TotalPartsCount", v.parts_count);
    out.set("ObjectParts", std::move(p));
  }
  if (wants("StorageClass")) out.set("StorageClass", v.storage_class);
  if (wants("ObjectSize")) out.set("ObjectSize", static_cast<int64_t>(v.size));
  return out;
}

}  // namespace stratus::s3
