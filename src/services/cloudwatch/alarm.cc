#include "services/cloudwatch/alarm.h"

#include <algorithm>
#include <cctype>

namespace stratus::cloudwatch {

bool breaches(const Rule& r, const Point& p) {
  if (!p.value) return false;
  double v = *p.value;
  const std::string& c = r.comparison;
  if (c == "GreaterThanOrEqualToThreshold") return v >= r.threshold;
  if (c == "GreaterThanThreshold") return v > r.threshold;
  if (c == "LessThanThreshold") return v < r.threshold;
  if (c == "LessThanOrEqualToThreshold") return v <= r.threshold;
  if (c == "LessThanLowerOrGreaterThanUpperThreshold") return (p.lower && v < *p.lower) || (p.upper && v > *p.upper);
  if (c == "LessThanLowerThreshold") return p.lower && v < *p.lower;
  if (c == "GreaterThanUpperThreshold") return p.upper && v > *p.upper;
  return false;
}

Verdict evaluate_alarm(const Rule& r, const std::vector<Point>& range) {
  Verdict out;
  const int n = std::max(1, r.evaluation_periods);
  const int m = r.datapoints_to_alarm > 0 ? std::min(r.datapoints_to_alarm, n) : n;
  std::vector<Point> real;
  for (const auto& p : range)
    if (p.value) real.push_back(p);
  if (static_cast<int>(real.size()) >= n) {
    out.decided.assign(real.end() - n, real.end());
    for (const auto& p : out.decided) out.breaching += breaches(r, p);
    out.state = out.breaching >= m ? "ALARM" : "OK";
    return out;
  }
  if (real.empty()) {
    const std::string& t = r.treat_missing;
    out.fills = n;
    if (t == "breaching") {
      out.breaching = n;
      out.state = "ALARM";
    } else if (t == "notBreaching") {
      out.state = "OK";
    } else if (t == "ignore") {
      out.state = "";
    } else {
      out.state = "INSUFFICIENT_DATA";
    }
    return out;
  }
  out.decided = real;
  out.fills = n - static_cast<int>(real.size());
  int real_breaching = 0;
  for (const auto& p : real) real_breaching += breaches(r, p);
  out.breaching = real_breaching + (r.treat_missing == "breaching" ? out.fills : 0);
  if (out.breaching >= m) {
    out.state = "ALARM";
    return out;
  }
  out.state = "OK";
  if (r.treat_missing == "missing" || r.treat_missing == "ignore") {
    // Premature-alarm guard: every real point breaching, the oldest breaching point within the
    // last N at least M periods old (its position from the newest, 1-based).
    bool all_breach = real_breaching == static_cast<int>(real.size());
    int tail = std::min<int>(n, static_cast<int>(range.size()));
    int oldest_age = 0;
    for (int i = static_cast<int>(range.size()) - tail; i < static_cast<int>(range.size()); ++i) {
      if (breaches(r, range[static_cast<size_t>(i)])) {
        oldest_age = static_cast<int>(range.size()) - i;
        break;
      }
    }
    if (all_breach && oldest_age >= m) out.state = r.treat_missing == "ignore" ? "" : "ALARM";
  }
  return out;
}

Window evaluation_window(int64_t now_ms, int64_t period_ms, int n) {
  Window w;
  if (period_ms <= 0) period_ms = 60'000;
  w.end_ms = now_ms / period_ms * period_ms;
  w.start_ms = w.end_ms - range_size(std::max(1, n)) * period_ms;
  return w;
}

std::string suppressed_by(const SuppressionInput& in, int64_t now_ms) {
  if (in.sup_state == "ALARM") return "Alarm";
  bool left_alarm = in.sup_prev == "ALARM";
  if (left_alarm && now_ms < in.sup_changed_ms + in.ext_ms) return "ExtensionPeriod";
  if (in.state == "ALARM" && !in.seen_alarm && now_ms < in.since_ms + in.wait_ms) return "WaitPeriod";
  return "";
}

// ---- composite rules ----
namespace {

constexpr size_t kMaxRule = 10240;
constexpr int kMaxDepth = 64;

class RuleParser {
 public:
  explicit RuleParser(std::string_view s) : s_(s) {}
  std::unique_ptr<RuleNode> top() {
    auto n = or_expr(0);
    skip();
    if (pos_ != s_.size()) fail("Unexpected character at position " + std::to_string(pos_ + 1));
    if (alarms_ > 100) throw RuleError("The AlarmRule can reference at most 100 alarms.");
    if (elements_ > 500) throw RuleError("The AlarmRule can have at most 500 elements.");
    return n;
  }

