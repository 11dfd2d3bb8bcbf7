#include "services/secretsmanager/store.h"

#include <openssl/rand.h>

#include <algorithm>

#include "auth/sealing.h"
#include "core/arn.h"
#include "core/json.h"
#include "services/kms/api.h"
#include "services/secretsmanager/errors.h"
#include "storage/keys.h"

namespace stratus::secretsmanager {

namespace {

class LocalCipher final : public Cipher {
 public:
  explicit LocalCipher(std::string key) : key_(std::move(key)) {}
  Sealed encrypt(const std::string&, const std::string&, const std::string&, const std::string& plaintext,
                 const std::string& arn, const std::string& version) override {
    return {"L" + auth::seal(key_, plaintext, arn + '\0' + version), ""};
  }
  std::string decrypt(const std::string&, const std::string&, const std::string& blob, const std::string& arn,
                      const std::string& version) override {
    if (blob.empty() || blob[0] != 'L')
      throw errors::decryption_failure(
          "Secrets Manager can't decrypt the protected secret text using the provided KMS key.");
    auto plain = auth::unseal(key_, std::string_view(blob).substr(1), arn + '\0' + version);
    if (!plain)
      throw errors::decryption_failure(
          "Secrets Manager can't decrypt the protected secret text using the provided KMS key.");
    return *plain;
  }

 private:
  std::string key_;
};

class KmsCipher final : public Cipher {
 public:
  KmsCipher(kms::Api& kms, std::unique_ptr<Cipher> local) : kms_(kms), local_(std::move(local)) {}
  Sealed encrypt(const std::string& account, const std::string& region, const std::string& key_id,
                 const std::string& plaintext, const std::string& arn, const std::string& version) override {
    auto enc = kms_.encrypt(account, region, key_id.empty() ? "alias/aws/secretsmanager" : key_id, plaintext,
                            context(arn, version));
    if (!enc.ok()) throw errors::encryption_failure(enc.error().message);
    return {"K" + enc->blob, key_id.empty() ? "" : enc->key_arn};
  }
  std::string decrypt(const std::string& account, const std::string& region, const std::string& blob,
                      const std::string& arn, const std::string& version) override {
    if (!blob.empty() && blob[0] == 'L') return local_->decrypt(account, region, blob, arn, version);
    if (blob.empty() || blob[0] != 'K')
      throw errors::decryption_failure(
          "Secrets Manager can't decrypt the protected secret text using the provided KMS key.");
    auto dec = kms_.decrypt(account, region, std::string_view(blob).substr(1), context(arn, version));
    if (!dec.ok()) throw errors::decryption_failure(dec.error().message);
    return std::move(dec->plaintext);
  }

