#include "services/s3/store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <random>
#include <tuple>
#include <type_traits>

#include "auth/keystore.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/record.h"
#include "http/message.h"
#include "services/s3/bytes.h"
#include "services/s3/s3_errors.h"
#include "services/s3/schema.h"
#include "services/service.h"
#include "storage/engine.h"

namespace stratus::s3 {
namespace fs = std::filesystem;

namespace {

constexpr int kCommitRetries = 64;

std::string random_hex(size_t n) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(n, '0');
  for (size_t i = 0; i < n; i += 16) {
    uint64_t v = rng();
    for (size_t j = i; j < n && j < i + 16; ++j, v >>= 4) s[j] = kHex[v & 15];
  }
  return s;
}

void write_fully(int fd, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) throw std::runtime_error(std::string("s3: cannot write data: ") + std::strerror(errno));
    done += static_cast<size_t>(w);
  }
}

// Copies n bytes from `from` (at offset 0) into `to`: copy_file_range, falling back to read/write.
void copy_fd(int from, int to, uint64_t n) {
  loff_t in = 0, out = 0;
  while (n) {
    ssize_t c = ::copy_file_range(from, &in, to, &out, static_cast<size_t>(std::min<uint64_t>(n, 1 << 30)), 0);
    if (c < 0 && errno == EINTR) continue;
    if (c <= 0) break;
    n -= static_cast<uint64_t>(c);
  }
  std::string buf;
  while (n) {
    buf.resize(static_cast<size_t>(std::min<uint64_t>(n, 1 << 20)));
    ssize_t r = ::pread(from, buf.data(), buf.size(), in);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) throw std::runtime_error("s3: short read while copying data");
    write_fully(to, std::string_view(buf.data(), static_cast<size_t>(r)));
    in += r;
    n -= static_cast<uint64_t>(r);
  }
}

}  // namespace

// ---- records ---------------------------------------------------------------------------------

// The stored version: the table's members (most written only when set), "v", the data
// reference, "sc" (absent for STANDARD), metadata (entries that are not strings skipped when
// read), tags and extra members beside it.
const json::Record<ObjectVersion> kVersionRecord{
    {"vid", &ObjectVersion::version_id},
    {"seq", &ObjectVersion::seq},
    {"dm", &ObjectVersion::delete_marker, true},
    {"mtime", &ObjectVersion::last_modified_ms},
    {"size", &ObjectVersion::size},
    {"etag", &ObjectVersion::etag, true},
    {"owner", &ObjectVersion::owner, true},
    {"ct", &ObjectVersion::content_type, true},
    {"ce", &ObjectVersion::content_encoding, true},
    {"cd", &ObjectVersion::content_disposition, true},
    {"cl", &ObjectVersion::content_language, true},
    {"cc", &ObjectVersion::cache_control, true},
    {"exp", &ObjectVersion::expires, true},
    {"redirect", &ObjectVersion::website_redirect, true},
    {"ck_alg", &ObjectVersion::checksum_algorithm, true},
    {"ck", &ObjectVersion::checksum_value, true},
    {"ck_type", &ObjectVersion::checksum_type, true},
    {"restore", &ObjectVersion::restore, true},
    {"parts", &ObjectVersion::parts_count, true},
};

Doc ObjectVersion::to_doc() const {
  Doc d = kVersionRecord.to_doc(*this);
  d.set("v", 1);
  if (!metadata.empty()) {
    Doc m = Doc::map();
    for (const auto& [k, v] : metadata) m.set(k, v);
    d.set("meta", std::move(m));
  }
  if (!data.empty()) {
    d.set("data", data.id);
    if (data.inline_blob) d.set("inline", true);
  }
  if (!tags.empty()) {
    Doc t = Doc::list();
    for (const auto& [k, v] : tags) {
      Doc p = Doc::list();
      p.push(k);
      p.push(v);
      t.push(std::move(p));
    }
    d.set("tags", std::move(t));
  }
  if (storage_class != "STANDARD") d.set("sc", storage_class);
  if (extra.is_map() && extra.size()) d.set("x", extra);
  return d;
}

// json::write(to_doc()) without the document: the members in the order a Doc map sorts them
// (bytewise by name), each as json::write writes it (store_test pins the equality).
std::string ObjectVersion::encode() const {
  std::string out;
  out.reserve(160 + etag.size() + owner.size() + content_type.size() + checksum_value.size() + data.id.size() +
              version_id.size());
  bool first = true;
  out += '{';
  auto key = [&](std::string_view k) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out += k;
    out += "\":";
  };
  auto text = [&](std::string_view s) {
    out += '"';
    json::escape_into(out, s);
    out += '"';
  };
  auto str = [&](std::string_view k, std::string_view s) {
    key(k);
    text(s);
  };
  auto sparse = [&](std::string_view k, const std::string& s) {
    if (!s.empty()) str(k, s);
  };
  auto num = [&](std::string_view k, int64_t n) {
    key(k);
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, r.ptr);
  };
  sparse("cc", cache_control);
  sparse("cd", content_disposition);
  sparse("ce", content_encoding);
  sparse("ck", checksum_value);
  sparse("ck_alg", checksum_algorithm);
  sparse("ck_type", checksum_type);
  sparse("cl", content_language);
  sparse("ct", content_type);
  if (!data.empty()) str("data", data.id);
  if (delete_marker) {
    key("dm");
    out += "true";
  }
  sparse("etag", etag);
  sparse("exp", expires);
  if (!data.empty() && data.inline_blob) {
    key("inline");
    out += "true";
  }
  if (!metadata.empty()) {
    key("meta");
    out += '{';
    bool first_entry = true;
    for (const auto& [k, val] : metadata) {
      if (!first_entry) out += ',';
      first_entry = false;
      text(k);
      out += ':';
      text(val);
    }
    out += '}';
  }
  num("mtime", last_modified_ms);
  sparse("owner", owner);
  if (parts_count) num("parts", parts_count);
  sparse("redirect", website_redirect);
  sparse("restore", restore);
  if (storage_class != "STANDARD") str("sc", storage_class);
  num("seq", static_cast<int64_t>(seq));
  num("size", static_cast<int64_t>(size));
  if (!tags.empty()) {
    key("tags");
    out += '[';
    for (size_t i = 0; i < tags.size(); ++i) {
      if (i) out += ',';
      out += '[';
      text(tags[i].first);
      out += ',';
      text(tags[i].second);
      out += ']';
    }
    out += ']';
  }
  num("v", 1);
  str("vid", version_id);
  if (extra.is_map() && extra.size()) {
    key("x");
    out += json::write(extra);
  }
  out += '}';
  return out;
}

