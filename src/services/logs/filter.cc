#include "services/logs/filter.h"

namespace stratus::logs {

FilterPattern::FilterPattern(std::string_view p) {
  size_t i = 0;
  while (i < p.size() && p[i] == ' ') ++i;
  if (i >= p.size() || p[i] == '{' || p[i] == '[') {
    match_all = true;
    return;
  }
  while (i < p.size()) {
    while (i < p.size() && p[i] == ' ') ++i;
    if (i >= p.size()) break;
    char kind = 0;
    if (p[i] == '?' || p[i] == '-') kind = p[i++];
    std::string term;
    if (i < p.size() && p[i] == '"') {
      size_t j = p.find('"', i + 1);
      if (j == std::string_view::npos) j = p.size();
      term = std::string(p.substr(i + 1, j - i - 1));
      i = j + 1;
    } else {
      size_t j = p.find(' ', i);
      if (j == std::string_view::npos) j = p.size();
      term = std::string(p.substr(i, j - i));
      i = j;
    }
    if (term.empty()) continue;
    (kind == '?' ? any : kind == '-' ? none : all).push_back(term);
  }
}

bool FilterPattern::matches(std::string_view m) const {
  if (match_all) return true;
  for (const auto& t : all)
    if (m.find(t) == std::string_view::npos) return false;
  for (const auto& t : none)
    if (m.find(t) != std::string_view::npos) return false;
  if (any.empty()) return true;
  for (const auto& t : any)
    if (m.find(t) != std::string_view::npos) return true;
  return false;
}

}  // namespace stratus::logs
