#include "services/apigateway/vtl/vtl.h"

#include "core/encoding.h"

#include "core/regex.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <vector>

namespace stratus::apigateway::vtl {

// ---------------------------------------------------------------------------------------------
// The parsed form.

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;
struct Node;
using Block = std::vector<Node>;

struct Access {
  enum Kind { prop, method, index } kind = prop;
  std::string name;
  std::vector<ExprPtr> args;  // method arguments; index: one expression
};

struct Ref {
  std::string root;
  bool quiet = false;
  std::vector<Access> chain;
  std::string source;  // what a null reference renders
};

struct Expr {
  enum Kind { literal, ref, list, range, map, interp, not_, neg, binary } kind = literal;
  Value lit;
  Ref r;
  std::vector<ExprPtr> items;   // list items; map: key, value, key, value...; range: from, to
  std::shared_ptr<Block> body;  // interpolated string
  std::string op;               // binary: || && == != < > <= >= + - * / %
  ExprPtr a, b;
};

struct Node {
  enum Kind { text, ref, set, if_, foreach, brk, stop, define, macro, call } kind = text;
  std::string str;                                  // text; foreach/define variable; macro name
  Ref r;                                            // ref; set target
  ExprPtr expr;                                     // set value; foreach iterable
  std::vector<std::pair<ExprPtr, Block>> branches;  // if / elseif
  bool has_else = false;
  Block else_body;
  Block body;                       // foreach, define, macro
  std::vector<std::string> params;  // macro parameters
  std::vector<ExprPtr> args;        // macro call arguments
};

struct Template {
  Block body;
  std::unordered_map<std::string, const Node*> macros;
};

namespace {

bool ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

// ---------------------------------------------------------------------------------------------
// Parser: text mode scans for '$', '#' and '\'; expressions inside directive parentheses and
// method arguments are parsed by recursive descent.

class Parser {
 public:
  Parser(std::string_view src, Template& t) : s_(src), t_(t) {}

  void parse_all() {
    Terminator term = parse_block(t_.body, nullptr);
    if (term != Terminator::eof) fail("#end, #else or #elseif without a block");
  }

 private:
  enum class Terminator { eof, end, else_, elseif };

  [[noreturn]] void fail(const std::string& what) const {
    throw ParseError("template parse error at offset " + std::to_string(i_) + ": " + what);
  }
  bool at_end() const { return i_ >= s_.size(); }
  char peek(size_t k = 0) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  bool starts(std::string_view w) const { return s_.substr(i_, w.size()) == w; }

  void flush(std::string& text, Block& out) {
    if (text.empty()) return;
    Node n;
    n.kind = Node::text;
    n.str = std::move(text);
    out.push_back(std::move(n));
    text.clear();
  }

  // After a directive: blanks up to a line end are swallowed together with the line end.
  void gobble_line_end() {
    size_t j = i_;
    while (j < s_.size() && (s_[j] == ' ' || s_[j] == '\t')) ++j;
    if (j < s_.size() && s_[j] == '\n') {
      i_ = j + 1;
    } else if (j + 1 < s_.size() && s_[j] == '\r' && s_[j + 1] == '\n') {
      i_ = j + 2;
    } else if (j < s_.size() && s_[j] == '\r') {
      i_ = j + 1;
    }
  }

  // A plain variable ($name, no chain or index), as #foreach, #define and macro parameters
  // name one: its name, or a parse error saying `what`.
  std::string plain_variable(const char* what) {
    Ref var;
    if (peek() != '$' || !parse_ref(var) || !var.chain.empty()) fail(what);
    return std::move(var.root);
  }
  // The body of a #foreach, #define or #macro, up to its #end (else a parse error saying `what`).
  void body_to_end(Block& body, const char* what) {
    if (parse_block(body, nullptr) != Terminator::end) fail(what);
  }

