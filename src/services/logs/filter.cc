#include "services/logs/filter.h"

#include <bitset>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <variant>

#include "core/error.h"
#include "core/glob.h"
#include "core/json.h"

namespace stratus::logs {
namespace {

constexpr int kMaxDepth = 64;            // parentheses in JSON patterns
constexpr size_t kMaxRegexNodes = 1000;  // after {m,n} expansion, per pattern
constexpr int kMaxRegexes = 2;           // per pattern (AWS's quota)

struct ParseError {
  std::string message;
};

[[noreturn]] void fail(std::string m) {
  throw ParseError{std::move(m)};
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// ---- numbers ----

// A whole-string number: [+-]digits[.digits][(e|E)[+-]digits].
std::optional<double> parse_number(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exp;
    if (exp == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  std::string t(s[0] == '+' ? s.substr(1) : s);
  return std::strtod(t.c_str(), nullptr);
}

std::string number_text(const Doc& d) {
  if (d.is_int()) return std::to_string(d.as_int());
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d.as_double());
  return std::string(buf, r.ptr);
}

// ---- regular expressions (AWS's subset), an NFA without backtracking ----

struct RxNode {
  enum Kind : uint8_t { Set, Bol, Eol } kind = Set;
  enum Rep : uint8_t { One, Opt, Star } rep = One;
  std::bitset<256> set;
};

class Regex {
 public:
  // `body` is the text between the % signs.
  explicit Regex(std::string_view body, size_t* budget, bool any_chars = false) {
    for (char c : body) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u >= 0x80 && !any_chars) fail("Multibyte characters are not supported in regular expressions");
      if (c == '(' || c == ')') fail("Grouping with ( ) is not supported in regular expressions");
      if (!any_chars && !is_alnum(c) && std::string_view(":_#=@/;,-^$?[]{}|\\*+.").find(c) == std::string_view::npos)
        fail(std::string("Invalid character '") + c + "' in regular expression");
    }
    alts_.emplace_back();
    size_t i = 0;
    while (i < body.size()) {
      char c = body[i];
      if (c == '|') {
        alts_.emplace_back();
        ++i;
        continue;
      }
      RxNode n;
      if (c == '^' || c == '$') {
        n.kind = c == '^' ? RxNode::Bol : RxNode::Eol;
        ++i;
        add(n, budget);
        if (i < body.size() && std::string_view("?*+{").find(body[i]) != std::string_view::npos)
          fail("Invalid regular expression: nothing to repeat");
        continue;
      }
      if (c == '?' || c == '*' || c == '+' || c == '{' || c == '}' || c == ']')
        fail("Invalid regular expression: nothing to repeat or unbalanced bracket");
      if (c == '.') {
        n.set.set();
        n.set.reset('\n');
        ++i;
      } else if (c == '[') {
        i = parse_class(body, i + 1, n.set);
      } else if (c == '\\') {
        if (i + 1 >= body.size()) fail("Invalid regular expression: trailing backslash");
        escape(body[i + 1], n.set);
        i += 2;
      } else {
        n.set.set(static_cast<unsigned char>(c));
        ++i;
      }
      // quantifier
      size_t lo = 1, hi = 1;
      bool unbounded = false;
      if (i < body.size()) {
        char q = body[i];
        if (q == '?')
          lo = 0, ++i;
        else if (q == '*')
          lo = 0, unbounded = true, ++i;
        else if (q == '+')
          unbounded = true, ++i;
        else if (q == '{')
          i = parse_braces(body, i, &lo, &hi, &unbounded);
      }
      if (i < body.size() && std::string_view("?*+{").find(body[i]) != std::string_view::npos)
        fail("Invalid regular expression: repeated quantifier");
      for (size_t k = 0; k < lo; ++k) add(n, budget);
      if (unbounded) {
        n.rep = RxNode::Star;
        add(n, budget);
      } else {
        n.rep = RxNode::Opt;
        for (size_t k = lo; k < hi; ++k) add(n, budget);
      }
    }
  }

  bool search(std::string_view s) const {
    for (const auto& alt : alts_)
      if (search(alt, s)) return true;
    return false;
  }

 private:
  void add(const RxNode& n, size_t* budget) {
    if (*budget == 0) fail("Regular expression too large");
    --*budget;
    alts_.back().push_back(n);
  }

