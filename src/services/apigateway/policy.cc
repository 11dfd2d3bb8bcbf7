#include "services/apigateway/policy.h"

#include "auth/policy.h"
#include "core/json.h"

namespace stratus::apigateway {

bool wildcard_match(std::string_view pattern, std::string_view value, bool ci) {
  return auth::policy::wildcard_match(pattern, value, ci);
}

PolicyDecision evaluate_policy(const Doc& policy, std::string_view arn, std::string_view action) {
  if (!policy.is_map()) return PolicyDecision::implicit_deny;
  auto parsed = auth::policy::parse(json::write(policy), {.check_resources = false});
  if (!parsed.ok()) return PolicyDecision::implicit_deny;
  auth::policy::Request r;
  r.action = std::string(action);
  r.resource = std::string(arn);
  switch (auth::policy::evaluate(*parsed.policy, r)) {
    case auth::policy::Decision::allow:
      return PolicyDecision::allow;
    case auth::policy::Decision::explicit_deny:
      return PolicyDecision::explicit_deny;
    case auth::policy::Decision::implicit_deny:
      break;
  }
  return PolicyDecision::implicit_deny;
}

}  // namespace stratus::apigateway
