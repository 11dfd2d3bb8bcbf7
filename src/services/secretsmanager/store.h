// Secrets Manager storage: one JSON record per secret (schema.h "secretsmanager.secrets") and one
// encrypted value per version ("secretsmanager.values"). Values are encrypted before they reach
// storage (Cipher): with KMS when it runs, else sealed with the data-directory key.
//
// Thread safety: every method may be called from any thread; read-modify-writes of a secret hold
// SecretStore::mu() (one lock for the process: writes are rare and short).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/doc.h"
#include "services/secretsmanager/schema.h"
#include "storage/engine.h"

namespace stratus::kms {
class Api;
}

namespace stratus::secretsmanager {

inline constexpr std::string_view kCurrent = "AWSCURRENT";
inline constexpr std::string_view kPending = "AWSPENDING";
inline constexpr std::string_view kPrevious = "AWSPREVIOUS";

// A secret value: exactly one of string / binary.
struct Value {
  bool binary = false;
  std::string bytes;
  bool operator==(const Value&) const = default;
};

// Encrypts and decrypts version values. Throws AwsError (EncryptionFailure, DecryptionFailure,
// KMS' own errors as Secrets Manager reports them).
class Cipher {
 public:
  virtual ~Cipher() = default;
  struct Sealed {
    std::string blob;     // what storage holds ('K' or 'L' first)
    std::string key_arn;  // the KMS key's ARN ("" for the data-directory key)
  };
  // key_id: the secret's KmsKeyId ("" = the AWS-managed alias/aws/secretsmanager).
  virtual Sealed encrypt(const std::string& account, const std::string& region, const std::string& key_id,
                         const std::string& plaintext, const std::string& secret_arn, const std::string& version) = 0;
  virtual std::string decrypt(const std::string& account, const std::string& region, const std::string& blob,
                              const std::string& secret_arn, const std::string& version) = 0;
};

// The data-directory key (auth/sealing.h): secrets are never in clear even without KMS.
std::unique_ptr<Cipher> make_local_cipher(std::string sealing_key);
// KMS through its port (kms/api.h): new values are 'K' blobs under the secret's KmsKeyId (default
// alias/aws/secretsmanager, created by KMS on first use) with the encryption context
// {SecretARN, SecretVersionId}; the local cipher's 'L' blobs still read.
std::unique_ptr<Cipher> make_kms_cipher(kms::Api& kms, std::unique_ptr<Cipher> local);

class SecretStore {
 public:
  static constexpr std::string_view kSecrets = schema::kSecrets.name;
  static constexpr std::string_view kValues = schema::kValues.name;

  SecretStore(storage::Engine& db, Cipher& cipher) : db_(db), cipher_(cipher) {}

  static std::mutex& mu();
  static std::string secret_key(const std::string& account, const std::string& region, const std::string& name);
  static std::string value_key(const std::string& account, const std::string& region, const std::string& name,
                               const std::string& version);
  static std::string value_prefix(const std::string& account, const std::string& region, const std::string& name);

  std::optional<Doc> load(const std::string& account, const std::string& region, const std::string& name);
  // The secret SecretId names: a name, a full ARN, or a partial ARN (without the random suffix).
  // nullopt when none (or when an ARN names another account/region).
  std::optional<Doc> find(const std::string& account, const std::string& region, const std::string& id);
  // Every secret of the scope, by name.
  std::vector<Doc> all(const std::string& account, const std::string& region);

  Value decode(const std::string& plaintext) const;
  // Encrypts the value of `version` of `secret` into batch; records the key on the version.
  void put_value(storage::WriteBatch& batch, const std::string& account, const std::string& region, Doc& secret,
                 const std::string& version, const Value& v);
  // The value of a version; nullopt when the version has none (a rotation's empty AWSPENDING).
  std::optional<Value> get_value(const std::string& account, const std::string& region, const Doc& secret,
                                 const std::string& version);
  void save(storage::WriteBatch& batch, const std::string& account, const std::string& region, const Doc& secret);
  void commit(const storage::WriteBatch& batch);
  // Removes the secret and every value; `also` adds to the same batch (the call's event).
  void erase(const std::string& account, const std::string& region, const std::string& name,
             const std::function<void(storage::WriteBatch&)>& also = {});
  // Every (account, region, name) stored, for the background sweep.
  struct Ref {
    std::string account, region, name;
  };
  std::vector<Ref> refs();

 private:
  storage::Engine& db_;
  Cipher& cipher_;
};

// ---- versions and labels (pure, on the record) ----
// The version carrying `stage`, or "".
std::string version_with(const Doc& secret, std::string_view stage);
// Moves `stage` to `version` (removing it from whichever version had it). Moving AWSCURRENT moves
// AWSPREVIOUS to the version that had AWSCURRENT.
void move_stage(Doc& secret, const std::string& stage, const std::string& version);
void remove_stage(Doc& secret, const std::string& stage, const std::string& version);
// Drops versions without labels beyond 100, oldest first (but none younger than 24 h); returns
// the dropped version ids.
std::vector<std::string> prune_versions(Doc& secret, int64_t now_ms);

// "arn:aws:secretsmanager:region:account:secret:" + name + "-" + 6 random characters.
std::string make_arn(const std::string& account, const std::string& region, const std::string& name);
// Name rules (1-512, ASCII letters, digits, /_+=.@-).
bool valid_name(std::string_view name);

}  // namespace stratus::secretsmanager
