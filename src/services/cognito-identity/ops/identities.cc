// Identities: GetId (unauthenticated, or authenticated by user pool ID tokens in Logins),
// GetOpenIdToken (the basic flow's token for STS), GetCredentialsForIdentity (the enhanced flow:
// the role from Roles / RoleMappings, assumed through STS's AssumeRoleWithWebIdentity),
// ListIdentities, DescribeIdentity, DeleteIdentities.
#include <algorithm>

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
  const Doc* d = identity.get("_developer");
  return (s && s->is_map() && s->size() > 0) || (d && d->is_map() && d->size() > 0);
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
  if (const Doc* dev = identity.get("_developer"); dev && dev->is_map())
    for (const auto& [provider, users] : dev->as_map())
      if (users.size() > 0) names.push(provider);
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
  // An OpenID token of this identity (developer flows) proves it; other logins are linked.
  bool proven = false;
  std::vector<Login> others;
  for (const Login& l : logins) {
    if (l.provider != kIdentityProvider) {
      others.push_back(l);
      continue;
    }
    if (l.subject != identity.str("IdentityId"))
      throw cerr::not_authorized(
          "Logins don't match. Please include at least one valid login for this identity or identity pool.");
    proven = true;
  }
  if (proven && others.empty()) {
  } else if (authenticated(identity)) {
    check_logins_match(identity, others);
  } else if (!others.empty()) {
    std::lock_guard lk(state(ctx).store.mu);
    link(ctx, pool.str("IdentityPoolId"), identity, others);
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
  if (!pool.flag("AllowClassicFlow"))  // the basic flow's step: only for pools that allow it
    throw cerr::invalid_parameter("Basic (classic) flow is not enabled, please use enhanced flow.");
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

Doc unlink_identity(OpContext& ctx, const Doc& in) {
  Doc pool;
  auto [identity, logins] = identity_with_logins(ctx, in, &pool);
  std::string pool_id = pool.str("IdentityPoolId");
  std::lock_guard lk(state(ctx).store.mu);
  Doc fresh = load_identity(ctx, identity.str("IdentityId"));
  Doc& subs = fresh["_subjects"];
  if (!subs.is_map()) subs = Doc::map();
  Doc kept = Doc::map();
  for (const auto& [provider, subject] : subs.as_map()) {
    bool remove = false;
    if (const Doc* r = in.get("LoginsToRemove"); r && r->is_list())
      for (const Doc& x : r->as_list()) remove = remove || x.as_string() == provider;
    if (remove)
      state(ctx).store.delete_login(pool_id, provider, subject.as_string());
    else
      kept.set(provider, subject);
  }
  fresh.set("_subjects", std::move(kept));
  link(ctx, pool_id, fresh, {});
  return Doc::map();
}

// ---- developer-authenticated identities ----
namespace {

constexpr int64_t kDeveloperTokenSeconds = 900;  // GetOpenIdTokenForDeveloperIdentity's default

std::string developer_provider(const Doc& pool) {
  std::string name = pool.str("DeveloperProviderName");
  if (name.empty())
    throw cerr::invalid_parameter(
        "Developer authentication is not configured for this identity pool "
        "(no DeveloperProviderName).");
  return name;
}

void check_provider(const Doc& pool, const std::string& given) {
  if (given != developer_provider(pool))
    throw cerr::invalid_parameter("Developer provider name " + given + " is not the one of this identity pool.");
}

Doc developer_users(const Doc& identity, const std::string& provider) {
  const Doc* dev = identity.get("_developer");
  const Doc* l = dev && dev->is_map() ? dev->get(provider) : nullptr;
  return l && l->is_list() ? *l : Doc::list();
}

void set_developer_users(Doc& identity, const std::string& provider, Doc users) {
  Doc& dev = identity["_developer"];
  if (!dev.is_map()) dev = Doc::map();
  Doc next = Doc::map();
  for (const auto& [k, v] : dev.as_map())
    if (k != provider) next.set(k, v);
  if (users.size() > 0) next.set(provider, std::move(users));
  dev = std::move(next);
}

// The identity of the pool a developer user id is linked to (ResourceNotFoundException).
Doc developer_identity(OpContext& ctx, const std::string& pool_id, const std::string& provider,
                       const std::string& user) {
  auto id = state(ctx).store.login(pool_id, provider, user);
  auto identity = id ? state(ctx).store.identity(*id) : std::nullopt;
  if (!identity) throw cerr::resource_not_found("Identity for developer user " + user + " not found.");
  return *identity;
}

Doc own_identity(OpContext& ctx, const Doc& pool, const std::string& identity_id) {
  Doc identity = load_identity(ctx, identity_id);
  if (identity.str("_pool") != pool.str("IdentityPoolId"))
    throw cerr::resource_not_found("Identity '" + identity_id + "' not found.");
  return identity;
}

}  // namespace

Doc get_open_id_token_for_developer_identity(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("IdentityPoolId"));
  std::string pool_id = pool.str("IdentityPoolId");
  std::string provider = developer_provider(pool);
  std::string user;
  Doc rest = Doc::map();
  if (const Doc* l = in.get("Logins"); l && l->is_map())
    for (const auto& [k, v] : l->as_map()) {
      if (k == provider)
        user = v.is_string() ? v.as_string() : std::string();
      else
        rest.set(k, v);
    }
  if (user.empty())
    throw cerr::invalid_parameter("Logins must contain the developer provider " + provider + " of this identity pool.");
  std::vector<Login> logins = verify_logins(ctx, pool, &rest);
  Store& store = state(ctx).store;
  std::lock_guard lk(store.mu);
  auto linked = store.login(pool_id, provider, user);
  Doc identity;
  if (in.has("IdentityId")) {
    identity = own_identity(ctx, pool, in.str("IdentityId"));
    if (linked && *linked != identity.str("IdentityId"))
      throw cerr::resource_conflict("Developer user " + user + " is already linked to another identity.");
  } else if (auto found = linked ? store.identity(*linked) : std::nullopt) {
    identity = std::move(*found);
  } else {
    identity = new_identity(ctx, pool);
  }
  Doc users = developer_users(identity, provider);
  bool listed = false;
  for (const Doc& u : users.as_list()) listed = listed || u.as_string() == user;
  if (!listed) users.push(user);
  set_developer_users(identity, provider, std::move(users));
  store.put_login(pool_id, provider, user, identity.str("IdentityId"));
  link(ctx, pool_id, identity, logins);
  logins.push_back(Login{provider, user, Doc::map()});
  Doc out = Doc::map();
  out.set("IdentityId", identity.str("IdentityId"));
  out.set("Token", open_id_token(ctx, pool, identity, logins, in.integer("TokenDuration", kDeveloperTokenSeconds)));
  return out;
}

