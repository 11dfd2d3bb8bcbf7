#include "services/dynamodb/expr.h"

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace stratus::dynamodb {
namespace {

// DynamoDB's reserved words: they can't appear as attribute names in expressions.
const std::unordered_set<std::string>& reserved_words() {
  static const std::unordered_set<std::string> words = [] {
    const char* text =
        "ABORT ABSOLUTE ACTION ADD AFTER AGENT AGGREGATE ALL ALLOCATE ALTER ANALYZE AND ANY "
        "ARCHIVE ARE "
        "ARRAY AS ASC ASCII ASENSITIVE ASSERTION ASYMMETRIC AT ATOMIC ATTACH ATTRIBUTE AUTH "
        "AUTHORIZATION "
        "AUTHORIZE AUTO AVG BACK BACKUP BASE BATCH BEFORE BEGIN BETWEEN BIGINT BINARY BIT BLOB "
        "BLOCK "
        "BOOLEAN BOTH BREADTH BUCKET BULK BY BYTE CALL CALLED CALLING CAPACITY CASCADE CASCADED "
        "CASE CAST "
        "CATALOG CHAR CHARACTER CHECK CLASS CLOB CLOSE CLUSTER CLUSTERED CLUSTERING CLUSTERS "
        "COALESCE "
        "COLLATE COLLATION COLLECTION COLUMN COLUMNS COMBINE COMMENT COMMIT COMPACT COMPILE "
        "COMPRESS "
        "CONDITION CONFLICT CONNECT CONNECTION CONSISTENCY CONSISTENT CONSTRAINT CONSTRAINTS "
        "CONSTRUCTOR "
        "CONSUMED CONTINUE CONVERT COPY CORRESPONDING COUNT COUNTER CREATE CROSS CUBE CURRENT "
        "CURSOR "
        "CYCLE DATA DATABASE DATE DATETIME DAY DEALLOCATE DEC DECIMAL DECLARE DEFAULT DEFERRABLE "
        "DEFERRED "
        "DEFINE DEFINED DEFINITION DELETE DELIMITED DEPTH DEREF DESC DESCRIBE DESCRIPTOR DETACH "
        "DETERMINISTIC DIAGNOSTICS DIRECTORIES DISABLE DISCONNECT DISTINCT DISTRIBUTE DO DOMAIN "
        "DOUBLE "
        "DROP DUMP DURATION DYNAMIC EACH ELEMENT ELSE ELSEIF EMPTY ENABLE END EQUAL EQUALS ERROR "
        "ESCAPE "
        "ESCAPED EVAL EVALUATE EXCEEDED EXCEPT EXCEPTION EXCEPTIONS EXCLUSIVE EXEC EXECUTE EXISTS "
        "EXIT "
        "EXPLAIN EXPLODE EXPORT EXPRESSION EXTENDED EXTERNAL EXTRACT FAIL FALSE FAMILY FETCH "
        "FIELDS FILE "
        "FILTER FILTERING FINAL FINISH FIRST FIXED FLATTERN FLOAT FOR FORCE FOREIGN FORMAT FORWARD "
        "FOUND "
        "FREE FROM FULL FUNCTION FUNCTIONS GENERAL GENERATE GET GLOB GLOBAL GO GOTO GRANT GREATER "
        "GROUP "
        "GROUPING HANDLER HASH HAVE HAVING HEAP HIDDEN HOLD HOUR IDENTIFIED IDENTITY IF IGNORE "
        "IMMEDIATE "
        "IMPORT IN INCLUDING INCLUSIVE INCREMENT INCREMENTAL INDEX INDEXED INDEXES INDICATOR "
        "INFINITE "
        "INITIALLY INLINE INNER INNTER INOUT INPUT INSENSITIVE INSERT INSTEAD INT INTEGER "
        "INTERSECT "
        "INTERVAL INTO INVALIDATE IS ISOLATION ITEM ITEMS ITERATE JOIN KEY KEYS LAG LANGUAGE LARGE "
        "LAST "
        "LATERAL LEAD LEADING LEAVE LEFT LENGTH LESS LEVEL LIKE LIMIT LIMITED LINES LIST LOAD "
        "LOCAL "
        "LOCALTIME LOCALTIMESTAMP LOCATION LOCATOR LOCK LOCKS LOG LOGED LONG LOOP LOWER MAP MATCH "
        "MATERIALIZED MAX MAXLEN MEMBER MERGE METHOD METRICS MIN MINUS MINUTE MISSING MOD MODE "
        "MODIFIES "
        "MODIFY MODULE MONTH MULTI MULTISET NAME NAMES NATIONAL NATURAL NCHAR NCLOB NEW NEXT NO "
        "NONE NOT "
        "NULL NULLIF NUMBER NUMERIC OBJECT OF OFFLINE OFFSET OLD ON ONLINE ONLY OPAQUE OPEN "
        "OPERATOR "
        "OPTION OR ORDER ORDINALITY OTHER OTHERS OUT OUTER OUTPUT OVER OVERLAPS OVERRIDE OWNER PAD "
        "PARALLEL PARAMETER PARAMETERS PARTIAL PARTITION PARTITIONED PARTITIONS PATH PERCENT "
        "PERCENTILE "
        "PERMISSION PERMISSIONS PIPE PIPELINED PLAN POOL POSITION PRECISION PREPARE PRESERVE "
        "PRIMARY "
        "PRIOR PRIVATE PRIVILEGES PROCEDURE PROCESSED PROJECT PROJECTION PROPERTY PROVISIONING "
        "PUBLIC "
        "PUT QUERY QUIT QUORUM RAISE RANDOM RANGE RANK RAW READ READS REAL REBUILD RECORD "
        "RECURSIVE "
        "REDUCE REF REFERENCE REFERENCES REFERENCING REGEXP REGION REINDEX RELATIVE RELEASE "
        "REMAINDER "
        "RENAME REPEAT REPLACE REQUEST RESET RESIGNAL RESOURCE RESPONSE RESTORE RESTRICT RESULT "
        "RETURN "
        "RETURNING RETURNS REVERSE REVOKE RIGHT ROLE ROLES ROLLBACK ROLLUP ROUTINE ROW ROWS RULE "
        "RULES "
        "SAMPLE SATISFIES SAVE SAVEPOINT SCAN SCHEMA SCOPE SCROLL SEARCH SECOND SECTION SEGMENT "
        "SEGMENTS "
        "SELECT SELF SEMI SENSITIVE SEPARATE SEQUENCE SERIALIZABLE SESSION SET SETS SHARD SHARE "
        "SHARED "
        "SHORT SHOW SIGNAL SIMILAR SIZE SKEWED SMALLINT SNAPSHOT SOME SOURCE SPACE SPACES SPARSE "
        "SPECIFIC "
        "SPECIFICTYPE SPLIT SQL SQLCODE SQLERROR SQLEXCEPTION SQLSTATE SQLWARNING START STATE "
        "STATIC "
        "STATUS STORAGE STORE STORED STREAM STRING STRUCT STYLE SUB SUBMULTISET SUBPARTITION "
        "SUBSTRING "
        "SUBTYPE SUM SUPER SYMMETRIC SYNONYM SYSTEM TABLE TABLESAMPLE TEMP TEMPORARY TERMINATED "
        "TEXT THAN "
        "THEN THROUGHPUT TIME TIMESTAMP TIMEZONE TINYINT TO TOKEN TOTAL TOUCH TRAILING TRANSACTION "
        "TRANSFORM TRANSLATE TRANSLATION TREAT TRIGGER TRIM TRUE TRUNCATE TTL TUPLE TYPE UNDER "
        "UNDO UNION "
        "UNIQUE UNIT UNKNOWN UNLOGGED UNNEST UNPROCESSED UNSIGNED UNTIL UPDATE UPPER URL USAGE USE "
        "USER "
        "USERS USING UUID VACUUM VALUE VALUED VALUES VARCHAR VARIABLE VARIANCE VARINT VARYING VIEW "
        "VIEWS "
        "VIRTUAL VOID WAIT WHEN WHENEVER WHERE WHILE WINDOW WITH WITHIN WITHOUT WORK WRAPPED WRITE "
        "YEAR "
        "ZONE";
    std::unordered_set<std::string> s;
    std::string w;
    for (const char* p = text;; ++p) {
      if (*p == ' ' || *p == '\0') {
        if (!w.empty()) s.insert(w);
        w.clear();
        if (!*p) break;
      } else {
        w += *p;
      }
    }
    return s;
  }();
  return words;
}

std::string upper(std::string_view s) {
  std::string u(s);
  for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

struct Tok {
  enum class K { ident, name_ref, value_ref, number, punct, eof };
  K k;
  std::string text;
  size_t pos, end;
};

bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// AWS's limits on one expression (Constraints: expression parameters), checked on the text and
// its tokens before any recursive parsing, so the parser's recursion and the evaluator's work
// stay bounded by them.
constexpr size_t kMaxExpressionBytes = 4096;
constexpr size_t kMaxOperators = 300;
constexpr size_t kMaxPathDepth = 32;
// The parser's own recursion bound: a safety net well above what the limits above allow (each
// nesting level needs an operator once redundant parentheses are refused) and far below what
// exhausts a thread's stack.
constexpr int kMaxParseDepth = 1024;

std::string too_many_operators(size_t n) {
  return "The expression contains too many operators; operator count: " + std::to_string(n);
}

AwsError limit_error(const std::string& kind, const std::string& what) {
  return errors::validation("Invalid " + kind + "Expression: " + what);
}

void check_size(const std::string& text, const std::string& kind) {
  if (text.size() > kMaxExpressionBytes)
    throw limit_error(kind,
                      "Expression size has exceeded the maximum allowed size; expression size: " +
                          std::to_string(text.size()));
}

bool is_punct(const Tok& t, std::string_view p) {
  return t.k == Tok::K::punct && t.text == p;
}

// Operator count, document path depth and redundant parentheses, in one pass over the tokens
// (plus one over the parentheses): linear, nothing recursive. Operators are comparators, AND,
// OR, NOT, BETWEEN (its AND included), IN, + and -, and every function call; an update's SET
// "=" is not one (AWS: "SET a = :v1 + :v2 + :v3" has two).
void check_tokens(const std::vector<Tok>& toks, const std::string& kind) {
  const bool update = kind == "Update";
  size_t ops = 0, between = 0, path_depth = 0;
  std::vector<size_t> open;
  std::vector<size_t> close(toks.size(), std::string::npos);
  for (size_t i = 0; i < toks.size(); ++i) {
    const Tok& t = toks[i];
    const Tok* prev = i > 0 ? &toks[i - 1] : nullptr;
    if (t.k == Tok::K::punct) {
      if (t.text == "(") {
        open.push_back(i);
      } else if (t.text == ")") {
        if (!open.empty()) close[open.back()] = i, open.pop_back();
      } else if (t.text == "+" || t.text == "-" || t.text == "<>" || t.text == "<" ||
                 t.text == "<=" || t.text == ">" || t.text == ">=" || (t.text == "=" && !update)) {
        ++ops;
      }
    } else if (t.k == Tok::K::ident && i + 1 < toks.size() && is_punct(toks[i + 1], "(")) {
      ++ops;  // a function call, or IN and its list
    } else if (t.k == Tok::K::ident || t.k == Tok::K::name_ref) {
      std::string u = t.k == Tok::K::ident ? upper(t.text) : std::string();
      if (u == "AND" && between > 0) {
        --between;
      } else if (u == "AND" || u == "OR" || u == "NOT" || u == "IN") {
        ++ops;
      } else if (u == "BETWEEN") {
        ++ops, ++between;
      } else {
        path_depth = prev && is_punct(*prev, ".") ? path_depth + 1 : 1;
      }
    } else if (t.k == Tok::K::number && prev && is_punct(*prev, "[")) {
      ++path_depth;
    }
    if (path_depth > kMaxPathDepth)
      throw limit_error(kind, "The document path has too many nesting levels; nesting levels: " +
                                  std::to_string(path_depth));
    if (ops > kMaxOperators) throw limit_error(kind, too_many_operators(ops));
  }
  // "((x))": two pairs around the same tokens (a function's or IN's own parentheses aside).
  for (size_t i = 0; i + 1 < toks.size(); ++i) {
    if (close[i] == std::string::npos || !is_punct(toks[i + 1], "(")) continue;
    if (i > 0 && toks[i - 1].k == Tok::K::ident) {
      std::string u = upper(toks[i - 1].text);
      if (u != "AND" && u != "OR" && u != "NOT") continue;
    }
    if (close[i + 1] != std::string::npos && close[i + 1] + 1 == close[i])
      throw limit_error(kind, "The expression has redundant parentheses;");
  }
}

class Parser {
 public:
  Parser(const std::string& text, std::string kind, ExprContext& ctx)
      : text_(text), kind_(std::move(kind)), ctx_(ctx) {
    check_size(text_, kind_);
    tokenize();
    check_tokens(toks_, kind_);
  }

  // Every recursive production holds one: a safety net under the token-level limits, which
  // already keep the nesting far below it (each level needs an operator, at most 300).
  struct Nest {
    Parser& p;
    explicit Nest(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxParseDepth) throw p.error(too_many_operators(kMaxOperators + 1));
    }
    ~Nest() { --p.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
  };

  AwsError error(const std::string& what) const {
    return errors::validation("Invalid " + kind_ + "Expression: " + what);
  }
  [[noreturn]] void syntax_error() const {
    const Tok& t = toks_[i_];
    std::string token = t.k == Tok::K::eof ? "<EOF>" : t.text;
    size_t from = i_ > 0 ? toks_[i_ - 1].pos : t.pos;
    size_t to = i_ + 1 < toks_.size() ? toks_[i_ + 1].end : t.end;
    if (t.k == Tok::K::eof) to = t.pos;
    std::string near = text_.substr(from, to > from ? to - from : 0);
    throw error("Syntax error; token: \"" + token + "\", near: \"" + near + "\"");
  }

  const Tok& peek(size_t ahead = 0) const { return toks_[std::min(i_ + ahead, toks_.size() - 1)]; }
  bool at_punct(const char* p, size_t ahead = 0) const {
    return peek(ahead).k == Tok::K::punct && peek(ahead).text == p;
  }
  bool at_keyword(const char* kw) const {
    return peek().k == Tok::K::ident && upper(peek().text) == kw;
  }
  void expect_punct(const char* p) {
    if (!at_punct(p)) syntax_error();
    ++i_;
  }
  bool at_end() const { return peek().k == Tok::K::eof; }
  void expect_end() {
    if (!at_end()) syntax_error();
  }
  bool empty() const { return toks_.size() == 1; }

  // path := (ident | #name) ( '.' (ident | #name) | '[' number ']' )*
  Path path() {
    Path p;
    p.push_back(PathElem{path_name(), -1});
    while (true) {
      if (at_punct(".")) {
        ++i_;
        p.push_back(PathElem{path_name(), -1});
      } else if (at_punct("[")) {
        ++i_;
        if (peek().k != Tok::K::number) syntax_error();
        long long n = std::stoll(peek().text.size() > 10 ? "99999999999" : peek().text);
        if (n > 2147483647LL) throw error("List index is too large; index: " + peek().text);
        ++i_;
        expect_punct("]");
        p.push_back(PathElem{"", static_cast<int>(n)});
      } else {
        return p;
      }
    }
  }

  std::string path_name() {
    const Tok& t = peek();
    if (t.k == Tok::K::name_ref) {
      ++i_;
      return ctx_.name(t.text, kind_);
    }
    if (t.k == Tok::K::ident) {
      if (reserved_words().count(upper(t.text)))
        throw error("Attribute name is a reserved keyword; reserved keyword: " + t.text);
      ++i_;
      return t.text;
    }
    syntax_error();
  }

  bool at_function() const { return peek().k == Tok::K::ident && at_punct("(", 1); }

  // The arguments of a function call, each parsed by `arg`.
  template <typename F>
  std::vector<Operand> call_args(F arg) {
    expect_punct("(");
    std::vector<Operand> args;
    if (!at_punct(")")) {
      args.push_back(arg());
      while (at_punct(",")) {
        ++i_;
        args.push_back(arg());
      }
    }
    expect_punct(")");
    return args;
  }

  void check_arity(const std::string& fn, const std::vector<Operand>& args, size_t n) {
    if (args.size() != n)
      throw error("Incorrect number of operands for operator or function; operator or function: " +
                  fn + ", number of operands: " + std::to_string(args.size()));
  }
  void require_path(const std::string& fn, const Operand& o) {
    if (o.kind != Operand::Kind::path)
      throw error("Operator or function requires a document path; operator or function: " + fn);
  }

  // Condition operands: path | :value | size(path)
  Operand cond_operand() {
    Nest nest(*this);
    Operand o;
    const Tok& t = peek();
    if (t.k == Tok::K::value_ref) {
      ++i_;
      return Operand::of_value(ctx_.value(t.text, kind_));
    }
    if (at_function()) {
      std::string fn = t.text;
      if (fn != "size") {
        static const std::set<std::string> cond_fns = {"attribute_exists", "attribute_not_exists",
                                                       "attribute_type", "begins_with", "contains"};
        if (cond_fns.count(fn))
          throw error(
              "The function is not allowed to be used this way in an expression; function: " + fn);
        throw error("Invalid function name; function: " + fn);
      }
      ++i_;
      auto args = call_args([this] { return cond_operand(); });
      check_arity(fn, args, 1);
      require_path(fn, args[0]);
      o.kind = Operand::Kind::size;
      o.path = std::move(args[0].path);
      return o;
    }
    if (t.k == Tok::K::ident || t.k == Tok::K::name_ref) {
      o.kind = Operand::Kind::path;
      o.path = path();
      return o;
    }
    syntax_error();
  }

  // `a KEYWORD b KEYWORD c ...`, left-associative: operands parsed by `operand`, joined by nodes of `kind`.
  template <class Next>
  Condition left_assoc(const char* keyword, Condition::Kind kind, Next operand) {
    Condition c = operand();
    while (at_keyword(keyword)) {
      ++i_;
      Condition right = operand();
      c = Condition::both(kind, std::move(c), std::move(right));
    }
    return c;
  }
  Condition or_expr() {
    Nest nest(*this);
    return left_assoc("OR", Condition::Kind::or_, [this] { return and_expr(); });
  }
  Condition and_expr() { return left_assoc("AND", Condition::Kind::and_, [this] { return not_expr(); }); }
  Condition not_expr() {
    Nest nest(*this);
    if (at_keyword("NOT")) {
      ++i_;
      return Condition::negation(not_expr());
    }
    return primary();
  }
  Condition primary() {
    if (at_punct("(")) {
      ++i_;
      Condition c = or_expr();
      expect_punct(")");
      return c;
    }
    if (at_function() && peek().text != "size") return function_condition();
    Condition c;
    Operand left = cond_operand();
    const Tok& t = peek();
    static const std::map<std::string, Condition::Kind> cmp = {
        {"=", Condition::Kind::eq},  {"<>", Condition::Kind::ne}, {"<", Condition::Kind::lt},
        {"<=", Condition::Kind::le}, {">", Condition::Kind::gt},  {">=", Condition::Kind::ge}};
    if (t.k == Tok::K::punct && cmp.count(t.text)) {
      c.kind = cmp.at(t.text);
      ++i_;
      c.operands.push_back(std::move(left));
      c.operands.push_back(cond_operand());
      return c;
    }
    if (at_keyword("BETWEEN")) {
      ++i_;
      c.kind = Condition::Kind::between;
      c.operands.push_back(std::move(left));
      c.operands.push_back(cond_operand());
      if (!at_keyword("AND")) syntax_error();
      ++i_;
      c.operands.push_back(cond_operand());
      const Operand& lo = c.operands[1];
      const Operand& hi = c.operands[2];
      if (lo.kind == Operand::Kind::value && hi.kind == Operand::Kind::value &&
          lo.value.type == hi.value.type && lo.value.is_scalar_key_type() &&
          compare_scalar(lo.value, hi.value) > 0) {
        throw error(
            "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
            "lower bound operand: AttributeValue: {" +
            std::string(type_name(lo.value.type)) + ":" + lo.value.scalar +
            "}, upper bound operand: AttributeValue: {" + std::string(type_name(hi.value.type)) +
            ":" + hi.value.scalar + "}");
      }
      return c;
    }
    if (at_keyword("IN")) {
      ++i_;
      c.kind = Condition::Kind::in;
      c.operands.push_back(std::move(left));
      auto list = call_args([this] { return cond_operand(); });
      if (list.empty()) syntax_error();
      if (list.size() > 100)
        throw error("The IN operator is provided with too many operands; number of operands: " +
                    std::to_string(list.size()));
      for (auto& o : list) c.operands.push_back(std::move(o));
      return c;
    }
    syntax_error();
  }

  Condition function_condition() {
    std::string fn = peek().text;
    static const std::map<std::string, std::pair<Condition::Kind, size_t>> fns = {
        {"attribute_exists", {Condition::Kind::exists, 1}},
        {"attribute_not_exists", {Condition::Kind::not_exists, 1}},
        {"attribute_type", {Condition::Kind::type, 2}},
        {"begins_with", {Condition::Kind::begins_with, 2}},
        {"contains", {Condition::Kind::contains, 2}}};
    auto it = fns.find(fn);
    if (it == fns.end()) {
      if (fn == "if_not_exists" || fn == "list_append")
        throw error("The function is not allowed to be used this way in an expression; function: " +
                    fn);
      throw error("Invalid function name; function: " + fn);
    }
    ++i_;
    auto args = call_args([this] { return cond_operand(); });
    check_arity(fn, args, it->second.second);
    Condition c;
    c.kind = it->second.first;
    if (c.kind == Condition::Kind::exists || c.kind == Condition::Kind::not_exists ||
        c.kind == Condition::Kind::type)
      require_path(fn, args[0]);
    if (c.kind == Condition::Kind::type) {
      Type ignored;
      if (args[1].kind != Operand::Kind::value || args[1].value.type != Type::S ||
          !type_from_name(args[1].value.scalar, ignored)) {
        std::string got = args[1].kind == Operand::Kind::value ? args[1].value.scalar : "";
        throw error("Invalid attribute type name found; type: " + got +
                    ", valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }");
      }
    }
    if (c.kind == Condition::Kind::begins_with && args[1].kind == Operand::Kind::value &&
        args[1].value.type != Type::S && args[1].value.type != Type::B) {
      throw error(
          "Incorrect operand type for operator or function; operator or function: begins_with, "
          "operand type: " +
          std::string(type_name(args[1].value.type)));
    }
    c.operands = std::move(args);
    return c;
  }

  // Update expressions ----------------------------------------------------------------------
  Operand set_operand() {
    Nest nest(*this);
    const Tok& t = peek();
    Operand o;
    if (t.k == Tok::K::value_ref) {
      ++i_;
      return Operand::of_value(ctx_.value(t.text, kind_));
    }
    if (at_function()) {
      std::string fn = t.text;
      if (fn == "if_not_exists") {
        ++i_;
        auto args = call_args([this] { return set_operand(); });
        check_arity(fn, args, 2);
        require_path(fn, args[0]);
        o.kind = Operand::Kind::if_not_exists;
        o.args = std::move(args);
        return o;
      }
      if (fn == "list_append") {
        ++i_;
        auto args = call_args([this] { return set_operand(); });
        check_arity(fn, args, 2);
        for (const auto& a : args)
          if (a.kind == Operand::Kind::value && a.value.type != Type::L)
            throw error(
                "Incorrect operand type for operator or function; operator or function: "
                "list_append, operand type: " +
                std::string(type_name(a.value.type)));
        o.kind = Operand::Kind::list_append;
        o.args = std::move(args);
        return o;
      }
      static const std::set<std::string> cond_fns = {"attribute_exists", "attribute_not_exists",
                                                     "attribute_type",   "begins_with",
                                                     "contains",         "size"};
      if (cond_fns.count(fn))
        throw error("The function is not allowed in an update expression; function: " + fn);
      throw error("Invalid function name; function: " + fn);
    }
    if (t.k == Tok::K::ident || t.k == Tok::K::name_ref) {
      o.kind = Operand::Kind::path;
      o.path = path();
      return o;
    }
    syntax_error();
  }

  Operand set_value() {
    Operand left = set_operand();
    if (at_punct("+") || at_punct("-")) {
      Operand o;
      o.kind = at_punct("+") ? Operand::Kind::plus : Operand::Kind::minus;
      ++i_;
      o.args.push_back(std::move(left));
      o.args.push_back(set_operand());
      for (const auto& a : o.args)
        if (a.kind == Operand::Kind::value && a.value.type != Type::N)
          throw error(
              std::string(
                  "Incorrect operand type for operator or function; operator or function: ") +
              (o.kind == Operand::Kind::plus ? "+" : "-") +
              ", operand type: " + std::string(type_name(a.value.type)));
      return o;
    }
    return left;
  }

  std::vector<UpdateAction> update() {
    std::vector<UpdateAction> actions;
    std::set<std::string> seen;
    while (!at_end()) {
      if (peek().k != Tok::K::ident) syntax_error();
      std::string section = upper(peek().text);
      UpdateAction::Kind kind;
      if (section == "SET")
        kind = UpdateAction::Kind::set;
      else if (section == "REMOVE")
        kind = UpdateAction::Kind::remove;
      else if (section == "ADD")
        kind = UpdateAction::Kind::add;
      else if (section == "DELETE")
        kind = UpdateAction::Kind::del;
      else
        syntax_error();
      if (!seen.insert(section).second)
        throw error("The \"" + section +
                    "\" section can only be used once in an update expression;");
      ++i_;
      while (true) {
        UpdateAction a;
        a.kind = kind;
        a.path = path();
        if (kind == UpdateAction::Kind::set) {
          expect_punct("=");
          a.value = set_value();
        } else if (kind == UpdateAction::Kind::add || kind == UpdateAction::Kind::del) {
          if (peek().k != Tok::K::value_ref) syntax_error();
          a.value.kind = Operand::Kind::value;
          a.value.value = ctx_.value(peek().text, kind_);
          ++i_;
          Type t = a.value.value.type;
          bool ok = kind == UpdateAction::Kind::add ? (t == Type::N || a.value.value.is_set())
                                                    : a.value.value.is_set();
          if (!ok)
            throw error(std::string("Incorrect operand type for operator or function; operator: ") +
                        (kind == UpdateAction::Kind::add ? "ADD" : "DELETE") +
                        ", operand type: " + type_word(t));
        }
        actions.push_back(std::move(a));
        if (!at_punct(",")) break;
        ++i_;
      }
    }
    return actions;
  }

  static std::string type_word(Type t) {
    // Indexed by Type (S = 1 ... BS); DynamoDB's words in operand type errors.
    static constexpr const char* kWords[] = {"",    "STRING", "NUMBER",     "BINARY",     "BOOLEAN",   "NULL",
                                             "MAP", "LIST",   "STRING SET", "NUMBER SET", "BINARY SET"};
    auto i = static_cast<size_t>(t);
    return i > 0 && i < std::size(kWords) ? kWords[i] : "BINARY SET";
  }

 private:
  void tokenize() {
    size_t i = 0, n = text_.size();
    while (true) {
      while (i < n && std::isspace(static_cast<unsigned char>(text_[i]))) ++i;
      if (i >= n) break;
      size_t start = i;
      char c = text_[i];
      Tok t;
      if (c == '#' || c == ':') {
        ++i;
        while (i < n && ident_char(text_[i])) ++i;
        t.k = c == '#' ? Tok::K::name_ref : Tok::K::value_ref;
        if (i == start + 1) {
          t.k = Tok::K::punct;
        }
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        while (i < n && std::isdigit(static_cast<unsigned char>(text_[i]))) ++i;
        t.k = Tok::K::number;
        if (i < n && ident_char(text_[i])) {
          while (i < n && ident_char(text_[i])) ++i;
          t.k = Tok::K::ident;
        }
      } else if (ident_char(c)) {
        while (i < n && ident_char(text_[i])) ++i;
        t.k = Tok::K::ident;
      } else if ((c == '<' || c == '>') && i + 1 < n &&
                 (text_[i + 1] == '=' || (c == '<' && text_[i + 1] == '>'))) {
        i += 2;
        t.k = Tok::K::punct;
      } else if (std::string_view("=<>()[],.+-").find(c) != std::string_view::npos) {
        ++i;
        t.k = Tok::K::punct;
      } else {
        // An invalid character: report it as a syntax error at that token.
        ++i;
        t.k = Tok::K::punct;
        t.text = std::string(1, c);
        t.pos = start;
        t.end = i;
        toks_.push_back(t);
        invalid_at_ = toks_.size() - 1;
        continue;
      }
      t.text = text_.substr(start, i - start);
      t.pos = start;
      t.end = i;
      toks_.push_back(std::move(t));
    }
    toks_.push_back(Tok{Tok::K::eof, "", n, n});
    if (invalid_at_ != std::string::npos) {
      i_ = invalid_at_;
      throw error("Invalid character encountered; character: \"" + toks_[i_].text + "\"");
    }
  }

  const std::string& text_;
  std::string kind_;
  ExprContext& ctx_;
  std::vector<Tok> toks_;
  size_t i_ = 0;
  size_t invalid_at_ = std::string::npos;
  int depth_ = 0;
};

bool overlaps(const Path& a, const Path& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i].is_index() != b[i].is_index()) return false;
    if (a[i].is_index() ? a[i].index != b[i].index : a[i].name != b[i].name) return false;
  }
  return true;
}

