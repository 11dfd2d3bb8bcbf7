// Multipart uploads: Create, UploadPart, UploadPartCopy, Complete, Abort, ListParts,
// ListMultipartUploads. Persistence and completion are in multipart.h.
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "core/encoding.h"
#include "services/s3/access.h"
#include "services/s3/multipart.h"
#include "services/s3/notify.h"
#include "services/s3/ops.h"
#include "services/s3/ops/common.h"

namespace stratus::s3 {
namespace {

std::string encoding_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Multipart multipart(OpContext& ctx) {
  return Multipart(ctx.storage, store(ctx));
}

uint64_t part_number(const Doc& in) {
  const Doc* n = in.get("PartNumber");
  int64_t v = n && n->is_number() ? n->as_int() : 0;
  if (v < 1 || v > static_cast<int64_t>(Multipart::kMaxParts))
    throw invalid_argument("Part number must be an integer between 1 and 10000, inclusive", "partNumber",
                           std::to_string(v));
  return static_cast<uint64_t>(v);
}

void checksum_out(Doc& out, const Upload& u, const std::string& value) {
  if (u.object.checksum_algorithm.empty() || value.empty()) return;
  out.set("Checksum" + u.object.checksum_algorithm, value);
}

// The part's checksum in the upload's algorithm: the one the request sent must match the data.
std::string part_checksum(const Upload& u, const Digests& d, const DeclaredChecksum& ck, bool declared) {
  if (declared && !u.object.checksum_algorithm.empty() && ck.algorithm != u.object.checksum_algorithm)
    throw invalid_request(
        "Checksum Type mismatch occurred, expected checksum Type: " + encoding_lower(u.object.checksum_algorithm) +
        ", actual checksum Type: " + encoding_lower(ck.algorithm));
  return u.object.checksum_algorithm.empty() ? std::string() : d.checksum_b64;
}

}  // namespace

Doc create_multipart_upload(OpContext& ctx, const Doc& in) {
  std::string key = in.str("Key");
  Bucket b = bucket_for(ctx, in.str("Bucket"), "s3:PutObject", key);
  check_key(key);
  ObjectVersion v;
  take_metadata(in, v);
  if (const Doc* t = in.get("Tagging"); t && t->is_string()) v.tags = parse_tagging(t->as_string());
  v.storage_class = storage_class(in.str("StorageClass", "STANDARD"));
  v.owner = ctx.account();
  std::string alg = in.str("ChecksumAlgorithm"), type = in.str("ChecksumType");
  static constexpr std::string_view kAlgorithms[] = {"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"};
  if (!alg.empty() && std::find(std::begin(kAlgorithms), std::end(kAlgorithms), alg) == std::end(kAlgorithms))
    throw invalid_request(
        "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, "
        "CRC64NVME, SHA1, SHA256]");
  if (!type.empty() && type != "COMPOSITE" && type != "FULL_OBJECT")
    throw invalid_request("Value for x-amz-checksum-type header is invalid.");
  if (!type.empty() && alg.empty())
    throw invalid_request("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.");
  if (type == "FULL_OBJECT" && (alg == "SHA1" || alg == "SHA256"))
    throw invalid_request("The FULL_OBJECT checksum type cannot be used with the " + encoding_lower(alg) +
                          " checksum algorithm.");
  if (type == "COMPOSITE" && alg == "CRC64NVME")
    throw invalid_request("The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.");
  if (type.empty() && !alg.empty()) type = alg == "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE";
  v.checksum_algorithm = alg;
  v.checksum_type = type;
  // The object's ACL (x-amz-acl / x-amz-grant-*; checked by the guard) rides in the upload's
  // template and is the completed object's.
  if (auto acl = acl_from_request(in, ctx.account(), b.account)) v.extra.set("acl", std::move(*acl));
  Upload u = multipart(ctx).create(b, key, std::move(v), ctx.now_ms);
  Doc out = Doc::map();
  out.set("Bucket", b.name);
  out.set("Key", key);
  out.set("UploadId", u.upload_id);
  if (!alg.empty()) {
    out.set("ChecksumAlgorithm", alg);
    out.set("ChecksumType", type);
  }
  return out;
}

namespace {

// The upload an UploadPart / UploadPartCopy writes to, and the part number.
struct PartTarget {
  Bucket bucket;
  Upload upload;
  uint64_t number = 0;
};

PartTarget part_target(OpContext& ctx, Multipart& mp, const Doc& in) {
  PartTarget t;
  std::string key = in.str("Key");
  t.bucket = bucket_for(ctx, in.str("Bucket"), "s3:PutObject", key);
  t.number = part_number(in);
  t.upload = mp.require(t.bucket.name, key, in.str("UploadId"));
  return t;
}

}  // namespace

Doc upload_part(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  Multipart mp = multipart(ctx);
  auto [b, u, number] = part_target(ctx, mp, in);
  auto [file, bytes, size, md5_given] = upload_body(ctx, in);
  bool declared = false;
  for (std::string_view a : {"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"})
    if (in.has("Checksum" + std::string(a))) declared = true;
  DeclaredChecksum ck = declared_checksum(in);
  // The data is digested with the upload's algorithm; a declared value of it must match.
  std::string alg = u.object.checksum_algorithm.empty() ? ck.algorithm : u.object.checksum_algorithm;
  Digests d = digest(bytes, file, alg);
  if (md5_given && *md5_given != d.md5_raw)
    throw s3_error("BadDigest", "The Content-MD5 you specified did not match what we received.", 400,
                   {{"ExpectedDigest", enc::hex(*md5_given)}, {"CalculatedDigest", enc::base64_encode(d.md5_raw)}});
  std::string checksum = part_checksum(u, d, ck, declared);
  if (declared && !ck.value.empty() && ck.algorithm == alg && ck.value != d.checksum_b64)
    throw s3_error("BadDigest", "The " + ck.algorithm + " you specified did not match the calculated checksum.", 400);
  Part p;
  p.number = number;
  p.size = size;
  p.etag = enc::hex(d.md5_raw);
  p.checksum = checksum;
  p.last_modified_ms = ctx.now_ms;
  p.data = file ? st.adopt_spool(*file) : st.write_data(bytes ? std::string_view(*bytes) : std::string_view());
  p = mp.put_part(u, std::move(p));
  Doc out = Doc::map();
  out.set("ETag", quoted(p.etag));
  if (!u.object.checksum_algorithm.empty())
    checksum_out(out, u, p.checksum);
  else if (declared)
    out.set("Checksum" + ck.algorithm, d.checksum_b64);
  return out;
}

Doc upload_part_copy(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  Multipart mp = multipart(ctx);
  auto [b, u, number] = part_target(ctx, mp, in);
  // x-amz-copy-source: "bucket/key[?versionId=...]", URL-encoded, with or without a leading '/'.
  std::string source = in.str("CopySource");
  std::string version_id;
  if (size_t q = source.find('?'); q != std::string::npos) {
    std::string_view query = std::string_view(source).substr(q + 1);
    if (query.rfind("versionId=", 0) == 0) version_id = enc::uri_decode(query.substr(10));
    source.resize(q);
  }
  source = enc::uri_decode(source);
  if (!source.empty() && source.front() == '/') source.erase(0, 1);
  size_t slash = source.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == source.size())
    throw invalid_argument("Invalid copy source object key", "x-amz-copy-source", in.str("CopySource"));
  std::string src_bucket = source.substr(0, slash), src_key = source.substr(slash + 1);
  bucket_for(ctx, src_bucket, "s3:GetObject", src_key);
  std::optional<ObjectVersion> src =
      version_id.empty() ? st.current(src_bucket, src_key) : st.version(src_bucket, src_key, version_id);
  if (!src || (src->delete_marker && version_id.empty())) {
    if (!version_id.empty()) throw no_such_version(src_key, version_id);
    throw no_such_key(src_key);
  }
  if (src->delete_marker)
    throw s3_error("InvalidRequest",
                   "The source of a copy request may not specifically refer to a delete marker by version id.", 400);
  // Source conditions.
  Doc cond = Doc::map();
  if (const Doc* m = in.get("CopySourceIfMatch")) cond.set("IfMatch", *m);
  if (const Doc* m = in.get("CopySourceIfNoneMatch")) cond.set("IfNoneMatch", *m);
  if (const Doc* m = in.get("CopySourceIfModifiedSince")) cond.set("IfModifiedSince", *m);
  if (const Doc* m = in.get("CopySourceIfUnmodifiedSince")) cond.set("IfUnmodifiedSince", *m);
  try {
    check_read_conditions(cond, *src);
  } catch (const AwsError& e) {
    if (e.http_status == 304) throw precondition_failed("x-amz-copy-source-If-None-Match");
    throw;
  }
  uint64_t first = 0, length = src->size;
  if (const Doc* r = in.get("CopySourceRange"); r && r->is_string()) {
    // bytes=first-last, both given, within the object.
    const std::string& text = r->as_string();
    unsigned long long a = 0, z = 0;
    char tail = 0;
    if (std::sscanf(text.c_str(), "bytes=%llu-%llu%c", &a, &z, &tail) != 2 || a > z)
      throw invalid_argument(
          "The x-amz-copy-source-range value must be of the form bytes=first-last where first and "
          "last are the zero-based offsets of the first and last bytes to copy",
          "x-amz-copy-source-range", text);
    if (z >= src->size)
      throw s3_error("InvalidRange", "The requested range is not satisfiable", 416,
                     {{"RangeRequested", text}, {"ActualObjectSize", std::to_string(src->size)}});
    first = a;
    length = z - a + 1;
  }
  if (length > (5ull << 30))
    throw s3_error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400,
                   {{"ProposedSize", std::to_string(length)}, {"MaxSizeAllowed", "5368709120"}});
  // The part's bytes: copied through a new data file (or inline when small).
  std::string alg = u.object.checksum_algorithm.empty() ? std::string("CRC64NVME") : u.object.checksum_algorithm;
  Part p;
  p.number = number;
  p.size = length;
  p.last_modified_ms = ctx.now_ms;
  if (length <= Store::kInlineMax) {
    std::string all = st.read_all(*src);
    std::string bytes = all.substr(std::min<uint64_t>(first, all.size()), length);
    Digests d = digest(&bytes, nullptr, alg);
    p.etag = enc::hex(d.md5_raw);
    p.checksum = u.object.checksum_algorithm.empty() ? std::string() : d.checksum_b64;
    p.data = st.write_data(bytes);
  } else {
    std::shared_ptr<http::BodyFile> f = st.open_data(src->data, src->size);
    if (!f) throw internal_error();
    auto [id, fd] = st.new_data_file();
    DataRef ref;
    ref.id = id;
    std::shared_ptr<http::BodyFile> out_file;
    try {
      constexpr size_t kSlice = 1 << 20;
      for (uint64_t off = 0; off < length; off += kSlice) {
        std::string piece = f->read(first + off, static_cast<size_t>(std::min<uint64_t>(kSlice, length - off)));
        size_t done = 0;
        while (done < piece.size()) {
          ssize_t n = ::write(fd, piece.data() + done, piece.size() - done);
          if (n <= 0) throw internal_error();
          done += static_cast<size_t>(n);
        }
      }
      st.sync_data(fd);
      ::close(fd);
      out_file = st.open_data(ref, length);
      if (!out_file) throw internal_error();
      Digests d = digest(nullptr, out_file.get(), alg);
      p.etag = enc::hex(d.md5_raw);
      p.checksum = u.object.checksum_algorithm.empty() ? std::string() : d.checksum_b64;
    } catch (...) {
      ::close(fd);
      st.discard(ref);
      throw;
    }
    p.data = ref;
  }
  p = mp.put_part(u, std::move(p));
  Doc result = Doc::map();
  result.set("ETag", quoted(p.etag));
  result.set("LastModified", Doc(Timestamp{p.last_modified_ms}));
  checksum_out(result, u, p.checksum);
  Doc out = Doc::map();
  out.set("CopyPartResult", std::move(result));
  if (src->version_id != "null" || !version_id.empty()) out.set("CopySourceVersionId", src->version_id);
  return out;
}

