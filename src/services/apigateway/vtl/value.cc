#include "services/apigateway/vtl/value.h"

#include "core/encoding.h"

#include <type_traits>
#include <unordered_set>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace stratus::apigateway::vtl {

namespace {
thread_local CycleCollector* current_collector = nullptr;

// Whether `target` can be reached from the children of `v` (depth-first, each container once).
bool reaches(const Value& v, const void* target, std::unordered_set<const void*>& seen) {
  if (!v.is_list() && !v.is_map()) return false;
  const void* id = v.identity();
  if (id == target) return true;
  if (!seen.insert(id).second) return false;
  if (v.is_list()) {
    for (const auto& e : v.list())
      if (reaches(e, target, seen)) return true;
  } else {
    for (const auto& [k, e] : v.map().items())
      if (reaches(e, target, seen)) return true;
  }
  return false;
}

template <typename C>
bool in_cycle(const std::shared_ptr<C>& c) {
  std::unordered_set<const void*> seen;
  Value self{std::shared_ptr<C>(c)};
  const void* id = self.identity();
  seen.insert(id);
  if constexpr (std::is_same_v<C, List>) {
    for (const auto& e : *c)
      if (reaches(e, id, seen)) return true;
  } else {
    for (const auto& [k, e] : c->items())
      if (reaches(e, id, seen)) return true;
  }
  return false;
}
}  // namespace

CycleCollector::CycleCollector() : previous_(current_collector) { current_collector = this; }

CycleCollector::~CycleCollector() {
  current_collector = previous_;
  // First find every container on a cycle, then empty them: emptying one while searching could
  // hide the cycles of others.
  std::vector<std::shared_ptr<List>> lists;
  std::vector<std::shared_ptr<Map>> maps;
  for (auto& w : lists_)
    if (auto l = w.lock(); l && in_cycle(l)) lists.push_back(std::move(l));
  for (auto& w : maps_)
    if (auto m = w.lock(); m && in_cycle(m)) maps.push_back(std::move(m));
  for (auto& l : lists) l->clear();
  for (auto& m : maps) m->clear();
}

void CycleCollector::track(const std::shared_ptr<List>& l) {
  if (current_collector) current_collector->lists_.push_back(l);
}

void CycleCollector::track(const std::shared_ptr<Map>& m) {
  if (current_collector) current_collector->maps_.push_back(m);
}

void Map::clear() { items_.clear(); }

const Value* Map::find(std::string_view key) const {
  for (const auto& [k, v] : items_)
    if (k == key) return &v;
  return nullptr;
}

Value* Map::find(std::string_view key) {
  for (auto& [k, v] : items_)
    if (k == key) return &v;
  return nullptr;
}

Value Map::put(std::string key, Value v) {
  if (Value* old = find(key)) {
    Value prev = std::move(*old);
    *old = std::move(v);
    return prev;
  }
  items_.emplace_back(std::move(key), std::move(v));
  return Value();
}

Value Map::remove(std::string_view key) {
  for (auto it = items_.begin(); it != items_.end(); ++it) {
    if (it->first == key) {
      Value prev = std::move(it->second);
      items_.erase(it);
      return prev;
    }
  }
  return Value();
}

const void* Value::identity() const {
  if (is_list()) return std::get<std::shared_ptr<List>>(v_).get();
  if (is_map()) return std::get<std::shared_ptr<Map>>(v_).get();
  if (is_object()) return std::get<std::shared_ptr<Object>>(v_).get();
  return nullptr;
}

