// Parameter Store's pure rules: parameter names and hierarchies, selectors (name:version,
// name:label), labels, parameter policies and filter options. No storage, no state: the handlers
// and the unit tests and fuzz targets call these directly. Functions that validate throw the
// AwsError AWS answers with (services/ssm/errors.h, core/error.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/doc.h"

namespace stratus::ssm {

inline constexpr size_t kMaxLevels = 15;     // HierarchyLevelLimitExceededException beyond
inline constexpr size_t kMaxVersions = 100;  // versions kept per parameter
inline constexpr size_t kMaxLabels = 10;     // labels per version
inline constexpr size_t kMaxPolicies = 10;   // PoliciesLimitExceededException beyond
inline constexpr size_t kStandardValueMax = 4096;
inline constexpr size_t kAdvancedValueMax = 8192;
inline constexpr size_t kMaxTags = 50;

// The storage key of a parameter name: "/" + the name without its leading "/" ("/TestParam1" and
// "TestParam1" are the same parameter).
std::string name_key(std::string_view name);
// arn:aws:ssm:<region>:<account>:parameter/<name without its leading "/">.
std::string parameter_arn(std::string_view account, std::string_view region, std::string_view name);
// A name as Get* accept it: an ARN (arn:<partition>:ssm:<region>:<account>:parameter/<name>) is
// reduced to its name ("/" + what follows "parameter/" unless that already starts a path); other
// input is returned as it is.
std::string strip_arn(std::string_view name_or_arn);
// Levels of a name: "/a/b" and "a" have 2 and 1.
size_t levels(std::string_view name);

// PutParameter's name rules, in AWS's order: reserved prefixes ("aws", "ssm"; "/aws/..." is an
// AccessDeniedException), characters, fully qualified paths, 15 levels, length with the ARN
// prefix. Returns the name with leading and trailing spaces trimmed.
std::string validate_put_name(std::string_view name, std::string_view account, std::string_view region);
// GetParametersByPath's Path and the Path filter's values ("/" or "/a/b", trailing "/" allowed).
void validate_path(std::string_view path);

// A Get* name with its selector: "name", "name:3" (version) or "name:label".
struct Selector {
  std::string name;                // without the selector (ARN reduced to the name)
  std::string text;                // ":3", ":prod" or "" (Parameter.Selector echoes it)
  std::optional<int64_t> version;  // name:3
  std::string label;               // name:prod
  bool valid = true;               // false: several ':' or an empty selector
};
Selector parse_selector(std::string_view in);

// Label rules: 1-100 characters of letters, digits, '.', '-', '_'; not starting with a digit,
// "aws" or "ssm" (case-insensitive). Invalid labels are returned in InvalidLabels, not thrown.
bool valid_label(std::string_view label);

// A parameter policy, parsed and validated.
struct Policy {
  std::string type;        // Expiration, ExpirationNotification, NoChangeNotification
  std::string text;        // the policy as JSON text (DescribeParameters' PolicyText)
  int64_t expires_ms = 0;  // Expiration: the Timestamp
  int64_t amount = 0;      // ExpirationNotification: Before; NoChangeNotification: After
  std::string unit;        // Days | Hours
};
// Parses the Policies member (a JSON array, at most 10 policies; "[]" and "[{}]" clear them).
// Throws InvalidPolicyTypeException, InvalidPolicyAttributeException, IncompatiblePolicyException,
// PoliciesLimitExceededException or ValidationException (malformed JSON).
std::vector<Policy> parse_policies(std::string_view json);

// A policy action a parameter record is due for, not done yet: "Expiration" (delete it at the
// Timestamp), "ExpirationNotification" (Before units ahead of it, once per Timestamp),
// "NoChangeNotification" (After units past the current version's LastModifiedDate, once per
// modification). What was sent is the record's "Notified" member: {"ExpirationNotification":
// Timestamp ms, "NoChangeNotification": LastModifiedDate ms}. hour_ms: the length of an hour (a
// day is 24 of them; STRATUS_SSM_HOUR_MS shortens it for tests).
struct PolicyAction {
  std::string type;
  int64_t when = 0;
  int64_t amount = 0;  // the notification's Before / After
  std::string unit;
};
std::vector<PolicyAction> pending_policy_actions(const Doc& record, int64_t hour_ms);
// The earliest pending action's time (0: none): the record's key in the due index.
int64_t next_policy_action(const Doc& record, int64_t hour_ms);

// Regex match of a whole value against AllowedPattern (Java syntax subset); nullopt when the
// pattern is invalid or too costly to evaluate.
std::optional<bool> matches_pattern(std::string_view pattern, std::string_view value);

}  // namespace stratus::ssm
