// Who may use a KMS key: its key policy (auth/policy.h) and its grants, checked before every
// operation that names a key (guard_operations wraps the operation table).
//
// Contract
// - The key policy decides for every caller: an explicit Deny refuses, an Allow admits. The
//   default policy allows the key's account root, so every principal of that account (IAM
//   identity policies are not enforced, as everywhere in Stratus: what the account's root is
//   given, its users and roles have). A principal of another account needs the key policy (its
//   account, its ARN or its role) or a grant.
// - Grants admit their grantee (the principal ARN, its account root, or the role of an
//   assumed-role session) for the grant's operations (ReEncrypt: ReEncryptFrom / ReEncryptTo),
//   under its constraints: EncryptionContextEquals (the request's context is exactly that) or
//   EncryptionContextSubset (the request's context contains every pair). Grants take effect at
//   once here, so grant tokens are only checked for form (InvalidGrantTokenException; at most 10).
// - Refusals: AccessDeniedException (400) "User: <caller ARN> is not authorized to perform:
//   kms:<Op> on resource: <key ARN> because no resource-based policy allows the kms:<Op>
//   action", or "... with an explicit deny in a resource-based policy".
// - Decrypt without KeyId finds the key its ciphertext names in the caller's account and Region,
//   else in any account (Store::locate), and then applies the rules above: another account's key
//   decrypts only when its policy or a grant lets the caller.
// - Condition keys: aws:PrincipalAccount, aws:PrincipalArn, aws:userid, aws:PrincipalType,
//   kms:CallerAccount, kms:EncryptionContext:<key>, kms:EncryptionContextKeys, kms:ViaService
//   (only when a service uses the key for its caller: Api::authorize's via_service), and for
//   CreateGrant kms:GrantOperations, kms:GranteePrincipal, kms:RetiringPrincipal.
// - PutKeyPolicy / CreateKey with a Policy: the document goes through the shared parser
//   (MalformedPolicyDocumentException) and must let the caller PutKeyPolicy afterwards unless
//   BypassPolicyLockoutSafetyCheck ("The new key policy will not allow you to update the key
//   policy in the future.").
#pragma once

#include <string>
#include <string_view>

#include "services/kms/api.h"
#include "services/kms/store.h"
#include "services/service.h"

namespace stratus::kms {

// Throws AccessDeniedException unless the caller of ctx may run `op` (an operation name:
// "Decrypt", "ReEncryptFrom", ...) on k with this encryption context.
void authorize(OpContext& ctx, const Key& k, std::string_view op, const EncryptionContext& ec = {},
               const Doc* input = nullptr);
// The same for any caller (the port's Api::authorize).
// via_service: kms:ViaService ("" = a direct call).
void authorize(Store& store, const OpContext::Caller& caller, const Key& k, std::string_view op,
               const EncryptionContext& ec = {}, const Doc* input = nullptr, std::string_view via_service = {});
// Whether `grantee` (a grant's GranteePrincipal) names this caller.
bool grantee_matches(std::string_view grantee, const OpContext::Caller& caller);
// Whether a grant's Constraints admit the encryption context.
bool constraints_admit(const Doc& constraints, const EncryptionContext& ec);
// Parses a key policy (MalformedPolicyDocumentException) and, unless the input bypasses it,
// checks that it lets the caller update it again.
void check_key_policy(OpContext& ctx, const std::string& policy, const std::string& key_arn, const Doc& in);
// Wraps the handlers of the operations that name a key with the checks above.
void guard_operations(Service& service);

}  // namespace stratus::kms
