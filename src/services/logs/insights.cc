#include "services/logs/insights.h"
#include "core/encoding.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <map>
#include <set>

#include "core/error.h"
#include "core/json.h"
#include "core/regex.h"
#include "services/logs/filter.h"

namespace stratus::logs::insights {
namespace {

constexpr int kMaxDepth = 64;
constexpr size_t kMaxRows = 100000;      // matched rows held for sort/limit
constexpr size_t kMaxJsonFields = 200;   // discovered per JSON event
constexpr size_t kMaxDistinct = 100000;  // count_distinct's set

struct QueryError {
  std::string message;
};
[[noreturn]] void fail(std::string m) {
  throw QueryError{std::move(m)};
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '@';
}
bool ident_char(char c) {
  return ident_start(c) || is_digit(c) || c == '.' || c == '-';
}

std::optional<double> number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string num_text(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// ---- lexer ----

struct Tok {
  enum Kind { Ident, Str, Num, Rx, Op, Pipe, Comma, LParen, RParen, LBr, RBr, End } kind = End;
  std::string text;
  size_t pos = 0, end = 0;
};

std::vector<Tok> lex(std::string_view s) {
  std::vector<Tok> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i < s.size() && s[i] == '#') {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    Tok t;
    t.pos = i;
    if (i >= s.size()) {
      t.kind = Tok::End;
      t.end = i;
      out.push_back(t);
      return out;
    }
    char c = s[i];
    if (c == '"' || c == '\'' || c == '`' || c == '/') {
      t.kind = c == '`' ? Tok::Ident : c == '/' ? Tok::Rx : Tok::Str;
      ++i;
      while (true) {
        if (i >= s.size()) fail("unterminated " + std::string(c == '/' ? "regular expression" : "string"));
        if (s[i] == '\\' && i + 1 < s.size()) {
          if (c != '/' || s[i + 1] == '/') ++i;  // a regex keeps its escapes but \/
          t.text += s[i++];
          continue;
        }
        if (s[i] == c) break;
        t.text += s[i++];
      }
      ++i;
    } else if (is_digit(c) || (c == '-' && i + 1 < s.size() && is_digit(s[i + 1]))) {
      t.kind = Tok::Num;
      size_t start = i++;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
      t.text = std::string(s.substr(start, i - start));
    } else if (ident_start(c)) {
      t.kind = Tok::Ident;
      size_t start = i++;
      while (i < s.size() && ident_char(s[i])) ++i;
      t.text = std::string(s.substr(start, i - start));
    } else {
      static const char* ops[] = {"=~", "!=", "<=", ">=", "==", "=", "<", ">"};
      bool found = false;
      for (const char* op : ops) {
        std::string_view o(op);
        if (s.substr(i, o.size()) == o) {
          t.kind = Tok::Op;
          t.text = o == "==" ? "=" : std::string(o);
          i += o.size();
          found = true;
          break;
        }
      }
      if (!found) {
        static constexpr std::pair<char, Tok::Kind> kPunct[] = {
            {'|', Tok::Pipe}, {',', Tok::Comma}, {'(', Tok::LParen}, {')', Tok::RParen},
            {'[', Tok::LBr},  {']', Tok::RBr},   {'*', Tok::Ident}};  // `*` as in count(*)
        auto p = std::find_if(std::begin(kPunct), std::end(kPunct), [c](const auto& e) { return e.first == c; });
        if (p == std::end(kPunct)) fail(std::string("unexpected character '") + c + "'");
        t.kind = p->second;
        t.text = std::string(1, c);
        ++i;
      }
    }
    t.end = i;
    out.push_back(std::move(t));
  }
}

// A bin() period ("5m", "30s", "1h", "100ms", "1d", "1w") in milliseconds.
int64_t period_ms(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && (is_digit(s[n]) || s[n] == '.')) ++n;
  auto v = number(s.substr(0, n));
  std::string unit = enc::ascii_lower(s.substr(n));
  double mult = unit == "ms"                   ? 1
                : unit == "s" || unit == "sec" ? 1000
                : unit == "m" || unit == "min" ? 60000
                : unit == "h" || unit == "hr"  ? 3600000
                : unit == "d"                  ? 86400000
                : unit == "w"                  ? 604800000
                                               : 0;
  if (!v || mult == 0 || *v <= 0) fail("bin needs a period such as 5m, 30s or 1h");
  return std::max<int64_t>(1, static_cast<int64_t>(std::min(*v * mult, 1e15)));
}

}  // namespace