 private:
  [[noreturn]] void fail(const std::string& m) { throw RuleError(m); }
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  std::string word() {
    skip();
    size_t st = pos_;
    while (pos_ < s_.size() && (std::isalpha(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
    return std::string(s_.substr(st, pos_ - st));
  }
  bool peek_word(std::string_view w) {
    skip();
    if (s_.substr(pos_, w.size()) != w) return false;
    size_t e = pos_ + w.size();
    return e >= s_.size() || !(std::isalnum(static_cast<unsigned char>(s_[e])) || s_[e] == '_');
  }
  std::unique_ptr<RuleNode> node(RuleNode::Kind k) {
    ++elements_;
    auto n = std::make_unique<RuleNode>();
    n->kind = k;
    return n;
  }
  // One left-associative level: operands parsed by `operand`, joined by the word `op`.
  template <typename Operand>
  std::unique_ptr<RuleNode> binary(int d, std::string_view op, RuleNode::Kind kind, Operand operand) {
    auto l = operand(d + 1);
    while (peek_word(op)) {
      pos_ += op.size();
      auto n = node(kind);
      n->args.push_back(std::move(l));
      n->args.push_back(operand(d + 1));
      l = std::move(n);
    }
    return l;
  }
  std::unique_ptr<RuleNode> or_expr(int d) {
    if (d > kMaxDepth) fail("The AlarmRule is nested too deeply.");
    return binary(d, "OR", RuleNode::op_or, [this](int x) { return and_expr(x); });
  }
  std::unique_ptr<RuleNode> and_expr(int d) {
    return binary(d, "AND", RuleNode::op_and, [this](int x) { return not_expr(x); });
  }
  std::unique_ptr<RuleNode> not_expr(int d) {
    if (d > kMaxDepth) fail("The AlarmRule is nested too deeply.");
    if (peek_word("NOT")) {
      pos_ += 3;
      auto n = node(RuleNode::op_not);
      n->args.push_back(not_expr(d + 1));
      return n;
    }
    return primary(d + 1);
  }
  std::unique_ptr<RuleNode> primary(int d) {
    skip();
    if (pos_ < s_.size() && s_[pos_] == '(') {
      ++pos_;
      ++elements_;
      auto n = or_expr(d + 1);
      skip();
      if (pos_ >= s_.size() || s_[pos_] != ')') fail("Missing closing parenthesis.");
      ++pos_;
      return n;
    }
    size_t at = pos_;
    std::string w = word();
    if (w == "TRUE" || w == "FALSE") {
      auto n = node(RuleNode::constant);
      n->value = w == "TRUE";
      return n;
    }
    if (w == "ALARM" || w == "OK" || w == "INSUFFICIENT_DATA") {
      skip();
      if (pos_ >= s_.size() || s_[pos_] != '(') fail("Expected '(' after " + w + ".");
      ++pos_;
      skip();
      std::string name;
      if (pos_ < s_.size() && s_[pos_] == '"') {
        size_t e = s_.find('"', pos_ + 1);
        if (e == std::string_view::npos) fail("Unterminated quoted alarm name.");
        name = std::string(s_.substr(pos_ + 1, e - pos_ - 1));
        pos_ = e + 1;
      } else {
        size_t st = pos_;
        int depth = 0;
        while (pos_ < s_.size() && (s_[pos_] != ')' || depth > 0)) {
          if (s_[pos_] == '(') ++depth;
          if (s_[pos_] == ')') --depth;
          ++pos_;
        }
        name = std::string(s_.substr(st, pos_ - st));
        while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
      }
      skip();
      if (pos_ >= s_.size() || s_[pos_] != ')') fail("Missing closing parenthesis after the alarm name.");
      ++pos_;
      if (name.empty()) fail("Empty alarm name in " + w + "().");
      auto n = node(RuleNode::check);
      n->state = w;
      n->alarm = std::move(name);
      ++alarms_;
      return n;
    }
    fail("Unexpected token at position " + std::to_string(at + 1) + ".");
  }

  std::string_view s_;
  size_t pos_ = 0;
  int alarms_ = 0, elements_ = 0;
};

}  // namespace

std::unique_ptr<RuleNode> parse_rule(std::string_view text) {
  if (text.empty() || text.size() > kMaxRule) throw RuleError("The AlarmRule must be 1 to 10240 characters.");
  return RuleParser(text).top();
}

void rule_alarms(const RuleNode& n, std::vector<std::string>& out) {
  if (n.kind == RuleNode::check && std::find(out.begin(), out.end(), n.alarm) == out.end()) out.push_back(n.alarm);
  for (const auto& a : n.args) rule_alarms(*a, out);
}

bool eval_rule(const RuleNode& n, const std::function<std::string(const std::string&)>& state_of) {
  switch (n.kind) {
    case RuleNode::constant:
      return n.value;
    case RuleNode::check:
      return state_of(n.alarm) == n.state;
    case RuleNode::op_and:
      return eval_rule(*n.args[0], state_of) && eval_rule(*n.args[1], state_of);
    case RuleNode::op_or:
      return eval_rule(*n.args[0], state_of) || eval_rule(*n.args[1], state_of);
    case RuleNode::op_not:
      return !eval_rule(*n.args[0], state_of);
  }
  return false;
}

}  // namespace stratus::cloudwatch