// Element order for sorting paths: map keys before list indexes, then by key / index.
bool elem_less(const PathElem& a, const PathElem& b) {
  if (a.is_index() != b.is_index()) return !a.is_index();
  return a.is_index() ? a.index < b.index : a.name < b.name;
}

void check_overlaps(const std::vector<Path>& paths, const std::string& kind) {
  // Sorted, a path that overlaps another overlaps its neighbour (a prefix sorts right before
  // the paths it is a prefix of), so one sort and one pass find whether any pair overlaps:
  // O(n log n) instead of comparing every pair.
  std::vector<const Path*> sorted;
  sorted.reserve(paths.size());
  for (const auto& p : paths) sorted.push_back(&p);
  std::sort(sorted.begin(), sorted.end(), [](const Path* a, const Path* b) {
    return std::lexicographical_compare(a->begin(), a->end(), b->begin(), b->end(), elem_less);
  });
  bool any = false;
  for (size_t i = 1; i < sorted.size() && !any; ++i) any = overlaps(*sorted[i - 1], *sorted[i]);
  if (!any) return;
  // AWS names the first pair in the expression's order. Only on this error path, and the
  // expression's 4 KB bound keeps the pairs few.
  for (size_t i = 0; i < paths.size(); ++i)
    for (size_t j = i + 1; j < paths.size(); ++j)
      if (overlaps(paths[i], paths[j]))
        throw errors::validation("Invalid " + kind +
                                 "Expression: Two document paths overlap with each other; "
                                 "must remove or rewrite one of these paths; path one: " +
                                 path_text(paths[i]) + ", path two: " + path_text(paths[j]));
}

