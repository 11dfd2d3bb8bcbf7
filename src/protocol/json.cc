// awsJson 1.0 / 1.1: POST /, X-Amz-Target "<targetPrefix>.<Operation>", a JSON object body.
//
// Decoding is one SAX pass over the body, directed by the input shape: values land directly in
// the Doc with their model types (Blob, Timestamp, Double for float members), unknown members
// are skipped without being built, and a JSON type that can't convert to the member's type is a
// SerializationException worded like AWS's (Coral's) own.
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "core/encoding.h"
#include "core/json.h"
#include "auth/checksum.h"
#include "protocol/codecs_internal.h"
#include "protocol/error_wire.h"
#include "protocol/text_format.h"

namespace stratus::protocol {
namespace {

constexpr size_t kMaxDepth = 256;

// Range of an integral shape's Java type; values outside it are refused as AWS refuses them.
bool fits(ShapeType t, int64_t v) {
  switch (t) {
    case ShapeType::integer: return v >= INT32_MIN && v <= INT32_MAX;
    case ShapeType::short_: return v >= INT16_MIN && v <= INT16_MAX;
    case ShapeType::byte_: return v >= INT8_MIN && v <= INT8_MAX;
    default: return true;
  }
}

// A container being filled. `shape` == nullptr means a document (free-form JSON).
struct Frame {
  const Shape* shape;
  Doc* target;
  const Shape* next = nullptr;  // structure: shape of the member whose key was just read
  std::string key;              // structure: member name; map: key
  bool skip_next = false;       // structure: the key named no member
};

class Decoder {
 public:
  explicit Decoder(const Shape& input) : input_(input) {}

  // rapidjson SAX interface -----------------------------------------------------------------
  bool Null() {
    if (skipping()) return true;
    if (stack_.empty()) return fail("Unexpected null where a structure was expected");
    Frame& f = stack_.back();
    if (f.shape && f.shape->type == ShapeType::structure) {
      f.skip_next = false;  // null members are absent members
      return true;
    }
    return place(Doc{});
  }
  bool Bool(bool b) {
    if (skipping()) return true;
    const Shape* s;
    if (!expect(s)) return false;
    if (!s || s->document || s->type == ShapeType::boolean) return place(Doc{b});
    return mismatch(b ? "TRUE_VALUE" : "FALSE_VALUE", *s);
  }
  bool Int(int i) { return integer(i); }
  bool Uint(unsigned u) { return integer(u); }
  bool Int64(int64_t i) { return integer(i); }
  bool Uint64(uint64_t u) {
    if (u > static_cast<uint64_t>(INT64_MAX)) return Double(static_cast<double>(u));
    return integer(static_cast<int64_t>(u));
  }
  bool Double(double d) {
    if (skipping()) return true;
    const Shape* s;
    if (!expect(s)) return false;
    if (!s || s->document || is_floating(s->type)) return place(Doc{d});
    if (is_integral(s->type)) {
      // Coral truncates fractional numbers sent for integer members.
      if (!std::isfinite(d) || d >= 9.2e18 || d <= -9.2e18 || !fits(s->type, static_cast<int64_t>(d)))
        return mismatch("NUMBER_VALUE", *s);
      return place(Doc{static_cast<int64_t>(d)});
    }
    if (s->type == ShapeType::timestamp) return timestamp_seconds(d);
    return mismatch("NUMBER_VALUE", *s);
  }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return false; }
  bool String(const char* p, rapidjson::SizeType n, bool) {
    if (skipping()) return true;
    const Shape* s;
    if (!expect(s)) return false;
    std::string_view v(p, n);
    if (!s || s->document || s->type == ShapeType::string) return place(Doc{std::string(v)});
    switch (s->type) {
      case ShapeType::blob: {
        if (n % 4 != 0)
          return fail("Base64 encoded length is expected a multiple of 4 bytes but found: " + std::to_string(n));
        auto b = enc::base64_decode(v);
        if (!b) return fail("Invalid Base64 character found in the value of a blob member");
        return place(Doc{Blob{std::move(*b)}});
      }
      case ShapeType::timestamp: {
        // AWS accepts epoch seconds sent as a string, and ISO 8601 text.
        if (auto t = enc::parse_timestamp(v)) return place(Doc{Timestamp{*t}});
        return mismatch("STRING_VALUE", *s);
      }
      case ShapeType::float_:
      case ShapeType::double_:
        if (v == "NaN") return place(Doc{std::numeric_limits<double>::quiet_NaN()});
        if (v == "Infinity") return place(Doc{std::numeric_limits<double>::infinity()});
        if (v == "-Infinity") return place(Doc{-std::numeric_limits<double>::infinity()});
        return mismatch("STRING_VALUE", *s);
      default: return mismatch("STRING_VALUE", *s);
    }
  }
  bool Key(const char* p, rapidjson::SizeType n, bool) {
    if (skip_depth_ > 0) return true;
    Frame& f = stack_.back();
    std::string_view k(p, n);
    if (f.shape && f.shape->type == ShapeType::structure && !f.shape->document) {
      const Member* m = nullptr;
      for (const auto& cand : f.shape->members)
        if (cand.wire_name() == k) { m = &cand; break; }
      f.skip_next = m == nullptr;  // unknown members are ignored, as AWS does
      if (m) {
        f.next = m->shape;
        f.key = m->name;
      }
    } else {
      f.key.assign(k);
    }
    return true;
  }
  bool StartObject() {
    if (skipping()) return enter_skip();
    const Shape* s;
    if (stack_.empty()) {
      s = &input_;
    } else if (!expect(s)) {
      return false;
    }
    if (s && !s->document && s->type != ShapeType::structure && s->type != ShapeType::map)
      return fail("Start of structure or map found where not expected.");
    return push(s, Doc::map());
  }
  bool EndObject(rapidjson::SizeType) { return leave(); }
  bool StartArray() {
    if (skipping()) return enter_skip();
    if (stack_.empty()) return fail("Start of list found where not expected.");
    const Shape* s;
    if (!expect(s)) return false;
    if (s && !s->document && s->type != ShapeType::list) return fail("Start of list found where not expected.");
    return push(s, Doc::list());
  }
  bool EndArray(rapidjson::SizeType) { return leave(); }

