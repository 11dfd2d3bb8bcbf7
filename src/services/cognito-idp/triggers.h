// Lambda triggers with AWS's event shapes, invoked through services/lambda/invoke.h (the Invoke
// operation's own path): PreSignUp, PostConfirmation (ops/users.cc), PreTokenGeneration
// (tokens.cc), Pre/PostAuthentication and CustomMessage (here), UserMigration (ops/users.cc),
// Define/Create/VerifyAuthChallenge (ops/auth.cc).
//
// Handlers that may run a trigger are registered asynchronously (service.cc `offload`): when the
// pool has a LambdaConfig they run on State::workers (core/workers.h, elastic: a trigger that
// calls back into Cognito gets another thread), where run_trigger() may wait for the function;
// otherwise inline on the I/O thread, where run_trigger() is never reached with a configured
// trigger.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/doc.h"
#include "services/service.h"

namespace stratus::cognitoidp {

// The ARN configured for `trigger` (a LambdaConfig key: "PreSignUp", "PreTokenGeneration"...), or "".
std::string trigger_arn(const Doc& pool, const std::string& trigger);
bool has_triggers(const Doc& pool);
// The common event members (version, region, userPoolId, userName, callerContext, triggerSource).
Doc trigger_event(const Doc& pool, const std::string& username, const std::string& client_id,
                  const std::string& source);
// How long Cognito waits for a trigger's answer, and how many times it calls (AWS: 5 seconds, three
// attempts for calls that time out, are throttled or fail in Lambda itself).
inline constexpr std::chrono::seconds kTriggerWait{5};
inline constexpr int kTriggerAttempts = 3;
// Runs the trigger and returns the event the function returned (its "response" member is what
// matters); nullopt when the pool has no such trigger. Errors as AWS: the function's failure
// is UserLambdaValidationException "<Trigger> failed with error <message>.", output that is not
// a JSON object InvalidLambdaResponseException, an invocation that could not happen
// UnexpectedLambdaException ("<Trigger> invocation failed due to error <Lambda's error code>.",
// or "... due to error Socket timeout while invoking Lambda function." once every attempt waited
// kTriggerWait in vain).
std::optional<Doc> run_trigger(OpContext& ctx, const Doc& pool, const std::string& trigger, const Doc& event);
// userAttributes as triggers see them: {"sub": ..., "email": ..., "cognito:user_status": ...}.
Doc user_attributes_map(const Doc& user, bool with_status);
// `metadata` (a ClientMetadata map) or {} .
Doc metadata_or_empty(const Doc* metadata);

// PreAuthentication_Authentication: before the password (or custom challenge) of an existing
// user is checked; `validation` is the ClientMetadata of InitiateAuth. A function error refuses
// the sign-in (UserLambdaValidationException "PreAuthentication failed with error ...").
// `user_not_found`: the sign-in names no user and the app client has PreventUserExistenceErrors
// ENABLED, for which AWS runs the trigger too (userNotFound true, `user` a stand-in with no
// attributes).
void pre_authentication(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& client_id,
                        const Doc* validation, bool user_not_found = false);
// PostAuthentication_Authentication: after a successful sign-in, before tokens are issued;
// `metadata` is the ClientMetadata of RespondToAuthChallenge (InitiateAuth's is not passed).
void post_authentication(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& client_id,
                         const Doc* metadata);

// CustomMessage: the message the function wrote for `source` (CustomMessage_SignUp,
// _AdminCreateUser, _ResendCode, _ForgotPassword, _UpdateUserAttribute, _VerifyUserAttribute,
// _Authentication), with {####} replaced by `code` and {username} by the username; nullopt when
// the pool has no such trigger or the function left the message unset, or wrote one without the
// code placeholder (or, for AdminCreateUser, without {username}): then the pool's template applies.
// A function that sets emailMessage or emailSubject for a pool whose EmailSendingAccount is not
// DEVELOPER fails the operation with InvalidLambdaResponseException, as AWS's page says.
struct CustomText {
  std::string subject;  // empty: the template's subject
  std::string body;
};
std::optional<CustomText> custom_message(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& client_id,
                                         const std::string& source, const Doc* metadata, bool sms,
                                         const std::string& code);

}  // namespace stratus::cognitoidp
