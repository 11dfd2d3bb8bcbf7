// ID, access and refresh tokens: RS256 JWTs signed with the pool's key (kid = a hash of its
// public half), claims as AWS puts them; the refresh token is opaque (sealed) and names its
// session record, which RevokeToken and GlobalSignOut revoke.
#include <algorithm>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "auth/sigv4.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "services/cognito-idp/common.h"
#include "services/cognito-idp/crypto.h"
#include "services/cognito-idp/schema.h"
#include "services/cognito-idp/triggers.h"

namespace stratus::cognitoidp {
namespace {

std::string kid_of(const std::string& pem) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::string> cache;  // pem -> kid, one per pool
  {
    std::lock_guard lk(mu);
    if (auto it = cache.find(pem); it != cache.end()) return it->second;
  }
  auto [n, e] = crypto::rsa_public_ne(pem);
  std::string kid = enc::base64_encode(auth::hmac_sha256("cognito-kid", n + "." + e));
  std::lock_guard lk(mu);
  if (cache.size() >= 1024) cache.clear();
  cache.emplace(pem, kid);
  return kid;
}

int64_t validity_seconds(const Doc& client, const char* field, const char* unit_field, int64_t dflt_s,
                         const char* dflt_unit) {
  if (!client.has(field)) return dflt_s;
  int64_t v = client.integer(field);
  const Doc* units = client.get("TokenValidityUnits");
  std::string unit = units ? units->str(unit_field, dflt_unit) : dflt_unit;
  return unit_seconds(v, unit);
}

Doc groups_claim(const Doc& user) {
  const Doc* g = user.get("Groups");
  if (!g || !g->is_list() || g->as_list().empty()) return Doc();
  return *g;
}

// cognito:roles (every group's role) and cognito:preferred_role (the role of the group with the
// lowest precedence), as AWS puts them in ID tokens.
std::pair<Doc, Doc> roles_claims(State& st, const std::string& pool_id, const Doc& groups) {
  Doc roles = Doc::list();
  Doc preferred;
  int64_t best = INT64_MAX;
  if (groups.is_list())
    for (const auto& g : groups.as_list())
      if (auto rec = st.store.get(kGroups.name, Store::child_key(pool_id, g.as_string()))) {
        std::string arn = rec->str("RoleArn");
        if (arn.empty()) continue;
        roles.push(arn);
        int64_t prec = rec->has("Precedence") ? rec->integer("Precedence") : INT64_MAX - 1;
        if (prec < best) {
          best = prec;
          preferred = Doc(arn);
        }
      }
  return {std::move(roles), std::move(preferred)};
}

bool reserved_claim(const std::string& k) {
  static const char* kReserved[] = {"acr",
                                    "amr",
                                    "aud",
                                    "at_hash",
                                    "auth_time",
                                    "azp",
                                    "c_hash",
                                    "exp",
                                    "iat",
                                    "iss",
                                    "jti",
                                    "nbf",
                                    "nonce",
                                    "origin_jti",
                                    "sub",
                                    "token_use",
                                    "client_id",
                                    "event_id",
                                    "cognito:username",
                                    "username",
                                    "version"};
  for (const char* r : kReserved)
    if (k == r) return true;
  return false;
}

void override_claims(Doc& token, const Doc* gen) {
  if (!gen || !gen->is_map()) return;
  if (const Doc* add = gen->get("claimsToAddOrOverride"); add && add->is_map())
    for (const auto& [k, v] : add->as_map())
      if (!reserved_claim(k)) token.set(k, v);
  if (const Doc* sup = gen->get("claimsToSuppress"); sup && sup->is_list()) {
    Doc keep = Doc::map();
    for (const auto& [k, v] : token.as_map()) {
      bool drop = false;
      for (const auto& x : sup->as_list()) drop = drop || (x.is_string() && x.as_string() == k && !reserved_claim(k));
      if (!drop) keep.set(k, v);
    }
    token = std::move(keep);
  }
}

void override_groups(Doc& id, Doc& access, const Doc* g) {
  if (!g || !g->is_map()) return;
  if (const Doc* x = g->get("groupsToOverride"); x && x->is_list()) {
    id.set("cognito:groups", *x);
    access.set("cognito:groups", *x);
  }
  if (const Doc* x = g->get("iamRolesToOverride"); x && x->is_list()) id.set("cognito:roles", *x);
  if (const Doc* x = g->get("preferredRole"); x && x->is_string()) id.set("cognito:preferred_role", *x);
}

// The opaque refresh token: JWE-shaped (five segments) as AWS's; only the sealed fourth segment
// means anything here: pool "p", user key "u", session "j", client "c" and, on rotating clients,
// the generation "g".
std::string mint_refresh_token(State& st, const Doc& payload) {
  std::string sealed = st.store.seal(json::write(payload), "cognito-refresh");
  std::string filler = crypto::random_bytes(32 + 12 + 16);  // the key, IV and tag segments' shapes
  std::string_view f = filler;
  std::string out = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.";
  out += crypto::base64url(f.substr(0, 32));
  out += '.';
  out += crypto::base64url(f.substr(32, 12));
  out += '.';
  out += crypto::base64url(sealed);
  out += '.';
  out += crypto::base64url(f.substr(44, 16));
  return out;
}

// The sealed payload of a refresh token; nullopt when `token` is not one of ours.
std::optional<Doc> open_refresh_token(State& st, std::string_view token) {
  if (std::count(token.begin(), token.end(), '.') != 4) return std::nullopt;
  size_t d3 = 0;
  for (int i = 0; i < 3; ++i) d3 = token.find('.', d3) + 1;
  auto sealed = crypto::base64url_decode(token.substr(d3, token.find('.', d3) - d3));
  auto plain = sealed ? st.store.unseal(*sealed, "cognito-refresh") : std::nullopt;
  if (!plain) return std::nullopt;
  Doc r = json::parse(*plain);
  if (!r.is_map()) return std::nullopt;
  return r;
}

}  // namespace

