#include "core/arn.h"
#include "server/context.h"
#include "services/kms/api.h"
#include "services/ssm/ops.h"

namespace stratus::ssm {
namespace {

kms::Api* kms_port(OpContext& ctx) {
  Ports* p = ctx.server.port<Ports>();
  return p ? p->kms : nullptr;
}

AwsError no_kms() {
  return errors::invalid_key_id("KMS is not running (see --services): SecureString parameters need it.");
}

// KMS's errors as SSM answers them: InvalidKeyId, with KMS's own text for a key in the wrong state.
AwsError key_error(const AwsError& e, std::string_view key) {
  if (e.code == "NotFoundException" || e.code == "ValidationException")
    return errors::invalid_key_id("Invalid keyId " + std::string(key));
  return errors::invalid_key_id(e.message);
}

// The caller may use the key through SSM (kms:ViaService ssm.<region>.amazonaws.com): KMS's
// AccessDeniedException otherwise.
void authorize(OpContext& ctx, kms::Api& kms, std::string_view key, std::string_view op,
               const kms::EncryptionContext& ec) {
  std::string caller = ctx.caller.arn.empty() ? root_arn(ctx.account()) : ctx.caller.arn;
  auto r = kms.authorize(ctx.account(), caller, ctx.account(), ctx.region(), key, op, ec,
                         "ssm." + ctx.region() + ".amazonaws.com");
  if (!r && r.error().code == "AccessDeniedException") throw AwsError(r.error().code, r.error().message, 400);
}

}  // namespace

bool can_seal(OpContext& ctx) {
  return kms_port(ctx) != nullptr;
}

std::string seal(OpContext& ctx, std::string_view key_id, std::string_view arn, std::string_view value) {
  kms::Api* kms = kms_port(ctx);
  if (!kms) throw no_kms();
  kms::EncryptionContext ec{{"PARAMETER_ARN", std::string(arn)}};
  auto r = kms->encrypt(ctx.account(), ctx.region(), key_id, value, ec);
  if (!r) throw key_error(r.error(), key_id);
  authorize(ctx, *kms, r->key_arn, "Encrypt", ec);
  return r->blob;
}

std::string unseal(OpContext& ctx, std::string_view cipher, std::string_view arn) {
  kms::Api* kms = kms_port(ctx);
  if (!kms) throw no_kms();
  kms::EncryptionContext ec{{"PARAMETER_ARN", std::string(arn)}};
  auto r = kms->decrypt(ctx.account(), ctx.region(), cipher, ec);
  if (!r) throw errors::invalid_key_id(r.error().message);
  authorize(ctx, *kms, r->key_arn, "Decrypt", ec);  // before the plaintext leaves
  return r->plaintext;
}

}  // namespace stratus::ssm