Doc lookup_developer_identity(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("IdentityPoolId"));
  std::string provider = developer_provider(pool);
  std::string user = in.str("DeveloperUserIdentifier");
  if (user.empty() && in.str("IdentityId").empty())
    throw cerr::invalid_parameter("Either IdentityId or DeveloperUserIdentifier must be given.");
  Doc identity = user.empty() ? own_identity(ctx, pool, in.str("IdentityId"))
                              : developer_identity(ctx, pool.str("IdentityPoolId"), provider, user);
  if (!in.str("IdentityId").empty() && identity.str("IdentityId") != in.str("IdentityId"))
    throw cerr::resource_conflict("Developer user " + user + " is not linked to identity " + in.str("IdentityId") +
                                  ".");
  std::vector<std::pair<std::string, std::string>> items;
  Doc users = developer_users(identity, provider);
  for (const Doc& u : users.as_list()) items.emplace_back(u.as_string(), u.as_string());
  std::sort(items.begin(), items.end());
  paging::Style style{"NextToken", "MaxResults", 60, "NextToken", nullptr};
  Doc out = paging::paginate(items, in, "DeveloperUserIdentifierList", style,
                             [](const std::string& u) -> std::optional<Doc> { return Doc(u); });
  out.set("IdentityId", identity.str("IdentityId"));
  return out;
}