  static void escape(char e, std::bitset<256>& set) {
    auto range = [&](char a, char b) {
      for (int c = a; c <= b; ++c) set.set(static_cast<unsigned char>(c));
    };
    bool negate = false;
    switch (e) {
      case 'D':
        negate = true;
        [[fallthrough]];
      case 'd':
        range('0', '9');
        break;
      case 'W':
        negate = true;
        [[fallthrough]];
      case 'w':
        range('0', '9'), range('a', 'z'), range('A', 'Z'), set.set('_');
        break;
      case 'S':
        negate = true;
        [[fallthrough]];
      case 's':
        for (char c : std::string_view(" \t\n\r\f\v")) set.set(static_cast<unsigned char>(c));
        break;
      case 't':
        set.set('\t');
        break;
      case 'n':
        set.set('\n');
        break;
      case 'r':
        set.set('\r');
        break;
      default:
        if (is_alnum(e)) fail(std::string("Invalid regular expression escape \\") + e);
        set.set(static_cast<unsigned char>(e));
    }
    if (negate) set.flip();
  }

  static size_t parse_class(std::string_view b, size_t i, std::bitset<256>& set) {
    bool negate = false;
    if (i < b.size() && b[i] == '^') negate = true, ++i;
    bool first = true;
    while (true) {
      if (i >= b.size()) fail("Invalid regular expression: unterminated [");
      char c = b[i];
      if (c == ']' && !first) break;
      first = false;
      std::bitset<256> one;
      unsigned char lo;
      if (c == '\\') {
        if (i + 1 >= b.size()) fail("Invalid regular expression: trailing backslash");
        escape(b[i + 1], one);
        i += 2;
        if (one.count() != 1) {
          set |= one;
          continue;
        }
        lo = 0;
        while (!one.test(lo)) ++lo;
      } else {
        lo = static_cast<unsigned char>(c);
        ++i;
      }
      if (i + 1 < b.size() && b[i] == '-' && b[i + 1] != ']') {
        unsigned char hi = static_cast<unsigned char>(b[i + 1]);
        if (b[i + 1] == '\\') {
          if (i + 2 >= b.size()) fail("Invalid regular expression: trailing backslash");
          std::bitset<256> h;
          escape(b[i + 2], h);
          if (h.count() != 1) fail("Invalid regular expression: bad range");
          hi = 0;
          while (!h.test(hi)) ++hi;
          i += 3;
        } else {
          i += 2;
        }
        if (hi < lo) fail("Invalid regular expression: range out of order");
        for (unsigned c2 = lo; c2 <= hi; ++c2) set.set(c2);
      } else {
        set.set(lo);
      }
    }
    if (negate) set.flip();
    return i + 1;
  }

  static size_t parse_braces(std::string_view b, size_t i, size_t* lo, size_t* hi, bool* unbounded) {
    size_t j = i + 1;
    auto num = [&](size_t* out) {
      size_t start = j, v = 0;
      while (j < b.size() && is_digit(b[j])) {
        v = v * 10 + static_cast<size_t>(b[j] - '0');
        if (v > kMaxRegexNodes) fail("Invalid regular expression: repetition too large");
        ++j;
      }
      *out = v;
      return j > start;
    };
    if (!num(lo)) fail("Invalid regular expression: bad repetition");
    *hi = *lo;
    if (j < b.size() && b[j] == ',') {
      ++j;
      if (!num(hi)) *unbounded = true;
    }
    if (j >= b.size() || b[j] != '}') fail("Invalid regular expression: bad repetition");
    if (!*unbounded && *hi < *lo) fail("Invalid regular expression: bad repetition");
    return j + 1;
  }

  // Thompson simulation over positions 0..k of one alternative (k: accepted).
  static bool search(const std::vector<RxNode>& nodes, std::string_view s) {
    size_t k = nodes.size();
    std::vector<char> cur(k + 1), next(k + 1);
    std::vector<size_t> stack;
    auto closure = [&](std::vector<char>& set, size_t from, size_t pos) {
      stack.push_back(from);
      while (!stack.empty()) {
        size_t i = stack.back();
        stack.pop_back();
        if (set[i]) continue;
        set[i] = 1;
        if (i == k) continue;
        const RxNode& n = nodes[i];
        if (n.kind == RxNode::Bol) {
          if (pos == 0) stack.push_back(i + 1);
        } else if (n.kind == RxNode::Eol) {
          if (pos == s.size()) stack.push_back(i + 1);
        } else if (n.rep != RxNode::One) {
          stack.push_back(i + 1);
        }
      }
    };
    closure(cur, 0, 0);
    for (size_t pos = 0;; ++pos) {
      if (cur[k]) return true;
      if (pos == s.size()) return false;
      std::fill(next.begin(), next.end(), 0);
      unsigned char c = static_cast<unsigned char>(s[pos]);
      for (size_t i = 0; i < k; ++i) {
        if (!cur[i] || nodes[i].kind != RxNode::Set || !nodes[i].set.test(c)) continue;
        closure(next, nodes[i].rep == RxNode::Star ? i : i + 1, pos + 1);
      }
      closure(next, 0, pos + 1);  // a match may start anywhere
      cur.swap(next);
    }
  }