  Doc& root() { return root_; }
  std::optional<AwsError>& error() { return error_; }

 private:
  // True while inside (or about to read) a value that no member wants.
  bool skipping() {
    if (skip_depth_ > 0) return true;
    if (!stack_.empty() && stack_.back().skip_next) {
      // The value of an unknown member: a scalar is consumed here, a container continues
      // through enter_skip().
      stack_.back().skip_next = false;
      return true;
    }
    return false;
  }
  bool enter_skip() {
    if (skip_depth_ + stack_.size() >= kMaxDepth) return fail("JSON nesting too deep");
    ++skip_depth_;
    return true;
  }
  bool leave() {
    if (skip_depth_ > 0) {
      --skip_depth_;
      return true;
    }
    stack_.pop_back();
    return true;
  }

  // The shape expected for the next value in the current container (nullptr: document).
  bool expect(const Shape*& s) {
    if (stack_.empty()) return fail("Unexpected value where a structure was expected");
    Frame& f = stack_.back();
    if (!f.shape || f.shape->document) s = nullptr;
    else if (f.shape->type == ShapeType::structure) s = f.next;
    else if (f.shape->type == ShapeType::list) s = f.shape->member.shape;
    else s = f.shape->value.shape;
    if (s && s->document) s = nullptr;
    return true;
  }

  bool place_at(Doc v, Doc*& out) {
    if (stack_.empty()) {
      root_ = std::move(v);
      out = &root_;
      return true;
    }
    Frame& f = stack_.back();
    Doc& t = *f.target;
    if (t.is_list()) {
      t.as_list().push_back(std::move(v));
      out = &t.as_list().back();
    } else {
      out = &t.set(std::move(f.key), std::move(v));
      f.key.clear();
    }
    return true;
  }
  bool place(Doc v) {
    Doc* ignored;
    return place_at(std::move(v), ignored);
  }
  bool push(const Shape* s, Doc container) {
    if (stack_.size() >= kMaxDepth) return fail("JSON nesting too deep");
    Doc* slot;
    place_at(std::move(container), slot);
    stack_.push_back(Frame{s, slot, nullptr, std::string(), false});
    return true;
  }

  bool integer(int64_t i) {
    if (skipping()) return true;
    const Shape* s;
    if (!expect(s)) return false;
    if (!s || s->document) return place(Doc{i});
    if (is_integral(s->type)) {
      if (!fits(s->type, i)) return mismatch("NUMBER_VALUE", *s);
      return place(Doc{i});
    }
    if (is_floating(s->type)) return place(Doc{static_cast<double>(i)});
    if (s->type == ShapeType::timestamp) return place(Doc{Timestamp{i * 1000}});
    return mismatch("NUMBER_VALUE", *s);
  }
  bool timestamp_seconds(double d) {
    if (!std::isfinite(d) || std::fabs(d) > 1e14) return fail("NUMBER_VALUE can not be converted to a Date");
    return place(Doc{Timestamp{std::llround(d * 1000.0)}});
  }
  bool mismatch(const char* token, const Shape& s) {
    if (s.type == ShapeType::string) return fail(std::string(token) + " cannot be converted to String");
    return fail(std::string(token) + " can not be converted to " + java_type_word(s.type));
  }
  bool fail(std::string msg) {
    if (!error_) error_ = errors::serialization(std::move(msg));
    return false;
  }