std::string issuer(const State& st, const std::string& region, const std::string& pool_id) {
  if (st.issuer_mode == "aws") return "https://cognito-idp." + region + ".amazonaws.com/" + pool_id;
  return "http://localhost:" + std::to_string(st.port) + "/" + pool_id;
}

Doc issue_tokens(OpContext& ctx, const Doc& pool, const Doc& client, Doc& user, bool with_refresh,
                 const std::string& origin_jti_in, int64_t auth_time_in, const std::string& source,
                 const std::string& scope) {
  State& st = state(ctx);
  std::string pool_id = pool.str("Id");
  std::string pem = st.store.signing_key(pool_id);
  std::string kid = kid_of(pem);
  int64_t now = ctx.now_ms / 1000;
  int64_t auth_time = auth_time_in ? auth_time_in : now;
  std::string origin_jti = origin_jti_in.empty() ? ids::uuid4() : origin_jti_in;
  std::string event_id = ids::uuid4();
  std::string iss = issuer(st, pool.str("_region"), pool_id);
  Doc groups = groups_claim(user);

  Doc header = Doc::map();
  header.set("kid", kid);
  header.set("alg", "RS256");
  std::string hj = json::write(header);

  int64_t id_s = validity_seconds(client, "IdTokenValidity", "IdToken", 3600, "hours");
  int64_t access_s = validity_seconds(client, "AccessTokenValidity", "AccessToken", 3600, "hours");
  int64_t refresh_s = validity_seconds(client, "RefreshTokenValidity", "RefreshToken", 30 * 86400, "days");

  Doc id = Doc::map();
  id.set("sub", attr(user, "sub"));
  if (!groups.is_null()) id.set("cognito:groups", groups);
  if (const Doc* a = user.get("Attrs"); a && a->is_map())
    for (const auto& [k, v] : a->as_map()) {
      if (k == "sub") continue;
      if (k == "email_verified" || k == "phone_number_verified")
        id.set(k, v.as_string() == "true");
      else
        id.set(k, v);
    }
  id.set("iss", iss);
  id.set("cognito:username", user.str("Username"));
  id.set("origin_jti", origin_jti);
  id.set("aud", client.str("ClientId"));
  id.set("event_id", event_id);
  id.set("token_use", "id");
  id.set("auth_time", auth_time);
  id.set("exp", now + id_s);
  id.set("iat", now);
  id.set("jti", ids::uuid4());

  Doc access = Doc::map();
  access.set("sub", attr(user, "sub"));
  if (!groups.is_null()) access.set("cognito:groups", groups);
  access.set("iss", iss);
  access.set("client_id", client.str("ClientId"));
  access.set("origin_jti", origin_jti);
  access.set("event_id", event_id);
  access.set("token_use", "access");
  access.set("scope", scope);
  access.set("auth_time", auth_time);
  access.set("exp", now + access_s);
  access.set("iat", now);
  access.set("jti", ids::uuid4());
  access.set("username", user.str("Username"));

  auto [roles, preferred] = roles_claims(st, pool_id, groups);
  if (!roles.as_list().empty()) id.set("cognito:roles", roles);
  if (!preferred.is_null()) id.set("cognito:preferred_role", preferred);

  // PreTokenGeneration: V1_0 changes the ID token; V2_0 both tokens and the access token's scopes.
  if (!trigger_arn(pool, "PreTokenGeneration").empty()) {
    const Doc* lc = pool.get("LambdaConfig");
    const Doc* cfg = lc ? lc->get("PreTokenGenerationConfig") : nullptr;
    std::string version = cfg ? cfg->str("LambdaVersion", "V1_0") : "V1_0";
    bool v2 = version != "V1_0";
    Doc ev = trigger_event(pool, user.str("Username"), client.str("ClientId"), source);
    if (v2) ev.set("version", version == "V3_0" ? "3" : "2");
    Doc& req = ev["request"];
    req.set("userAttributes", user_attributes_map(user, true));
    Doc gc = Doc::map();
    gc.set("groupsToOverride", groups.is_null() ? Doc::list() : groups);
    gc.set("iamRolesToOverride", roles);
    gc.set("preferredRole", preferred);
    req.set("groupConfiguration", std::move(gc));
    if (v2) {
      Doc sc = Doc::list();
      for (size_t p = 0; p < scope.size();) {
        size_t q = scope.find(' ', p);
        if (q == std::string::npos) q = scope.size();
        if (q > p) sc.push(scope.substr(p, q - p));
        p = q + 1;
      }
      req.set("scopes", std::move(sc));
    }
    req.set("clientMetadata", Doc::map());
    ev["response"].set(v2 ? "claimsAndScopeOverrideDetails" : "claimsOverrideDetails", Doc());
    if (auto r = run_trigger(ctx, pool, "PreTokenGeneration", ev)) {
      const Doc* resp = r->get("response");
      if (!v2) {
        const Doc* d = resp ? resp->get("claimsOverrideDetails") : nullptr;
        override_claims(id, d);
        override_groups(id, access, d ? d->get("groupOverrideDetails") : nullptr);
      } else {
        const Doc* d = resp ? resp->get("claimsAndScopeOverrideDetails") : nullptr;
        if (d && d->is_map()) {
          override_claims(id, d->get("idTokenGeneration"));
          const Doc* at = d->get("accessTokenGeneration");
          override_claims(access, at);
          if (at && at->is_map()) {
            std::string scope = access.str("scope");
            if (const Doc* add = at->get("scopesToAdd"); add && add->is_list())
              for (const auto& x : add->as_list())
                if (x.is_string()) scope += " " + x.as_string();
            if (const Doc* sup = at->get("scopesToSuppress"); sup && sup->is_list()) {
              std::string kept;
              size_t p = 0;
              while (p <= scope.size()) {
                size_t q = scope.find(' ', p);
                if (q == std::string::npos) q = scope.size();
                std::string word = scope.substr(p, q - p);
                bool drop = false;
                for (const auto& x : sup->as_list()) drop = drop || (x.is_string() && x.as_string() == word);
                if (!word.empty() && !drop) kept += (kept.empty() ? "" : " ") + word;
                p = q + 1;
              }
              scope = kept;
            }
            access.set("scope", scope);
          }
          override_groups(id, access, d->get("groupOverrideDetails"));
        }
      }
    }
  }

  Doc out = Doc::map();
  out.set("AccessToken", crypto::sign_jwt(pem, hj, json::write(access)));
  out.set("ExpiresIn", access_s);
  out.set("TokenType", "Bearer");
  out.set("IdToken", crypto::sign_jwt(pem, hj, json::write(id)));
  if (with_refresh) {
    Doc session = Doc::map();
    session.set("ClientId", client.str("ClientId"));
    session.set("AuthTime", auth_time);
    session.set("Expires", (now + refresh_s) * 1000);
    session.set("Revoked", false);
    session.set("Scope", scope);
    st.store.put(kSessions.name, Store::session_key(pool_id, user.str("Key"), origin_jti), session);
    Doc r = Doc::map();
    r.set("p", pool_id);
    r.set("u", user.str("Key"));
    r.set("j", origin_jti);
    r.set("c", client.str("ClientId"));
    out.set("RefreshToken", mint_refresh_token(st, r));
  }
  return out;
}