 private:
  static kms::EncryptionContext context(const std::string& arn, const std::string& version) {
    return {{"SecretARN", arn}, {"SecretVersionId", version}};
  }
  kms::Api& kms_;
  std::unique_ptr<Cipher> local_;
};

}  // namespace

std::unique_ptr<Cipher> make_kms_cipher(kms::Api& kms, std::unique_ptr<Cipher> local) {
  return std::make_unique<KmsCipher>(kms, std::move(local));
}

std::unique_ptr<Cipher> make_local_cipher(std::string sealing_key) {
  return std::make_unique<LocalCipher>(std::move(sealing_key));
}

std::mutex& SecretStore::mu() {
  static std::mutex m;
  return m;
}

std::string SecretStore::secret_key(const std::string& a, const std::string& r, const std::string& name) {
  return storage::KeyBuilder().scope(a, r).raw(name).take();
}
std::string SecretStore::value_prefix(const std::string& a, const std::string& r, const std::string& name) {
  return storage::KeyBuilder().scope(a, r).str(name).take();
}
std::string SecretStore::value_key(const std::string& a, const std::string& r, const std::string& name,
                                   const std::string& version) {
  return storage::KeyBuilder().scope(a, r).str(name).raw(version).take();
}

std::optional<Doc> SecretStore::load(const std::string& a, const std::string& r, const std::string& name) {
  if (name.empty() || name.find('\0') != std::string::npos) return std::nullopt;
  std::string v;
  if (!db_.get(kSecrets, secret_key(a, r, name), &v).ok()) return std::nullopt;
  return json::parse(v);
}

std::optional<Doc> SecretStore::find(const std::string& a, const std::string& r, const std::string& id) {
  static constexpr std::string_view kArn = "arn:";
  if (id.rfind(kArn, 0) != 0) return load(a, r, id);
  // arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME[-XXXXXX]
  std::vector<std::string> parts;
  size_t pos = 0;
  for (int i = 0; i < 6; ++i) {
    size_t c = id.find(':', pos);
    if (c == std::string::npos) return std::nullopt;
    parts.push_back(id.substr(pos, c - pos));
    pos = c + 1;
  }
  if (parts[2] != "secretsmanager" || parts[5] != "secret" || parts[3] != r || parts[4] != a) return std::nullopt;
  std::string name = id.substr(pos);
  if (auto s = load(a, r, name)) {
    // The stored ARN itself, or a partial ARN (the ARN without its "-XXXXXX" suffix).
    const std::string arn = s->str("ARN");
    if (arn == id || (arn.size() == id.size() + 7 && arn.compare(0, id.size() + 1, id + "-") == 0)) return s;
  }
  if (name.size() > 7 && name[name.size() - 7] == '-') {
    if (auto s = load(a, r, name.substr(0, name.size() - 7)); s && s->str("ARN") == id) return s;
  }
  return std::nullopt;
}

std::vector<Doc> SecretStore::all(const std::string& a, const std::string& r) {
  std::vector<Doc> out;
  for (auto it = db_.prefix(kSecrets, storage::scope_prefix(a, r)); it->valid(); it->next())
    out.push_back(json::parse(it->value()));
  return out;
}

std::vector<SecretStore::Ref> SecretStore::refs() {
  std::vector<Ref> out;
  for (auto it = db_.prefix(kSecrets, ""); it->valid(); it->next()) {
    storage::KeyReader rd(it->key());
    Ref ref;
    ref.account = std::string(rd.str());
    ref.region = std::string(rd.str());
    ref.name = std::string(rd.rest());
    out.push_back(std::move(ref));
  }
  return out;
}

Value SecretStore::decode(const std::string& plain) const {
  Value v;
  if (plain.empty()) return v;
  v.binary = plain[0] == 'B';
  v.bytes = plain.substr(1);
  return v;
}

void SecretStore::put_value(storage::WriteBatch& batch, const std::string& a, const std::string& r, Doc& secret,
                            const std::string& version, const Value& v) {
  std::string plain = (v.binary ? "B" : "S") + v.bytes;
  auto sealed = cipher_.encrypt(a, r, secret.str("KmsKeyId"), plain, secret.str("ARN"), version);
  Doc& ver = secret["Versions"][version];
  ver.set("HasValue", true);
  ver.set("KmsKeyArn", sealed.key_arn);
  batch.put(kValues, value_key(a, r, secret.str("Name"), version), sealed.blob);
}

std::optional<Value> SecretStore::get_value(const std::string& a, const std::string& r, const Doc& secret,
                                            const std::string& version) {
  std::string blob;
  // A replica's view reads the primary's values (ops/common.cc: view_of).
  const std::string region = secret.str("_PrimaryRegion", r), arn = secret.str("_PrimaryArn", secret.str("ARN"));
  if (!db_.get(kValues, value_key(a, region, secret.str("Name"), version), &blob).ok()) return std::nullopt;
  return decode(cipher_.decrypt(a, region, blob, arn, version));
}

void SecretStore::save(storage::WriteBatch& batch, const std::string& a, const std::string& r, const Doc& secret) {
  batch.put(kSecrets, secret_key(a, r, secret.str("Name")), json::write(secret));
}

void SecretStore::commit(const storage::WriteBatch& batch) {
  auto st = db_.write(batch);
  if (!st.ok()) throw errors::internal_service_error("Secrets Manager could not store the secret.");
}

void SecretStore::erase(const std::string& a, const std::string& r, const std::string& name,
                        const std::function<void(storage::WriteBatch&)>& also) {
  storage::WriteBatch batch;
  batch.del(kSecrets, secret_key(a, r, name));
  for (auto it = db_.prefix(kValues, value_prefix(a, r, name)); it->valid(); it->next()) batch.del(kValues, it->key());
  if (also) also(batch);
  commit(batch);
}

// ---- versions and labels ----

static bool has_stage(const Doc& ver, std::string_view stage) {
  if (const Doc* st = ver.get("Stages"); st && st->is_list())
    for (const auto& s : st->as_list())
      if (s.as_string() == stage) return true;
  return false;
}

std::string version_with(const Doc& secret, std::string_view stage) {
  if (const Doc* vs = secret.get("Versions"); vs && vs->is_map())
    for (auto it = vs->as_map().begin(); it != vs->as_map().end(); ++it)
      if (has_stage(it->second, stage)) return it->first;
  return "";
}

void remove_stage(Doc& secret, const std::string& stage, const std::string& version) {
  Doc* vs = secret.get("Versions");
  if (!vs) return;
  Doc* ver = vs->get(version);
  if (!ver) return;
  Doc* st = ver->get("Stages");
  if (!st || !st->is_list()) return;
  auto& l = st->as_list();
  l.erase(std::remove_if(l.begin(), l.end(), [&](const Doc& d) { return d.as_string() == stage; }), l.end());
}

void move_stage(Doc& secret, const std::string& stage, const std::string& version) {
  std::string from = version_with(secret, stage);
  if (from == version) return;
  if (!from.empty()) remove_stage(secret, stage, from);
  Doc& st = secret["Versions"][version]["Stages"];
  if (!st.is_list()) st = Doc::list();
  st.push(stage);
  if (stage == kCurrent && !from.empty()) move_stage(secret, std::string(kPrevious), from);
}

std::vector<std::string> prune_versions(Doc& secret, int64_t now_ms) {
  std::vector<std::string> dropped;
  Doc* vs = secret.get("Versions");
  if (!vs || !vs->is_map() || vs->size() <= 100) return dropped;
  std::vector<std::pair<int64_t, std::string>> deprecated;
  for (auto it = vs->as_map().begin(); it != vs->as_map().end(); ++it) {
    const Doc* st = it->second.get("Stages");
    if ((!st || st->size() == 0) && it->second.integer("Created") < now_ms - 24 * 3600 * 1000LL)
      deprecated.emplace_back(it->second.integer("Created"), it->first);
  }
  std::sort(deprecated.begin(), deprecated.end());
  size_t excess = vs->size() - 100;
  for (size_t i = 0; i < deprecated.size() && i < excess; ++i) {
    vs->as_map().erase(deprecated[i].second);
    dropped.push_back(deprecated[i].second);
  }
  return dropped;
}

std::string make_arn(const std::string& account, const std::string& region, const std::string& name) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char rnd[6];
  RAND_bytes(rnd, sizeof rnd);
  std::string suffix;
  for (unsigned char c : rnd) suffix.push_back(kChars[c % 62]);
  return Arn::make("secretsmanager", region, account, "secret:" + name + "-" + suffix);
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 512) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("/_+=.@-").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

}  // namespace stratus::secretsmanager
