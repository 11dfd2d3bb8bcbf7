#include "services/apigateway/policy.h"

#include <cctype>
#include <vector>

namespace stratus::apigateway {
namespace {

bool same(char a, char b, bool ci) {
  return ci ? std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)) : a == b;
}

std::vector<std::string> strings(const Doc* v) {
  std::vector<std::string> out;
  if (!v) return out;
  if (v->is_string()) out.push_back(v->as_string());
  if (v->is_list())
    for (const Doc& x : v->as_list())
      if (x.is_string()) out.push_back(x.as_string());
  return out;
}

bool any_match(const std::vector<std::string>& patterns, std::string_view value, bool ci) {
  for (const auto& p : patterns)
    if (wildcard_match(p, value, ci)) return true;
  return false;
}

// Whether the statement's action/resource clauses cover (action, arn).
bool applies(const Doc& st, std::string_view action, std::string_view arn) {
  if (st.has("Condition")) return false;
  if (st.has("Action")) {
    if (!any_match(strings(st.get("Action")), action, true)) return false;
  } else if (st.has("NotAction")) {
    if (any_match(strings(st.get("NotAction")), action, true)) return false;
  } else {
    return false;
  }
  if (st.has("Resource")) return any_match(strings(st.get("Resource")), arn, false);
  if (st.has("NotResource")) return !any_match(strings(st.get("NotResource")), arn, false);
  return false;
}

}  // namespace

// Iterative glob matching with one backtrack point per '*' (linear-ish, no recursion).
bool wildcard_match(std::string_view p, std::string_view s, bool ci) {
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || (p[pi] != '*' && same(p[pi], s[si], ci)))) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

PolicyDecision evaluate_policy(const Doc& policy, std::string_view arn, std::string_view action) {
  if (!policy.is_map()) return PolicyDecision::implicit_deny;
  const Doc* st = policy.get("Statement");
  std::vector<const Doc*> statements;
  if (st && st->is_map()) statements.push_back(st);
  if (st && st->is_list())
    for (const Doc& x : st->as_list()) statements.push_back(&x);
  bool allowed = false;
  for (const Doc* s : statements) {
    if (!s->is_map() || !applies(*s, action, arn)) continue;
    std::string effect = s->str("Effect");
    if (effect == "Deny") return PolicyDecision::explicit_deny;
    if (effect == "Allow") allowed = true;
  }
  return allowed ? PolicyDecision::allow : PolicyDecision::implicit_deny;
}

}  // namespace stratus::apigateway