  const Shape& input_;
  Doc root_;
  std::vector<Frame> stack_;
  size_t skip_depth_ = 0;
  std::optional<AwsError> error_;
};

// rapidjson output stream appending to a std::string.
struct StringOut {
  using Ch = char;
  std::string& s;
  void Put(char c) { s.push_back(c); }
  void Flush() {}
};
struct Writer : rapidjson::Writer<StringOut> {
  using rapidjson::Writer<StringOut>::Writer;
  std::string& out() { return os_->s; }
};

// A string with nothing to escape (ids, names, tokens: nearly all) is appended in one piece after
// rapidjson wrote its separator (a RawValue of nothing), instead of one Put per byte through the
// escaping loop (a Cognito sign-in answer's 2.5 KB of tokens cost ~1 us per 100 bytes that way).
// rapidjson's UTF-8 writer escapes exactly '"', '\\' and bytes below 0x20: those go through it.
void write_string(Writer& w, std::string_view s) {
  unsigned escape = 0;  // no early exit: the compiler vectorises the scan
  for (char c : s) escape |= static_cast<unsigned>(static_cast<unsigned char>(c) < 0x20) | (c == '"') | (c == '\\');
  if (escape) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return;
  }
  w.RawValue("", 0, rapidjson::kStringType);
  std::string& out = w.out();
  out += '"';
  out.append(s);
  out += '"';
}

void write_double(Writer& w, std::string& buf, double d) {
  if (std::isfinite(d)) {
    w.Double(d);
    return;
  }
  // Smithy's JSON protocols send non-finite numbers as strings.
  buf.clear();
  append_double(buf, d);
  write_string(w, buf);
}

void write_timestamp(Writer& w, std::string& buf, int64_t ms) {
  buf.clear();
  append_epoch_seconds(buf, ms);
  w.RawValue(buf.data(), buf.size(), rapidjson::kNumberType);
}

// Writes `d` as the JSON form of `shape` (nullptr: free-form document).
void write_value(Writer& w, std::string& buf, const Shape* shape, const Doc& d) {
  if (shape && shape->document) shape = nullptr;
  switch (d.type()) {
    case Doc::Type::null: w.Null(); return;
    case Doc::Type::boolean: w.Bool(d.as_bool()); return;
    case Doc::Type::integer:
      if (shape && shape->type == ShapeType::timestamp) write_timestamp(w, buf, d.as_int() * 1000);
      else w.Int64(d.as_int());
      return;
    case Doc::Type::floating:
      if (shape && is_integral(shape->type) && std::isfinite(d.as_double())) w.Int64(d.as_int());
      else write_double(w, buf, d.as_double());
      return;
    case Doc::Type::string: write_string(w, d.as_string()); return;
    case Doc::Type::blob: {
      std::string b = enc::base64_encode(d.as_blob().bytes);
      write_string(w, b);
      return;
    }
    case Doc::Type::timestamp: write_timestamp(w, buf, d.as_timestamp().millis); return;
    case Doc::Type::list: {
      const Shape* m = shape && shape->type == ShapeType::list ? shape->member.shape : nullptr;
      w.StartArray();
      for (const auto& e : d.as_list()) write_value(w, buf, m, e);
      w.EndArray();
      return;
    }
    case Doc::Type::map: {
      w.StartObject();
      if (shape && shape->type == ShapeType::structure) {
        for (const auto& m : shape->members) {
          const Doc* v = d.get(m.name);
          if (!v || v->is_null()) continue;
          write_string(w, m.wire_name());
          write_value(w, buf, m.shape, *v);
        }
      } else {
        const Shape* vs = shape && shape->type == ShapeType::map ? shape->value.shape : nullptr;
        for (const auto& [k, v] : d.as_map()) {
          write_string(w, k);
          write_value(w, buf, vs, v);
        }
      }
      w.EndObject();
      return;
    }
  }
}

std::string_view content_type(const model::ServiceModel& svc) {
  return svc.json_version == "1.1" ? "application/x-amz-json-1.1" : "application/x-amz-json-1.0";
}

