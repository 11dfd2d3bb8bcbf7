#include "auth/policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>

#include "core/arn.h"
#include "core/doc.h"
#include "core/encoding.h"
#include "core/json.h"

namespace stratus::auth::policy {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

Parsed fail(ErrorKind kind, std::string message) {
  Parsed p;
  p.error = {kind, std::move(message)};
  return p;
}

// The operators AWS documents (without IfExists / set prefixes).
const std::set<std::string, std::less<>>& operators() {
  static const std::set<std::string, std::less<>> ops = {"StringEquals",
                                                         "StringNotEquals",
                                                         "StringEqualsIgnoreCase",
                                                         "StringNotEqualsIgnoreCase",
                                                         "StringLike",
                                                         "StringNotLike",
                                                         "NumericEquals",
                                                         "NumericNotEquals",
                                                         "NumericLessThan",
                                                         "NumericLessThanEquals",
                                                         "NumericGreaterThan",
                                                         "NumericGreaterThanEquals",
                                                         "DateEquals",
                                                         "DateNotEquals",
                                                         "DateLessThan",
                                                         "DateLessThanEquals",
                                                         "DateGreaterThan",
                                                         "DateGreaterThanEquals",
                                                         "Bool",
                                                         "BinaryEquals",
                                                         "IpAddress",
                                                         "NotIpAddress",
                                                         "ArnEquals",
                                                         "ArnLike",
                                                         "ArnNotEquals",
                                                         "ArnNotLike",
                                                         "Null"};
  return ops;
}

bool negated(std::string_view op) {
  return op.find("Not") != std::string_view::npos;
}

// Strings of a member that may be a string or a list of strings; false on any other type.
bool string_list(const Doc& v, std::vector<std::string>& out, bool allow_scalars = false) {
  auto one = [&](const Doc& x) {
    if (x.is_string()) {
      out.push_back(x.as_string());
      return true;
    }
    if (!allow_scalars) return false;
    if (x.is_bool()) {
      out.push_back(x.as_bool() ? "true" : "false");
      return true;
    }
    if (x.is_int()) {
      out.push_back(std::to_string(x.as_int()));
      return true;
    }
    if (x.is_double()) {
      std::string s = json::write(x);
      out.push_back(s);
      return true;
    }
    return false;
  };
  if (v.is_list()) {
    for (const Doc& x : v.as_list())
      if (!one(x)) return false;
    return true;
  }
  return one(v);
}

bool is_account_id(std::string_view s) {
  return s.size() == 12 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE split into its six parts.
std::optional<std::array<std::string_view, 6>> split_arn(std::string_view arn) {
  std::array<std::string_view, 6> parts;
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    size_t c = arn.find(':', pos);
    if (c == std::string_view::npos) return std::nullopt;
    parts[i] = arn.substr(pos, c - pos);
    pos = c + 1;
  }
  parts[5] = arn.substr(pos);
  if (parts[0] != "arn") return std::nullopt;
  return parts;
}

bool valid_aws_principal(std::string_view p) {
  if (p == "*" || is_account_id(p)) return true;
  auto parts = split_arn(p);
  if (!parts) return false;
  auto [arn, partition, service, region, account, resource] = *parts;
  (void)arn;
  (void)region;
  if (partition.empty() || !is_account_id(account) || resource.empty()) return false;
  if (service == "iam")
    return resource == "root" || resource.starts_with("user/") || resource.starts_with("role/") ||
           resource.starts_with("federated-user/") || resource.starts_with("group/");
  if (service == "sts") return resource.starts_with("assumed-role/") || resource.starts_with("federated-user/");
  return false;
}

bool valid_action(std::string_view a) {
  if (a == "*") return true;
  size_t c = a.find(':');
  if (c == std::string_view::npos || c == 0 || c + 1 == a.size()) return false;
  for (char ch : a.substr(0, c))
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '*' || ch == '?')) return false;
  return a.find(':', c + 1) == std::string_view::npos;
}

bool valid_resource(std::string_view r) {
  return r == "*" || (r.starts_with("arn:") && split_arn(r));
}

