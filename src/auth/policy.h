// The IAM policy language, shared by every service that stores or evaluates policies: S3 bucket
// policies, API Gateway authorizer results, and later KMS key policies and IAM itself.
//
// Usage:
//   auto parsed = auth::policy::parse(text, {.principal = auth::policy::PrincipalRule::required});
//   if (!parsed.ok()) throw s3::errors::malformed_policy(parsed.error.message);
//   auth::policy::Request r;
//   r.principal = {.account = "111122223333", .arn = "arn:aws:iam::111122223333:root"};
//   r.action = "s3:GetObject";
//   r.resource = "arn:aws:s3:::bucket/key";
//   r.set("aws:SecureTransport", "false");
//   switch (auth::policy::evaluate(*parsed.policy, r)) { ... }
//
// Contract
// - parse() validates a document as AWS does and keeps it in a compiled form; its errors carry a
//   kind (for services whose error wording differs) and S3's MalformedPolicy message text.
//   Version "2012-10-17" or "2008-10-17" (absent: 2008-10-17, in which policy variables are plain
//   text); Statement an object or a list; Sid unique; Effect Allow|Deny; exactly one of
//   Action/NotAction; Resource/NotResource (one at most, required unless the options say not);
//   Principal/NotPrincipal per PrincipalRule: "*" or {"AWS"|"Service"|"CanonicalUser"|"Federated":
//   string or list}; Condition {operator: {key: value or list}}.
// - evaluate(): an explicit Deny of a matching statement wins over any Allow; no matching Allow is
//   an implicit deny. A statement matches when its principal, action, resource and every
//   condition match:
//   * Action: '*' and '?' wildcards, case-insensitive ("s3:get*" matches "s3:GetObject").
//   * Resource: wildcards, case-sensitive; policy variables (${aws:username}, ${aws:PrincipalAccount},
//     any request key; ${*} ${?} ${$} are literal characters; ${key, 'default'}) are replaced
//     from the request; a variable with no value and no default makes the entry match nothing.
//   * Principal "*" or {"AWS":"*"}: anyone, anonymous included. An account id or
//     arn:aws:iam::ACCT:root: every principal of that account. A user/role ARN: that principal
//     (a role ARN also matches its assumed-role sessions). Service/CanonicalUser/Federated
//     compare with the request's. NotPrincipal: every principal but those.
//   * Condition: operators AND, keys AND, values OR. Key names are case-insensitive. A key absent
//     from the request makes a positive operator false and a negated one (…Not…, NotIpAddress)
//     true; …IfExists makes an absent key true; Null tests presence. ForAnyValue:/ForAllValues:
//     apply the operator to each of a multivalued key's values (ForAllValues of no values: true).
//     Policy variables are replaced in String*/Arn* values.
// - Everything is bounded: wildcard matching is iterative (no recursion, no backtracking blowup
//   beyond O(n*m)); parse() takes any bytes without crashing.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::auth::policy {

enum class Decision { allow, explicit_deny, implicit_deny };

// Who asks. All empty (account included): anonymous.
struct Principal {
  std::string account;       // 12 digits
  std::string arn;           // arn:aws:iam::ACCT:root | :user/NAME | arn:aws:sts::ACCT:assumed-role/R/S
  std::string canonical_id;  // S3 canonical user id (auth::canonical_user_id)
  std::string service;       // "lambda.amazonaws.com" when a service principal calls
  std::string federated;     // "cognito-identity.amazonaws.com", an OIDC/SAML provider ARN
  bool anonymous() const { return account.empty() && arn.empty() && service.empty() && federated.empty(); }
};

struct Request {
  Principal principal;
  std::string action;    // "s3:GetObject"
  std::string resource;  // an ARN
  // Condition keys, by lower-cased name; a key may have several values (multivalued keys).
  std::map<std::string, std::vector<std::string>> keys;
  void set(std::string_view key, std::string value);
  void add(std::string_view key, std::string value);  // one more value of a multivalued key
  const std::vector<std::string>* find(std::string_view key) const;
};

