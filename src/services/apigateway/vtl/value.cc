#include "services/apigateway/vtl/value.h"

#include "core/encoding.h"

#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace stratus::apigateway::vtl {

namespace {
thread_local CycleCollector* current_collector = nullptr;

// The children of a container that are containers themselves.
template <typename F>
void for_each_child(const Value& v, F f) {
  if (v.is_list()) {
    for (const auto& e : v.list())
      if (e.is_list() || e.is_map()) f(e);
  } else if (v.is_map()) {
    for (const auto& [k, e] : v.map().items())
      if (e.is_list() || e.is_map()) f(e);
  }
}

// The containers that lie on a cycle, among those reachable from `roots`: the members of
// strongly connected components with more than one container, or with an edge to itself
// (Tarjan's algorithm with an explicit stack: linear in the graph, no recursion however deep
// the containers nest).
std::unordered_set<const void*> on_cycles(const std::vector<Value>& roots) {
  struct Node {
    int index, low;
    bool on_stack;
  };
  std::unordered_map<const void*, Node> nodes;
  std::vector<const void*> scc;
  std::unordered_set<const void*> out;
  struct Frame {
    Value v;
    std::vector<Value> children;
    size_t next = 0;
  };
  int counter = 0;
  for (const Value& root : roots) {
    if (nodes.count(root.identity())) continue;
    std::vector<Frame> stack;
    auto enter = [&](const Value& v) {
      const void* id = v.identity();
      nodes[id] = Node{counter, counter, true};
      ++counter;
      scc.push_back(id);
      Frame f{v, {}, 0};
      for_each_child(v, [&](const Value& c) { f.children.push_back(c); });
      stack.push_back(std::move(f));
    };
    enter(root);
    while (!stack.empty()) {
      Frame& f = stack.back();
      const void* id = f.v.identity();
      if (f.next < f.children.size()) {
        Value c = f.children[f.next++];
        const void* cid = c.identity();
        if (cid == id) out.insert(id);  // an edge to itself
        auto it = nodes.find(cid);
        if (it == nodes.end()) {
          enter(c);
        } else if (it->second.on_stack) {
          nodes[id].low = std::min(nodes[id].low, it->second.index);
        }
        continue;
      }
      Node& n = nodes[id];
      if (n.low == n.index) {
        size_t start = scc.size();
        while (scc[start - 1] != id) --start;
        --start;
        bool cycle = scc.size() - start > 1;
        for (size_t i = start; i < scc.size(); ++i) {
          nodes[scc[i]].on_stack = false;
          if (cycle) out.insert(scc[i]);
        }
        scc.resize(start);
      }
      int low = n.low;
      stack.pop_back();
      if (!stack.empty()) {
        Node& parent = nodes[stack.back().v.identity()];
        parent.low = std::min(parent.low, low);
      }
    }
  }
  return out;
}

// Values whose last reference is being dropped wait here to be freed by the outermost
// ~Value on this thread, one at a time (see ~Value).
thread_local std::vector<Value> graveyard;
thread_local bool draining = false;

template <typename C>
bool sole_owner(const std::shared_ptr<C>& p) {
  return p && p.use_count() == 1;
}
}  // namespace

Value::~Value() {
  // Take the nested containers out of a container about to be freed, so that freeing it frees
  // no container; the outermost call frees them one by one (each in turn hands over its own).
  if (auto* l = std::get_if<std::shared_ptr<List>>(&v_); l && sole_owner(*l)) {
    for (auto& e : **l)
      if (e.is_list() || e.is_map()) graveyard.push_back(std::move(e));
  } else if (auto* m = std::get_if<std::shared_ptr<Map>>(&v_); m && sole_owner(*m)) {
    for (auto& [k, e] : const_cast<std::vector<std::pair<std::string, Value>>&>((*m)->items()))
      if (e.is_list() || e.is_map()) graveyard.push_back(std::move(e));
  } else {
    return;
  }
  if (draining) return;
  draining = true;
  while (!graveyard.empty()) {
    Value next = std::move(graveyard.back());
    graveyard.pop_back();
  }
  draining = false;
}

CycleCollector::CycleCollector() : previous_(current_collector) {
  current_collector = this;
}

CycleCollector::~CycleCollector() {
  current_collector = previous_;
  // First find every container on a cycle, then empty them: emptying one while searching could
  // hide the cycles of others.
  std::vector<Value> alive;
  for (auto& w : lists_)
    if (auto l = w.lock()) alive.emplace_back(std::move(l));
  for (auto& w : maps_)
    if (auto m = w.lock()) alive.emplace_back(std::move(m));
  std::unordered_set<const void*> cyclic = on_cycles(alive);
  for (auto& v : alive) {
    if (!cyclic.count(v.identity())) continue;
    if (v.is_list())
      v.list().clear();
    else
      v.map().clear();
  }
}

