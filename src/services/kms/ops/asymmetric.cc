// Sign, Verify, GetPublicKey (RSA and ECC keys), GenerateMac, VerifyMac (HMAC keys).
#include "services/kms/crypto.h"
#include "services/kms/errors.h"
#include "services/kms/ops.h"
#include "services/kms/state.h"

namespace stratus::kms {
namespace {

// Whether the key's metadata lists `algorithm` under `member` (SigningAlgorithms, MacAlgorithms).
bool lists(const Key& k, std::string_view member, std::string_view algorithm) {
  Doc md = metadata(k);
  if (const Doc* l = md.get(member); l && l->is_list())
    for (const auto& a : l->as_list())
      if (a.as_string() == algorithm) return true;
  return false;
}

// The usable key of KeyId with `usage` whose metadata lists the input's `member` algorithm
// under `member` + "s" (SigningAlgorithm(s), MacAlgorithm(s)).
std::shared_ptr<const Key> key_for(OpContext& ctx, const Doc& in, std::string_view op, std::string_view usage,
                                   const std::string& member) {
  auto k = state(ctx).resolve(ctx.account(), ctx.region(), in.str("KeyId"));
  require_usable(*k);
  require_usage(*k, usage, op);
  std::string algorithm = in.str(member);
  if (!lists(*k, member + "s", algorithm))
    throw errors::invalid_key_usage("Algorithm " + algorithm + " is incompatible with key spec " + k->spec + ".");
  return k;
}

std::shared_ptr<const Key> signing_key(OpContext& ctx, const Doc& in, std::string_view op) {
  return key_for(ctx, in, op, "SIGN_VERIFY", "SigningAlgorithm");
}

// The digest a Sign / Verify input names: the message hashed (RAW) or the message (DIGEST).
std::string digest_of(const Doc& in) {
  std::string algorithm = in.str("SigningAlgorithm");
  std::string message = blob_of(in, "Message");
  std::string type = in.str("MessageType", "RAW");
  if (type == "RAW") return crypto::digest(algorithm, message);
  if (type != "DIGEST") throw errors::unsupported_operation("MessageType " + type + " is not supported by Stratus.");
  if (message.size() != crypto::digest_size(algorithm))
    throw stratus::errors::validation("Digest is invalid length for algorithm " + algorithm + ".");
  return message;
}

std::shared_ptr<const Key> mac_key(OpContext& ctx, const Doc& in, std::string_view op) {
  return key_for(ctx, in, op, "GENERATE_VERIFY_MAC", "MacAlgorithm");
}

}  // namespace

Doc sign(OpContext& ctx, const Doc& in) {
  auto k = signing_key(ctx, in, "Sign");
  std::string d = digest_of(in);
  dry_run(in);
  auto sig = crypto::sign_digest(k->current().secret, in.str("SigningAlgorithm"), d);
  if (!sig) throw errors::kms_internal("signing failed");
  Doc out = Doc::map();
  out.set("KeyId", k->arn);
  out.set("Signature", Blob{std::move(*sig)});
  out.set("SigningAlgorithm", in.str("SigningAlgorithm"));
  return out;
}

Doc verify(OpContext& ctx, const Doc& in) {
  auto k = signing_key(ctx, in, "Verify");
  std::string d = digest_of(in);
  dry_run(in);
  if (!crypto::verify_digest(k->current().secret, in.str("SigningAlgorithm"), d, blob_of(in, "Signature")))
    throw errors::kms_invalid_signature("");
  Doc out = Doc::map();
  out.set("KeyId", k->arn);
  out.set("SignatureValid", true);
  out.set("SigningAlgorithm", in.str("SigningAlgorithm"));
  return out;
}

Doc get_public_key(OpContext& ctx, const Doc& in) {
  auto k = state(ctx).resolve(ctx.account(), ctx.region(), in.str("KeyId"));
  require_usable(*k);
  if (!crypto::is_rsa(k->spec) && !crypto::is_ecc(k->spec))
    throw errors::unsupported_operation(k->arn + " key usage is " + k->usage + " which is not valid for GetPublicKey.");
  Doc md = metadata(*k);
  Doc out = Doc::map();
  out.set("KeyId", k->arn);
  out.set("PublicKey", Blob{crypto::public_key_der(k->current().secret)});
  out.set("CustomerMasterKeySpec", k->spec);
  out.set("KeySpec", k->spec);
  out.set("KeyUsage", k->usage);
  for (const char* m : {"EncryptionAlgorithms", "SigningAlgorithms"})
    if (const Doc* l = md.get(m)) out.set(m, *l);
  return out;
}

Doc generate_mac(OpContext& ctx, const Doc& in) {
  auto k = mac_key(ctx, in, "GenerateMac");
  dry_run(in);
  Doc out = Doc::map();
  out.set("Mac", Blob{crypto::hmac(in.str("MacAlgorithm"), k->current().secret, blob_of(in, "Message"))});
  out.set("MacAlgorithm", in.str("MacAlgorithm"));
  out.set("KeyId", k->arn);
  return out;
}

Doc verify_mac(OpContext& ctx, const Doc& in) {
  auto k = mac_key(ctx, in, "VerifyMac");
  dry_run(in);
  std::string want = crypto::hmac(in.str("MacAlgorithm"), k->current().secret, blob_of(in, "Message"));
  std::string got = blob_of(in, "Mac");
  unsigned diff = want.size() != got.size();
  for (size_t i = 0; i < want.size() && i < got.size(); ++i) diff |= static_cast<unsigned char>(want[i] ^ got[i]);
  if (diff) throw errors::kms_invalid_mac("");
  Doc out = Doc::map();
  out.set("KeyId", k->arn);
  out.set("MacValid", true);
  out.set("MacAlgorithm", in.str("MacAlgorithm"));
  return out;
}

}  // namespace stratus::kms
