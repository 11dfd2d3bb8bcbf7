#include "services/dynamodb/partiql.h"

#include <cctype>

namespace stratus::dynamodb::partiql {
namespace {

constexpr int kMaxDepth = 64;

[[noreturn]] void malformed(const std::string& what) {
  throw errors::validation("Statement wasn't well formed, can't be processed: " + what);
}

std::string upper(std::string_view s) {
  std::string u(s);
  for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

struct Token {
  enum class Kind { end, ident, quoted, string, number, punct, param };
  Kind kind = Kind::end;
  std::string text;  // ident/quoted/string: the (unescaped) text; punct: the symbol
  size_t pos = 0;
};

std::vector<Token> lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  auto at = [&](size_t k) { return k < s.size() ? s[k] : '\0'; };
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '-' && at(i + 1) == '-') {  // comment to end of line
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    Token t;
    t.pos = i;
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '$')) ++j;
      t.kind = Token::Kind::ident;
      t.text = s.substr(i, j - i);
      i = j;
    } else if (c == '"' || c == '\'') {
      t.kind = c == '"' ? Token::Kind::quoted : Token::Kind::string;
      size_t j = i + 1;
      for (;;) {
        if (j >= s.size()) malformed(std::string("Unterminated ") + (c == '"' ? "quoted identifier" : "string literal") +
                                     " at position " + std::to_string(i + 1));
        if (s[j] == c) {
          if (at(j + 1) == c) {  // doubled quote is an escaped quote
            t.text += c;
            j += 2;
            continue;
          }
          break;
        }
        t.text += s[j++];
      }
      i = j + 1;
      if (t.kind == Token::Kind::quoted && t.text.empty()) malformed("Empty quoted identifier at position " + std::to_string(t.pos + 1));
    } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && std::isdigit(static_cast<unsigned char>(at(i + 1))))) {
      size_t j = i;
      while (std::isdigit(static_cast<unsigned char>(at(j)))) ++j;
      if (at(j) == '.') {
        ++j;
        while (std::isdigit(static_cast<unsigned char>(at(j)))) ++j;
      }
      if (at(j) == 'e' || at(j) == 'E') {
        size_t k = j + 1;
        if (at(k) == '+' || at(k) == '-') ++k;
        if (std::isdigit(static_cast<unsigned char>(at(k)))) {
          while (std::isdigit(static_cast<unsigned char>(at(k)))) ++k;
          j = k;
        }
      }
      t.kind = Token::Kind::number;
      t.text = s.substr(i, j - i);
      i = j;
    } else if (c == '?') {
      t.kind = Token::Kind::param;
      t.text = "?";
      ++i;
    } else {
      static const char* const two[] = {"<<", ">>", "<=", ">=", "<>", "!=", "||"};
      t.kind = Token::Kind::punct;
      for (const char* p : two)
        if (c == p[0] && at(i + 1) == p[1]) t.text = p;
      if (t.text.empty()) {
        if (std::string_view("()[]{},.=<>+-*:;").find(c) == std::string_view::npos)
          malformed("Unexpected character '" + std::string(1, c) + "' at position " + std::to_string(i + 1));
        t.text = std::string(1, c);
      }
      i += t.text.size();
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.pos = s.size();
  out.push_back(end);
  return out;
}

bool is_keyword(const std::string& u) {
  static const char* const words[] = {"SELECT", "FROM",  "WHERE",  "AND",   "OR",     "NOT",       "BETWEEN", "IN",
                                      "IS",     "INSERT", "INTO",  "VALUE", "VALUES", "UPDATE",    "SET",     "REMOVE",
                                      "DELETE", "ORDER",  "BY",    "ASC",   "DESC",   "RETURNING", "TRUE",    "FALSE",
                                      "NULL",   "MISSING"};
  for (const char* w : words)
    if (u == w) return true;
  return false;
}

class Parser {
 public:
  Parser(std::string_view text, const DocList* params) : toks_(lex(text)), params_(params) {}

  Statement statement() {
    Statement st;
    std::string kw = keyword();
    if (kw == "SELECT") select(st);
    else if (kw == "INSERT") insert(st);
    else if (kw == "UPDATE") update(st);
    else if (kw == "DELETE") del(st);
    else unexpected();
    if (is_punct(";")) ++i_;
    if (peek().kind != Token::Kind::end) unexpected();
    size_t given = params_ ? params_->size() : 0;
    if (used_params_ != given) throw errors::validation("Number of parameters in request and statement don't match.");
    return st;
  }

