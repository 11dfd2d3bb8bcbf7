// ListUsers' Filter: `attribute = "value"` (exact) or `attribute ^= "value"` (prefix), one
// condition; attribute names: username, email, phone_number, name, given_name, family_name,
// preferred_username, cognito:user_status, status, sub. An empty filter matches everyone.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stratus::cognitoidp {

struct UserFilter {
  std::string attribute;  // empty: everyone
  bool prefix = false;
  std::string value;
};
// nullopt with `error` set (AWS's InvalidParameterException text) when malformed.
std::optional<UserFilter> parse_user_filter(std::string_view text, std::string* error);

}  // namespace stratus::cognitoidp
