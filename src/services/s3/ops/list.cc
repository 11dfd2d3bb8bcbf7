// Listings: ListObjectsV2, ListObjects (v1), ListObjectVersions — prefix, delimiter and common
// prefixes, markers and continuation tokens, max-keys, encoding-type=url; UTF-8 byte order.
#include <array>
#include <cctype>
#include <charconv>
#include <cstring>

#include "core/encoding.h"
#include "services/s3/bytes.h"
#include "services/s3/ops.h"
#include "services/s3/ops/common.h"
#include "services/s3/range.h"
#include "storage/engine.h"

namespace stratus::s3 {
namespace {

int64_t max_keys(const Doc& in) {
  const Doc* m = in.get("MaxKeys");
  if (!m) return 1000;
  if (!m->is_number() || m->as_int() < 0)
    throw invalid_argument("Provided max-keys not an integer or within integer range", "max-keys",
                           m->is_string() ? m->as_string() : std::string());
  return std::min<int64_t>(m->as_int(), 1000);
}

struct Listing {
  std::string prefix, delimiter;
  bool url = false;
  // encoding-type=url: as S3 writes it (space as '+', '/' kept), which botocore's unquote_plus reads.
  std::string enc(std::string_view s) const {
    if (!url) return std::string(s);
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : s) {
      auto c = static_cast<unsigned char>(ch);
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
        out += ch;
      } else if (c == ' ') {
        out += '+';
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    return out;
  }
};

// Over HTTP a listing answer is XML written straight from the scan, byte for byte what the
// rest-xml codec writes for the output document (members in model order, flattened lists,
// ISO 8601 seconds): a Doc of a thousand entries and its model-driven encoding cost most of a
// page's time. Internal calls get the document.
//
// The buffer grows ahead (room()) and entries are copied in unchecked (put*): the per-entry
// constant pieces are rendered once per page (the entry's head up to the ETag for its checksum
// algorithm, LastModified per second, the Owner, the tail from StorageClass on).
// a == b for the short values an entry repeats (storage class, checksum algorithm): a loop, not a
// memcmp call.
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// The entity XML text writes for a byte (markup characters, and CR, which XML parsers turn into
// LF), or "" for the byte itself: protocol::xml::append_text's escaping.
constexpr std::string_view entity(char c) {
  return c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '\r' ? "&#xD;" : std::string_view();
}

// The bytes entity() replaces.
constexpr auto kMarkup = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = !entity(static_cast<char>(c)).empty();
  return t;
}();

struct Xml {
  std::string buf;
  size_t len = 0;
  // Repeated pieces of a page, rendered once.
  int64_t ts_seconds = -1;
  std::string ts;  // <LastModified>...</LastModified>
  std::string owner_account, owner;
  std::string head_alg, head_type, head;  // <Contents>, the checksum members, <ETag>"
  bool has_head = false;
  std::string tail_class, tail;  // </Size><StorageClass>...</StorageClass></Contents>