  std::vector<std::vector<RxNode>> alts_;
};

// ---- values compared against ----

enum class Op { Eq, Ne, Lt, Gt, Le, Ge };

struct Value {
  enum Kind { Text, Glob, Number, Rx } kind = Text;
  std::string text;
  double number = 0;
  std::shared_ptr<Regex> rx;
};

// Compares a string (a space-delimited field, or a JSON string) or a JSON number.
bool compare(Op op, const Value& v, std::string_view text, std::optional<double> num) {
  if (v.kind == Value::Number) {
    if (!num) num = parse_number(text);
    if (!num) return op == Op::Ne;
    double a = *num, b = v.number;
    switch (op) {
      case Op::Eq:
        return a == b;
      case Op::Ne:
        return a != b;
      case Op::Lt:
        return a < b;
      case Op::Gt:
        return a > b;
      case Op::Le:
        return a <= b;
      case Op::Ge:
        return a >= b;
    }
    return false;
  }
  bool eq = v.kind == Value::Rx     ? v.rx->search(text)
            : v.kind == Value::Glob ? glob_match(v.text, text)
                                    : v.text == text;
  return op == Op::Eq ? eq : op == Op::Ne ? !eq : false;
}

// ---- a small cursor over pattern text ----

struct Cursor {
  std::string_view s;
  size_t i = 0;
  int regexes = 0;
  size_t rx_budget = kMaxRegexNodes;