  void skip_ws() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(peek()))) ++i_;
  }
  void expect(char c) {
    skip_ws();
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }

  // A directive's start: the text before it becomes its own node, then `(`.
  Node directive(std::string& text, Block& out, Node::Kind kind) {
    flush(text, out);
    Node n;
    n.kind = kind;
    expect('(');
    return n;
  }
  // A directive's end after its `)`: the rest of the line, its body up to #end when it has one
  // (`unterminated`: the error without #end), then the node.
  void finish(Block& out, Node n, const char* unterminated = nullptr) {
    gobble_line_end();
    if (unterminated) body_to_end(n.body, unterminated);
    out.push_back(std::move(n));
  }
  // `item, item ... )` (commas may repeat or lead): `each` reads one item; the `)` is consumed.
  template <typename Each>
  void until_close_paren(const Each& each) {
    while (true) {
      skip_ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() == ')') break;
      each();
    }
    ++i_;
  }

  Terminator parse_block(Block& out, ExprPtr* elseif_cond) {
    if (++depth_ > 200) fail("nesting too deep");
    std::string text;
    while (!at_end()) {
      char c = peek();
      if (c == '\\') {
        size_t j = i_;
        while (j < s_.size() && s_[j] == '\\') ++j;
        size_t n = j - i_;
        if (j < s_.size() && (s_[j] == '$' || s_[j] == '#')) {
          text.append(n / 2, '\\');
          i_ = j;
          if (n % 2 == 1) {
            // An escaped reference or directive renders as written (without the backslash).
            size_t start = i_;
            Ref r;
            if (s_[j] == '$' && parse_ref(r)) {
              text += r.source;
            } else {
              text += s_[start];
              i_ = start + 1;
            }
          }
          continue;
        }
        text.append(s_.substr(i_, n));
        i_ = j;
        continue;
      }
      if (c == '$') {
        Ref r;
        if (parse_ref(r)) {
          flush(text, out);
          Node n;
          n.kind = Node::ref;
          n.r = std::move(r);
          out.push_back(std::move(n));
        } else {
          text += '$';
          ++i_;
        }
        continue;
      }
      if (c != '#') {
        size_t j = i_;
        while (j < s_.size() && s_[j] != '$' && s_[j] != '#' && s_[j] != '\\') ++j;
        text.append(s_.substr(i_, j - i_));
        i_ = j;
        continue;
      }
      // '#'
      if (starts("##")) {
        auto nl = s_.find('\n', i_);
        i_ = nl == std::string_view::npos ? s_.size() : nl + 1;
        continue;
      }
      if (starts("#*")) {
        auto e = s_.find("*#", i_ + 2);
        i_ = e == std::string_view::npos ? s_.size() : e + 2;
        continue;
      }
      if (starts("#[[")) {
        auto e = s_.find("]]#", i_ + 3);
        if (e == std::string_view::npos) fail("unterminated #[[");
        text.append(s_.substr(i_ + 3, e - i_ - 3));
        i_ = e + 3;
        continue;
      }
      size_t start = i_;
      ++i_;
      bool braced = peek() == '{';
      if (braced) ++i_;
      size_t ns = i_;
      while (!at_end() && (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_')) ++i_;
      std::string name(s_.substr(ns, i_ - ns));
      if (braced) {
        if (peek() != '}' || name.empty()) {
          i_ = start + 1;
          text += '#';
          continue;
        }
        ++i_;
      }
      if (name == "set") {
        // #set swallows the blanks before it (Velocity 1.7's SET_DIRECTIVE token).
        while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
        Node n = directive(text, out, Node::set);
        skip_ws();
        if (peek() != '$' || !parse_ref(n.r)) fail("#set needs a reference on the left");
        expect('=');
        n.expr = expr();
        expect(')');
        finish(out, std::move(n));
      } else if (name == "if") {
        Node n = directive(text, out, Node::if_);
        ExprPtr cond = expr();
        expect(')');
        gobble_line_end();
        while (true) {
          Block b;
          ExprPtr next;
          Terminator t = parse_block(b, &next);
          n.branches.emplace_back(std::move(cond), std::move(b));
          if (t == Terminator::elseif) {
            cond = std::move(next);
            continue;
          }
          if (t == Terminator::else_) {
            n.has_else = true;
            body_to_end(n.else_body, "#else without #end");
            break;
          }
          if (t != Terminator::end) fail("#if without #end");
          break;
        }
        out.push_back(std::move(n));
      } else if (name == "elseif") {
        if (!elseif_cond) fail("#elseif outside #if");
        flush(text, out);
        expect('(');
        *elseif_cond = expr();
        expect(')');
        gobble_line_end();
        --depth_;
        return Terminator::elseif;
      } else if (name == "else" || name == "end") {
        flush(text, out);
        gobble_line_end();
        --depth_;
        return name == "else" ? Terminator::else_ : Terminator::end;
      } else if (name == "foreach") {
        Node n = directive(text, out, Node::foreach);
        skip_ws();
        n.str = plain_variable("#foreach needs a variable");
        skip_ws();
        if (!starts("in") || ident_char(peek(2))) fail("#foreach needs 'in'");
        i_ += 2;
        n.expr = expr();
        expect(')');
        finish(out, std::move(n), "#foreach without #end");
      } else if (name == "break" || name == "stop") {
        flush(text, out);
        Node n;
        n.kind = name == "break" ? Node::brk : Node::stop;
        // #break($foreach) names a scope; any argument is accepted and the innermost loop ends.
        size_t save = i_;
        skip_ws();
        if (peek() == '(') {
          auto close = s_.find(')', i_);
          if (close == std::string_view::npos) fail("unterminated #break");
          i_ = close + 1;
        } else {
          i_ = save;
        }
        gobble_line_end();
        out.push_back(std::move(n));
      } else if (name == "define") {
        Node n = directive(text, out, Node::define);
        skip_ws();
        n.str = plain_variable("#define needs a variable");
        expect(')');
        finish(out, std::move(n), "#define without #end");
      } else if (name == "macro") {
        Node n = directive(text, out, Node::macro);
        skip_ws();
        size_t ms = i_;
        while (!at_end() && ident_char(peek())) ++i_;
        n.str = std::string(s_.substr(ms, i_ - ms));
        if (n.str.empty()) fail("#macro needs a name");
        until_close_paren([&] { n.params.push_back(plain_variable("bad macro parameter")); });
        macro_names_.push_back(n.str);  // the body may call the macro itself
        finish(out, std::move(n), "#macro without #end");
      } else if (!name.empty() &&
                 std::find(macro_names_.begin(), macro_names_.end(), name) != macro_names_.end()) {
        size_t save = i_;
        skip_ws();
        if (peek() != '(') {
          i_ = save;
          text.append(s_.substr(start, i_ - start));
          continue;
        }
        ++i_;
        flush(text, out);
        Node n;
        n.kind = Node::call;
        n.str = name;
        until_close_paren([&] {
          if (at_end()) fail("unterminated macro call");
          n.args.push_back(expr());
        });
        finish(out, std::move(n));
      } else {
        // Not a directive: the '#' is plain text.
        i_ = start + 1;
        text += '#';
      }
    }
    flush(text, out);
    --depth_;
    return Terminator::eof;
  }

  // At '$': a reference, or false (position unchanged) when what follows isn't one.
  bool parse_ref(Ref& r) {
    size_t start = i_;
    size_t j = i_ + 1;
    bool quiet = false, braced = false;
    if (j < s_.size() && s_[j] == '!') {
      quiet = true;
      ++j;
    }
    if (j < s_.size() && s_[j] == '{') {
      braced = true;
      ++j;
    }
    if (j >= s_.size() || !ident_start(s_[j])) return false;
    size_t ns = j;
    while (j < s_.size() && ident_char(s_[j])) ++j;
    r.root = std::string(s_.substr(ns, j - ns));
    r.quiet = quiet;
    i_ = j;
    while (!at_end()) {
      if (peek() == '.' && ident_start(peek(1))) {
        ++i_;
        size_t ms = i_;
        while (!at_end() && ident_char(peek())) ++i_;
        Access a;
        a.name = std::string(s_.substr(ms, i_ - ms));
        if (peek() == '(') {
          ++i_;
          a.kind = Access::method;
          skip_ws();
          if (peek() != ')') {
            while (true) {
              a.args.push_back(expr());
              skip_ws();
              if (peek() == ',') {
                ++i_;
                continue;
              }
              break;
            }
          }
          expect(')');
        }
        r.chain.push_back(std::move(a));
        continue;
      }
      if (peek() == '[') {
        size_t save = i_;
        ++i_;
        Access a;
        a.kind = Access::index;
        try {
          a.args.push_back(expr());
          expect(']');
        } catch (const ParseError&) {
          i_ = save;  // "$a[" followed by text: the bracket is text
          break;
        }
        r.chain.push_back(std::move(a));
        continue;
      }
      break;
    }
    if (braced) {
      if (peek() != '}') {
        i_ = start;
        return false;
      }
      ++i_;
    }
    r.source = std::string(s_.substr(start, i_ - start));
    return true;
  }

  // --- expressions -------------------------------------------------------------------------

  // At an opening bracket: a new list or map expression, and whether it closed at once (empty).
  std::pair<ExprPtr, bool> collection(Expr::Kind kind, char close) {
    ++i_;
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    skip_ws();
    bool empty = peek() == close;
    if (empty) ++i_;
    return {std::move(e), empty};
  }
  bool word(std::string_view w) {
    skip_ws();
    if (starts(w) && !ident_char(peek(w.size()))) {
      i_ += w.size();
      return true;
    }
    return false;
  }
  bool sym(std::string_view w) {
    skip_ws();
    if (starts(w)) {
      i_ += w.size();
      return true;
    }
    return false;
  }
  // Chains of binary operators parse in a loop but nest to the left ("1 + 1 + ... + 1" is as
  // deep as it is long), and evaluating or freeing the tree recurses that deep: every operator
  // counts as a level until its expression ends (expr() restores the count).
  ExprPtr bin(std::string op, ExprPtr a, ExprPtr b) {
    if (++chain_ + depth_ > kMaxChainDepth) fail("expression nested too deeply");
    auto e = std::make_unique<Expr>();
    e->kind = Expr::binary;
    e->op = std::move(op);
    e->a = std::move(a);
    e->b = std::move(b);
    return e;
  }

  ExprPtr expr() {
    const int outer_chain = chain_;
    if (++depth_ > 200) fail("expression nested too deeply");
    ExprPtr e = or_expr();
    --depth_;
    chain_ = outer_chain;
    return e;
  }
  // A binary operator written as a symbol or as a word (Velocity's `==` or `eq`).
  struct Spelled {
    const char* sym;
    const char* word;
  };
  // One precedence level of left-associative operators, tried in order (`<=` before `<`);
  // operands come from the next level up.
  template <size_t N>
  ExprPtr level(const Spelled (&ops)[N], ExprPtr (Parser::*operand)()) {
    ExprPtr a = (this->*operand)();
    while (true) {
      const Spelled* op = nullptr;
      for (const Spelled& o : ops)
        if (sym(o.sym) || word(o.word)) {
          op = &o;
          break;
        }
      if (!op) return a;
      a = bin(op->sym, std::move(a), (this->*operand)());
    }
  }
  ExprPtr or_expr() {
    static constexpr Spelled kOr[] = {{"||", "or"}};
    return level(kOr, &Parser::and_expr);
  }
  ExprPtr and_expr() {
    static constexpr Spelled kAnd[] = {{"&&", "and"}};
    return level(kAnd, &Parser::eq_expr);
  }
  ExprPtr eq_expr() {
    static constexpr Spelled kEq[] = {{"==", "eq"}, {"!=", "ne"}};
    return level(kEq, &Parser::rel_expr);
  }
  ExprPtr rel_expr() {
    static constexpr Spelled kRel[] = {{"<=", "le"}, {">=", "ge"}, {"<", "lt"}, {">", "gt"}};
    return level(kRel, &Parser::add_expr);
  }
  ExprPtr add_expr() {
    ExprPtr a = mul_expr();
    while (true) {
      skip_ws();
      if (peek() == '+') {
        ++i_;
        a = bin("+", std::move(a), mul_expr());
      } else if (peek() == '-') {
        ++i_;
        a = bin("-", std::move(a), mul_expr());
      } else {
        return a;
      }
    }
  }
  ExprPtr mul_expr() {
    ExprPtr a = unary();
    while (true) {
      skip_ws();
      char c = peek();
      if (c == '*' || c == '/' || c == '%') {
        ++i_;
        a = bin(std::string(1, c), std::move(a), unary());
      } else {
        return a;
      }
    }
  }
  ExprPtr unary() {
    if (++depth_ > 200) fail("expression nested too deeply");
    ExprPtr out;
    skip_ws();
    if ((peek() == '!' && peek(1) != '=') || word("not")) {
      if (peek() == '!') ++i_;
      out = std::make_unique<Expr>();
      out->kind = Expr::not_;
      out->a = unary();
    } else if (peek() == '-') {
      ++i_;
      out = std::make_unique<Expr>();
      out->kind = Expr::neg;
      out->a = unary();
    } else {
      out = primary();
    }
    --depth_;
    return out;
  }
  ExprPtr literal(Value v) {
    auto e = std::make_unique<Expr>();
    e->kind = Expr::literal;
    e->lit = std::move(v);
    return e;
  }
  ExprPtr primary() {
    skip_ws();
    char c = peek();
    if (c == '(') {
      ++i_;
      ExprPtr e = expr();
      expect(')');
      return e;
    }
    if (c == '$') {
      auto e = std::make_unique<Expr>();
      e->kind = Expr::ref;
      if (!parse_ref(e->r)) fail("bad reference");
      return e;
    }
    if (c == '"' || c == '\'') return string_literal(c);
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t st = i_;
      while (std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
      if (peek() == '.' && std::isdigit(static_cast<unsigned char>(peek(1)))) {
        ++i_;
        while (std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
        if (peek() == 'e' || peek() == 'E') {
          size_t save = i_;
          ++i_;
          if (peek() == '+' || peek() == '-') ++i_;
          if (!std::isdigit(static_cast<unsigned char>(peek()))) i_ = save;
          while (std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
        }
        return literal(Value(std::strtod(std::string(s_.substr(st, i_ - st)).c_str(), nullptr)));
      }
      std::string digits(s_.substr(st, i_ - st));
      errno = 0;
      long long v = std::strtoll(digits.c_str(), nullptr, 10);
      if (errno == ERANGE) return literal(Value(std::strtod(digits.c_str(), nullptr)));
      return literal(Value(static_cast<int64_t>(v)));
    }
    if (c == '[') {
      auto [made, empty] = collection(Expr::list, ']');
      ExprPtr e = std::move(made);
      if (empty) return e;
      e->items.push_back(expr());
      if (sym("..")) {
        e->kind = Expr::range;
        e->items.push_back(expr());
        expect(']');
        return e;
      }
      while (sym(",")) e->items.push_back(expr());
      expect(']');
      return e;
    }
    if (c == '{') {
      auto [made, empty] = collection(Expr::map, '}');
      ExprPtr e = std::move(made);
      if (empty) return e;
      do {
        e->items.push_back(expr());
        expect(':');
        e->items.push_back(expr());
      } while (sym(","));
      expect('}');
      return e;
    }
    if (word("true")) return literal(Value(true));
    if (word("false")) return literal(Value(false));
    if (word("null")) return literal(Value());
    fail("unexpected input in expression");
  }
  ExprPtr string_literal(char q) {
    ++i_;
    std::string raw;
    while (true) {
      if (at_end()) fail("unterminated string literal");
      char c = peek();
      if (c == q) {
        if (peek(1) == q) {  // a doubled quote is one quote (Velocity 1.7)
          raw += q;
          i_ += 2;
          continue;
        }
        ++i_;
        break;
      }
      if (c == '\\' && (peek(1) == q || peek(1) == '\\')) {
        // A backslash keeps the next character inside the literal; both stay in the text.
        raw += c;
        raw += peek(1);
        i_ += 2;
        continue;
      }
      raw += c;
      ++i_;
    }
    if (q == '"' && (raw.find('$') != std::string::npos || raw.find('#') != std::string::npos)) {
      auto e = std::make_unique<Expr>();
      e->kind = Expr::interp;
      e->body = std::make_shared<Block>();
      Template sub;
      Parser p(raw, sub);
      p.macro_names_ = macro_names_;
      p.depth_ = depth_;
      p.chain_ = chain_;
      p.parse_all();
      *e->body = std::move(sub.body);
      return e;
    }
    return literal(Value(std::move(raw)));
  }

  std::string_view s_;
  Template& t_;
  size_t i_ = 0;
  int depth_ = 0;
  int chain_ = 0;  // binary operators to the left, in the expressions being parsed
  std::vector<std::string> macro_names_;
  static constexpr int kMaxChainDepth = 1000;
};

void collect_macros(const Block& b, Template& t) {
  for (const Node& n : b) {
    if (n.kind == Node::macro) t.macros[n.str] = &n;
    for (const auto& [_, body] : n.branches) collect_macros(body, t);
    collect_macros(n.else_body, t);
    collect_macros(n.body, t);
  }
}

// ---------------------------------------------------------------------------------------------
// Java String helpers. Java indexes strings in UTF-16 code units.

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::u16string to_u16(std::string_view s) {
  std::u16string out;
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    int n;
    if (c < 0x80) {
      cp = c;
      n = 1;
    } else if ((c >> 5) == 6) {
      cp = c & 0x1F;
      n = 2;
    } else if ((c >> 4) == 14) {
      cp = c & 0x0F;
      n = 3;
    } else if ((c >> 3) == 30) {
      cp = c & 0x07;
      n = 4;
    } else {
      cp = 0xFFFD;
      n = 1;
    }
    if (i + n > s.size()) {
      cp = 0xFFFD;
      n = 1;
    }
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += static_cast<char16_t>(0xD800 + (cp >> 10));
      out += static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
    } else {
      out += static_cast<char16_t>(cp);
    }
  }
  return out;
}

std::string from_u16(std::u16string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    uint32_t cp = s[i];
    if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < s.size() && s[i + 1] >= 0xDC00 &&
        s[i + 1] < 0xE000) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      ++i;
    }
    enc::append_utf8(cp, out);
  }
  return out;
}