  std::string_view view() const { return {buf.data(), len}; }
  std::string take() {
    buf.resize(len);
    return std::move(buf);
  }
  // Makes room for `more` bytes of put*() calls.
  void room(size_t more) {
    if (len + more > buf.size()) buf.resize(std::max(buf.size() * 2, len + more + 4096));
  }
  void put(std::string_view s) {
    std::memcpy(buf.data() + len, s.data(), s.size());
    len += s.size();
  }
  // Escaped as protocol::xml::append_text does (room: 5 bytes a byte). Words of eight bytes with
  // nothing to escape (most of a key or an ETag) are copied at once.
  void put_text(std::string_view s) {
    char* p = buf.data() + len;
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t w = bytes::load8(s.data() + i);
      if (bytes::equal(w, '&') | bytes::equal(w, '<') | bytes::equal(w, '>') | bytes::equal(w, '\r')) break;
      std::memcpy(p, &w, 8);
      p += 8;
    }
    for (char ch : s.substr(i)) {
      if (!kMarkup[static_cast<unsigned char>(ch)]) {
        *p++ = ch;
        continue;
      }
      std::string_view e = entity(ch);
      std::memcpy(p, e.data(), e.size());
      p += e.size();
    }
    len = static_cast<size_t>(p - buf.data());
  }
  // encoding-type=url: as S3 writes it (space as '+', '/' kept), which botocore's unquote_plus
  // reads; nothing in it needs XML escaping (room: 3 bytes a byte).
  void put_url(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    char* p = buf.data() + len;
    for (char ch : s) {
      auto c = static_cast<unsigned char>(ch);
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
        *p++ = ch;
      } else if (c == ' ') {
        *p++ = '+';
      } else {
        *p++ = '%';
        *p++ = kHex[c >> 4];
        *p++ = kHex[c & 15];
      }
    }
    len = static_cast<size_t>(p - buf.data());
  }
  void put_int(int64_t n) {
    len = static_cast<size_t>(std::to_chars(buf.data() + len, buf.data() + len + 24, n).ptr - buf.data());
  }

  void raw(std::string_view s) {
    room(s.size());
    put(s);
  }
  void open(std::string_view name) {
    room(name.size() + 2);
    put("<");
    put(name);
    put(">");
  }
  void close(std::string_view name) {
    room(name.size() + 3);
    put("</");
    put(name);
    put(">");
  }
  void leaf(std::string_view name, std::string_view text) {
    open(name);
    room(5 * text.size());
    put_text(text);
    close(name);
  }
  void leaf(std::string_view name, int64_t n) {
    open(name);
    room(24);
    put_int(n);
    close(name);
  }
  // A text leaf as encoding-type asks.
  void leaf(std::string_view name, std::string_view text, bool url) {
    if (!url) return leaf(name, text);
    open(name);
    room(3 * text.size());
    put_url(text);
    close(name);
  }
  void etag(std::string_view e) {
    raw("<ETag>\"");
    room(5 * e.size());
    put_text(e);
    raw("\"</ETag>");
  }
  const std::string& last_modified(int64_t ms) {
    int64_t sec = ms / 1000;
    if (sec != ts_seconds) {
      ts_seconds = sec;
      Xml t;
      t.leaf("LastModified", enc::iso8601(sec * 1000));
      ts = t.take();
    }
    return ts;
  }
  const std::string& owner_of(std::string_view account) {
    if (owner.empty() || account != owner_account) {
      owner_account = account;
      Xml o;
      o.open("Owner");
      o.leaf("DisplayName", display_name(account));
      o.leaf("ID", canonical_user_id(account));
      o.close("Owner");
      owner = o.take();
    }
    return owner;
  }
  void checksum(std::string_view algorithm, std::string_view type) {
    if (algorithm.empty()) return;
    leaf("ChecksumAlgorithm", algorithm);
    leaf("ChecksumType", type.empty() ? std::string_view("FULL_OBJECT") : type);
  }
  // One <Contents> entry of ListObjects/ListObjectsV2.
  void contents(std::string_view key, const ListedVersion& v, bool url, bool with_owner) {
    if (!has_head || !same(v.checksum_algorithm, head_alg) || !same(v.checksum_type, head_type)) {
      has_head = true;
      head_alg = v.checksum_algorithm;
      head_type = v.checksum_type;
      Xml h;
      h.open("Contents");
      h.checksum(v.checksum_algorithm, v.checksum_type);
      h.raw("<ETag>\"");
      head = h.take();
    }
    if (tail.empty() || !same(v.storage_class, tail_class)) {
      tail_class = v.storage_class;
      Xml t;
      t.raw("</Size>");
      t.leaf("StorageClass", v.storage_class);
      t.close("Contents");
      tail = t.take();
    }
    const std::string& lm = last_modified(v.last_modified_ms);
    std::string_view own = with_owner ? std::string_view(owner_of(v.owner)) : std::string_view();
    static constexpr std::string_view kRestored =
        "<RestoreStatus><IsRestoreInProgress>false</IsRestoreInProgress></RestoreStatus>";
    room(head.size() + 5 * v.etag.size() + 5 * key.size() + lm.size() + own.size() + kRestored.size() + tail.size() +
         64);
    put(head);
    put_text(v.etag);
    put("\"</ETag><Key>");
    if (url)
      put_url(key);
    else
      put_text(key);
    put("</Key>");
    put(lm);
    put(own);
    if (v.restored) put(kRestored);
    put("<Size>");
    put_int(static_cast<int64_t>(v.size));
    put(tail);
  }
  // One <Version> or <DeleteMarker> entry of ListObjectVersions.
  void version(std::string_view key, const ListedVersion& v, bool latest, std::string_view account, bool url) {
    std::string_view name = v.delete_marker ? "DeleteMarker" : "Version";
    open(name);
    if (!v.delete_marker) {
      checksum(v.checksum_algorithm, v.checksum_type);
      etag(v.etag);
    }
    raw(latest ? std::string_view("<IsLatest>true</IsLatest>") : std::string_view("<IsLatest>false</IsLatest>"));
    leaf("Key", key, url);
    raw(last_modified(v.last_modified_ms));
    raw(owner_of(account));
    if (!v.delete_marker) {
      leaf("Size", static_cast<int64_t>(v.size));
      leaf("StorageClass", v.storage_class);
    }
    leaf("VersionId", v.version_id);
    close(name);
  }
  void common_prefix(std::string_view prefix, bool url) {
    raw("<CommonPrefixes>");
    leaf("Prefix", prefix, url);
    raw("</CommonPrefixes>");
  }
};

