#include "services/cloudwatch/math.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <limits>

namespace stratus::cloudwatch::math {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr size_t kMaxLength = 2048;
constexpr int kMaxDepth = 64;
constexpr int kMaxNodes = 2000;

struct Token {
  enum Kind { end, number, ident, string, op, lparen, rparen, comma } kind = end;
  std::string text;
  double num = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) { advance(); }

  std::unique_ptr<Node> top() {
    auto n = or_expr(0);
    if (tok_.kind != Token::end) fail("Unexpected token '" + tok_.text + "'");
    return n;
  }

 private:
  [[noreturn]] void fail(const std::string& m) { throw MathError(m); }

  std::unique_ptr<Node> make(Node::Kind k) {
    if (++nodes_ > kMaxNodes) fail("Expression is too complex");
    auto n = std::make_unique<Node>();
    n->kind = k;
    return n;
  }

  void advance() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    tok_ = Token{};
    if (pos_ >= s_.size()) return;
    char c = s_[pos_];
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && pos_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_ + 1])))) {
      size_t st = pos_;
      while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.')) ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
        size_t save = pos_++;
        if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
        if (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
          while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
        } else {
          pos_ = save;
        }
      }
      tok_.kind = Token::number;
      tok_.text = std::string(s_.substr(st, pos_ - st));
      char* endp = nullptr;
      tok_.num = std::strtod(tok_.text.c_str(), &endp);
      if (!endp || *endp) fail("Invalid number '" + tok_.text + "'");
      return;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t st = pos_;
      while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
      tok_.kind = Token::ident;
      tok_.text = std::string(s_.substr(st, pos_ - st));
      return;
    }
    if (c == '\'' || c == '"') {
      size_t e = s_.find(c, pos_ + 1);
      // SEARCH queries hold double quotes inside single quotes; nothing escapes the quote itself.
      if (e == std::string_view::npos) fail("Unterminated string");
      tok_.kind = Token::string;
      tok_.text = std::string(s_.substr(pos_ + 1, e - pos_ - 1));
      pos_ = e + 1;
      return;
    }
    if (c == '(') {
      tok_ = {Token::lparen, "("};
      ++pos_;
      return;
    }
    if (c == ')') {
      tok_ = {Token::rparen, ")"};
      ++pos_;
      return;
    }
    if (c == ',') {
      tok_ = {Token::comma, ","};
      ++pos_;
      return;
    }
    static constexpr std::string_view kOps[] = {"==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "^", "<", ">"};
    for (auto op : kOps) {
      if (s_.substr(pos_, op.size()) == op) {
        tok_.kind = Token::op;
        tok_.text = std::string(op);
        if (tok_.text == "&&") tok_.text = "AND";
        if (tok_.text == "||") tok_.text = "OR";
        pos_ += op.size();
        return;
      }
    }
    fail(std::string("Unexpected character '") + c + "'");
  }

  bool is_op(std::string_view o) const {
    if (tok_.kind == Token::op) return tok_.text == o;
    if (tok_.kind == Token::ident && (o == "AND" || o == "OR")) {
      std::string u = tok_.text;
      for (auto& ch : u) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      return u == o;
    }
    return false;
  }

  void depth_check(int d) {
    if (d > kMaxDepth) fail("Expression is nested too deeply");
  }

  std::unique_ptr<Node> bin(std::string op, std::unique_ptr<Node> l, std::unique_ptr<Node> r) {
    auto n = make(Node::binary);
    n->text = std::move(op);
    n->args.push_back(std::move(l));
    n->args.push_back(std::move(r));
    return n;
  }

  std::unique_ptr<Node> or_expr(int d) {
    depth_check(d);
    auto l = and_expr(d + 1);
    while (is_op("OR")) {
      advance();
      l = bin("OR", std::move(l), and_expr(d + 1));
    }
    return l;
  }
  std::unique_ptr<Node> and_expr(int d) {
    auto l = cmp_expr(d + 1);
    while (is_op("AND")) {
      advance();
      l = bin("AND", std::move(l), cmp_expr(d + 1));
    }
    return l;
  }
  std::unique_ptr<Node> cmp_expr(int d) {
    auto l = add_expr(d + 1);
    while (tok_.kind == Token::op && (tok_.text == "==" || tok_.text == "!=" || tok_.text == "<" || tok_.text == "<=" ||
                                      tok_.text == ">" || tok_.text == ">=")) {
      std::string op = tok_.text;
      advance();
      l = bin(op, std::move(l), add_expr(d + 1));
    }
    return l;
  }
  std::unique_ptr<Node> add_expr(int d) {
    auto l = mul_expr(d + 1);
    while (is_op("+") || is_op("-")) {
      std::string op = tok_.text;
      advance();
      l = bin(op, std::move(l), mul_expr(d + 1));
    }
    return l;
  }
  std::unique_ptr<Node> mul_expr(int d) {
    auto l = unary(d + 1);
    while (is_op("*") || is_op("/")) {
      std::string op = tok_.text;
      advance();
      l = bin(op, std::move(l), unary(d + 1));
    }
    return l;
  }
  std::unique_ptr<Node> unary(int d) {
    depth_check(d);
    if (is_op("-")) {
      advance();
      auto n = make(Node::negate);
      n->args.push_back(unary(d + 1));
      return n;
    }
    auto base = primary(d + 1);
    if (is_op("^")) {
      advance();
      return bin("^", std::move(base), unary(d + 1));
    }
    return base;
  }
  std::unique_ptr<Node> primary(int d) {
    depth_check(d);
    if (tok_.kind == Token::number) {
      auto n = make(Node::number);
      n->num = tok_.num;
      advance();
      return n;
    }
    if (tok_.kind == Token::string) {
      auto n = make(Node::string);
      n->text = tok_.text;
      advance();
      return n;
    }
    if (tok_.kind == Token::lparen) {
      advance();
      auto n = or_expr(d + 1);
      if (tok_.kind != Token::rparen) fail("Missing closing parenthesis");
      advance();
      return n;
    }
    if (tok_.kind == Token::ident) {
      std::string name = tok_.text;
      advance();
      if (tok_.kind == Token::lparen) {
        auto n = make(Node::call);
        for (auto& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        n->text = name;
        advance();
        if (tok_.kind != Token::rparen) {
          while (true) {
            n->args.push_back(or_expr(d + 1));
            if (tok_.kind == Token::comma) {
              advance();
              continue;
            }
            break;
          }
        }
        if (tok_.kind != Token::rparen) fail("Missing closing parenthesis in call to " + name);
        advance();
        return n;
      }
      auto n = make(Node::ref);
      n->text = name;
      return n;
    }
    if (tok_.kind == Token::end) fail("Unexpected end of expression");
    fail("Unexpected token '" + tok_.text + "'");
  }

  std::string_view s_;
  size_t pos_ = 0;
  int nodes_ = 0;
  Token tok_;
};