std::string java_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  // Shortest round-trip digits, then Java's layout: plain between 10^-3 and 10^7, else
  // computerized scientific notation ("1.0E10"); always at least one fractional digit.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string s(buf, r.ptr);
  bool neg = s[0] == '-';
  if (neg) s.erase(0, 1);
  auto e = s.find('e');
  int exp = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (size_t i = 0; i < e; ++i)
    if (s[i] != '.') digits += s[i];
  std::string out = neg ? "-" : "";
  double a = std::fabs(d);
  if (a >= 1e-3 && a < 1e7) {
    if (exp >= 0) {
      std::string ip = digits.substr(0, std::min(digits.size(), static_cast<size_t>(exp) + 1));
      while (ip.size() < static_cast<size_t>(exp) + 1) ip += '0';
      std::string fp = digits.size() > static_cast<size_t>(exp) + 1 ? digits.substr(exp + 1) : "0";
      out += ip + "." + fp;
    } else {
      out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
    }
    return out;
  }
  out += digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0") + "E" + std::to_string(exp);
  return out;
}

namespace {

struct Printer {
  size_t limit;
  std::vector<const void*> stack;
  std::string out;

  void check() {
    if (out.size() > limit) throw std::length_error("VTL value too large to print");
  }
  void print(const Value& v) {
    switch (v.type()) {
      case Value::Type::null: out += "null"; break;
      case Value::Type::boolean: out += v.as_bool() ? "true" : "false"; break;
      case Value::Type::integer: out += std::to_string(v.as_int()); break;
      case Value::Type::floating: out += java_double(v.as_double()); break;
      case Value::Type::string: out += v.as_string(); break;
      case Value::Type::object: out += v.object().to_string(); break;
      case Value::Type::list: {
        stack.push_back(v.identity());
        out += '[';
        bool first = true;
        for (const auto& e : v.list()) {
          if (!first) out += ", ";
          first = false;
          if (e.identity() && e.identity() == stack.back()) out += "(this Collection)";
          else if (nested(e)) out += "(cycle)";
          else print(e);
          check();
        }
        out += ']';
        stack.pop_back();
        break;
      }
      case Value::Type::map: {
        stack.push_back(v.identity());
        out += '{';
        bool first = true;
        for (const auto& [k, e] : v.map().items()) {
          if (!first) out += ", ";
          first = false;
          out += k;
          out += '=';
          if (e.identity() && e.identity() == stack.back()) out += "(this Map)";
          else if (nested(e)) out += "(cycle)";
          else print(e);
          check();
        }
        out += '}';
        stack.pop_back();
        break;
      }
    }
  }
  // A container already being printed further up (Java would overflow its stack).
  bool nested(const Value& e) const {
    if (!e.identity()) return false;
    if (stack.size() > 200) return true;
    for (const void* p : stack)
      if (p == e.identity()) return true;
    return false;
  }
};

bool equals_depth(const Value& a, const Value& b, int depth) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  if (a.type() == b.type()) {
    if (depth > 100) return a.identity() == b.identity();
    switch (a.type()) {
      case Value::Type::boolean: return a.as_bool() == b.as_bool();
      case Value::Type::string: return a.as_string() == b.as_string();
      case Value::Type::list: {
        if (a.identity() == b.identity()) return true;
        if (a.list().size() != b.list().size()) return false;
        for (size_t i = 0; i < a.list().size(); ++i)
          if (!equals_depth(a.list()[i], b.list()[i], depth + 1)) return false;
        return true;
      }
      case Value::Type::map: {
        if (a.identity() == b.identity()) return true;
        if (a.map().size() != b.map().size()) return false;
        for (const auto& [k, v] : a.map().items()) {
          const Value* o = b.map().find(k);
          if (!o || !equals_depth(v, *o, depth + 1)) return false;
        }
        return true;
      }
      case Value::Type::object: return a.identity() == b.identity();
      default: break;
    }
  }
  return a.to_string() == b.to_string();
}