Revoked revoke_refresh_token(OpContext& ctx, const Doc& client, const std::string& token) {
  if (std::count(token.begin(), token.end(), '.') != 4) return Revoked::kNotRefreshToken;
  auto r = open_refresh_token(state(ctx), token);
  if (!r) return Revoked::kUnknown;
  if (r->str("c") != client.str("ClientId")) return Revoked::kOtherClient;
  std::string k = Store::session_key(r->str("p"), r->str("u"), r->str("j"));
  std::lock_guard lk(state(ctx).store.lock_user(r->str("p"), r->str("u")));
  if (auto s = state(ctx).store.get(kSessions.name, k)) {
    s->set("Revoked", true);
    state(ctx).store.put(kSessions.name, k, *s);
  }
  return Revoked::kRevoked;
}

bool rotates_refresh_tokens(const Doc& client) {
  const Doc* r = client.get("RefreshTokenRotation");
  return r && r->is_map() && r->str("Feature") == "ENABLED";
}

void check_client_secret(const Doc& client, const std::string& given) {
  std::string secret = client.str("ClientSecret");
  if (!secret.empty() && !crypto::equal_ct(secret, given)) throw cerr::not_authorized("Client secret is not valid.");
}

Doc refresh_rotating(OpContext& ctx, const Doc& pool, const Doc& client, const std::string& token) {
  State& st = state(ctx);
  auto r = open_refresh_token(st, token);
  if (rotates_refresh_tokens(client) && r) {
    // Is this generation still usable? (checked before any token is issued)
    auto s = st.store.get(kSessions.name, Store::session_key(r->str("p"), r->str("u"), r->str("j")));
    if (s && r->str("g") != s->str("Generation") &&
        !(r->str("g") == s->str("Previous") && ctx.now_ms < s->integer("PreviousUntil")))
      throw cerr::refresh_token_reuse("Refresh token has already been used.");
  }
  Doc out = refresh_tokens(ctx, pool, client, token, nullptr, true);  // session, expiry, user checks
  if (!rotates_refresh_tokens(client) || !r) return out;
  std::string k = Store::session_key(r->str("p"), r->str("u"), r->str("j"));
  std::lock_guard lk(st.store.lock_user(r->str("p"), r->str("u")));
  auto s = st.store.get(kSessions.name, k);
  if (!s || s->flag("Revoked")) throw cerr::not_authorized("Refresh Token has been revoked");
  std::string g = r->str("g");
  if (g == s->str("Generation")) {  // the current token: it stays usable for the grace period
    const Doc* rot = client.get("RefreshTokenRotation");
    s->set("Previous", g);
    s->set("PreviousUntil", ctx.now_ms + rot->integer("RetryGracePeriodSeconds", 0) * 1000);
  } else if (!(g == s->str("Previous") && ctx.now_ms < s->integer("PreviousUntil"))) {
    throw cerr::refresh_token_reuse("Refresh token has already been used.");
  }
  std::string next = ids::uuid4();
  s->set("Generation", next);
  st.store.put(kSessions.name, k, *s);
  Doc payload = *r;
  payload.set("g", next);
  out.set("RefreshToken", mint_refresh_token(st, payload));
  return out;
}