// ---- the plan ----

struct Expr {
  enum Kind { Field, Str, Num, Call, Cmp, And, Or, Not, Like, In } kind = Field;
  std::string text;  // field name, literal, function name (lower case) or operator
  std::vector<Expr> kids;
  std::shared_ptr<LogRegex> rx;
  bool negate = false;
};

struct Agg {
  std::string fn;  // count, count_distinct, sum, avg, min, max
  std::optional<Expr> arg;
  std::string name;
};

struct Cmd {
  enum Kind { Fields, Display, Filter, Sort, Limit, Stats, Parse, Dedup } kind = Fields;
  std::vector<std::pair<Expr, std::string>> items;  // fields/display: expression, output name
  Expr cond;                                        // filter
  std::vector<std::pair<Expr, bool>> sort;          // expression, descending
  int64_t limit = 0;
  std::vector<Agg> aggs;  // stats
  std::vector<std::pair<Expr, std::string>> by;
  Expr source;                      // parse
  std::vector<std::string> pieces;  // parse: literal text between the *s
  std::vector<std::string> names;
  std::shared_ptr<const Regex> regex;              // parse /regex/: named groups become fields
  std::vector<std::pair<int, std::string>> named;  // group index, field name
  std::vector<Expr> dedup;                         // dedup: the fields
};

// A regex with named groups `(?<name>...)` as core/regex.h takes it (plain groups) and the
// names by group index. Escapes and classes are skipped; other `(?...)` groups do not capture.
std::string strip_named_groups(std::string_view re, std::vector<std::pair<int, std::string>>& named) {
  std::string out;
  int group = 0;
  bool in_class = false;
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\' && i + 1 < re.size()) {
      out += c;
      out += re[++i];
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '[') in_class = true;
    if (c == '(') {
      if (re.substr(i, 3) == "(?<" && i + 3 < re.size() && re[i + 3] != '=' && re[i + 3] != '!') {
        size_t close = re.find('>', i + 3);
        if (close == std::string_view::npos) fail("unterminated group name in the parse regex");
        std::string name(re.substr(i + 3, close - i - 3));
        if (name.empty()) fail("empty group name in the parse regex");
        named.emplace_back(++group, std::move(name));
        out += '(';
        i = close;
        continue;
      }
      if (i + 1 >= re.size() || re[i + 1] != '?') ++group;
    }
    out += c;
  }
  return out;
}

struct Plan {
  std::vector<Cmd> cmds;
  size_t first_global = 0;  // commands before it run per event
  bool sorted = false, stats = false;
  std::vector<std::string> output;  // projection (fields/display), empty: default or stats
};

namespace {

struct Parser {
  std::string_view src;
  std::vector<Tok> t;
  size_t i = 0;

  const Tok& peek() const { return t[i]; }
  Tok next() { return t[i].kind == Tok::End ? t[i] : t[i++]; }
  bool word(std::string_view w) {
    if (peek().kind == Tok::Ident && enc::ascii_lower(peek().text) == w) {
      ++i;
      return true;
    }
    return false;
  }
  bool is(Tok::Kind k) {
    if (peek().kind == k) {
      ++i;
      return true;
    }
    return false;
  }
  void expect(Tok::Kind k, const char* what) {
    if (!is(k)) fail(std::string("expected ") + what + " near '" + peek().text + "'");
  }
  std::string text_since(size_t tok) const {
    size_t a = t[tok].pos, b = t[i > 0 ? i - 1 : 0].end;
    return std::string(src.substr(a, b > a ? b - a : 0));
  }

