#include "protocol/rest_binding.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/encoding.h"
#include "core/error.h"
#include "core/json.h"

namespace stratus::protocol::rest {

using model::Member;
using model::Operation;
using model::ServiceModel;
using model::Shape;
using model::ShapeType;

namespace {

// ---- Route index -------------------------------------------------------------------------

struct Route {
  const Operation* op = nullptr;
  int literals = 0;
  bool greedy = false;
  // Members that let two operations with one template tell each other apart (S3 PutObject vs
  // UploadPart vs CopyObject): required/optional query keys and header names.
  std::vector<std::string> required_query, required_headers, optional_query;
};

struct Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> label;   // one non-empty segment
  std::unique_ptr<Node> greedy;  // one or more segments, slashes included
  std::vector<const Route*> routes;  // templates ending here
};

struct Index {
  std::vector<std::unique_ptr<Route>> routes;
  std::vector<std::pair<std::string, Node>> tries;  // per HTTP method
  std::unordered_map<const Shape*, StructBinding> bindings;
  std::unordered_map<const Shape*, WireNames> names;
  std::string xml_ns;

  const Node* trie(std::string_view method) const {
    for (const auto& [m, n] : tries)
      if (m == method) return &n;
    return nullptr;
  }
};

// Segments of a raw path with their offsets: "/a//b/" -> a, "", b (one trailing slash is not a
// segment: AWS treats "/2015-03-31/functions/" and "/2015-03-31/functions" alike).
struct Seg {
  std::string_view raw;
  size_t begin;
};

void split_path(std::string_view path, std::vector<Seg>& out) {
  size_t i = path.empty() || path[0] != '/' ? 0 : 1;
  if (i >= path.size()) return;
  while (true) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) {
      if (i < path.size()) out.push_back({path.substr(i), i});
      return;
    }
    out.push_back({path.substr(i, j - i), i});
    i = j + 1;
    if (i >= path.size()) return;  // trailing slash
  }
}

std::string_view sv_or(const std::string& a, std::string_view b) { return a.empty() ? b : std::string_view(a); }

bool is_raw_payload(const Member& m) {
  return m.shape->type == ShapeType::blob || m.shape->type == ShapeType::string;
}