int64_t java_length(std::string_view s) {
  return is_ascii(s) ? static_cast<int64_t>(s.size()) : static_cast<int64_t>(to_u16(s).size());
}

std::string java_substring(const std::string& s, int64_t b, int64_t e) {
  if (is_ascii(s)) {
    if (b < 0 || e > static_cast<int64_t>(s.size()) || b > e)
      throw RenderError("StringIndexOutOfBoundsException");
    return s.substr(b, e - b);
  }
  std::u16string u = to_u16(s);
  if (b < 0 || e > static_cast<int64_t>(u.size()) || b > e)
    throw RenderError("StringIndexOutOfBoundsException");
  return from_u16(std::u16string_view(u).substr(b, e - b));
}

int64_t java_index_of(const std::string& s, const std::string& needle, int64_t from, bool last) {
  std::u16string u = to_u16(s), n = to_u16(needle);
  size_t r;
  if (last) {
    r = u.rfind(n, from < 0 ? std::u16string::npos : static_cast<size_t>(from));
  } else {
    if (from < 0) from = 0;
    if (from > static_cast<int64_t>(u.size()))
      return n.empty() ? static_cast<int64_t>(u.size()) : -1;
    r = u.find(n, static_cast<size_t>(from));
  }
  return r == std::u16string::npos ? -1 : static_cast<int64_t>(r);
}

