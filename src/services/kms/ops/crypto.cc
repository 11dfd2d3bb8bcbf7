// Encrypt, Decrypt, ReEncrypt, GenerateDataKey(+WithoutPlaintext, Pair, PairWithoutPlaintext),
// GenerateRandom.
#include "services/kms/crypto.h"
#include "services/kms/errors.h"
#include "services/kms/ops.h"
#include "services/kms/state.h"

namespace stratus::kms {
namespace {

struct Encryption {
  std::string blob;
  std::shared_ptr<const Key> key;
  std::string algorithm;
};

// Encrypt's core, shared with ReEncrypt (op: the operation named in usage errors).
Encryption encrypt_with(OpContext& ctx, std::string_view ref, std::string_view plaintext, const Doc& in,
                        std::string_view algorithm_member, std::string_view context_member, std::string_view op) {
  State& st = state(ctx);
  auto k = st.resolve(ctx.account(), ctx.region(), ref);
  require_usable(*k);
  require_usage(*k, "ENCRYPT_DECRYPT", op);
  std::string algorithm = in.str(algorithm_member, "SYMMETRIC_DEFAULT");
  EncryptionContext ec = context_of(in, context_member);
  if (crypto::is_symmetric(k->spec)) {
    if (algorithm != "SYMMETRIC_DEFAULT")
      throw errors::invalid_key_usage("Algorithm " + algorithm + " is incompatible with key spec " + k->spec + ".");
    return {st.encrypt_symmetric(*k, plaintext, ec), k, algorithm};
  }
  if (algorithm == "SYMMETRIC_DEFAULT")
    throw errors::invalid_key_usage("Algorithm SYMMETRIC_DEFAULT is incompatible with key spec " + k->spec + ".");
  if (!ec.empty()) throw stratus::errors::validation("EncryptionContext is not supported for asymmetric KMS keys.");
  if (plaintext.size() > crypto::rsa_max_plaintext(k->spec, algorithm))
    throw stratus::errors::validation("Plaintext is too long for " + k->spec + " with " + algorithm + ".");
  auto c = crypto::rsa_encrypt(k->current().secret, algorithm, plaintext);
  if (!c) throw errors::kms_internal("RSA encryption failed");
  return {std::move(*c), k, algorithm};
}

struct Decryption {
  std::string plaintext;
  std::shared_ptr<const Key> key;
  std::string algorithm;
  uint32_t version = 0;
};

Decryption decrypt_with(OpContext& ctx, std::string_view blob, const Doc& in, std::string_view key_member,
                        std::string_view algorithm_member, std::string_view context_member) {
  State& st = state(ctx);
  std::string algorithm = in.str(algorithm_member, "SYMMETRIC_DEFAULT");
  std::string ref = in.str(key_member);
  EncryptionContext ec = context_of(in, context_member);
  if (algorithm != "SYMMETRIC_DEFAULT") {
    if (ref.empty())
      throw stratus::errors::validation("KeyId is required when decrypting with an asymmetric algorithm (" + algorithm +
                                        ").");
    auto k = st.resolve(ctx.account(), ctx.region(), ref);
    require_usable(*k);
    require_usage(*k, "ENCRYPT_DECRYPT", "Decrypt");
    if (!crypto::is_rsa(k->spec))
      throw errors::invalid_key_usage("Algorithm " + algorithm + " is incompatible with key spec " + k->spec + ".");
    auto p = crypto::rsa_decrypt(k->current().secret, algorithm, blob);
    if (!p) throw errors::invalid_ciphertext("");
    return {std::move(*p), k, algorithm, 0};
  }
  if (!ref.empty()) {
    auto named = st.resolve(ctx.account(), ctx.region(), ref);
    if (!crypto::is_symmetric(named->spec)) {
      require_usable(*named);
      require_usage(*named, "ENCRYPT_DECRYPT", "Decrypt");
      throw errors::invalid_key_usage("Algorithm SYMMETRIC_DEFAULT is incompatible with key spec " + named->spec + ".");
    }
  }
  auto [k, pt] = st.decrypt_symmetric(ctx.account(), ctx.region(), blob, ec, ref);
  return {std::move(pt), std::move(k), algorithm, State::blob_version(blob)};
}

// GenerateDataKey(WithoutPlaintext)'s data key length.
size_t data_key_bytes(const Doc& in) {
  bool spec = in.has("KeySpec"), n = in.has("NumberOfBytes");
  if (spec == n) throw stratus::errors::validation("Please specify either number of bytes or key spec.");
  if (n) return static_cast<size_t>(in.integer("NumberOfBytes"));
  return in.str("KeySpec") == "AES_128" ? 16 : 32;
}

Doc data_key(OpContext& ctx, const Doc& in, bool with_plaintext) {
  State& st = state(ctx);
  size_t n = data_key_bytes(in);
  auto k = st.resolve(ctx.account(), ctx.region(), in.str("KeyId"));
  require_usable(*k);
  require_usage(*k, "ENCRYPT_DECRYPT", with_plaintext ? "GenerateDataKey" : "GenerateDataKeyWithoutPlaintext");
  if (!crypto::is_symmetric(k->spec))
    throw errors::invalid_key_usage(k->arn + " key spec " + k->spec + " is not valid for GenerateDataKey.");
  dry_run(in);
  std::string pt = crypto::random_bytes(n);
  Doc out = Doc::map();
  out.set("CiphertextBlob", Blob{st.encrypt_symmetric(*k, pt, context_of(in))});
  if (with_plaintext) out.set("Plaintext", Blob{std::move(pt)});
  out.set("KeyId", k->arn);
  out.set("KeyMaterialId", material_id(*k, k->current().version));
  return out;
}

Doc data_key_pair(OpContext& ctx, const Doc& in, bool with_plaintext) {
  State& st = state(ctx);
  std::string spec = in.str("KeyPairSpec");
  auto k = st.resolve(ctx.account(), ctx.region(), in.str("KeyId"));
  require_usable(*k);
  require_usage(*k, "ENCRYPT_DECRYPT", with_plaintext ? "GenerateDataKeyPair" : "GenerateDataKeyPairWithoutPlaintext");
  if (!crypto::is_symmetric(k->spec))
    throw errors::invalid_key_usage(k->arn + " key spec " + k->spec + " is not valid for GenerateDataKeyPair.");
  if (!crypto::is_rsa(spec) && !crypto::is_ecc(spec))
    throw errors::unsupported_operation("KeyPairSpec " + spec + " is not supported by Stratus.");
  dry_run(in);
  std::string priv = crypto::generate(spec);
  Doc out = Doc::map();
  out.set("PrivateKeyCiphertextBlob", Blob{st.encrypt_symmetric(*k, priv, context_of(in))});
  out.set("PublicKey", Blob{crypto::public_key_der(priv)});
  if (with_plaintext) out.set("PrivateKeyPlaintext", Blob{std::move(priv)});
  out.set("KeyId", k->arn);
  out.set("KeyPairSpec", spec);
  out.set("KeyMaterialId", material_id(*k, k->current().version));
  return out;
}

}  // namespace

Doc encrypt(OpContext& ctx, const Doc& in) {
  std::string pt = blob_of(in, "Plaintext");
  Encryption e = encrypt_with(ctx, in.str("KeyId"), pt, in, "EncryptionAlgorithm", "EncryptionContext", "Encrypt");
  dry_run(in);
  Doc out = Doc::map();
  out.set("CiphertextBlob", Blob{std::move(e.blob)});
  out.set("KeyId", e.key->arn);
  out.set("EncryptionAlgorithm", e.algorithm);
  return out;
}

Doc decrypt(OpContext& ctx, const Doc& in) {
  if (in.has("Recipient"))
    throw errors::unsupported_operation("Recipient (Nitro Enclaves attestation) is not supported by Stratus.");
  Decryption d =
      decrypt_with(ctx, blob_of(in, "CiphertextBlob"), in, "KeyId", "EncryptionAlgorithm", "EncryptionContext");
  dry_run(in);
  Doc out = Doc::map();
  out.set("KeyId", d.key->arn);
  out.set("Plaintext", Blob{std::move(d.plaintext)});
  out.set("EncryptionAlgorithm", d.algorithm);
  if (d.version) out.set("KeyMaterialId", material_id(*d.key, d.version));
  return out;
}

Doc re_encrypt(OpContext& ctx, const Doc& in) {
  Decryption d = decrypt_with(ctx, blob_of(in, "CiphertextBlob"), in, "SourceKeyId", "SourceEncryptionAlgorithm",
                              "SourceEncryptionContext");
  Encryption e = encrypt_with(ctx, in.str("DestinationKeyId"), d.plaintext, in, "DestinationEncryptionAlgorithm",
                              "DestinationEncryptionContext", "ReEncrypt");
  dry_run(in);
  Doc out = Doc::map();
  out.set("CiphertextBlob", Blob{std::move(e.blob)});
  out.set("SourceKeyId", d.key->arn);
  out.set("KeyId", e.key->arn);
  out.set("SourceEncryptionAlgorithm", d.algorithm);
  out.set("DestinationEncryptionAlgorithm", e.algorithm);
  if (d.version) out.set("SourceKeyMaterialId", material_id(*d.key, d.version));
  if (crypto::is_symmetric(e.key->spec))
    out.set("DestinationKeyMaterialId", material_id(*e.key, e.key->current().version));
  return out;
}

Doc generate_data_key(OpContext& ctx, const Doc& in) {
  return data_key(ctx, in, true);
}
Doc generate_data_key_without_plaintext(OpContext& ctx, const Doc& in) {
  return data_key(ctx, in, false);
}
Doc generate_data_key_pair(OpContext& ctx, const Doc& in) {
  return data_key_pair(ctx, in, true);
}
Doc generate_data_key_pair_without_plaintext(OpContext& ctx, const Doc& in) {
  return data_key_pair(ctx, in, false);
}

Doc generate_random(OpContext&, const Doc& in) {
  if (in.has("CustomKeyStoreId"))
    throw errors::unsupported_operation("Custom key stores are not supported by Stratus.");
  if (in.has("Recipient"))
    throw errors::unsupported_operation("Recipient (Nitro Enclaves attestation) is not supported by Stratus.");
  if (!in.has("NumberOfBytes")) throw stratus::errors::validation("NumberOfBytes is required.");
  Doc out = Doc::map();
  out.set("Plaintext", Blob{crypto::random_bytes(static_cast<size_t>(in.integer("NumberOfBytes")))});
  return out;
}

}  // namespace stratus::kms
