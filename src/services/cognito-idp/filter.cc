#include "services/cognito-idp/filter.h"

namespace stratus::cognitoidp {

std::optional<UserFilter> parse_user_filter(std::string_view s, std::string* error) {
  UserFilter f;
  auto fail = [&](std::string m) -> std::optional<UserFilter> {
    if (error) *error = std::move(m);
    return std::nullopt;
  };
  size_t i = 0;
  auto ws = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  ws();
  if (i == s.size()) return f;
  size_t start = i;
  while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == ':')) ++i;
  f.attribute = std::string(s.substr(start, i - start));
  static const char* kAllowed[] = {"username",   "email",       "phone_number",       "name",
                                   "given_name", "family_name", "preferred_username", "cognito:user_status",
                                   "status",     "sub"};
  bool known = false;
  for (const char* a : kAllowed) known = known || f.attribute == a;
  if (f.attribute.empty()) return fail("Error while parsing filter.");
  if (!known) return fail("Invalid search attribute: " + f.attribute);
  ws();
  if (i + 1 < s.size() && s[i] == '^' && s[i + 1] == '=') {
    f.prefix = true;
    i += 2;
  } else if (i < s.size() && s[i] == '=') {
    ++i;
  } else {
    return fail("Error while parsing filter.");
  }
  ws();
  if (i >= s.size() || s[i] != '"') return fail("Error while parsing filter.");
  ++i;
  bool closed = false;
  while (i < s.size()) {
    char c = s[i++];
    if (c == '\\' && i < s.size()) {
      f.value.push_back(s[i++]);
      continue;
    }
    if (c == '"') {
      closed = true;
      break;
    }
    f.value.push_back(c);
  }
  if (!closed) return fail("Error while parsing filter.");
  ws();
  if (i != s.size()) return fail("Error while parsing filter.");
  return f;
}

}  // namespace stratus::cognitoidp
