// Identity pools: create, describe, update, delete, list; roles and role mappings; tags.
#include "core/ids.h"
#include "core/paging.h"
#include "services/cognito-identity/ops.h"

namespace stratus::cognitoidentity {
namespace {

const char* const kPoolMembers[] = {
    "IdentityPoolName",      "AllowUnauthenticatedIdentities", "AllowClassicFlow",         "SupportedLoginProviders",
    "DeveloperProviderName", "OpenIdConnectProviderARNs",      "CognitoIdentityProviders", "SamlProviderARNs"};

// The IdentityPool shape of a record.
Doc pool_out(const Doc& p) {
  Doc out = Doc::map();
  out.set("IdentityPoolId", p.str("IdentityPoolId"));
  for (const char* k : kPoolMembers)
    if (const Doc* v = p.get(k)) out.set(k, *v);
  if (const Doc* t = p.get("IdentityPoolTags"); t && t->is_map() && t->size()) out.set("IdentityPoolTags", *t);
  return out;
}

// Copies the pool's settings from an input, and checks them as AWS does.
void apply(Doc& p, const Doc& in) {
  for (const char* k : kPoolMembers) {
    if (const Doc* v = in.get(k))
      p.set(k, *v);
    else if (std::string_view(k) != "IdentityPoolName" && std::string_view(k) != "AllowUnauthenticatedIdentities" &&
             std::string_view(k) != "DeveloperProviderName")
      p.as_map().erase(k);
  }
  if (const Doc* ps = p.get("CognitoIdentityProviders"); ps && ps->is_list())
    for (const Doc& e : ps->as_list()) {
      std::string name = e.str("ProviderName");
      auto slash = name.rfind('/');
      if (name.rfind("cognito-idp.", 0) != 0 || slash == std::string::npos ||
          name.find('_', slash) == std::string::npos)
        throw cerr::invalid_parameter("Invalid Cognito Identity Provider: " + name);
    }
}

// arn:aws:cognito-identity:<region>:<account>:identitypool/<pool id>
Doc pool_of_arn(OpContext& ctx, const std::string& arn) {
  auto slash = arn.find(":identitypool/");
  if (arn.rfind("arn:", 0) != 0 || slash == std::string::npos) throw cerr::invalid_parameter("Invalid ARN: " + arn);
  return load_pool(ctx, arn.substr(slash + 14));
}

}  // namespace

Doc create_identity_pool(OpContext& ctx, const Doc& in) {
  Doc p = Doc::map();
  p.set("IdentityPoolId", ctx.region() + ":" + ids::uuid4());
  apply(p, in);
  if (const Doc* t = in.get("IdentityPoolTags")) p.set("IdentityPoolTags", *t);
  p.set("_account", ctx.account());
  p.set("_region", ctx.region());
  p.set("_created", ctx.now_ms);
  state(ctx).store.put_pool(p);
  return pool_out(p);
}

Doc describe_identity_pool(OpContext& ctx, const Doc& in) {
  return pool_out(load_pool(ctx, in.str("IdentityPoolId")));
}

Doc update_identity_pool(OpContext& ctx, const Doc& in) {
  Doc p = load_pool(ctx, in.str("IdentityPoolId"));
  if (const Doc* d = p.get("DeveloperProviderName");
      d && d->is_string() && in.has("DeveloperProviderName") && in.str("DeveloperProviderName") != d->as_string())
    throw cerr::invalid_parameter("Developer provider name cannot be updated.");
  apply(p, in);
  if (const Doc* t = in.get("IdentityPoolTags")) p.set("IdentityPoolTags", *t);
  state(ctx).store.put_pool(p);
  return pool_out(p);
}

Doc delete_identity_pool(OpContext& ctx, const Doc& in) {
  Doc p = load_pool(ctx, in.str("IdentityPoolId"));
  state(ctx).store.delete_pool(p.str("IdentityPoolId"));
  return Doc::map();
}

Doc list_identity_pools(OpContext& ctx, const Doc& in) {
  std::vector<std::pair<std::string, Doc>> mine;
  for (auto& [id, p] : state(ctx).store.pools())
    if (p.str("_account") == ctx.account() && p.str("_region") == ctx.region()) mine.emplace_back(id, std::move(p));
  paging::Style style{"NextToken", "MaxResults", 60, "NextToken", nullptr};
  return paging::paginate(mine, in, "IdentityPools", style, [](const Doc& p) -> std::optional<Doc> {
    Doc e = Doc::map();
    e.set("IdentityPoolId", p.str("IdentityPoolId"));
    e.set("IdentityPoolName", p.str("IdentityPoolName"));
    return e;
  });
}

Doc set_identity_pool_roles(OpContext& ctx, const Doc& in) {
  Doc p = load_pool(ctx, in.str("IdentityPoolId"));
  const Doc* roles = in.get("Roles");
  if (roles && roles->is_map())
    for (const auto& [k, v] : roles->as_map())
      if (k != "authenticated" && k != "unauthenticated")
        throw cerr::invalid_parameter("Invalid role type: " + k +
                                      ". Valid role types are authenticated and unauthenticated.");
  if (const Doc* m = in.get("RoleMappings"); m && m->is_map()) {
    if (m->size() > 10) throw cerr::invalid_parameter("Role mappings are limited to 10 identity providers.");
    for (const auto& [provider, rm] : m->as_map()) {
      std::string type = rm.str("Type");
      if (type == "Rules") {
        const Doc* rules = rm.get("RulesConfiguration");
        const Doc* list = rules ? rules->get("Rules") : nullptr;
        if (!list || !list->is_list() || list->as_list().empty())
          throw cerr::invalid_parameter("RulesConfiguration is required for Rules role mapping type.");
      }
      if (rm.str("AmbiguousRoleResolution").empty())
        throw cerr::invalid_parameter("AmbiguousRoleResolution is required for " + type + " role mapping type.");
    }
    p.set("RoleMappings", *m);
  } else {
    p.as_map().erase("RoleMappings");
  }
  p.set("Roles", roles ? *roles : Doc::map());
  state(ctx).store.put_pool(p);
  return Doc::map();
}

Doc get_identity_pool_roles(OpContext& ctx, const Doc& in) {
  Doc p = load_pool(ctx, in.str("IdentityPoolId"));
  Doc out = Doc::map();
  out.set("IdentityPoolId", p.str("IdentityPoolId"));
  out.set("Roles", p.has("Roles") ? *p.get("Roles") : Doc::map());
  if (const Doc* m = p.get("RoleMappings")) out.set("RoleMappings", *m);
  return out;
}

Doc tag_resource(OpContext& ctx, const Doc& in) {
  Doc p = pool_of_arn(ctx, in.str("ResourceArn"));
  Doc tags = p.has("IdentityPoolTags") ? *p.get("IdentityPoolTags") : Doc::map();
  if (const Doc* t = in.get("Tags"); t && t->is_map())
    for (const auto& [k, v] : t->as_map()) tags.set(k, v);
  if (tags.size() > 50) throw cerr::invalid_parameter("Too many tags: a resource can have at most 50 tags.");
  p.set("IdentityPoolTags", std::move(tags));
  state(ctx).store.put_pool(p);
  return Doc::map();
}

Doc untag_resource(OpContext& ctx, const Doc& in) {
  Doc p = pool_of_arn(ctx, in.str("ResourceArn"));
  if (Doc* tags = p.get("IdentityPoolTags"); tags && tags->is_map())
    if (const Doc* keys = in.get("TagKeys"); keys && keys->is_list())
      for (const Doc& k : keys->as_list()) tags->as_map().erase(k.as_string());
  state(ctx).store.put_pool(p);
  return Doc::map();
}

Doc list_tags_for_resource(OpContext& ctx, const Doc& in) {
  Doc p = pool_of_arn(ctx, in.str("ResourceArn"));
  return answer("Tags", p.has("IdentityPoolTags") ? *p.get("IdentityPoolTags") : Doc::map());
}

}  // namespace stratus::cognitoidentity
