// KMS as other services see it: SSM SecureString, Secrets Manager, S3 and DynamoDB encryption
// encrypt and decrypt with KMS keys through this port, without HTTP. KMS publishes it in
// Service::attach(); callers resolve it once, in their start():
//
//   kms::Api* kms = ctx.port<kms::Api>();   // nullptr when KMS is not among --services
//   kms::EncryptionContext ec{{"PARAMETER_ARN", arn}};
//   // "" or "alias/aws/ssm": the AWS managed key of the service, created on first use
//   Result<kms::Encrypted> enc = kms->encrypt(account, region, "alias/aws/ssm", value, ec);
//   if (!enc) throw ssm::errors::invalid_key_id(enc.error().message);  // map KMS's error
//   store(enc->blob);                                                 // carries the key id
//   Result<kms::Decrypted> dec = kms->decrypt(account, region, enc->blob, ec);
//   if (dec) use(dec->plaintext, dec->key_arn);
//
// Contract
// - `key` names a key as the KeyId parameter of KMS's operations does: key id, key ARN, alias
//   name ("alias/x") or alias ARN, in `account` / `region` (an ARN names its own account and
//   region). "alias/aws/<service>" (or its ARN) names the AWS managed key of that service: it is
//   created (KeyManager AWS, SYMMETRIC_DEFAULT, rotated yearly) on first use, as on AWS.
// - Errors come back as values, exactly as the KMS operation of the same name answers them:
//   NotFoundException (no such key or alias), DisabledException ("<key ARN> is disabled."),
//   KMSInvalidStateException ("<key ARN> is pending deletion."), InvalidKeyUsageException (the
//   key is not a symmetric ENCRYPT_DECRYPT key), InvalidCiphertextException (blob damaged, made
//   under another context, or not a KMS blob), IncorrectKeyException (decrypt's `key` is not the
//   key that encrypted), ValidationException. Callers translate them into their own service's
//   errors (SSM: InvalidKeyId; Secrets Manager: EncryptionFailure / DecryptionFailure).
// - Ciphertexts are the same blobs the Encrypt operation returns: a blob made here decrypts
//   through the Decrypt operation and the other way round. The encryption context is bound as
//   AAD: decrypt must be given the same map (order does not matter).
// - The Encrypt operation's 4096-byte plaintext limit does not apply here: up to kMaxInternal
//   plaintext bytes (Secrets Manager's 64 KB values) are encrypted directly.
// - Thread safe; call from any thread once services have started. Never blocks on I/O other
//   than a storage read/write (the managed key's creation is one durable write).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "core/result.h"

namespace stratus::kms {

using EncryptionContext = std::map<std::string, std::string>;

inline constexpr size_t kMaxInternal = 1 << 20;

struct KeyInfo {
  std::string key_id;       // "1234abcd-12ab-34cd-56ef-1234567890ab"
  std::string arn;          // "arn:aws:kms:<region>:<account>:key/<key id>"
  std::string key_spec;     // SYMMETRIC_DEFAULT, RSA_2048, HMAC_256, ...
  std::string key_usage;    // ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC
  std::string key_state;    // Enabled, Disabled, PendingDeletion
  std::string key_manager;  // CUSTOMER or AWS
};

struct Encrypted {
  std::string blob;     // CiphertextBlob bytes (not base64)
  std::string key_arn;  // the key that encrypted
};

struct Decrypted {
  std::string plaintext;
  std::string key_arn;  // the key that had encrypted
};

struct DataKey {
  std::string plaintext;  // the data key's bytes
  std::string blob;       // the data key encrypted under the KMS key
  std::string key_arn;
};

class Api {
 public:
  virtual ~Api() = default;
  // The key `key` names (any state); NotFoundException when none. Creates the AWS managed key
  // for "alias/aws/<service>".
  virtual Result<KeyInfo> describe(const std::string& account, const std::string& region, std::string_view key) = 0;
  // Encrypt: `key` must be an enabled symmetric encryption key ("" = error NotFoundException).
  virtual Result<Encrypted> encrypt(const std::string& account, const std::string& region, std::string_view key,
                                    std::string_view plaintext, const EncryptionContext& context) = 0;
  // Decrypt: the blob names its key; `key` ("" = any) must be that key when given.
  virtual Result<Decrypted> decrypt(const std::string& account, const std::string& region, std::string_view blob,
                                    const EncryptionContext& context, std::string_view key = {}) = 0;
  // Whether the principal (caller_account, caller_arn) may run KMS operation `op` ("Decrypt",
  // "Encrypt", ...) on the key `key` names in account/region under its key policy and grants:
  // ok, or AccessDeniedException as the KMS operation would answer (NotFoundException when no
  // such key). Services check with it before they use a customer managed key on a caller's
  // behalf (SSM SecureString, Secrets Manager values, also across accounts); `via_service`
  // ("secretsmanager.us-east-1.amazonaws.com", "ssm.<region>.amazonaws.com") is the policy's
  // kms:ViaService condition key (absent when empty, as for direct KMS calls), beside
  // kms:CallerAccount and kms:EncryptionContext:<k> from `context`.
  virtual Result<KeyInfo> authorize(const std::string& caller_account, const std::string& caller_arn,
                                    const std::string& account, const std::string& region, std::string_view key,
                                    std::string_view op, const EncryptionContext& context,
                                    std::string_view via_service = {}) = 0;
  // GenerateDataKey with NumberOfBytes = bytes (1..1024; 32 for an AES-256 key).
  virtual Result<DataKey> generate_data_key(const std::string& account, const std::string& region, std::string_view key,
                                            size_t bytes, const EncryptionContext& context) = 0;
};

}  // namespace stratus::kms