StructBinding make_binding(const Shape& s) {
  StructBinding b;
  b.shape = &s;
  for (const Member& m : s.members) {
    if (m.location == "uri") b.uri.push_back(&m);
    else if (m.location == "querystring") {
      if (m.shape->type == ShapeType::map) b.query_map = &m;
      else b.query.push_back(&m);
    } else if (m.location == "header")
      b.headers.emplace_back(enc::ascii_lower(m.wire_name()), &m);
    else if (m.location == "headers")
      b.prefix_headers.emplace_back(enc::ascii_lower(m.location_name), &m);
    else if (m.location == "statusCode") b.status_code = &m;
    else if (!s.payload.empty() && m.name == s.payload) {
      b.payload = &m;
      b.raw_payload = is_raw_payload(m);
    } else if (s.payload.empty()) b.body.push_back(&m);
  }
  // Sorted so a request's headers are each looked up, instead of scanning the request's
  // headers once per member (S3 inputs model 20-30 headers; requests carry about 10).
  std::sort(b.headers.begin(), b.headers.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  return b;
}

WireNames make_names(const Shape& s) {
  WireNames w;
  for (const Member& m : s.members) {
    w.json.emplace_back(m.wire_name(), &m);
    std::string_view xml = sv_or(m.location_name, sv_or(m.shape->location_name, m.name));
    w.xml.emplace_back(xml, &m);
    if (m.shape->type == ShapeType::list && (m.flattened || m.shape->flattened)) {
      std::string_view item = sv_or(m.shape->member.location_name, m.shape->member.shape->location_name);
      if (!item.empty() && item != xml) w.xml.emplace_back(item, &m);
    }
  }
  auto by_name = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::stable_sort(w.json.begin(), w.json.end(), by_name);
  std::stable_sort(w.xml.begin(), w.xml.end(), by_name);
  return w;
}

const Member* find_sorted(const std::vector<std::pair<std::string_view, const Member*>>& v,
                          std::string_view name) {
  auto it = std::lower_bound(v.begin(), v.end(), name,
                             [](const auto& p, std::string_view n) { return p.first < n; });
  return it != v.end() && it->first == name ? it->second : nullptr;
}

void add_route(Index& idx, const Operation& op) {
  auto r = std::make_unique<Route>();
  r->op = &op;
  Node* node = nullptr;
  for (auto& [m, n] : idx.tries)
    if (m == op.http_method) node = &n;
  if (!node) node = &idx.tries.emplace_back(op.http_method, Node{}).second;
  for (const auto& seg : op.uri.segments) {
    std::unique_ptr<Node>* next;
    if (seg.label.empty()) {
      ++r->literals;
      auto it = node->literals.find(seg.literal);
      if (it == node->literals.end()) it = node->literals.emplace(seg.literal, nullptr).first;
      next = &it->second;
    } else if (seg.greedy) {
      r->greedy = true;
      next = &node->greedy;
    } else {
      next = &node->label;
    }
    if (!*next) *next = std::make_unique<Node>();
    node = next->get();
  }
  if (op.input) {
    for (const Member& m : op.input->members) {
      if (m.location == "querystring" && m.shape->type != ShapeType::map) {
        (m.required ? r->required_query : r->optional_query).push_back(m.wire_name());
      } else if (m.location == "header" && m.required) {
        r->required_headers.push_back(enc::ascii_lower(m.wire_name()));
      }
    }
  }
  node->routes.push_back(r.get());
  idx.routes.push_back(std::move(r));
}

std::unique_ptr<Index> build_index(const ServiceModel& svc) {
  auto idx = std::make_unique<Index>();
  for (const auto& [_, op] : svc.operations) add_route(*idx, op);
  for (const auto& [_, sp] : svc.shapes) {
    if (sp->type != ShapeType::structure) continue;
    idx->bindings.emplace(sp.get(), make_binding(*sp));
    idx->names.emplace(sp.get(), make_names(*sp));
  }
  // rest-xml responses carry the namespace the model gives request payloads (S3:
  // http://s3.amazonaws.com/doc/2006-03-01/); the metadata's is the fallback.
  for (const auto& [_, op] : svc.operations) {
    if (!op.input_xml_namespace.empty()) idx->xml_ns = op.input_xml_namespace;
    if (op.input && !op.input->payload.empty())
      if (const Member* p = op.input->find_member(op.input->payload); p && !p->xml_namespace_uri.empty())
        idx->xml_ns = p->xml_namespace_uri;
    if (!idx->xml_ns.empty()) break;
  }
  if (idx->xml_ns.empty()) idx->xml_ns = svc.xml_namespace;
  return idx;
}

// Models are immutable and live forever, so an index never goes stale. Each thread keeps its
// own pointer cache so the hot path takes no lock.
const Index& index_for(const ServiceModel& svc) {
  thread_local std::unordered_map<const ServiceModel*, const Index*> local;
  if (auto it = local.find(&svc); it != local.end()) return *it->second;
  static std::mutex mu;
  static std::unordered_map<const ServiceModel*, std::unique_ptr<Index>> all;
  const Index* idx;
  {
    std::lock_guard lock(mu);
    auto& slot = all[&svc];
    if (!slot) slot = build_index(svc);
    idx = slot.get();
  }
  local.emplace(&svc, idx);
  return *idx;
}

// Raw (undecoded) query pairs; template literals and member names are plain ASCII, so raw
// comparison suffices for resolution.
struct RawQuery {
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  explicit RawQuery(std::string_view q) {
    while (!q.empty()) {
      size_t amp = q.find('&');
      std::string_view kv = q.substr(0, amp);
      if (!kv.empty()) {
        size_t eq = kv.find('=');
        if (eq == std::string_view::npos) pairs.emplace_back(kv, std::string_view{});
        else pairs.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
      }
      if (amp == std::string_view::npos) break;
      q.remove_prefix(amp + 1);
    }
  }
  bool has(std::string_view k) const {
    for (const auto& p : pairs)
      if (p.first == k) return true;
    return false;
  }
  bool has(std::string_view k, std::string_view v) const {
    for (const auto& p : pairs)
      if (p.first == k && p.second == v) return true;
    return false;
  }
};

void collect(const Node& n, const std::vector<Seg>& segs, size_t i, std::vector<const Route*>& out) {
  if (i == segs.size()) {
    out.insert(out.end(), n.routes.begin(), n.routes.end());
    return;
  }
  if (auto it = n.literals.find(segs[i].raw); it != n.literals.end()) collect(*it->second, segs, i + 1, out);
  if (n.label && !segs[i].raw.empty()) collect(*n.label, segs, i + 1, out);
  if (n.greedy)
    for (size_t j = segs.size(); j > i; --j) collect(*n.greedy, segs, j, out);
}

bool query_literals_match(const Operation& op, const RawQuery& q) {
  for (const auto& [k, v] : op.uri.query) {
    // x-id names the operation for SDKs that send it; others (and older botocore) omit it.
    if (k == "x-id") continue;
    if (v.empty() ? !q.has(k) : !q.has(k, v)) return false;
  }
  return true;
}

int required_query_count(const Operation& op) {
  int n = 0;
  for (const auto& [k, v] : op.uri.query) n += k != "x-id";
  return n;
}

// Specificity order; larger is better.
struct Score {
  int literals, query, non_greedy, present, missing_neg, not_deprecated, optional;
  auto operator<=>(const Score&) const = default;
};

Score score(const Route& r, const RawQuery& q, const http::Request& req) {
  Score s{r.literals, required_query_count(*r.op), r.greedy ? 0 : 1, 0, 0, r.op->deprecated ? 0 : 1, 0};
  for (const auto& k : r.required_query) {
    if (q.has(k)) ++s.present;
    else --s.missing_neg;
  }
  for (const auto& h : r.required_headers) {
    if (req.headers.has(h)) ++s.present;
    else --s.missing_neg;
  }
  for (const auto& k : r.optional_query) s.optional += q.has(k);
  return s;
}

// Matches a template against path segments, writing decoded label values. Greedy labels take
// the raw path from their first segment to the end of the last one they cover (to the very end
// of the path when nothing follows, so "a/" keeps its trailing slash).
bool match_labels(const model::UriTemplate& t, std::string_view path, const std::vector<Seg>& segs, size_t ti,
                  size_t si, std::vector<std::pair<std::string_view, std::string>>& labels) {
  if (ti == t.segments.size()) return si == segs.size();
  const auto& ts = t.segments[ti];
  if (si >= segs.size()) return false;
  if (ts.label.empty()) {
    return segs[si].raw == ts.literal && match_labels(t, path, segs, ti + 1, si + 1, labels);
  }
  if (!ts.greedy) {
    if (segs[si].raw.empty()) return false;
    labels.emplace_back(ts.label, enc::uri_decode(segs[si].raw));
    if (match_labels(t, path, segs, ti + 1, si + 1, labels)) return true;
    labels.pop_back();
    return false;
  }
  for (size_t j = segs.size(); j > si; --j) {
    size_t begin = segs[si].begin;
    size_t end = j == segs.size() ? path.size() : segs[j - 1].begin + segs[j - 1].raw.size();
    labels.emplace_back(ts.label, enc::uri_decode(path.substr(begin, end - begin)));
    if (match_labels(t, path, segs, ti + 1, j, labels)) return true;
    labels.pop_back();
  }
  return false;
}

std::string_view strip_query(std::string_view path) {
  size_t q = path.find('?');
  return q == std::string_view::npos ? path : path.substr(0, q);
}

void set_or_push(Doc& out, const Member& m, Doc v) {
  if (m.shape->type == ShapeType::list) out[m.name].push(std::move(v));
  else if (!out.has(m.name)) out.set(m.name, std::move(v));
}

Doc parse_or_keep(const Shape& shape, std::string_view text, std::string_view fmt) {
  Doc v;
  if (!parse_scalar(shape, text, fmt, v)) v = Doc(std::string(text));
  return v;
}

std::string format_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

std::string header_list_item(const Shape& item, const Doc& v, std::string_view fmt) {
  std::string s = scalar_text(item, v, fmt);
  if (item.type == ShapeType::string && s.find_first_of(",\"") != std::string::npos) {
    std::string q = "\"";
    for (char c : s) {
      if (c == '"') q += '\\';
      q += c;
    }
    return q + '"';
  }
  return s;
}

}  // namespace

