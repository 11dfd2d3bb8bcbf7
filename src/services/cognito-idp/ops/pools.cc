// User pools, app clients, domains and groups.
#include <algorithm>

#include "core/error.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/paging.h"
#include "services/cognito-idp/common.h"
#include "services/cognito-idp/crypto.h"
#include "services/cognito-idp/ops.h"
#include "services/cognito-idp/schema.h"

namespace stratus::cognitoidp {
namespace {

Doc string_attr(const char* name, bool mut, bool required, const char* min = "0") {
  Doc a = Doc::map();
  a.set("Name", name);
  a.set("AttributeDataType", "String");
  a.set("DeveloperOnlyAttribute", false);
  a.set("Mutable", mut);
  a.set("Required", required);
  Doc c = Doc::map();
  c.set("MinLength", min);
  c.set("MaxLength", "2048");
  a.set("StringAttributeConstraints", std::move(c));
  return a;
}
Doc typed_attr(const char* name, const char* type) {
  Doc a = Doc::map();
  a.set("Name", name);
  a.set("AttributeDataType", type);
  a.set("DeveloperOnlyAttribute", false);
  a.set("Mutable", true);
  a.set("Required", false);
  if (std::string(type) == "Number") {
    Doc c = Doc::map();
    c.set("MinValue", "0");
    a.set("NumberAttributeConstraints", std::move(c));
  }
  return a;
}

// AWS's standard attributes, in the order DescribeUserPool lists them.
Doc standard_schema() {
  Doc l = Doc::list();
  l.push(string_attr("sub", false, true, "1"));
  for (const char* n : {"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile",
                        "picture", "website", "email"})
    l.push(string_attr(n, true, false));
  l.push(typed_attr("email_verified", "Boolean"));
  for (const char* n : {"gender", "birthdate"}) l.push(string_attr(n, true, false));
  Doc bd = string_attr("birthdate", true, false, "10");
  for (const char* n : {"zoneinfo", "locale", "phone_number"}) l.push(string_attr(n, true, false));
  l.push(typed_attr("phone_number_verified", "Boolean"));
  l.push(string_attr("address", true, false));
  l.push(typed_attr("updated_at", "Number"));
  l.push(string_attr("identities", true, false));
  // birthdate is 10 characters exactly in AWS's schema
  for (auto& a : const_cast<DocList&>(l.as_list()))
    if (a.str("Name") == "birthdate") a = bd;
  const_cast<DocList&>(l.as_list()).back().set("Mutable", true);
  return l;
}

// Merges the request's Schema into the standard one: standard attributes may be made required
// (and their constraints set), others become custom:NAME.
void apply_schema(Doc& pool, const Doc* schema, bool adding) {
  Doc& sa = pool["SchemaAttributes"];
  if (!sa.is_list()) sa = standard_schema();
  if (!schema || !schema->is_list()) return;
  DocList& list = const_cast<DocList&>(sa.as_list());
  for (const auto& in : schema->as_list()) {
    std::string name = in.str("Name");
    auto std_it = std::find_if(list.begin(), list.end(), [&](const Doc& a) { return a.str("Name") == name; });
    if (!adding && std_it != list.end() && name.rfind("custom:", 0) != 0) {
      if (in.has("Required")) std_it->set("Required", in.flag("Required"));
      if (in.has("Mutable")) std_it->set("Mutable", in.flag("Mutable"));
      if (const Doc* c = in.get("StringAttributeConstraints")) std_it->set("StringAttributeConstraints", *c);
      continue;
    }
    if (name.rfind("custom:", 0) == 0) name = name.substr(7);
    if (name.empty() || name.size() > 20)
      throw cerr::invalid_parameter("Custom attribute names must be 1 to 20 characters long.");
    std::string full = "custom:" + name;
    if (std::any_of(list.begin(), list.end(), [&](const Doc& a) { return a.str("Name") == full; }))
      throw cerr::invalid_parameter("Existing attribute already has name " + full + ".");
    if (in.flag("Required")) throw cerr::invalid_parameter("Required custom attributes are not supported currently.");
    Doc a = Doc::map();
    a.set("Name", full);
    a.set("AttributeDataType", in.str("AttributeDataType", "String"));
    a.set("DeveloperOnlyAttribute", in.flag("DeveloperOnlyAttribute"));
    a.set("Mutable", in.flag("Mutable", true));
    a.set("Required", false);
    if (const Doc* c = in.get("StringAttributeConstraints"))
      a.set("StringAttributeConstraints", *c);
    else if (a.str("AttributeDataType") == "String") {
      Doc c = Doc::map();
      c.set("MaxLength", "2048");
      c.set("MinLength", "0");
      a.set("StringAttributeConstraints", std::move(c));
    }
    if (const Doc* c = in.get("NumberAttributeConstraints")) a.set("NumberAttributeConstraints", *c);
    if (list.size() >= 50 + 20) throw cerr::limit_exceeded("The limit of custom attributes is 50.");
    list.push_back(std::move(a));
  }
}

Doc default_password_policy() {
  Doc p = Doc::map();
  p.set("MinimumLength", 8);
  p.set("RequireUppercase", true);
  p.set("RequireLowercase", true);
  p.set("RequireNumbers", true);
  p.set("RequireSymbols", true);
  p.set("TemporaryPasswordValidityDays", 7);
  return p;
}

const char* kPoolFields[] = {"Policies",
                             "DeletionProtection",
                             "LambdaConfig",
                             "AutoVerifiedAttributes",
                             "SmsVerificationMessage",
                             "EmailVerificationMessage",
                             "EmailVerificationSubject",
                             "VerificationMessageTemplate",
                             "SmsAuthenticationMessage",
                             "UserAttributeUpdateSettings",
                             "MfaConfiguration",
                             "DeviceConfiguration",
                             "EmailConfiguration",
                             "SmsConfiguration",
                             "UserPoolTags",
                             "AdminCreateUserConfig",
                             "UserPoolAddOns",
                             "AccountRecoverySetting",
                             "UserPoolTier"};

void check_lists(const Doc& in) {
  const Doc* ua = in.get("UsernameAttributes");
  const Doc* aa = in.get("AliasAttributes");
  if (ua && aa && !ua->as_list().empty() && !aa->as_list().empty())
    throw cerr::invalid_parameter("Both UsernameAttributes and AliasAttributes cannot be specified simultaneously.");
}

// One page of the pool's records in keyspace `ks` (clients, groups, resource servers),
// `max_member` (MaxResults, Limit) at most, 60 by default, after NextToken (the id member of the
// last record returned: the scan's start is exclusive).
template <class Render>
Doc pool_page(OpContext& ctx, std::string_view ks, const std::string& pool_id, const Doc& in, const char* max_member,
              const char* list_name, const char* id_member, Render&& render) {
  load_pool(ctx, pool_id);
  paging::After page(in.integer(max_member, 60));
  std::string after = in.str("NextToken");
  if (in.integer(max_member, 60) > 0)  // Limit 0: an empty page, no token
    state(ctx).store.scan(
        ks, Store::pool_key(pool_id),
        [&](const std::string&, const Doc& r) {
          if (page.full()) return false;
          page.add(r.str(id_member), render(r));
          return true;
        },
        after.empty() ? std::string() : Store::child_key(pool_id, after));
  return page.answer(list_name, "NextToken");
}

}  // namespace

Doc create_user_pool(OpContext& ctx, const Doc& in) {
  check_lists(in);
  std::string id = ctx.region() + "_" + ids::random_upper_alnum(9);
  // mixed case, as AWS's
  for (size_t i = ctx.region().size() + 1; i < id.size(); ++i)
    if ((crypto::random_bytes(1)[0] & 1) && std::isalpha(static_cast<unsigned char>(id[i])))
      id[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(id[i])));
  Doc pool = Doc::map();
  pool.set("_account", ctx.account());
  pool.set("_region", ctx.region());
  pool.set("Id", id);
  pool.set("Name", in.str("PoolName"));
  pool.set("Arn", "arn:aws:cognito-idp:" + ctx.region() + ":" + ctx.account() + ":userpool/" + id);
  for (const char* f : kPoolFields)
    if (const Doc* v = in.get(f)) pool.set(f, *v);
  if (!pool.has("Policies")) pool.set("Policies", Doc::map());
  if (!pool["Policies"].has("PasswordPolicy")) pool["Policies"].set("PasswordPolicy", default_password_policy());
  if (!pool.has("LambdaConfig")) pool.set("LambdaConfig", Doc::map());
  if (!pool.has("MfaConfiguration")) pool.set("MfaConfiguration", "OFF");
  if (!pool.has("DeletionProtection")) pool.set("DeletionProtection", "INACTIVE");
  if (!pool.has("UserPoolTier")) pool.set("UserPoolTier", "ESSENTIALS");
  if (!pool.has("AdminCreateUserConfig")) {
    Doc a = Doc::map();
    a.set("AllowAdminCreateUserOnly", false);
    a.set("UnusedAccountValidityDays", 7);
    pool.set("AdminCreateUserConfig", std::move(a));
  }
  if (!pool.has("VerificationMessageTemplate")) {
    Doc t = Doc::map();
    t.set("DefaultEmailOption", "CONFIRM_WITH_CODE");
    pool.set("VerificationMessageTemplate", std::move(t));
  }
  if (const Doc* v = in.get("UsernameAttributes")) pool.set("UsernameAttributes", *v);
  if (const Doc* v = in.get("AliasAttributes")) pool.set("AliasAttributes", *v);
  if (const Doc* v = in.get("UsernameConfiguration")) pool.set("UsernameConfiguration", *v);
  apply_schema(pool, in.get("Schema"), false);
  pool.set("EstimatedNumberOfUsers", 0);
  pool.set("CreationDate", ctx.now_ms);
  pool.set("LastModifiedDate", ctx.now_ms);
  pool.set("Status", "Enabled");
  state(ctx).store.put(kPools.name, Store::pool_key(id), pool);
  state(ctx).store.signing_key(id);  // the key pair, made now: JWKS answers from the start
  return answer("UserPool", record_out(pool));
}