// The start of a listing answer: the XML declaration and the root element's start tag.
std::string answer_start(std::string_view root) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><" + std::string(root) +
         " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
}

// The buffer of an answer's largest list (answer_xml's `body`): a gap for the answer's start.
Xml body_buffer(std::string_view root) {
  Xml x;
  size_t gap = answer_start(root).size();
  x.room(gap);
  x.len = gap;
  return x;
}

// The whole answer: the output's body members in model order from `out` (scalars), the
// pre-rendered entries (`lists`: member name -> XML) in their places. `body` holds the largest
// list after a gap the size of the answer's start (Xml::room then entries): when nothing comes
// before that list but the start, the answer is written around it in place (no copy of a page).
std::string answer_xml(const OpContext& ctx, std::string_view root, const Doc& out,
                       std::initializer_list<std::pair<std::string_view, const Xml*>> lists, std::string_view body_list,
                       Xml& body) {
  Xml head, tail;
  head.raw(answer_start(root));
  Xml* x = &head;
  for (const model::Member& m : ctx.op.output->members) {
    if (!m.location.empty()) continue;
    if (m.name == body_list) {
      x = &tail;
      continue;
    }
    bool listed = false;
    for (const auto& l : lists)
      if (l.first == m.name) {
        x->raw(l.second->view());
        listed = true;
      }
    const Doc* v = listed ? nullptr : out.get(m.name);
    if (!v || v->is_null()) continue;
    if (v->is_bool())
      x->leaf(m.wire_name(), v->as_bool() ? "true" : "false");
    else if (v->is_number())
      x->leaf(m.wire_name(), v->as_int());
    else if (v->is_string())
      x->leaf(m.wire_name(), v->as_string());
  }
  tail.close(root);
  size_t gap = answer_start(root).size();
  if (body.len < gap) {  // not a body_buffer
    body.room(gap - body.len);
    body.len = gap;
  }
  if (head.len == gap) {
    std::memcpy(body.buf.data(), head.buf.data(), gap);
  } else {
    body.buf.replace(0, gap, head.view());
    body.len += head.len - gap;
  }
  body.raw(tail.view());
  return body.take();
}

