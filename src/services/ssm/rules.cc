#include "services/ssm/rules.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/arn.h"
#include "core/doc.h"
#include "core/encoding.h"
#include "core/error.h"
#include "core/json.h"
#include "core/regex.h"
#include "services/ssm/errors.h"

namespace stratus::ssm {
namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-' || c == '/';
}

bool iprefix(std::string_view s, std::string_view p) {
  if (s.size() < p.size()) return false;
  for (size_t i = 0; i < p.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != p[i]) return false;
  return true;
}

const char* const kNameRules =
    "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If formed as a path, it can "
    "consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the "
    "following 3 symbols .-_";

const char* const kPathRules =
    "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash "
    "\"/\". It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only letters, numbers, or "
    "the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All "
    "sub-paths, if specified, must use the forward slash symbol \"/\". Valid example: /get/parameters2-/by1./path0_.";

AwsError hierarchy_too_deep() {
  return errors::hierarchy_level_limit_exceeded(
      "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and constraints for "
      "parameter names in the AWS Systems Manager User Guide.");
}

}  // namespace

std::string name_key(std::string_view name) {
  std::string k = "/";
  k.append(name.starts_with('/') ? name.substr(1) : name);
  return k;
}

std::string parameter_arn(std::string_view account, std::string_view region, std::string_view name) {
  return Arn::make("ssm", region, account, "parameter/" + std::string(name.starts_with('/') ? name.substr(1) : name));
}

std::string strip_arn(std::string_view in) {
  if (!in.starts_with("arn:")) return std::string(in);
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    pos = in.find(':', pos);
    if (pos == std::string_view::npos) return std::string(in);
    ++pos;
  }
  std::string_view rest = in.substr(pos);
  if (!rest.starts_with("parameter/")) return std::string(in);
  return "/" + std::string(rest.substr(10));
}

size_t levels(std::string_view name) {
  if (name.starts_with('/')) name.remove_prefix(1);
  size_t n = 1;
  for (char c : name) n += c == '/';
  return n;
}

std::string validate_put_name(std::string_view in, std::string_view account, std::string_view region) {
  while (!in.empty() && in.front() == ' ') in.remove_prefix(1);
  while (!in.empty() && in.back() == ' ') in.remove_suffix(1);
  std::string name(in);
  if (name.empty())
    throw errors::validation(
        "1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length "
        "greater than or equal to 1");
  if (name.starts_with("arn:"))
    throw errors::validation("Parameter name: can't be an ARN. Use the parameter name instead.");
  std::string_view bare = name;
  if (bare.starts_with('/')) bare.remove_prefix(1);
  if (iprefix(bare, "aws") || iprefix(bare, "ssm")) {
    bool path = std::count(name.begin(), name.end(), '/') > 1;
    if (path && iprefix(name, "/aws/"))
      throw AwsError("AccessDeniedException", "No access to reserved parameter name: " + name + ".", 400);
    if (!path)
      throw errors::validation("Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).");
    throw errors::validation(
        "Parameter name: can't be prefixed with \"ssm\" (case-insensitive). If formed as a path, it can consist of "
        "sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the "
        "following 3 symbols .-_");
  }
  for (char c : name)
    if (!name_char(c)) throw errors::validation(kNameRules);
  if (name.find('/') != std::string::npos && !name.starts_with('/'))
    throw errors::validation("Parameter name must be a fully qualified name.");
  if (name.find("//") != std::string::npos || name == "/" || (name.size() > 1 && name.back() == '/'))
    throw errors::validation(kNameRules);
  if (levels(name) > kMaxLevels) throw hierarchy_too_deep();
  // 2048 - 1037 reserved = 1011 characters, the ARN prefix included.
  std::string arn_prefix = parameter_arn(account, region, "");
  if (arn_prefix.size() + (name.starts_with('/') ? name.size() - 1 : name.size()) > 1011)
    throw errors::validation(
        "Parameter name: \"" + name.substr(0, 64) +
        "...\" is too long. The maximum length of a parameter name, including the ARN prefix, is 1011 characters.");
  return name;
}

void validate_path(std::string_view path) {
  if (!path.starts_with('/') || path.find("//") != std::string_view::npos) throw errors::validation(kPathRules);
  for (char c : path)
    if (!name_char(c)) throw errors::validation(kPathRules);
  std::string_view bare = path.substr(1);
  if (iprefix(bare, "ssm")) throw errors::validation(kPathRules);
  if (levels(path.ends_with('/') && path.size() > 1 ? path.substr(0, path.size() - 1) : path) > kMaxLevels)
    throw hierarchy_too_deep();
}

Selector parse_selector(std::string_view in) {
  Selector s;
  std::string name = strip_arn(in);
  size_t colon = name.find(':');
  if (colon == std::string::npos) {
    s.name = std::move(name);
    return s;
  }
  std::string sel = name.substr(colon + 1);
  s.name = name.substr(0, colon);
  s.text = name.substr(colon);
  if (sel.empty() || sel.find(':') != std::string::npos) {
    s.valid = false;
    return s;
  }
  bool digits = sel.size() <= 18;
  for (char c : sel) digits = digits && c >= '0' && c <= '9';
  if (digits)
    s.version = std::stoll(sel);
  else
    s.label = sel;
  return s;
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 100) return false;
  if (label[0] >= '0' && label[0] <= '9') return false;
  if (iprefix(label, "aws") || iprefix(label, "ssm")) return false;
  for (char c : label)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) return false;
  return true;
}