Doc complete_multipart_upload(OpContext& ctx, const Doc& in) {
  Multipart mp = multipart(ctx);
  std::string key = in.str("Key");
  Bucket b = bucket_for(ctx, in.str("Bucket"), "s3:PutObject", key);
  Upload u = mp.require(b.name, key, in.str("UploadId"));
  std::vector<ListedPart> listed;
  if (const Doc* m = in.get("MultipartUpload"); m && m->is_map())
    if (const Doc* ps = m->get("Parts"); ps && ps->is_list())
      for (const Doc& p : ps->as_list()) {
        ListedPart lp;
        const Doc* n = p.get("PartNumber");
        int64_t num = n && n->is_number() ? n->as_int() : 0;
        if (num < 1 || num > static_cast<int64_t>(Multipart::kMaxParts))
          throw invalid_argument("Part number must be an integer between 1 and 10000, inclusive", "partNumber",
                                 std::to_string(num));
        lp.number = static_cast<uint64_t>(num);
        lp.etag = unquoted(p.str("ETag"));
        if (!u.object.checksum_algorithm.empty()) lp.checksum = p.str("Checksum" + u.object.checksum_algorithm);
        listed.push_back(std::move(lp));
      }
  if (listed.size() > Multipart::kMaxParts)
    throw invalid_argument("Part number must be an integer between 1 and 10000, inclusive", "partNumber",
                           std::to_string(listed.size()));
  std::optional<uint64_t> mpu_size;
  if (const Doc* s = in.get("MpuObjectSize"); s && s->is_number()) mpu_size = static_cast<uint64_t>(s->as_int());
  std::string type = in.str("ChecksumType");
  if (!type.empty() && !u.object.checksum_type.empty() && type != u.object.checksum_type)
    throw invalid_request("The upload was created using the " + u.object.checksum_type +
                          " checksum mode. The complete request must use the same checksum mode.");
  std::string expected =
      u.object.checksum_algorithm.empty() ? std::string() : in.str("Checksum" + u.object.checksum_algorithm);
  ObjectVersion put = mp.complete(b, u, listed, ctx.now_ms, write_conditions(in, key), mpu_size, expected);
  notifier(ctx).emit(&ctx, b, object_event("ObjectCreated:CompleteMultipartUpload", key, put, b));
  Doc out = Doc::map();
  std::string host(ctx.transport.host);
  out.set("Location", "http://" + (host.empty() ? std::string("localhost") : host) + "/" + b.name + "/" +
                          enc::uri_encode(key, true));
  out.set("Bucket", b.name);
  out.set("Key", key);
  out.set("ETag", quoted(put.etag));
  if (put.version_id != "null" || !b.versioning.empty()) out.set("VersionId", put.version_id);
  if (!u.object.checksum_algorithm.empty()) put_checksum_out(out, put);
  return out;
}