std::optional<Error> parse_condition(const Doc& block, std::vector<Condition>& out) {
  if (!block.is_map()) return Error{ErrorKind::syntax, "Invalid policy syntax."};
  for (const auto& [name, keys] : block.as_map()) {
    Condition base;
    std::string_view op = name;
    if (op.starts_with("ForAnyValue:")) {
      base.set = Condition::Set::for_any;
      op.remove_prefix(12);
    } else if (op.starts_with("ForAllValues:")) {
      base.set = Condition::Set::for_all;
      op.remove_prefix(13);
    }
    if (op.ends_with("IfExists") && op != "Null") {
      base.if_exists = true;
      op.remove_suffix(8);
    }
    if (!operators().count(op) || (op == "Null" && (base.if_exists || base.set != Condition::Set::none)))
      return Error{ErrorKind::invalid_condition, "Invalid Condition type : " + name};
    base.op = std::string(op);
    if (!keys.is_map() || keys.as_map().empty()) return Error{ErrorKind::invalid_condition, "Invalid policy syntax."};
    for (const auto& [key, values] : keys.as_map()) {
      Condition c = base;
      if (key.empty()) return Error{ErrorKind::invalid_condition, "Policy has an invalid condition key"};
      c.key = enc::ascii_lower(key);
      if (!string_list(values, c.values, true) || c.values.empty())
        return Error{ErrorKind::invalid_condition, "Invalid policy syntax."};
      if (c.op == "Null" || c.op == "Bool") {
        for (const auto& v : c.values)
          if (!iequals(v, "true") && !iequals(v, "false"))
            return Error{ErrorKind::invalid_condition, "Invalid Condition value for " + name + " : " + v};
      }
      out.push_back(std::move(c));
    }
  }
  return std::nullopt;
}

