#include "events/pattern/pattern.h"
#include "core/encoding.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/glob.h"
#include "core/json.h"

namespace stratus::events::pattern {

struct Rule {
  enum class Kind {
    exact_string, exact_number, exact_null, exact_bool,
    prefix, suffix, equals_ignore_case, prefix_ignore_case, suffix_ignore_case, wildcard,
    anything_but, numeric, exists, cidr
  };
  Kind kind;
  std::string text;                // strings, prefix/suffix/wildcard patterns (lower-cased for *_ignore_case)
  double number = 0;               // exact_number
  bool flag = false;               // exact_bool, exists
  std::vector<Rule> negated;       // anything_but: none of these may match
  struct Bound {
    enum class Op { lt, le, eq, ge, gt } op;
    double value;
  };
  std::vector<Bound> bounds;       // numeric
  unsigned char net[16] = {};      // cidr: network address
  int family = 0;                  // AF_INET / AF_INET6
  int prefix_bits = 0;
};

struct Node {
  struct Field {
    std::string key;
    std::vector<Rule> rules;      // leaf
    std::shared_ptr<Node> child;  // nested object instead of rules
  };
  std::vector<Field> fields;
  std::vector<std::vector<std::shared_ptr<Node>>> ors;  // each "$or": alternatives
};

namespace {

constexpr int kMaxDepth = 64;

bool parse_ip(std::string_view text, unsigned char out[16], int& family) {
  std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), out) == 1) {
    family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out) == 1) {
    family = AF_INET6;
    return true;
  }
  return false;
}

// A wildcard pattern's first error: "**", or '\\' before anything but '*' or '\\'.
std::optional<std::string> wildcard_error(const std::string& w) {
  for (size_t i = 0; i < w.size(); ++i) {
    if (w[i] == '\\') {
      if (i + 1 >= w.size() || (w[i + 1] != '*' && w[i + 1] != '\\'))
        return "Invalid escape character at pos " + std::to_string(i + 1);
      ++i;
    } else if (w[i] == '*' && i + 1 < w.size() && w[i + 1] == '*') {
      return "Consecutive wildcard characters at pos " + std::to_string(i + 1);
    }
  }
  return std::nullopt;
}

class Compiler {
 public:
  explicit Compiler(std::string* error) : error_(error) {}

  std::shared_ptr<Node> object(const Doc& d, int depth) {
    if (depth > kMaxDepth) return fail("Pattern nesting is too deep");
    if (!d.is_map()) return fail("Filter policy must be a JSON object");
    auto node = std::make_shared<Node>();
    for (const auto& [key, v] : d.as_map()) {
      if (key == "$or") {
        if (!v.is_list() || v.as_list().size() < 2) return fail("$or must be an array of at least two patterns");
        std::vector<std::shared_ptr<Node>> alts;
        for (const auto& alt : v.as_list()) {
          auto n = object(alt, depth + 1);
          if (!n) return nullptr;
          alts.push_back(std::move(n));
        }
        node->ors.push_back(std::move(alts));
        continue;
      }
      Node::Field f;
      f.key = key;
      if (v.is_map()) {
        f.child = object(v, depth + 1);
        if (!f.child) return nullptr;
        if (f.child->fields.empty() && f.child->ors.empty()) return fail("Empty objects are not allowed");
      } else if (v.is_list()) {
        if (v.as_list().empty()) return fail("Empty arrays are not allowed");
        for (const auto& r : v.as_list()) {
          auto rule = leaf(r);
          if (!rule) return nullptr;
          f.rules.push_back(std::move(*rule));
        }
      } else {
        return fail("\"" + key + "\" must be an object or an array");
      }
      node->fields.push_back(std::move(f));
    }
    if (depth == 0 && node->fields.empty() && node->ors.empty()) return fail("Filter policy can not be empty");
    return node;
  }

 private:
  std::nullptr_t fail(std::string msg) {
    if (error_ && error_->empty()) *error_ = std::move(msg);
    return nullptr;
  }
  std::optional<Rule> bad(std::string msg) {
    fail(std::move(msg));
    return std::nullopt;
  }

  std::optional<Rule> literal(const Doc& v) {
    Rule r;
    switch (v.type()) {
      case Doc::Type::string: r.kind = Rule::Kind::exact_string; r.text = v.as_string(); return r;
      case Doc::Type::integer:
      case Doc::Type::floating: r.kind = Rule::Kind::exact_number; r.number = v.as_double(); return r;
      case Doc::Type::null: r.kind = Rule::Kind::exact_null; return r;
      case Doc::Type::boolean: r.kind = Rule::Kind::exact_bool; r.flag = v.as_bool(); return r;
      default: return bad("Match value must be String, number, true, false, or null");
    }
  }