  Expr operand(int depth) {
    if (depth > kMaxDepth) fail("query nested too deeply");
    Tok k = next();
    Expr e;
    switch (k.kind) {
      case Tok::Str:
        e.kind = Expr::Str;
        e.text = k.text;
        return e;
      case Tok::Num:
        e.kind = Expr::Num;
        e.text = k.text;
        return e;
      case Tok::Ident:
        if (peek().kind == Tok::LParen) {
          ++i;
          e.kind = Expr::Call;
          e.text = enc::ascii_lower(k.text);
          if (!is(Tok::RParen)) {
            do e.kids.push_back(operand(depth + 1));
            while (is(Tok::Comma));
            expect(Tok::RParen, "')'");
          }
          static const std::set<std::string> known = {
              "ispresent",      "isempty", "isblank", "strcontains", "tolower", "toupper", "strlen", "bin", "count",
              "count_distinct", "sum",     "avg",     "min",         "max",     "abs",     "floor",  "ceil"};
          if (!known.count(e.text)) fail("unsupported function " + k.text);
          if (e.text == "bin") {
            if (e.kids.size() != 1 || e.kids[0].kind != Expr::Num) fail("bin needs a period such as 5m");
            period_ms(e.kids[0].text);  // checked here: evaluation never fails
          }
          return e;
        }
        e.kind = Expr::Field;
        e.text = k.text;
        return e;
      default:
        fail("unexpected '" + k.text + "'");
    }
  }

  Expr cmp(int depth) {
    if (depth > kMaxDepth) fail("query nested too deeply");
    if (is(Tok::LParen)) {
      Expr e = disj(depth + 1);
      expect(Tok::RParen, "')'");
      return e;
    }
    Expr left = operand(depth + 1);
    bool neg = false;
    size_t save = i;
    if (word("not")) neg = true;
    if (word("like") || (!neg && peek().kind == Tok::Op && peek().text == "=~" && (++i, true))) {
      Expr e;
      e.kind = Expr::Like;
      e.negate = neg;
      e.kids.push_back(std::move(left));
      Tok p = next();
      if (p.kind == Tok::Rx) {
        std::string err;
        auto rx = LogRegex::compile(p.text, true, &err);
        if (!rx) fail("invalid regular expression /" + p.text + "/: " + err);
        e.rx = std::make_shared<LogRegex>(std::move(*rx));
      } else if (p.kind == Tok::Str) {
        e.text = p.text;
      } else {
        fail("like needs a \"string\" or a /regex/");
      }
      return e;
    }
    if (word("in")) {
      Expr e;
      e.kind = Expr::In;
      e.negate = neg;
      e.kids.push_back(std::move(left));
      expect(Tok::LBr, "'['");
      if (!is(Tok::RBr)) {
        do e.kids.push_back(operand(depth + 1));
        while (is(Tok::Comma));
        expect(Tok::RBr, "']'");
      }
      return e;
    }
    if (neg) i = save;
    if (peek().kind == Tok::Op) {
      Expr e;
      e.kind = Expr::Cmp;
      e.text = next().text;
      e.kids.push_back(std::move(left));
      e.kids.push_back(operand(depth + 1));
      return e;
    }
    return left;
  }

  Expr negation(int depth) {
    if (depth > kMaxDepth) fail("query nested too deeply");
    if (word("not")) {
      Expr e;
      e.kind = Expr::Not;
      e.kids.push_back(negation(depth + 1));
      return e;
    }
    return cmp(depth);
  }

  // `operand (keyword operand)*` as one node of `kind` (the operand itself when alone).
  template <typename Operand>
  Expr chain(int depth, const char* keyword, Expr::Kind kind, Operand operand) {
    Expr first = (this->*operand)(depth);
    if (!(peek().kind == Tok::Ident && enc::ascii_lower(peek().text) == keyword)) return first;
    Expr e;
    e.kind = kind;
    e.kids.push_back(std::move(first));
    while (word(keyword)) e.kids.push_back((this->*operand)(depth));
    return e;
  }
  Expr conj(int depth) { return chain(depth, "and", Expr::And, &Parser::negation); }
  Expr disj(int depth) { return chain(depth, "or", Expr::Or, &Parser::conj); }

  bool at_end() const { return peek().kind == Tok::Pipe || peek().kind == Tok::End; }

  std::vector<std::pair<Expr, std::string>> named_list() {
    std::vector<std::pair<Expr, std::string>> out;
    do {
      size_t start = i;
      Expr e = operand(0);
      std::string name = text_since(start);
      if (word("as")) {
        Tok n = next();
        if (n.kind != Tok::Ident) fail("expected a name after as");
        name = n.text;
      }
      out.emplace_back(std::move(e), std::move(name));
    } while (is(Tok::Comma));
    return out;
  }

