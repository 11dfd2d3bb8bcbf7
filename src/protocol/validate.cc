// Model validation with AWS's (Coral's) wording:
//   "2 validation errors detected: Value null at 'tableName' failed to satisfy constraint:
//    Member must not be null; Value '0' at 'limit' failed to satisfy constraint: Member must
//    have value greater than or equal to 1"
// Values are rendered as Java's toString would (strings bare inside the quotes, lists as
// "[a, b]", maps as "{k=v}"), quoted, except null. Paths lower-case the first letter of each
// member name; list elements are "name.N.member" (1-based). Constraint failures of list items
// and map keys/values that are scalars are reported once for the whole container:
//   "Member must satisfy constraint: [Member must have length less than or equal to 10]".
#include "protocol/validate.h"

#include <cstdio>
#include <string_view>
#include <vector>

#include "core/encoding.h"
#include "protocol/text_format.h"

namespace stratus::protocol {
namespace {

using model::Member;
using model::Shape;
using model::ShapeType;

bool scalar_shape(const Shape& s) {
  return s.type != ShapeType::structure && s.type != ShapeType::list && s.type != ShapeType::map && !s.document;
}

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// Services written in Java with generated classes that keep Object's toString (DynamoDB) print a
// structure as "<package>.<Shape>@<identity hash>", e.g. the elements of a too long list:
//   Value '[com.amazonaws.dynamodb.v20120810.TransactWriteItem@1b4fb997, ...]' at 'transactItems'
// Our "identity hash" is a hash of the value's place in the request (stable for one request).
struct JavaObjects {
  const std::string& package;
  uint32_t seed = 2166136261u;
};

// `s` is the value's shape when known (null: rendered from the value alone); `java` is set for the
// services of JavaObjects.
void render_raw(std::string& out, const Doc& d, const Shape* s = nullptr, JavaObjects* java = nullptr) {
  if (s && s->document) s = nullptr;
  switch (d.type()) {
    case Doc::Type::null: out += "null"; return;
    case Doc::Type::boolean: out += d.as_bool() ? "true" : "false"; return;
    case Doc::Type::integer: append_int(out, d.as_int()); return;
    case Doc::Type::floating: append_double(out, d.as_double()); return;
    case Doc::Type::string: out += d.as_string(); return;
    case Doc::Type::blob: {
      // What AWS's Java services print for a ByteBuffer.
      auto n = std::to_string(d.as_blob().bytes.size());
      out += "java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]";
      return;
    }
    case Doc::Type::timestamp: out += enc::iso8601(d.as_timestamp().millis); return;
    case Doc::Type::list: {
      const Shape* element = s && s->type == ShapeType::list ? s->member.shape : nullptr;
      out += '[';
      bool first = true;
      for (const auto& e : d.as_list()) {
        if (!first) out += ", ";
        first = false;
        render_raw(out, e, element, java);
      }
      out += ']';
      return;
    }
    case Doc::Type::map: {
      if (java && s && s->type == ShapeType::structure) {
        java->seed = java->seed * 16777619u ^ 0x9e3779b9u;
        char hex[16];
        std::snprintf(hex, sizeof hex, "%x", java->seed & 0x7fffffffu);
        out += java->package + '.' + s->name + '@' + hex;
        return;
      }
      const Shape* value = s && s->type == ShapeType::map ? s->value.shape : nullptr;
      out += '{';
      bool first = true;
      for (const auto& [k, v] : d.as_map()) {
        if (!first) out += ", ";
        first = false;
        out += k;
        out += '=';
        render_raw(out, v, value, java);
      }
      out += '}';
      return;
    }
  }
}

// The Java package of a service's generated classes, when it prints structures as Java objects.
std::string java_package(const model::ServiceModel& svc) {
  if (svc.target_prefix == "DynamoDB_20120810") return "com.amazonaws.dynamodb.v20120810";
  return {};
}

std::string render(const Doc& d, const Shape* s = nullptr, const std::string& package = {}) {
  if (d.is_null()) return "null";
  std::string out = "'";
  JavaObjects java{package};
  render_raw(out, d, s, package.empty() ? nullptr : &java);
  out += '\'';
  return out;
}

std::string number_text(double v) {
  std::string s;
  if (v == static_cast<double>(static_cast<int64_t>(v))) append_int(s, static_cast<int64_t>(v));
  else append_double(s, v);
  return s;
}

// The Doc type a decoded value of this shape has; false when it has another.
bool type_ok(const Shape& s, const Doc& d) {
  if (s.document) return true;
  switch (s.type) {
    case ShapeType::structure:
    case ShapeType::map: return d.is_map();
    case ShapeType::list: return d.is_list();
    case ShapeType::string: return d.is_string();
    case ShapeType::boolean: return d.is_bool();
    case ShapeType::blob: return d.is_blob();
    case ShapeType::timestamp: return d.is_timestamp();
    case ShapeType::document: return true;
    default:
      return is_integral(s.type) ? d.is_int() : d.is_number();
  }
}

const char* type_token(const Doc& d) {
  switch (d.type()) {
    case Doc::Type::string: return "STRING_VALUE";
    case Doc::Type::boolean: return d.as_bool() ? "TRUE_VALUE" : "FALSE_VALUE";
    case Doc::Type::list: return "START_ARRAY";
    case Doc::Type::map: return "START_OBJECT";
    default: return "NUMBER_VALUE";
  }
}

// As java_type_word, but the model types AWS's validators name "a Number" (byte, short, the big
// numbers, documents).
const char* type_word(const Shape& s) {
  switch (s.type) {
    case ShapeType::short_:
    case ShapeType::byte_:
    case ShapeType::bigdecimal:
    case ShapeType::biginteger:
    case ShapeType::document:
      return "a Number";
    default:
      return java_type_word(s.type);
  }
}

// A member path built only when an error needs it: validation of a valid request allocates
// nothing for paths.
struct Path {
  const Path* parent = nullptr;
  std::string_view name;   // member or map key; empty for a list element
  size_t index = 0;        // list element: 1-based index
  bool lower_first = false;