namespace {
int64_t count_users(OpContext& ctx, const std::string& pool_id) {
  int64_t n = 0;
  state(ctx).store.scan(kUsers.name, Store::pool_key(pool_id), [&](const std::string&, const Doc&) {
    ++n;
    return true;
  });
  return n;
}
}  // namespace

Doc describe_user_pool(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  pool.set("EstimatedNumberOfUsers", count_users(ctx, pool.str("Id")));
  if (auto d = pool.str("_domain"); !d.empty()) pool.set("Domain", d);
  return answer("UserPool", record_out(pool));
}

Doc update_user_pool(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  for (const char* f : kPoolFields)
    if (const Doc* v = in.get(f)) pool.set(f, *v);
  if (!pool["Policies"].has("PasswordPolicy")) pool["Policies"].set("PasswordPolicy", default_password_policy());
  pool.set("LastModifiedDate", ctx.now_ms);
  state(ctx).store.put(kPools.name, Store::pool_key(pool.str("Id")), pool);
  return Doc::map();
}

Doc delete_user_pool(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  if (pool.str("DeletionProtection") == "ACTIVE")
    throw cerr::invalid_parameter(
        "The user pool cannot be deleted because deletion protection is activated. "
        "Deletion protection must be inactivated first.");
  Store& s = state(ctx).store;
  std::string id = pool.str("Id");
  std::string prefix = Store::pool_key(id);
  s.scan(kClients.name, prefix, [&](const std::string&, const Doc& c) {
    s.del(kClientIndex.name, Store::pool_key(c.str("ClientId")));
    return true;
  });
  for (auto ks : {kClients.name, kUsers.name, kGroups.name, kSessions.name, kResourceServers.name})
    s.del_prefix(ks, prefix);
  if (auto d = pool.str("_domain"); !d.empty()) s.del(kDomains.name, Store::pool_key(d));
  s.del(kKeys.name, prefix);
  s.del(kPools.name, prefix);
  return Doc::map();
}

