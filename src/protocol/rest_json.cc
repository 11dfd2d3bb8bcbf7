// rest-json (Lambda, API Gateway v1/v2, SES v2, ...): the REST binding of rest_binding.h with
// JSON bodies. Body timestamps default to epoch seconds, blobs to base64. Errors carry the code
// in the x-amzn-ErrorType header (botocore's RestJSONParser reads it before the body) and the
// message under the key the error shape models ("message" or "Message").
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

#include "core/encoding.h"
#include "core/json.h"
#include "protocol/codecs_internal.h"
#include "protocol/rest_binding.h"

namespace stratus::protocol {
namespace {

using model::Member;
using model::Operation;
using model::ServiceModel;
using model::Shape;
using model::ShapeType;
using JVal = rapidjson::Value;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr int kMaxDepth = 128;

// The error a malformed body gets. AWS services differ and the model tells us which one a
// service declares: Lambda answers InvalidRequestContentException, API Gateway
// BadRequestException; everything else gets the generic SerializationException.
AwsError malformed_body(const ServiceModel& svc, std::string_view detail) {
  if (svc.find_shape("InvalidRequestContentException"))
    return {"InvalidRequestContentException", "Could not parse request body into json: " + std::string(detail), 400};
  if (svc.find_shape("BadRequestException"))
    return {"BadRequestException", "Invalid JSON in request body: " + std::string(detail), 400};
  return errors::serialization("Could not parse request body into json: " + std::string(detail));
}

struct Decoder {
  const ServiceModel& svc;

  [[noreturn]] void fail(std::string_view why) const { throw malformed_body(svc, why); }

  Doc generic(const JVal& v, int depth) const {
    if (depth > kMaxDepth) fail("nesting too deep");
    switch (v.GetType()) {
      case rapidjson::kNullType: return {};
      case rapidjson::kFalseType: return Doc(false);
      case rapidjson::kTrueType: return Doc(true);
      case rapidjson::kStringType: return Doc(std::string(v.GetString(), v.GetStringLength()));
      case rapidjson::kNumberType:
        if (v.IsInt64()) return Doc(v.GetInt64());
        return Doc(v.GetDouble());
      case rapidjson::kArrayType: {
        Doc out = Doc::list();
        out.as_list().reserve(v.Size());
        for (const auto& e : v.GetArray()) out.push(generic(e, depth + 1));
        return out;
      }
      case rapidjson::kObjectType: {
        Doc out = Doc::map();
        for (const auto& m : v.GetObject())
          out.set(std::string(m.name.GetString(), m.name.GetStringLength()), generic(m.value, depth + 1));
        return out;
      }
    }
    return {};
  }

  // Members of `s` found in object `v`; at the top level members bound elsewhere are skipped.
  void structure(const Shape& s, const JVal& v, bool top, Doc& out, int depth) const {
    const auto& names = rest::wire_names(svc, s);
    for (const auto& m : v.GetObject()) {
      const Member* mem = names.find_json(std::string_view(m.name.GetString(), m.name.GetStringLength()));
      if (!mem || m.value.IsNull()) continue;
      if (top && !mem->location.empty()) continue;
      out.set(mem->name, value(*mem->shape, m.value, depth + 1));
    }
  }

  Doc value(const Shape& s, const JVal& v, int depth) const {
    if (depth > kMaxDepth) fail("nesting too deep");
    switch (s.type) {
      case ShapeType::structure: {
        if (s.document || !v.IsObject()) return generic(v, depth);
        Doc out = Doc::map();
        structure(s, v, false, out, depth);
        return out;
      }
      case ShapeType::list: {
        if (!v.IsArray()) return generic(v, depth);
        Doc out = Doc::list();
        out.as_list().reserve(v.Size());
        for (const auto& e : v.GetArray()) out.push(value(*s.member.shape, e, depth + 1));
        return out;
      }
      case ShapeType::map: {
        if (!v.IsObject()) return generic(v, depth);
        Doc out = Doc::map();
        for (const auto& m : v.GetObject()) {
          if (m.value.IsNull()) continue;
          out.set(std::string(m.name.GetString(), m.name.GetStringLength()), value(*s.value.shape, m.value, depth + 1));
        }
        return out;
      }
      case ShapeType::blob: {
        if (!v.IsString()) return generic(v, depth);
        auto b = enc::base64_decode(std::string_view(v.GetString(), v.GetStringLength()));
        if (!b) fail("invalid base64 in a blob member");
        return Doc(Blob{std::move(*b)});
      }
      case ShapeType::timestamp:
        if (v.IsNumber()) return Doc(Timestamp{static_cast<int64_t>(std::llround(v.GetDouble() * 1000.0))});
        if (v.IsString()) {
          if (auto t = enc::parse_timestamp(std::string_view(v.GetString(), v.GetStringLength()))) return Doc(Timestamp{*t});
        }
        return generic(v, depth);
      case ShapeType::float_: case ShapeType::double_: case ShapeType::bigdecimal:
        if (v.IsString()) {
          Doc d;
          if (rest::parse_scalar(s, std::string_view(v.GetString(), v.GetStringLength()), "", d)) return d;
        }
        if (v.IsNumber()) return Doc(v.GetDouble());
        return generic(v, depth);
      default:
        return generic(v, depth);
    }
  }