  // prefix/suffix take a string or {"equals-ignore-case": string}.
  std::optional<Rule> affix(const Doc& v, bool is_prefix) {
    const char* name = is_prefix ? "prefix" : "suffix";
    Rule r;
    if (v.is_string()) {
      r.kind = is_prefix ? Rule::Kind::prefix : Rule::Kind::suffix;
      r.text = v.as_string();
      return r;
    }
    if (v.is_map() && v.size() == 1 && v.has("equals-ignore-case") && v.get("equals-ignore-case")->is_string()) {
      r.kind = is_prefix ? Rule::Kind::prefix_ignore_case : Rule::Kind::suffix_ignore_case;
      r.text = enc::ascii_lower(v.get("equals-ignore-case")->as_string());
      return r;
    }
    return bad(std::string(name) + " match pattern must be a string");
  }

  std::optional<Rule> numeric(const Doc& v) {
    if (!v.is_list() || v.as_list().empty()) return bad("Value of numeric must be an array.");
    const auto& l = v.as_list();
    if (l.size() % 2 != 0 || l.size() > 4) return bad("Too many elements in numeric expression");
    Rule r;
    r.kind = Rule::Kind::numeric;
    for (size_t i = 0; i < l.size(); i += 2) {
      if (!l[i].is_string()) return bad("Value of numeric operator must be a string");
      const std::string& op = l[i].as_string();
      if (!l[i + 1].is_number()) return bad("Value of " + op + " must be numeric");
      Rule::Bound b{};
      b.value = l[i + 1].as_double();
      if (op == "<") b.op = Rule::Bound::Op::lt;
      else if (op == "<=") b.op = Rule::Bound::Op::le;
      else if (op == "=") b.op = Rule::Bound::Op::eq;
      else if (op == ">=") b.op = Rule::Bound::Op::ge;
      else if (op == ">") b.op = Rule::Bound::Op::gt;
      else return bad("Unrecognized numeric range operator: " + op);
      r.bounds.push_back(b);
    }
    if (r.bounds.size() == 2) {
      auto lower_op = [](Rule::Bound::Op o) { return o == Rule::Bound::Op::gt || o == Rule::Bound::Op::ge; };
      auto upper_op = [](Rule::Bound::Op o) { return o == Rule::Bound::Op::lt || o == Rule::Bound::Op::le; };
      if (!lower_op(r.bounds[0].op) || !upper_op(r.bounds[1].op)) return bad("Bad numeric range operator");
      if (r.bounds[0].value >= r.bounds[1].value) return bad("Bottom must be less than top");
    } else if (r.bounds.size() == 1 && r.bounds[0].op == Rule::Bound::Op::eq) {
      // fine
    }
    return r;
  }

  std::optional<Rule> cidr(const Doc& v) {
    if (!v.is_string()) return bad("Value of cidr must be a string");
    const std::string& s = v.as_string();
    auto slash = s.find('/');
    if (slash == std::string::npos) return bad("Malformed CIDR, one '/' required");
    Rule r;
    r.kind = Rule::Kind::cidr;
    if (!parse_ip(s.substr(0, slash), r.net, r.family)) return bad("Nonstandard IP address: " + s.substr(0, slash));
    std::string bits = s.substr(slash + 1);
    int max = r.family == AF_INET ? 32 : 128;
    if (bits.empty() || bits.size() > 3 || bits.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(bits) > max)
      return bad("Malformed CIDR, mask bits must be an integer between 0 and " + std::to_string(max));
    r.prefix_bits = std::stoi(bits);
    return r;
  }