  void skip() {
    while (i < s.size() && is_space(s[i])) ++i;
  }
  bool eof() {
    skip();
    return i >= s.size();
  }
  bool take(std::string_view t) {
    skip();
    if (s.substr(i, t.size()) == t) {
      i += t.size();
      return true;
    }
    return false;
  }
  // A keyword (letters), any case, not followed by an identifier character.
  bool keyword(std::string_view w) {
    skip();
    if (s.size() - i < w.size()) return false;
    for (size_t k = 0; k < w.size(); ++k)
      if ((s[i + k] | 0x20) != (w[k] | 0x20)) return false;
    if (i + w.size() < s.size() && (is_alnum(s[i + w.size()]) || s[i + w.size()] == '_')) return false;
    i += w.size();
    return true;
  }
  std::optional<Op> op() {
    skip();
    if (take("!=")) return Op::Ne;
    if (take("<=")) return Op::Le;
    if (take(">=")) return Op::Ge;
    if (take("=")) return Op::Eq;
    if (take("<")) return Op::Lt;
    if (take(">")) return Op::Gt;
    return std::nullopt;
  }
  std::string quoted() {  // at '"'
    std::string out;
    ++i;
    while (true) {
      if (i >= s.size()) fail("Unterminated quoted string");
      char c = s[i++];
      if (c == '"') return out;
      if (c == '\\' && i < s.size()) c = s[i++];
      out += c;
    }
  }
  std::shared_ptr<Regex> regex() {  // at '%'
    size_t end = s.find('%', i + 1);
    if (end == std::string_view::npos) fail("Unterminated regular expression");
    if (++regexes > kMaxRegexes) fail("A filter pattern may contain at most 2 regular expressions");
    auto rx = std::make_shared<Regex>(s.substr(i + 1, end - i - 1), &rx_budget);
    i = end + 1;
    return rx;
  }
  // A comparison value; `stop` lists the characters that end a bare value.
  Value value(std::string_view stop) {
    skip();
    Value v;
    if (i >= s.size()) fail("Missing value");
    if (s[i] == '"') {
      v.text = quoted();
      v.kind = v.text.find('*') != std::string::npos ? Value::Glob : Value::Text;
      return v;
    }
    if (s[i] == '%') {
      v.kind = Value::Rx;
      v.rx = regex();
      return v;
    }
    size_t start = i;
    while (i < s.size() && !is_space(s[i]) && stop.find(s[i]) == std::string_view::npos) ++i;
    std::string_view bare = s.substr(start, i - start);
    if (bare.empty()) fail("Missing value");
    for (char c : bare)
      if (!is_alnum(c) && std::string_view("_.*-+:@/").find(c) == std::string_view::npos)
        fail(std::string("Invalid character '") + c + "' in unquoted value; quote it");
    v.text = std::string(bare);
    if (auto n = parse_number(bare)) {
      v.kind = Value::Number;
      v.number = *n;
    } else {
      v.kind = bare.find('*') != std::string_view::npos ? Value::Glob : Value::Text;
    }
    return v;
  }
};

// ---- JSON patterns ----

// $.a.b[0][1].c
using Selector = std::vector<std::variant<std::string, size_t>>;

std::optional<Selector> parse_selector(std::string_view s, size_t* pos) {
  size_t i = *pos;
  if (i >= s.size() || s[i] != '$') return std::nullopt;
  ++i;
  Selector sel;
  while (i < s.size()) {
    if (s[i] == '.') {
      size_t start = ++i;
      while (i < s.size() && (is_alnum(s[i]) || s[i] == '_' || s[i] == '-')) ++i;
      if (i == start) return std::nullopt;
      sel.emplace_back(std::string(s.substr(start, i - start)));
    } else if (s[i] == '[') {
      size_t start = ++i, v = 0;
      while (i < s.size() && is_digit(s[i])) {
        v = v * 10 + static_cast<size_t>(s[i] - '0');
        if (v > 1000000) return std::nullopt;
        ++i;
      }
      if (i == start || i >= s.size() || s[i] != ']') return std::nullopt;
      ++i;
      sel.emplace_back(v);
    } else {
      break;
    }
  }
  if (sel.empty()) return std::nullopt;
  *pos = i;
  return sel;
}

const Doc* select(const Doc& root, const Selector& sel) {
  const Doc* d = &root;
  for (const auto& step : sel) {
    if (const auto* key = std::get_if<std::string>(&step)) {
      if (!d->is_map()) return nullptr;
      d = d->get(*key);
    } else {
      size_t ix = std::get<size_t>(step);
      if (!d->is_list() || ix >= d->as_list().size()) return nullptr;
      d = &d->as_list()[ix];
    }
    if (!d) return nullptr;
  }
  return d;
}

struct JsonCond {
  enum Kind { Compare, IsNull, IsTrue, IsFalse, NotExists } kind = Compare;
  Selector sel;
  std::string text;  // the selector as written ("$.a[0]")
  Op op = Op::Eq;
  Value value;

  bool eval(const Doc& root) const {
    const Doc* t = select(root, sel);
    if (kind == NotExists) return t == nullptr;
    if (!t) return false;
    switch (kind) {
      case IsNull:
        return t->is_null();
      case IsTrue:
        return t->is_bool() && t->as_bool();
      case IsFalse:
        return t->is_bool() && !t->as_bool();
      default:
        break;
    }
    if (t->is_map() || t->is_list()) return false;
    if (t->is_number()) return compare(op, value, number_text(*t), t->as_double());
    if (t->is_string()) {
      if (value.kind == Value::Number && !parse_number(t->as_string())) return op == Op::Ne;
      return compare(op, value, t->as_string(), std::nullopt);
    }
    if (value.kind == Value::Number) return op == Op::Ne;
    return compare(op, value, t->is_null() ? "null" : t->as_bool() ? "true" : "false", std::nullopt);
  }
};

struct JsonExpr {
  enum Kind { Leaf, And, Or } kind = Leaf;
  JsonCond cond;
  std::vector<JsonExpr> kids;

  void selectors(std::vector<const JsonCond*>& out) const {
    if (kind == Leaf) out.push_back(&cond);
    for (const auto& k : kids) k.selectors(out);
  }