  void parse(std::string_view body, rapidjson::Document& d) const {
    d.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag |
            rapidjson::kParseNanAndInfFlag>(body.data(), body.size());
    if (d.HasParseError()) fail(rapidjson::GetParseError_En(d.GetParseError()));
  }
};

bool blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return false;
  return true;
}

struct Encoder {
  const ServiceModel& svc;

  static void str(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

  void timestamp(Writer& w, const Doc& v, std::string_view fmt) const {
    int64_t ms = v.is_timestamp() ? v.as_timestamp().millis : static_cast<int64_t>(v.as_double() * 1000.0);
    if (fmt == "iso8601") str(w, enc::iso8601(ms));
    else if (fmt == "rfc822") str(w, enc::http_date(ms));
    else if (ms % 1000 == 0) w.Int64(ms / 1000);
    else w.Double(static_cast<double>(ms) / 1000.0);
  }

  void generic(Writer& w, const Doc& v) const {
    switch (v.type()) {
      case Doc::Type::null: w.Null(); break;
      case Doc::Type::boolean: w.Bool(v.as_bool()); break;
      case Doc::Type::integer: w.Int64(v.as_int()); break;
      case Doc::Type::floating: number(w, v.as_double()); break;
      case Doc::Type::string: str(w, v.as_string()); break;
      case Doc::Type::blob: str(w, enc::base64_encode(v.as_blob().bytes)); break;
      case Doc::Type::timestamp: timestamp(w, v, "unixTimestamp"); break;
      case Doc::Type::list:
        w.StartArray();
        for (const auto& e : v.as_list()) generic(w, e);
        w.EndArray();
        break;
      case Doc::Type::map:
        w.StartObject();
        for (const auto& [k, e] : v.as_map()) {
          str(w, k);
          generic(w, e);
        }
        w.EndObject();
        break;
    }
  }

  static void number(Writer& w, double d) {
    if (std::isnan(d)) str(w, "NaN");
    else if (std::isinf(d)) str(w, d > 0 ? "Infinity" : "-Infinity");
    else w.Double(d);
  }

  void structure(Writer& w, const Shape& s, const Doc& v, bool top) const {
    w.StartObject();
    for (const Member& m : s.members) {
      if (top && !m.location.empty()) continue;
      const Doc* e = v.get(m.name);
      if (!e || e->is_null()) continue;
      str(w, m.wire_name());
      value(w, *m.shape, *e, rest::timestamp_format(m, "unixTimestamp"));
    }
    w.EndObject();
  }

  void value(Writer& w, const Shape& s, const Doc& v, std::string_view ts_fmt) const {
    switch (s.type) {
      case ShapeType::structure:
        if (s.document || !v.is_map()) return generic(w, v);
        return structure(w, s, v, false);
      case ShapeType::list:
        if (!v.is_list()) return generic(w, v);
        w.StartArray();
        for (const auto& e : v.as_list()) value(w, *s.member.shape, e, rest::timestamp_format(s.member, "unixTimestamp"));
        w.EndArray();
        return;
      case ShapeType::map:
        if (!v.is_map()) return generic(w, v);
        w.StartObject();
        for (const auto& [k, e] : v.as_map()) {
          if (e.is_null()) continue;
          str(w, k);
          value(w, *s.value.shape, e, rest::timestamp_format(s.value, "unixTimestamp"));
        }
        w.EndObject();
        return;
      case ShapeType::timestamp:
        if (v.is_timestamp() || v.is_number()) return timestamp(w, v, ts_fmt);
        return generic(w, v);
      default:
        return generic(w, v);
    }
  }
};

class RestJsonCodec final : public Codec {
 public:
  const Operation* resolve(const ServiceModel& svc, const http::Request& req) const override {
    return rest::resolve(svc, req);
  }

