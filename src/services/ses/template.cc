#include "services/ses/template.h"

#include <map>
#include <memory>
#include <vector>

#include "core/json.h"

namespace stratus::ses {
namespace {

constexpr int kMaxDepth = 64;
constexpr size_t kMaxOutput = 10 * 1024 * 1024;
constexpr int kMaxPartialDepth = 16;

struct Fail {
  std::string message, missing;
};

struct Node {
  enum Kind { text, var, block, partial } kind = text;
  std::string value;   // text, or the expression / block helper argument / partial name
  std::string helper;  // block: if, unless, each, with
  std::vector<Node> body, otherwise;
};

struct Parser {
  std::string_view s;
  size_t pos = 0;
  std::map<std::string, std::vector<Node>>* partials;

  static std::string trim(std::string_view v) {
    size_t b = 0, e = v.size();
    while (b < e && (v[b] == ' ' || v[b] == '\t' || v[b] == '\n' || v[b] == '\r')) ++b;
    while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\t' || v[e - 1] == '\n' || v[e - 1] == '\r')) --e;
    return std::string(v.substr(b, e - b));
  }

  // Parses nodes until {{/end}} (or the end of input when end is empty). Stops at {{else}} of
  // the enclosing block, setting *saw_else.
  std::vector<Node> parse(const std::string& end, int depth, bool* saw_else) {
    if (depth > kMaxDepth) throw Fail{"Template nesting is too deep", {}};
    std::vector<Node> out;
    while (pos < s.size()) {
      size_t open = s.find("{{", pos);
      if (open == std::string_view::npos) {
        out.push_back({Node::text, std::string(s.substr(pos)), {}, {}, {}});
        pos = s.size();
        break;
      }
      if (open > pos) out.push_back({Node::text, std::string(s.substr(pos, open - pos)), {}, {}, {}});
      bool triple = s.substr(open, 3) == "{{{";
      if (s.substr(open, 5) == "{{!--") {
        size_t close = s.find("--}}", open + 5);
        if (close == std::string_view::npos) throw Fail{"Unclosed comment", {}};
        pos = close + 4;
        continue;
      }
      size_t start = open + (triple ? 3 : 2);
      size_t close = s.find(triple ? "}}}" : "}}", start);
      if (close == std::string_view::npos) throw Fail{"Unclosed expression '{{'", {}};
      std::string tag = trim(s.substr(start, close - start));
      pos = close + (triple ? 3 : 2);
      if (tag.empty()) throw Fail{"Empty expression '{{}}'", {}};
      if (tag[0] == '!') continue;
      if (tag[0] == '/') {
        std::string name = trim(std::string_view(tag).substr(1));
        if (name != end)
          throw Fail{(end.empty() ? std::string("Unexpected closing block {{/") : "Block " + end + " closed by {{/") +
                         name + "}}",
                     {}};
        return out;
      }
      if (tag == "else" || tag == "^") {
        if (!saw_else || end.empty()) throw Fail{"{{else}} outside of a block", {}};
        *saw_else = true;
        return out;
      }
      if (tag[0] == '>') {
        out.push_back({Node::partial, trim(std::string_view(tag).substr(1)), {}, {}, {}});
        continue;
      }
      if (tag[0] == '#') {
        std::string rest = trim(std::string_view(tag).substr(1));
        if (rest.rfind("*", 0) == 0) {  // {{#* inline "name"}}
          std::string def = trim(std::string_view(rest).substr(1));
          if (def.rfind("inline", 0) != 0) throw Fail{"Unknown decorator in {{" + tag + "}}", {}};
          std::string name = trim(std::string_view(def).substr(6));
          if (name.size() >= 2 && (name.front() == '"' || name.front() == '\'')) name = name.substr(1, name.size() - 2);
          if (name.empty()) throw Fail{"Inline partial without a name", {}};
          // A newline right after the opening tag is not part of the partial.
          if (pos < s.size() && s[pos] == '\r') ++pos;
          if (pos < s.size() && s[pos] == '\n') ++pos;
          (*partials)[name] = parse("inline", depth + 1, nullptr);
          continue;
        }
        size_t sp = rest.find_first_of(" \t");
        std::string helper = rest.substr(0, sp);
        std::string arg = sp == std::string::npos ? "" : trim(std::string_view(rest).substr(sp));
        if (helper != "if" && helper != "unless" && helper != "each" && helper != "with")
          throw Fail{"Unsupported block helper '" + helper + "'", {}};
        if (arg.empty()) throw Fail{"Block helper '" + helper + "' needs an argument", {}};
        Node n{Node::block, arg, helper, {}, {}};
        bool else_seen = false;
        n.body = parse(helper, depth + 1, &else_seen);
        if (else_seen) n.otherwise = parse(helper, depth + 1, nullptr);
        out.push_back(std::move(n));
        continue;
      }
      if (tag.find_first_of(" \t") != std::string::npos) throw Fail{"Unsupported expression '{{" + tag + "}}'", {}};
      out.push_back({Node::var, tag, {}, {}, {}});
    }
    if (!end.empty()) throw Fail{"Block '" + end + "' is not closed", {}};
    return out;
  }
};

struct Frame {
  explicit Frame(const Doc* v) : value(v) {}
  const Doc* value;
  std::string key;
  int64_t idx = -1;
  bool first = false, last = false;
};

struct Renderer {
  const std::map<std::string, std::vector<Node>>& partials;
  std::string out;
  std::vector<Frame> stack;
  int partial_depth = 0;

