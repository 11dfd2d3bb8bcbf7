// IAM policies returned by Lambda authorizers, evaluated against the invoked method's ARN
// (arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/VERB/PATH).
//
// Evaluated by the shared policy engine (auth/policy.h) with the action "execute-api:Invoke"
// and the method ARN as resource; Resource entries need not be ARNs; a document the engine
// refuses is an implicit deny. Conditions see no request keys (only negated and IfExists
// conditions can hold).
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
