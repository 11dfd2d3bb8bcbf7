// Wildcard matching of a whole string, the one implementation behind every `*` pattern: Logs
// filter terms, event patterns' "wildcard" (SNS filter policies, later EventBridge), and any
// service that needs IAM-style `*`/`?` matching (policies, S3 notification filters, ...).
//
// `*` matches any run of characters, also an empty one. Options:
//   question_mark     `?` matches exactly one character (IAM policies);
//   escaped_star      `\*` matches a literal `*`, and a lone `\` matches nothing (event patterns);
//   case_insensitive  ASCII letters compare without case.
// Greedy with one backtrack point (the last `*`): O(|pattern| * |s|) at worst, no recursion.
#pragma once

#include <cctype>
#include <string_view>

namespace stratus {

struct GlobOptions {
  bool question_mark = false;
  bool escaped_star = false;
  bool case_insensitive = false;
};

inline bool glob_match(std::string_view pat, std::string_view s, GlobOptions o = {}) {
  auto same = [&](char a, char b) {
    if (o.case_insensitive)
      return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    return a == b;
  };
  size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    bool more = p < pat.size();
    if (more && o.escaped_star && pat[p] == '\\' && p + 1 < pat.size() && pat[p + 1] == '*' && s[i] == '*') {
      p += 2;
      ++i;
    } else if (more && pat[p] == '*') {
      star = p++;
      mark = i;
    } else if (more &&
               ((o.question_mark && pat[p] == '?') || (same(pat[p], s[i]) && !(o.escaped_star && pat[p] == '\\')))) {
      ++p;
      ++i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

}  // namespace stratus