ObjectVersion ObjectVersion::from_doc(const Doc& d) {
  ObjectVersion v;
  kVersionRecord.from_doc(d, v);
  if (!d.has("vid")) v.version_id = "null";
  v.data.id = d.str("data");
  v.data.inline_blob = d.flag("inline");
  if (const Doc* m = d.get("meta"); m && m->is_map())
    for (const auto& [k, val] : m->as_map())
      if (val.is_string()) v.metadata[k] = val.as_string();
  if (const Doc* t = d.get("tags"); t && t->is_list())
    for (const Doc& p : t->as_list())
      if (p.is_list() && p.as_list().size() == 2 && p.as_list()[0].is_string() && p.as_list()[1].is_string())
        v.tags.emplace_back(p.as_list()[0].as_string(), p.as_list()[1].as_string());
  v.storage_class = d.str("sc", "STANDARD");
  if (const Doc* x = d.get("x"); x && x->is_map()) v.extra = *x;
  return v;
}

namespace {

// The stored bucket (the name is the storage key): the table's members, "v" and the extra
// members ("x", when any) beside it. Records written before the table omitted empty
// versioning/mfa_delete and a false object_lock; they read the same (json::Record's defaults).
const json::Record<Bucket> kBucketRecord{{"account", &Bucket::account},       {"region", &Bucket::region},
                                         {"created", &Bucket::created_ms},    {"versioning", &Bucket::versioning},
                                         {"mfa_delete", &Bucket::mfa_delete}, {"object_lock", &Bucket::object_lock}};

std::string encode_bucket(const Bucket& b) {
  Doc d = kBucketRecord.to_doc(b);
  d.set("v", 1);
  if (b.extra.is_map() && b.extra.size()) d.set("x", b.extra);
  return json::write(d);
}

Bucket decode_bucket(std::string_view name, std::string_view text) {
  Doc d = json::parse(text);
  Bucket b = kBucketRecord.from_doc(d);
  b.name = std::string(name);
  if (const Doc* x = d.get("x"); x && x->is_map()) b.extra = *x;
  return b;
}

std::string encode_version(const ObjectVersion& v) {
  return v.encode();
}
ObjectVersion decode_version(std::string_view text) {
  return ObjectVersion::from_doc(json::parse(text));
}

// Listings read thousands of records per page: their top-level scalar members are read straight
// from the JSON text (scan_summary, no Doc), nested members (metadata, tags, extra) skipped.
// The members a summary reads: text members by pointer, numbers and flags by name.
struct SummaryMember {
  std::string_view name;
  std::string ObjectVersion::*text = nullptr;
  int number = 0;                                     // 1 mtime, 2 size, 3 seq, 4 parts, 5 dm, 6 inline, 7 restore
  std::string_view ListedVersion::*listed = nullptr;  // read_listed's view of a text member
};

// Inlined into the readers: it runs for every member of every record a listing reads.
[[gnu::always_inline]] inline const SummaryMember* summary_member(std::string_view k) {
  using LV = ListedVersion;
  static constexpr SummaryMember kMembers[] = {
      {"vid", &ObjectVersion::version_id, 0, &LV::version_id},
      {"etag", &ObjectVersion::etag, 0, &LV::etag},
      {"owner", &ObjectVersion::owner, 0, &LV::owner},
      {"ck_alg", &ObjectVersion::checksum_algorithm, 0, &LV::checksum_algorithm},
      {"ck", &ObjectVersion::checksum_value, 0},
      {"ck_type", &ObjectVersion::checksum_type, 0, &LV::checksum_type},
      {"sc", &ObjectVersion::storage_class, 0, &LV::storage_class},
      {"restore", &ObjectVersion::restore, 7},
      {"ct", &ObjectVersion::content_type, 0},
      {"data", nullptr, 0},
      {"mtime", nullptr, 1},
      {"size", nullptr, 2},
      {"seq", nullptr, 3},
      {"parts", nullptr, 4},
      {"dm", nullptr, 5},
      {"inline", nullptr, 6},
  };
  // This runs for every member of every record a listing reads: a name's slot in a table of 32,
  // from its length and end bytes (distinct for the names above), then one compare of a word
  // made of its first and last four bytes (all of a name of up to 8; its three bytes below 4).
  constexpr auto slot = [](std::string_view n) {
    return (n.size() + 10 * static_cast<unsigned char>(n[0]) + 10 * static_cast<unsigned char>(n.back())) % 32;
  };
  constexpr auto word = [](std::string_view n) {
    auto b = [&](size_t i) { return static_cast<uint64_t>(static_cast<unsigned char>(n[i])); };
    size_t z = n.size();
    if (z < 4) return b(0) | b(z / 2) << 8 | b(z - 1) << 16;
    return b(0) | b(1) << 8 | b(2) << 16 | b(3) << 24 | b(z - 4) << 32 | b(z - 3) << 40 | b(z - 2) << 48 |
           b(z - 1) << 56;
  };
  static constexpr auto kSlots = [&] {
    std::array<int8_t, 32> t{};
    t.fill(-1);
    for (size_t i = 0; i < std::size(kMembers); ++i) t[slot(kMembers[i].name)] = static_cast<int8_t>(i);
    return t;
  }();
  static constexpr auto kWords = [&] {
    std::array<uint64_t, std::size(kMembers)> w{};
    for (size_t i = 0; i < std::size(kMembers); ++i) w[i] = word(kMembers[i].name);
    return w;
  }();
  static_assert([&] {
    size_t used = 0;
    for (int8_t i : kSlots) used += i >= 0;
    bool short_names = true;
    for (const auto& m : kMembers) short_names = short_names && m.name.size() <= 8;
    return used == std::size(kMembers) && short_names;
  }());
  if (k.empty()) return nullptr;
  int8_t i = kSlots[slot(k)];
  if (i < 0 || kMembers[i].name.size() != k.size() || word(k) != kWords[i]) return nullptr;
  return &kMembers[i];
}

// A member's value, applied to the summary.
void apply_summary(ObjectVersion& v, const SummaryMember& m, std::string_view text) {
  if (m.text) (v.*(m.text)).assign(text);
  if (m.name == "data") v.data.id.assign(text);
}

void apply_summary(ObjectVersion& v, const SummaryMember& m, int64_t n) {
  if (m.number == 1) v.last_modified_ms = n;
  if (m.number == 2) v.size = static_cast<uint64_t>(n);
  if (m.number == 3) v.seq = static_cast<uint64_t>(n);
  if (m.number == 4) v.parts_count = n;
}

void apply_summary(ObjectVersion& v, const SummaryMember& m, bool b) {
  if (m.number == 5) v.delete_marker = b;
  if (m.number == 6) v.data.inline_blob = b;
}

// An integer member's text ("-"? digits), read only by the visitors that want it.
struct Digits {
  std::string_view text;
  // false when it does not fit.
  [[gnu::always_inline]] bool get(int64_t& out) const {
    if (text.size() <= 18 && text[0] != '-') {  // by hand: every stored number
      uint64_t u = 0;
      for (char d : text) u = u * 10 + static_cast<uint64_t>(d - '0');
      out = static_cast<int64_t>(u);
      return true;
    }
    auto r = std::from_chars(text.data(), text.data() + text.size(), out);
    return r.ec == std::errc() && r.ptr == text.data() + text.size();
  }
};

// Reads the top-level scalar members of a record as json::write writes it (an object of plain
// members, keys without escapes), stopping at "x" (the extra members, which sort last): visit(key,
// text), visit(key, Digits) and visit(key, bool) for each, which return false to give up. false
// for anything else (a string with escapes, a fraction, a malformed text): the caller decodes the
// whole record instead.
template <class Visit>
bool scan_members(std::string_view t, Visit&& visit) {
  size_t i = 0, n = t.size();
  auto ws = [&] {
    while (i < n && (t[i] == ' ' || t[i] == '\n' || t[i] == '\t' || t[i] == '\r')) ++i;
  };
  // A quoted string without escapes at t[i] ('"'): its contents. Eight bytes at a time, then byte
  // by byte.
  auto plain_string = [&](std::string_view& out) {
    size_t j = i + 1;
    for (; j + 8 <= n; j += 8) {
      uint64_t w = bytes::load8(t.data() + j);
      if (uint64_t m = bytes::equal(w, '"') | bytes::equal(w, '\\')) {
        j += bytes::first(m);
        break;
      }
    }
    while (j < n && t[j] != '"' && t[j] != '\\') ++j;
    if (j >= n || t[j] != '"') return false;
    out = t.substr(i + 1, j - i - 1);
    i = j + 1;
    return true;
  };
  // Skips a nested object or array (strings may hold escapes).
  auto skip_nested = [&] {
    int depth = 0;
    for (; i < n; ++i) {
      char c = t[i];
      if (c == '"') {
        for (++i; i < n && t[i] != '"'; ++i)
          if (t[i] == '\\') ++i;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        ++i;
        return true;
      }
    }
    return false;
  };
  ws();
  if (i >= n || t[i] != '{') return false;
  ++i;
  for (;;) {
    ws();
    if (i < n && t[i] == '}') return true;
    std::string_view key;
    if (i >= n || t[i] != '"' || !plain_string(key)) return false;
    if (key.size() == 1 && key[0] == 'x') return true;
    ws();
    if (i >= n || t[i] != ':') return false;
    ++i;
    ws();
    if (i >= n) return false;
    char c = t[i];
    if (c == '"') {
      std::string_view text;
      if (!plain_string(text)) return false;
      if (!visit(key, text)) return false;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t first = i + (c == '-');
      for (i = first; i < n && t[i] >= '0' && t[i] <= '9';) ++i;
      if (i == first || (i < n && (t[i] == '.' || t[i] == 'e' || t[i] == 'E'))) return false;
      if (!visit(key, Digits{t.substr(first - (c == '-'), i - first + (c == '-'))})) return false;
    } else if (c == 't' || c == 'f' || c == 'n') {
      // true, false, null
      size_t len = c == 'f' ? 5 : 4;
      if (i + len > n) return false;
      i += len;
      if (c != 'n' && !visit(key, c == 't')) return false;
    } else if (c == '{' || c == '[') {
      if (!skip_nested()) return false;
    } else {
      return false;
    }
    ws();
    if (i < n && t[i] == ',') {
      ++i;
      continue;
    }
    return i < n && t[i] == '}';
  }
}

bool scan_summary(std::string_view t, ObjectVersion& v) {
  return scan_members(t, [&v](std::string_view key, auto value) {
    const SummaryMember* m = summary_member(key);
    if constexpr (std::is_same_v<decltype(value), Digits>) {
      int64_t n = 0;
      if (!value.get(n)) return false;
      if (m) apply_summary(v, *m, n);
    } else {
      if (m) apply_summary(v, *m, value);
    }
    return true;
  });
}

// Reads a summary into `v`, reusing its strings' storage (a scan decodes thousands).
void decode_summary(std::string_view text, ObjectVersion& v) {
  v.version_id.clear();
  v.seq = 0;
  v.delete_marker = false;
  v.last_modified_ms = 0;
  v.size = 0;
  v.etag.clear();
  v.data.id.clear();
  v.data.inline_blob = false;
  v.owner.clear();
  v.checksum_algorithm.clear();
  v.checksum_value.clear();
  v.checksum_type.clear();
  v.storage_class = "STANDARD";
  v.restore.clear();
  v.content_type.clear();
  v.parts_count = 0;
  if (!scan_summary(text, v)) {
    v = decode_version(text);
    return;
  }
  if (v.version_id.empty()) v.version_id = "null";
}

}  // namespace