bool missing(double v) {
  return std::isnan(v);
}

Value scalar(double s) {
  Value v;
  v.s = s;
  return v;
}

Value one(Series s) {
  Value v;
  v.kind = Value::series;
  v.list.push_back(std::move(s));
  return v;
}

double apply(const std::string& op, double a, double b) {
  if (op == "+") return a + b;
  if (op == "-") return a - b;
  if (op == "*") return a * b;
  if (op == "/") return b == 0 ? kNaN : a / b;
  if (op == "^") return std::pow(a, b);
  if (op == "==") return a == b;
  if (op == "!=") return a != b;
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  if (op == ">=") return a >= b;
  if (op == "AND") return (a != 0) && (b != 0);
  if (op == "OR") return (a != 0) || (b != 0);
  return kNaN;
}

Series map_series(const Series& s, const std::function<double(double)>& f) {
  Series o{s.id, s.label, {}};
  o.v.reserve(s.v.size());
  for (double x : s.v) o.v.push_back(missing(x) ? kNaN : f(x));
  return o;
}

Value map_value(const Value& v, const std::function<double(double)>& f) {
  if (v.kind == Value::scalar) return scalar(f(v.s));
  Value o = v;
  for (auto& s : o.list) s = map_series(s, f);
  return o;
}

Series combine(const Series& a, const Series& b, const std::string& op) {
  Series o{a.id, a.label, {}};
  size_t n = std::max(a.v.size(), b.v.size());
  o.v.resize(n, kNaN);
  for (size_t i = 0; i < n; ++i) {
    double x = i < a.v.size() ? a.v[i] : kNaN, y = i < b.v.size() ? b.v[i] : kNaN;
    if (missing(x) && missing(y)) continue;
    o.v[i] = apply(op, missing(x) ? 0 : x, missing(y) ? 0 : y);
  }
  return o;
}