  Cmd command() {
    Tok k = next();
    if (k.kind != Tok::Ident) fail("expected a command near '" + k.text + "'");
    std::string w = enc::ascii_lower(k.text);
    Cmd c;
    if (w == "fields" || w == "display") {
      c.kind = w == "fields" ? Cmd::Fields : Cmd::Display;
      c.items = named_list();
    } else if (w == "filter") {
      c.kind = Cmd::Filter;
      c.cond = disj(0);
    } else if (w == "sort") {
      c.kind = Cmd::Sort;
      do {
        Expr e = operand(0);
        bool desc = false;
        if (word("desc"))
          desc = true;
        else
          word("asc");
        c.sort.emplace_back(std::move(e), desc);
      } while (is(Tok::Comma));
    } else if (w == "limit") {
      c.kind = Cmd::Limit;
      Tok n = next();
      auto v = number(n.text);
      if (n.kind != Tok::Num || !v || *v < 1 || *v > 10000 || *v != std::floor(*v))
        fail("limit takes a number from 1 to 10000");
      c.limit = static_cast<int64_t>(*v);
    } else if (w == "stats") {
      c.kind = Cmd::Stats;
      do {
        size_t start = i;
        Expr e = operand(0);
        if (e.kind != Expr::Call || e.text == "bin" ||
            (e.text != "count" && e.text != "count_distinct" && e.text != "sum" && e.text != "avg" && e.text != "min" &&
             e.text != "max"))
          fail("stats supports count, count_distinct, sum, avg, min and max");
        Agg a;
        a.fn = e.text;
        a.name = text_since(start);
        if (e.kids.size() > 1) fail(e.text + " takes one argument");
        if (!e.kids.empty() && !(e.kids[0].kind == Expr::Field && e.kids[0].text == "*")) a.arg = e.kids[0];
        if (a.fn != "count" && !a.arg) fail(a.fn + " needs a field");
        if (word("as")) {
          Tok n = next();
          if (n.kind != Tok::Ident) fail("expected a name after as");
          a.name = n.text;
        }
        c.aggs.push_back(std::move(a));
      } while (is(Tok::Comma));
      if (word("by")) c.by = named_list();
    } else if (w == "parse") {
      c.kind = Cmd::Parse;
      c.source = operand(0);
      Tok g = next();
      if (g.kind == Tok::Rx) {
        std::string re = strip_named_groups(g.text, c.named);
        if (c.named.empty()) fail("parse: the regular expression needs named groups such as (?<name>...)");
        try {
          c.regex = std::make_shared<const Regex>(re);
        } catch (const RegexError& e) {
          fail(std::string("parse: invalid regular expression: ") + e.what());
        }
        if (!at_end()) fail("unexpected '" + peek().text + "'");
        return c;
      }
      if (g.kind != Tok::Str) fail("parse supports a \"glob\" with * captures or a /regex/ with named groups");
      std::string piece;
      for (char ch : g.text) {
        if (ch == '*') {
          c.pieces.push_back(piece);
          piece.clear();
        } else {
          piece += ch;
        }
      }
      c.pieces.push_back(piece);
      if (!word("as")) fail("parse needs as name, ...");
      do {
        Tok n = next();
        if (n.kind != Tok::Ident) fail("expected a field name");
        c.names.push_back(n.text);
      } while (is(Tok::Comma));
      if (c.names.size() != c.pieces.size() - 1) fail("parse: as many names as * in the pattern");
    } else if (w == "dedup") {
      c.kind = Cmd::Dedup;
      do {
        Expr e = operand(0);
        if (e.kind != Expr::Field) fail("dedup takes field names");
        c.dedup.push_back(std::move(e));
      } while (is(Tok::Comma));
    } else {
      fail("unsupported command " + k.text);
    }
    if (!at_end()) fail("unexpected '" + peek().text + "'");
    return c;
  }
};

// ---- evaluation ----

struct Rec {
  Row f;
  int64_t ts = 0;
  const std::string* get(std::string_view name) const {
    for (const auto& [k, v] : f)
      if (k == name) return &v;
    return nullptr;
  }
  void set(std::string name, std::string v) {
    for (auto& [k, old] : f)
      if (k == name) {
        old = std::move(v);
        return;
      }
    f.emplace_back(std::move(name), std::move(v));
  }
};

bool truthy(const std::optional<std::string>& v) {
  return v && !v->empty() && *v != "0" && *v != "false";
}

std::optional<std::string> value(const Expr& e, const Rec& r);

bool test(const Expr& e, const Rec& r) {
  switch (e.kind) {
    case Expr::And:
      for (const auto& k : e.kids)
        if (!test(k, r)) return false;
      return true;
    case Expr::Or:
      for (const auto& k : e.kids)
        if (test(k, r)) return true;
      return false;
    case Expr::Not:
      return !test(e.kids[0], r);
    case Expr::Cmp: {
      auto a = value(e.kids[0], r), b = value(e.kids[1], r);
      if (!a || !b) return false;
      auto na = number(*a), nb = number(*b);
      int c = na && nb ? (*na < *nb ? -1 : *na > *nb ? 1 : 0) : a->compare(*b) < 0 ? -1 : a->compare(*b) > 0 ? 1 : 0;
      const std::string& op = e.text;
      return op == "="    ? c == 0
             : op == "!=" ? c != 0
             : op == "<"  ? c < 0
             : op == "<=" ? c <= 0
             : op == ">"  ? c > 0
                          : c >= 0;
    }
    case Expr::Like: {
      auto a = value(e.kids[0], r);
      if (!a) return false;  // a missing field matches neither like nor not like
      bool hit = e.rx ? e.rx->search(*a) : a->find(e.text) != std::string::npos;
      return e.negate ? !hit : hit;
    }
    case Expr::In: {
      auto a = value(e.kids[0], r);
      if (!a) return false;  // nor in / not in
      bool hit = false;
      for (size_t k = 1; k < e.kids.size() && !hit; ++k) {
        auto b = value(e.kids[k], r);
        if (!b) continue;
        auto na = number(*a), nb = number(*b);
        hit = na && nb ? *na == *nb : *a == *b;
      }
      return e.negate ? !hit : hit;
    }
    default:
      return truthy(value(e, r));
  }
}

std::optional<std::string> value(const Expr& e, const Rec& r) {
  switch (e.kind) {
    case Expr::Field:
      if (const std::string* v = r.get(e.text)) return *v;
      return std::nullopt;
    case Expr::Str:
    case Expr::Num:
      return e.text;
    case Expr::Call: {
      const std::string& fn = e.text;
      auto arg = [&](size_t k) { return k < e.kids.size() ? value(e.kids[k], r) : std::nullopt; };
      if (fn == "ispresent") return std::string(arg(0) ? "1" : "0");
      if (fn == "isempty") {
        auto v = arg(0);
        return std::string(!v || v->empty() ? "1" : "0");
      }
      if (fn == "isblank") {
        auto v = arg(0);
        bool blank = !v || v->find_first_not_of(" \t\r\n") == std::string::npos;
        return std::string(blank ? "1" : "0");
      }
      if (fn == "strcontains") {
        auto a = arg(0), b = arg(1);
        return std::string(a && b && a->find(*b) != std::string::npos ? "1" : "0");
      }
      if (fn == "tolower" || fn == "toupper") {
        auto v = arg(0);
        if (!v) return std::nullopt;
        for (char& c : *v)
          c = static_cast<char>(fn == "tolower" ? std::tolower(static_cast<unsigned char>(c))
                                                : std::toupper(static_cast<unsigned char>(c)));
        return v;
      }
      if (fn == "strlen") {
        auto v = arg(0);
        if (!v) return std::nullopt;
        int64_t n = 0;
        for (unsigned char c : *v) n += (c & 0xC0) != 0x80;
        return std::to_string(n);
      }
      if (fn == "abs" || fn == "floor" || fn == "ceil") {
        auto v = arg(0);
        auto n = v ? number(*v) : std::nullopt;
        if (!n) return std::nullopt;
        return num_text(fn == "abs" ? std::fabs(*n) : fn == "floor" ? std::floor(*n) : std::ceil(*n));
      }
      if (fn == "bin") {
        if (e.kids.empty()) return std::nullopt;
        int64_t p = period_ms(e.kids[0].text);
        int64_t ts = r.ts;
        int64_t b = ts >= 0 ? ts / p * p : -((-ts + p - 1) / p) * p;
        return format_time(b);
      }
      return std::nullopt;  // aggregates outside stats
    }
    default:
      return std::string(test(e, r) ? "1" : "0");
  }
}

void flatten(const Doc& d, const std::string& prefix, Rec& r, int depth) {
  if (r.f.size() >= kMaxJsonFields + 6 || depth > 32) return;
  if (d.is_map()) {
    for (const auto& [k, v] : d.as_map()) flatten(v, prefix.empty() ? k : prefix + "." + k, r, depth + 1);
  } else if (d.is_list()) {
    size_t n = 0;
    for (const auto& v : d.as_list()) flatten(v, prefix + "." + std::to_string(n++), r, depth + 1);
  } else if (d.is_string()) {
    r.f.emplace_back(prefix, d.as_string());
  } else if (d.is_bool()) {
    r.f.emplace_back(prefix, d.as_bool() ? "true" : "false");
  } else if (d.is_int()) {
    r.f.emplace_back(prefix, std::to_string(d.as_int()));
  } else if (d.is_double()) {
    r.f.emplace_back(prefix, num_text(d.as_double()));
  }
}

// parse: captures between the glob's literal pieces; false when the text does not fit.
bool glob_parse(const Cmd& c, Rec& r) {
  auto src = value(c.source, r);
  if (!src) return true;  // nothing to parse: the row stays, without the fields
  std::string_view s = *src;
  size_t pos = 0;
  if (s.substr(0, c.pieces[0].size()) != c.pieces[0]) {
    size_t at = s.find(c.pieces[0]);
    if (at == std::string_view::npos) return true;
    pos = at;
  }
  pos += c.pieces[0].size();
  std::vector<std::string> got;
  for (size_t k = 1; k < c.pieces.size(); ++k) {
    const std::string& lit = c.pieces[k];
    size_t end = lit.empty() ? (k + 1 == c.pieces.size() ? s.size() : pos) : s.find(lit, pos);
    if (end == std::string_view::npos) return true;
    got.emplace_back(s.substr(pos, end - pos));
    pos = end + lit.size();
  }
  for (size_t k = 0; k < got.size(); ++k) r.set(c.names[k], got[k]);
  return true;
}

// parse /regex/: the named groups of the first match become fields; no match sets none.
bool regex_parse(const Cmd& c, Rec& r) {
  auto src = value(c.source, r);
  if (!src) return true;
  Regex::Groups groups;
  Regex::Budget budget;
  try {
    if (!c.regex->search(*src, 0, groups, budget)) return true;
  } catch (const RegexError&) {
    return true;  // budget exhausted: treated as no match
  }
  for (const auto& [g, name] : c.named)
    if (static_cast<size_t>(g) < groups.size() && groups[g].first >= 0)
      r.set(name,
            src->substr(static_cast<size_t>(groups[g].first), static_cast<size_t>(groups[g].second - groups[g].first)));
  return true;
}

// Runs a per-row command; false drops the row.
bool row_cmd(const Cmd& c, Rec& r) {
  switch (c.kind) {
    case Cmd::Filter:
      return test(c.cond, r);
    case Cmd::Parse:
      return c.regex ? regex_parse(c, r) : glob_parse(c, r);
    case Cmd::Fields:
      for (const auto& [e, name] : c.items)
        if (e.kind != Expr::Field || name != e.text)
          if (auto v = value(e, r)) r.set(name, *v);
      return true;
    default:
      return true;
  }
}

struct AggState {
  int64_t count = 0;
  double sum = 0, min = 0, max = 0;
  int64_t numeric = 0;
  std::set<std::string> distinct;
};

// stats groups by their `by` values (a missing value is its own group, and leaves the field out).
using Groups = std::map<std::vector<std::optional<std::string>>, std::vector<AggState>>;

}  // namespace