  Doc decode(const ServiceModel& svc, const Operation& op, const http::Request& req) const override {
    Doc out = Doc::map();
    rest::bind_request(svc, op, req, out);
    if (!op.input) return out;
    const rest::StructBinding& b = rest::binding(svc, *op.input);
    Decoder dec{svc};
    if (b.payload) {
      if (b.raw_payload) {
        if (!req.body.empty()) {
          if (b.payload->shape->type == ShapeType::blob) out.set(b.payload->name, Doc(Blob{req.body}));
          else out.set(b.payload->name, Doc(req.body));
        }
      } else if (!blank(req.body)) {
        rapidjson::Document d;
        dec.parse(req.body, d);
        out.set(b.payload->name, dec.value(*b.payload->shape, d, 0));
      }
    } else if (!b.body.empty() && !blank(req.body)) {
      rapidjson::Document d;
      dec.parse(req.body, d);
      if (!d.IsObject()) dec.fail("the request body must be a JSON object");
      dec.structure(*op.input, d, true, out, 0);
    }
    return out;
  }

  void encode(const ServiceModel& svc, const Operation& op, const Doc& out, http::Response& res) const override {
    rest::bind_response(svc, op, out, res);
    if (!op.output) return;
    const rest::StructBinding& b = rest::binding(svc, *op.output);
    Encoder enc{svc};
    if (b.payload) {
      const Doc* v = out.get(b.payload->name);
      if (b.raw_payload) {
        if (v && v->is_blob()) res.body = v->as_blob().bytes;
        else if (v && v->is_string()) res.body = v->as_string();
        if (!res.headers.has("content-type"))
          res.headers.set("Content-Type", b.payload->shape->type == ShapeType::blob ? "application/octet-stream" : "text/plain");
        return;
      }
      if (v && !v->is_null()) {
        rapidjson::StringBuffer sb;
        Writer w(sb);
        enc.value(w, *b.payload->shape, *v, rest::timestamp_format(*b.payload, "unixTimestamp"));
        res.body.assign(sb.GetString(), sb.GetSize());
      } else {
        res.body = "{}";
      }
    } else if (!b.body.empty()) {
      rapidjson::StringBuffer sb;
      Writer w(sb);
      static const Doc empty = Doc::map();
      enc.structure(w, *op.output, out.is_map() ? out : empty, true);
      res.body.assign(sb.GetString(), sb.GetSize());
    }
    if (!res.body.empty() && !res.headers.has("content-type")) res.headers.set("Content-Type", "application/json");
  }

  void encode_error(const ServiceModel& svc, const Operation* op, const AwsError& err, const std::string& request_id,
                    http::Response& res) const override {
    const Shape* shape = nullptr;
    if (auto it = svc.error_shapes.find(err.code); it != svc.error_shapes.end()) shape = it->second;
    res.status = shape && shape->error_http_status ? shape->error_http_status : err.http_status;
    res.headers.set("x-amzn-ErrorType", err.code);
    res.headers.set("Content-Type", "application/json");

    // Message under the key the error shape models; Lambda's shapes also model Type
    // (User = the caller's fault, Service = ours).
    std::string message_key = "message";
    bool has_type = false;
    if (shape) {
      for (const Member& m : shape->members) {
        if (m.name == "Message" || m.name == "message") message_key = m.wire_name();
        if (m.name == "Type") has_type = true;
      }
    }
    Doc body = Doc::map();
    if (!err.extra_json.empty()) {
      try {
        Doc extra = json::parse(err.extra_json);
        if (extra.is_map()) body = std::move(extra);
      } catch (const AwsError&) {
        // Malformed extras are our bug; the error itself still goes out.
      }
    }
    if (has_type && !body.has("Type")) body.set("Type", err.sender_fault ? "User" : "Service");
    body.set(message_key, err.message);
    res.body = json::write(body);
  }
};

}  // namespace

const Codec& rest_json_codec() {
  static const RestJsonCodec c;
  return c;
}

}  // namespace stratus::protocol
