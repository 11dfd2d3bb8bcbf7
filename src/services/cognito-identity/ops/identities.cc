// Identities: GetId (unauthenticated, or authenticated by user pool ID tokens in Logins),
// GetOpenIdToken (the basic flow's token for STS), GetCredentialsForIdentity (the enhanced flow:
// the role from Roles / RoleMappings, assumed through STS's AssumeRoleWithWebIdentity),
// ListIdentities, DescribeIdentity, DeleteIdentities.
#include "core/arn.h"
#include "core/ids.h"
#include "core/paging.h"
#include "server/context.h"
#include "services/cognito-identity/ops.h"

namespace stratus::cognitoidentity {
namespace {

constexpr int64_t kOpenIdTokenSeconds = 600;  // GetOpenIdToken: 10 minutes
constexpr int64_t kCredentialSeconds = 3600;

Doc pool_of(OpContext& ctx, const Doc& identity) {
  return load_pool(ctx, identity.str("_pool"), false);
}

bool authenticated(const Doc& identity) {
  const Doc* s = identity.get("_subjects");
  return s && s->is_map() && s->size() > 0;
}

// Links the logins to the identity (the identity's Logins list and the login index).
void link(OpContext& ctx, const std::string& pool_id, Doc& identity, const std::vector<Login>& logins) {
  Doc& subs = identity["_subjects"];
  if (!subs.is_map()) subs = Doc::map();
  for (const Login& l : logins) {
    if (subs.str(l.provider) == l.subject) continue;
    if (!subs.str(l.provider).empty())
      throw cerr::resource_conflict("Identity is already linked to another login of " + l.provider + ".");
    subs.set(l.provider, l.subject);
    state(ctx).store.put_login(pool_id, l.provider, l.subject, identity.str("IdentityId"));
  }
  Doc names = Doc::list();
  for (const auto& [provider, sub] : subs.as_map()) names.push(provider);
  identity.set("Logins", std::move(names));
  identity.set("LastModifiedDate", ctx.now_ms);
  state(ctx).store.put_identity(pool_id, identity);
}

Doc new_identity(OpContext& ctx, const Doc& pool) {
  Doc i = Doc::map();
  i.set("IdentityId", pool.str("_region") + ":" + ids::uuid4());
  i.set("_pool", pool.str("IdentityPoolId"));
  i.set("_subjects", Doc::map());
  i.set("Logins", Doc::list());
  i.set("CreationDate", ctx.now_ms);
  i.set("LastModifiedDate", ctx.now_ms);
  return i;
}

void check_unauthenticated_allowed(const Doc& pool) {
  if (!pool.flag("AllowUnauthenticatedIdentities"))
    throw cerr::not_authorized("Unauthenticated access is not supported for this identity pool.");
}

// The identity named by the input, with the logins that prove it (verified); links new logins
// to an unauthenticated identity.
std::pair<Doc, std::vector<Login>> identity_with_logins(OpContext& ctx, const Doc& in, Doc* pool_out) {
  Doc identity = load_identity(ctx, in.str("IdentityId"));
  Doc pool = pool_of(ctx, identity);
  auto logins = verify_logins(ctx, pool, in.get("Logins"));
  if (authenticated(identity)) {
    check_logins_match(identity, logins);
  } else if (!logins.empty()) {
    std::lock_guard lk(state(ctx).store.mu);
    link(ctx, pool.str("IdentityPoolId"), identity, logins);
  } else {
    check_unauthenticated_allowed(pool);
  }
  *pool_out = std::move(pool);
  return {std::move(identity), std::move(logins)};
}

bool rule_matches(const Doc& rule, const Doc& claims) {
  const Doc* v = claims.get(rule.str("Claim"));
  std::string type = rule.str("MatchType"), want = rule.str("Value");
  if (!v) return false;  // NotEqual on a missing claim is skipped too
  std::string have = v->is_string() ? v->as_string() : v->is_bool() ? (v->as_bool() ? "true" : "false") : "";
  if (v->is_list()) {
    for (const Doc& e : v->as_list()) {
      if (!e.is_string()) continue;
      if (!have.empty()) have += ",";
      have += e.as_string();
    }
    if (type == "Contains")
      for (const Doc& e : v->as_list())
        if (e.is_string() && e.as_string() == want) return true;
  }
  if (type == "Equals") return have == want;
  if (type == "NotEqual") return have != want;
  if (type == "Contains") return have.find(want) != std::string::npos;
  if (type == "StartsWith") return have.rfind(want, 0) == 0;
  return false;
}

[[noreturn]] void no_role() {
  throw cerr::invalid_identity_pool_configuration(
      "Invalid identity pool configuration. Check assigned IAM roles for this pool.");
}

// The role to assume: the unauthenticated role, or the provider's role mapping (Token: the
// token's cognito:preferred_role / CustomRoleArn among cognito:roles; Rules: the first
// matching rule), else the authenticated role.
std::string resolve_role(const Doc& pool, const std::vector<Login>& logins, const std::string& custom) {
  const Doc* roles = pool.get("Roles");
  auto role = [&](const char* k) { return roles ? roles->str(k) : std::string(); };
  if (logins.empty()) {
    if (role("unauthenticated").empty()) no_role();
    return role("unauthenticated");
  }
  const Doc* mappings = pool.get("RoleMappings");
  for (const Login& l : logins) {
    const Doc* m = mappings ? mappings->get(l.provider) : nullptr;
    if (!m) continue;
    std::string found;
    if (m->str("Type") == "Token") {
      const Doc* cr = l.claims.get("cognito:roles");
      bool listed = false;
      if (cr && cr->is_list())
        for (const Doc& r : cr->as_list()) listed = listed || (r.is_string() && r.as_string() == custom);
      if (!custom.empty()) {
        if (!listed) throw cerr::not_authorized("The role " + custom + " is not among the roles of the token.");
        found = custom;
      } else {
        found = l.claims.str("cognito:preferred_role");
      }
    } else if (const Doc* rc = m->get("RulesConfiguration")) {
      if (const Doc* rules = rc->get("Rules"); rules && rules->is_list())
        for (const Doc& r : rules->as_list())
          if (rule_matches(r, l.claims)) {
            found = r.str("RoleARN");
            break;
          }
    }
    if (!found.empty()) return found;
    if (m->str("AmbiguousRoleResolution") == "Deny") no_role();
    break;
  }
  if (role("authenticated").empty()) no_role();
  return role("authenticated");
}

}  // namespace

Doc get_id(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("IdentityPoolId"), false);
  if (in.has("AccountId") && in.str("AccountId") != pool.str("_account"))
    throw cerr::resource_not_found("IdentityPool '" + in.str("IdentityPoolId") + "' not found.");
  auto logins = verify_logins(ctx, pool, in.get("Logins"));
  std::string pool_id = pool.str("IdentityPoolId");
  if (logins.empty()) {
    check_unauthenticated_allowed(pool);
    Doc i = new_identity(ctx, pool);
    state(ctx).store.put_identity(pool_id, i);
    return answer("IdentityId", i.str("IdentityId"));
  }
  Store& store = state(ctx).store;
  std::lock_guard lk(store.mu);
  std::optional<Doc> identity;
  for (const Login& l : logins)
    if (auto id = store.login(pool_id, l.provider, l.subject))
      if ((identity = store.identity(*id))) break;
  Doc i = identity ? std::move(*identity) : new_identity(ctx, pool);
  link(ctx, pool_id, i, logins);
  return answer("IdentityId", i.str("IdentityId"));
}