AccessClaims check_access_token(OpContext& ctx, const std::string& token) {
  auto invalid = [] { return cerr::not_authorized("Invalid Access Token"); };
  auto d1 = token.find('.');
  auto d2 = token.find('.', d1 == std::string::npos ? d1 : d1 + 1);
  if (d1 == std::string::npos || d2 == std::string::npos || token.size() > 16384) throw invalid();
  auto payload = crypto::base64url_decode(std::string_view(token).substr(d1 + 1, d2 - d1 - 1));
  if (!payload) throw invalid();
  Doc claims;
  try {
    claims = json::parse(*payload);
  } catch (const std::exception&) {
    throw invalid();
  }
  if (!claims.is_map() || claims.str("token_use") != "access") throw invalid();
  std::string iss = claims.str("iss");
  auto slash = iss.rfind('/');
  if (slash == std::string::npos) throw invalid();
  AccessClaims out;
  out.pool_id = iss.substr(slash + 1);
  State& st = state(ctx);
  auto pool = st.store.get(kPools.name, Store::pool_key(out.pool_id));
  if (!pool) throw invalid();
  if (!crypto::verify_jwt(st.store.signing_key(out.pool_id), token)) throw invalid();
  if (claims.integer("exp") <= ctx.now_ms / 1000) throw cerr::not_authorized("Access Token has expired");
  out.pool = *pool;
  out.username = claims.str("username");
  out.origin_jti = claims.str("origin_jti");
  out.client_id = claims.str("client_id");
  out.scope = claims.str("scope");
  auto user = st.store.get(kUsers.name, Store::child_key(out.pool_id, user_key(*pool, out.username)));
  if (!user) throw cerr::not_authorized("User does not exist.");
  auto session = st.store.get(kSessions.name, Store::session_key(out.pool_id, user->str("Key"), out.origin_jti));
  if (!session || session->flag("Revoked")) throw cerr::not_authorized("Access Token has been revoked");
  if (!user->flag("Enabled", true)) throw cerr::not_authorized("User is disabled.");
  out.user = std::move(*user);
  return out;
}

