// IAM policies returned by Lambda authorizers, evaluated against the invoked method's ARN
// (arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/VERB/PATH).
//
// A statement applies when its Action (or, inverted, NotAction) matches "execute-api:Invoke"
// (case-insensitively) and its Resource (NotResource) matches the ARN; '*' matches any run of
// characters (slashes included) and '?' one character. An applicable Deny wins over any Allow;
// no applicable Allow is an implicit deny. Conditions are not supported: a statement with a
// Condition block never applies.
#pragma once

#include <string>
#include <string_view>

#include "core/doc.h"

namespace stratus::apigateway {

enum class PolicyDecision { allow, explicit_deny, implicit_deny };

// Glob match with '*' and '?' (case-sensitive unless ci).
bool wildcard_match(std::string_view pattern, std::string_view value, bool ci = false);

// policy: the policyDocument object (Statement as an object or a list).
PolicyDecision evaluate_policy(const Doc& policy, std::string_view method_arn,
                               std::string_view action = "execute-api:Invoke");

}  // namespace stratus::apigateway