std::optional<Error> parse_principal(const Doc& v, Statement& st) {
  const Error bad{ErrorKind::invalid_principal, "Invalid principal in policy"};
  st.has_principal = true;
  if (v.is_string()) {
    if (v.as_string() != "*") return bad;
    st.principal_any = true;
    return std::nullopt;
  }
  if (!v.is_map() || v.as_map().empty()) return bad;
  for (const auto& [type, values] : v.as_map()) {
    if (type != "AWS" && type != "Service" && type != "CanonicalUser" && type != "Federated") return bad;
    std::vector<std::string> list;
    if (!string_list(values, list) || list.empty()) return bad;
    for (const auto& p : list) {
      if (p.empty()) return bad;
      if (type == "AWS") {
        if (!valid_aws_principal(p)) return bad;
        if (p == "*") st.principal_any = true;
      } else if (type == "CanonicalUser") {
        if (p.size() != 64 ||
            !std::all_of(p.begin(), p.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
          return bad;
      } else if (p.find('*') != std::string::npos && p != "*") {
        return bad;
      }
    }
    auto& dst = st.principals[type];
    dst.insert(dst.end(), list.begin(), list.end());
  }
  return std::nullopt;
}

std::optional<Error> parse_statement(const Doc& d, const ParseOptions& o, Statement& st) {
  if (!d.is_map()) return Error{ErrorKind::syntax, "Invalid policy syntax."};
  static const std::set<std::string, std::less<>> known = {
      "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"};
  for (const auto& [k, v] : d.as_map()) {
    (void)v;
    if (!known.count(k)) return Error{ErrorKind::unknown_field, "Unknown field " + k};
  }
  if (const Doc* sid = d.get("Sid")) {
    if (!sid->is_string()) return Error{ErrorKind::syntax, "Invalid policy syntax."};
    st.sid = sid->as_string();
  }
  const Doc* effect = d.get("Effect");
  if (!effect) return Error{ErrorKind::missing_field, "Missing required field Effect"};
  if (!effect->is_string() || (effect->as_string() != "Allow" && effect->as_string() != "Deny"))
    return Error{ErrorKind::invalid_effect,
                 "Invalid effect: " + (effect->is_string() ? effect->as_string() : json::write(*effect))};
  st.allow = effect->as_string() == "Allow";

  const Doc* principal = d.get("Principal");
  const Doc* not_principal = d.get("NotPrincipal");
  if (principal && not_principal) return Error{ErrorKind::syntax, "Invalid policy syntax."};
  if (o.principal == PrincipalRule::forbidden && (principal || not_principal))
    return Error{ErrorKind::principal_forbidden, "Policy document should not specify a principal."};
  if (o.principal == PrincipalRule::required && !principal && !not_principal)
    return Error{ErrorKind::missing_field, "Missing required field Principal"};
  if (principal || not_principal) {
    if (auto e = parse_principal(principal ? *principal : *not_principal, st)) return e;
    st.not_principal = not_principal != nullptr;
  }

  const Doc* action = d.get("Action");
  const Doc* not_action = d.get("NotAction");
  if (action && not_action) return Error{ErrorKind::syntax, "Invalid policy syntax."};
  if (!action && !not_action) return Error{ErrorKind::missing_field, "Missing required field Action"};
  st.not_action = not_action != nullptr;
  if (!string_list(action ? *action : *not_action, st.actions))
    return Error{ErrorKind::syntax, "Invalid policy syntax."};
  if (st.actions.empty()) return Error{ErrorKind::missing_field, "Missing required field Action"};
  for (const auto& a : st.actions)
    if (!valid_action(a)) return Error{ErrorKind::invalid_action, "Policy has invalid action"};

  const Doc* resource = d.get("Resource");
  const Doc* not_resource = d.get("NotResource");
  if (resource && not_resource) return Error{ErrorKind::syntax, "Invalid policy syntax."};
  if (resource || not_resource) {
    st.has_resource = true;
    st.not_resource = not_resource != nullptr;
    if (!string_list(resource ? *resource : *not_resource, st.resources))
      return Error{ErrorKind::syntax, "Invalid policy syntax."};
    if (st.resources.empty()) return Error{ErrorKind::missing_field, "Missing required field Resource"};
    for (const auto& r : st.resources)
      if (o.check_resources && !valid_resource(r))
        return Error{ErrorKind::invalid_resource, "Policy has invalid resource"};
  } else if (o.require_resource) {
    return Error{ErrorKind::missing_field, "Missing required field Resource"};
  }
  if (const Doc* cond = d.get("Condition"))
    if (auto e = parse_condition(*cond, st.conditions)) return e;
  return std::nullopt;
}

// A pattern of the policy with its policy variables replaced (values escaped for
// wildcard_match; the policy's own text keeps its wildcards). nullopt: a variable has no value.
std::optional<std::string> substitute(std::string_view text, const Request& r, bool variables) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (variables && c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      size_t end = text.find('}', i + 2);
      if (end != std::string_view::npos) {
        std::string_view name = text.substr(i + 2, end - i - 2);
        i = end;
        if (name == "*" || name == "?" || name == "$") {
          out += '\\';
          out += name[0];
          continue;
        }
        std::optional<std::string> dflt;
        if (size_t comma = name.find(','); comma != std::string_view::npos) {
          std::string_view d = name.substr(comma + 1);
          while (!d.empty() && d.front() == ' ') d.remove_prefix(1);
          while (!d.empty() && d.back() == ' ') d.remove_suffix(1);
          if (d.size() >= 2 && d.front() == '\'' && d.back() == '\'') dflt = std::string(d.substr(1, d.size() - 2));
          name = name.substr(0, comma);
          while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
        }
        const auto* v = r.find(name);
        if (v && v->size() == 1) {
          out += escape_wildcards((*v)[0]);
        } else if (dflt) {
          out += escape_wildcards(*dflt);
        } else {
          return std::nullopt;
        }
        continue;
      }
    }
    if (c == '\\') out += '\\';
    out += c;
  }
  return out;
}

