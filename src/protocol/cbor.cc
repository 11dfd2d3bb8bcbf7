// smithy-rpc-v2-cbor: POST /service/<ServiceName>/operation/<Operation>, header
// smithy-protocol: rpc-v2-cbor, bodies are one CBOR map.
//
// Requests decode in one pass directed by the input shape (protocol/cbor/cbor.h does the
// bounded byte-level work); responses are written with definite lengths, member names as keys
// (botocore's RpcV2CBORParser looks members up by name), timestamps as tag 1 epoch seconds.
#include <cmath>
#include <string>

#include "core/json.h"
#include "protocol/cbor/cbor.h"
#include "protocol/codecs_internal.h"
#include "protocol/error_wire.h"

namespace stratus::protocol {
namespace {

using cbor::Head;
using cbor::Reader;

[[noreturn]] void type_error(std::string_view got, const Shape& s) {
  throw errors::serialization("Unexpected " + std::string(got) + " for member of type " +
                              std::string(s.name) + "");
}

std::string_view major_name(const Head& h) {
  switch (h.major) {
    case cbor::kUint:
    case cbor::kNegint: return "integer";
    case cbor::kBytes: return "byte string";
    case cbor::kText: return "text string";
    case cbor::kArray: return "array";
    case cbor::kMap: return "map";
    case cbor::kTag: return "tag";
    case cbor::kSimple:
      if (h.info == 20 || h.info == 21) return "boolean";
      if (h.info == 22 || h.info == 23) return "null";
      return "float";
  }
  return "item";
}

Doc decode_value(Reader& r, const Head& h, const Shape* s, int depth);

void decode_struct(Reader& r, const Head& h, const Shape& s, Doc& out, int depth) {
  std::string scratch;
  auto entry = [&] {
    Head k = r.head();
    if (k.major != cbor::kText) throw errors::serialization("Malformed CBOR: structure keys must be text strings");
    std::string_view key = r.string(k, scratch);
    const Member* m = nullptr;
    for (const auto& cand : s.members)
      if (cand.name == key || cand.wire_name() == key) { m = &cand; break; }
    Head v = r.head();
    if (!m) {
      r.skip(v, depth + 1);  // unknown members are ignored
      return;
    }
    Doc d = decode_value(r, v, m->shape, depth + 1);
    if (!d.is_null()) out.set(m->name, std::move(d));
  };
  if (h.indefinite) {
    while (!r.at_break()) entry();
  } else {
    r.need_items(h.arg, 2);
    for (uint64_t i = 0; i < h.arg; ++i) entry();
  }
}

Doc decode_value(Reader& r, const Head& h, const Shape* s, int depth) {
  if (depth > cbor::kMaxDepth) throw errors::serialization("Malformed CBOR: nesting too deep");
  if (!s || s->document) return r.read_doc(h, depth);
  if (h.major == cbor::kSimple && (h.info == 22 || h.info == 23)) return Doc{};
  if (h.major == cbor::kTag) {
    Head inner = r.head();
    if (h.arg == 1 && s->type == ShapeType::timestamp) {
      if (!Reader::is_number(inner)) type_error(major_name(inner), *s);
      double sec = Reader::to_double(inner);
      if (!std::isfinite(sec) || std::fabs(sec) > 1e14) throw errors::serialization("Timestamp out of range");
      return Doc{Timestamp{std::llround(sec * 1000.0)}};
    }
    return decode_value(r, inner, s, depth + 1);  // tags we don't know: the tagged value
  }
  std::string scratch;
  switch (s->type) {
    case ShapeType::structure: {
      if (h.major != cbor::kMap) type_error(major_name(h), *s);
      Doc out = Doc::map();
      decode_struct(r, h, *s, out, depth);
      return out;
    }
    case ShapeType::list: {
      if (h.major != cbor::kArray) type_error(major_name(h), *s);
      Doc out = Doc::list();
      auto& l = out.as_list();
      if (h.indefinite) {
        while (!r.at_break()) l.push_back(decode_value(r, r.head(), s->member.shape, depth + 1));
      } else {
        r.need_items(h.arg, 1);
        l.reserve(static_cast<size_t>(h.arg));
        for (uint64_t i = 0; i < h.arg; ++i) l.push_back(decode_value(r, r.head(), s->member.shape, depth + 1));
      }
      return out;
    }
    case ShapeType::map: {
      if (h.major != cbor::kMap) type_error(major_name(h), *s);
      Doc out = Doc::map();
      auto entry = [&] {
        Head k = r.head();
        if (k.major != cbor::kText) throw errors::serialization("Malformed CBOR: map keys must be text strings");
        std::string key(r.string(k, scratch));
        Doc v = decode_value(r, r.head(), s->value.shape, depth + 1);
        if (!v.is_null()) out.set(std::move(key), std::move(v));
      };
      if (h.indefinite) {
        while (!r.at_break()) entry();
      } else {
        r.need_items(h.arg, 2);
        for (uint64_t i = 0; i < h.arg; ++i) entry();
      }
      return out;
    }
    case ShapeType::string:
      if (h.major != cbor::kText) type_error(major_name(h), *s);
      return Doc{std::string(r.string(h, scratch))};
    case ShapeType::blob:
      if (h.major != cbor::kBytes && h.major != cbor::kText) type_error(major_name(h), *s);
      return Doc{Blob{std::string(r.string(h, scratch))}};
    case ShapeType::boolean:
      if (h.major != cbor::kSimple || (h.info != 20 && h.info != 21)) type_error(major_name(h), *s);
      return Doc{h.info == 21};
    case ShapeType::timestamp: {
      // Without the tag: a bare number of epoch seconds.
      if (!Reader::is_number(h)) type_error(major_name(h), *s);
      double sec = Reader::to_double(h);
      if (!std::isfinite(sec) || std::fabs(sec) > 1e14) throw errors::serialization("Timestamp out of range");
      return Doc{Timestamp{std::llround(sec * 1000.0)}};
    }
    default:
      if (!Reader::is_number(h)) type_error(major_name(h), *s);
      if (is_floating(s->type)) return Doc{Reader::to_double(h)};
      if (is_integral(s->type)) {
        if (h.major == cbor::kSimple) {
          double d = Reader::to_double(h);
          if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) type_error("float", *s);
          return Doc{static_cast<int64_t>(d)};
        }
        return Doc{Reader::to_int(h)};
      }
      return Doc{Reader::to_double(h)};
  }
}

// Count of members that will be written (non-null and in the shape).
size_t present_members(const Shape& s, const Doc& d) {
  size_t n = 0;
  for (const auto& m : s.members)
    if (const Doc* v = d.get(m.name); v && !v->is_null()) ++n;
  return n;
}

void encode_value(cbor::Writer& w, const Shape* s, const Doc& d) {
  if (s && s->document) s = nullptr;
  switch (d.type()) {
    case Doc::Type::null: w.null(); return;
    case Doc::Type::boolean: w.boolean(d.as_bool()); return;
    case Doc::Type::integer:
      if (s && s->type == ShapeType::timestamp) w.timestamp(d.as_int() * 1000);
      else if (s && is_floating(s->type))
        w.floating(d.as_double());
      else w.integer(d.as_int());
      return;
    case Doc::Type::floating:
      if (s && is_integral(s->type) && std::isfinite(d.as_double()))
        w.integer(d.as_int());
      else if (s && s->type == ShapeType::float_) w.floating(d.as_double());
      else w.float64(d.as_double());
      return;
    case Doc::Type::string: w.text(d.as_string()); return;
    case Doc::Type::blob: w.bytes(d.as_blob().bytes); return;
    case Doc::Type::timestamp: w.timestamp(d.as_timestamp().millis); return;
    case Doc::Type::list: {
      const Shape* m = s && s->type == ShapeType::list ? s->member.shape : nullptr;
      w.array(d.as_list().size());
      for (const auto& e : d.as_list()) encode_value(w, m, e);
      return;
    }
    case Doc::Type::map:
      if (s && s->type == ShapeType::structure) {
        w.map(present_members(*s, d));
        for (const auto& m : s->members) {
          const Doc* v = d.get(m.name);
          if (!v || v->is_null()) continue;
          w.text(m.name);
          encode_value(w, m.shape, *v);
        }
      } else {
        const Shape* vs = s && s->type == ShapeType::map ? s->value.shape : nullptr;
        w.map(d.as_map().size());
        for (const auto& [k, v] : d.as_map()) {
          w.text(k);
          encode_value(w, vs, v);
        }
      }
      return;
  }
}

// Smithy shape-id namespace of the service for __type, e.g. "com.amazonaws.cloudwatch".
std::string type_namespace(const model::ServiceModel& svc) {
  std::string ns = "com.amazonaws.";
  for (char c : svc.service_id)
    if (c != ' ' && c != '-') ns += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return ns;
}

void set_headers(http::Response& res) {
  res.headers.set("content-type", "application/cbor");
  res.headers.set("smithy-protocol", "rpc-v2-cbor");
}

class CborCodec final : public Codec {
 public:
  const model::Operation* resolve(const model::ServiceModel& svc, const http::Request& req) const override {
    // /service/<ServiceName>/operation/<Operation>; a path prefix before /service/ is allowed.
    std::string_view p = req.path;
    size_t at = p.rfind("/service/");
    if (at == std::string_view::npos) return nullptr;
    p.remove_prefix(at + 9);
    size_t slash = p.find('/');
    if (slash == std::string_view::npos) return nullptr;
    std::string_view name = p.substr(0, slash);
    if (name != svc.target_prefix && name != svc.target_service_name) return nullptr;
    p.remove_prefix(slash);
    if (p.substr(0, 11) != "/operation/") return nullptr;
    p.remove_prefix(11);
    if (p.empty() || p.find('/') != std::string_view::npos) return nullptr;
    return svc.find_operation(p);
  }