void read_summary(std::string_view text, ObjectVersion& v) {
  decode_summary(text, v);
}

void read_listed(std::string_view text, ListedVersion& out) {
  auto reset = [&out] {
    out.version_id = out.etag = out.owner = out.checksum_algorithm = out.checksum_type = {};
    out.storage_class = "STANDARD";
    out.last_modified_ms = 0;
    out.size = 0;
    out.delete_marker = out.restored = false;
  };
  reset();
  bool scanned = scan_members(text, [&out](std::string_view k, auto value) {
    const SummaryMember* m = summary_member(k);
    if (!m) return true;
    using T = decltype(value);
    if constexpr (std::is_same_v<T, std::string_view>) {
      if (m->listed) out.*(m->listed) = value;
      if (m->number == 7) out.restored = !value.empty();
    } else if constexpr (std::is_same_v<T, bool>) {
      if (m->number == 5) out.delete_marker = value;
    } else if (m->number == 1 || m->number == 2) {
      int64_t n = 0;
      if (!value.get(n)) return false;
      if (m->number == 1) out.last_modified_ms = n;
      if (m->number == 2) out.size = static_cast<uint64_t>(n);
    }
    return true;
  });
  if (scanned) {
    if (out.version_id.empty()) out.version_id = "null";
    return;
  }
  reset();
  out.whole = decode_version(text);
  const ObjectVersion& w = out.whole;
  std::tie(out.version_id, out.etag, out.owner, out.checksum_algorithm, out.checksum_type, out.storage_class) =
      std::tie(w.version_id, w.etag, w.owner, w.checksum_algorithm, w.checksum_type, w.storage_class);
  std::tie(out.last_modified_ms, out.size, out.delete_marker) = std::tie(w.last_modified_ms, w.size, w.delete_marker);
  out.restored = !w.restore.empty();
}