  bool eval(const Doc& root) const {
    if (kind == Leaf) return cond.eval(root);
    for (const auto& k : kids) {
      bool v = k.eval(root);
      if (kind == And && !v) return false;
      if (kind == Or && v) return true;
    }
    return kind == And;
  }
};

JsonExpr parse_or(Cursor& c, int depth);

JsonExpr parse_primary(Cursor& c, int depth) {
  if (depth > kMaxDepth) fail("Filter pattern nested too deeply");
  if (c.take("(")) {
    JsonExpr e = parse_or(c, depth + 1);
    if (!c.take(")")) fail("Expected ')'");
    return e;
  }
  c.skip();
  JsonExpr e;
  size_t start = c.i;
  auto sel = parse_selector(c.s, &c.i);
  if (!sel) fail("Expected a selector such as $.field");
  e.cond.text = std::string(c.s.substr(start, c.i - start));
  e.cond.sel = std::move(*sel);
  if (c.keyword("IS")) {
    if (c.keyword("NULL"))
      e.cond.kind = JsonCond::IsNull;
    else if (c.keyword("TRUE"))
      e.cond.kind = JsonCond::IsTrue;
    else if (c.keyword("FALSE"))
      e.cond.kind = JsonCond::IsFalse;
    else
      fail("Expected NULL, TRUE or FALSE after IS");
    return e;
  }
  if (c.keyword("NOT")) {
    if (!c.keyword("EXISTS")) fail("Expected EXISTS after NOT");
    e.cond.kind = JsonCond::NotExists;
    return e;
  }
  auto op = c.op();
  if (!op) fail("Expected a comparison operator");
  e.cond.op = *op;
  e.cond.value = c.value("()&|}");
  if (e.cond.value.kind != Value::Number && *op != Op::Eq && *op != Op::Ne) fail("Only = and != compare strings");
  return e;
}

// `operand (sep operand)*` as one node of `kind` (the operand itself when alone).
template <typename Operand>
JsonExpr parse_chain(Cursor& c, int depth, const char* sep, JsonExpr::Kind kind, Operand operand) {
  JsonExpr first = operand(c, depth);
  if (!c.take(sep)) return first;
  JsonExpr e;
  e.kind = kind;
  e.kids.push_back(std::move(first));
  do e.kids.push_back(operand(c, depth));
  while (c.take(sep));
  return e;
}

JsonExpr parse_and(Cursor& c, int depth) {
  return parse_chain(c, depth, "&&", JsonExpr::And, parse_primary);
}

JsonExpr parse_or(Cursor& c, int depth) {
  return parse_chain(c, depth, "||", JsonExpr::Or, parse_and);
}

// ---- space-delimited patterns ----

struct Field {
  bool ellipsis = false;
  std::string name;
  // Conditions on the field: an OR of ANDs (&& binds tighter).
  std::vector<std::vector<std::pair<Op, Value>>> any;

