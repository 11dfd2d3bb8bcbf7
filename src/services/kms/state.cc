#include "services/kms/state.h"

#include <algorithm>
#include <cctype>
#include <mutex>

#include "core/arn.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "server/context.h"
#include "services/kms/access.h"
#include "services/kms/blob.h"
#include "services/kms/crypto.h"
#include "services/kms/errors.h"

namespace stratus::kms {
namespace {

bool valid_key_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
  return true;
}

std::string default_policy(const std::string& account) {
  return "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {\n"
         "    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n"
         "    \"Principal\" : {\n      \"AWS\" : \"arn:aws:iam::" +
         account + ":root\"\n    },\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  } ]\n}";
}

template <class T, class F>
Result<T> catching(F&& f) {
  try {
    return f();
  } catch (const AwsError& e) {
    return e;
  } catch (const std::exception& e) {
    return errors::kms_internal(e.what());
  }
}

}  // namespace

State::State(storage::Engine& engine, std::string master_key) : store(engine, std::move(master_key)) {}

Key State::new_key(const std::string& account, const std::string& region, std::string_view spec, std::string_view usage,
                   bool multi_region, int64_t now_ms) const {
  Key k;
  k.account = account;
  k.region = region;
  if (multi_region) {
    std::string u = ids::uuid4();
    std::string h;
    for (char c : u)
      if (c != '-') h.push_back(c);
    k.id = "mrk-" + h;
  } else {
    k.id = ids::uuid4();
  }
  k.arn = Arn::make("kms", region, account, "key/" + k.id);
  k.spec = spec;
  k.usage = usage;
  k.multi_region = multi_region;
  k.created_ms = now_ms;
  k.policy = default_policy(account);
  Material m;
  m.version = 1;
  m.created_ms = now_ms;
  m.secret = crypto::generate(spec);
  k.materials.push_back(std::move(m));
  return k;
}

void State::rotate(Key& k, std::string_view type, int64_t now_ms) const {
  Material m;
  m.version = k.current().version + 1;
  m.created_ms = now_ms;
  m.rotation_type = type;
  m.secret = crypto::generate(k.spec);
  k.materials.push_back(std::move(m));
  if (k.rotation && type == "AUTOMATIC") k.next_rotation_ms = now_ms + k.rotation_period * day_ms;
}

void State::sweep(int64_t now_ms) {
  for (const auto& kp : store.all_keys()) {
    bool due_delete = kp->state == "PendingDeletion" && kp->deletion_ms <= now_ms;
    bool due_rotate = kp->state == "Enabled" && kp->rotation && kp->next_rotation_ms && kp->next_rotation_ms <= now_ms;
    if (!due_delete && !due_rotate) continue;
    std::lock_guard lk(store.writer());
    auto k = store.key(kp->account, kp->region, kp->id);
    if (!k) continue;
    if (k->state == "PendingDeletion" && k->deletion_ms <= now_ms) {
      store.erase(*k);
    } else if (k->state == "Enabled" && k->rotation && k->next_rotation_ms && k->next_rotation_ms <= now_ms) {
      Key copy = *k;
      rotate(copy, "AUTOMATIC", now_ms);
      store.put(copy);
    }
  }
}