Doc list_user_pools(OpContext& ctx, const Doc& in) {
  int64_t max = in.integer("MaxResults", 60);
  if (max < 1 || max > 60)
    throw cerr::invalid_parameter("1 validation error detected: Value '" + std::to_string(max) +
                                  "' at 'maxResults' failed to satisfy constraint: Member must have value less "
                                  "than or equal to 60");
  // NextToken: the Id of the last pool returned (the scan starts after its key)
  paging::After page(max);
  std::string after = in.str("NextToken");
  state(ctx).store.scan(
      kPools.name, "",
      [&](const std::string&, const Doc& p) {
        if (p.str("_account") != ctx.account() || p.str("_region") != ctx.region()) return true;
        if (page.full()) return false;
        Doc d = Doc::map();
        d.set("Id", p.str("Id"));
        d.set("Name", p.str("Name"));
        d.set("LambdaConfig", p.get("LambdaConfig") ? *p.get("LambdaConfig") : Doc::map());
        d.set("Status", "Enabled");
        d.set("CreationDate", Timestamp{p.integer("CreationDate")});
        d.set("LastModifiedDate", Timestamp{p.integer("LastModifiedDate")});
        page.add(p.str("Id"), std::move(d));
        return true;
      },
      after.empty() ? std::string() : Store::pool_key(after));
  return page.answer("UserPools", "NextToken");
}