bool principal_matches(const Statement& st, const Principal& p) {
  if (st.principal_any) return true;
  for (const auto& [type, list] : st.principals) {
    for (const auto& v : list) {
      if (type == "AWS") {
        if (p.account.empty()) continue;
        if (v == p.account || v == root_arn(p.account)) return true;
        if (!p.arn.empty() && v == p.arn) return true;
        // A role ARN covers its sessions: arn:aws:sts::A:assumed-role/R/S ← arn:aws:iam::A:role/R.
        if (p.arn.starts_with("arn:aws:sts::") && v.starts_with("arn:aws:iam::")) {
          auto pa = split_arn(p.arn), va = split_arn(v);
          if (pa && va && (*pa)[4] == (*va)[4] && (*pa)[5].starts_with("assumed-role/") &&
              (*va)[5].starts_with("role/")) {
            std::string_view role = (*pa)[5].substr(13);
            role = role.substr(0, role.find('/'));
            std::string_view want = (*va)[5].substr(5);
            if (size_t slash = want.rfind('/'); slash != std::string_view::npos) want = want.substr(slash + 1);
            if (role == want) return true;
          }
        }
      } else if (type == "Service") {
        if (!p.service.empty() && iequals(v, p.service)) return true;
      } else if (type == "CanonicalUser") {
        if (!p.canonical_id.empty() && iequals(v, p.canonical_id)) return true;
      } else if (type == "Federated") {
        if (!p.federated.empty() && v == p.federated) return true;
      }
    }
  }
  return false;
}

std::optional<double> number(std::string_view s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  std::string t(s);
  char* end = nullptr;
  errno = 0;
  double d = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || errno == ERANGE || !std::isfinite(d)) return std::nullopt;
  // strtod takes hex and inf/nan; AWS's numbers are decimal.
  for (char c : t)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
      return std::nullopt;
  return d;
}

std::optional<int64_t> date(std::string_view s) {
  if (auto n = enc::parse_iso8601(s)) return n;
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return enc::parse_epoch_seconds(s);
  return std::nullopt;
}

struct Cidr {
  bool v6 = false;
  std::array<unsigned char, 16> addr{};
  int bits = 0;
};

std::optional<Cidr> parse_ip(std::string_view s, bool allow_prefix) {
  Cidr c;
  std::string host(s);
  int bits = -1;
  if (size_t slash = s.find('/'); slash != std::string_view::npos) {
    if (!allow_prefix) return std::nullopt;
    host = std::string(s.substr(0, slash));
    std::string_view b = s.substr(slash + 1);
    if (b.empty() || b.size() > 3 ||
        !std::all_of(b.begin(), b.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }))
      return std::nullopt;
    bits = std::atoi(std::string(b).c_str());
  }
  if (inet_pton(AF_INET, host.c_str(), c.addr.data()) == 1) {
    c.bits = bits < 0 ? 32 : bits;
    if (c.bits > 32) return std::nullopt;
  } else if (inet_pton(AF_INET6, host.c_str(), c.addr.data()) == 1) {
    c.v6 = true;
    c.bits = bits < 0 ? 128 : bits;
    if (c.bits > 128) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return c;
}

bool in_cidr(const Cidr& net, const Cidr& ip) {
  if (net.v6 != ip.v6) return false;
  int full = net.bits / 8, rest = net.bits % 8;
  for (int i = 0; i < full; ++i)
    if (net.addr[i] != ip.addr[i]) return false;
  if (rest) {
    unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
    if ((net.addr[full] & mask) != (ip.addr[full] & mask)) return false;
  }
  return true;
}

bool arn_like(std::string_view pattern, std::string_view value) {
  if (pattern == "*") return true;
  // Component by component (wildcards stay inside their component); a pattern with fewer than
  // six components matches the rest of the value with its last one.
  size_t pp = 0, vp = 0;
  for (int i = 0; i < 5; ++i) {
    size_t pc = pattern.find(':', pp);
    if (pc == std::string_view::npos) break;
    size_t vc = value.find(':', vp);
    if (vc == std::string_view::npos) return false;
    if (!wildcard_match(pattern.substr(pp, pc - pp), value.substr(vp, vc - vp))) return false;
    pp = pc + 1;
    vp = vc + 1;
  }
  return wildcard_match(pattern.substr(pp), value.substr(vp));
}