// One definition for every service (auth/keystore.h).
std::string canonical_user_id(std::string_view account) {
  return auth::canonical_user_id(account);
}

std::string display_name(std::string_view account) {
  return auth::display_name(account);
}

// ---- store -----------------------------------------------------------------------------------

Store::Store(storage::Engine& engine, std::string root, bool fsync)
    : engine_(engine), root_(std::move(root)), fsync_(fsync) {}

Store::~Store() = default;

void Store::start() {
  fs::create_directories(root_ + "/data");
  // The sweep: data files that no record references (a kill -9 between writing a file and
  // committing its record, or between a commit and the unlink of replaced data).
  size_t removed = 0;
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(root_ + "/data", ec)) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path(), ec)) {
      std::string id = f.path().filename().string();
      std::string ignored;
      if (engine_.get(kFiles.name, id, &ignored).not_found()) {
        fs::remove(f.path(), ec);
        ++removed;
      }
    }
  }
  if (removed) spdlog::info("s3: removed {} unreferenced data file(s)", removed);
}

void Store::reset() {
  for (KeyLock& kl : key_locks_) {
    std::lock_guard lock(kl.mu);
    kl.known = false;
  }
  {
    std::lock_guard lk(buckets_mu_);
    ++bucket_gen_;
    bucket_cache_.clear();
    config_cache_.clear();
  }
  std::error_code ec;
  fs::remove_all(root_ + "/data", ec);
  fs::create_directories(root_ + "/data", ec);
}

void Store::write(storage::WriteBatch& batch) const {
  storage::Status s = engine_.write(batch);
  if (!s.ok()) {
    spdlog::error("s3: storage write failed: {}", s.message);
    throw internal_error();
  }
}

// ---- buckets

std::optional<Bucket> Store::bucket(std::string_view name) const {
  uint64_t gen;
  {
    std::lock_guard lk(buckets_mu_);
    if (auto it = bucket_cache_.find(std::string(name)); it != bucket_cache_.end()) return it->second;
    gen = bucket_gen_;
  }
  std::string v;
  if (!engine_.get(kBuckets.name, bucket_key(name), &v).ok()) return std::nullopt;
  Bucket b = decode_bucket(name, v);
  std::lock_guard lk(buckets_mu_);
  // Not when a writer changed buckets meanwhile (the record read may be the old one).
  if (gen == bucket_gen_ && bucket_cache_.size() < kBucketCacheMax) bucket_cache_.emplace(b.name, b);
  return b;
}

void Store::forget_bucket(std::string_view name) const {
  std::lock_guard lk(buckets_mu_);
  ++bucket_gen_;
  bucket_cache_.erase(std::string(name));
  // Its configuration records go with a deleted bucket; rare enough to forget every one.
  config_cache_.clear();
}

Bucket Store::require_bucket(std::string_view name) const {
  auto b = bucket(name);
  if (!b) throw no_such_bucket(name);
  return *b;
}

bool Store::create_bucket(const Bucket& b) {
  storage::WriteBatch batch;
  batch.require({storage::Condition::Kind::not_exists, std::string(kBuckets.name), bucket_key(b.name), {}});
  batch.put(kBuckets.name, bucket_key(b.name), encode_bucket(b));
  storage::Status s = engine_.write(batch);
  forget_bucket(b.name);
  if (s.conflict()) return false;
  if (!s.ok()) throw internal_error();
  return true;
}