// Walks current objects from `from` (exclusive when `after`), grouping keys under common
// prefixes (each counted once, its keys skipped by seeking past them). fn(key or prefix, version
// or nullptr) returns false once the page is full.
template <class Fn>
void walk_current(Store& st, const std::string& bucket, const Listing& l, std::string from, bool after, Fn&& fn) {
  for (;;) {
    std::optional<std::string> seek;
    bool stop = false;
    st.scan_listing(bucket, l.prefix, from, after, [&](std::string_view key, const ListedVersion& v) {
      if (v.delete_marker) return true;
      if (!l.delimiter.empty()) {
        size_t at = key.find(l.delimiter, l.prefix.size());
        if (at != std::string_view::npos) {
          std::string cp(key.substr(0, at + l.delimiter.size()));
          if (!fn(cp, nullptr)) {
            stop = true;
            return false;
          }
          seek = storage::prefix_end(cp);
          return false;
        }
      }
      if (!fn(key, &v)) {
        stop = true;
        return false;
      }
      return true;
    });
    if (stop || !seek || seek->empty()) return;
    from = *seek;
    after = false;
  }
}

// An entry's ChecksumAlgorithm (a list of one) and ChecksumType, when it has a checksum.
void checksum_members(Doc& e, const ListedVersion& v) {
  if (v.checksum_algorithm.empty()) return;
  Doc a = Doc::list();
  a.push(std::string(v.checksum_algorithm));
  e.set("ChecksumAlgorithm", std::move(a));
  e.set("ChecksumType", v.checksum_type.empty() ? std::string("FULL_OBJECT") : std::string(v.checksum_type));
}

Doc content_entry(const Listing& l, std::string_view key, const ListedVersion& v, bool owner) {
  Doc e = Doc::map();
  e.set("Key", l.enc(key));
  e.set("LastModified", Timestamp{v.last_modified_ms / 1000 * 1000});
  e.set("ETag", quoted(v.etag));
  checksum_members(e, v);
  e.set("Size", static_cast<int64_t>(v.size));
  e.set("StorageClass", std::string(v.storage_class));
  if (owner) e.set("Owner", owner_doc(v.owner));
  if (v.restored) {
    Doc r = Doc::map();
    r.set("IsRestoreInProgress", false);
    e.set("RestoreStatus", std::move(r));
  }
  return e;
}

Listing listing_of(const Doc& in) {
  Listing l;
  l.prefix = in.str("Prefix");
  l.delimiter = in.str("Delimiter");
  std::string e = in.str("EncodingType");
  if (!e.empty() && e != "url")
    throw invalid_argument("Invalid Encoding Method specified in Request", "encoding-type", e);
  l.url = e == "url";
  return l;
}

constexpr std::string_view kListBucketResult = "ListBucketResult";

// One page of current objects and common prefixes (ListObjects v1 and v2).
struct Page {
  bool xml = false;  // entries as XML (over HTTP) or as documents (internal calls)
  Doc contents = Doc::list(), prefixes = Doc::list();
  Xml contents_xml, prefixes_xml;
  int64_t count = 0;
  bool truncated = false;
  ListPosition last;
};

// `skip(entry, is_prefix)`: entries the previous page already listed.
Page collect(Store& st, const std::string& bucket, const Listing& l, int64_t max, const std::string& from, bool after,
             bool owner, bool xml, const std::function<bool(std::string_view, bool)>& skip = {}) {
  Page p;
  p.xml = xml;
  if (max <= 0) return p;
  if (xml) p.contents_xml = body_buffer(kListBucketResult);
  bool sized = false;
  walk_current(st, bucket, l, from, after, [&](std::string_view k, const ListedVersion* v) {
    if (skip && skip(k, v == nullptr)) return true;
    if (p.count >= max) {
      p.truncated = true;
      return false;
    }
    ++p.count;
    if (p.count == max) {  // the page's last entry: where the next page starts
      p.last.after_prefix = v == nullptr;
      p.last.value.assign(k);
    }
    if (p.xml && v) {
      size_t before = p.contents_xml.len;
      p.contents_xml.contents(k, *v, l.url, owner);
      // Room for the rest of the page at the first entry's size (no regrowth copying the page).
      if (!sized) {
        sized = true;
        p.contents_xml.room(static_cast<size_t>(max - p.count) * (p.contents_xml.len - before + 64));
      }
    } else if (p.xml) {
      p.prefixes_xml.common_prefix(k, l.url);
    } else if (v) {
      p.contents.push(content_entry(l, k, *v, owner));
    } else {
      Doc e = Doc::map();
      e.set("Prefix", l.enc(k));
      p.prefixes.push(std::move(e));
    }
    return true;
  });
  return p;
}