const Member* WireNames::find_json(std::string_view name) const { return find_sorted(json, name); }
const Member* WireNames::find_xml(std::string_view name) const { return find_sorted(xml, name); }

const StructBinding& binding(const ServiceModel& svc, const Shape& shape) {
  const Index& idx = index_for(svc);
  if (auto it = idx.bindings.find(&shape); it != idx.bindings.end()) return it->second;
  static const StructBinding empty;
  return empty;
}

const WireNames& wire_names(const ServiceModel& svc, const Shape& shape) {
  const Index& idx = index_for(svc);
  if (auto it = idx.names.find(&shape); it != idx.names.end()) return it->second;
  static const WireNames empty;
  return empty;
}

const std::string& xml_namespace(const ServiceModel& svc) { return index_for(svc).xml_ns; }

const Operation* resolve(const ServiceModel& svc, const http::Request& req) {
  const Index& idx = index_for(svc);
  const Node* root = idx.trie(req.method);
  if (!root) return nullptr;
  std::string_view path = strip_query(req.path);
  std::vector<Seg> segs;
  segs.reserve(8);
  split_path(path, segs);
  std::vector<const Route*> found;
  collect(*root, segs, 0, found);
  if (found.empty()) return nullptr;
  RawQuery q(req.query);
  const Route* best = nullptr;
  Score best_score{};
  for (const Route* r : found) {
    if (!query_literals_match(*r->op, q)) continue;
    Score s = score(*r, q, req);
    // Ties keep the first in model order (operations are sorted by name).
    if (!best || s > best_score || (s == best_score && r->op->name < best->op->name)) {
      best = r;
      best_score = s;
    }
  }
  return best ? best->op : nullptr;
}