Doc add_custom_attributes(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  apply_schema(pool, in.get("CustomAttributes"), true);
  pool.set("LastModifiedDate", ctx.now_ms);
  state(ctx).store.put(kPools.name, Store::pool_key(pool.str("Id")), pool);
  return Doc::map();
}

// ---- clients ----
namespace {
const char* kClientFields[] = {"RefreshTokenValidity",
                               "AccessTokenValidity",
                               "IdTokenValidity",
                               "TokenValidityUnits",
                               "ReadAttributes",
                               "WriteAttributes",
                               "ExplicitAuthFlows",
                               "SupportedIdentityProviders",
                               "CallbackURLs",
                               "LogoutURLs",
                               "DefaultRedirectURI",
                               "AllowedOAuthFlows",
                               "AllowedOAuthScopes",
                               "AllowedOAuthFlowsUserPoolClient",
                               "AnalyticsConfiguration",
                               "PreventUserExistenceErrors",
                               "EnableTokenRevocation",
                               "EnablePropagateAdditionalUserContextData",
                               "AuthSessionValidity",
                               "RefreshTokenRotation",
                               "ClientName"};

void check_client(const Doc& c) {
  const Doc* flows = c.get("ExplicitAuthFlows");
  if (flows && flows->is_list()) {
    bool legacy = false, modern = false;
    for (const auto& f : flows->as_list()) {
      std::string s = f.as_string();
      (s.rfind("ALLOW_", 0) == 0 ? modern : legacy) = true;
    }
    if (legacy && modern)
      throw cerr::invalid_parameter("ExplicitAuthFlow can not have both ALLOW_ prefixed and non prefixed values.");
  }
  int64_t rt = c.integer("RefreshTokenValidity", 30);
  const Doc* units = c.get("TokenValidityUnits");
  std::string ru = units ? units->str("RefreshToken", "days") : "days";
  int64_t rt_s = unit_seconds(rt, ru);
  if (c.has("RefreshTokenValidity") && (rt_s < 3600 || rt_s > 315360000))
    throw cerr::invalid_parameter("Invalid range for token validity.");
  for (const char* f : {"AccessTokenValidity", "IdTokenValidity"}) {
    if (!c.has(f)) continue;
    std::string u =
        units ? units->str(f == std::string("AccessTokenValidity") ? "AccessToken" : "IdToken", "hours") : "hours";
    int64_t v = c.integer(f);
    int64_t s = unit_seconds(v, u);
    if (s < 300 || s > 86400) throw cerr::invalid_parameter("Invalid range for token validity.");
  }
}

// client_credentials: alone, and only for a client with a secret (InvalidOAuthFlowException).
void check_oauth_flows(const Doc& c, bool has_secret) {
  const Doc* flows = c.get("AllowedOAuthFlows");
  if (!flows || !flows->is_list()) return;
  bool cc = false, other = false;
  for (const Doc& f : flows->as_list()) (f.as_string() == "client_credentials" ? cc : other) = true;
  if (cc && other)
    throw cerr::invalid_o_auth_flow(
        "client_credentials flow can not be selected along with code flow or implicit flow.");
  if (cc && !has_secret)
    throw cerr::invalid_o_auth_flow(
        "client_credentials flow can not be selected if client does not have a client secret.");
}

// AllowedOAuthScopes: the reserved scopes, or "<identifier>/<scope>" of one of the pool's
// resource servers (ScopeDoesNotExistException otherwise, as AWS).
void check_scopes(OpContext& ctx, const std::string& pool_id, const Doc& c) {
  const Doc* scopes = c.get("AllowedOAuthScopes");
  if (!scopes || !scopes->is_list()) return;
  for (const Doc& sc : scopes->as_list()) {
    std::string s = sc.as_string();
    if (s == "openid" || s == "email" || s == "phone" || s == "profile" || s == "aws.cognito.signin.user.admin")
      continue;
    auto slash = s.rfind('/');
    bool found = false;
    if (slash != std::string::npos && slash > 0)
      if (auto rs = state(ctx).store.get(kResourceServers.name, Store::child_key(pool_id, s.substr(0, slash))))
        if (const Doc* l = rs->get("Scopes"); l && l->is_list())
          for (const Doc& x : l->as_list()) found = found || x.str("ScopeName") == s.substr(slash + 1);
    if (!found) throw cerr::scope_does_not_exist("Invalid scope requested: " + s);
  }
}

}  // namespace