// Evaluation -------------------------------------------------------------------------------

const Value* step(const Value* v, const PathElem& e) {
  if (e.is_index()) {
    if (v->type != Type::L || static_cast<size_t>(e.index) >= v->list.size()) return nullptr;
    return &v->list[static_cast<size_t>(e.index)];
  }
  if (v->type != Type::M) return nullptr;
  auto it = v->map.find(e.name);
  return it == v->map.end() ? nullptr : &it->second;
}

const Value* operand_value(const Operand& o, const Item& item, std::deque<Value>& scratch) {
  switch (o.kind) {
    case Operand::Kind::value:
      return &o.value;
    case Operand::Kind::path:
      return resolve(item, o.path);
    case Operand::Kind::size: {
      const Value* v = resolve(item, o.path);
      if (!v) return nullptr;
      size_t n;
      switch (v->type) {
        case Type::S:
        case Type::B:
          n = v->scalar.size();
          break;
        case Type::SS:
        case Type::NS:
        case Type::BS:
          n = v->set.size();
          break;
        case Type::L:
          n = v->list.size();
          break;
        case Type::M:
          n = v->map.size();
          break;
        default:
          return nullptr;
      }
      Value r;
      r.type = Type::N;
      r.scalar = std::to_string(n);
      scratch.push_back(std::move(r));
      return &scratch.back();
    }
    default:
      return nullptr;
  }
}