std::string_view timestamp_format(const Member& m, std::string_view dflt) {
  if (!m.timestamp_format.empty()) return m.timestamp_format;
  if (!m.shape->timestamp_format.empty()) return m.shape->timestamp_format;
  return dflt;
}

bool parse_scalar(const Shape& shape, std::string_view t, std::string_view fmt, Doc& out) {
  switch (shape.type) {
    case ShapeType::string:
      out = Doc(std::string(t));
      return true;
    case ShapeType::boolean:
      if (t == "true" || t == "TRUE" || t == "True") out = Doc(true);
      else if (t == "false" || t == "FALSE" || t == "False") out = Doc(false);
      else return false;
      return true;
    case ShapeType::integer: case ShapeType::long_: case ShapeType::short_: case ShapeType::byte_:
    case ShapeType::biginteger: {
      int64_t v = 0;
      const char* b = t.data();
      if (!t.empty() && *b == '+') ++b;
      auto r = std::from_chars(b, t.data() + t.size(), v);
      if (r.ec != std::errc() || r.ptr != t.data() + t.size() || t.empty()) return false;
      out = Doc(v);
      return true;
    }
    case ShapeType::float_: case ShapeType::double_: case ShapeType::bigdecimal: {
      if (t == "NaN") out = Doc(std::nan(""));
      else if (t == "Infinity") out = Doc(HUGE_VAL);
      else if (t == "-Infinity") out = Doc(-HUGE_VAL);
      else {
        if (t.empty() || t.size() > 64) return false;
        std::string tmp(t);
        char* end = nullptr;
        double d = std::strtod(tmp.c_str(), &end);
        if (end != tmp.c_str() + tmp.size()) return false;
        out = Doc(d);
      }
      return true;
    }
    case ShapeType::timestamp: {
      std::optional<int64_t> ms;
      if (fmt == "unixTimestamp") ms = enc::parse_epoch_seconds(t);
      else if (fmt == "rfc822") ms = enc::parse_http_date(t);
      else if (fmt == "iso8601") ms = enc::parse_iso8601(t);
      if (!ms) ms = enc::parse_timestamp(t);  // be liberal: SDKs differ
      if (!ms) return false;
      out = Doc(Timestamp{*ms});
      return true;
    }
    case ShapeType::blob: {
      auto b = enc::base64_decode(t);
      if (!b) return false;
      out = Doc(Blob{std::move(*b)});
      return true;
    }
    default:
      return false;
  }
}