void CycleCollector::track(const std::shared_ptr<List>& l) {
  if (current_collector) current_collector->lists_.push_back(l);
}

void CycleCollector::track(const std::shared_ptr<Map>& m) {
  if (current_collector) current_collector->maps_.push_back(m);
}

void Map::clear() {
  items_.clear();
}

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
  out += digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0") + "E" +
         std::to_string(exp);
  return out;
}

namespace {

// null, a boolean or a number as both toString and JSON write it (other types write nothing).
// Appends null, a boolean or a number as Java prints it; false (nothing appended) for the others.
bool append_scalar(const Value& v, std::string& out) {
  switch (v.type()) {
    case Value::Type::null:
      out += "null";
      return true;
    case Value::Type::boolean:
      out += v.as_bool() ? "true" : "false";
      return true;
    case Value::Type::integer:
      out += std::to_string(v.as_int());
      return true;
    case Value::Type::floating:
      out += java_double(v.as_double());
      return true;
    default:
      return false;
  }
}

// `open`, each of `items` through `each` with `sep` between them, `close`: the lists and maps of
// both printers (Java's toString and JSON).
template <typename Items, typename Each>
void join(std::string& out, char open, char close, const char* sep, const Items& items, const Each& each) {
  out += open;
  bool first = true;
  for (const auto& e : items) {
    if (!first) out += sep;
    first = false;
    each(e);
  }
  out += close;
}

struct Printer {
  size_t limit;
  std::vector<const void*> stack;
  std::string out;

  void check() {
    if (out.size() > limit) throw std::length_error("VTL value too large to print");
  }
  void print(const Value& v) {
    if (append_scalar(v, out)) return;
    if (v.is_string()) {
      out += v.as_string();
    } else if (v.is_object()) {
      out += v.object().to_string();
    } else if (v.is_list()) {
      stack.push_back(v.identity());
      join(out, '[', ']', ", ", v.list(), [&](const Value& e) { element(e, "(this Collection)"); });
      stack.pop_back();
    } else if (v.is_map()) {
      stack.push_back(v.identity());
      join(out, '{', '}', ", ", v.map().items(), [&](const auto& item) {
        out += item.first;
        out += '=';
        element(item.second, "(this Map)");
      });
      stack.pop_back();
    }
  }
  // One element of the container being printed: itself (Java's "(this Collection)" / "(this
  // Map)"), a container further up ("(cycle)"), or its text.
  void element(const Value& e, const char* self) {
    if (e.identity() && e.identity() == stack.back())
      out += self;
    else if (nested(e))
      out += "(cycle)";
    else
      print(e);
    check();
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
      case Value::Type::boolean:
        return a.as_bool() == b.as_bool();
      case Value::Type::string:
        return a.as_string() == b.as_string();
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
      case Value::Type::object:
        return a.identity() == b.identity();
      default:
        break;
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
    throw std::runtime_error(std::string("invalid JSON: ") + what + " at offset " +
                             std::to_string(i_));
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
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
      if (h >= '0' && h <= '9')
        v |= h - '0';
      else if (h >= 'a' && h <= 'f')
        v |= h - 'a' + 10;
      else if (h >= 'A' && h <= 'F')
        v |= h - 'A' + 10;
      else
        fail("bad \\u escape");
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
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(i_, 2) == "\\u") {
            size_t save = i_;
            i_ += 2;
            uint32_t lo = hex4();
            if (lo >= 0xDC00 && lo < 0xE000)
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            else
              i_ = save;
          }
          enc::append_utf8(cp, out);
          break;
        }
        default:
          fail("bad escape");
      }
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

void write_json_to(const Value& v, std::string& out, int depth) {
  if (depth > 256) throw std::length_error("VTL value nested too deeply for JSON");
  if (out.size() > (64u << 20)) throw std::length_error("VTL value too large for JSON");
  if (append_scalar(v, out)) return;
  if (v.is_string()) {
    write_json_string(v.as_string(), out);
  } else if (v.is_object()) {
    write_json_string(v.object().to_string(), out);
  } else if (v.is_list()) {
    join(out, '[', ']', ",", v.list(), [&](const Value& e) { write_json_to(e, out, depth + 1); });
  } else if (v.is_map()) {
    join(out, '{', '}', ",", v.map().items(), [&](const auto& item) {
      write_json_string(item.first, out);
      out += ':';
      write_json_to(item.second, out, depth + 1);
    });
  }
}

}  // namespace

std::string Value::to_string() const {
  if (is_string()) return as_string();
  Printer p{64u << 20, {}, {}};
  p.print(*this);
  return std::move(p.out);
}

bool Value::equals(const Value& o) const {
  return equals_depth(*this, o, 0);
}

Value parse_json(std::string_view text) {
  return JsonParser(text).parse();
}

void write_json_string(std::string_view s, std::string& out) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
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