// A Numeric*/Date* operator's relation (the name without its prefix: "Equals", "NotEquals",
// "LessThan", ...), positive sense, between the request's value `a` and the policy's `b`; false
// when either is not a number/date.
template <class T>
bool compares(std::string_view rel, const std::optional<T>& a, const std::optional<T>& b) {
  if (!a || !b) return false;
  if (rel == "Equals" || rel == "NotEquals") return *a == *b;
  if (rel == "LessThan") return *a < *b;
  if (rel == "LessThanEquals") return *a <= *b;
  if (rel == "GreaterThan") return *a > *b;
  if (rel == "GreaterThanEquals") return *a >= *b;
  return false;
}

// One policy value against one request value under a base operator, positive sense (the
// negated operators are the positive one's complement, applied by the caller).
bool value_matches(std::string_view op, const std::string& pattern, const std::string& value) {
  if (op == "StringEquals" || op == "StringNotEquals") return pattern == value;
  if (op == "StringEqualsIgnoreCase" || op == "StringNotEqualsIgnoreCase") return iequals(pattern, value);
  if (op == "StringLike" || op == "StringNotLike") return wildcard_match(pattern, value);
  if (op.starts_with("Numeric")) return compares(op.substr(7), number(value), number(pattern));
  if (op.starts_with("Date")) return compares(op.substr(4), date(value), date(pattern));
  if (op == "Bool") return iequals(pattern, value);
  if (op == "BinaryEquals") return pattern == enc::base64_encode(value);
  if (op == "IpAddress" || op == "NotIpAddress") {
    auto net = parse_ip(pattern, true);
    auto ip = parse_ip(value, false);
    return net && ip && in_cidr(*net, *ip);
  }
  if (op.starts_with("Arn")) return arn_like(pattern, value);
  return false;
}

bool uses_variables(std::string_view op) {
  return op.starts_with("String") || op.starts_with("Arn");
}

bool condition_holds(const Policy& policy, const Condition& c, const Request& r) {
  const std::vector<std::string>* values = r.find(c.key);
  bool present = values && !values->empty();
  if (c.op == "Null") {
    bool want_absent = iequals(c.values[0], "true");
    return want_absent ? !present : present;
  }
  bool neg = negated(c.op);
  if (!present) {
    if (c.set == Condition::Set::for_all) return true;
    if (c.set == Condition::Set::for_any) return false;
    return c.if_exists || neg;
  }
  // The policy's values, variables replaced (String*/Arn* only).
  std::vector<std::string> patterns;
  for (const auto& v : c.values) {
    if (uses_variables(c.op) && policy.variables() && v.find("${") != std::string::npos) {
      auto s = substitute(v, r, true);
      if (!s) continue;
      // Only the Like operators treat '*'/'?' as wildcards; a literal comparison wants the text.
      if (c.op.find("Like") == std::string::npos && !c.op.starts_with("Arn")) {
        std::string plain;
        for (size_t i = 0; i < s->size(); ++i) {
          if ((*s)[i] == '\\' && i + 1 < s->size()) ++i;
          plain += (*s)[i];
        }
        patterns.push_back(std::move(plain));
      } else {
        patterns.push_back(std::move(*s));
      }
    } else if (c.op.find("Like") != std::string::npos || c.op.starts_with("Arn")) {
      patterns.push_back(*substitute(v, r, false));
    } else {
      patterns.push_back(v);
    }
  }
  auto any_pattern = [&](const std::string& value) {
    for (const auto& p : patterns)
      if (value_matches(c.op, p, value)) return true;
    return false;
  };
  // Positive sense per request value; negated operators take the complement per value.
  auto holds = [&](const std::string& value) { return neg ? !any_pattern(value) : any_pattern(value); };
  switch (c.set) {
    case Condition::Set::for_all:
      return std::all_of(values->begin(), values->end(), holds);
    case Condition::Set::for_any:
      return std::any_of(values->begin(), values->end(), holds);
    case Condition::Set::none:
      break;
  }
  if (neg) return std::all_of(values->begin(), values->end(), holds);
  return std::any_of(values->begin(), values->end(), holds);
}

