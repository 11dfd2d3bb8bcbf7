// awsQuery: form-encoded parameters in (POST body or GET query string), XML out.
//
// Input keys flatten the input shape the way botocore's QuerySerializer does:
//   structure member   Prefix.Name            (Name = locationName or member name)
//   list               Prefix.Name.member.N   (or the member's locationName instead of "member")
//   flattened list     Prefix.Name.N          (Name replaced by the member's locationName if any)
//   empty list         Prefix.Name=           (an empty value)
//   map                Prefix.Name.entry.N.key / .value   (flattened: Prefix.Name.N.key)
// Decoding walks the shape and looks keys up in the sorted parameter list, so only keys the
// shape can name are ever visited and absent branches cost one binary search.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <vector>

#include "core/encoding.h"
#include "core/ids.h"
#include "protocol/codecs_internal.h"
#include "protocol/error_wire.h"
#include "protocol/query_input_names.h"
#include "protocol/query_names.h"
#include "protocol/text_format.h"
#include "protocol/xml_writer.h"

namespace stratus::protocol {
namespace {

constexpr int kMaxDepth = 32;

class Params {
 public:
  void add(std::vector<std::pair<std::string, std::string>> kv) {
    if (kv_.empty()) kv_ = std::move(kv);
    else kv_.insert(kv_.end(), std::make_move_iterator(kv.begin()), std::make_move_iterator(kv.end()));
  }
  void seal() {
    std::stable_sort(kv_.begin(), kv_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  const std::string* find(std::string_view k) const {
    auto it = lower(k);
    return it != kv_.end() && it->first == k ? &it->second : nullptr;
  }
  bool has_prefix(std::string_view p) const {
    auto it = lower(p);
    return it != kv_.end() && std::string_view(it->first).substr(0, p.size()) == p;
  }

 private:
  std::vector<std::pair<std::string, std::string>>::const_iterator lower(std::string_view k) const {
    return std::lower_bound(kv_.begin(), kv_.end(), k,
                            [](const auto& e, std::string_view key) { return std::string_view(e.first) < key; });
  }
  std::vector<std::pair<std::string, std::string>> kv_;
};

[[noreturn]] void bad_value(std::string_view key, std::string_view value, const char* expected) {
  throw AwsError("InvalidParameterValue",
                 "Value (" + std::string(value) + ") for parameter " + std::string(key) + " is invalid. " + expected);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  return true;
}

Doc scalar(const Shape& s, std::string_view key, const std::string& v) {
  switch (s.type) {
    case ShapeType::integer:
    case ShapeType::long_:
    case ShapeType::short_:
    case ShapeType::byte_:
    case ShapeType::biginteger: {
      int64_t n = 0;
      auto r = std::from_chars(v.data(), v.data() + v.size(), n);
      if (r.ec != std::errc() || r.ptr != v.data() + v.size()) bad_value(key, v, "Expected an integer.");
      if (s.type == ShapeType::integer && (n < INT32_MIN || n > INT32_MAX)) bad_value(key, v, "Expected an integer.");
      return Doc{n};
    }
    case ShapeType::float_:
    case ShapeType::double_:
    case ShapeType::bigdecimal: {
      if (v == "NaN") return Doc{std::numeric_limits<double>::quiet_NaN()};
      if (v == "Infinity") return Doc{std::numeric_limits<double>::infinity()};
      if (v == "-Infinity") return Doc{-std::numeric_limits<double>::infinity()};
      double d = 0;
      auto r = std::from_chars(v.data(), v.data() + v.size(), d);
      if (r.ec != std::errc() || r.ptr != v.data() + v.size()) bad_value(key, v, "Expected a number.");
      return Doc{d};
    }
    case ShapeType::boolean:
      if (iequals(v, "true")) return Doc{true};
      if (iequals(v, "false")) return Doc{false};
      bad_value(key, v, "Expected true or false.");
    case ShapeType::timestamp:
      if (auto t = enc::parse_timestamp(v)) return Doc{Timestamp{*t}};
      bad_value(key, v, "Expected an ISO 8601 timestamp.");
    case ShapeType::blob:
      if (auto b = enc::base64_decode(v)) return Doc{Blob{std::move(*b)}};
      bad_value(key, v, "Expected base64.");
    default: return Doc{v};
  }
}

class Decoder {
 public:
  explicit Decoder(const Params& p) : p_(p) {}

  Doc structure(const Shape& s, const std::string& prefix, int depth) {
    if (depth > kMaxDepth) throw errors::serialization("Parameter nesting too deep");
    Doc out = Doc::map();
    std::string key;
    for (const auto& m : s.members) {
      key.clear();
      if (!prefix.empty()) {
        key = prefix;
        key += '.';
      }
      key += m.wire_name();
      if (auto v = value(m, key, depth + 1)) out.set(m.name, std::move(*v));
    }
    return out;
  }

  std::optional<Doc> value(const Member& ref, const std::string& key, int depth) {
    const Shape& s = *ref.shape;
    switch (s.type) {
      case ShapeType::structure:
        if (s.document || !p_.has_prefix(key + '.')) return std::nullopt;
        return structure(s, key, depth);
      case ShapeType::list: return list(ref, key, depth);
      case ShapeType::map: return map(ref, key, depth);
      default: {
        const std::string* v = p_.find(key);
        if (!v) return std::nullopt;
        return scalar(s, key, *v);
      }
    }
  }

 private:
  std::optional<Doc> list(const Member& ref, const std::string& key, int depth) {
    const Shape& s = *ref.shape;
    bool flattened = ref.flattened || s.flattened;
    std::string item;
    if (flattened) {
      if (!s.member.location_name.empty()) {
        size_t dot = key.rfind('.');
        item = dot == std::string::npos ? std::string() : key.substr(0, dot + 1);
        item += s.member.location_name;
      } else {
        item = key;
      }
    } else {
      item = key;
      item += '.';
      item += s.member.location_name.empty() ? std::string_view("member") : std::string_view(s.member.location_name);
    }
    item += '.';
    const size_t base = item.size();
    Doc out = Doc::list();
    for (int64_t i = 1;; ++i) {
      item.resize(base);
      append_int(item, i);
      auto v = value(s.member, item, depth + 1);
      if (!v) break;
      out.as_list().push_back(std::move(*v));
    }
    if (out.as_list().empty()) {
      // "Name=" is how an empty list is sent.
      const std::string* v = p_.find(key);
      if (!v || !v->empty()) return std::nullopt;
    }
    return out;
  }

  std::optional<Doc> map(const Member& ref, const std::string& key, int depth) {
    const Shape& s = *ref.shape;
    bool flattened = ref.flattened || s.flattened;
    std::string entry = key;
    entry += flattened ? "." : ".entry.";
    const size_t base = entry.size();
    std::string_view kname = s.key.location_name.empty() ? std::string_view("key") : std::string_view(s.key.location_name);
    std::string_view vname =
        s.value.location_name.empty() ? std::string_view("value") : std::string_view(s.value.location_name);
    Doc out = Doc::map();
    for (int64_t i = 1;; ++i) {
      entry.resize(base);
      append_int(entry, i);
      entry += '.';
      const size_t item = entry.size();
      entry += kname;
      const std::string* k = p_.find(entry);
      if (!k) break;
      entry.resize(item);
      entry += vname;
      auto v = value(s.value, entry, depth + 1);
      out.set(*k, v ? std::move(*v) : Doc{});
    }
    if (out.as_map().empty()) return std::nullopt;
    return out;
  }

  const Params& p_;
};

// Reads the classic parameters of a service's QueryInputNames table (query_input_names.h) into
// the members they stand for.
class ClassicReader {
 public:
  ClassicReader(const Params& p, const std::string& op) : p_(p), op_(op) {}

  void apply(const QueryInputNames& table, const Shape& input, Doc& out) {
    for (const auto& a : table.aliases) {
      if (!input.find_member(a.member) || out.has(a.member)) continue;
      std::string prefix = a.prefix;
      if (auto at = prefix.find("{op}"); at != std::string::npos) prefix.replace(at, 4, op_);
      if (auto v = read(a, prefix)) out.set(a.member, std::move(*v));
    }
  }

 private:
  // The member's value, or nullopt when absent (an empty list or map counts as absent).
  std::optional<Doc> read(const QueryInputAlias& a, const std::string& prefix) {
    using Form = QueryInputAlias::Form;
    auto nth = [&](int64_t i) {
      std::string k = prefix;
      k += '.';
      append_int(k, i);
      return k;
    };
    switch (a.form) {
      case Form::string:
        if (const std::string* v = p_.find(prefix)) return Doc{*v};
        return std::nullopt;
      case Form::integer: {
        const std::string* v = p_.find(prefix);
        int64_t n = 0;
        if (!v || v->empty()) return std::nullopt;
        auto r = std::from_chars(v->data(), v->data() + v->size(), n);
        if (r.ec != std::errc() || r.ptr != v->data() + v->size()) return std::nullopt;
        return Doc{n};
      }
      case Form::list: {
        Doc l = Doc::list();
        for (int64_t i = 1; const std::string* v = p_.find(nth(i)); ++i) l.push(*v);
        return non_empty(std::move(l));
      }
      case Form::pairs: {
        Doc m = Doc::map();
        for (int64_t i = 1; const std::string* k = p_.find(nth(i) + '.' + a.key); ++i) {
          if (const std::string* v = p_.find(nth(i) + '.' + a.value)) m.set(*k, *v);
          else if (a.empty_value) m.set(*k, std::string());
        }
        return non_empty(std::move(m));
      }
      case Form::attributes: {
        Doc m = Doc::map();
        for (int64_t i = 1; const std::string* name = p_.find(nth(i) + ".Name"); ++i) {
          std::string v = nth(i) + ".Value.";
          Doc value = Doc::map();
          for (const char* f : {"DataType", "StringValue"})
            if (const std::string* x = p_.find(v + f)) value.set(f, *x);
          if (const std::string* b = p_.find(v + "BinaryValue")) {
            auto raw = enc::base64_decode(*b);
            value.set("BinaryValue", Blob{raw ? std::move(*raw) : std::string()});
          }
          m.set(*name, std::move(value));
        }
        return non_empty(std::move(m));
      }
      case Form::entries: {
        Doc l = Doc::list();
        for (int64_t i = 1; !a.fields.empty(); ++i) {
          std::string p = nth(i) + '.';
          Doc e = Doc::map();
          for (const auto& f : a.fields)
            if (auto v = read(f, p + f.prefix)) e.set(f.member, std::move(*v));
          if (!e.has(a.fields.front().member)) break;
          l.push(std::move(e));
        }
        return non_empty(std::move(l));
      }
    }
    return std::nullopt;
  }

  static std::optional<Doc> non_empty(Doc d) {
    if (!d.size()) return std::nullopt;
    return d;
  }

  const Params& p_;
  const std::string& op_;
};

// The value of parameter `name` in a raw form/query string, decoded.
std::optional<std::string> form_value(std::string_view raw, std::string_view name) {
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view kv = raw.substr(0, amp);
    size_t eq = kv.find('=');
    if (kv.substr(0, eq) == name) return enc::uri_decode(eq == std::string_view::npos ? "" : kv.substr(eq + 1), true);
    if (amp == std::string_view::npos) break;
    raw.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// ---- XML output -------------------------------------------------------------------------------

// Writes output documents as XML, naming elements after the model, or after the service's
// QueryXmlNames where it has them.
class XmlOut {
 public:
  XmlOut(XmlWriter& w, const QueryXmlNames* names) : w_(w), names_(names) {}

  void members(const Shape& s, const Doc& d) {
    for (const auto& m : s.members) {
      const Doc* v = d.get(m.name);
      if (!v || v->is_null()) continue;
      const Shape& ms = *m.shape;
      std::string_view name = m.wire_name();
      bool flat = m.flattened || ms.flattened;
      const QueryXmlNames::Element* e = names_ ? names_->member(s.name, m.name) : nullptr;
      if (e) {
        name = e->name;
        flat = flat || e->flatten;
      } else if (ms.type == ShapeType::list && flat && !ms.member.location_name.empty()) {
        // A flattened list repeats its items directly, named after the list member if it has a name.
        name = ms.member.location_name;
      }
      value(name, m, *v, flat);
    }
  }

 private:
  void scalar(const Member& ref, const Doc& d) {
    const Shape& s = *ref.shape;
    buf_.clear();
    switch (d.type()) {
      case Doc::Type::boolean: w_.raw(d.as_bool() ? "true" : "false"); return;
      case Doc::Type::integer:
        if (s.type == ShapeType::timestamp) {
          w_.raw(enc::iso8601(d.as_int() * 1000));
          return;
        }
        append_int(buf_, d.as_int());
        w_.raw(buf_);
        return;
      case Doc::Type::floating:
        if ((s.type == ShapeType::integer || s.type == ShapeType::long_) && std::isfinite(d.as_double()))
          append_int(buf_, d.as_int());
        else
          append_double(buf_, d.as_double());
        w_.raw(buf_);
        return;
      case Doc::Type::string: w_.text(d.as_string()); return;
      case Doc::Type::blob: w_.raw(enc::base64_encode(d.as_blob().bytes)); return;
      case Doc::Type::timestamp: {
        int64_t ms = d.as_timestamp().millis;
        const std::string& fmt = !ref.timestamp_format.empty() ? ref.timestamp_format : s.timestamp_format;
        if (fmt == "unixTimestamp") {
          append_epoch_seconds(buf_, ms);
          w_.raw(buf_);
        } else if (fmt == "rfc822") {
          w_.raw(enc::http_date(ms));
        } else {
          w_.raw(enc::iso8601(ms));
        }
        return;
      }
      default: return;
    }
  }

  // `flat`: a list or map written as repeated `name` elements without a wrapper.
  void value(std::string_view name, const Member& ref, const Doc& d, bool flat) {
    const Shape& s = *ref.shape;
    if (s.type == ShapeType::list && d.is_list()) {
      const Member& item = s.member;
      if (flat) {
        for (const auto& e : d.as_list())
          if (!e.is_null()) value(name, item, e, false);
        return;
      }
      std::string_view iname = item.location_name.empty() ? std::string_view("member") : std::string_view(item.location_name);
      w_.open(name);
      for (const auto& e : d.as_list())
        if (!e.is_null()) value(iname, item, e, false);
      w_.close(name);
      return;
    }
    if (s.type == ShapeType::map && d.is_map()) {
      std::string_view kname = s.key.location_name.empty() ? std::string_view("key") : std::string_view(s.key.location_name);
      std::string_view vname =
          s.value.location_name.empty() ? std::string_view("value") : std::string_view(s.value.location_name);
      if (names_)
        if (auto it = names_->map_entries.find(s.name); it != names_->map_entries.end()) {
          kname = it->second.first;
          vname = it->second.second;
        }
      if (!flat) w_.open(name);
      for (const auto& [k, v] : d.as_map()) {
        if (v.is_null()) continue;
        w_.open(flat ? name : std::string_view("entry"));
        w_.element(kname, k);
        value(vname, s.value, v, false);
        w_.close(flat ? name : std::string_view("entry"));
      }
      if (!flat) w_.close(name);
      return;
    }
    w_.open(name);
    if (s.type == ShapeType::structure && d.is_map()) members(s, d);
    else scalar(ref, d);
    w_.close(name);
  }

  XmlWriter& w_;
  const QueryXmlNames* names_;
  std::string buf_;
};

std::shared_mutex g_names_mu;  // read on every Query answer: shared
// One name table per service id, registered once at start and read on every Query request.
template <class Names>
struct NamesRegistry {
  static std::map<std::string, std::unique_ptr<const Names>, std::less<>>& tables() {
    static std::map<std::string, std::unique_ptr<const Names>, std::less<>> r;
    return r;
  }
  static void add(std::string service_id, Names names) {
    std::lock_guard lock(g_names_mu);
    tables().try_emplace(std::move(service_id), std::make_unique<const Names>(std::move(names)));
  }
  static const Names* find(std::string_view service_id) {
    std::shared_lock lock(g_names_mu);
    auto& r = tables();
    auto it = r.find(service_id);
    return it == r.end() ? nullptr : it->second.get();
  }
};

class QueryCodec final : public Codec {
 public:
  const model::Operation* resolve(const model::ServiceModel& svc, const http::Request& req) const override {
    auto action = form_value(req.query, "Action");
    if (!action && req.method != "GET") action = form_value(req.body, "Action");
    if (!action || action->empty()) return nullptr;
    return svc.find_operation(*action);
  }

  Doc decode(const model::ServiceModel& svc, const model::Operation& op, const http::Request& req) const override {
    if (!op.input) return Doc::map();
    Params p;
    if (!req.query.empty()) p.add(http::parse_query(req.query));
    if (!req.body.empty() && req.method != "GET") p.add(http::parse_form(req.body));
    p.seal();
    Doc input = Decoder(p).structure(*op.input, std::string(), 0);
    if (const QueryInputNames* names = query_input_names(svc.id))
      ClassicReader(p, op.name).apply(*names, *op.input, input);
    return input;
  }

  void encode(const model::ServiceModel& svc, const model::Operation& op, const Doc& out,
              http::Response& res) const override {
    encode_with_request_id(svc, op, out, ids::uuid4(), res);
  }

  void encode_with_request_id(const model::ServiceModel& svc, const model::Operation& op, const Doc& out,
                              const std::string& request_id, http::Response& res) const override {
    res.status = op.http_status;
    res.headers.set("content-type", "text/xml");
    res.body.clear();
    res.body.reserve(512);
    XmlWriter w(res.body);
    const QueryXmlNames* names = query_xml_names(svc.id);
    std::string root = op.name + "Response";
    w.open_ns(root, names && !names->xml_namespace.empty() ? names->xml_namespace : svc.xml_namespace);
    if (op.output && out.is_map()) {
      std::string wrapper = op.result_wrapper;
      if (wrapper.empty() && names && names->result_wrapper) wrapper = op.name + "Result";
      if (!wrapper.empty()) w.open(wrapper);
      XmlOut(w, names).members(*op.output, out);
      if (!wrapper.empty()) w.close(wrapper);
    }
    w.open("ResponseMetadata");
    w.element("RequestId", request_id);
    w.close("ResponseMetadata");
    w.close(root);
  }

  void encode_error(const model::ServiceModel& svc, const model::Operation*, const AwsError& err,
                    const std::string& request_id, http::Response& res) const override {
    ErrorWire wire = error_wire(svc, err);
    const QueryXmlNames* names = query_xml_names(svc.id);
    res.status = err.http_status;
    res.headers.set("content-type", "text/xml");
    res.body.clear();
    XmlWriter w(res.body);
    w.open_ns("ErrorResponse", names && !names->xml_namespace.empty() ? names->xml_namespace : svc.xml_namespace);
    w.open("Error");
    w.element("Type", err.sender_fault ? "Sender" : "Receiver");
    w.element("Code", wire.query_code);
    w.element("Message", err.message);
    if (names && names->error_detail) w.raw("<Detail/>");
    w.close("Error");
    w.element("RequestId", request_id);
    w.close("ErrorResponse");
  }
};

}  // namespace

const QueryXmlNames::Element* QueryXmlNames::member(std::string_view shape, std::string_view m) const {
  if (members.empty()) return nullptr;
  std::string key;
  key.reserve(shape.size() + 1 + m.size());
  key += shape;
  key += '.';
  key += m;
  auto it = members.find(key);
  return it == members.end() ? nullptr : &it->second;
}

void register_query_xml_names(std::string service_id, QueryXmlNames names) {
  NamesRegistry<QueryXmlNames>::add(std::move(service_id), std::move(names));
}

const QueryXmlNames* query_xml_names(std::string_view service_id) {
  return NamesRegistry<QueryXmlNames>::find(service_id);
}

void register_query_input_names(std::string service_id, QueryInputNames names) {
  NamesRegistry<QueryInputNames>::add(std::move(service_id), std::move(names));
}

const QueryInputNames* query_input_names(std::string_view service_id) {
  return NamesRegistry<QueryInputNames>::find(service_id);
}

const Codec& query_codec() {
  static const QueryCodec c;
  return c;
}

}  // namespace stratus::protocol