  Doc decode(const model::ServiceModel&, const model::Operation& op, const http::Request& req) const override {
    if (req.body.empty()) return Doc::map();
    static const Shape kEmpty;
    const Shape& input = op.input ? *op.input : kEmpty;
    Reader r(req.body);
    Head h = r.head();
    if (h.major != cbor::kMap) throw errors::serialization("Malformed CBOR: the request body must be a map");
    Doc out = Doc::map();
    decode_struct(r, h, input, out, 0);
    if (!r.at_end()) throw errors::serialization("Malformed CBOR: trailing data after the request body");
    return out;
  }

  void encode(const model::ServiceModel&, const model::Operation& op, const Doc& out,
              http::Response& res) const override {
    res.status = op.http_status;
    set_headers(res);
    res.body.clear();
    cbor::Writer w(res.body);
    // botocore parses the body even for empty outputs: always send a map.
    if (op.output && out.is_map()) encode_value(w, op.output, out);
    else w.map(0);
  }

  void encode_error(const model::ServiceModel& svc, const model::Operation*, const AwsError& err,
                    const std::string&, http::Response& res) const override {
    ErrorWire wire = error_wire(svc, err);
    res.status = err.http_status;
    set_headers(res);
    if (query_compatible(svc)) {
      std::string q(wire.query_code);
      q += err.sender_fault ? ";Sender" : ";Receiver";
      res.headers.set("x-amzn-query-error", q);
    }
    Doc extra;
    if (!err.extra_json.empty()) {
      try {
        extra = json::parse(err.extra_json);
      } catch (const AwsError&) {
        extra = Doc{};  // a handler bug must not turn an error response into a crash
      }
    }
    std::string_view mkey = message_key(wire.shape);
    size_t n = 2;
    if (extra.is_map())
      for (const auto& [k, _] : extra.as_map())
        if (k != "__type" && k != mkey) ++n;
    res.body.clear();
    cbor::Writer w(res.body);
    w.map(n);
    w.text("__type");
    w.text(type_namespace(svc) + "#" + std::string(wire.name));
    w.text(mkey);
    w.text(err.message);
    if (extra.is_map()) {
      for (const auto& [k, v] : extra.as_map()) {
        if (k == "__type" || k == mkey) continue;
        w.text(k);
        w.value(v);
      }
    }
  }
};

}  // namespace

const Codec& cbor_codec() {
  static const CborCodec c;
  return c;
}

}  // namespace stratus::protocol
