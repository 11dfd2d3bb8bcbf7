// CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant. Grants are kept with
// their key's account and Region (a grant on another account's key is stored there); access.h
// lets their grantees use the key.
#include <algorithm>
#include <mutex>

#include "core/arn.h"
#include "core/encoding.h"
#include "services/kms/access.h"
#include "services/kms/crypto.h"
#include "services/kms/errors.h"
#include "services/kms/ops.h"
#include "services/kms/state.h"

namespace stratus::kms {
namespace {

constexpr size_t kGrantsPerKey = 50'000;

// The operations a grant may allow on a key of this kind.
bool operation_fits(const Key& k, std::string_view op) {
  if (op == "CreateGrant" || op == "RetireGrant" || op == "DescribeKey") return true;
  if (crypto::is_symmetric(k.spec))
    return op == "Decrypt" || op == "Encrypt" || op == "GenerateDataKey" || op == "GenerateDataKeyWithoutPlaintext" ||
           op == "ReEncryptFrom" || op == "ReEncryptTo" || op == "GenerateDataKeyPair" ||
           op == "GenerateDataKeyPairWithoutPlaintext";
  if (crypto::is_hmac(k.spec)) return op == "GenerateMac" || op == "VerifyMac";
  if (k.usage == "ENCRYPT_DECRYPT")
    return op == "Decrypt" || op == "Encrypt" || op == "ReEncryptFrom" || op == "ReEncryptTo" || op == "GetPublicKey";
  return op == "Sign" || op == "Verify" || op == "GetPublicKey";
}

// A grant token names its grant: base64("<key id>:<grant id>:<random>").
std::string token_for(const Grant& g) {
  return enc::base64_encode(g.key_id + ":" + g.id + ":" + crypto::random_bytes(48));
}

std::optional<std::pair<std::string, std::string>> parse_token(std::string_view token) {
  auto raw = enc::base64_decode(token);
  if (!raw) return std::nullopt;
  size_t a = raw->find(':');
  size_t b = a == std::string::npos ? a : raw->find(':', a + 1);
  if (b == std::string::npos) return std::nullopt;
  return std::make_pair(raw->substr(0, a), raw->substr(a + 1, b - a - 1));
}

Doc grant_entry(const Key& k, const Grant& g) {
  Doc e = Doc::map();
  e.set("KeyId", k.arn);
  e.set("GrantId", g.id);
  if (!g.name.empty()) e.set("Name", g.name);
  e.set("CreationDate", Timestamp{g.created_ms});
  e.set("GranteePrincipal", g.grantee);
  if (!g.retiring.empty()) e.set("RetiringPrincipal", g.retiring);
  e.set("IssuingAccount", g.issuer);
  Doc ops = Doc::list();
  for (const auto& o : g.operations) ops.push(o);
  e.set("Operations", std::move(ops));
  if (g.constraints.is_map()) e.set("Constraints", g.constraints);
  return e;
}

// Deletes the key's grant (RetireGrant, RevokeGrant); NotFoundException when it has none such.
Doc delete_grant(OpContext& ctx, State& st, const Key& k, const std::string& grant_id, const Doc& in, bool retiring) {
  for (const auto& g : st.store.grants(k.account, k.region, k.id))
    if (g.id == grant_id) {
      if (retiring) {
        // RetireGrant: the retiring principal, the grantee of a grant that allows RetireGrant,
        // or (AWS: the account that created the grant) a caller the key policy allows.
        bool may = grantee_matches(g.retiring, ctx.caller) ||
                   (grantee_matches(g.grantee, ctx.caller) &&
                    std::find(g.operations.begin(), g.operations.end(), "RetireGrant") != g.operations.end());
        if (!may) authorize(ctx, k, "RetireGrant");
      }
      dry_run(in);
      st.store.del_grant(k.account, k.region, g);
      return Doc::map();
    }
  throw errors::not_found("Grant ID " + grant_id + " not found");
}

Doc listing(const std::vector<std::pair<std::shared_ptr<const Key>, Grant>>& grants, const Doc& in) {
  std::vector<std::string> ids;
  for (const auto& [k, g] : grants) ids.push_back(g.id);
  return page(ids, in, 50, "Grants", [&](size_t i) { return grant_entry(*grants[i].first, grants[i].second); });
}

}  // namespace

Doc create_grant(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::lock_guard lk(st.store.writer());
  auto k = st.resolve(ctx.account(), ctx.region(), in.str("KeyId"), false);
  require_usable(*k);
  Grant g;
  g.key_id = k->id;
  g.name = in.str("Name");
  g.grantee = in.str("GranteePrincipal");
  g.retiring = in.str("RetiringPrincipal");
  g.issuer = root_arn(ctx.account());
  if (!g.name.empty() &&
      (g.name.size() > 256 ||
       g.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/_-") !=
           std::string::npos))
    throw stratus::errors::validation(
        "1 validation error detected: Value '" + g.name +
        "' at 'name' failed to satisfy constraint: Member must satisfy regular expression "
        "pattern: ^[a-zA-Z0-9:/_-]+$");
  if (const Doc* ops = in.get("Operations"); ops && ops->is_list())
    for (const auto& o : ops->as_list()) {
      if (!operation_fits(*k, o.as_string()))
        throw stratus::errors::validation("Grant operation " + o.as_string() + " is not valid for key spec " + k->spec +
                                          " with key usage " + k->usage + ".");
      if (std::find(g.operations.begin(), g.operations.end(), o.as_string()) == g.operations.end())
        g.operations.push_back(o.as_string());
    }
  if (g.operations.empty()) throw stratus::errors::validation("Operations must contain at least one operation.");
  if (const Doc* c = in.get("Constraints"); c && c->is_map()) {
    if (!crypto::is_symmetric(k->spec))
      throw stratus::errors::validation("Encryption context grant constraints are only valid for symmetric keys.");
    g.constraints = *c;
  }
  if (const Doc* c = in.get("Constraints"); c && c->is_map())
    for (const char* m : {"EncryptionContextEquals", "EncryptionContextSubset"})
      if (const Doc* ec = c->get(m); ec && ec->is_map()) {
        if (ec->size() > 8) throw stratus::errors::validation("Grant constraints may contain at most 8 pairs each.");
        for (const auto& [ck, cv] : ec->as_map())
          if (cv.is_string() && cv.as_string().size() > 384)
            throw stratus::errors::validation("Grant constraint values must be at most 384 characters.");
      }
  auto existing = st.store.grants(k->account, k->region, k->id);
  if (!g.name.empty())
    for (const auto& e : existing)
      if (e.name == g.name && e.grantee == g.grantee && e.retiring == g.retiring && e.operations == g.operations &&
          e.constraints == g.constraints) {
        dry_run(in);
        Doc out = Doc::map();
        out.set("GrantId", e.id);
        out.set("GrantToken", token_for(e));
        return out;
      }
  if (existing.size() >= kGrantsPerKey) throw errors::limit_exceeded("Cannot exceed quota for grants per key: 50000");
  dry_run(in);
  g.id = enc::hex(crypto::random_bytes(32));
  g.created_ms = ctx.now_ms;
  st.store.put_grant(k->account, k->region, g);
  Doc out = Doc::map();
  out.set("GrantId", g.id);
  out.set("GrantToken", token_for(g));
  return out;
}

Doc list_grants(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  auto k = st.resolve(ctx.account(), ctx.region(), in.str("KeyId"));
  std::vector<std::pair<std::shared_ptr<const Key>, Grant>> out;
  for (auto& g : st.store.grants(k->account, k->region, k->id)) {
    if (in.has("GrantId") && g.id != in.str("GrantId")) continue;
    if (in.has("GranteePrincipal") && g.grantee != in.str("GranteePrincipal")) continue;
    out.emplace_back(k, std::move(g));
  }
  if (in.has("GrantId") && out.empty()) throw errors::invalid_grant_id("Grant ID not valid");
  return listing(out, in);
}

Doc list_retirable_grants(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string principal = in.str("RetiringPrincipal");
  std::vector<std::pair<std::shared_ptr<const Key>, Grant>> out;
  // Grants of every account's keys name their retiring principal (grants on another account's
  // key are stored with that key).
  // The principal must be of the caller's account (AWS: "any principal in your account").
  auto arn = Arn::parse(principal);
  std::string owner = arn ? arn->account : principal;
  if (owner != ctx.account()) return listing(out, in);
  for (const auto& k : st.store.all_keys())
    for (auto& g : st.store.grants(k->account, k->region, k->id))
      if (g.retiring == principal) out.emplace_back(k, std::move(g));
  return listing(out, in);
}

Doc retire_grant(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::lock_guard lk(st.store.writer());
  std::string key_ref = in.str("KeyId"), grant_id = in.str("GrantId");
  if (in.has("GrantToken")) {
    auto t = parse_token(in.str("GrantToken"));
    if (!t) throw errors::invalid_grant_token("Grant token is not valid");
    if (!grant_id.empty() && grant_id != t->second) throw errors::invalid_grant_token("Grant token is not valid");
    if (key_ref.empty()) key_ref = t->first;
    grant_id = t->second;
  } else if (key_ref.empty() || grant_id.empty()) {
    throw stratus::errors::validation("Either GrantToken, or both KeyId and GrantId, must be specified.");
  }
  // A token names its key by id: another account's key is found wherever it is.
  std::shared_ptr<const Key> k;
  bool plain_id =
      !key_ref.empty() && key_ref.size() <= 64 &&
      key_ref.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == std::string::npos;
  if (plain_id)
    if (auto own = st.store.key(ctx.account(), ctx.region(), key_ref); !own) k = st.store.locate(key_ref);
  if (!k) k = st.resolve(ctx.account(), ctx.region(), key_ref, false);
  return delete_grant(ctx, st, *k, grant_id, in, true);
}

Doc revoke_grant(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::lock_guard lk(st.store.writer());
  return delete_grant(ctx, st, *st.resolve(ctx.account(), ctx.region(), in.str("KeyId"), false), in.str("GrantId"), in,
                      false);
}

}  // namespace stratus::kms