 private:
  std::vector<Token> toks_;
  size_t i_ = 0;
  const DocList* params_;
  size_t used_params_ = 0;
  int depth_ = 0;

  struct Depth {
    Parser& p;
    explicit Depth(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxDepth) malformed("Statement nesting exceeds the supported depth");
    }
    ~Depth() { --p.depth_; }
  };

  const Token& peek(size_t ahead = 0) const { return toks_[std::min(i_ + ahead, toks_.size() - 1)]; }
  const Token& next() {
    const Token& t = peek();
    if (i_ < toks_.size() - 1) ++i_;
    return t;
  }
  [[noreturn]] void unexpected() const {
    const Token& t = peek();
    if (t.kind == Token::Kind::end) malformed("Unexpected end of statement");
    std::string shown = t.kind == Token::Kind::string ? "'" + t.text + "'" : t.kind == Token::Kind::quoted ? "\"" + t.text + "\"" : t.text;
    malformed("Unexpected token " + shown + " at position " + std::to_string(t.pos + 1));
  }
  bool is_punct(std::string_view p, size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::punct && peek(ahead).text == p;
  }
  bool is_kw(std::string_view k, size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::ident && upper(peek(ahead).text) == k;
  }
  void expect_punct(std::string_view p) {
    if (!is_punct(p)) unexpected();
    ++i_;
  }
  // `item (, item)*`: calls `each` once per item.
  template <typename Each>
  void comma_separated(const Each& each) {
    for (;;) {
      each();
      if (!is_punct(",")) break;
      ++i_;
    }
  }
  // `open [item (, item)*] close`.
  template <typename Each>
  void enclosed(std::string_view open, std::string_view close, const Each& each) {
    expect_punct(open);
    if (!is_punct(close)) comma_separated(each);
    expect_punct(close);
  }
  void expect_kw(std::string_view k) {
    if (!is_kw(k)) unexpected();
    ++i_;
  }
  bool accept_kw(std::string_view k) {
    if (!is_kw(k)) return false;
    ++i_;
    return true;
  }
  std::string keyword() {
    if (peek().kind != Token::Kind::ident) unexpected();
    return upper(next().text);
  }

  // An identifier: "quoted" (any text) or bare (not a keyword).
  std::string identifier() {
    const Token& t = peek();
    if (t.kind == Token::Kind::quoted) return next().text;
    if (t.kind == Token::Kind::ident && !is_keyword(upper(t.text))) return next().text;
    unexpected();
  }

  void target(Statement& st) {
    st.table = identifier();
    if (is_punct(".")) {
      ++i_;
      st.index = identifier();
    }
  }

  Path path() {
    Path p;
    p.push_back(PathElem{identifier(), -1});
    for (;;) {
      if (is_punct(".")) {
        ++i_;
        p.push_back(PathElem{identifier(), -1});
      } else if (is_punct("[")) {
        ++i_;
        const Token& t = peek();
        if (t.kind == Token::Kind::number) {
          long long n = -1;
          if (t.text.find_first_not_of("0123456789") != std::string::npos || t.text.size() > 9) unexpected();
          n = std::stoll(t.text);
          ++i_;
          p.push_back(PathElem{"", static_cast<int>(n)});
        } else if (t.kind == Token::Kind::string) {
          p.push_back(PathElem{next().text, -1});
        } else {
          unexpected();
        }
        expect_punct("]");
      } else {
        return p;
      }
      if (p.size() > 32) malformed("Document path nesting exceeds the supported depth");
    }
  }

  Value param() {
    ++i_;
    if (!params_ || used_params_ >= params_->size())
      throw errors::validation("Number of parameters in request and statement don't match.");
    return from_doc((*params_)[used_params_++]);
  }

  // A literal value (or ? parameter).
  Value literal() {
    Depth guard(*this);
    const Token& t = peek();
    switch (t.kind) {
      case Token::Kind::string: return Value::str(next().text);
      case Token::Kind::number: {
        auto d = Decimal::parse(t.text);
        if (!d.ok()) throw d.error();
        ++i_;
        return Value::num(*d);
      }
      case Token::Kind::param: return param();
      case Token::Kind::ident: {
        std::string u = upper(t.text);
        if (u == "TRUE" || u == "FALSE") {
          ++i_;
          return Value::boolean_of(u == "TRUE");
        }
        if (u == "NULL") {
          ++i_;
          return Value();
        }
        unexpected();
      }
      case Token::Kind::punct: {
        if (t.text == "-" || t.text == "+") {
          bool neg = t.text == "-";
          ++i_;
          if (peek().kind != Token::Kind::number) unexpected();
          auto d = Decimal::parse((neg ? "-" : "") + next().text);
          if (!d.ok()) throw d.error();
          return Value::num(*d);
        }
        if (t.text == "[") return list_literal();
        if (t.text == "{") return map_literal();
        if (t.text == "<<") return set_literal();
        unexpected();
      }
      default: unexpected();
    }
  }

  Value list_literal() {
    Value v;
    v.type = Type::L;
    enclosed("[", "]", [&] { v.list.push_back(literal()); });
    return v;
  }

  Value map_literal() {
    Value v;
    v.type = Type::M;
    enclosed("{", "}", [&] {
      const Token& k = peek();
      if (k.kind != Token::Kind::string && k.kind != Token::Kind::quoted) unexpected();
      std::string key = next().text;
      expect_punct(":");
      Value e = literal();
      if (v.map.count(key)) malformed("Duplicate map key '" + key + "'");
      v.map.emplace(std::move(key), std::move(e));
    });
    return v;
  }

  Value set_literal() {
    size_t start = peek().pos;
    std::vector<Value> elems;
    enclosed("<<", ">>", [&] { elems.push_back(literal()); });
    if (elems.empty()) malformed("Empty set at position " + std::to_string(start + 1) + " is not supported");
    Type t = elems[0].type;
    DocList raw;
    for (const auto& e : elems) {
      if (e.type != t || !e.is_scalar_key_type())
        throw errors::validation("Unsupported type passed as set element; a set must contain strings, numbers or binaries of one type");
      if (t == Type::B) raw.push_back(Doc(Blob{e.scalar}));
      else raw.push_back(Doc(e.scalar));
    }
    Doc av = Doc::map();
    av.set(std::string(type_name(set_type(t))), Doc(std::move(raw)));
    return from_doc(av);  // validates and de-duplicates as for AttributeValues
  }

  bool starts_literal() const {
    const Token& t = peek();
    if (t.kind == Token::Kind::string || t.kind == Token::Kind::number || t.kind == Token::Kind::param) return true;
    if (t.kind == Token::Kind::ident) {
      std::string u = upper(t.text);
      return u == "TRUE" || u == "FALSE" || u == "NULL";
    }
    if (t.kind == Token::Kind::punct)
      return t.text == "[" || t.text == "{" || t.text == "<<" || t.text == "-" || t.text == "+";
    return false;
  }

  bool is_function(std::string_view name) const {
    return peek().kind == Token::Kind::ident && upper(peek().text) == name && is_punct("(", 1);
  }

  // WHERE operands: a literal, a path, or size(path).
  Operand operand() {
    if (starts_literal()) return Operand::of_value(literal());
    if (!is_function("SIZE")) return Operand::of_path(path());
    i_ += 2;
    Operand o = Operand::of_path(path());
    o.kind = Operand::Kind::size;
    expect_punct(")");
    return o;
  }

  Condition condition() {
    Depth guard(*this);
    auto and_chain = [this] { return chain("AND", Condition::Kind::and_, [this] { return not_condition(); }); };
    return chain("OR", Condition::Kind::or_, and_chain);
  }

  // operand (KEYWORD operand)*, folded to the left.
  template <typename Next>
  Condition chain(std::string_view keyword, Condition::Kind kind, const Next& operand) {
    Condition left = operand();
    while (accept_kw(keyword)) {
      Condition right = operand();
      left = Condition::both(kind, std::move(left), std::move(right));
    }
    return left;
  }

  Condition not_condition() {
    Depth guard(*this);
    if (accept_kw("NOT")) return Condition::negation(not_condition());
    return predicate();
  }

  Condition function(Condition::Kind kind) {
    i_ += 2;
    Condition c;
    c.kind = kind;
    c.operands.push_back(Operand::of_path(path()));
    expect_punct(",");
    c.operands.push_back(operand());
    expect_punct(")");
    if (kind == Condition::Kind::type) {
      const Operand& t = c.operands[1];
      Type ignored;
      if (t.kind != Operand::Kind::value || t.value.type != Type::S || !type_from_name(t.value.scalar, ignored))
        throw errors::validation("Invalid attribute type name found in type function; the type must be one of "
                                 "S, SS, N, NS, B, BS, BOOL, NULL, L, M");
    }
    return c;
  }

  Condition predicate() {
    if (is_punct("(")) {
      ++i_;
      Condition c = condition();
      expect_punct(")");
      return c;
    }
    if (is_function("BEGINS_WITH")) return function(Condition::Kind::begins_with);
    if (is_function("CONTAINS")) return function(Condition::Kind::contains);
    if (is_function("ATTRIBUTE_TYPE")) return function(Condition::Kind::type);
    Condition c;
    c.operands.push_back(operand());
    const Token& t = peek();
    if (t.kind == Token::Kind::punct) {
      static const std::pair<const char*, Condition::Kind> ops[] = {
          {"=", Condition::Kind::eq}, {"<>", Condition::Kind::ne}, {"!=", Condition::Kind::ne}, {"<", Condition::Kind::lt},
          {"<=", Condition::Kind::le}, {">", Condition::Kind::gt}, {">=", Condition::Kind::ge}};
      for (const auto& [sym, kind] : ops) {
        if (t.text == sym) {
          ++i_;
          c.kind = kind;
          c.operands.push_back(operand());
          return c;
        }
      }
      unexpected();
    }
    if (accept_kw("BETWEEN")) {
      c.kind = Condition::Kind::between;
      c.operands.push_back(operand());
      expect_kw("AND");
      c.operands.push_back(operand());
      return c;
    }
    bool negated_in = false;
    if (is_kw("NOT") && is_kw("IN", 1)) {
      i_ += 1;
      negated_in = true;
    }
    if (accept_kw("IN")) {
      c.kind = Condition::Kind::in;
      std::string close = is_punct("[") ? "]" : ")";
      if (!is_punct("[") && !is_punct("(")) unexpected();
      ++i_;
      comma_separated([&] { c.operands.push_back(operand()); });
      expect_punct(close);
      if (c.operands.size() > 101) throw errors::validation("Too many values in IN clause; at most 100 are supported");
      if (!negated_in) return c;
      return Condition::negation(std::move(c));
    }
    if (accept_kw("IS")) {
      bool neg = accept_kw("NOT");
      if (c.operands[0].kind != Operand::Kind::path) unexpected();
      if (accept_kw("MISSING")) {
        c.kind = neg ? Condition::Kind::exists : Condition::Kind::not_exists;
        return c;
      }
      if (accept_kw("NULL")) {  // IS NULL: the attribute holds NULL
        c.kind = Condition::Kind::type;
        Operand t;
        t.value = Value::str("NULL");
        c.operands.push_back(std::move(t));
        if (!neg) return c;
        return Condition::negation(std::move(c));
      }
      unexpected();
    }
    unexpected();
  }

  void select(Statement& st) {
    st.kind = Statement::Kind::select;
    if (is_punct("*")) {
      ++i_;
    } else {
      std::vector<Path> paths;
      comma_separated([&] { paths.push_back(path()); });
      st.projection = std::move(paths);
    }
    expect_kw("FROM");
    target(st);
    if (accept_kw("WHERE")) st.where = condition();
    if (accept_kw("ORDER")) {
      expect_kw("BY");
      st.order_by = path();
      if (accept_kw("DESC")) st.descending = true;
      else accept_kw("ASC");
    }
  }

  void insert(Statement& st) {
    st.kind = Statement::Kind::insert;
    expect_kw("INTO");
    target(st);
    if (!st.index.empty()) malformed("INSERT cannot target an index");
    expect_kw("VALUE");
    Value v = is_punct("{") ? map_literal() : literal();
    if (v.type != Type::M) throw errors::validation("Unsupported operation: Inserting a value that is not a map");
    st.item = std::move(v.map);
  }

  // A SET operand: literal, path, arithmetic and functions.
  Operand set_term() {
    Depth guard(*this);
    Operand o;
    if (is_function("LIST_APPEND")) {
      i_ += 2;
      o.kind = Operand::Kind::list_append;
      o.args.push_back(set_expr());
      expect_punct(",");
      o.args.push_back(set_expr());
      expect_punct(")");
    } else if (is_function("IF_NOT_EXISTS")) {
      i_ += 2;
      o.kind = Operand::Kind::if_not_exists;
      o.args.push_back(Operand::of_path(path()));
      expect_punct(",");
      o.args.push_back(set_expr());
      expect_punct(")");
    } else if (starts_literal() && !((is_punct("-") || is_punct("+")) && peek(1).kind != Token::Kind::number)) {
      o = Operand::of_value(literal());
    } else {
      o = Operand::of_path(path());
    }
    return o;
  }

  Operand set_expr() {
    Operand left = set_term();
    while (is_punct("+") || is_punct("-")) {
      auto kind = next().text == "+" ? Operand::Kind::plus : Operand::Kind::minus;
      std::vector<Operand> args;
      args.push_back(std::move(left));
      args.push_back(set_term());
      left = Operand::of(kind, std::move(args));
    }
    return left;
  }

  void assignment(Statement& st) {
    UpdateAction a;
    a.path = path();
    expect_punct("=");
    bool add = is_function("SET_ADD"), del = is_function("SET_DELETE");
    if (add || del) {
      i_ += 2;
      Path target = path();
      if (path_text(target) != path_text(a.path))
        throw errors::validation(std::string(add ? "set_add" : "set_delete") +
                                 " must update the attribute given as its first argument");
      expect_punct(",");
      a.kind = add ? UpdateAction::Kind::add : UpdateAction::Kind::del;
      a.value.kind = Operand::Kind::value;
      a.value.value = literal();
      if (!a.value.value.is_set())
        throw errors::validation("An operand in the update expression has an incorrect data type");
      expect_punct(")");
    } else {
      a.kind = UpdateAction::Kind::set;
      a.value = set_expr();
    }
    st.actions.push_back(std::move(a));
  }

  void update(Statement& st) {
    st.kind = Statement::Kind::update;
    target(st);
    if (!st.index.empty()) malformed("UPDATE cannot target an index");
    bool any = false;
    for (;;) {
      if (accept_kw("SET")) {
        comma_separated([&] { assignment(st); });
      } else if (accept_kw("REMOVE")) {
        comma_separated([&] {
          UpdateAction a;
          a.kind = UpdateAction::Kind::remove;
          a.path = path();
          st.actions.push_back(std::move(a));
        });
      } else {
        break;
      }
      any = true;
    }
    if (!any) unexpected();
    expect_kw("WHERE");
    st.where = condition();
    returning(st, true);
  }

  void del(Statement& st) {
    st.kind = Statement::Kind::del;
    expect_kw("FROM");
    target(st);
    if (!st.index.empty()) malformed("DELETE cannot target an index");
    expect_kw("WHERE");
    st.where = condition();
    returning(st, false);
  }

  void returning(Statement& st, bool is_update) {
    if (!accept_kw("RETURNING")) return;
    std::string which = keyword();
    std::string age = keyword();
    if ((which != "ALL" && which != "MODIFIED") || (age != "OLD" && age != "NEW")) malformed("Invalid RETURNING clause");
    expect_punct("*");
    st.returning = which + "_" + age;
    if (!is_update && st.returning != "ALL_OLD")
      throw errors::validation("DELETE statements only support RETURNING ALL OLD *");
  }
};

}  // namespace

Statement parse(std::string_view text, const DocList* params) {
  Parser p(text, params);
  return p.statement();
}

std::vector<const Condition*> conjuncts(const Condition& c) {
  if (c.kind != Condition::Kind::and_) return {&c};
  std::vector<const Condition*> out;
  for (const auto& ch : c.children) {
    auto sub = conjuncts(ch);
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

const Value* equality_on(const Condition& c, std::string_view attr) {
  if (c.kind != Condition::Kind::eq || c.operands.size() != 2) return nullptr;
  for (int side = 0; side < 2; ++side) {
    const Operand& p = c.operands[static_cast<size_t>(side)];
    const Operand& v = c.operands[static_cast<size_t>(1 - side)];
    if (p.kind == Operand::Kind::path && p.path.size() == 1 && p.path[0].name == attr && v.kind == Operand::Kind::value)
      return &v.value;
  }
  return nullptr;
}

std::optional<Condition> conjunction(const std::vector<const Condition*>& parts) {
  if (parts.empty()) return std::nullopt;
  Condition c = *parts[0];
  for (size_t i = 1; i < parts.size(); ++i) c = Condition::both(Condition::Kind::and_, std::move(c), *parts[i]);
  return c;
}

}  // namespace stratus::dynamodb::partiql