std::string scalar_text(const Shape& shape, const Doc& v, std::string_view fmt) {
  switch (v.type()) {
    case Doc::Type::string: return v.as_string();
    case Doc::Type::boolean: return v.as_bool() ? "true" : "false";
    case Doc::Type::integer:
      if (shape.type == ShapeType::timestamp) return scalar_text(shape, Doc(Timestamp{v.as_int() * 1000}), fmt);
      return std::to_string(v.as_int());
    case Doc::Type::floating: return format_double(v.as_double());
    case Doc::Type::blob: return enc::base64_encode(v.as_blob().bytes);
    case Doc::Type::timestamp: {
      int64_t ms = v.as_timestamp().millis;
      if (fmt == "rfc822") return enc::http_date(ms);
      if (fmt == "unixTimestamp") {
        if (ms % 1000 == 0) return std::to_string(ms / 1000);
        return format_double(static_cast<double>(ms) / 1000.0);
      }
      return enc::iso8601(ms);
    }
    default: return {};
  }
}

std::vector<std::string> split_header_list(std::string_view v) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= v.size()) {
    while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
    std::string item;
    if (i < v.size() && v[i] == '"') {
      ++i;
      while (i < v.size() && v[i] != '"') {
        if (v[i] == '\\' && i + 1 < v.size()) ++i;
        item += v[i++];
      }
      if (i < v.size()) ++i;  // closing quote
      while (i < v.size() && v[i] != ',') ++i;
    } else {
      size_t j = v.find(',', i);
      if (j == std::string_view::npos) j = v.size();
      std::string_view raw = v.substr(i, j - i);
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.remove_suffix(1);
      item = std::string(raw);
      i = j;
    }
    out.push_back(std::move(item));
    ++i;  // skip ','
  }
  if (out.size() == 1 && out[0].empty()) out.clear();
  return out;
}