bool ordered(const Value* a, const Value* b) {
  return a && b && a->type == b->type && a->is_scalar_key_type();
}

AwsError bad_operand() {
  return errors::validation("An operand in the update expression has an incorrect data type");
}

// The value of a SET operand, computed against the item before any action applies.
Value set_value_of(const Operand& o, const Item& item) {
  switch (o.kind) {
    case Operand::Kind::value:
      return o.value;
    case Operand::Kind::path: {
      const Value* v = resolve(item, o.path);
      if (!v)
        throw errors::validation(
            "The provided expression refers to an attribute that does not exist in the item");
      return *v;
    }
    case Operand::Kind::if_not_exists: {
      const Value* v = resolve(item, o.args[0].path);
      return v ? *v : set_value_of(o.args[1], item);
    }
    case Operand::Kind::list_append: {
      Value a = set_value_of(o.args[0], item);
      Value b = set_value_of(o.args[1], item);
      if (a.type != Type::L || b.type != Type::L) throw bad_operand();
      for (auto& e : b.list) a.list.push_back(std::move(e));
      return a;
    }
    case Operand::Kind::plus:
    case Operand::Kind::minus: {
      Value a = set_value_of(o.args[0], item);
      Value b = set_value_of(o.args[1], item);
      if (a.type != Type::N || b.type != Type::N) throw bad_operand();
      Decimal r = o.kind == Operand::Kind::plus ? a.number() + b.number() : a.number() - b.number();
      std::string err = r.check();
      if (!err.empty()) throw errors::validation(err);
      return Value::num(r);
    }
    default:
      throw bad_operand();
  }
}