// How a policy type treats Principal.
enum class PrincipalRule {
  optional,
  required,   // resource-based policies (S3 bucket policies, KMS key policies)
  forbidden,  // identity-based policies (IAM)
};

struct ParseOptions {
  PrincipalRule principal = PrincipalRule::optional;
  bool require_resource = true;  // KMS key policies: Resource "*" is the key; still required
  size_t max_bytes = 0;          // 0: no limit
  bool check_resources = true;   // Resource entries must be "*" or ARNs (API Gateway: any text)
};

enum class ErrorKind {
  invalid_json,  // not JSON, or not an object
  too_large,
  unknown_field,
  invalid_version,
  missing_field,  // Statement, Effect, Action, Resource, Principal
  invalid_effect,
  invalid_action,
  invalid_resource,
  invalid_principal,
  principal_forbidden,
  invalid_condition,  // unknown operator, wrong value types
  duplicate_sid,
  syntax,  // a member of the wrong JSON type, conflicting members
};

struct Error {
  ErrorKind kind;
  std::string message;  // S3's MalformedPolicy wording
};

struct Condition {
  std::string op;  // base operator, e.g. "StringLike"
  bool if_exists = false;
  enum class Set { none, for_any, for_all } set = Set::none;
  std::string key;  // lower-cased
  std::vector<std::string> values;
};

struct Statement {
  std::string sid;
  bool allow = true;
  bool has_principal = false, not_principal = false;           // not_principal: NotPrincipal
  bool principal_any = false;                                  // "*" or {"AWS":"*"}
  std::map<std::string, std::vector<std::string>> principals;  // "AWS" / "Service" / ...
  bool not_action = false;
  std::vector<std::string> actions;
  bool has_resource = false, not_resource = false;
  std::vector<std::string> resources;
  std::vector<Condition> conditions;
};

struct Policy {
  std::string version = "2008-10-17";
  std::string id;
  std::vector<Statement> statements;
  bool variables() const { return version == "2012-10-17"; }
};

struct Parsed {
  std::optional<Policy> policy;
  Error error{ErrorKind::syntax, ""};
  bool ok() const { return policy.has_value(); }
};

Parsed parse(std::string_view text, const ParseOptions& options = {});
// parse() through a small process-wide cache keyed by the text and the options (services that
// evaluate a stored policy on every request: KMS key policies, Secrets Manager resource
// policies); nullptr when the text does not parse. Thread safe.
std::shared_ptr<const Policy> parse_cached(std::string_view text, const ParseOptions& options = {});
// Sets the request's principal (account; arn, "" = the account's root) and the caller's global
// condition keys: aws:PrincipalAccount, aws:PrincipalArn, aws:userid (user_id, "" = the account),
// aws:PrincipalType (Account | AssumedRole | User) and, for an IAM user, aws:username.
void set_caller(Request& r, std::string_view account, std::string_view arn, std::string_view user_id);

Decision evaluate(const Policy& policy, const Request& request);
// Whether one statement applies to the request (principal, action, resource, conditions).
bool matches(const Policy& policy, const Statement& st, const Request& request);

// S3's "public" test (Block Public Access, GetBucketPolicyStatus): some Allow statement grants
// to a wildcard principal (or uses NotPrincipal) without a condition that pins a fixed value of
// aws:SourceIp (not a /0 range), aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceAccount,
// aws:SourceOwner, aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:userid or
// s3:DataAccessPointAccount/Arn.
bool is_public(const Policy& policy);

// Glob match: '*' any run (slashes too), '?' one byte; a '\' makes the next byte literal (policy
// variables' values are escaped so). Case-insensitive (ASCII) when ci.
bool wildcard_match(std::string_view pattern, std::string_view value, bool ci = false);
// value with '*', '?' and '\' escaped for wildcard_match.
std::string escape_wildcards(std::string_view value);

}  // namespace stratus::auth::policy