// A Java regex that is really a literal (after unescaping "\x"), e.g. "\\'" or ",": matched
// without std::regex.
bool regex_literal(std::string_view re, std::string& lit) {
  lit.clear();
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\') {
      if (i + 1 >= re.size()) return false;
      char n = re[i + 1];
      if (std::isalnum(static_cast<unsigned char>(n))) return false;
      lit += n;
      ++i;
      continue;
    }
    if (std::string_view(".[]{}()*+?^$|").find(c) != std::string_view::npos) return false;
    lit += c;
  }
  return !lit.empty();
}

std::string lit_replace(const std::string& s, const std::string& from, const std::string& to,
                        bool all) {
  if (from.empty()) return s;
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t f = s.find(from, pos);
    if (f == std::string::npos) break;
    out.append(s, pos, f - pos);
    out += to;
    pos = f + from.size();
    if (!all) break;
  }
  out.append(s, pos, std::string::npos);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Renderer.

class ForeachState final : public Object {
 public:
  int64_t index = 0;
  int64_t size = 0;
  bool property(std::string_view name, Value& out) override {
    if (name == "index")
      out = Value(index);
    else if (name == "count")
      out = Value(index + 1);
    else if (name == "hasNext")
      out = Value(index + 1 < size);
    else if (name == "first")
      out = Value(index == 0);
    else if (name == "last")
      out = Value(index + 1 >= size);
    else
      return false;
    return true;
  }
  bool call(std::string_view name, const std::vector<Value>& args, Value& out) override {
    if (!args.empty()) return false;
    if (name == "hasNext") return property("hasNext", out);
    if (name == "getIndex") return property("index", out);
    if (name == "getCount") return property("count", out);
    if (name == "isFirst") return property("first", out);
    if (name == "isLast") return property("last", out);
    return false;
  }
  std::string to_string() const override {
    return "org.apache.velocity.runtime.directive.ForeachScope";
  }
};