// Whether v nests deeper than an item may (from_doc's bound: 32 levels below the attribute).
// Stops at the first level past it, so the recursion is at most 33 calls deep.
bool too_deep(const Value& v, int depth) {
  if (depth > 32) return true;
  if (v.type == Type::M) {
    for (const auto& [k, e] : v.map)
      if (too_deep(e, depth + 1)) return true;
  } else if (v.type == Type::L) {
    for (const auto& e : v.list)
      if (too_deep(e, depth + 1)) return true;
  }
  return false;
}

AwsError invalid_path() {
  return errors::validation(
      "The document path provided in the update expression is invalid for update");
}

// The container that holds the last element of `path` (nullptr when a parent is missing).
Value* parent_of(Item& item, const Path& path, bool& type_error) {
  type_error = false;
  auto it = item.find(path[0].name);
  if (it == item.end()) return nullptr;
  Value* cur = &it->second;
  for (size_t i = 1; i + 1 < path.size(); ++i) {
    const PathElem& e = path[i];
    if (e.is_index()) {
      if (cur->type != Type::L) return type_error = true, nullptr;
      if (static_cast<size_t>(e.index) >= cur->list.size()) return nullptr;
      cur = &cur->list[static_cast<size_t>(e.index)];
    } else {
      if (cur->type != Type::M) return type_error = true, nullptr;
      auto f = cur->map.find(e.name);
      if (f == cur->map.end()) return nullptr;
      cur = &f->second;
    }
  }
  return cur;
}