void Store::update_bucket(const Bucket& b) {
  storage::WriteBatch batch;
  batch.require({storage::Condition::Kind::exists, std::string(kBuckets.name), bucket_key(b.name), {}});
  batch.put(kBuckets.name, bucket_key(b.name), encode_bucket(b));
  storage::Status s = engine_.write(batch);
  forget_bucket(b.name);
  if (s.conflict()) throw no_such_bucket(b.name);
  if (!s.ok()) throw internal_error();
}

bool Store::bucket_empty(std::string_view name) const {
  std::string p = bucket_prefix(name);
  for (auto ks : {kObjects.name, kVersions.name}) {
    auto it = engine_.prefix(ks, p);
    if (it->valid()) return false;
  }
  return true;
}

Store::KeyLock& Store::key_lock(std::string_view okey) const {
  return key_locks_[std::hash<std::string_view>{}(okey) % kKeyLocks];
}

std::shared_mutex& Store::bucket_gate(std::string_view bucket) const {
  return bucket_gates_[std::hash<std::string_view>{}(bucket) % kBucketGates];
}

void Store::delete_bucket(std::string_view name) {
  // No object writer is between its read of the bucket and its commit while the bucket goes:
  // a PUT racing this DeleteBucket lands before the emptiness check (BucketNotEmpty) or finds no
  // bucket.
  std::unique_lock gate(bucket_gate(name));
  require_bucket(name);
  if (!bucket_empty(name))
    throw s3_error("BucketNotEmpty", "The bucket you tried to delete is not empty", 409, {{"BucketName", name}});
  storage::WriteBatch batch;
  batch.del(kBuckets.name, bucket_key(name));
  for (auto it = engine_.prefix(kConfig.name, bucket_prefix(name)); it->valid(); it->next())
    batch.del(kConfig.name, it->key());
  forget_bucket(name);  // before and after: no reader caches the record while it goes
  write(batch);
  forget_bucket(name);
}

std::vector<Bucket> Store::buckets() const {
  std::vector<Bucket> out;
  for (auto it = engine_.scan(kBuckets.name, {}); it->valid(); it->next())
    out.push_back(decode_bucket(it->key(), it->value()));
  return out;
}

// ---- access

void Store::authorize(const OpContext& ctx, const Bucket& bucket, std::string_view action, std::string_view key) const {
  if (authorizer_) return authorizer_(ctx, bucket, action, key);
  if (ctx.caller.account != bucket.account) throw s3_error("AccessDenied", "Access Denied", 403);
}

// ---- configuration records

std::optional<std::string> Store::config(std::string_view bucket, std::string_view name) const {
  // Cached, absence included (every PUT asks for the bucket's policy, encryption, object lock...);
  // the store is the records' only writer and forgets an entry as the bucket cache does.
  std::string ck = std::string(bucket) + '\0' + std::string(name);
  uint64_t gen;
  {
    std::lock_guard lk(buckets_mu_);
    if (auto it = config_cache_.find(ck); it != config_cache_.end()) return it->second;
    gen = bucket_gen_;
  }
  std::optional<std::string> out;
  if (std::string v; engine_.get(kConfig.name, config_key(bucket, name), &v).ok()) out = std::move(v);
  std::lock_guard lk(buckets_mu_);
  if (gen == bucket_gen_ && config_cache_.size() < kBucketCacheMax) config_cache_.emplace(std::move(ck), out);
  return out;
}

void Store::forget_config(std::string_view bucket, std::string_view name) const {
  std::lock_guard lk(buckets_mu_);
  ++bucket_gen_;
  config_cache_.erase(std::string(bucket) + '\0' + std::string(name));
}

void Store::put_config(std::string_view bucket, std::string_view name, std::string_view value) {
  struct Forget {  // before and after the write: no reader caches the old record meanwhile
    const Store& st;
    std::string_view bucket, name;
    ~Forget() { st.forget_config(bucket, name); }
  } forget{*this, bucket, name};
  forget_config(bucket, name);
  storage::WriteBatch batch;
  batch.require({storage::Condition::Kind::exists, std::string(kBuckets.name), bucket_key(bucket), {}});
  batch.put(kConfig.name, config_key(bucket, name), value);
  storage::Status s = engine_.write(batch);
  if (s.conflict()) throw no_such_bucket(bucket);
  if (!s.ok()) throw internal_error();
}

void Store::delete_config(std::string_view bucket, std::string_view name) {
  forget_config(bucket, name);
  struct Forget {
    const Store& st;
    std::string_view bucket, name;
    ~Forget() { st.forget_config(bucket, name); }
  } forget{*this, bucket, name};
  if (!engine_.del(kConfig.name, config_key(bucket, name)).ok()) throw internal_error();
}

// ---- data

std::string Store::data_path(std::string_view id) const {
  return root_ + "/data/" + std::string(id.substr(0, 2)) + "/" + std::string(id);
}

std::pair<std::string, int> Store::new_data_file() {
  std::string id = random_hex(32);
  std::string path = data_path(id);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == ENOENT) {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  }
  if (fd < 0) {
    spdlog::error("s3: cannot create {}: {}", path, std::strerror(errno));
    throw internal_error();
  }
  return {id, fd};
}

void Store::sync_data(int fd) const {
  if (fsync_) ::fdatasync(fd);
}

DataRef Store::fill_new_file(const std::function<void(int fd)>& fill) {
  auto [id, fd] = new_data_file();
  try {
    fill(fd);
    sync_data(fd);
  } catch (const std::exception& e) {
    ::close(fd);
    ::unlink(data_path(id).c_str());
    spdlog::error("s3: cannot write data: {}", e.what());
    throw internal_error();
  }
  ::close(fd);
  return DataRef{id, false, {}};
}

DataRef Store::write_data(std::string_view bytes) {
  if (bytes.empty()) return {};
  if (bytes.size() <= kInlineMax) return DataRef{random_hex(32), true, std::string(bytes)};
  return fill_new_file([&](int fd) { write_fully(fd, bytes); });
}

