#include "services/s3/multipart.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <random>

#include "auth/checksum.h"
#include "core/encoding.h"
#include "core/json.h"
#include "core/record.h"
#include "http/message.h"
#include "services/s3/s3_errors.h"
#include "services/s3/schema.h"
#include "storage/engine.h"

namespace stratus::s3 {
namespace {

// A part's data reference, stored as {"id", "inline"}.
const json::Record<DataRef> kDataRecord{{"id", &DataRef::id}, {"inline", &DataRef::inline_blob}};

// The stored upload: the table's members, "v" and the object template ("object") beside it.
const json::Record<Upload> kUploadRecord{{"bucket", &Upload::bucket},
                                         {"key", &Upload::key},
                                         {"upload_id", &Upload::upload_id},
                                         {"initiated", &Upload::initiated_ms}};

std::string encode_upload(const Upload& u) {
  Doc d = kUploadRecord.to_doc(u);
  d.set("v", 1);
  d.set("object", u.object.to_doc());
  return json::write(d);
}

Upload decode_upload(std::string_view text) {
  Doc d = json::parse(text);
  Upload u = kUploadRecord.from_doc(d);
  if (const Doc* o = d.get("object")) u.object = ObjectVersion::from_doc(*o);
  return u;
}

// The stored part: the table's members, "v" and the data reference ("data") beside it.
const json::Record<Part> kPartRecord{{"n", &Part::number},
                                     {"size", &Part::size},
                                     {"etag", &Part::etag},
                                     {"checksum", &Part::checksum},
                                     {"lm", &Part::last_modified_ms}};

std::string encode_part(const Part& p) {
  Doc d = kPartRecord.to_doc(p);
  d.set("v", 1);
  d.set("data", kDataRecord.to_doc(p.data));
  return json::write(d);
}

Part decode_part(std::string_view text) {
  Doc d = json::parse(text);
  Part p = kPartRecord.from_doc(d);
  if (const Doc* data = d.get("data"); data && data->is_map()) p.data = kDataRecord.from_doc(*data);
  return p;
}

// Upload ids: S3's are long opaque strings; ours are 64 characters of base64url.
std::string new_upload_id() {
  static constexpr char kAlpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::string s(64, 'A');
  for (char& c : s) c = kAlpha[rng() % 64];
  return s;
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw internal_error();
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

AwsError no_such_upload(std::string_view upload_id) {
  return s3_error("NoSuchUpload",
                  "The specified upload does not exist. The upload ID may be invalid, or the upload may have been "
                  "aborted or completed.",
                  404, {{"UploadId", upload_id}});
}

std::string multipart_etag(const std::vector<std::string>& part_md5_hex) {
  std::string raw;
  for (const std::string& h : part_md5_hex) {
    for (size_t i = 0; i + 1 < h.size(); i += 2) raw += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  }
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(raw.data(), raw.size(), d, &n, EVP_md5(), nullptr);
  return enc::hex(std::string_view(reinterpret_cast<const char*>(d), n)) + "-" + std::to_string(part_md5_hex.size());
}

std::string composite_checksum(std::string_view algorithm, const std::vector<std::string>& part_checksums_b64) {
  auto ck = auth::Checksum::make(enc::ascii_lower(algorithm));
  if (!ck) return {};
  for (const std::string& b : part_checksums_b64) {
    auto raw = enc::base64_decode(b);
    if (raw) ck->update(*raw);
  }
  return ck->base64() + "-" + std::to_string(part_checksums_b64.size());
}

Upload Multipart::create(const Bucket& b, std::string_view key, ObjectVersion object, int64_t now_ms) {
  Upload u;
  u.bucket = b.name;
  u.key = std::string(key);
  u.upload_id = new_upload_id();
  u.initiated_ms = now_ms;
  u.object = std::move(object);
  storage::WriteBatch batch;
  batch.require({storage::Condition::Kind::exists, std::string(kBuckets.name), bucket_key(b.name), {}});
  batch.put(kUploads.name, upload_key(b.name, key, u.upload_id), encode_upload(u));
  storage::Status s = engine_.write(batch);
  if (s.conflict()) throw no_such_bucket(b.name);
  if (!s.ok()) throw internal_error();
  return u;
}

Upload Multipart::require(std::string_view bucket, std::string_view key, std::string_view upload_id) const {
  std::string raw;
  if (upload_id.empty() || !engine_.get(kUploads.name, upload_key(bucket, key, upload_id), &raw).ok())
    throw no_such_upload(upload_id);
  return decode_upload(raw);
}

Part Multipart::put_part(const Upload& u, Part part) {
  const std::string ukey = upload_key(u.bucket, u.key, u.upload_id);
  const std::string pkey = part_key(u.upload_id, part.number);
  try {
    for (int attempt = 0; attempt < 8; ++attempt) {
      std::string old_raw;
      std::optional<Part> old;
      if (engine_.get(kParts.name, pkey, &old_raw).ok()) old = decode_part(old_raw);
      storage::WriteBatch batch;
      batch.require({storage::Condition::Kind::exists, std::string(kUploads.name), ukey, {}});
      if (old)
        batch.require({storage::Condition::Kind::equals, std::string(kParts.name), pkey, old_raw});
      else
        batch.require({storage::Condition::Kind::not_exists, std::string(kParts.name), pkey, {}});
      if (old) Store::unreference(batch, old->data);
      Store::reference(batch, part.data);
      batch.put(kParts.name, pkey, encode_part(part));
      storage::Status s = engine_.write(batch);
      if (s.conflict()) {
        std::string raw;
        if (!engine_.get(kUploads.name, ukey, &raw).ok()) throw no_such_upload(u.upload_id);
        continue;
      }
      if (!s.ok()) throw internal_error();
      if (old) store_.remove_data(old->data);
      return part;
    }
    throw s3_error("OperationAborted",
                   "A conflicting conditional operation is currently in progress against this resource. Please try "
                   "again.",
                   409);
  } catch (...) {
    store_.discard(part.data);
    throw;
  }
}

std::vector<Part> Multipart::parts(std::string_view upload_id, uint64_t after, size_t limit) const {
  std::vector<Part> out;
  storage::ScanOptions opts;
  opts.start = part_key(upload_id, after + 1);
  opts.end = storage::prefix_end(storage::KeyBuilder(upload_id.size() + 1).str(upload_id).take());
  for (auto it = engine_.scan(kParts.name, opts); it->valid() && out.size() < limit; it->next())
    out.push_back(decode_part(it->value()));
  return out;
}

void Multipart::abort(std::string_view bucket, std::string_view key, std::string_view upload_id) {
  require(bucket, key, upload_id);
  std::vector<Part> ps = parts(upload_id);
  storage::WriteBatch batch;
  const std::string ukey = upload_key(bucket, key, upload_id);
  batch.require({storage::Condition::Kind::exists, std::string(kUploads.name), ukey, {}});
  batch.del(kUploads.name, ukey);
  for (const Part& p : ps) {
    batch.del(kParts.name, part_key(upload_id, p.number));
    Store::unreference(batch, p.data);
  }
  storage::Status s = engine_.write(batch);
  if (s.conflict()) throw no_such_upload(upload_id);
  if (!s.ok()) throw internal_error();
  for (const Part& p : ps) store_.remove_data(p.data);
}

ObjectVersion Multipart::complete(const Bucket& b, const Upload& u, const std::vector<ListedPart>& listed,
                                  int64_t now_ms, const Store::Check& check, std::optional<uint64_t> mpu_size,
                                  std::string_view expected_checksum) {
  if (listed.empty())
    throw s3_error("MalformedXML",
                   "The XML you provided was not well-formed or did not validate against our published schema", 400);
  for (size_t i = 1; i < listed.size(); ++i)
    if (listed[i].number <= listed[i - 1].number)
      throw s3_error("InvalidPartOrder",
                     "The list of parts was not in ascending order. Parts must be ordered by part number.", 400,
                     {{"UploadId", u.upload_id}});
  std::vector<Part> stored = parts(u.upload_id);
  std::vector<Part> chosen;
  chosen.reserve(listed.size());
  size_t j = 0;
  for (const ListedPart& lp : listed) {
    while (j < stored.size() && stored[j].number < lp.number) ++j;
    if (j == stored.size() || stored[j].number != lp.number || stored[j].etag != lp.etag ||
        (!lp.checksum.empty() && lp.checksum != stored[j].checksum))
      throw s3_error("InvalidPart",
                     "One or more of the specified parts could not be found.  The part may not have been uploaded, or "
                     "the specified entity tag may not have matched the part's entity tag.",
                     400, {{"UploadId", u.upload_id}, {"PartNumber", std::to_string(lp.number)}, {"ETag", lp.etag}});
    chosen.push_back(stored[j]);
  }
  uint64_t total = 0;
  for (size_t i = 0; i < chosen.size(); ++i) {
    if (i + 1 < chosen.size() && chosen[i].size < kMinPartSize)
      throw s3_error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", 400,
                     {{"ProposedSize", std::to_string(chosen[i].size)},
                      {"MinSizeAllowed", std::to_string(kMinPartSize)},
                      {"PartNumber", std::to_string(chosen[i].number)},
                      {"ETag", chosen[i].etag}});
    total += chosen[i].size;
  }
  if (mpu_size && *mpu_size != total)
    throw invalid_request("The provided 'x-amz-mp-object-size' header value " + std::to_string(*mpu_size) +
                          " does not match what was computed: " + std::to_string(total));
  // Check the conditions before the work of assembling (put_object checks them again).
  if (check) check(store_.current(b.name, u.key));

  ObjectVersion v = u.object;
  const std::string algorithm = v.checksum_algorithm.empty() ? std::string("CRC64NVME") : v.checksum_algorithm;
  const bool composite = v.checksum_type == "COMPOSITE";
  std::unique_ptr<auth::Checksum> full = composite ? nullptr : auth::Checksum::make(enc::ascii_lower(algorithm));

  // Assemble the parts into one new data file (unreferenced until the commit).
  DataRef data;
  if (total > 0) {
    auto [id, fd] = store_.new_data_file();
    data.id = id;
    try {
      for (const Part& p : chosen) {
        if (p.data.empty()) continue;
        if (p.data.inline_blob) {
          std::optional<std::string> bytes = store_.read_inline(p.data);
          if (!bytes) throw internal_error();
          if (full) full->update(*bytes);
          write_all(fd, *bytes);
          continue;
        }
        std::shared_ptr<http::BodyFile> f = store_.open_data(p.data, p.size);
        if (!f) throw internal_error();
        constexpr size_t kSlice = 1 << 20;
        for (uint64_t off = 0; off < p.size; off += kSlice) {
          std::string piece = f->read(off, static_cast<size_t>(std::min<uint64_t>(kSlice, p.size - off)));
          if (full) full->update(piece);
          write_all(fd, piece);
        }
      }
      store_.sync_data(fd);
      ::close(fd);
    } catch (...) {
      ::close(fd);
      store_.discard(data);
      throw;
    }
  } else if (full) {
    full->update({});
  }

  std::vector<std::string> md5s, checksums;
  for (const Part& p : chosen) {
    md5s.push_back(p.etag);
    checksums.push_back(p.checksum);
  }
  v.etag = multipart_etag(md5s);
  v.size = total;
  v.parts_count = static_cast<int64_t>(chosen.size());
  v.checksum_algorithm = algorithm;
  v.checksum_type = composite ? "COMPOSITE" : "FULL_OBJECT";
  v.checksum_value = composite ? composite_checksum(algorithm, checksums) : full->base64();
  if (!expected_checksum.empty() && expected_checksum != v.checksum_value &&
      std::string(expected_checksum) + "-" + std::to_string(chosen.size()) != v.checksum_value) {
    store_.discard(data);
    throw s3_error("BadDigest", "The " + algorithm + " you specified did not match the calculated checksum.", 400);
  }
  v.last_modified_ms = 0;
  v.data = data;
  // Part boundaries, for GET ?partNumber= and GetObjectAttributes.
  DocList sizes;
  for (const Part& p : chosen) sizes.emplace_back(static_cast<int64_t>(p.size));
  v.extra.set("part_sizes", Doc(std::move(sizes)));

  const std::string ukey = upload_key(u.bucket, u.key, u.upload_id);
  Store::Also also = [&](storage::WriteBatch& batch) {
    std::string raw;
    if (!engine_.get(kUploads.name, ukey, &raw).ok()) throw no_such_upload(u.upload_id);
    batch.require({storage::Condition::Kind::exists, std::string(kUploads.name), ukey, {}});
    batch.del(kUploads.name, ukey);
    for (const Part& p : stored) {
      batch.del(kParts.name, part_key(u.upload_id, p.number));
      Store::unreference(batch, p.data);
    }
  };
  ObjectVersion put = store_.put_object(b, u.key, std::move(v), now_ms, check, also);
  for (const Part& p : stored) store_.remove_data(p.data);
  return put;
}

void Multipart::scan(std::string_view bucket, std::string_view prefix, std::string_view from, std::string_view after_id,
                     const std::function<bool(const Upload&)>& fn) const {
  std::string start = object_key(bucket, from.empty() ? prefix : std::max(from, prefix));
  storage::ScanOptions opts;
  // str(key) ends in a terminator: the key's uploads start right after object_key(...) minus it.
  opts.start = start.substr(0, start.size() - 1);
  opts.end = storage::prefix_end(bucket_prefix(bucket));
  for (auto it = engine_.scan(kUploads.name, opts); it->valid(); it->next()) {
    Upload u = decode_upload(it->value());
    if (u.key.compare(0, prefix.size(), prefix) != 0) {
      if (u.key > prefix) break;
      continue;
    }
    if (!from.empty() && (u.key < from || (u.key == from && (after_id.empty() || u.upload_id <= after_id)))) continue;
    if (!fn(u)) return;
  }
}

}  // namespace stratus::s3