void set_path(Item& item, const Path& path, Value v) {
  if (path.size() == 1) {
    item[path[0].name] = std::move(v);
    return;
  }
  bool type_error;
  Value* parent = parent_of(item, path, type_error);
  if (!parent) throw invalid_path();
  const PathElem& last = path.back();
  if (last.is_index()) {
    if (parent->type != Type::L) throw invalid_path();
    if (static_cast<size_t>(last.index) < parent->list.size())
      parent->list[static_cast<size_t>(last.index)] = std::move(v);
    else
      parent->list.push_back(std::move(v));
  } else {
    if (parent->type != Type::M) throw invalid_path();
    parent->map[last.name] = std::move(v);
  }
}

void remove_path(Item& item, const Path& path) {
  if (path.size() == 1) {
    item.erase(path[0].name);
    return;
  }
  bool type_error;
  Value* parent = parent_of(item, path, type_error);
  if (type_error) throw invalid_path();
  if (!parent) return;
  const PathElem& last = path.back();
  if (last.is_index()) {
    if (parent->type != Type::L) throw invalid_path();
    if (static_cast<size_t>(last.index) < parent->list.size())
      parent->list.erase(parent->list.begin() + last.index);
  } else {
    if (parent->type != Type::M) throw invalid_path();
    parent->map.erase(last.name);
  }
}

Value* find_mut(Item& item, const Path& path) {
  return const_cast<Value*>(resolve(item, path));
}

}  // namespace

std::string path_text(const Path& p) {
  std::string s = "[";
  for (size_t i = 0; i < p.size(); ++i) {
    if (i) s += ", ";
    if (p[i].is_index()) {
      s += '[';
      s += std::to_string(p[i].index);
      s += ']';
    } else {
      s += p[i].name;
    }
  }
  return s + "]";
}