std::optional<Query> Query::parse(std::string_view text, std::string* error) {
  auto plan = std::make_shared<Plan>();
  try {
    Parser p{text, lex(text)};
    if (p.peek().kind == Tok::End) fail("the query is empty");
    while (true) {
      plan->cmds.push_back(p.command());
      if (p.is(Tok::End)) break;
      p.expect(Tok::Pipe, "'|'");
    }
  } catch (const QueryError& e) {
    if (error) *error = e.message;
    return std::nullopt;
  }
  plan->first_global = plan->cmds.size();
  bool after_dedup = false;
  for (size_t k = 0; k < plan->cmds.size(); ++k) {
    const Cmd& c = plan->cmds[k];
    if (after_dedup && c.kind != Cmd::Limit) {
      if (error) *error = "Only the limit command may follow dedup.";
      return std::nullopt;
    }
    if (c.kind == Cmd::Dedup) after_dedup = true;
    if ((c.kind == Cmd::Stats || c.kind == Cmd::Sort || c.kind == Cmd::Limit || c.kind == Cmd::Dedup) &&
        plan->first_global == plan->cmds.size())
      plan->first_global = k;
    if (c.kind == Cmd::Sort) plan->sorted = true;
    if (c.kind == Cmd::Stats) {
      plan->stats = true;
      plan->output.clear();
    }
    if (c.kind == Cmd::Fields) {
      for (const auto& [e, name] : c.items)
        if (std::find(plan->output.begin(), plan->output.end(), name) == plan->output.end())
          plan->output.push_back(name);
    }
    if (c.kind == Cmd::Display) {
      plan->output.clear();
      for (const auto& [e, name] : c.items) plan->output.push_back(name);
    }
  }
  Query q;
  q.plan = plan;
  return q;
}