Doc get_open_id_token(OpContext& ctx, const Doc& in) {
  Doc pool;
  auto [identity, logins] = identity_with_logins(ctx, in, &pool);
  Doc out = Doc::map();
  out.set("IdentityId", identity.str("IdentityId"));
  out.set("Token", open_id_token(ctx, pool, identity, logins, kOpenIdTokenSeconds));
  return out;
}

Doc get_credentials_for_identity(OpContext& ctx, const Doc& in) {
  Doc pool;
  auto [identity, logins] = identity_with_logins(ctx, in, &pool);
  std::string role = resolve_role(pool, logins, in.str("CustomRoleArn"));
  Doc call = Doc::map();
  call.set("RoleArn", role);
  call.set("RoleSessionName", "CognitoIdentityCredentials");
  call.set("WebIdentityToken", open_id_token(ctx, pool, identity, logins, kOpenIdTokenSeconds));
  call.set("DurationSeconds", kCredentialSeconds);
  OpContext::Caller principal;
  principal.account = pool.str("_account");
  principal.region = pool.str("_region");
  principal.arn = root_arn(principal.account);
  principal.user_id = principal.account;
  auto r = ctx.server.call_sync("sts", "AssumeRoleWithWebIdentity", std::move(call), std::move(principal));
  if (!r) no_role();
  const Doc* c = r.value().get("Credentials");
  if (!c) no_role();
  Doc creds = Doc::map();
  creds.set("AccessKeyId", c->str("AccessKeyId"));
  creds.set("SecretKey", c->str("SecretAccessKey"));
  creds.set("SessionToken", c->str("SessionToken"));
  if (const Doc* e = c->get("Expiration")) creds.set("Expiration", *e);
  Doc out = Doc::map();
  out.set("IdentityId", identity.str("IdentityId"));
  out.set("Credentials", std::move(creds));
  return out;
}

Doc list_identities(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("IdentityPoolId"));
  paging::Style style{"NextToken", "MaxResults", 60, "NextToken", nullptr};
  Doc out = paging::paginate(state(ctx).store.identities(pool.str("IdentityPoolId")), in, "Identities", style,
                             [](const Doc& i) -> std::optional<Doc> { return identity_out(i); });
  out.set("IdentityPoolId", pool.str("IdentityPoolId"));
  return out;
}

Doc describe_identity(OpContext& ctx, const Doc& in) {
  Doc identity = load_identity(ctx, in.str("IdentityId"));
  load_pool(ctx, identity.str("_pool"));  // the caller's own
  return identity_out(identity);
}

Doc delete_identities(OpContext& ctx, const Doc& in) {
  Doc unprocessed = Doc::list();
  if (const Doc* ids = in.get("IdentityIdsToDelete"); ids && ids->is_list())
    for (const Doc& id : ids->as_list()) {
      auto identity = state(ctx).store.identity(id.as_string());
      if (!identity) continue;  // AWS answers success for ids it does not know
      auto pool = state(ctx).store.pool(identity->str("_pool"));
      if (!pool || pool->str("_account") != ctx.account()) {
        Doc u = Doc::map();
        u.set("IdentityId", id.as_string());
        u.set("ErrorCode", "AccessDenied");
        unprocessed.push(std::move(u));
        continue;
      }
      state(ctx).store.delete_identity(identity->str("_pool"), *identity);
    }
  return answer("UnprocessedIdentityIds", std::move(unprocessed));
}

}  // namespace stratus::cognitoidentity