Value binary(const std::string& op, const Value& l, const Value& r) {
  if (l.kind == Value::scalar && r.kind == Value::scalar) return scalar(apply(op, l.s, r.s));
  if (l.kind == Value::scalar) return map_value(r, [&](double x) { return apply(op, l.s, x); });
  if (r.kind == Value::scalar) return map_value(l, [&](double x) { return apply(op, x, r.s); });
  if (l.kind == Value::series && r.kind == Value::series) return one(combine(l.list[0], r.list[0], op));
  // Arrays: element-wise with a single series, pairwise between arrays of the same length.
  Value o;
  o.kind = Value::array;
  if (l.kind == Value::series) {
    for (const auto& s : r.list) o.list.push_back(combine(l.list[0], s, op));
  } else if (r.kind == Value::series) {
    for (const auto& s : l.list) o.list.push_back(combine(s, r.list[0], op));
  } else {
    if (l.list.size() != r.list.size())
      throw MathError("Cannot combine arrays of time series of different sizes (" + std::to_string(l.list.size()) +
                      " and " + std::to_string(r.list.size()) + ")");
    for (size_t i = 0; i < l.list.size(); ++i) o.list.push_back(combine(l.list[i], r.list[i], op));
  }
  return o;
}

// Reduces a series to one number (nullopt: no points).
using Reducer = std::function<double(const std::vector<double>&)>;

double reduce_avg(const std::vector<double>& xs) {
  double s = 0;
  for (double x : xs) s += x;
  return s / static_cast<double>(xs.size());
}
double reduce_sum(const std::vector<double>& xs) {
  double s = 0;
  for (double x : xs) s += x;
  return s;
}
double reduce_min(const std::vector<double>& xs) {
  return *std::min_element(xs.begin(), xs.end());
}
double reduce_max(const std::vector<double>& xs) {
  return *std::max_element(xs.begin(), xs.end());
}
double reduce_stddev(const std::vector<double>& xs) {
  double m = reduce_avg(xs), s = 0;
  for (double x : xs) s += (x - m) * (x - m);
  return xs.size() > 1 ? std::sqrt(s / static_cast<double>(xs.size() - 1)) : 0;
}
double reduce_count(const std::vector<double>& xs) {
  return static_cast<double>(xs.size());
}

std::vector<double> present(const Series& s) {
  std::vector<double> xs;
  for (double x : s.v)
    if (!missing(x)) xs.push_back(x);
  return xs;
}

Value reduce(const Value& v, const Reducer& f, bool is_count, const std::string& name) {
  if (v.kind == Value::scalar) throw MathError(name + " expects a time series or an array of time series");
  if (v.kind == Value::series) {
    auto xs = present(v.list[0]);
    if (xs.empty()) return scalar(is_count ? 0 : kNaN);
    return scalar(f(xs));
  }
  // Across series, point by point.
  size_t n = 0;
  for (const auto& s : v.list) n = std::max(n, s.v.size());
  Series o{"", name, std::vector<double>(n, kNaN)};
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> xs;
    for (const auto& s : v.list)
      if (i < s.v.size() && !missing(s.v[i])) xs.push_back(s.v[i]);
    if (!xs.empty()) o.v[i] = f(xs);
  }
  return one(std::move(o));
}

const Series& single(const Value& v, const std::string& fn) {
  if (v.kind != Value::series) throw MathError(fn + " expects a single time series");
  return v.list[0];
}

Value each_series(const Value& v, const std::string& fn, const std::function<Series(const Series&)>& f) {
  if (v.kind == Value::scalar) throw MathError(fn + " expects a time series or an array of time series");
  Value o = v;
  for (auto& s : o.list) s = f(s);
  return o;
}

}  // namespace