ExprContext::ExprContext(const Doc* names, const Doc* values) {
  // AWS: all substitution variables of a request (names and values) together at most 2 MB.
  constexpr size_t kMaxSubstitutionBytes = 2 * 1024 * 1024;
  size_t substitution_bytes = 0;
  auto count = [&](size_t n) {
    substitution_bytes += n;
    if (substitution_bytes > kMaxSubstitutionBytes)
      throw errors::validation(
          "ExpressionAttributeNames and ExpressionAttributeValues exceed the maximum size of 2 MB");
  };
  // One substitution map: not empty, each key `prefix` then identifier characters.
  auto entries = [](const Doc& map, const std::string& member, char prefix, auto&& each) {
    if (!map.is_map()) return;
    if (map.as_map().empty()) throw errors::validation(member + " must not be empty");
    for (const auto& [k, v] : map.as_map()) {
      if (k.size() < 2 || k[0] != prefix || !std::all_of(k.begin() + 1, k.end(), ident_char))
        throw errors::validation(member + " contains invalid key: Syntax error; key: \"" + k + "\"");
      each(k, v);
    }
  };
  if (names) {
    has_names_ = true;
    entries(*names, "ExpressionAttributeNames", '#', [&](const std::string& k, const Doc& v) {
      names_[k] = v.is_string() ? v.as_string() : "";
      count(k.size() + names_[k].size());
    });
  }
  if (values) {
    has_values_ = true;
    entries(*values, "ExpressionAttributeValues", ':', [&](const std::string& k, const Doc& v) {
      try {
        values_[k] = from_doc(v);
      } catch (const AwsError& e) {
        throw errors::validation("ExpressionAttributeValues contains invalid value: " + e.message + " for key " + k);
      }
      count(k.size() + value_size(values_[k]));
    });
  }
}

namespace {

// The substitution `ref` of an expression (`what`: "name" or "value"), marked used.
template <class Map>
const auto& substitution(Map& all, std::set<std::string>& used, const std::string& ref, const std::string& kind,
                         const char* what, const char* where) {
  auto it = all.find(ref);
  if (it == all.end())
    throw errors::validation("Invalid " + kind + "Expression: An expression attribute " + what + " used in " + where +
                             " is not defined; attribute " + what + ": " + ref);
  used.insert(ref);
  return it->second;
}

}  // namespace

const std::string& ExprContext::name(const std::string& ref, const std::string& kind) {
  return substitution(names_, used_names_, ref, kind, "name", "the document path");
}

const Value& ExprContext::value(const std::string& ref, const std::string& kind) {
  return substitution(values_, used_values_, ref, kind, "value", "expression");
}