namespace {

AwsError bad_attribute(const std::string& why) {
  return errors::invalid_policy_attribute(why);
}

// "15" (a JSON string or number) as a positive count.
int64_t positive_count(const Doc* d, const std::string& what) {
  std::string text;
  if (d && d->is_string()) text = d->as_string();
  if (d && d->is_int()) text = std::to_string(d->as_int());
  bool ok = !text.empty() && text.size() <= 9;
  for (char c : text) ok = ok && c >= '0' && c <= '9';
  if (!ok || std::stoll(text) <= 0) throw bad_attribute("A policy attribute " + what + " is invalid.");
  return std::stoll(text);
}

}  // namespace

std::vector<Policy> parse_policies(std::string_view text) {
  Doc doc;
  try {
    doc = json::parse(text);
  } catch (const AwsError&) {
    throw errors::validation("Invalid policies input: " + std::string(text.substr(0, 256)));
  }
  if (!doc.is_list()) throw errors::validation("Invalid policies input: " + std::string(text.substr(0, 256)));
  std::vector<Policy> out;
  std::set<std::string> seen;
  for (const Doc& p : doc.as_list()) {
    if (p.is_map() && p.as_map().empty()) continue;  // [{}]: no policy
    if (!p.is_map()) throw errors::validation("Invalid policies input: " + std::string(text.substr(0, 256)));
    Policy pol;
    pol.type = p.str("Type");
    if (pol.type != "Expiration" && pol.type != "ExpirationNotification" && pol.type != "NoChangeNotification")
      throw errors::invalid_policy_type("The policy type " + pol.type.substr(0, 64) +
                                        " is not supported. Supported policy types: Expiration, "
                                        "ExpirationNotification, NoChangeNotification.");
    if (const Doc* v = p.get("Version"); v && !(v->is_string() && v->as_string() == "1.0"))
      throw bad_attribute("A policy version is invalid. The supported version is 1.0.");
    const Doc* attrs = p.get("Attributes");
    if (!attrs || !attrs->is_map()) throw bad_attribute("A policy of type " + pol.type + " requires Attributes.");
    if (pol.type == "Expiration") {
      const Doc* ts = attrs->get("Timestamp");
      std::optional<int64_t> when;
      if (ts && ts->is_string()) when = enc::parse_iso8601(ts->as_string());
      if (!when) throw bad_attribute("A policy attribute Timestamp is invalid.");
      pol.expires_ms = *when;
    } else {
      const char* count = pol.type == "ExpirationNotification" ? "Before" : "After";
      pol.amount = positive_count(attrs->get(count), count);
      pol.unit = attrs->str("Unit", "Days");
      if (pol.unit != "Days" && pol.unit != "Hours") throw bad_attribute("A policy attribute Unit is invalid.");
    }
    if (!seen.insert(pol.type).second)
      throw errors::incompatible_policy(
          "There is a conflict in the policies specified for this parameter. You "
          "can't add multiple policies of the same type.");
    pol.text = json::write(p);
    out.push_back(std::move(pol));
    if (out.size() > kMaxPolicies)
      throw errors::policies_limit_exceeded(
          "You specified more than the maximum number of allowed policies for "
          "the parameter. The maximum is 10.");
  }
  bool notify = seen.count("ExpirationNotification") > 0;
  if (notify && !seen.count("Expiration"))
    throw errors::incompatible_policy("An ExpirationNotification policy requires an Expiration policy.");
  return out;
}

std::optional<bool> matches_pattern(std::string_view pattern, std::string_view value) {
  try {
    Regex re(pattern);
    Regex::Budget budget;
    return re.full_match(value, budget);
  } catch (const RegexError&) {
    return std::nullopt;
  }
}

std::vector<PolicyAction> pending_policy_actions(const Doc& record, int64_t hour_ms) {
  std::vector<PolicyAction> out;
  const Doc* versions = record.get("Versions");
  if (!versions || !versions->is_list() || versions->as_list().empty()) return out;
  const Doc& cur = versions->as_list().back();
  std::string text = cur.str("Policies");
  if (text.empty()) return out;
  std::vector<Policy> policies;
  try {
    policies = parse_policies(text);
  } catch (const std::exception&) {
    return out;
  }
  int64_t expires = 0;
  for (const auto& p : policies)
    if (p.type == "Expiration") expires = p.expires_ms;
  const Doc* notified = record.get("Notified");
  auto sent = [&](const char* type) { return notified && notified->has(type) ? notified->integer(type) : -1; };
  for (const auto& p : policies) {
    int64_t span = p.amount * hour_ms * (p.unit == "Hours" ? 1 : 24);
    if (p.type == "Expiration") {
      out.push_back({p.type, p.expires_ms, 0, ""});
    } else if (p.type == "ExpirationNotification" && expires > 0 && sent(p.type.c_str()) != expires) {
      out.push_back({p.type, expires - span, p.amount, p.unit});
    } else if (p.type == "NoChangeNotification") {
      int64_t modified = cur.integer("LastModifiedDate");
      if (sent(p.type.c_str()) != modified) out.push_back({p.type, modified + span, p.amount, p.unit});
    }
  }
  return out;
}

int64_t next_policy_action(const Doc& record, int64_t hour_ms) {
  int64_t next = 0;
  for (const auto& a : pending_policy_actions(record, hour_ms))
    if (next == 0 || a.when < next) next = std::max<int64_t>(a.when, 1);
  return next;
}

}  // namespace stratus::ssm