// The members v1 and v2 answer alike.
void page_out(Doc& out, const std::string& bucket, const Listing& l, int64_t max, Page& p) {
  out.set("IsTruncated", p.truncated);
  if (p.contents.size()) out.set("Contents", std::move(p.contents));
  out.set("Name", bucket);
  out.set("Prefix", l.enc(l.prefix));
  if (!l.delimiter.empty()) out.set("Delimiter", l.enc(l.delimiter));
  out.set("MaxKeys", max);
  if (p.prefixes.size()) out.set("CommonPrefixes", std::move(p.prefixes));
  if (l.url) out.set("EncodingType", "url");
}

// The answer: the document, or over HTTP the XML in the reply and an empty document.
Doc page_answer(OpContext& ctx, Doc out, Page& p) {
  if (!p.xml) return out;
  ctx.transport.reply.body =
      answer_xml(ctx, kListBucketResult, out, {{"CommonPrefixes", &p.prefixes_xml}}, "Contents", p.contents_xml);
  return Doc::map();
}

}  // namespace

Doc list_objects_v2(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  std::string bucket = in.str("Bucket");
  bucket_for(ctx, bucket, "s3:ListBucket");
  Listing l = listing_of(in);
  int64_t max = max_keys(in);
  bool fetch_owner = in.flag("FetchOwner");
  std::string from;
  bool after = false;
  std::string start_after = in.str("StartAfter");
  if (!start_after.empty()) {
    from = start_after;
    after = true;
  }
  if (const Doc* t = in.get("ContinuationToken"); t && t->is_string()) {
    auto pos = decode_token(t->as_string());
    if (!pos)
      throw invalid_argument("The continuation token provided is incorrect", "continuation-token", t->as_string());
    if (pos->after_prefix) {
      from = storage::prefix_end(pos->value);
      after = false;
      if (from.empty()) from = std::string(1, '\xff');
    } else {
      from = pos->value;
      after = true;
    }
  }
  Page p = collect(st, bucket, l, max, from, after, fetch_owner, ctx.transport.http);
  Doc out = Doc::map();
  page_out(out, bucket, l, max, p);
  out.set("KeyCount", p.count);
  if (const Doc* t = in.get("ContinuationToken")) out.set("ContinuationToken", *t);
  if (p.truncated) out.set("NextContinuationToken", encode_token(p.last));
  if (!start_after.empty()) out.set("StartAfter", l.enc(start_after));
  return page_answer(ctx, std::move(out), p);
}

Doc list_objects(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  std::string bucket = in.str("Bucket");
  bucket_for(ctx, bucket, "s3:ListBucket");
  Listing l = listing_of(in);
  int64_t max = max_keys(in);
  std::string marker = in.str("Marker");
  // The marker's own common prefix was listed on the previous page.
  Page p = collect(st, bucket, l, max, marker, !marker.empty(), true, ctx.transport.http,
                   [&](std::string_view k, bool is_prefix) {
                     return is_prefix && !marker.empty() && marker.compare(0, k.size(), k) == 0;
                   });
  Doc out = Doc::map();
  out.set("Marker", l.enc(marker));
  if (p.truncated && !l.delimiter.empty()) out.set("NextMarker", l.enc(p.last.value));
  page_out(out, bucket, l, max, p);
  return page_answer(ctx, std::move(out), p);
}

