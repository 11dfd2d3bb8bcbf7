#include "services/apigateway/vtl/aws.h"

#include <cctype>
#include <memory>

#include "core/encoding.h"
#include "services/apigateway/vtl/vtl.h"

namespace stratus::apigateway::vtl {
namespace {

bool ieq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

class Input final : public Object {
 public:
  explicit Input(InputData d) : d_(std::move(d)) {}

  bool property(std::string_view name, Value& out) override {
    if (name == "body") {
      out = Value(d_.body);
      return true;
    }
    return false;
  }

  bool call(std::string_view name, const std::vector<Value>& args, Value& out) override {
    if (name == "getBody" && args.empty()) return property("body", out);
    if ((name == "json" || name == "path") && args.size() == 1 && args[0].is_string()) {
      std::optional<Value> v = json_path(root(), args[0].as_string());
      if (!v) {
        out = Value("");
      } else if (name == "path") {
        out = *v;
      } else {
        out = Value(write_json(*v));
      }
      return true;
    }
    if (name == "params" && args.empty()) {
      Value all = Value::new_map();
      all.map().put("path", pairs(d_.path));
      all.map().put("querystring", pairs(d_.querystring));
      all.map().put("header", pairs(d_.header));
      out = all;
      return true;
    }
    if (name == "params" && args.size() == 1 && args[0].is_string()) {
      const std::string& n = args[0].as_string();
      for (const auto* list : {&d_.path, &d_.querystring}) {
        for (auto it = list->rbegin(); it != list->rend(); ++it) {
          if (it->first == n) {
            out = Value(it->second);
            return true;
          }
        }
      }
      for (const auto& [k, v] : d_.header) {
        if (ieq(k, n)) {
          out = Value(v);
          return true;
        }
      }
      out = Value("");
      return true;
    }
    return false;
  }

  std::string to_string() const override { return "{}"; }

 private:
  static Value pairs(const std::vector<std::pair<std::string, std::string>>& p) {
    Value m = Value::new_map();
    for (const auto& [k, v] : p) m.map().put(k, Value(v));
    return m;
  }
  // The body as JSON, parsed once. A body that is not JSON is taken as one string.
  const Value& root() {
    if (!parsed_) {
      parsed_ = true;
      try {
        root_ = d_.body.empty() ? Value::new_map() : parse_json(d_.body);
      } catch (const std::runtime_error&) {
        root_ = Value(d_.body);
      }
    }
    return root_;
  }