std::string sign_with_key(State& st, const std::string& key_name, const std::string& claims_json) {
  std::string pem = st.store.signing_key(key_name);
  Doc header = Doc::map();
  header.set("kid", kid_of(pem));
  header.set("typ", "JWS");
  header.set("alg", "RS256");
  return crypto::sign_jwt(pem, json::write(header), claims_json);
}

Verified verify_with_key(State& st, const std::string& key_name, std::string_view jwt, int64_t now_ms) {
  Verified out;
  try {
    auto d1 = jwt.find('.');
    auto d2 = d1 == std::string_view::npos ? d1 : jwt.find('.', d1 + 1);
    auto body = d2 == std::string_view::npos || jwt.size() > 16384
                    ? std::nullopt
                    : crypto::base64url_decode(jwt.substr(d1 + 1, d2 - d1 - 1));
    if (!body || !crypto::verify_jwt(st.store.signing_key(key_name), std::string(jwt))) {
      out.error = "bad signature";
      return out;
    }
    Doc claims = json::parse(*body);
    const Doc* exp = claims.is_map() ? claims.get("exp") : nullptr;
    if (!exp || !exp->is_number() || exp->as_int() * 1000 <= now_ms) {
      out.error = "expired";
      return out;
    }
    out.claims = std::move(claims);
  } catch (const std::exception&) {
    out.error = "malformed";
  }
  return out;
}