  std::string str() const {
    std::string out = parent ? parent->str() : std::string();
    if (!parent && name.empty() && index == 0) return out;
    if (!out.empty()) out += '.';
    if (index) {
      append_int(out, static_cast<int64_t>(index));
      out += ".member";
      return out;
    }
    size_t at = out.size();
    out += name;
    if (lower_first && !name.empty() && out[at] >= 'A' && out[at] <= 'Z') out[at] = static_cast<char>(out[at] - 'A' + 'a');
    return out;
  }
};

class Validator {
 public:
  std::string package;  // java_package(): structures rendered as Java objects when not empty
  std::vector<std::string> errors;
  std::optional<AwsError> type_error;
  bool enums = true;  // false: the service checks enum-typed values itself (SQS)

  void structure(const Shape& s, const Doc& d, const Path& path) {
    for (const Member& m : s.members) {
      // Body members by their wire name; header/URI/query members by the member name.
      Path p{&path, m.location.empty() ? std::string_view(m.wire_name()) : std::string_view(m.name), 0, true};
      const Doc* v = d.get(m.name);
      if (!v || v->is_null()) {
        if (m.required) add("null", p, "Member must not be null");
        continue;
      }
      value(*m.shape, *v, p);
    }
  }

  void value(const Shape& s, const Doc& d, const Path& path) {
    if (!type_ok(s, d)) {
      if (!type_error) {
        type_error = errors::serialization(s.type == ShapeType::string
                                               ? std::string(type_token(d)) + " cannot be converted to String"
                                               : std::string(type_token(d)) + " can not be converted to " + type_word(s));
      }
      return;
    }
    std::vector<std::string> fails;
    constraints(s, d, fails);
    if (!fails.empty()) {
      std::string r = render(d, &s, package);
      for (auto& f : fails) add(r, path, f);
    }
    if (s.document) return;
    if (s.type == ShapeType::structure) {
      structure(s, d, path);
    } else if (s.type == ShapeType::list) {
      const Shape& ms = *s.member.shape;
      if (scalar_shape(ms)) {
        std::vector<std::string> item_fails;
        for (const auto& e : d.as_list()) {
          if (e.is_null()) continue;
          if (!type_ok(ms, e)) {
            value(ms, e, path);
            return;
          }
          constraints(ms, e, item_fails);
        }
        if (!item_fails.empty())
          add(render(d, &s, package), path, "Member must satisfy constraint: [" + join_unique(item_fails) + "]");
      } else {
        size_t i = 0;
        for (const auto& e : d.as_list()) {
          ++i;
          if (e.is_null()) continue;
          value(ms, e, Path{&path, {}, i, false});
        }
      }
    } else if (s.type == ShapeType::map) {
      const Shape& ks = *s.key.shape;
      const Shape& vs = *s.value.shape;
      std::vector<std::string> key_fails, value_fails;
      for (const auto& [k, v] : d.as_map()) {
        string_constraints(ks, k, key_fails);
        if (v.is_null()) continue;
        if (scalar_shape(vs)) {
          if (!type_ok(vs, v)) {
            value(vs, v, path);
            return;
          }
          constraints(vs, v, value_fails);
        } else {
          Path kp{&path, k, 0, false};
          value(vs, v, Path{&kp, "member", 0, false});
        }
      }
      if (!key_fails.empty())
        add(render(d, &s, package), path, "Map keys must satisfy constraint: [" + join_unique(key_fails) + "]");
      if (!value_fails.empty())
        add(render(d, &s, package), path, "Map value must satisfy constraint: [" + join_unique(value_fails) + "]");
    }
  }