Doc create_user_pool_client(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  Doc c = Doc::map();
  for (const char* f : kClientFields)
    if (const Doc* v = in.get(f)) c.set(f, *v);
  check_client(c);
  check_scopes(ctx, pool.str("Id"), c);
  check_oauth_flows(c, in.flag("GenerateSecret"));
  std::string id = ids::random_lower_alnum(26);
  c.set("UserPoolId", pool.str("Id"));
  c.set("ClientId", id);
  if (in.flag("GenerateSecret")) c.set("ClientSecret", ids::random_lower_alnum(51));
  if (!c.has("RefreshTokenValidity")) c.set("RefreshTokenValidity", 30);
  if (!c.has("TokenValidityUnits")) {
    Doc u = Doc::map();
    u.set("AccessToken", "hours");
    u.set("IdToken", "hours");
    u.set("RefreshToken", "days");
    c.set("TokenValidityUnits", std::move(u));
  }
  if (!c.has("AllowedOAuthFlowsUserPoolClient")) c.set("AllowedOAuthFlowsUserPoolClient", false);
  if (!c.has("EnableTokenRevocation")) c.set("EnableTokenRevocation", true);
  if (!c.has("EnablePropagateAdditionalUserContextData")) c.set("EnablePropagateAdditionalUserContextData", false);
  if (!c.has("AuthSessionValidity")) c.set("AuthSessionValidity", 3);
  c.set("CreationDate", ctx.now_ms);
  c.set("LastModifiedDate", ctx.now_ms);
  Store& s = state(ctx).store;
  s.put(kClients.name, Store::child_key(pool.str("Id"), id), c);
  auto st = ctx.storage.put(kClientIndex.name, Store::pool_key(id), pool.str("Id"));
  if (!st.ok()) throw stratus::errors::internal("storage: " + st.message);
  return answer("UserPoolClient", record_out(c));
}

Doc describe_user_pool_client(OpContext& ctx, const Doc& in) {
  load_pool(ctx, in.str("UserPoolId"));
  return answer("UserPoolClient", record_out(load_client(ctx, in.str("UserPoolId"), in.str("ClientId"))));
}

Doc update_user_pool_client(OpContext& ctx, const Doc& in) {
  load_pool(ctx, in.str("UserPoolId"));
  Doc c = load_client(ctx, in.str("UserPoolId"), in.str("ClientId"));
  Doc fresh = Doc::map();  // AWS: members not given are reset to their defaults
  for (const char* f : {"UserPoolId", "ClientId", "ClientSecret", "CreationDate", "ClientName"})
    if (const Doc* v = c.get(f)) fresh.set(f, *v);
  for (const char* f : kClientFields)
    if (const Doc* v = in.get(f)) fresh.set(f, *v);
  check_client(fresh);
  check_scopes(ctx, in.str("UserPoolId"), fresh);
  check_oauth_flows(fresh, fresh.has("ClientSecret"));
  if (!fresh.has("RefreshTokenValidity")) fresh.set("RefreshTokenValidity", 30);
  fresh.set("LastModifiedDate", ctx.now_ms);
  state(ctx).store.put(kClients.name, Store::child_key(in.str("UserPoolId"), in.str("ClientId")), fresh);
  return answer("UserPoolClient", record_out(fresh));
}

Doc delete_user_pool_client(OpContext& ctx, const Doc& in) {
  load_pool(ctx, in.str("UserPoolId"));
  load_client(ctx, in.str("UserPoolId"), in.str("ClientId"));
  Store& s = state(ctx).store;
  s.del(kClients.name, Store::child_key(in.str("UserPoolId"), in.str("ClientId")));
  s.del(kClientIndex.name, Store::pool_key(in.str("ClientId")));
  return Doc::map();
}

Doc list_user_pool_clients(OpContext& ctx, const Doc& in) {
  std::string pool_id = in.str("UserPoolId");
  return pool_page(ctx, kClients.name, pool_id, in, "MaxResults", "UserPoolClients", "ClientId", [&](const Doc& c) {
    Doc d = Doc::map();
    d.set("ClientId", c.str("ClientId"));
    d.set("UserPoolId", pool_id);
    d.set("ClientName", c.str("ClientName"));
    return d;
  });
}