struct Run::State {
  std::vector<Rec> rows;
  bool truncated = false;
  // streaming stats (when stats is the first global command)
  Groups groups;
};

Run::Run(const Query& q, int64_t limit) : plan_(q.plan), st_(std::make_unique<State>()), limit_(limit) {}
Run::~Run() = default;

static void aggregate(const Cmd& c, const Rec& r, Groups& groups) {
  std::vector<std::optional<std::string>> key;
  for (const auto& [e, name] : c.by) key.push_back(value(e, r));
  auto& st = groups[key];
  if (st.empty()) st.resize(c.aggs.size());
  for (size_t k = 0; k < c.aggs.size(); ++k) {
    const Agg& a = c.aggs[k];
    AggState& s = st[k];
    if (!a.arg) {
      ++s.count;
      continue;
    }
    auto v = value(*a.arg, r);
    if (!v) continue;
    ++s.count;
    if (a.fn == "count_distinct") {
      if (s.distinct.size() < kMaxDistinct) s.distinct.insert(*v);
      continue;
    }
    auto n = number(*v);
    if (!n) continue;
    s.sum += *n;
    s.min = s.numeric ? std::min(s.min, *n) : *n;
    s.max = s.numeric ? std::max(s.max, *n) : *n;
    ++s.numeric;
  }
}