// #define: a block rendered where the reference is used.
class DefinedBlock final : public Object {
 public:
  explicit DefinedBlock(const Block* b) : body(b) {}
  const Block* body;
  std::string to_string() const override { return ""; }
};

enum class Flow { normal, brk, stop };

class Renderer {
 public:
  Renderer(const Template& t, Context& ctx, const Limits& lim) : t_(t), ctx_(ctx), lim_(lim) {}

  std::string run() {
    std::string out;
    block(t_.body, out);
    return out;
  }

 private:
  void step() {
    if (++steps_ > lim_.max_steps) throw RenderError("template evaluation exceeded its step limit");
  }
  void emit(std::string& out, std::string_view s) {
    written_ += s.size();
    if (written_ > lim_.max_output) throw RenderError("template output exceeded its size limit");
    out.append(s);
  }

  Flow block(const Block& b, std::string& out) {
    for (const Node& n : b) {
      Flow f = node(n, out);
      if (f != Flow::normal) return f;
    }
    return Flow::normal;
  }

  Flow node(const Node& n, std::string& out) {
    step();
    switch (n.kind) {
      case Node::text:
        emit(out, n.str);
        return Flow::normal;
      case Node::ref:
        return render_ref(n.r, out);
      case Node::set:
        assign(n.r, eval(*n.expr));
        return Flow::normal;
      case Node::if_:
        for (const auto& [cond, body] : n.branches)
          if (truthy(eval(*cond))) return block(body, out);
        if (n.has_else) return block(n.else_body, out);
        return Flow::normal;
      case Node::foreach:
        return foreach (n, out);
      case Node::brk:
        return Flow::brk;
      case Node::stop:
        return Flow::stop;
      case Node::define:
        ctx_.vars[n.str] = Value(std::make_shared<DefinedBlock>(&n.body));
        return Flow::normal;
      case Node::macro:
        return Flow::normal;
      case Node::call:
        return call_macro(n, out);
    }
    return Flow::normal;
  }

  Flow render_ref(const Ref& r, std::string& out) {
    Value v = eval_ref(r);
    if (v.is_null()) {
      if (!r.quiet) emit(out, r.source);
      return Flow::normal;
    }
    if (v.is_object()) {
      if (auto* d = dynamic_cast<DefinedBlock*>(&v.object())) {
        nest();
        Flow f = block(*d->body, out);
        --depth_;
        return f == Flow::stop ? f : Flow::normal;
      }
    }
    emit(out, text(v));
    return Flow::normal;
  }

  void nest() {
    if (++depth_ > lim_.max_depth) throw RenderError("template nesting exceeded its limit");
  }

  std::string text(const Value& v) {
    if (v.is_string()) return v.as_string();
    try {
      return v.to_string();
    } catch (const std::length_error& e) {
      throw RenderError(e.what());
    }
  }

  Flow foreach (const Node& n, std::string & out) {
    Value src = eval(*n.expr);
    Value items;
    if (src.is_list()) {
      items = src;
    } else if (src.is_map()) {
      items = Value::new_list();  // Velocity iterates a Map's values
      for (const auto& [_, v] : src.map().items()) items.list().push_back(v);
    } else {
      return Flow::normal;
    }
    auto state = std::make_shared<ForeachState>();
    auto saved_var = lookup(n.str);
    auto saved_foreach = lookup("foreach");
    auto saved_count = lookup("velocityCount");
    auto saved_has_next = lookup("velocityHasNext");
    Flow result = Flow::normal;
    for (size_t i = 0; i < items.list().size(); ++i) {
      step();
      state->index = static_cast<int64_t>(i);
      state->size = static_cast<int64_t>(items.list().size());
      ctx_.vars[n.str] = items.list()[i];
      ctx_.vars["foreach"] = Value(std::static_pointer_cast<Object>(state));
      ctx_.vars["velocityCount"] = Value(static_cast<int64_t>(i + 1));
      ctx_.vars["velocityHasNext"] = Value(i + 1 < items.list().size());
      Flow f = block(n.body, out);
      if (f == Flow::brk) break;
      if (f == Flow::stop) {
        result = f;
        break;
      }
    }
    restore(n.str, saved_var);
    restore("foreach", saved_foreach);
    restore("velocityCount", saved_count);
    restore("velocityHasNext", saved_has_next);
    return result;
  }

  std::optional<Value> lookup(const std::string& name) {
    auto it = ctx_.vars.find(name);
    if (it == ctx_.vars.end()) return std::nullopt;
    return it->second;
  }
  void restore(const std::string& name, const std::optional<Value>& v) {
    if (v)
      ctx_.vars[name] = *v;
    else
      ctx_.vars.erase(name);
  }

  Flow call_macro(const Node& n, std::string& out) {
    auto it = t_.macros.find(n.str);
    if (it == t_.macros.end()) return Flow::normal;
    const Node& m = *it->second;
    std::vector<Value> args;
    for (const auto& a : n.args) args.push_back(eval(*a));
    std::vector<std::optional<Value>> saved;
    for (size_t i = 0; i < m.params.size(); ++i) {
      saved.push_back(lookup(m.params[i]));
      if (i < args.size())
        ctx_.vars[m.params[i]] = args[i];
      else
        ctx_.vars.erase(m.params[i]);
    }
    nest();
    Flow f = block(m.body, out);
    --depth_;
    for (size_t i = 0; i < m.params.size(); ++i) restore(m.params[i], saved[i]);
    return f == Flow::stop ? f : Flow::normal;
  }

  // --- values ----------------------------------------------------------------------------

  static bool truthy(const Value& v) {
    if (v.is_null()) return false;
    if (v.is_bool()) return v.as_bool();
    return true;
  }