void bind_request(const ServiceModel& svc, const Operation& op, const http::Request& req, Doc& out) {
  if (!out.is_map()) out = Doc::map();
  if (!op.input) return;
  const StructBinding& b = binding(svc, *op.input);

  if (!b.uri.empty()) {
    std::string_view path = strip_query(req.path);
    std::vector<Seg> segs;
    split_path(path, segs);
    std::vector<std::pair<std::string_view, std::string>> labels;
    if (match_labels(op.uri, path, segs, 0, 0, labels)) {
      for (auto& [name, value] : labels)
        for (const Member* m : b.uri)
          if (m->wire_name() == name) out.set(m->name, parse_or_keep(*m->shape, value, timestamp_format(*m, "iso8601")));
    }
  }

  if (!req.query.empty() && (!b.query.empty() || b.query_map)) {
    for (auto& [k, v] : http::parse_query(req.query)) {
      const Member* hit = nullptr;
      for (const Member* m : b.query)
        if (m->wire_name() == k) hit = m;
      if (hit) {
        const Shape& item = hit->shape->type == ShapeType::list ? *hit->shape->member.shape : *hit->shape;
        set_or_push(out, *hit, parse_or_keep(item, v, timestamp_format(*hit, "iso8601")));
        continue;
      }
      if (!b.query_map) continue;
      // Template literals and SigV4 presigning parameters are not map entries.
      bool literal = false;
      for (const auto& lit : op.uri.query) literal = literal || lit.first == k;
      if (literal || k == "x-id" || k.rfind("X-Amz-", 0) == 0) continue;
      Doc& map = out[b.query_map->name];
      if (!map.is_map()) map = Doc::map();
      const Shape& vs = *b.query_map->shape->value.shape;
      if (vs.type == ShapeType::list) map[k].push(Doc(std::move(v)));
      else if (!map.has(k)) map.set(std::move(k), Doc(std::move(v)));
    }
  }

  for (const auto& [hname, hvalue] : req.headers.items()) {
    auto it = std::lower_bound(b.headers.begin(), b.headers.end(), hname,
                               [](const auto& p, const std::string& n) { return p.first < n; });
    if (it == b.headers.end() || it->first != hname) continue;
    const Member* m = it->second;
    if (out.has(m->name)) continue;  // a repeated header: the first one counts
    const std::string* h = &hvalue;
    std::string_view fmt = timestamp_format(*m, "rfc822");
    if (m->json_value) {
      auto decoded = enc::base64_decode(*h);
      try {
        out.set(m->name, decoded ? json::parse(*decoded) : Doc(*h));
      } catch (const AwsError&) {
        out.set(m->name, Doc(*h));
      }
    } else if (m->shape->type == ShapeType::list) {
      Doc list = Doc::list();
      for (auto& item : split_header_list(*h)) list.push(parse_or_keep(*m->shape->member.shape, item, fmt));
      out.set(m->name, std::move(list));
    } else {
      out.set(m->name, parse_or_keep(*m->shape, *h, fmt));
    }
  }

  for (const auto& [prefix, m] : b.prefix_headers) {
    Doc map = Doc::map();
    for (const auto& [k, v] : req.headers.items())
      if (k.size() > prefix.size() && k.compare(0, prefix.size(), prefix) == 0) map.set(k.substr(prefix.size()), Doc(v));
    if (map.size()) out.set(m->name, std::move(map));
  }
}

void bind_response(const ServiceModel& svc, const Operation& op, const Doc& out, http::Response& res) {
  res.status = op.http_status;
  if (!op.output || !out.is_map()) return;
  const StructBinding& b = binding(svc, *op.output);
  for (const auto& [_, m] : b.headers) {
    const Doc* v = out.get(m->name);
    if (!v || v->is_null()) continue;
    std::string_view fmt = timestamp_format(*m, "rfc822");
    if (m->json_value) {
      res.headers.set(m->wire_name(), enc::base64_encode(json::write(*v)));
    } else if (v->is_list()) {
      if (v->as_list().empty()) continue;
      std::string joined;
      for (const Doc& item : v->as_list()) {
        if (!joined.empty()) joined += ',';
        joined += header_list_item(*m->shape->member.shape, item, fmt);
      }
      res.headers.set(m->wire_name(), joined);
    } else {
      res.headers.set(m->wire_name(), scalar_text(*m->shape, *v, fmt));
    }
  }
  for (const auto& [_, m] : b.prefix_headers) {
    const Doc* v = out.get(m->name);
    if (!v || !v->is_map()) continue;
    for (const auto& [k, val] : v->as_map())
      res.headers.set(m->location_name + k, scalar_text(*m->shape->value.shape, val, "rfc822"));
  }
  if (b.status_code)
    if (const Doc* v = out.get(b.status_code->name); v && v->is_number() && v->as_int() >= 100 && v->as_int() < 600)
      res.status = static_cast<int>(v->as_int());
}

bool bind_raw_payload(const StructBinding& b, const http::Request& req, Doc& out) {
  if (!b.payload || !b.raw_payload) return false;
  if (!req.body.empty()) {
    if (b.payload->shape->type == model::ShapeType::blob) out.set(b.payload->name, Doc(Blob{req.body}));
    else out.set(b.payload->name, Doc(req.body));
  }
  return true;
}

bool write_raw_payload(const StructBinding& b, const Doc& out, http::Response& res) {
  if (!b.payload || !b.raw_payload) return false;
  const Doc* v = out.is_map() ? out.get(b.payload->name) : nullptr;
  if (v && v->is_blob()) res.body = v->as_blob().bytes;
  else if (v && v->is_string()) res.body = v->as_string();
  return true;
}

}  // namespace stratus::protocol::rest