Doc merge_developer_identities(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("IdentityPoolId"));
  std::string pool_id = pool.str("IdentityPoolId");
  std::string provider = in.str("DeveloperProviderName");
  check_provider(pool, provider);
  Store& store = state(ctx).store;
  std::lock_guard lk(store.mu);
  Doc source = developer_identity(ctx, pool_id, provider, in.str("SourceUserIdentifier"));
  Doc dest = developer_identity(ctx, pool_id, provider, in.str("DestinationUserIdentifier"));
  if (source.str("IdentityId") == dest.str("IdentityId")) return answer("IdentityId", dest.str("IdentityId"));
  // The source's logins move to the destination, the source identity goes.
  const Doc* ssubs = source.get("_subjects");
  Doc& dsubs = dest["_subjects"];
  if (!dsubs.is_map()) dsubs = Doc::map();
  if (ssubs && ssubs->is_map())
    for (const auto& [p, sub] : ssubs->as_map())
      if (!dsubs.str(p).empty() && dsubs.str(p) != sub.as_string())
        throw cerr::resource_conflict("Identity is already linked to another login of " + p + ".");
  store.delete_identity(pool_id, source);
  if (ssubs && ssubs->is_map())
    for (const auto& [p, sub] : ssubs->as_map()) {
      dsubs.set(p, sub);
      store.put_login(pool_id, p, sub.as_string(), dest.str("IdentityId"));
    }
  if (const Doc* sdev = source.get("_developer"); sdev && sdev->is_map())
    for (const auto& [p, users] : sdev->as_map()) {
      Doc merged = developer_users(dest, p);
      for (const Doc& u : users.as_list()) {
        merged.push(u);
        store.put_login(pool_id, p, u.as_string(), dest.str("IdentityId"));
      }
      set_developer_users(dest, p, std::move(merged));
    }
  link(ctx, pool_id, dest, {});
  return answer("IdentityId", dest.str("IdentityId"));
}

Doc unlink_developer_identity(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("IdentityPoolId"));
  std::string provider = in.str("DeveloperProviderName");
  check_provider(pool, provider);
  std::string user = in.str("DeveloperUserIdentifier");
  Store& store = state(ctx).store;
  std::lock_guard lk(store.mu);
  Doc identity = own_identity(ctx, pool, in.str("IdentityId"));
  Doc kept = Doc::list();
  bool found = false;
  Doc users = developer_users(identity, provider);
  for (const Doc& u : users.as_list()) {
    if (u.as_string() == user)
      found = true;
    else
      kept.push(u);
  }
  if (!found)
    throw cerr::resource_not_found("Developer user " + user + " is not linked to identity " +
                                   identity.str("IdentityId") + ".");
  set_developer_users(identity, provider, std::move(kept));
  store.delete_login(pool.str("IdentityPoolId"), provider, user);
  link(ctx, pool.str("IdentityPoolId"), identity, {});
  return Doc::map();
}

// ---- principal tags (the attributes-for-access-control map of a provider) ----

Doc get_principal_tag_attribute_map(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("IdentityPoolId"));
  std::string provider = in.str("IdentityProviderName");
  const Doc* all = pool.get("_principal_tags");
  const Doc* m = all && all->is_map() ? all->get(provider) : nullptr;
  Doc out = m && m->is_map() ? *m : Doc::map();
  if (!out.has("UseDefaults")) out.set("UseDefaults", false);
  out.set("IdentityPoolId", pool.str("IdentityPoolId"));
  out.set("IdentityProviderName", provider);
  return out;
}

Doc set_principal_tag_attribute_map(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("IdentityPoolId"));
  std::string provider = in.str("IdentityProviderName");
  Doc m = Doc::map();
  bool defaults = in.flag("UseDefaults");
  m.set("UseDefaults", defaults);
  if (defaults) {  // AWS's defaults for a user pool provider
    Doc tags = Doc::map();
    tags.set("username", "sub");
    tags.set("client", "aud");
    m.set("PrincipalTags", std::move(tags));
  } else if (const Doc* t = in.get("PrincipalTags"); t && t->is_map()) {
    m.set("PrincipalTags", *t);
  }
  std::lock_guard lk(state(ctx).store.mu);
  Doc fresh = load_pool(ctx, pool.str("IdentityPoolId"));
  Doc& all = fresh["_principal_tags"];
  if (!all.is_map()) all = Doc::map();
  all.set(provider, m);
  state(ctx).store.put_pool(fresh);
  Doc out = m;
  out.set("IdentityPoolId", pool.str("IdentityPoolId"));
  out.set("IdentityProviderName", provider);
  return out;
}

}  // namespace stratus::cognitoidentity