std::shared_ptr<const Key> State::managed_key(const std::string& account, const std::string& region,
                                              std::string_view alias_name) {
  std::lock_guard lk(store.writer());
  if (auto a = store.alias(account, region, alias_name))
    if (auto k = store.key(account, region, a->target)) return k;
  std::string service(alias_name.substr(10));
  int64_t now = now_millis();
  Key k = new_key(account, region, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", false, now);
  k.manager = "AWS";
  k.description = "Default key that protects my " + service + " data when no other key is defined";
  k.rotation = true;
  k.rotation_period = 365;
  k.next_rotation_ms = now + 365 * day_ms;
  store.put(k);
  store.put_alias(account, region, Alias{std::string(alias_name), k.id, now, now});
  return store.key(account, region, k.id);
}

std::shared_ptr<const Key> State::resolve(const std::string& account, const std::string& region, std::string_view ref,
                                          bool allow_alias) {
  std::string acct = account, reg = region;
  std::string_view rest = ref;
  std::string resource;
  if (ref.starts_with("arn:")) {
    auto arn = Arn::parse(ref);
    if (!arn || arn->service != "kms" || arn->account.empty() || arn->region.empty())
      throw errors::not_found("Invalid arn " + std::string(ref));
    acct = arn->account;
    reg = arn->region;
    resource = arn->resource;
    rest = resource;
    if (!rest.starts_with("key/") && !rest.starts_with("alias/"))
      throw errors::not_found("Invalid arn " + std::string(ref));
    if (rest.starts_with("key/")) rest.remove_prefix(4);
  }
  if (rest.starts_with("alias/")) {
    if (!allow_alias) throw errors::not_found("Invalid keyId '" + std::string(ref) + "'");
    std::string alias_arn = Arn::make("kms", reg, acct, rest);
    if (auto a = store.alias(acct, reg, rest)) {
      if (auto k = store.key(acct, reg, a->target)) return k;
    } else if (rest.starts_with("alias/aws/") && rest.size() > 10 && rest.size() <= 256 &&
               rest.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_", 10) == std::string_view::npos) {
      return managed_key(acct, reg, rest);
    }
    throw errors::not_found("Alias " + alias_arn + " is not found.");
  }
  if (!valid_key_id(rest)) throw errors::not_found("Invalid keyId '" + std::string(ref) + "'");
  if (auto k = store.key(acct, reg, rest)) return k;
  throw errors::not_found("Key '" + Arn::make("kms", reg, acct, "key/" + std::string(rest)) + "' does not exist");
}

void require_usable(const Key& k) {
  if (k.state == "Enabled") return;
  if (k.state == "Disabled") throw errors::disabled(k.arn + " is disabled.");
  if (k.state == "PendingDeletion") throw errors::kms_invalid_state(k.arn + " is pending deletion.");
  throw errors::kms_invalid_state(k.arn + " is " + k.state + ".");
}

void require_usage(const Key& k, std::string_view usage, std::string_view op) {
  if (k.usage != usage)
    throw errors::invalid_key_usage(k.arn + " key usage is " + k.usage + " which is not valid for " + std::string(op) +
                                    ".");
}

void require_not_pending(const Key& k) {
  if (k.state == "PendingDeletion") throw errors::kms_invalid_state(k.arn + " is pending deletion.");
}

void require_customer(const Key& k) {
  if (k.manager == "AWS")
    throw errors::unsupported_operation(k.arn + " is an AWS managed key. You cannot perform this operation on it.");
}

std::string State::encrypt_symmetric(const Key& k, std::string_view plaintext, const EncryptionContext& ec) const {
  const Material& m = k.current();
  std::string out = blob::header(k.id, m.version);
  std::string iv = crypto::random_bytes(blob::kIvBytes);
  std::string aad = out + blob::context_aad(ec);
  out += iv;
  out += crypto::aes_gcm_seal(m.secret, iv, aad, plaintext);
  return out;
}

uint32_t State::blob_version(std::string_view b) {
  auto p = blob::parse(b);
  return p ? p->version : 0;
}

std::pair<std::shared_ptr<const Key>, std::string> State::decrypt_symmetric(const std::string& account,
                                                                            const std::string& region,
                                                                            std::string_view b,
                                                                            const EncryptionContext& ec,
                                                                            std::string_view ref) {
  auto parts = blob::parse(b);
  if (!parts) throw errors::invalid_ciphertext("");
  std::shared_ptr<const Key> named;
  if (!ref.empty()) named = resolve(account, region, ref);
  std::shared_ptr<const Key> k = store.key(account, region, parts->key_id);
  // Another account's key (allowed by its key policy or a grant: access.h checked the caller).
  if (!k) k = store.locate(parts->key_id);
  if (named && (!k || named->id != k->id)) {
    if (named->usage == "ENCRYPT_DECRYPT" && !crypto::is_symmetric(named->spec)) {
      require_usable(*named);
      throw errors::invalid_ciphertext("");
    }
    throw errors::incorrect_key("The key ID in the request does not identify a CMK that can perform this operation.");
  }
  if (!k) throw errors::invalid_ciphertext("");
  require_usable(*k);
  const Material* m = k->material(parts->version);
  if (!m) throw errors::invalid_ciphertext("");
  auto pt =
      crypto::aes_gcm_open(m->secret, parts->iv, std::string(parts->header) + blob::context_aad(ec), parts->sealed);
  if (!pt) throw errors::invalid_ciphertext("");
  return {std::move(k), std::move(*pt)};
}

Key modify_key(OpContext& ctx, std::string_view ref, const std::function<void(Key&)>& change, bool allow_alias) {
  State& st = state(ctx);
  std::lock_guard lk(st.store.writer());
  Key k = *st.resolve(ctx.account(), ctx.region(), ref, allow_alias);
  change(k);
  st.store.put(k);
  return k;
}

Doc change_customer_key(OpContext& ctx, const Doc& in, const std::function<void(Key&)>& change, bool allow_alias) {
  modify_key(
      ctx, in.str("KeyId"),
      [&](Key& k) {
        require_not_pending(k);
        require_customer(k);
        change(k);
      },
      allow_alias);
  return Doc::map();
}

std::string blob_of(const Doc& in, std::string_view member) {
  const Doc* b = in.get(member);
  return b && b->is_blob() ? b->as_blob().bytes : std::string();
}

void dry_run(const Doc& in) {
  if (in.flag("DryRun"))
    throw errors::dry_run_operation("The request would have succeeded, but the DryRun option is set.");
}

std::string material_id(const Key& k, uint32_t version) {
  return enc::hex(crypto::digest("SHA_256", k.arn + "#" + std::to_string(version)));
}

Doc metadata(const Key& k) {
  Doc d = Doc::map();
  d.set("AWSAccountId", k.account);
  d.set("KeyId", k.id);
  d.set("Arn", k.arn);
  d.set("CreationDate", Timestamp{k.created_ms});
  d.set("Enabled", k.state == "Enabled");
  d.set("Description", k.description);
  d.set("KeyUsage", k.usage);
  d.set("KeyState", k.state);
  if (k.state == "PendingDeletion") d.set("DeletionDate", Timestamp{k.deletion_ms});
  d.set("Origin", k.origin);
  d.set("KeyManager", k.manager);
  d.set("CustomerMasterKeySpec", k.spec);
  d.set("KeySpec", k.spec);
  auto list = [](std::initializer_list<const char*> l) {
    Doc out = Doc::list();
    for (const char* s : l) out.push(s);
    return out;
  };
  if (crypto::is_symmetric(k.spec)) {
    d.set("EncryptionAlgorithms", list({"SYMMETRIC_DEFAULT"}));
    d.set("CurrentKeyMaterialId", material_id(k, k.current().version));
  } else if (crypto::is_hmac(k.spec)) {
    d.set("MacAlgorithms", Doc(DocList{Doc("HMAC_SHA_" + k.spec.substr(5))}));
  } else if (crypto::is_rsa(k.spec)) {
    if (k.usage == "ENCRYPT_DECRYPT")
      d.set("EncryptionAlgorithms", list({"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"}));
    else
      d.set("SigningAlgorithms",
            list({"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
                  "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"}));
  } else if (k.spec == "ECC_NIST_P384") {
    d.set("SigningAlgorithms", list({"ECDSA_SHA_384"}));
  } else if (k.spec == "ECC_NIST_P521") {
    d.set("SigningAlgorithms", list({"ECDSA_SHA_512"}));
  } else {
    d.set("SigningAlgorithms", list({"ECDSA_SHA_256"}));
  }
  d.set("MultiRegion", k.multi_region);
  if (k.multi_region) {
    Doc primary = Doc::map();
    primary.set("Arn", k.arn);
    primary.set("Region", k.region);
    Doc mr = Doc::map();
    mr.set("MultiRegionKeyType", "PRIMARY");
    mr.set("PrimaryKey", std::move(primary));
    mr.set("ReplicaKeys", Doc::list());
    d.set("MultiRegionConfiguration", std::move(mr));
  }
  return d;
}

size_t marker_index(const std::vector<std::string>& ids, const Doc& in) {
  const Doc* m = in.get("Marker");
  if (!m || !m->is_string()) return 0;
  auto it = std::find(ids.begin(), ids.end(), m->as_string());
  if (it == ids.end()) throw errors::invalid_marker("Invalid marker");
  return static_cast<size_t>(it - ids.begin());
}

EncryptionContext context_of(const Doc& in, std::string_view member) {
  EncryptionContext ec;
  if (const Doc* c = in.get(member); c && c->is_map())
    for (const auto& [k, v] : c->as_map()) ec[k] = v.is_string() ? v.as_string() : "";
  return ec;
}

// ---- the port ----

Result<KeyInfo> State::describe(const std::string& account, const std::string& region, std::string_view key) {
  return catching<KeyInfo>([&] {
    auto k = resolve(account, region, key);
    return KeyInfo{k->id, k->arn, k->spec, k->usage, k->state, k->manager};
  });
}

Result<Encrypted> State::encrypt(const std::string& account, const std::string& region, std::string_view key,
                                 std::string_view plaintext, const EncryptionContext& context) {
  return catching<Encrypted>([&] {
    auto k = resolve(account, region, key);
    require_usable(*k);
    if (!crypto::is_symmetric(k->spec))
      throw errors::invalid_key_usage(k->arn + " key usage is " + k->usage + " which is not valid for Encrypt.");
    if (plaintext.empty() || plaintext.size() > kMaxInternal)
      throw stratus::errors::validation("Plaintext must be 1 to " + std::to_string(kMaxInternal) + " bytes");
    return Encrypted{encrypt_symmetric(*k, plaintext, context), k->arn};
  });
}

Result<Decrypted> State::decrypt(const std::string& account, const std::string& region, std::string_view b,
                                 const EncryptionContext& context, std::string_view key) {
  return catching<Decrypted>([&] {
    auto [k, pt] = decrypt_symmetric(account, region, b, context, key);
    return Decrypted{std::move(pt), k->arn};
  });
}

Result<KeyInfo> State::authorize(const std::string& caller_account, const std::string& caller_arn,
                                 const std::string& account, const std::string& region, std::string_view key,
                                 std::string_view op, const EncryptionContext& context, std::string_view via_service) {
  return catching<KeyInfo>([&] {
    auto k = resolve(account, region, key);
    OpContext::Caller caller;
    caller.account = caller_account;
    caller.arn = caller_arn;
    kms::authorize(store, caller, *k, op, context, nullptr, via_service);
    return KeyInfo{k->id, k->arn, k->spec, k->usage, k->state, k->manager};
  });
}

Result<DataKey> State::generate_data_key(const std::string& account, const std::string& region, std::string_view key,
                                         size_t bytes, const EncryptionContext& context) {
  return catching<DataKey>([&] {
    if (bytes < 1 || bytes > 1024) throw stratus::errors::validation("NumberOfBytes must be 1 to 1024");
    auto k = resolve(account, region, key);
    require_usable(*k);
    if (!crypto::is_symmetric(k->spec))
      throw errors::invalid_key_usage(k->arn + " key usage is " + k->usage +
                                      " which is not valid for GenerateDataKey.");
    std::string pt = crypto::random_bytes(bytes);
    std::string b = encrypt_symmetric(*k, pt, context);
    return DataKey{std::move(pt), std::move(b), k->arn};
  });
}

}  // namespace stratus::kms