  InputData d_;
  bool parsed_ = false;
  Value root_;
};

class Util final : public Object {
 public:
  bool call(std::string_view name, const std::vector<Value>& args, Value& out) override {
    if (args.size() != 1) return false;
    if (args[0].is_null()) {
      out = Value();
      return true;
    }
    std::string s = args[0].to_string();
    if (name == "escapeJavaScript") {
      out = Value(escape_javascript(s));
    } else if (name == "parseJson") {
      try {
        out = parse_json(s);
      } catch (const std::runtime_error& e) {
        throw RenderError(std::string("$util.parseJson: ") + e.what());
      }
    } else if (name == "urlEncode") {
      out = Value(url_encode(s));
    } else if (name == "urlDecode") {
      out = Value(url_decode(s));
    } else if (name == "base64Encode") {
      out = Value(enc::base64_encode(s));
    } else if (name == "base64Decode") {
      auto d = enc::base64_decode(s);
      if (!d) throw RenderError("$util.base64Decode: IllegalArgumentException");
      out = Value(std::move(*d));
    } else {
      return false;
    }
    return true;
  }
  std::string to_string() const override { return "{}"; }
};

// --- JSONPath ------------------------------------------------------------------------------

struct Segment {
  enum Kind { child, index, wildcard, deep, names, indexes } kind;
  std::vector<std::string> names_;
  std::vector<int64_t> idx;
};

[[noreturn]] void bad_path(std::string_view p) {
  throw RenderError("invalid JSONPath: " + std::string(p));
}

std::vector<Segment> parse_path(std::string_view p) {
  std::vector<Segment> out;
  size_t i = 0;
  while (i < p.size() && std::isspace(static_cast<unsigned char>(p[i]))) ++i;
  if (i >= p.size() || p[i] != '$') bad_path(p);
  ++i;
  auto name_at = [&](size_t& j) {
    size_t s = j;
    while (j < p.size() && p[j] != '.' && p[j] != '[') ++j;
    return std::string(p.substr(s, j - s));
  };
  while (i < p.size()) {
    if (p[i] == '.') {
      bool deep = i + 1 < p.size() && p[i + 1] == '.';
      i += deep ? 2 : 1;
      if (deep) out.push_back({Segment::deep, {}, {}});
      if (i < p.size() && p[i] == '*') {
        ++i;
        out.push_back({Segment::wildcard, {}, {}});
        continue;
      }
      if (i < p.size() && p[i] == '[') continue;
      std::string n = name_at(i);
      if (n.empty()) bad_path(p);
      out.push_back({Segment::child, {n}, {}});
      continue;
    }
    if (p[i] == '[') {
      auto close = p.find(']', i);
      if (close == std::string_view::npos) bad_path(p);
      std::string_view in = p.substr(i + 1, close - i - 1);
      // A quoted name may contain ']' itself.
      if (!in.empty() && (in[0] == '\'' || in[0] == '"')) {
        char q = in[0];
        Segment s{Segment::names, {}, {}};
        size_t j = i + 1;
        while (true) {
          while (j < p.size() && p[j] == ' ') ++j;
          if (j >= p.size() || p[j] != q) bad_path(p);
          auto e = p.find(q, j + 1);
          if (e == std::string_view::npos) bad_path(p);
          s.names_.emplace_back(p.substr(j + 1, e - j - 1));
          j = e + 1;
          while (j < p.size() && p[j] == ' ') ++j;
          if (j < p.size() && p[j] == ',') {
            ++j;
            continue;
          }
          if (j >= p.size() || p[j] != ']') bad_path(p);
          i = j + 1;
          break;
        }
        if (s.names_.size() == 1) s.kind = Segment::child;
        out.push_back(std::move(s));
        continue;
      }
      i = close + 1;
      if (in == "*") {
        out.push_back({Segment::wildcard, {}, {}});
        continue;
      }
      Segment s{Segment::indexes, {}, {}};
      size_t j = 0;
      while (j < in.size()) {
        while (j < in.size() && in[j] == ' ') ++j;
        size_t st = j;
        if (j < in.size() && in[j] == '-') ++j;
        while (j < in.size() && std::isdigit(static_cast<unsigned char>(in[j]))) ++j;
        if (j == st || (j == st + 1 && in[st] == '-')) bad_path(p);
        s.idx.push_back(std::stoll(std::string(in.substr(st, j - st))));
        while (j < in.size() && in[j] == ' ') ++j;
        if (j < in.size()) {
          if (in[j] != ',') bad_path(p);
          ++j;
        }
      }
      if (s.idx.empty()) bad_path(p);
      if (s.idx.size() == 1) s.kind = Segment::index;
      out.push_back(std::move(s));
      continue;
    }
    bad_path(p);
  }
  return out;
}

void descend_all(const Value& v, std::vector<Value>& out, int depth) {
  if (depth > 256 || out.size() > 100000) return;
  out.push_back(v);
  if (v.is_map())
    for (const auto& [_, c] : v.map().items()) descend_all(c, out, depth + 1);
  else if (v.is_list())
    for (const auto& c : v.list()) descend_all(c, out, depth + 1);
}

}  // namespace

std::optional<Value> json_path(const Value& root, std::string_view path) {
  std::vector<Segment> segs = parse_path(path);
  bool definite = true;
  for (const auto& s : segs)
    if (s.kind != Segment::child && s.kind != Segment::index) definite = false;
  std::vector<Value> cur{root};
  for (size_t si = 0; si < segs.size(); ++si) {
    const Segment& s = segs[si];
    std::vector<Value> next;
    for (const Value& v : cur) {
      switch (s.kind) {
        case Segment::child:
          if (v.is_map())
            if (const Value* c = v.map().find(s.names_[0])) next.push_back(*c);
          break;
        case Segment::names:
          if (v.is_map())
            for (const auto& n : s.names_)
              if (const Value* c = v.map().find(n)) next.push_back(*c);
          break;
        case Segment::index:
        case Segment::indexes:
          if (v.is_list()) {
            auto n = static_cast<int64_t>(v.list().size());
            for (int64_t i : s.idx) {
              int64_t k = i < 0 ? i + n : i;
              if (k >= 0 && k < n) next.push_back(v.list()[k]);
            }
          }
          break;
        case Segment::wildcard:
          if (v.is_map())
            for (const auto& [_, c] : v.map().items()) next.push_back(c);
          else if (v.is_list())
            for (const auto& c : v.list()) next.push_back(c);
          break;
        case Segment::deep:
          descend_all(v, next, 0);
          break;
      }
    }
    cur = std::move(next);
  }
  if (definite) {
    if (cur.empty()) return std::nullopt;
    return cur.front();
  }
  Value l = Value::new_list();
  for (auto& v : cur) l.list().push_back(std::move(v));
  return l;
}

Value make_input(InputData data) { return Value(std::shared_ptr<Object>(std::make_shared<Input>(std::move(data)))); }

Value make_util() { return Value(std::shared_ptr<Object>(std::make_shared<Util>())); }

std::string escape_javascript(std::string_view s) {
  // commons-lang StringEscapeUtils.escapeJavaScript, per UTF-16 code unit.
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  size_t i = 0;
  auto unit_hex = [&](uint32_t u) {
    out += "\\u";
    for (int sh = 12; sh >= 0; sh -= 4) out += hex[(u >> sh) & 15];
  };
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '\b': out += "\\b"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\f': out += "\\f"; break;
        case '\r': out += "\\r"; break;
        case '\'': out += "\\'"; break;
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '/': out += "\\/"; break;
        default:
          if (c < 32) unit_hex(c);
          else out += static_cast<char>(c);
      }
      continue;
    }
    int n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    uint32_t cp = n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : n == 4 ? (c & 0x07) : 0xFFFD;
    if (i + n > s.size()) n = 1, cp = 0xFFFD;
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit_hex(0xD800 + (cp >> 10));
      unit_hex(0xDC00 + (cp & 0x3FF));
    } else {
      unit_hex(cp);
    }
  }
  return out;
}

std::string url_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '.' || c == '-' || c == '*' || c == '_') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string url_decode(std::string_view s) { return enc::uri_decode(s, true); }

}  // namespace stratus::apigateway::vtl