  std::optional<Rule> anything_but(const Doc& v) {
    Rule r;
    r.kind = Rule::Kind::anything_but;
    if (v.is_list()) {
      if (v.as_list().empty()) return bad("Empty arrays are not allowed");
      for (const auto& x : v.as_list()) {
        if (!x.is_string() && !x.is_number()) return bad("Inside anything but list, start|null|boolean is not supported.");
        auto lit = literal(x);
        if (!lit) return std::nullopt;
        r.negated.push_back(std::move(*lit));
      }
      return r;
    }
    if (v.is_string() || v.is_number()) {
      auto lit = literal(v);
      if (!lit) return std::nullopt;
      r.negated.push_back(std::move(*lit));
      return r;
    }
    if (v.is_map() && v.size() == 1) {
      const auto& [op, arg] = *v.as_map().begin();
      if (op == "prefix" || op == "suffix") {
        if (!arg.is_string()) return bad("Value of " + op + " inside anything-but must be a string");
        auto a = affix(arg, op == "prefix");
        if (!a) return std::nullopt;
        r.negated.push_back(std::move(*a));
        return r;
      }
      if (op == "equals-ignore-case" || op == "wildcard") {
        std::vector<const Doc*> items;
        if (arg.is_list()) for (const auto& x : arg.as_list()) items.push_back(&x);
        else items.push_back(&arg);
        for (const Doc* x : items) {
          if (!x->is_string()) return bad("Value of " + op + " inside anything-but must be a string");
          if (op == "wildcard") {
            if (auto e = wildcard_error(x->as_string())) return bad(*e);
          }
          Rule n;
          n.kind = op == "wildcard" ? Rule::Kind::wildcard : Rule::Kind::equals_ignore_case;
          n.text = op == "wildcard" ? x->as_string() : enc::ascii_lower(x->as_string());
          r.negated.push_back(std::move(n));
        }
        return r;
      }
      return bad("Unsupported anything-but pattern: " + op);
    }
    return bad("Value of anything-but must be an array or single string/number value.");
  }

  std::optional<Rule> leaf(const Doc& v) {
    if (!v.is_map()) return literal(v);
    if (v.size() != 1) return bad("Only one key allowed in match expression");
    const auto& [op, arg] = *v.as_map().begin();
    if (op == "prefix") return affix(arg, true);
    if (op == "suffix") return affix(arg, false);
    if (op == "equals-ignore-case") {
      if (!arg.is_string()) return bad("equals-ignore-case match pattern must be a string");
      Rule r;
      r.kind = Rule::Kind::equals_ignore_case;
      r.text = enc::ascii_lower(arg.as_string());
      return r;
    }
    if (op == "wildcard") {
      if (!arg.is_string()) return bad("wildcard match pattern must be a string");
      if (auto e = wildcard_error(arg.as_string())) return bad(*e);
      Rule r;
      r.kind = Rule::Kind::wildcard;
      r.text = arg.as_string();
      return r;
    }
    if (op == "anything-but") return anything_but(arg);
    if (op == "numeric") return numeric(arg);
    if (op == "exists") {
      if (!arg.is_bool()) return bad("exists match pattern must be either true or false.");
      Rule r;
      r.kind = Rule::Kind::exists;
      r.flag = arg.as_bool();
      return r;
    }
    if (op == "cidr") return cidr(arg);
    return bad("Unrecognized match type " + op);
  }

  std::string* error_;
};

bool numeric_ok(const Rule& r, double x) {
  for (const auto& b : r.bounds) {
    bool ok = false;
    switch (b.op) {
      case Rule::Bound::Op::lt: ok = x < b.value; break;
      case Rule::Bound::Op::le: ok = x <= b.value; break;
      case Rule::Bound::Op::eq: ok = x == b.value; break;
      case Rule::Bound::Op::ge: ok = x >= b.value; break;
      case Rule::Bound::Op::gt: ok = x > b.value; break;
    }
    if (!ok) return false;
  }
  return true;
}

bool cidr_ok(const Rule& r, const std::string& ip) {
  unsigned char a[16] = {};
  int family = 0;
  if (!parse_ip(ip, a, family) || family != r.family) return false;
  int bits = r.prefix_bits;
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((a[i] & mask) != (r.net[i] & mask)) return false;
  }
  return true;
}