DataRef Store::adopt_spool(const http::BodyFile& spool) {
  if (spool.size == 0) return {};
  if (spool.size <= kInlineMax) return write_data(spool.read(0, static_cast<size_t>(spool.size)));
  std::string id = random_hex(32);
  std::string path = data_path(id);
  std::string proc = "/proc/self/fd/" + std::to_string(spool.fd);
  int r = ::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW);
  if (r != 0 && errno == ENOENT) {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    r = ::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW);
  }
  if (r == 0) {
    sync_data(spool.fd);
    return DataRef{id, false, {}};
  }
  // Another file system (or no /proc): copy.
  return fill_new_file([&](int fd) { copy_fd(spool.fd, fd, spool.size); });
}

DataRef Store::copy_data(const DataRef& from, uint64_t size) {
  if (from.empty()) return {};
  if (from.inline_blob) {
    auto bytes = read_inline(from);
    if (!bytes) throw internal_error();
    return write_data(*bytes);
  }
  auto src = open_data(from, size);
  if (!src) throw internal_error();
  return fill_new_file([&](int fd) { copy_fd(src->fd, fd, size); });
}

std::optional<std::string> Store::read_inline(const DataRef& d) const {
  if (!d.pending.empty()) return d.pending;
  std::string v;
  if (!engine_.get(kBlobs.name, d.id, &v).ok()) return std::nullopt;
  return v;
}