  bool test(std::string_view token) const {
    if (any.empty()) return true;
    for (const auto& all : any) {
      bool ok = true;
      for (const auto& [op, v] : all)
        if (!compare(op, v, token, std::nullopt)) {
          ok = false;
          break;
        }
      if (ok) return true;
    }
    return false;
  }
};

std::vector<Field> parse_fields(Cursor& c) {
  std::vector<Field> fields;
  while (true) {
    Field f;
    c.skip();
    if (c.take("...")) {
      f.ellipsis = true;
    } else {
      size_t start = c.i;
      while (c.i < c.s.size() && (is_alnum(c.s[c.i]) || c.s[c.i] == '_' || c.s[c.i] == '-')) ++c.i;
      if (c.i == start) fail("Expected a field name");
      f.name = std::string(c.s.substr(start, c.i - start));
      c.skip();
      if (c.i < c.s.size() && c.s[c.i] != ',' && c.s[c.i] != ']') {
        std::vector<std::pair<Op, Value>> all;
        while (true) {
          auto op = c.op();
          if (!op) fail("Expected a comparison operator after " + f.name);
          Value v = c.value(",]&|");
          if (v.kind != Value::Number && *op != Op::Eq && *op != Op::Ne) fail("Only = and != compare strings");
          all.emplace_back(*op, std::move(v));
          bool is_and = c.take("&&");
          bool is_or = !is_and && c.take("||");
          if (!is_and && !is_or) break;
          if (is_or) {
            f.any.push_back(std::move(all));
            all.clear();
          }
          if (!c.keyword(f.name)) fail("A condition in field " + f.name + " must name " + f.name);
        }
        f.any.push_back(std::move(all));
      }
    }
    fields.push_back(std::move(f));
    if (c.take(",")) continue;
    if (c.take("]")) return fields;
    fail("Expected ',' or ']'");
  }
}

// Splits an event into fields: whitespace separates them; "quoted" and [bracketed] text is one
// field (without its quotes or brackets).
std::vector<std::string_view> split_fields(std::string_view m) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (true) {
    while (i < m.size() && is_space(m[i])) ++i;
    if (i >= m.size()) return out;
    char close = m[i] == '"' ? '"' : m[i] == '[' ? ']' : 0;
    if (close) {
      size_t end = m.find(close, i + 1);
      if (end == std::string_view::npos) end = m.size();
      out.push_back(m.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      size_t start = i;
      while (i < m.size() && !is_space(m[i])) ++i;
      out.push_back(m.substr(start, i - start));
    }
  }
}

// ---- terms ----

struct Term {
  enum Kind { All, Any, None } kind = All;
  std::string text;           // substring
  std::shared_ptr<Regex> rx;  // or a regex
  bool everything = false;    // `" "`: matches every event
  bool found(std::string_view m) const {
    if (everything) return true;
    return rx ? rx->search(m) : m.find(text) != std::string_view::npos;
  }
};

std::vector<Term> parse_terms(Cursor& c) {
  std::vector<Term> terms;
  while (!c.eof()) {
    Term t;
    if (c.s[c.i] == '?')
      t.kind = Term::Any, ++c.i;
    else if (c.s[c.i] == '-' && c.i + 1 < c.s.size() && !is_space(c.s[c.i + 1]))
      t.kind = Term::None, ++c.i;
    if (c.i >= c.s.size() || is_space(c.s[c.i])) fail("Expected a term");
    if (c.s[c.i] == '"') {
      t.text = c.quoted();
      if (trim(t.text).empty()) t.everything = true;
      if (c.i < c.s.size() && !is_space(c.s[c.i])) fail("Expected whitespace after a quoted term");
    } else if (c.s[c.i] == '%') {
      t.rx = c.regex();
    } else {
      size_t start = c.i;
      while (c.i < c.s.size() && !is_space(c.s[c.i])) {
        if (c.s[c.i] == '"') fail("Invalid character(s) in term '" + std::string(c.s.substr(start)) + "'");
        ++c.i;
      }
      t.text = std::string(c.s.substr(start, c.i - start));
    }
    terms.push_back(std::move(t));
  }
  return terms;
}

}  // namespace

struct FilterPattern::Impl {
  enum Kind { Everything, Terms, Json, Delimited, Rx } kind = Everything;
  std::vector<Term> terms;
  JsonExpr json;
  std::vector<Field> fields;
  std::shared_ptr<Regex> rx;
};

std::optional<FilterPattern> FilterPattern::parse(std::string_view pattern, std::string* error) {
  auto impl = std::make_shared<Impl>();
  try {
    std::string_view p = trim(pattern);
    Cursor c{p};
    if (p.empty()) {
      impl->kind = Impl::Everything;
    } else if (p.front() == '{') {
      impl->kind = Impl::Json;
      c.i = 1;
      impl->json = parse_or(c, 0);
      if (!c.take("}")) fail("Expected '}'");
      if (!c.eof()) fail("Unexpected text after '}'");
    } else if (p.front() == '[') {
      impl->kind = Impl::Delimited;
      c.i = 1;
      impl->fields = parse_fields(c);
      if (!c.eof()) fail("Unexpected text after ']'");
    } else if (p.size() >= 2 && p.front() == '%' && p.back() == '%' && p.find('%', 1) == p.size() - 1) {
      impl->kind = Impl::Rx;
      impl->rx = c.regex();
    } else {
      impl->kind = Impl::Terms;
      impl->terms = parse_terms(c);
    }
  } catch (const ParseError& e) {
    if (error) *error = e.message;
    return std::nullopt;
  }
  return FilterPattern(std::move(impl));
}

bool FilterPattern::structured() const {
  return impl_->kind == Impl::Json || impl_->kind == Impl::Delimited;
}