// A rule against one present scalar value.
bool scalar_matches(const Rule& r, const Doc& v) {
  using K = Rule::Kind;
  switch (r.kind) {
    case K::exact_string: return v.is_string() && v.as_string() == r.text;
    case K::exact_number: return v.is_number() && v.as_double() == r.number;
    case K::exact_null: return v.is_null();
    case K::exact_bool: return v.is_bool() && v.as_bool() == r.flag;
    case K::prefix: return v.is_string() && v.as_string().compare(0, r.text.size(), r.text) == 0;
    case K::suffix:
      return v.is_string() && v.as_string().size() >= r.text.size() &&
             v.as_string().compare(v.as_string().size() - r.text.size(), r.text.size(), r.text) == 0;
    case K::equals_ignore_case:
      return v.is_string() && enc::ascii_lower(v.as_string()) == r.text;
    case K::prefix_ignore_case:
      return v.is_string() && enc::ascii_lower(v.as_string()).compare(0, r.text.size(), r.text) == 0;
    case K::suffix_ignore_case: {
      if (!v.is_string() || v.as_string().size() < r.text.size()) return false;
      std::string l = enc::ascii_lower(v.as_string());
      return l.compare(l.size() - r.text.size(), r.text.size(), r.text) == 0;
    }
    case K::wildcard:
      return v.is_string() && glob_match(r.text, v.as_string(), {.escaped_star = true});
    case K::anything_but: {
      if (!v.is_string() && !v.is_number()) return false;
      for (const auto& n : r.negated) {
        // prefix/suffix/wildcard/equals-ignore-case negations say nothing about numbers
        bool literal = n.kind == K::exact_string || n.kind == K::exact_number;
        if (!literal && !v.is_string()) return false;
        if (scalar_matches(n, v)) return false;
      }
      return true;
    }
    case K::numeric: return v.is_number() && numeric_ok(r, v.as_double());
    case K::exists: return r.flag;
    case K::cidr: return v.is_string() && cidr_ok(r, v.as_string());
  }
  return false;
}

bool field_matches(const Node::Field& f, const Doc* v);

bool node_matches(const Node& n, const Doc* obj) {
  for (const auto& f : n.fields) {
    const Doc* v = obj && obj->is_map() ? obj->get(f.key) : nullptr;
    if (!field_matches(f, v)) return false;
  }
  for (const auto& alts : n.ors) {
    bool any = false;
    for (const auto& a : alts) {
      if (node_matches(*a, obj)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

bool field_matches(const Node::Field& f, const Doc* v) {
  if (f.child) {
    if (v && v->is_list()) {
      for (const auto& e : v->as_list())
        if (node_matches(*f.child, &e)) return true;
      return false;
    }
    return node_matches(*f.child, v);
  }
  if (!v) {
    for (const auto& r : f.rules)
      if (r.kind == Rule::Kind::exists && !r.flag) return true;
    return false;
  }
  if (v->is_list()) {
    for (const auto& r : f.rules) {
      if (r.kind == Rule::Kind::exists) {
        if (r.flag) return true;
        continue;
      }
      for (const auto& e : v->as_list())
        if (scalar_matches(r, e)) return true;
    }
    return false;
  }
  if (v->is_map()) {
    // An object where a value was expected: the field is not a leaf, so it does not "exist" as a
    // value (event-ruler flattens events to leaves): exists:false matches, nothing else does.
    for (const auto& r : f.rules)
      if (r.kind == Rule::Kind::exists && !r.flag) return true;
    return false;
  }
  for (const auto& r : f.rules)
    if (scalar_matches(r, *v)) return true;
  return false;
}

size_t count(const Node& n) {
  size_t total = 0;
  for (const auto& f : n.fields) total += f.child ? count(*f.child) : f.rules.size();
  for (const auto& alts : n.ors)
    for (const auto& a : alts) total += count(*a);
  return total;
}

size_t combos(const Node& n) {
  size_t total = 1;
  auto mul = [&total](size_t k) { total = std::min<size_t>(total * std::max<size_t>(k, 1), 1'000'000'000); };
  for (const auto& f : n.fields)
    if (f.child) mul(combos(*f.child));
  for (const auto& alts : n.ors) {
    size_t sum = 0;
    for (const auto& a : alts) sum = std::min<size_t>(sum + combos(*a), 1'000'000'000);
    mul(sum);
  }
  return total;
}

}  // namespace

size_t Pattern::or_combinations() const {
  return root_ ? combos(*root_) : 0;
}

std::optional<Pattern> Pattern::compile(const Doc& pattern, std::string* error) {
  std::string err;
  Compiler c(&err);
  auto root = c.object(pattern, 0);
  if (!root) {
    if (error) *error = err.empty() ? "Invalid pattern" : err;
    return std::nullopt;
  }
  Pattern p;
  p.root_ = std::move(root);
  return p;
}

std::optional<Pattern> Pattern::parse(std::string_view json_text, std::string* error) {
  Doc d;
  try {
    d = json::parse(json_text);
  } catch (const AwsError& e) {
    if (error) *error = "Filter policy must be valid JSON";
    return std::nullopt;
  }
  return compile(d, error);
}

bool Pattern::match(const Doc& event) const { return root_ && node_matches(*root_, &event); }

size_t Pattern::complexity() const { return root_ ? count(*root_) : 0; }

}  // namespace stratus::events::pattern