Doc list_object_versions(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  std::string bucket = in.str("Bucket");
  bucket_for(ctx, bucket, "s3:ListBucketVersions");
  Listing l = listing_of(in);
  int64_t max = max_keys(in);
  std::string key_marker = in.str("KeyMarker"), vid_marker = in.str("VersionIdMarker");
  if (!vid_marker.empty() && key_marker.empty())
    throw invalid_argument("A version-id marker cannot be specified without a key marker.", "version-id-marker",
                           vid_marker);
  Doc versions = Doc::list(), markers = Doc::list(), prefixes = Doc::list();
  const bool xml = ctx.transport.http;
  constexpr std::string_view kRoot = "ListVersionsResult";
  Xml versions_xml = body_buffer(kRoot), markers_xml, prefixes_xml;
  bool sized = false;
  int64_t count = 0;
  bool truncated = false, skipping_marker_key = !key_marker.empty(), passed_vid = vid_marker.empty();
  std::string last_key, last_vid, last_cp;
  if (max > 0) {
    st.scan_listed_versions(
        bucket, l.prefix, key_marker, [&](std::string_view key, const ListedVersion& v, bool latest) {
          if (skipping_marker_key && key == key_marker) {
            if (vid_marker.empty()) return true;  // every version of the marker's key was listed
            if (!passed_vid) {
              if (v.version_id == vid_marker) passed_vid = true;
              return true;
            }
          }
          skipping_marker_key = false;
          if (!l.delimiter.empty()) {
            size_t at = key.find(l.delimiter, l.prefix.size());
            if (at != std::string_view::npos) {
              std::string cp(key.substr(0, at + l.delimiter.size()));
              if (cp == last_cp) return true;
              if (!key_marker.empty() && cp == key_marker) return true;
              if (count >= max) {
                truncated = true;
                return false;
              }
              ++count;
              last_cp = cp;
              last_key = cp;
              last_vid.clear();
              if (xml) {
                prefixes_xml.common_prefix(cp, l.url);
                return true;
              }
              Doc p = Doc::map();
              p.set("Prefix", l.enc(cp));
              prefixes.push(std::move(p));
              return true;
            }
          }
          if (count >= max) {
            truncated = true;
            return false;
          }
          ++count;
          last_key = std::string(key);
          last_vid = v.version_id;
          std::string_view owner = v.owner.empty() ? std::string_view(ctx.account()) : v.owner;
          if (xml) {
            if (v.delete_marker) {
              markers_xml.version(key, v, latest, owner, l.url);
              return true;
            }
            size_t before = versions_xml.len;
            versions_xml.version(key, v, latest, owner, l.url);
            if (!sized) {  // room for the rest of the page at this entry's size
              sized = true;
              versions_xml.room(static_cast<size_t>(max - count) * (versions_xml.len - before + 64));
            }
            return true;
          }
          Doc e = Doc::map();
          e.set("Key", l.enc(key));
          e.set("VersionId", std::string(v.version_id));
          e.set("IsLatest", latest);
          e.set("LastModified", Timestamp{v.last_modified_ms / 1000 * 1000});
          e.set("Owner", owner_doc(owner));
          if (v.delete_marker) {
            markers.push(std::move(e));
          } else {
            e.set("ETag", quoted(v.etag));
            e.set("Size", static_cast<int64_t>(v.size));
            e.set("StorageClass", std::string(v.storage_class));
            checksum_members(e, v);
            versions.push(std::move(e));
          }
          return true;
        });
  }
  Doc out = Doc::map();
  out.set("IsTruncated", truncated);
  out.set("KeyMarker", l.enc(key_marker));
  out.set("VersionIdMarker", vid_marker);
  if (truncated) {
    out.set("NextKeyMarker", l.enc(last_key));
    if (!last_vid.empty()) out.set("NextVersionIdMarker", last_vid);
  }
  if (versions.size()) out.set("Versions", std::move(versions));
  if (markers.size()) out.set("DeleteMarkers", std::move(markers));
  out.set("Name", bucket);
  out.set("Prefix", l.enc(l.prefix));
  if (!l.delimiter.empty()) out.set("Delimiter", l.enc(l.delimiter));
  out.set("MaxKeys", max);
  if (prefixes.size()) out.set("CommonPrefixes", std::move(prefixes));
  if (l.url) out.set("EncodingType", "url");
  if (!xml) return out;
  ctx.transport.reply.body = answer_xml(
      ctx, kRoot, out, {{"CommonPrefixes", &prefixes_xml}, {"DeleteMarkers", &markers_xml}}, "Versions", versions_xml);
  return Doc::map();
}

}  // namespace stratus::s3