void ExprContext::check_all_used(bool any_expression) const {
  if (!any_expression) {
    if (has_names_)
      throw errors::validation(
          "ExpressionAttributeNames can only be specified when using expressions");
    if (has_values_)
      throw errors::validation(
          "ExpressionAttributeValues can only be specified when using expressions");
    return;
  }
  auto unused = [](const auto& all, const std::set<std::string>& used) {
    std::string s;
    for (const auto& [k, _] : all) {
      if (used.count(k)) continue;
      if (!s.empty()) s += ", ";
      s += k;
    }
    return s;
  };
  std::string n = unused(names_, used_names_);
  if (!n.empty())
    throw errors::validation(
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {" + n + "}");
  std::string v = unused(values_, used_values_);
  if (!v.empty())
    throw errors::validation(
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {" + v + "}");
}

void check_expression_limits(const std::string& text, const std::string& kind) {
  ExprContext none(nullptr, nullptr);
  Parser p(text, kind, none);  // tokenizing checks the limits; nothing is parsed
}

Condition parse_condition(const std::string& text, const std::string& kind, ExprContext& ctx) {
  Parser p(text, kind, ctx);
  if (p.empty()) throw p.error("The expression can not be empty;");
  Condition c = p.or_expr();
  p.expect_end();
  return c;
}

std::vector<UpdateAction> parse_update(const std::string& text, ExprContext& ctx) {
  Parser p(text, "Update", ctx);
  if (p.empty()) throw p.error("The expression can not be empty;");
  auto actions = p.update();
  std::vector<Path> paths;
  for (const auto& a : actions) paths.push_back(a.path);
  check_overlaps(paths, "Update");
  return actions;
}

std::vector<Path> parse_projection(const std::string& text, ExprContext& ctx) {
  Parser p(text, "Projection", ctx);
  if (p.empty()) throw p.error("The expression can not be empty;");
  std::vector<Path> paths;
  paths.push_back(p.path());
  while (p.at_punct(",")) {
    p.expect_punct(",");
    paths.push_back(p.path());
  }
  p.expect_end();
  check_overlaps(paths, "Projection");
  return paths;
}

const Value* resolve(const Item& item, const Path& path) {
  if (path.empty() || path[0].is_index()) return nullptr;
  auto it = item.find(path[0].name);
  if (it == item.end()) return nullptr;
  const Value* v = &it->second;
  for (size_t i = 1; i < path.size() && v; ++i) v = step(v, path[i]);
  return v;
}

bool evaluate(const Condition& c, const Item& item) {
  using K = Condition::Kind;
  std::deque<Value> scratch;
  auto val = [&](size_t i) { return operand_value(c.operands[i], item, scratch); };
  switch (c.kind) {
    case K::and_:
      return evaluate(c.children[0], item) && evaluate(c.children[1], item);
    case K::or_:
      return evaluate(c.children[0], item) || evaluate(c.children[1], item);
    case K::not_:
      return !evaluate(c.children[0], item);
    case K::eq: {
      const Value *a = val(0), *b = val(1);
      return a && b && equal(*a, *b);
    }
    case K::ne: {
      const Value *a = val(0), *b = val(1);
      return !(a && b && equal(*a, *b));
    }
    case K::lt:
    case K::le:
    case K::gt:
    case K::ge: {
      const Value *a = val(0), *b = val(1);
      if (!ordered(a, b)) return false;
      int r = compare_scalar(*a, *b);
      return c.kind == K::lt ? r < 0 : c.kind == K::le ? r <= 0 : c.kind == K::gt ? r > 0 : r >= 0;
    }
    case K::between: {
      const Value *a = val(0), *lo = val(1), *hi = val(2);
      if (!ordered(a, lo) || !ordered(a, hi)) return false;
      return compare_scalar(*a, *lo) >= 0 && compare_scalar(*a, *hi) <= 0;
    }
    case K::in: {
      const Value* a = val(0);
      if (!a) return false;
      for (size_t i = 1; i < c.operands.size(); ++i) {
        const Value* b = val(i);
        if (b && equal(*a, *b)) return true;
      }
      return false;
    }
    case K::exists:
      return resolve(item, c.operands[0].path) != nullptr;
    case K::not_exists:
      return resolve(item, c.operands[0].path) == nullptr;
    case K::type: {
      const Value* a = val(0);
      Type t;
      return a && type_from_name(c.operands[1].value.scalar, t) && a->type == t;
    }
    case K::begins_with: {
      const Value *a = val(0), *b = val(1);
      if (!a || !b || a->type != b->type || (a->type != Type::S && a->type != Type::B))
        return false;
      return a->scalar.compare(0, b->scalar.size(), b->scalar) == 0 &&
             a->scalar.size() >= b->scalar.size();
    }
    case K::contains: {
      const Value *a = val(0), *b = val(1);
      if (!a || !b) return false;
      if ((a->type == Type::S || a->type == Type::B) && b->type == a->type)
        return a->scalar.find(b->scalar) != std::string::npos;
      if (a->is_set() && b->type == element_type(a->type))
        return std::find(a->set.begin(), a->set.end(), b->scalar) != a->set.end();
      if (a->type == Type::L)
        for (const auto& e : a->list)
          if (equal(e, *b)) return true;
      return false;
    }
  }
  return false;
}

void apply_update(const std::vector<UpdateAction>& actions, Item& item) {
  // Every operand reads the item as it was before the update.
  std::vector<Value> values(actions.size());
  // Values copied from the item (SET a = b, c = b, ...) could add up to many times the item
  // size: once they pass what an item may hold, the update can only fail, so it fails now
  // instead of copying on (this runs on the commit lane; its work stays linear in the sizes).
  size_t computed = 0;
  for (size_t i = 0; i < actions.size(); ++i) {
    if (actions[i].kind != UpdateAction::Kind::set) continue;
    values[i] = set_value_of(actions[i].value, item);
    computed += value_size(values[i]);
    if (computed > kMaxItemSize)
      throw errors::validation("Item size to update has exceeded the maximum allowed size");
  }
  std::vector<size_t> removes;
  for (size_t i = 0; i < actions.size(); ++i) {
    const UpdateAction& a = actions[i];
    switch (a.kind) {
      case UpdateAction::Kind::set:
        set_path(item, a.path, std::move(values[i]));
        break;
      case UpdateAction::Kind::remove:
        removes.push_back(i);
        break;
      case UpdateAction::Kind::add: {
        const Value& v = a.value.value;
        Value* cur = find_mut(item, a.path);
        if (!cur) {
          set_path(item, a.path, v);
        } else if (cur->type == Type::N && v.type == Type::N) {
          Decimal r = cur->number() + v.number();
          std::string err = r.check();
          if (!err.empty()) throw errors::validation(err);
          cur->scalar = r.str();
        } else if (cur->is_set() && cur->type == v.type) {
          // Hashing keeps a union linear in the two sets' sizes.
          std::unordered_set<std::string_view> have(cur->set.begin(), cur->set.end());
          std::vector<std::string> added;
          for (const auto& e : v.set)
            if (have.insert(e).second) added.push_back(e);
          for (auto& e : added) cur->set.push_back(std::move(e));
        } else {
          throw bad_operand();
        }
        break;
      }
      case UpdateAction::Kind::del: {
        const Value& v = a.value.value;
        Value* cur = find_mut(item, a.path);
        if (!cur) break;
        if (cur->type != v.type) throw bad_operand();
        std::unordered_set<std::string_view> drop(v.set.begin(), v.set.end());
        std::vector<std::string> kept;
        for (auto& e : cur->set)
          if (!drop.count(e)) kept.push_back(std::move(e));
        cur->set = std::move(kept);
        if (cur->set.empty()) remove_path(item, a.path);
        break;
      }
    }
  }
  // Removing list elements shifts later ones: remove from the highest index down.
  std::sort(removes.begin(), removes.end(), [&](size_t x, size_t y) {
    const Path &a = actions[x].path, &b = actions[y].path;
    if (a.size() == b.size() && !a.empty() && a.back().is_index() && b.back().is_index())
      return a.back().index > b.back().index;
    return x < y;
  });
  for (size_t i : removes) remove_path(item, actions[i].path);
  // SET m.x = m nests the item one level deeper each time: the result must stay within the
  // 32 levels any item may have (past them it could not even be read back). Each updated
  // attribute is measured once.
  std::set<std::string_view> touched;
  for (const auto& a : actions)
    if (a.kind != UpdateAction::Kind::remove) touched.insert(a.path[0].name);
  for (std::string_view name : touched)
    if (auto it = item.find(name); it != item.end() && too_deep(it->second, 0))
      throw errors::validation("Nesting Levels have exceeded supported limits");
}

namespace {

std::optional<Value> project_value(const Value& src, const std::vector<const Path*>& paths,
                                   size_t depth) {
  for (const Path* p : paths)
    if (p->size() == depth) return src;
  if (src.type == Type::M) {
    std::map<std::string, std::vector<const Path*>> groups;
    for (const Path* p : paths)
      if (!(*p)[depth].is_index()) groups[(*p)[depth].name].push_back(p);
    Value out;
    out.type = Type::M;
    for (auto& [name, sub] : groups) {
      auto it = src.map.find(name);
      if (it == src.map.end()) continue;
      if (auto v = project_value(it->second, sub, depth + 1)) out.map.emplace(name, std::move(*v));
    }
    if (out.map.empty()) return std::nullopt;
    return out;
  }
  if (src.type == Type::L) {
    std::map<int, std::vector<const Path*>> groups;
    for (const Path* p : paths)
      if ((*p)[depth].is_index()) groups[(*p)[depth].index].push_back(p);
    Value out;
    out.type = Type::L;
    for (auto& [idx, sub] : groups) {
      if (static_cast<size_t>(idx) >= src.list.size()) continue;
      if (auto v = project_value(src.list[static_cast<size_t>(idx)], sub, depth + 1))
        out.list.push_back(std::move(*v));
    }
    if (out.list.empty()) return std::nullopt;
    return out;
  }
  return std::nullopt;
}

}  // namespace

Item project(const Item& item, const std::vector<Path>& paths) {
  std::map<std::string, std::vector<const Path*>> groups;
  for (const auto& p : paths)
    if (!p.empty() && !p[0].is_index()) groups[p[0].name].push_back(&p);
  Item out;
  for (auto& [name, sub] : groups) {
    auto it = item.find(name);
    if (it == item.end()) continue;
    if (auto v = project_value(it->second, sub, 1)) out.emplace(name, std::move(*v));
  }
  return out;
}

}  // namespace stratus::dynamodb