  // Resolves a path in the frame `depth_up` levels up. nullptr when absent.
  const Doc* lookup(const std::string& expr, Doc& tmp) {
    std::string_view e = expr;
    size_t level = stack.size() - 1;
    while (e.rfind("../", 0) == 0) {
      e.remove_prefix(3);
      if (level > 0) --level;
    }
    const Frame& f = stack[level];
    if (e == "this" || e == ".") return f.value;
    if (e.rfind("this.", 0) == 0) e.remove_prefix(5);
    if (!e.empty() && e[0] == '@') {
      if (e == "@index" && f.idx >= 0) return &(tmp = Doc(f.idx));
      if (e == "@key" && !f.key.empty()) return &(tmp = Doc(f.key));
      if (e == "@first" && f.idx >= 0) return &(tmp = Doc(f.first));
      if (e == "@last" && f.idx >= 0) return &(tmp = Doc(f.last));
      return nullptr;
    }
    const Doc* cur = f.value;
    size_t i = 0;
    while (cur && i <= e.size()) {
      size_t dot = e.find('.', i);
      std::string_view seg = e.substr(i, dot == std::string_view::npos ? std::string_view::npos : dot - i);
      if (cur->type() == Doc::Type::map) {
        cur = cur->get(seg);
      } else if (cur->type() == Doc::Type::list) {
        size_t n = 0;
        bool digits = !seg.empty();
        for (char c : seg)
          digits = digits && c >= '0' && c <= '9' && (n = n * 10 + static_cast<size_t>(c - '0')) < 1'000'000;
        cur = digits && n < cur->as_list().size() ? &cur->as_list()[n] : nullptr;
      } else {
        cur = nullptr;
      }
      if (dot == std::string_view::npos) break;
      i = dot + 1;
    }
    return cur;
  }

  static bool truthy(const Doc* d) {
    if (!d) return false;
    switch (d->type()) {
      case Doc::Type::null:
        return false;
      case Doc::Type::boolean:
        return d->as_bool();
      case Doc::Type::integer:
        return d->as_int() != 0;
      case Doc::Type::floating:
        return d->as_double() != 0;
      case Doc::Type::string:
        return !d->as_string().empty();
      case Doc::Type::list:
        return !d->as_list().empty();
      default:
        return true;
    }
  }

  void emit(std::string_view v) {
    if (out.size() + v.size() > kMaxOutput) throw Fail{"Rendered template exceeds 10 MB", {}};
    out.append(v);
  }

  void write_value(const Doc& d) {
    switch (d.type()) {
      case Doc::Type::null:
        return;
      case Doc::Type::string:
        emit(d.as_string());
        return;
      case Doc::Type::boolean:
        emit(d.as_bool() ? "true" : "false");
        return;
      case Doc::Type::list: {
        bool first = true;
        for (const auto& x : d.as_list()) {
          if (!first) emit(",");
          first = false;
          write_value(x);
        }
        return;
      }
      case Doc::Type::map:
        emit("[object Object]");
        return;
      default:
        emit(json::write(d));
        return;
    }
  }

  void run(const std::vector<Node>& nodes) {
    for (const Node& n : nodes) {
      switch (n.kind) {
        case Node::text:
          emit(n.value);
          break;
        case Node::var: {
          Doc tmp;
          const Doc* v = lookup(n.value, tmp);
          if (!v) throw Fail{"Attribute '" + n.value + "' is not present in the rendering data.", n.value};
          write_value(*v);
          break;
        }
        case Node::partial: {
          auto it = partials.find(n.value);
          if (it == partials.end()) throw Fail{"The partial " + n.value + " could not be found", {}};
          if (++partial_depth > kMaxPartialDepth) throw Fail{"Partials nest too deeply", {}};
          run(it->second);
          --partial_depth;
          break;
        }
        case Node::block:
          block(n);
          break;
      }
    }
  }

  void block(const Node& n) {
    Doc tmp;
    const Doc* v = lookup(n.value, tmp);
    if (n.helper == "if" || n.helper == "unless") {
      bool t = truthy(v);
      run((t == (n.helper == "if")) ? n.body : n.otherwise);
      return;
    }
    if (n.helper == "with") {
      if (!truthy(v)) {
        run(n.otherwise);
        return;
      }
      Doc held = *v;
      stack.push_back(Frame(&held));
      run(n.body);
      stack.pop_back();
      return;
    }
    // each
    if (!v || (v->type() != Doc::Type::list && v->type() != Doc::Type::map) || v->size() == 0) {
      run(n.otherwise);
      return;
    }
    Doc held = *v;
    if (held.type() == Doc::Type::list) {
      const auto& l = held.as_list();
      for (size_t i = 0; i < l.size(); ++i) {
        Frame f(&l[i]);
        f.idx = static_cast<int64_t>(i);
        f.first = i == 0;
        f.last = i + 1 == l.size();
        stack.push_back(f);
        run(n.body);
        stack.pop_back();
      }
      return;
    }
    size_t i = 0, count = held.as_map().size();
    for (const auto& [k, val] : held.as_map()) {
      Frame f(&val);
      f.key = k;
      f.idx = static_cast<int64_t>(i);
      f.first = i == 0;
      f.last = ++i == count;
      stack.push_back(f);
      run(n.body);
      stack.pop_back();
    }
  }
};

}  // namespace

Rendered render_template(std::string_view tmpl, const Doc& data) {
  Rendered r;
  try {
    std::map<std::string, std::vector<Node>> partials;
    Parser p{tmpl, 0, &partials};
    std::vector<Node> nodes = p.parse("", 0, nullptr);
    Renderer rr{partials, {}, {}, 0};
    rr.stack.push_back(Frame(&data));
    rr.run(nodes);
    r.text = std::move(rr.out);
  } catch (const Fail& f) {
    r.error = f.message;
    r.missing = f.missing;
  }
  return r;
}

}  // namespace stratus::ses