std::unique_ptr<Node> parse(std::string_view expr) {
  if (expr.size() > kMaxLength) throw MathError("Expression is longer than 2048 characters");
  if (expr.find_first_not_of(" \t\r\n") == std::string_view::npos) throw MathError("Expression is empty");
  return Parser(expr).top();
}

void references(const Node& n, std::vector<std::string>& out) {
  if (n.kind == Node::ref && std::find(out.begin(), out.end(), n.text) == out.end()) out.push_back(n.text);
  for (const auto& a : n.args) references(*a, out);
}

Value evaluate(const Node& n, const Env& env) {
  switch (n.kind) {
    case Node::number:
      return scalar(n.num);
    case Node::string:
      throw MathError("Unexpected string '" + n.text + "'");
    case Node::ref: {
      auto it = env.values.find(n.text);
      if (it == env.values.end()) throw MathError("Unrecognized metric id: " + n.text);
      return it->second;
    }
    case Node::negate:
      return map_value(evaluate(*n.args[0], env), [](double x) { return -x; });
    case Node::binary:
      return binary(n.text, evaluate(*n.args[0], env), evaluate(*n.args[1], env));
    case Node::call:
      break;
  }
  const std::string& f = n.text;
  auto nargs = n.args.size();
  auto need = [&](size_t lo, size_t hi) {
    if (nargs < lo || nargs > hi)
      throw MathError("Invalid number of arguments for " + f + ": " + std::to_string(nargs));
  };
  auto arg = [&](size_t i) { return evaluate(*n.args[i], env); };
  auto str_arg = [&](size_t i) -> std::string {
    if (n.args[i]->kind != Node::string) throw MathError(f + " expects a string argument");
    return n.args[i]->text;
  };
  static const std::map<std::string, double (*)(double)> kPointwise = {
      {"ABS", [](double x) { return std::fabs(x); }},    {"CEIL", [](double x) { return std::ceil(x); }},
      {"FLOOR", [](double x) { return std::floor(x); }}, {"LOG", [](double x) { return std::log(x); }},
      {"LOG10", [](double x) { return std::log10(x); }}, {"SQRT", [](double x) { return std::sqrt(x); }}};
  if (auto it = kPointwise.find(f); it != kPointwise.end()) {
    need(1, 1);
    auto fn = it->second;
    return map_value(arg(0), [fn](double x) { return fn(x); });
  }
  static const std::map<std::string, std::pair<Reducer, bool>> kReducers = {
      {"AVG", {reduce_avg, false}}, {"SUM", {reduce_sum, false}},       {"MIN", {reduce_min, false}},
      {"MAX", {reduce_max, false}}, {"STDDEV", {reduce_stddev, false}}, {"DATAPOINT_COUNT", {reduce_count, true}}};
  if (auto it = kReducers.find(f); it != kReducers.end()) {
    need(1, 1);
    return reduce(arg(0), it->second.first, it->second.second, f);
  }
  const auto& grid = env.grid;
  if (f == "DIFF" || f == "RATE" || f == "DIFF_TIME" || f == "RUNNING_SUM") {
    need(1, 1);
    return each_series(arg(0), f, [&](const Series& s) {
      Series o{s.id, s.label, std::vector<double>(s.v.size(), kNaN)};
      double sum = 0;
      ptrdiff_t prev = -1;
      for (size_t i = 0; i < s.v.size(); ++i) {
        if (missing(s.v[i])) continue;
        if (f == "RUNNING_SUM") {
          sum += s.v[i];
          o.v[i] = sum;
        } else if (prev >= 0) {
          double dt = static_cast<double>(grid[i] - grid[static_cast<size_t>(prev)]) / 1000.0;
          double dv = s.v[i] - s.v[static_cast<size_t>(prev)];
          o.v[i] = f == "DIFF" ? dv : f == "RATE" ? (dt > 0 ? dv / dt : kNaN) : dt;
        }
        prev = static_cast<ptrdiff_t>(i);
      }
      return o;
    });
  }
  if (f == "FILL") {
    need(2, 2);
    Value src = arg(0);
    std::string mode;
    Value with;
    if (n.args[1]->kind == Node::ref && (n.args[1]->text == "REPEAT" || n.args[1]->text == "LINEAR"))
      mode = n.args[1]->text;
    else
      with = arg(1);
    return each_series(src, f, [&](const Series& s) {
      Series o = s;
      for (size_t i = 0; i < o.v.size(); ++i) {
        if (!missing(o.v[i])) continue;
        if (mode == "REPEAT") {
          if (i > 0) o.v[i] = o.v[i - 1];
        } else if (mode == "LINEAR") {
          size_t j = i + 1;
          while (j < s.v.size() && missing(s.v[j])) ++j;
          if (i > 0 && !missing(o.v[i - 1]) && j < s.v.size()) {
            double x0 = static_cast<double>(grid[i - 1]), x1 = static_cast<double>(grid[j]);
            o.v[i] = o.v[i - 1] + (s.v[j] - o.v[i - 1]) * (static_cast<double>(grid[i]) - x0) / (x1 - x0);
          }
        } else if (with.kind == Value::scalar) {
          o.v[i] = with.s;
        } else if (!with.list.empty() && i < with.list[0].v.size()) {
          o.v[i] = with.list[0].v[i];
        }
      }
      return o;
    });
  }
  if (f == "FIRST" || f == "LAST") {
    need(1, 1);
    Value v = arg(0);
    if (v.kind == Value::scalar) throw MathError(f + " expects an array of time series");
    if (v.list.empty()) return one(Series{"", f, std::vector<double>(grid.size(), kNaN)});
    return one(f == "FIRST" ? v.list.front() : v.list.back());
  }
  if (f == "IF") {
    need(2, 3);
    Value c = arg(0), t = arg(1);
    Value e = nargs == 3 ? arg(2) : Value{};
    bool has_else = nargs == 3;
    const Series& cs = single(c, f);
    Series o{cs.id, cs.label, std::vector<double>(cs.v.size(), kNaN)};
    auto at = [](const Value& v, size_t i) {
      if (v.kind == Value::scalar) return v.s;
      return i < v.list[0].v.size() ? v.list[0].v[i] : kNaN;
    };
    if (t.kind == Value::array || (has_else && e.kind == Value::array)) throw MathError("IF expects time series");
    for (size_t i = 0; i < cs.v.size(); ++i) {
      if (missing(cs.v[i])) continue;
      if (cs.v[i] != 0) {
        double x = at(t, i);
        o.v[i] = missing(x) ? 0 : x;
      } else if (has_else) {
        o.v[i] = at(e, i);
      }
    }
    return one(std::move(o));
  }
  if (f == "METRICS") {
    need(0, 1);
    std::string filter = nargs == 1 ? str_arg(0) : "";
    Value o;
    o.kind = Value::array;
    for (const auto& id : env.metric_ids) {
      if (!filter.empty() && id.find(filter) == std::string::npos) continue;
      auto it = env.values.find(id);
      if (it == env.values.end()) continue;
      for (const auto& s : it->second.list) o.list.push_back(s);
    }
    return o;
  }
  if (f == "METRIC_COUNT") {
    need(1, 1);
    Value v = arg(0);
    return scalar(v.kind == Value::scalar ? 0 : static_cast<double>(v.list.size()));
  }
  if (f == "PERIOD") {
    need(1, 1);
    (void)arg(0);
    return scalar(static_cast<double>(env.period_s));
  }
  if (f == "REMOVE_EMPTY") {
    need(1, 1);
    Value v = arg(0);
    if (v.kind == Value::scalar) throw MathError("REMOVE_EMPTY expects an array of time series");
    Value o;
    o.kind = Value::array;
    for (const auto& s : v.list)
      if (!present(s).empty()) o.list.push_back(s);
    return o;
  }
  if (f == "SLICE") {
    need(2, 3);
    Value v = arg(0);
    Value a = arg(1);
    if (v.kind == Value::scalar || a.kind != Value::scalar) throw MathError("SLICE expects an array and numbers");
    double b = nargs == 3 ? arg(2).s : static_cast<double>(v.list.size());
    Value o;
    o.kind = Value::array;
    for (size_t i = 0; i < v.list.size(); ++i)
      if (static_cast<double>(i) >= a.s && static_cast<double>(i) < b) o.list.push_back(v.list[i]);
    return o;
  }
  if (f == "SORT") {
    need(3, 4);
    Value v = arg(0);
    if (v.kind == Value::scalar) throw MathError("SORT expects an array of time series");
    std::string by = n.args[1]->text, order = n.args[2]->text;
    Reducer r = by == "MIN" ? reduce_min : by == "MAX" ? reduce_max : by == "SUM" ? reduce_sum : reduce_avg;
    if (by != "AVG" && by != "MIN" && by != "MAX" && by != "SUM") throw MathError("SORT: invalid function " + by);
    if (order != "ASC" && order != "DESC") throw MathError("SORT: invalid order " + order);
    std::vector<std::pair<double, Series>> keyed;
    for (auto& s : v.list) {
      auto xs = present(s);
      keyed.push_back({xs.empty() ? -std::numeric_limits<double>::infinity() : r(xs), s});
    }
    std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
      return order == "ASC" ? x.first < y.first : x.first > y.first;
    });
    double limit = nargs == 4 ? arg(3).s : 1e18;
    Value o;
    o.kind = Value::array;
    for (auto& [k, s] : keyed)
      if (static_cast<double>(o.list.size()) < limit) o.list.push_back(std::move(s));
    return o;
  }
  if (f == "TIME_SERIES") {
    need(1, 1);
    Value v = arg(0);
    if (v.kind != Value::scalar) throw MathError("TIME_SERIES expects a number");
    return one(Series{"", "", std::vector<double>(grid.size(), v.s)});
  }
  if (f == "EPOCH" || f == "MINUTE" || f == "HOUR" || f == "DAY" || f == "DATE" || f == "MONTH" || f == "YEAR") {
    need(1, 1);
    return each_series(arg(0), f, [&](const Series& s) {
      Series o{s.id, s.label, std::vector<double>(grid.size(), kNaN)};
      for (size_t i = 0; i < grid.size(); ++i) {
        time_t t = static_cast<time_t>(grid[i] / 1000);
        std::tm tm{};
        gmtime_r(&t, &tm);
        o.v[i] = f == "EPOCH"    ? static_cast<double>(t)
                 : f == "MINUTE" ? tm.tm_min
                 : f == "HOUR"   ? tm.tm_hour
                 : f == "DAY"    ? (tm.tm_wday == 0 ? 7 : tm.tm_wday)
                 : f == "DATE"   ? tm.tm_mday
                 : f == "MONTH"  ? tm.tm_mon + 1
                                 : tm.tm_year + 1900;
      }
      return o;
    });
  }
  if (f == "SEARCH") {
    need(2, 3);
    std::string q = str_arg(0), stat = str_arg(1);
    int64_t period = env.period_s;
    if (nargs == 3) {
      Value p = arg(2);
      if (p.kind != Value::scalar || p.s <= 0) throw MathError("SEARCH: the period must be a positive number");
      period = static_cast<int64_t>(p.s);
    }
    if (!env.search) throw MathError("SEARCH is not available here");
    Value o;
    o.kind = Value::array;
    o.list = env.search(q, stat, period);
    return o;
  }
  if (f == "ANOMALY_DETECTION_BAND") {
    need(1, 2);
    // The documented simple model: the band is the series' mean ± k standard deviations over
    // the points it has in the window (k default 2).
    Value src = arg(0);
    const Series& s = single(src, f);
    double k = nargs == 2 ? arg(1).s : 2;
    auto xs = present(s);
    Value o;
    o.kind = Value::array;
    double mean = xs.empty() ? kNaN : reduce_avg(xs), sd = xs.empty() ? kNaN : reduce_stddev(xs);
    Series up{s.id, s.label + " (upper)", std::vector<double>(s.v.size(), kNaN)};
    Series lo{s.id, s.label + " (lower)", std::vector<double>(s.v.size(), kNaN)};
    for (size_t i = 0; i < s.v.size(); ++i) {
      up.v[i] = mean + k * sd;
      lo.v[i] = mean - k * sd;
    }
    o.list.push_back(std::move(up));
    o.list.push_back(std::move(lo));
    return o;
  }
  throw MathError("Unknown function: " + f);
}

}  // namespace stratus::cloudwatch::math
