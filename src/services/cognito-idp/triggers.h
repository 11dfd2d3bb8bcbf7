// Lambda triggers (PreSignUp, PostConfirmation, PreTokenGeneration) with AWS's event shapes,
// invoked through services/lambda/invoke.h (the Invoke operation's own path).
//
// Handlers that may run a trigger are registered asynchronously (service.cc `offload`): when the
// pool has a LambdaConfig they run on State::workers (core/workers.h, elastic: a trigger that
// calls back into Cognito gets another thread), where run_trigger() may wait for the function;
// otherwise inline on the I/O thread, where run_trigger() is never reached with a configured
// trigger.
#pragma once

#include <optional>
#include <string>

#include "core/doc.h"
#include "services/service.h"

namespace stratus::cognitoidp {

// The ARN configured for `trigger` ("PreSignUp", "PostConfirmation", "PreTokenGeneration"), or "".
std::string trigger_arn(const Doc& pool, const std::string& trigger);
bool has_triggers(const Doc& pool);
// The common event members (version, region, userPoolId, userName, callerContext, triggerSource).
Doc trigger_event(const Doc& pool, const std::string& username, const std::string& client_id,
                  const std::string& source);
// Runs the trigger and returns the event the function returned (its "response" member is what
// matters); nullopt when the pool has no such trigger. Errors as AWS: the function's failure
// is UserLambdaValidationException "<Trigger> failed with error <message>.", output that is not
// a JSON object InvalidLambdaResponseException, an invocation that could not happen
// UnexpectedLambdaException.
std::optional<Doc> run_trigger(OpContext& ctx, const Doc& pool, const std::string& trigger, const Doc& event);
// userAttributes as triggers see them: {"sub": ..., "email": ..., "cognito:user_status": ...}.
Doc user_attributes_map(const Doc& user, bool with_status);

}  // namespace stratus::cognitoidp