static std::vector<Rec> stats_rows(const Cmd& c, const Groups& groups) {
  std::vector<Rec> out;
  for (const auto& [key, st] : groups) {
    Rec r;
    for (size_t k = 0; k < c.by.size(); ++k)
      if (key[k]) r.f.emplace_back(c.by[k].second, *key[k]);
    for (size_t k = 0; k < c.aggs.size(); ++k) {
      const Agg& a = c.aggs[k];
      const AggState& s = st[k];
      if (a.fn == "count")
        r.f.emplace_back(a.name, std::to_string(s.count));
      else if (a.fn == "count_distinct")
        r.f.emplace_back(a.name, std::to_string(s.distinct.size()));
      else if (s.numeric == 0)
        continue;
      else if (a.fn == "sum")
        r.f.emplace_back(a.name, num_text(s.sum));
      else if (a.fn == "avg")
        r.f.emplace_back(a.name, num_text(s.sum / static_cast<double>(s.numeric)));
      else if (a.fn == "min")
        r.f.emplace_back(a.name, num_text(s.min));
      else if (a.fn == "max")
        r.f.emplace_back(a.name, num_text(s.max));
    }
    out.push_back(std::move(r));
  }
  return out;
}

void Run::add(const Event& e) {
  ++scanned_;
  bytes_ += static_cast<int64_t>(e.message.size());
  Rec r;
  r.ts = e.timestamp;
  r.f.emplace_back("@timestamp", format_time(e.timestamp));
  r.f.emplace_back("@message", std::string(e.message));
  r.f.emplace_back("@logStream", std::string(e.stream));
  r.f.emplace_back("@log", std::string(e.group_label));
  r.f.emplace_back("@ingestionTime", format_time(e.ingestion));
  r.f.emplace_back("@ptr", std::string(e.ptr));
  size_t first = e.message.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && e.message[first] == '{') {
    try {
      Doc d = json::parse(e.message);
      if (d.is_map()) flatten(d, "", r, 0);
    } catch (const AwsError&) {
    }
  }
  const Plan& p = *plan_;
  for (size_t k = 0; k < p.first_global; ++k)
    if (!row_cmd(p.cmds[k], r)) return;
  ++matched_;
  if (p.first_global < p.cmds.size() && p.cmds[p.first_global].kind == Cmd::Stats) {
    aggregate(p.cmds[p.first_global], r, st_->groups);
    return;
  }
  if (st_->rows.size() >= kMaxRows) {
    st_->truncated = true;
    return;
  }
  st_->rows.push_back(std::move(r));
}