class JsonParser {
 public:
  explicit JsonParser(std::string_view s) : s_(s) {}
  Value parse() {
    Value v = value(0);
    ws();
    if (i_ != s_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("invalid JSON: ") + what + " at offset " + std::to_string(i_));
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool word(std::string_view w) {
    if (s_.substr(i_, w.size()) == w) {
      i_ += w.size();
      return true;
    }
    return false;
  }
  Value value(int depth) {
    if (depth > 256) fail("nesting too deep");
    ws();
    if (i_ >= s_.size()) fail("unexpected end");
    char c = s_[i_];
    if (c == '{') {
      ++i_;
      Value m = Value::new_map();
      if (eat('}')) return m;
      do {
        ws();
        if (i_ >= s_.size() || s_[i_] != '"') fail("expected a member name");
        std::string k = string();
        if (!eat(':')) fail("expected ':'");
        m.map().put(std::move(k), value(depth + 1));
      } while (eat(','));
      if (!eat('}')) fail("expected '}'");
      return m;
    }
    if (c == '[') {
      ++i_;
      Value l = Value::new_list();
      if (eat(']')) return l;
      do l.list().push_back(value(depth + 1));
      while (eat(','));
      if (!eat(']')) fail("expected ']'");
      return l;
    }
    if (c == '"') return Value(string());
    if (word("true")) return Value(true);
    if (word("false")) return Value(false);
    if (word("null")) return Value();
    return number();
  }
  Value number() {
    size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    size_t digits = i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    if (i_ == digits) fail("unexpected character");
    bool integral = true;
    if (i_ < s_.size() && s_[i_] == '.') {
      integral = false;
      ++i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      integral = false;
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    std::string_view text = s_.substr(start, i_ - start);
    if (integral) {
      int64_t v = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec == std::errc() && r.ptr == text.data() + text.size()) return Value(v);
    }
    double d = std::strtod(std::string(text).c_str(), nullptr);
    return Value(d);
  }
  uint32_t hex4() {
    if (i_ + 4 > s_.size()) fail("bad \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char h = s_[i_++];
      v <<= 4;
      if (h >= '0' && h <= '9') v |= h - '0';
      else if (h >= 'a' && h <= 'f') v |= h - 'a' + 10;
      else if (h >= 'A' && h <= 'F') v |= h - 'A' + 10;
      else fail("bad \\u escape");
    }
    return v;
  }
  std::string string() {
    ++i_;  // opening quote
    std::string out;
    while (true) {
      if (i_ >= s_.size()) fail("unterminated string");
      char c = s_[i_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) fail("unterminated string");
      char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(i_, 2) == "\\u") {
            size_t save = i_;
            i_ += 2;
            uint32_t lo = hex4();
            if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            else i_ = save;
          }
          enc::append_utf8(cp, out);
          break;
        }
        default: fail("bad escape");
      }
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

void write_json_to(const Value& v, std::string& out, int depth) {
  if (depth > 256) throw std::length_error("VTL value nested too deeply for JSON");
  if (out.size() > (64u << 20)) throw std::length_error("VTL value too large for JSON");
  switch (v.type()) {
    case Value::Type::null: out += "null"; break;
    case Value::Type::boolean: out += v.as_bool() ? "true" : "false"; break;
    case Value::Type::integer: out += std::to_string(v.as_int()); break;
    case Value::Type::floating: out += java_double(v.as_double()); break;
    case Value::Type::string: write_json_string(v.as_string(), out); break;
    case Value::Type::object: write_json_string(v.object().to_string(), out); break;
    case Value::Type::list: {
      out += '[';
      bool first = true;
      for (const auto& e : v.list()) {
        if (!first) out += ',';
        first = false;
        write_json_to(e, out, depth + 1);
      }
      out += ']';
      break;
    }
    case Value::Type::map: {
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.map().items()) {
        if (!first) out += ',';
        first = false;
        write_json_string(k, out);
        out += ':';
        write_json_to(e, out, depth + 1);
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

std::string Value::to_string() const {
  if (is_string()) return as_string();
  Printer p{64u << 20, {}, {}};
  p.print(*this);
  return std::move(p.out);
}

bool Value::equals(const Value& o) const { return equals_depth(*this, o, 0); }

Value parse_json(std::string_view text) { return JsonParser(text).parse(); }

void write_json_string(std::string_view s, std::string& out) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += hex[u >> 4];
          out += hex[u & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string write_json(const Value& v) {
  std::string out;
  write_json_to(v, out, 0);
  return out;
}

}  // namespace stratus::apigateway::vtl