bool any_wildcard(const std::vector<std::string>& patterns, std::string_view value, bool ci) {
  for (const auto& p : patterns)
    if (wildcard_match(p, value, ci)) return true;
  return false;
}

}  // namespace

void Request::set(std::string_view key, std::string value) {
  keys[enc::ascii_lower(key)] = {std::move(value)};
}

void Request::add(std::string_view key, std::string value) {
  keys[enc::ascii_lower(key)].push_back(std::move(value));
}

const std::vector<std::string>* Request::find(std::string_view key) const {
  auto it = keys.find(enc::ascii_lower(key));
  return it == keys.end() ? nullptr : &it->second;
}

std::string escape_wildcards(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '*' || c == '?' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

bool wildcard_match(std::string_view p, std::string_view s, bool ci) {
  auto same = [ci](char a, char b) {
    return ci ? std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)) : a == b;
  };
  // Iterative matching with one backtrack point (the last '*'): O(|p| * |s|) at worst.
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
      continue;
    }
    if (pi < p.size()) {
      bool literal = p[pi] == '\\' && pi + 1 < p.size();
      char pc = literal ? p[pi + 1] : p[pi];
      if ((!literal && pc == '?') || same(pc, s[si])) {
        pi += literal ? 2 : 1;
        ++si;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    pi = star + 1;
    si = ++mark;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

Parsed parse(std::string_view text, const ParseOptions& o) {
  if (o.max_bytes && text.size() > o.max_bytes)
    return fail(ErrorKind::too_large, "Policy exceeds the maximum allowed document size.");
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '{')
    return fail(ErrorKind::invalid_json, "Policies must be valid JSON and the first byte must be '{'");
  Doc d;
  try {
    d = json::parse(text);
  } catch (...) {
    return fail(ErrorKind::invalid_json, "This policy contains invalid Json");
  }
  if (!d.is_map()) return fail(ErrorKind::invalid_json, "This policy contains invalid Json");
  Policy policy;
  for (const auto& [k, v] : d.as_map()) {
    (void)v;
    if (k != "Version" && k != "Id" && k != "Statement") return fail(ErrorKind::unknown_field, "Unknown field " + k);
  }
  if (const Doc* v = d.get("Version")) {
    if (!v->is_string() || (v->as_string() != "2012-10-17" && v->as_string() != "2008-10-17"))
      return fail(ErrorKind::invalid_version, "The policy must contain a valid version string");
    policy.version = v->as_string();
  }
  if (const Doc* id = d.get("Id")) {
    if (!id->is_string()) return fail(ErrorKind::syntax, "Invalid policy syntax.");
    policy.id = id->as_string();
  }
  const Doc* st = d.get("Statement");
  if (!st) return fail(ErrorKind::missing_field, "Missing required field Statement");
  std::vector<const Doc*> list;
  if (st->is_list()) {
    for (const Doc& x : st->as_list()) list.push_back(&x);
  } else if (st->is_map()) {
    list.push_back(st);
  } else {
    return fail(ErrorKind::syntax, "Invalid policy syntax.");
  }
  if (list.empty()) return fail(ErrorKind::missing_field, "Missing required field Statement");
  std::set<std::string, std::less<>> sids;
  for (const Doc* s : list) {
    Statement parsed;
    if (auto e = parse_statement(*s, o, parsed)) return fail(e->kind, e->message);
    if (!parsed.sid.empty() && !sids.insert(parsed.sid).second)
      return fail(ErrorKind::duplicate_sid, "Statement IDs (SID) in a single policy must be unique.");
    policy.statements.push_back(std::move(parsed));
  }
  Parsed out;
  out.policy = std::move(policy);
  return out;
}

bool matches(const Policy& policy, const Statement& st, const Request& r) {
  if (st.has_principal && principal_matches(st, r.principal) == st.not_principal) return false;
  if (any_wildcard(st.actions, r.action, true) == st.not_action) return false;
  if (st.has_resource) {
    bool hit = false;
    for (const auto& res : st.resources) {
      auto pattern = substitute(res, r, policy.variables());
      if (pattern && wildcard_match(*pattern, r.resource)) {
        hit = true;
        break;
      }
    }
    if (hit == st.not_resource) return false;
  }
  for (const auto& c : st.conditions)
    if (!condition_holds(policy, c, r)) return false;
  return true;
}

Decision evaluate(const Policy& policy, const Request& r) {
  bool allowed = false;
  for (const auto& st : policy.statements) {
    if (!matches(policy, st, r)) continue;
    if (!st.allow) return Decision::explicit_deny;
    allowed = true;
  }
  return allowed ? Decision::allow : Decision::implicit_deny;
}

bool is_public(const Policy& policy) {
  static const std::set<std::string, std::less<>> pinning = {"aws:sourceip",
                                                             "aws:sourcearn",
                                                             "aws:sourcevpc",
                                                             "aws:sourcevpce",
                                                             "aws:sourceaccount",
                                                             "aws:sourceowner",
                                                             "aws:principalorgid",
                                                             "aws:principalaccount",
                                                             "aws:principalarn",
                                                             "aws:userid",
                                                             "s3:dataaccesspointaccount",
                                                             "s3:dataaccesspointarn",
                                                             "aws:sourceorgid",
                                                             "aws:principalorgpaths",
                                                             "aws:sourceorgpaths"};
  for (const auto& st : policy.statements) {
    if (!st.allow) continue;
    bool wide = st.not_principal || st.principal_any;
    if (!wide) continue;
    bool pinned = false;
    for (const auto& c : st.conditions) {
      if (!pinning.count(c.key) || negated(c.op) || c.if_exists || c.op == "Null") continue;
      bool fixed = true;
      for (const auto& v : c.values) {
        if (v.find('*') != std::string::npos || v.find('?') != std::string::npos) fixed = false;
        if (c.key == "aws:sourceip") {
          auto net = parse_ip(v, true);
          if (!net || net->bits == 0) fixed = false;
        }
      }
      if (fixed) pinned = true;
    }
    if (!pinned) return true;
  }
  return false;
}

std::shared_ptr<const Policy> parse_cached(std::string_view text, const ParseOptions& options) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Policy>, std::less<>> cache;  // GUARDED_BY(mu)
  std::string key;
  key.push_back(static_cast<char>('0' + static_cast<int>(options.principal)));
  key.push_back(options.require_resource ? 'r' : '-');
  key.push_back(options.check_resources ? 'c' : '-');
  key += std::to_string(options.max_bytes);
  key.push_back('\n');
  key.append(text);
  {
    std::lock_guard lk(mu);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  Parsed p = parse(text, options);
  std::shared_ptr<const Policy> out = p.ok() ? std::make_shared<const Policy>(std::move(*p.policy)) : nullptr;
  std::lock_guard lk(mu);
  if (cache.size() >= 1024) cache.clear();
  cache.emplace(std::move(key), out);
  return out;
}

void set_caller(Request& r, std::string_view account, std::string_view arn, std::string_view user_id) {
  r.principal.account = std::string(account);
  r.principal.arn = arn.empty() ? "arn:aws:iam::" + std::string(account) + ":root" : std::string(arn);
  r.set("aws:PrincipalAccount", std::string(account));
  r.set("aws:PrincipalArn", r.principal.arn);
  r.set("aws:userid", std::string(user_id.empty() ? account : user_id));
  const std::string& a = r.principal.arn;
  r.set("aws:PrincipalType", a.ends_with(":root")                            ? "Account"
                             : a.find(":assumed-role/") != std::string::npos ? "AssumedRole"
                                                                             : "User");
  if (a.find(":user/") != std::string::npos) r.set("aws:username", a.substr(a.rfind('/') + 1));
}

}  // namespace stratus::auth::policy