// ---- domains ----
Doc create_user_pool_domain(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  std::string domain = in.str("Domain");
  Store& s = state(ctx).store;
  std::string existing;
  if (ctx.storage.get(kDomains.name, Store::pool_key(domain), &existing).ok())
    throw cerr::invalid_parameter("Domain already associated with another user pool.");
  if (!pool.str("_domain").empty()) throw cerr::invalid_parameter("User pool already has a domain configured.");
  auto st = ctx.storage.put(kDomains.name, Store::pool_key(domain), pool.str("Id"));
  if (!st.ok()) throw stratus::errors::internal("storage: " + st.message);
  pool.set("_domain", domain);
  s.put(kPools.name, Store::pool_key(pool.str("Id")), pool);
  Doc out = Doc::map();
  if (in.has("ManagedLoginVersion")) out.set("ManagedLoginVersion", in.integer("ManagedLoginVersion"));
  if (in.has("CustomDomainConfig")) out.set("CloudFrontDomain", ids::random_lower_alnum(13) + ".cloudfront.net");
  return out;
}

Doc describe_user_pool_domain(OpContext& ctx, const Doc& in) {
  std::string domain = in.str("Domain");
  std::string pool_id;
  Doc out = Doc::map();
  Doc d = Doc::map();
  if (ctx.storage.get(kDomains.name, Store::pool_key(domain), &pool_id).ok()) {
    Doc pool = load_pool_any(ctx, pool_id);
    if (pool.str("_account") == ctx.account()) {
      d.set("UserPoolId", pool_id);
      d.set("AWSAccountId", ctx.account());
      d.set("Domain", domain);
      d.set("S3Bucket", "aws-cognito-prod-" + ctx.region() + "-assets");
      d.set("CloudFrontDistribution", domain + ".auth." + ctx.region() + ".localhost");
      d.set("Version", "20260101000000");
      d.set("Status", "ACTIVE");
    }
  }
  out.set("DomainDescription", std::move(d));
  return out;
}

Doc delete_user_pool_domain(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  std::string domain = in.str("Domain");
  if (pool.str("_domain") != domain) throw cerr::invalid_parameter("No such domain or user pool exists.");
  state(ctx).store.del(kDomains.name, Store::pool_key(domain));
  pool.set("_domain", "");
  state(ctx).store.put(kPools.name, Store::pool_key(pool.str("Id")), pool);
  return Doc::map();
}

// ---- groups ----

Doc create_group(OpContext& ctx, const Doc& in) {
  std::string pool_id = in.str("UserPoolId");
  load_pool(ctx, pool_id);
  std::string name = in.str("GroupName");
  Store& s = state(ctx).store;
  if (s.get(kGroups.name, Store::child_key(pool_id, name)))
    throw cerr::group_exists("A group with the name " + name + " already exists.");
  Doc g = Doc::map();
  g.set("GroupName", name);
  g.set("UserPoolId", pool_id);
  for (const char* f : {"Description", "RoleArn", "Precedence"})
    if (const Doc* v = in.get(f)) g.set(f, *v);
  g.set("CreationDate", ctx.now_ms);
  g.set("LastModifiedDate", ctx.now_ms);
  s.put(kGroups.name, Store::child_key(pool_id, name), g);
  return answer("Group", record_out(g));
}

Doc get_group(OpContext& ctx, const Doc& in) {
  load_pool(ctx, in.str("UserPoolId"));
  return answer("Group", record_out(load_group(ctx, in.str("UserPoolId"), in.str("GroupName"))));
}

Doc update_group(OpContext& ctx, const Doc& in) {
  load_pool(ctx, in.str("UserPoolId"));
  Doc g = load_group(ctx, in.str("UserPoolId"), in.str("GroupName"));
  for (const char* f : {"Description", "RoleArn", "Precedence"})
    if (const Doc* v = in.get(f)) g.set(f, *v);
  g.set("LastModifiedDate", ctx.now_ms);
  state(ctx).store.put(kGroups.name, Store::child_key(in.str("UserPoolId"), in.str("GroupName")), g);
  return answer("Group", record_out(g));
}