// The namespace AWS puts before '#' in __type, for the services that send one.
std::string_view type_namespace(const model::ServiceModel& svc, std::string_view code) {
  if (svc.id == "dynamodb" || svc.id == "dynamodbstreams") {
    // Errors raised by the Coral framework itself carry its namespaces.
    if (code == "ValidationException") return "com.amazon.coral.validate";
    if (code == "SerializationException" || code == "UnknownOperationException" ||
        code == "UnrecognizedClientException" || code == "MissingAuthenticationTokenException" ||
        code == "InvalidSignatureException" || code == "IncompleteSignatureException" ||
        code == "AccessDeniedException" || code == "RequestEntityTooLargeException" ||
        code == "MalformedHttpRequestException")
      return "com.amazon.coral.service";
    return "com.amazonaws.dynamodb.v20120810";
  }
  if (svc.id == "sqs") return "com.amazonaws.sqs";
  return {};
}

class JsonCodec final : public Codec {
 public:
  const model::Operation* resolve(const model::ServiceModel& svc, const http::Request& req) const override {
    const std::string* target = req.headers.find("x-amz-target");
    if (!target) return nullptr;
    std::string_view t = *target;
    size_t dot = t.rfind('.');
    if (dot == std::string_view::npos || t.substr(0, dot) != svc.target_prefix) return nullptr;
    return svc.find_operation(t.substr(dot + 1));
  }

  Doc decode(const model::ServiceModel&, const model::Operation& op, const http::Request& req) const override {
    static const Shape kEmpty;
    const Shape& input = op.input ? *op.input : kEmpty;
    std::string_view body = req.body;
    size_t b = body.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return Doc::map();  // empty body = {}
    Decoder d(input);
    rapidjson::Reader reader;
    rapidjson::MemoryStream ms(body.data(), body.size());
    auto r = reader.Parse<rapidjson::kParseStopWhenDoneFlag | rapidjson::kParseValidateEncodingFlag>(ms, d);
    if (d.error()) throw std::move(*d.error());
    if (r.IsError()) {
      throw errors::serialization(std::string("Malformed JSON at offset ") + std::to_string(r.Offset()) + ": " +
                                  rapidjson::GetParseError_En(r.Code()));
    }
    for (size_t i = ms.Tell(); i < body.size(); ++i) {
      char c = body[i];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
        throw errors::serialization("Malformed JSON: unexpected data after the end of the document");
    }
    if (!d.root().is_map()) throw errors::serialization("Start of structure or map expected.");
    return std::move(d.root());
  }

  void encode(const model::ServiceModel& svc, const model::Operation& op, const Doc& out,
              http::Response& res) const override {
    res.status = op.http_status;
    res.headers.set("content-type", content_type(svc));
    res.body.clear();
    res.body.reserve(256);
    StringOut os{res.body};
    Writer w(os);
    std::string buf;
    if (op.output && out.is_map()) {
      write_value(w, buf, op.output, out);
    } else {
      w.StartObject();
      w.EndObject();
    }
    add_crc32(svc, res);
  }

  // DynamoDB signs every answer body with x-amz-crc32 and the SDKs check it (botocore retries
  // on mismatch), so Stratus sends it too.
  static void add_crc32(const model::ServiceModel& svc, http::Response& res) {
    if (svc.id == "dynamodb" || svc.id == "dynamodbstreams")
      res.headers.set("x-amz-crc32", std::to_string(auth::crc32(res.body)));
  }

  void encode_error(const model::ServiceModel& svc, const model::Operation*, const AwsError& err,
                    const std::string&, http::Response& res) const override {
    ErrorWire wire = error_wire(svc, err);
    res.status = err.http_status;
    res.headers.set("content-type", content_type(svc));
    if (query_compatible(svc)) {
      std::string q(wire.query_code);
      q += err.sender_fault ? ";Sender" : ";Receiver";
      res.headers.set("x-amzn-query-error", q);
    }
    std::string type;
    std::string_view ns = type_namespace(svc, wire.name);
    if (!ns.empty()) {
      type.assign(ns);
      type += '#';
    }
    type += wire.name;
    std::string& body = res.body;
    body.clear();
    body += "{\"__type\":\"";
    body += json::escape(type);
    body += "\",\"";
    body += message_key(wire.shape);
    body += "\":\"";
    body += json::escape(err.message);
    body += '"';
    // extra_json is an object whose members join the body (CancellationReasons, Item, ...).
    std::string_view extra = err.extra_json;
    size_t a = extra.find_first_not_of(" \t\r\n"), z = extra.find_last_not_of(" \t\r\n");
    if (a != std::string_view::npos && extra[a] == '{' && extra[z] == '}') {
      std::string_view inner = extra.substr(a + 1, z - a - 1);
      if (inner.find_first_not_of(" \t\r\n") != std::string_view::npos) {
        body += ',';
        body += inner;
      }
    }
    body += '}';
    add_crc32(svc, res);
  }
};

}  // namespace

const Codec& json_codec() {
  static const JsonCodec c;
  return c;
}

}  // namespace stratus::protocol