std::vector<Row> Run::finish() {
  const Plan& p = *plan_;
  std::vector<Rec> rows = std::move(st_->rows);
  if (!p.sorted && !p.stats)  // newest first
    std::stable_sort(rows.begin(), rows.end(), [](const Rec& a, const Rec& b) { return a.ts > b.ts; });
  int64_t limit = limit_;
  for (size_t k = p.first_global; k < p.cmds.size(); ++k) {
    const Cmd& c = p.cmds[k];
    switch (c.kind) {
      case Cmd::Stats: {
        if (k == p.first_global) {
          rows = stats_rows(c, st_->groups);
        } else {
          Groups groups;
          for (const auto& r : rows) aggregate(c, r, groups);
          rows = stats_rows(c, groups);
        }
        break;
      }
      case Cmd::Sort:
        std::stable_sort(rows.begin(), rows.end(), [&](const Rec& a, const Rec& b) {
          for (const auto& [e, desc] : c.sort) {
            auto va = value(e, a), vb = value(e, b);
            if (!va || !vb) {
              if (!va && !vb) continue;
              return static_cast<bool>(va);  // missing values last
            }
            auto na = number(*va), nb = number(*vb);
            int cmp = na && nb ? (*na < *nb ? -1 : *na > *nb ? 1 : 0) : va->compare(*vb);
            if (cmp != 0) return desc ? cmp > 0 : cmp < 0;
          }
          return false;
        });
        break;
      case Cmd::Limit:
        if (static_cast<int64_t>(rows.size()) > c.limit) rows.resize(static_cast<size_t>(c.limit));
        limit = std::min(limit, c.limit);
        break;
      case Cmd::Dedup: {
        // The first row (in the current order) of each combination; a row missing one of the
        // fields is always kept.
        std::set<std::vector<std::string>> seen;
        std::vector<Rec> kept;
        for (auto& r : rows) {
          std::vector<std::string> key;
          bool missing = false;
          for (const auto& e : c.dedup) {
            auto v = value(e, r);
            if (!v) {
              missing = true;
              break;
            }
            key.push_back(std::move(*v));
          }
          if (missing || seen.insert(std::move(key)).second) kept.push_back(std::move(r));
        }
        rows = std::move(kept);
        break;
      }
      default: {
        std::vector<Rec> kept;
        for (auto& r : rows)
          if (row_cmd(c, r)) kept.push_back(std::move(r));
        rows = std::move(kept);
      }
    }
  }
  if (static_cast<int64_t>(rows.size()) > limit) rows.resize(static_cast<size_t>(limit));
  std::vector<Row> out;
  out.reserve(rows.size());
  for (auto& r : rows) {
    Row row;
    if (p.stats && p.output.empty()) {
      row = std::move(r.f);
    } else {
      std::vector<std::string> names = p.output;
      if (names.empty()) names = {"@timestamp", "@message", "@logStream", "@log"};
      for (const auto& n : names)
        if (const std::string* v = r.get(n)) row.emplace_back(n, *v);
      if (!p.stats)
        if (const std::string* v = r.get("@ptr")) row.emplace_back("@ptr", *v);
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::string format_time(int64_t ms) {
  time_t secs = static_cast<time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  int frac = static_cast<int>(ms - static_cast<int64_t>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

}  // namespace stratus::logs::insights