Doc abort_multipart_upload(OpContext& ctx, const Doc& in) {
  std::string key = in.str("Key");
  Bucket b = bucket_for(ctx, in.str("Bucket"), "s3:AbortMultipartUpload", key);
  multipart(ctx).abort(b.name, key, in.str("UploadId"));
  ctx.transport.reply.status = 204;
  return Doc::map();
}

Doc list_parts(OpContext& ctx, const Doc& in) {
  Multipart mp = multipart(ctx);
  std::string key = in.str("Key");
  Bucket b = bucket_for(ctx, in.str("Bucket"), "s3:ListMultipartUploadParts", key);
  Upload u = mp.require(b.name, key, in.str("UploadId"));
  int64_t max = 1000;
  if (const Doc* m = in.get("MaxParts"); m && m->is_number()) {
    if (m->as_int() < 0)
      throw invalid_argument("Argument max-parts must be an integer between 0 and 2147483647", "max-parts",
                             std::to_string(m->as_int()));
    max = std::min<int64_t>(m->as_int(), 1000);
  }
  int64_t marker = 0;
  if (const Doc* m = in.get("PartNumberMarker"); m && m->is_number()) marker = std::max<int64_t>(0, m->as_int());
  std::vector<Part> ps = mp.parts(u.upload_id, static_cast<uint64_t>(marker), static_cast<size_t>(max) + 1);
  bool truncated = ps.size() > static_cast<size_t>(max);
  if (truncated) ps.resize(static_cast<size_t>(max));
  Doc list = Doc::list();
  for (const Part& p : ps) {
    Doc e = Doc::map();
    e.set("PartNumber", static_cast<int64_t>(p.number));
    e.set("LastModified", Doc(Timestamp{p.last_modified_ms}));
    e.set("ETag", quoted(p.etag));
    e.set("Size", static_cast<int64_t>(p.size));
    checksum_out(e, u, p.checksum);
    list.push(std::move(e));
  }
  Doc out = Doc::map();
  out.set("Bucket", b.name);
  out.set("Key", key);
  out.set("UploadId", u.upload_id);
  out.set("PartNumberMarker", marker);
  if (!ps.empty()) out.set("NextPartNumberMarker", static_cast<int64_t>(ps.back().number));
  out.set("MaxParts", max);
  out.set("IsTruncated", truncated);
  if (list.size()) out.set("Parts", std::move(list));
  out.set("Initiator", owner_doc(u.object.owner));
  out.set("Owner", owner_doc(u.object.owner));
  out.set("StorageClass", u.object.storage_class);
  if (!u.object.checksum_algorithm.empty()) {
    out.set("ChecksumAlgorithm", u.object.checksum_algorithm);
    out.set("ChecksumType", u.object.checksum_type);
  }
  return out;
}