  Value eval(const Expr& e) {
    step();
    switch (e.kind) {
      case Expr::literal:
        return e.lit;
      case Expr::ref:
        return eval_ref(e.r);
      case Expr::interp: {
        std::string s;
        nest();
        block(*e.body, s);
        --depth_;
        return Value(std::move(s));
      }
      case Expr::list: {
        Value l = Value::new_list();
        for (const auto& it : e.items) l.list().push_back(eval(*it));
        return l;
      }
      case Expr::map: {
        Value m = Value::new_map();
        for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
          Value k = eval(*e.items[i]);
          m.map().put(text(k), eval(*e.items[i + 1]));
        }
        return m;
      }
      case Expr::range: {
        Value a = eval(*e.items[0]), b = eval(*e.items[1]);
        if (!a.is_number() || !b.is_number()) return Value();
        int64_t from = a.as_int(), to = b.as_int();
        Value l = Value::new_list();
        int64_t stepv = from <= to ? 1 : -1;
        for (int64_t i = from;; i += stepv) {
          step();
          l.list().push_back(Value(i));
          if (i == to) break;
        }
        return l;
      }
      case Expr::not_:
        return Value(!truthy(eval(*e.a)));
      case Expr::neg: {
        Value v = eval(*e.a);
        if (v.is_int()) return Value(-v.as_int());
        if (v.is_double()) return Value(-v.as_double());
        return Value();
      }
      case Expr::binary:
        return binary(e);
    }
    return Value();
  }

  Value binary(const Expr& e) {
    const std::string& op = e.op;
    if (op == "&&") return Value(truthy(eval(*e.a)) && truthy(eval(*e.b)));
    if (op == "||") return Value(truthy(eval(*e.a)) || truthy(eval(*e.b)));
    Value a = eval(*e.a), b = eval(*e.b);
    if (op == "==") return Value(a.equals(b));
    if (op == "!=") return Value(!a.equals(b));
    if (op == "<" || op == ">" || op == "<=" || op == ">=") {
      if (!a.is_number() || !b.is_number()) {
        if (a.is_string() && b.is_string()) {
          int c = a.as_string().compare(b.as_string());
          return Value(op == "<" ? c < 0 : op == ">" ? c > 0 : op == "<=" ? c <= 0 : c >= 0);
        }
        return Value(false);
      }
      double x = a.as_double(), y = b.as_double();
      if (a.is_int() && b.is_int()) {
        int64_t p = a.as_int(), q = b.as_int();
        return Value(op == "<" ? p < q : op == ">" ? p > q : op == "<=" ? p <= q : p >= q);
      }
      return Value(op == "<" ? x < y : op == ">" ? x > y : op == "<=" ? x <= y : x >= y);
    }
    if (op == "+" && (a.is_string() || b.is_string())) {
      if (a.is_null() || b.is_null()) return Value();
      std::string s = text(a) + text(b);
      if (s.size() > lim_.max_output) throw RenderError("string exceeded the output limit");
      return Value(std::move(s));
    }
    if (!a.is_number() || !b.is_number()) return Value();
    if (a.is_int() && b.is_int()) {
      int64_t x = a.as_int(), y = b.as_int(), r = 0;
      if (op == "+") {
        if (__builtin_add_overflow(x, y, &r))
          return Value(static_cast<double>(x) + static_cast<double>(y));
      } else if (op == "-") {
        if (__builtin_sub_overflow(x, y, &r))
          return Value(static_cast<double>(x) - static_cast<double>(y));
      } else if (op == "*") {
        if (__builtin_mul_overflow(x, y, &r))
          return Value(static_cast<double>(x) * static_cast<double>(y));
      } else if (op == "/" || op == "%") {
        if (y == 0) return Value();  // Velocity logs and yields null
        if (x == INT64_MIN && y == -1)
          return op == "/" ? Value(static_cast<double>(x) * -1.0) : Value(int64_t{0});
        r = op == "/" ? x / y : x % y;
      }
      return Value(r);
    }
    double x = a.as_double(), y = b.as_double();
    if (op == "+") return Value(x + y);
    if (op == "-") return Value(x - y);
    if (op == "*") return Value(x * y);
    if (y == 0) return Value();
    if (op == "/") return Value(x / y);
    return Value(std::fmod(x, y));
  }

  Value eval_ref(const Ref& r) {
    auto it = ctx_.vars.find(r.root);
    if (it == ctx_.vars.end()) return Value();
    Value cur = it->second;
    for (const Access& a : r.chain) {
      if (cur.is_null()) return Value();
      cur = access(cur, a);
    }
    return cur;
  }

  Value access(const Value& target, const Access& a) {
    step();
    switch (a.kind) {
      case Access::prop:
        return property(target, a.name);
      case Access::index: {
        Value k = eval(*a.args[0]);
        if (target.is_list()) {
          if (!k.is_int()) return Value();
          int64_t i = k.as_int();
          int64_t n = static_cast<int64_t>(target.list().size());
          if (i < 0) i += n;
          if (i < 0 || i >= n) throw RenderError("IndexOutOfBoundsException");
          return target.list()[i];
        }
        if (target.is_map()) {
          const Value* v = target.map().find(text(k));
          return v ? *v : Value();
        }
        if (target.is_object()) {
          Value out;
          std::vector<Value> args{k};
          if (target.object().call("get", args, out)) return out;
        }
        return Value();
      }
      case Access::method: {
        std::vector<Value> args;
        for (const auto& e : a.args) args.push_back(eval(*e));
        return method(target, a.name, args);
      }
    }
    return Value();
  }

  // $x.name: Velocity tries getName()/get("name")/isName() on the object.
  Value property(const Value& t, const std::string& name) {
    if (t.is_map()) {
      const Value* v = t.map().find(name);
      return v ? *v : Value();
    }
    if (t.is_object()) {
      Value out;
      if (t.object().property(name, out)) return out;
      std::string getter = "get" + name;
      if (!name.empty())
        getter[3] = static_cast<char>(std::toupper(static_cast<unsigned char>(getter[3])));
      if (t.object().call(getter, {}, out)) return out;
      return Value();
    }
    if (name == "empty") {
      if (t.is_string()) return Value(t.as_string().empty());
      if (t.is_list()) return Value(t.list().empty());
    }
    if (name == "class") return Value();
    if (t.is_string() && name == "bytes") return Value();
    return Value();
  }

  static bool arg_int(const std::vector<Value>& a, size_t i) {
    return i < a.size() && a[i].is_int();
  }
  static bool arg_str(const std::vector<Value>& a, size_t i) {
    return i < a.size() && a[i].is_string();
  }

  // Runs f with a compiled pattern; the regex's steps count against the template's budget.
  template <typename F>
  auto with_regex(const std::string& re, const std::string& subject, F f) {
    if (subject.size() > lim_.max_regex_subject || re.size() > 1000)
      throw RenderError("regular expression subject too large");
    Regex rx(re);
    Regex::Budget b{steps_, lim_.max_steps};
    auto out = f(rx, b);
    steps_ = b.steps;
    return out;
  }

  Value regex_call(const std::string& s, const std::string& name, const std::vector<Value>& args) {
    const std::string& re = args[0].as_string();
    std::string lit;
    bool literal = regex_literal(re, lit);
    if (name == "split") {
      std::vector<std::string> parts;
      if (literal) {
        size_t pos = 0;
        while (true) {
          size_t f = s.find(lit, pos);
          if (f == std::string::npos) break;
          parts.push_back(s.substr(pos, f - pos));
          pos = f + lit.size();
          step();
        }
        parts.push_back(s.substr(pos));
        // Java drops trailing empty strings; an empty input gives [""].
        while (!parts.empty() && parts.back().empty()) parts.pop_back();
        if (s.empty()) parts = {""};
      } else {
        parts =
            with_regex(re, s, [&](const Regex& rx, Regex::Budget& b) { return rx.split(s, b); });
      }
      Value out = Value::new_list();
      for (auto& p : parts) out.list().push_back(Value(std::move(p)));
      return out;
    }
    if (name == "matches") {
      if (literal) return Value(s == lit);
      return Value(with_regex(
          re, s, [&](const Regex& rx, Regex::Budget& b) { return rx.full_match(s, b); }));
    }
    const std::string& rep = args[1].as_string();
    bool all = name == "replaceAll";
    if (literal && rep.find('$') == std::string::npos && rep.find('\\') == std::string::npos)
      return Value(lit_replace(s, lit, rep, all));
    return Value(with_regex(
        re, s, [&](const Regex& rx, Regex::Budget& b) { return rx.replace(s, rep, all, b); }));
  }

  Value method(const Value& t, const std::string& name, const std::vector<Value>& args) {
    size_t n = args.size();
    if (name == "toString" && n == 0) return Value(text(t));
    if (name == "equals" && n == 1) return Value(t.type() == args[0].type() && t.equals(args[0]));
    if (name == "hashCode" && n == 0 && t.is_string()) {
      int32_t h = 0;
      for (char16_t c : to_u16(t.as_string()))
        h = static_cast<int32_t>(31u * static_cast<uint32_t>(h) + c);
      return Value(int64_t{h});
    }
    if (t.is_string()) {
      const std::string& s = t.as_string();
      if (n == 0) {
        if (name == "length") return Value(java_length(s));
        if (name == "isEmpty") return Value(s.empty());
        if (name == "trim") {
          size_t b = 0, e = s.size();
          while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
          while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
          return Value(s.substr(b, e - b));
        }
        if (name == "toLowerCase" || name == "toUpperCase") {
          std::string o = s;
          for (auto& c : o)
            c = static_cast<char>(name == "toLowerCase"
                                      ? std::tolower(static_cast<unsigned char>(c))
                                      : std::toupper(static_cast<unsigned char>(c)));
          return Value(std::move(o));
        }
        if (name == "toCharArray" || name == "chars") return Value();
      }
      if (name == "charAt" && arg_int(args, 0) && n == 1) {
        std::u16string u = to_u16(s);
        int64_t i = args[0].as_int();
        if (i < 0 || i >= static_cast<int64_t>(u.size()))
          throw RenderError("StringIndexOutOfBoundsException");
        return Value(from_u16(u.substr(i, 1)));
      }
      if (name == "substring" && arg_int(args, 0) && (n == 1 || (n == 2 && arg_int(args, 1)))) {
        int64_t e = n == 2 ? args[1].as_int() : java_length(s);
        return Value(java_substring(s, args[0].as_int(), e));
      }
      if ((name == "indexOf" || name == "lastIndexOf") && arg_str(args, 0) &&
          (n == 1 || (n == 2 && arg_int(args, 1)))) {
        bool last = name == "lastIndexOf";
        int64_t from = n == 2 ? args[1].as_int() : (last ? -1 : 0);
        return Value(java_index_of(s, args[0].as_string(), from, last));
      }
      if (n == 1 && arg_str(args, 0)) {
        const std::string& a = args[0].as_string();
        if (name == "contains") return Value(s.find(a) != std::string::npos);
        if (name == "startsWith")
          return Value(s.compare(0, a.size(), a) == 0 && s.size() >= a.size());
        if (name == "endsWith")
          return Value(s.size() >= a.size() && s.compare(s.size() - a.size(), a.size(), a) == 0);
        if (name == "equalsIgnoreCase") {
          if (a.size() != s.size()) return Value(false);
          for (size_t i = 0; i < s.size(); ++i)
            if (std::tolower(static_cast<unsigned char>(s[i])) !=
                std::tolower(static_cast<unsigned char>(a[i])))
              return Value(false);
          return Value(true);
        }
        if (name == "concat") return Value(s + a);
        if (name == "compareTo")
          return Value(int64_t{s.compare(a) < 0 ? -1 : s.compare(a) > 0 ? 1 : 0});
        if (name == "split" || name == "matches") return regex_call(s, name, args);
      }
      if (n == 2 && arg_str(args, 0) && arg_str(args, 1)) {
        if (name == "replace")
          return Value(lit_replace(s, args[0].as_string(), args[1].as_string(), true));
        if (name == "replaceAll" || name == "replaceFirst") return regex_call(s, name, args);
      }
      return Value();
    }
    if (t.is_list()) {
      List& l = t.list();
      if (n == 0) {
        if (name == "size") return Value(static_cast<int64_t>(l.size()));
        if (name == "isEmpty") return Value(l.empty());
        if (name == "clear") {
          l.clear();
          return Value();
        }
      }
      if (name == "get" && n == 1 && arg_int(args, 0)) {
        int64_t i = args[0].as_int();
        if (i < 0 || i >= static_cast<int64_t>(l.size()))
          throw RenderError("IndexOutOfBoundsException");
        return l[i];
      }
      if (name == "add" && n == 1) {
        if (l.size() > lim_.max_steps) throw RenderError("list too large");
        l.push_back(args[0]);
        return Value(true);
      }
      if (name == "add" && n == 2 && arg_int(args, 0)) {
        int64_t i = args[0].as_int();
        if (i < 0 || i > static_cast<int64_t>(l.size()))
          throw RenderError("IndexOutOfBoundsException");
        l.insert(l.begin() + i, args[1]);
        return Value();
      }
      if (name == "addAll" && n == 1 && args[0].is_list()) {
        List copy = args[0].list();
        if (l.size() + copy.size() > lim_.max_steps) throw RenderError("list too large");
        l.insert(l.end(), copy.begin(), copy.end());
        return Value(true);
      }
      if (name == "set" && n == 2 && arg_int(args, 0)) {
        int64_t i = args[0].as_int();
        if (i < 0 || i >= static_cast<int64_t>(l.size()))
          throw RenderError("IndexOutOfBoundsException");
        Value prev = l[i];
        l[i] = args[1];
        return prev;
      }
      if (name == "contains" && n == 1) {
        for (const auto& v : l)
          if (v.equals(args[0])) return Value(true);
        return Value(false);
      }
      if (name == "indexOf" && n == 1) {
        for (size_t i = 0; i < l.size(); ++i)
          if (l[i].equals(args[0])) return Value(static_cast<int64_t>(i));
        return Value(int64_t{-1});
      }
      if (name == "remove" && n == 1) {
        if (args[0].is_int()) {
          int64_t i = args[0].as_int();
          if (i < 0 || i >= static_cast<int64_t>(l.size()))
            throw RenderError("IndexOutOfBoundsException");
          Value prev = l[i];
          l.erase(l.begin() + i);
          return prev;
        }
        for (auto it = l.begin(); it != l.end(); ++it) {
          if (it->equals(args[0])) {
            l.erase(it);
            return Value(true);
          }
        }
        return Value(false);
      }
      return Value();
    }
    if (t.is_map()) {
      Map& m = t.map();
      if (n == 0) {
        if (name == "size") return Value(static_cast<int64_t>(m.size()));
        if (name == "isEmpty") return Value(m.size() == 0);
        if (name == "keySet" || name == "values" || name == "entrySet") {
          Value out = Value::new_list();
          for (const auto& [k, v] : m.items()) {
            if (name == "keySet") {
              out.list().push_back(Value(k));
            } else if (name == "values") {
              out.list().push_back(v);
            } else {
              Value e = Value::new_map();
              e.map().put("key", Value(k));
              e.map().put("value", v);
              out.list().push_back(e);
            }
          }
          return out;
        }
        if (name == "clear") {
          while (m.size()) m.remove(m.items().front().first);
          return Value();
        }
      }
      if (name == "get" && n == 1) {
        const Value* v = m.find(text(args[0]));
        return v ? *v : Value();
      }
      if (name == "getOrDefault" && n == 2) {
        const Value* v = m.find(text(args[0]));
        return v ? *v : args[1];
      }
      if (name == "containsKey" && n == 1) return Value(m.find(text(args[0])) != nullptr);
      if (name == "containsValue" && n == 1) {
        for (const auto& [_, v] : m.items())
          if (v.equals(args[0])) return Value(true);
        return Value(false);
      }
      if (name == "put" && n == 2) return m.put(text(args[0]), args[1]);
      if (name == "putAll" && n == 1 && args[0].is_map()) {
        auto items = args[0].map().items();
        for (auto& [k, v] : items) m.put(k, v);
        return Value();
      }
      if (name == "remove" && n == 1) return m.remove(text(args[0]));
      return Value();
    }
    if (t.is_object()) {
      Value out;
      if (t.object().call(name, args, out)) return out;
      return Value();
    }
    if (t.is_number() && n == 0) {
      if (name == "intValue" || name == "longValue") return Value(t.as_int());
      if (name == "doubleValue" || name == "floatValue") return Value(t.as_double());
    }
    if (t.is_bool() && n == 0 && name == "booleanValue") return t;
    return Value();
  }

  // #set target: a variable, or a map member / list element reached through it.
  void assign(const Ref& r, Value v) {
    if (v.is_null()) return;  // Velocity 1.7: a null right-hand side leaves the target as it was
    if (r.chain.empty()) {
      ctx_.vars[r.root] = std::move(v);
      return;
    }
    auto it = ctx_.vars.find(r.root);
    if (it == ctx_.vars.end()) return;
    Value cur = it->second;
    for (size_t i = 0; i + 1 < r.chain.size(); ++i) {
      if (cur.is_null()) return;
      cur = access(cur, r.chain[i]);
    }
    const Access& last = r.chain.back();
    if (last.kind == Access::prop && cur.is_map()) {
      cur.map().put(last.name, std::move(v));
    } else if (last.kind == Access::index) {
      Value k = eval(*last.args[0]);
      if (cur.is_map()) {
        cur.map().put(text(k), std::move(v));
      } else if (cur.is_list() && k.is_int()) {
        int64_t i = k.as_int();
        if (i < 0 || i >= static_cast<int64_t>(cur.list().size()))
          throw RenderError("IndexOutOfBoundsException");
        cur.list()[i] = std::move(v);
      }
    }
  }

  const Template& t_;
  Context& ctx_;
  const Limits& lim_;
  uint64_t steps_ = 0;
  size_t written_ = 0;
  int depth_ = 0;
};

}  // namespace

std::shared_ptr<const Template> parse(std::string_view source) {
  auto t = std::make_shared<Template>();
  Parser(source, *t).parse_all();
  collect_macros(t->body, *t);
  return t;
}

std::string render(const Template& t, Context& ctx, const Limits& limits) {
  CycleCollector collector;  // frees the cycles a template may build (`$l.add($l)`)
  return Renderer(t, ctx, limits).run();
}

std::string evaluate(std::string_view source, Context& ctx, const Limits& limits) {
  return render(*parse(source), ctx, limits);
}

}  // namespace stratus::apigateway::vtl