Doc delete_group(OpContext& ctx, const Doc& in) {
  std::string pool_id = in.str("UserPoolId");
  Doc pool = load_pool(ctx, pool_id);
  std::string name = in.str("GroupName");
  load_group(ctx, pool_id, name);
  Store& s = state(ctx).store;
  s.del(kGroups.name, Store::child_key(pool_id, name));
  std::vector<Doc> changed;
  s.scan(kUsers.name, Store::pool_key(pool_id), [&](const std::string&, Doc u) {
    const Doc* gl = u.get("Groups");
    if (gl && gl->is_list() &&
        std::any_of(gl->as_list().begin(), gl->as_list().end(), [&](const Doc& x) { return x.as_string() == name; })) {
      Doc keep = Doc::list();
      for (const auto& x : gl->as_list())
        if (x.as_string() != name) keep.push(x);
      u.set("Groups", std::move(keep));
      changed.push_back(std::move(u));
    }
    return true;
  });
  for (auto& u : changed) s.put(kUsers.name, Store::child_key(pool_id, u.str("Key")), u);
  return Doc::map();
}

Doc list_groups(OpContext& ctx, const Doc& in) {
  return pool_page(ctx, kGroups.name, in.str("UserPoolId"), in, "Limit", "Groups", "GroupName", record_out);
}

}  // namespace stratus::cognitoidp

namespace stratus::cognitoidp {

// ---- resource servers (custom scopes of the OAuth 2.0 endpoints) ----
namespace {

Doc resource_server_of(const Doc& in) {
  Doc r = Doc::map();
  r.set("UserPoolId", in.str("UserPoolId"));
  r.set("Identifier", in.str("Identifier"));
  r.set("Name", in.str("Name"));
  Doc scopes = Doc::list();
  if (const Doc* l = in.get("Scopes"); l && l->is_list()) {
    if (l->as_list().size() > 100) throw cerr::invalid_parameter("A resource server can have at most 100 scopes.");
    for (const Doc& x : l->as_list()) scopes.push(x);
  }
  r.set("Scopes", std::move(scopes));
  return r;
}

Doc load_resource_server(OpContext& ctx, const std::string& pool_id, const std::string& identifier) {
  auto r = state(ctx).store.get(kResourceServers.name, Store::child_key(pool_id, identifier));
  if (!r) throw cerr::resource_not_found("Resource server " + identifier + " does not exist.");
  return *r;
}

}  // namespace

Doc create_resource_server(OpContext& ctx, const Doc& in) {
  std::string pool_id = in.str("UserPoolId");
  load_pool(ctx, pool_id);
  Store& s = state(ctx).store;
  std::string key = Store::child_key(pool_id, in.str("Identifier"));
  if (s.get(kResourceServers.name, key))
    throw cerr::invalid_parameter(in.str("Identifier") + " already exists in pool " + pool_id + ".");
  int count = 0;
  s.scan(kResourceServers.name, Store::pool_key(pool_id), [&](const std::string&, const Doc&) { return ++count < 25; });
  if (count >= 25) throw cerr::limit_exceeded("A user pool can have at most 25 resource servers.");
  Doc r = resource_server_of(in);
  s.put(kResourceServers.name, key, r);
  return answer("ResourceServer", r);
}

Doc describe_resource_server(OpContext& ctx, const Doc& in) {
  load_pool(ctx, in.str("UserPoolId"));
  return answer("ResourceServer", load_resource_server(ctx, in.str("UserPoolId"), in.str("Identifier")));
}

Doc update_resource_server(OpContext& ctx, const Doc& in) {
  load_pool(ctx, in.str("UserPoolId"));
  load_resource_server(ctx, in.str("UserPoolId"), in.str("Identifier"));
  Doc r = resource_server_of(in);
  state(ctx).store.put(kResourceServers.name, Store::child_key(in.str("UserPoolId"), in.str("Identifier")), r);
  return answer("ResourceServer", r);
}

Doc delete_resource_server(OpContext& ctx, const Doc& in) {
  load_pool(ctx, in.str("UserPoolId"));
  load_resource_server(ctx, in.str("UserPoolId"), in.str("Identifier"));
  state(ctx).store.del(kResourceServers.name, Store::child_key(in.str("UserPoolId"), in.str("Identifier")));
  return Doc::map();
}

Doc list_resource_servers(OpContext& ctx, const Doc& in) {
  return pool_page(ctx, kResourceServers.name, in.str("UserPoolId"), in, "MaxResults", "ResourceServers", "Identifier",
                   [](const Doc& r) { return r; });
}

}  // namespace stratus::cognitoidp