Doc list_multipart_uploads(OpContext& ctx, const Doc& in) {
  Multipart mp = multipart(ctx);
  Bucket b = bucket_for(ctx, in.str("Bucket"), "s3:ListBucketMultipartUploads");
  std::string prefix = in.str("Prefix"), delimiter = in.str("Delimiter");
  std::string key_marker = in.str("KeyMarker"), id_marker = in.str("UploadIdMarker");
  std::string encoding = in.str("EncodingType");
  if (!encoding.empty() && encoding != "url")
    throw invalid_argument("Invalid Encoding Method specified in Request", "encoding-type", encoding);
  bool url = encoding == "url";
  auto enc_key = [&](std::string_view s) { return url ? enc::uri_encode(s, true) : std::string(s); };
  int64_t max = 1000;
  if (const Doc* m = in.get("MaxUploads"); m && m->is_number()) {
    if (m->as_int() < 0)
      throw invalid_argument("Argument max-uploads must be an integer between 0 and 2147483647", "max-uploads",
                             std::to_string(m->as_int()));
    max = std::min<int64_t>(m->as_int(), 1000);
  }
  Doc uploads = Doc::list(), prefixes = Doc::list();
  int64_t count = 0;
  bool truncated = false;
  std::string next_key, next_id, last_prefix;
  // Without a key marker, an upload id marker is ignored (S3).
  mp.scan(b.name, prefix, key_marker, key_marker.empty() ? std::string_view() : std::string_view(id_marker),
          [&](const Upload& u) {
            if (!key_marker.empty() && id_marker.empty() && u.key == key_marker) return true;  // after the marker key
            // A marker that is a common prefix (NextKeyMarker of a grouped page) skips its keys.
            if (!delimiter.empty() && key_marker.size() >= delimiter.size() &&
                key_marker.compare(key_marker.size() - delimiter.size(), delimiter.size(), delimiter) == 0 &&
                u.key.compare(0, key_marker.size(), key_marker) == 0)
              return true;
            std::optional<std::string> common;
            if (!delimiter.empty()) {
              size_t at = u.key.find(delimiter, prefix.size());
              if (at != std::string::npos) common = u.key.substr(0, at + delimiter.size());
            }
            if (common && *common == last_prefix) return true;
            if (count >= max) {
              truncated = true;
              return false;
            }
            ++count;
            if (common) {
              last_prefix = *common;
              Doc p = Doc::map();
              p.set("Prefix", enc_key(*common));
              prefixes.push(std::move(p));
              next_key = *common;
              next_id.clear();
              return true;
            }
            Doc e = Doc::map();
            e.set("UploadId", u.upload_id);
            e.set("Key", enc_key(u.key));
            e.set("Initiated", Doc(Timestamp{u.initiated_ms}));
            e.set("StorageClass", u.object.storage_class);
            e.set("Owner", owner_doc(u.object.owner));
            e.set("Initiator", owner_doc(u.object.owner));
            if (!u.object.checksum_algorithm.empty()) {
              e.set("ChecksumAlgorithm", u.object.checksum_algorithm);
              e.set("ChecksumType", u.object.checksum_type);
            }
            uploads.push(std::move(e));
            next_key = u.key;
            next_id = u.upload_id;
            return true;
          });
  Doc out = Doc::map();
  out.set("Bucket", b.name);
  out.set("KeyMarker", enc_key(key_marker));
  out.set("UploadIdMarker", id_marker);
  if (truncated) {
    out.set("NextKeyMarker", enc_key(next_key));
    out.set("NextUploadIdMarker", next_id);
  }
  if (!prefix.empty()) out.set("Prefix", enc_key(prefix));
  if (!delimiter.empty()) out.set("Delimiter", enc_key(delimiter));
  out.set("MaxUploads", max);
  out.set("IsTruncated", truncated);
  if (uploads.size()) out.set("Uploads", std::move(uploads));
  if (prefixes.size()) out.set("CommonPrefixes", std::move(prefixes));
  if (url) out.set("EncodingType", "url");
  return out;
}

}  // namespace stratus::s3