FilterMatch FilterPattern::match(std::string_view m) const {
  FilterMatch out;
  const Impl& p = *impl_;
  switch (p.kind) {
    case Impl::Everything:
      out.matched = true;
      break;
    case Impl::Rx:
      out.matched = p.rx->search(m);
      break;
    case Impl::Terms: {
      bool any_seen = false, any_found = false;
      out.matched = true;
      for (const auto& t : p.terms) {
        if (t.kind == Term::Any) {
          any_seen = true;
          any_found = any_found || t.found(m);
        } else if (t.found(m) != (t.kind == Term::All)) {
          out.matched = false;
          return out;
        }
      }
      out.matched = !any_seen || any_found;
      break;
    }
    case Impl::Json: {
      std::string_view t = trim(m);
      if (t.empty() || (t.front() != '{' && t.front() != '[')) break;
      try {
        out.json = json::parse(t);
      } catch (const AwsError&) {
        break;
      }
      out.matched = p.json.eval(*out.json);
      if (out.matched) {
        std::vector<const JsonCond*> conds;
        p.json.selectors(conds);
        for (const JsonCond* c : conds) {
          bool seen = false;
          for (const auto& f : out.fields) seen = seen || f.first == c->text;
          if (seen) continue;
          if (auto v = out.value(c->text)) out.fields.emplace_back(c->text, *v);
        }
      }
      break;
    }
    case Impl::Delimited: {
      auto tokens = split_fields(m);
      const auto& f = p.fields;
      // Greedy wildcard alignment (`...` as `*`, each field one token): linear space, and
      // correct because each segment between ellipses is placed at its earliest position.
      std::vector<size_t> at(f.size(), 0);
      size_t fi = 0, ti = 0, star = SIZE_MAX, mark = 0;
      bool ok = true;
      while (ti < tokens.size()) {
        if (fi < f.size() && f[fi].ellipsis) {
          star = fi++;
          mark = ti;
        } else if (fi < f.size() && f[fi].test(tokens[ti])) {
          at[fi++] = ti++;
        } else if (star != SIZE_MAX) {
          fi = star + 1;
          ti = ++mark;
        } else {
          ok = false;
          break;
        }
      }
      while (ok && fi < f.size() && f[fi].ellipsis) ++fi;
      out.matched = ok && fi == f.size();
      if (out.matched)
        for (size_t i = 0; i < f.size(); ++i)
          if (!f[i].ellipsis) out.fields.emplace_back("$" + f[i].name, std::string(tokens[at[i]]));
      break;
    }
  }
  return out;
}

std::optional<std::string> FilterMatch::value(std::string_view ref) const {
  if (ref.size() >= 2 && ref[0] == '$' && (ref[1] == '.' || ref[1] == '[')) {
    if (!json) return std::nullopt;
    size_t pos = 0;
    auto sel = parse_selector(ref, &pos);
    if (!sel || pos != ref.size()) return std::nullopt;
    const Doc* d = select(*json, *sel);
    if (!d || d->is_map() || d->is_list()) return std::nullopt;
    if (d->is_string()) return d->as_string();
    if (d->is_number()) return number_text(*d);
    if (d->is_bool()) return std::string(d->as_bool() ? "true" : "false");
    return std::string("null");
  }
  if (ref.size() >= 2 && ref[0] == '$') {
    for (const auto& [name, v] : fields)
      if (name == ref) return v;
  }
  return std::nullopt;
}

std::optional<LogRegex> LogRegex::compile(std::string_view re, bool any_chars, std::string* error) {
  LogRegex out;
  if (re.substr(0, 4) == "(?i)") {
    out.fold_ = true;
    re.remove_prefix(4);
  }
  std::string body(re);
  if (out.fold_)  // the pattern's letters, not its escapes (\D stays \D)
    for (size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '\\')
        ++i;
      else
        body[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(body[i])));
    }
  try {
    size_t budget = kMaxRegexNodes;
    out.rx_ = std::make_shared<Regex>(body, &budget, any_chars);
  } catch (const ParseError& e) {
    if (error) *error = e.message;
    return std::nullopt;
  }
  return out;
}

bool LogRegex::search(std::string_view s) const {
  const auto* rx = static_cast<const Regex*>(rx_.get());
  if (!fold_) return rx->search(s);
  std::string low(s);
  for (char& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return rx->search(low);
}

bool valid_field_reference(std::string_view ref) {
  if (ref.size() < 2 || ref[0] != '$') return false;
  if (ref[1] == '.' || ref[1] == '[') {
    size_t pos = 0;
    return parse_selector(ref, &pos) && pos == ref.size();
  }
  for (char c : ref.substr(1))
    if (!is_alnum(c) && c != '_' && c != '-') return false;
  return true;
}

}  // namespace stratus::logs