std::shared_ptr<http::BodyFile> Store::open_data(const DataRef& d, uint64_t size) const {
  int fd = ::open(data_path(d.id).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  auto f = std::make_shared<http::BodyFile>();
  f->fd = fd;
  f->size = size;
  return f;
}

std::string Store::read_all(const ObjectVersion& v) const {
  if (v.data.empty()) return {};
  if (v.data.inline_blob) {
    auto b = read_inline(v.data);
    if (!b) throw internal_error();
    return *b;
  }
  auto f = open_data(v.data, v.size);
  if (!f) throw internal_error();
  return f->read(0, static_cast<size_t>(v.size));
}

void Store::reference(storage::WriteBatch& batch, const DataRef& d) {
  if (d.empty()) return;
  if (!d.inline_blob)
    batch.put(kFiles.name, d.id, std::string_view());
  else if (!d.pending.empty())
    batch.put(kBlobs.name, d.id, d.pending);
}

void Store::unreference(storage::WriteBatch& batch, const DataRef& d) {
  if (d.empty()) return;
  batch.del(d.inline_blob ? kBlobs.name : kFiles.name, d.id);
}

void Store::remove_data(const DataRef& d) {
  if (!d.empty() && !d.inline_blob) ::unlink(data_path(d.id).c_str());
}

void Store::discard(const DataRef& d) {
  if (d.empty()) return;
  if (d.inline_blob)
    engine_.del(kBlobs.name, d.id);
  else
    ::unlink(data_path(d.id).c_str());
}

// ---- ids

std::string Store::new_version_id() {
  // 32 characters of S3's version id alphabet.
  static constexpr char kAlpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::string s(32, 'A');
  for (size_t i = 0; i < s.size(); ++i) s[i] = kAlpha[rng() % 64];
  return s;
}

uint64_t Store::next_seq(int64_t now_ms) {
  uint64_t want = static_cast<uint64_t>(now_ms) * 1000;
  uint64_t last = last_seq_.load();
  for (;;) {
    uint64_t next = std::max(want, last + 1);
    if (last_seq_.compare_exchange_weak(last, next)) return next;
  }
}

// ---- objects

std::optional<std::string> Store::current_text(std::string_view bucket, std::string_view key) const {
  std::string v;
  if (!engine_.get(kObjects.name, object_key(bucket, key), &v).ok()) return std::nullopt;
  return v;
}

std::optional<ObjectVersion> Store::current(std::string_view bucket, std::string_view key) const {
  auto text = current_text(bucket, key);
  if (!text) return std::nullopt;
  return decode_version(*text);
}

std::vector<ObjectVersion> Store::noncurrent(std::string_view bucket, std::string_view key) const {
  std::vector<ObjectVersion> out;
  for (auto it = engine_.prefix(kVersions.name, object_key(bucket, key)); it->valid(); it->next())
    out.push_back(decode_version(it->value()));
  return out;
}

std::optional<ObjectVersion> Store::version(std::string_view bucket, std::string_view key,
                                            std::string_view version_id) const {
  auto cur = current(bucket, key);
  if (cur && cur->version_id == version_id) return cur;
  for (auto& v : noncurrent(bucket, key))
    if (v.version_id == version_id) return std::move(v);
  return std::nullopt;
}

namespace {

AwsError busy() {
  return s3_error(
      "OperationAborted",
      "A conflicting conditional operation is currently in progress against this resource. Please try again.", 409);
}

}  // namespace

void Store::drop_null_noncurrent(storage::WriteBatch& batch, const std::string& okey,
                                 std::vector<DataRef>& dropped) const {
  for (auto it = engine_.prefix(kVersions.name, okey); it->valid(); it->next()) {
    ObjectVersion old = decode_version(it->value());
    if (old.version_id != "null") continue;
    batch.del(kVersions.name, it->key());
    dropped.push_back(old.data);
  }
}

void Store::retire_current(storage::WriteBatch& batch, std::string_view bucket, std::string_view key,
                           const ObjectVersion& cur, const std::string& cur_raw, bool versioned,
                           std::vector<DataRef>& dropped) const {
  if (cur.version_id == "null" && !versioned)
    dropped.push_back(cur.data);
  else
    batch.put(kVersions.name, version_key(bucket, key, cur.seq), cur_raw);
}

bool Store::commit(storage::WriteBatch& batch, const std::vector<DataRef>& dropped, std::string_view bucket) {
  for (const auto& d : dropped) unreference(batch, d);
  storage::Status s = engine_.write(batch);
  if (s.conflict()) {
    if (!this->bucket(bucket)) throw no_such_bucket(bucket);
    return false;
  }
  if (!s.ok()) throw internal_error();
  for (const auto& d : dropped) remove_data(d);
  return true;
}

ObjectVersion Store::put_object(const Bucket& b, std::string_view key, ObjectVersion v, int64_t now_ms,
                                const Check& check, const Also& also) {
  const std::string okey = object_key(b.name, key);
  try {
    std::shared_lock gate(bucket_gate(b.name));
    KeyLock& kl = key_lock(okey);
    std::lock_guard lock(kl.mu);
    return put_locked(kl, okey, b, key, v, now_ms, check, also);
  } catch (...) {
    discard(v.data);
    throw;
  }
}

std::optional<ObjectVersion> Store::try_put_object(const Bucket& b, std::string_view key, ObjectVersion& v,
                                                   int64_t now_ms, const Check& check) {
  const std::string okey = object_key(b.name, key);
  std::shared_lock gate(bucket_gate(b.name), std::try_to_lock);
  if (!gate.owns_lock()) return std::nullopt;
  KeyLock& kl = key_lock(okey);
  std::unique_lock lock(kl.mu, std::try_to_lock);
  if (!lock.owns_lock()) return std::nullopt;
  try {
    return put_locked(kl, okey, b, key, v, now_ms, check, {});
  } catch (...) {
    discard(v.data);
    throw;
  }
}

ObjectVersion Store::put_locked(KeyLock& kl, const std::string& okey, const Bucket& b, std::string_view key,
                                ObjectVersion& v, int64_t now_ms, const Check& check, const Also& also) {
  for (int attempt = 0; attempt < kCommitRetries; ++attempt) {
    std::optional<std::string> cur_raw;
    if (kl.known && kl.okey == okey) {
      cur_raw = kl.raw;
    } else if (std::string raw; engine_.get(kObjects.name, okey, &raw).ok()) {
      cur_raw = std::move(raw);
    }
    // A summary is all a write needs of the version it replaces (ids, data, etag).
    std::optional<ObjectVersion> cur;
    if (cur_raw) decode_summary(*cur_raw, cur.emplace());
    if (check) check(cur);
    // The bucket's versioning as it is now (it may have changed since the caller read it).
    Bucket live = require_bucket(b.name);
    bool versioned = live.versioning == "Enabled";
    v.seq = next_seq(now_ms);
    if (!v.last_modified_ms) v.last_modified_ms = now_ms;
    v.version_id = versioned ? new_version_id() : "null";
    // No conditions: the gate keeps the bucket, the key lock the current record (store.h).
    storage::WriteBatch batch;
    std::vector<DataRef> dropped;
    if (cur) retire_current(batch, b.name, key, *cur, *cur_raw, versioned, dropped);
    if (!versioned && live.versioning == "Suspended") drop_null_noncurrent(batch, okey, dropped);
    reference(batch, v.data);
    std::string record = encode_version(v);
    batch.put(kObjects.name, okey, record);
    if (also) also(batch);
    kl.known = false;
    if (commit(batch, dropped, b.name)) {
      kl.okey = okey;
      kl.raw = std::move(record);
      kl.known = true;
      v.data.pending.clear();
      return std::move(v);
    }
  }
  throw busy();
}

Store::Deleted Store::delete_object(const Bucket& b, std::string_view key, const std::optional<std::string>& version_id,
                                    int64_t now_ms, const Check& check) {
  const std::string okey = object_key(b.name, key);
  std::shared_lock gate(bucket_gate(b.name));
  KeyLock& kl = key_lock(okey);
  std::lock_guard lock(kl.mu);
  kl.known = false;
  for (int attempt = 0; attempt < kCommitRetries; ++attempt) {
    std::string raw;
    std::optional<std::string> cur_raw;
    if (engine_.get(kObjects.name, okey, &raw).ok()) cur_raw = raw;
    std::optional<ObjectVersion> cur;
    if (cur_raw) cur = decode_version(*cur_raw);
    if (check) check(cur);
    Bucket live = require_bucket(b.name);
    storage::WriteBatch batch;  // no conditions for the bucket and the current record (store.h)
    std::vector<DataRef> dropped;
    Deleted out;
    if (!version_id) {
      if (live.versioning.empty()) {
        if (!cur) return out;  // nothing to delete: still a success
        batch.del(kObjects.name, okey);
        dropped.push_back(cur->data);
      } else {
        bool versioned = live.versioning == "Enabled";
        ObjectVersion marker;
        marker.delete_marker = true;
        marker.seq = next_seq(now_ms);
        marker.last_modified_ms = now_ms;
        marker.version_id = versioned ? new_version_id() : "null";
        if (cur) retire_current(batch, b.name, key, *cur, *cur_raw, versioned, dropped);
        if (!versioned) drop_null_noncurrent(batch, okey, dropped);
        batch.put(kObjects.name, okey, encode_version(marker));
        out.delete_marker = true;
        out.version_id = marker.version_id;
        out.seq = marker.seq;
      }
    } else if (cur && cur->version_id == *version_id) {
      out.delete_marker = cur->delete_marker;
      out.version_id = cur->version_id;
      dropped.push_back(cur->data);
      // The newest noncurrent version becomes current.
      auto it = engine_.prefix(kVersions.name, okey);
      if (it->valid()) {
        batch.put(kObjects.name, okey, it->value());
        batch.del(kVersions.name, it->key());
      } else {
        batch.del(kObjects.name, okey);
      }
    } else {
      bool found = false;
      for (auto it = engine_.prefix(kVersions.name, okey); it->valid(); it->next()) {
        ObjectVersion old = decode_version(it->value());
        if (old.version_id != *version_id) continue;
        // The noncurrent record must still be there when the batch applies.
        batch.require({storage::Condition::Kind::exists, std::string(kVersions.name), std::string(it->key()), {}});
        batch.del(kVersions.name, it->key());
        dropped.push_back(old.data);
        out.delete_marker = old.delete_marker;
        out.version_id = old.version_id;
        found = true;
        break;
      }
      if (!found) {
        out.version_id = *version_id;  // S3 answers 204 for a version that is not there
        return out;
      }
    }
    out.removed = true;
    if (!out.seq) out.seq = next_seq(now_ms);
    if (commit(batch, dropped, b.name)) return out;
  }
  throw busy();
}

ObjectVersion Store::update_version(std::string_view bucket, std::string_view key,
                                    const std::optional<std::string>& version_id,
                                    const std::function<void(ObjectVersion&)>& fn) {
  const std::string okey = object_key(bucket, key);
  std::shared_lock gate(bucket_gate(bucket));
  KeyLock& kl = key_lock(okey);
  std::lock_guard lock(kl.mu);
  kl.known = false;
  for (int attempt = 0; attempt < kCommitRetries; ++attempt) {
    std::string raw;
    std::string where_ks(kObjects.name), where = okey;
    bool found = engine_.get(kObjects.name, okey, &raw).ok();
    if (found && version_id && decode_version(raw).version_id != *version_id) {
      found = false;
      for (auto it = engine_.prefix(kVersions.name, okey); it->valid(); it->next()) {
        if (decode_version(it->value()).version_id != *version_id) continue;
        raw = std::string(it->value());
        where_ks = std::string(kVersions.name);
        where = std::string(it->key());
        found = true;
        break;
      }
    }
    if (!found) {
      if (!this->bucket(bucket)) throw no_such_bucket(bucket);
      if (version_id) throw no_such_version(key, *version_id);
      throw no_such_key(key);
    }
    ObjectVersion v = decode_version(raw);
    fn(v);
    storage::WriteBatch batch;
    batch.require({storage::Condition::Kind::equals, where_ks, where, raw});
    batch.put(where_ks, where, encode_version(v));
    storage::Status s = engine_.write(batch);
    if (s.conflict()) continue;
    if (!s.ok()) throw internal_error();
    return v;
  }
  throw busy();
}

// ---- listing

namespace {

// The range of s3.objects a listing of `bucket` reads: keys >= from starting with prefix. `base`
// is the bucket's part of each key.
storage::ScanOptions listing_range(const std::string& base, std::string_view prefix, std::string_view from) {
  storage::ScanOptions o;
  std::string lo = base + std::string(prefix);
  // Stored keys are "key\0": starting at `from` finds it first when present.
  o.start = std::max(lo, base + std::string(from));
  o.end = storage::prefix_end(lo);
  return o;
}

// The current records of keys >= from (> from when `after`) starting with prefix, in key order:
// fn(key, record text) returns false to stop.
template <class Fn>
void scan_objects(storage::Engine& engine, std::string_view bucket, std::string_view prefix, std::string_view from,
                  bool after, Fn&& fn) {
  std::string base = bucket_prefix(bucket);
  storage::ScanOptions o = listing_range(base, prefix, from);
  for (auto it = engine.scan(kObjects.name, o); it->valid(); it->next()) {
    std::string_view k = it->key().substr(base.size());
    if (!k.empty() && k.back() == '\0') k.remove_suffix(1);
    if (after && k == from) continue;
    if (o.end.empty() && k.substr(0, prefix.size()) != prefix) break;  // else the scan's end bounds it
    if (!fn(k, it->value())) return;
  }
}

// Every version record of keys >= from starting with prefix, each key's newest first: fn(key,
// record text, is_latest) returns false to stop. The current records and the noncurrent ones
// (stored under the current one's key and ~seq) are walked side by side from one snapshot.
template <class Fn>
void scan_all_versions(storage::Engine& engine, std::string_view bucket, std::string_view prefix, std::string_view from,
                       Fn&& fn) {
  std::string base = bucket_prefix(bucket);
  storage::ScanOptions o = listing_range(base, prefix, from);
  auto snap = engine.snapshot();
  o.snapshot = snap.get();
  auto vit = engine.scan(kVersions.name, o);
  for (auto it = engine.scan(kObjects.name, o); it->valid(); it->next()) {
    std::string_view okey = it->key();
    std::string_view k = okey.substr(base.size());
    if (!k.empty() && k.back() == '\0') k.remove_suffix(1);
    if (o.end.empty() && k.substr(0, prefix.size()) != prefix) break;
    if (!fn(k, it->value(), true)) return;
    for (; vit->valid() && vit->key() < okey; vit->next()) {  // versions of keys without a current record
    }
    for (; vit->valid() && vit->key().substr(0, okey.size()) == okey; vit->next())
      if (!fn(k, vit->value(), false)) return;
  }
}

}  // namespace

void Store::scan_listing(std::string_view bucket, std::string_view prefix, std::string_view from, bool after,
                         const std::function<bool(std::string_view, const ListedVersion&)>& fn) const {
  ListedVersion v;
  scan_objects(engine_, bucket, prefix, from, after, [&](std::string_view k, std::string_view text) {
    read_listed(text, v);
    return fn(k, v);
  });
}

void Store::scan_versions(std::string_view bucket, std::string_view prefix, std::string_view from,
                          const std::function<bool(std::string_view, const ObjectVersion&, bool)>& fn) const {
  scan_all_versions(engine_, bucket, prefix, from, [&](std::string_view k, std::string_view text, bool latest) {
    return fn(k, decode_version(text), latest);
  });
}

void Store::scan_listed_versions(std::string_view bucket, std::string_view prefix, std::string_view from,
                                 const std::function<bool(std::string_view, const ListedVersion&, bool)>& fn) const {
  ListedVersion v;
  scan_all_versions(engine_, bucket, prefix, from, [&](std::string_view k, std::string_view text, bool latest) {
    read_listed(text, v);
    return fn(k, v, latest);
  });
}

}  // namespace stratus::s3