Verified verify_token(State& st, const std::string& pool_id, std::string_view jwt, int64_t now_ms, bool check_revoked) {
  Verified out;
  auto fail = [&out](const char* why) {
    out.error = why;
    return out;
  };
  try {
    if (jwt.size() > 16384) return fail("token too large");
    // A token verified before for this pool: its claims as parsed then (the pool must still exist).
    std::string digest = auth::sha256_hex(jwt);
    std::shared_ptr<const Doc> known;
    {
      std::lock_guard lk(st.verified_mu);
      auto it = st.verified.find(digest);
      if (it != st.verified.end() && it->second.pool_id == pool_id && it->second.exp * 1000 > now_ms)
        known = it->second.claims;
    }
    auto pool = st.store.get_shared(kPools.name, Store::pool_key(pool_id));  // parsed once, shared
    if (!known) {
      auto d1 = jwt.find('.');
      auto d2 = d1 == std::string_view::npos ? d1 : jwt.find('.', d1 + 1);
      if (d2 == std::string_view::npos || jwt.find('.', d2 + 1) != std::string_view::npos) return fail("not a JWS");
      auto head = crypto::base64url_decode(jwt.substr(0, d1));
      auto body = crypto::base64url_decode(jwt.substr(d1 + 1, d2 - d1 - 1));
      if (!head || !body) return fail("not base64url");
      Doc header = json::parse(*head);
      auto claims = std::make_shared<const Doc>(json::parse(*body));
      if (!header.is_map() || !claims->is_map()) return fail("not JSON objects");
      if (header.str("alg") != "RS256") return fail("alg is not RS256");
      if (!pool) return fail("no such pool");
      std::string iss = claims->str("iss");
      if (iss != "https://cognito-idp." + pool->str("_region") + ".amazonaws.com/" + pool_id &&
          iss != "http://localhost:" + std::to_string(st.port) + "/" + pool_id)
        return fail("iss is not the pool");
      std::string use = claims->str("token_use");
      if (use != "id" && use != "access") return fail("token_use is neither id nor access");
      const Doc* exp = claims->get("exp");
      if (!exp || !exp->is_number() || exp->as_int() * 1000 <= now_ms) return fail("expired");
      std::string pem = st.store.signing_key(pool_id);
      if (header.str("kid") != kid_of(pem)) return fail("unknown kid");
      if (!crypto::verify_jwt(pem, jwt)) return fail("bad signature");
      std::lock_guard lk(st.verified_mu);
      if (st.verified.size() >= 10'000)
        for (auto it = st.verified.begin(); it != st.verified.end();)
          it = it->second.exp * 1000 <= now_ms ? st.verified.erase(it) : std::next(it);
      if (st.verified.size() >= 10'000) st.verified.clear();
      st.verified[digest] = State::VerifiedToken{pool_id, exp->as_int(), claims};
      known = std::move(claims);
    }
    if (!pool) return fail("no such pool");
    if (check_revoked) {
      bool id_token = known->str("token_use") == "id";
      std::string name = id_token ? known->str("cognito:username") : known->str("username");
      auto user = st.store.get(kUsers.name, Store::child_key(pool_id, user_key(*pool, name)));
      if (!user || !user->flag("Enabled", true)) return fail("user does not exist or is disabled");
      auto session =
          st.store.get(kSessions.name, Store::session_key(pool_id, user->str("Key"), known->str("origin_jti")));
      if (!session || session->flag("Revoked")) return fail("revoked");
    }
    out.claims = *known;
  } catch (const std::exception&) {
    return fail("malformed");
  }
  return out;
}

std::optional<std::string> jwks(State& st, const std::string& pool_id) {
  if (!st.store.get(kPools.name, Store::pool_key(pool_id))) return std::nullopt;
  return jwks_of_key(st, pool_id);
}

std::string jwks_of_key(State& st, const std::string& key_name) {
  std::string pem = st.store.signing_key(key_name);
  auto [n, e] = crypto::rsa_public_ne(pem);
  Doc key = Doc::map();
  key.set("alg", "RS256");
  key.set("e", e);
  key.set("kid", kid_of(pem));
  key.set("kty", "RSA");
  key.set("n", n);
  key.set("use", "sig");
  Doc keys = Doc::list();
  keys.push(std::move(key));
  Doc out = Doc::map();
  out.set("keys", std::move(keys));
  return json::write(out);
}

}  // namespace stratus::cognitoidp