 private:
  void add(const std::string& rendered, const Path& path, const std::string& what) {
    errors.push_back("Value " + rendered + " at '" + path.str() + "' failed to satisfy constraint: " + what);
  }

  static std::string join_unique(const std::vector<std::string>& v) {
    std::string out;
    std::vector<std::string_view> seen;
    for (const auto& s : v) {
      bool dup = false;
      for (auto x : seen) dup = dup || x == s;
      if (dup) continue;
      seen.push_back(s);
      if (!out.empty()) out += ", ";
      out += s;
    }
    return out;
  }

  static void length(const Shape& s, size_t len, std::vector<std::string>& out) {
    if (s.min && static_cast<double>(len) < *s.min)
      out.push_back("Member must have length greater than or equal to " + number_text(*s.min));
    if (s.max && static_cast<double>(len) > *s.max)
      out.push_back("Member must have length less than or equal to " + number_text(*s.max));
  }

  void string_constraints(const Shape& s, std::string_view v, std::vector<std::string>& out) const {
    if (s.type != ShapeType::string) return;
    if (s.min || s.max) length(s, code_points(v), out);
    if (enums && !s.enum_values.empty()) {
      for (const auto& e : s.enum_values)
        if (e == v) return;
      std::string set = "Member must satisfy enum value set: [";
      for (size_t i = 0; i < s.enum_values.size(); ++i) {
        if (i) set += ", ";
        set += s.enum_values[i];
      }
      set += ']';
      out.push_back(std::move(set));
    }
  }

  // Length, range and enum failures of one value (type already checked).
  void constraints(const Shape& s, const Doc& d, std::vector<std::string>& out) const {
    if (s.document) return;
    if (s.type == ShapeType::string) {
      string_constraints(s, d.as_string(), out);
      return;
    }
    std::optional<size_t> len;
    switch (s.type) {
      case ShapeType::blob: len = d.as_blob().bytes.size(); break;
      case ShapeType::list:
      case ShapeType::map: len = d.size(); break;
      default: break;
    }
    if (len) {
      length(s, *len, out);
    } else if (s.is_numeric() && d.is_number()) {
      double v = d.as_double();
      if (s.min && v < *s.min) out.push_back("Member must have value greater than or equal to " + number_text(*s.min));
      if (s.max && v > *s.max) out.push_back("Member must have value less than or equal to " + number_text(*s.max));
    }
  }
};

}  // namespace

std::optional<AwsError> validate(const model::ServiceModel& svc, const model::Shape& shape, const Doc& input,
                                 const std::string& error_code, bool check_enums) {
  Validator v;
  v.package = java_package(svc);
  v.enums = check_enums;
  Path root;
  if (input.is_map()) v.structure(shape, input, root);
  else if (!input.is_null()) v.value(shape, input, root);
  if (v.type_error) return v.type_error;
  if (v.errors.empty()) return std::nullopt;
  std::string msg = std::to_string(v.errors.size());
  msg += v.errors.size() == 1 ? " validation error detected: " : " validation errors detected: ";
  for (size_t i = 0; i < v.errors.size(); ++i) {
    if (i) msg += "; ";
    msg += v.errors[i];
  }
  return AwsError(error_code, std::move(msg), 400);
}

}  // namespace stratus::protocol
