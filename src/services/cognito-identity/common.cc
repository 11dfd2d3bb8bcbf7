#include <algorithm>

#include "core/json.h"
#include "services/cognito-identity/ops.h"
#include "services/cognito-idp/api.h"

namespace stratus::cognitoidentity {

Doc load_pool(OpContext& ctx, const std::string& pool_id, bool own) {
  auto p = state(ctx).store.pool(pool_id);
  if (!p || (own && (p->str("_account") != ctx.account() || p->str("_region") != ctx.region())))
    throw cerr::resource_not_found("IdentityPool '" + pool_id + "' not found.");
  return *p;
}

Doc load_identity(OpContext& ctx, const std::string& identity_id) {
  auto i = state(ctx).store.identity(identity_id);
  if (!i) throw cerr::resource_not_found("Identity '" + identity_id + "' not found.");
  return *i;
}

Doc identity_out(const Doc& identity) {
  Doc out = Doc::map();
  out.set("IdentityId", identity.str("IdentityId"));
  if (const Doc* l = identity.get("Logins"); l && l->is_list() && l->size()) out.set("Logins", *l);
  out.set("CreationDate", Timestamp{identity.integer("CreationDate")});
  out.set("LastModifiedDate", Timestamp{identity.integer("LastModifiedDate")});
  return out;
}

namespace {

constexpr std::string_view kUserPoolPrefix = "cognito-idp.";

// The user pool provider entry of the pool for `provider`, or nullptr.
const Doc* user_pool_provider(const Doc& pool, const std::string& provider) {
  const Doc* ps = pool.get("CognitoIdentityProviders");
  if (!ps || !ps->is_list()) return nullptr;
  for (const Doc& p : ps->as_list())
    if (p.str("ProviderName") == provider) return &p;
  return nullptr;
}

}  // namespace

std::vector<Login> verify_logins(OpContext& ctx, const Doc& pool, const Doc* logins) {
  std::vector<Login> out;
  if (!logins || !logins->is_map()) return out;
  for (const auto& [provider, token_doc] : logins->as_map()) {
    std::string token = token_doc.is_string() ? token_doc.as_string() : std::string();
    if (provider == kIdentityProvider) {  // an OpenID token of ours (developer flows)
      auto* idp = state(ctx).idp;
      if (!idp) throw cerr::external_service("Cognito user pools are not running.");
      cognitoidp::Verified v = idp->verify_signed("cognito-identity", token, ctx.now_ms);
      if (!v.claims) throw cerr::not_authorized("Invalid login token. Couldn't verify signed token.");
      if (v.claims->str("aud") != pool.str("IdentityPoolId"))
        throw cerr::not_authorized("Invalid login token. Incorrect token audience.");
      out.push_back(Login{provider, v.claims->str("sub"), std::move(*v.claims)});
      continue;
    }
    const Doc* entry = user_pool_provider(pool, provider);
    if (!entry || provider.compare(0, kUserPoolPrefix.size(), kUserPoolPrefix) != 0)
      throw cerr::not_authorized("Token is not from a supported provider of this identity pool.");
    auto* idp = state(ctx).idp;
    if (!idp) throw cerr::external_service("Cognito user pools are not running.");
    std::string user_pool = provider.substr(provider.rfind('/') + 1);
    cognitoidp::Verified v = idp->verify_jwt(user_pool, token, ctx.now_ms, entry->flag("ServerSideTokenCheck"));
    if (!v.claims) {
      if (v.error == "expired") throw cerr::not_authorized("Invalid login token. Token expired.");
      if (v.error == "revoked" || v.error.rfind("user does not exist", 0) == 0)
        throw cerr::not_authorized("Invalid login token. Token has been revoked.");
      throw cerr::not_authorized("Invalid login token. Couldn't verify signed token.");
    }
    if (v.claims->str("token_use") != "id")
      throw cerr::not_authorized("Invalid login token. Not a valid OpenId Connect identity token.");
    if (std::string client = entry->str("ClientId"); !client.empty() && v.claims->str("aud") != client)
      throw cerr::not_authorized("Invalid login token. Incorrect token audience.");
    out.push_back(Login{provider, v.claims->str("sub"), std::move(*v.claims)});
  }
  return out;
}

void check_logins_match(const Doc& identity, const std::vector<Login>& logins) {
  const Doc* subs = identity.get("_subjects");
  if (!subs || !subs->is_map() || subs->as_map().empty()) return;  // unauthenticated
  for (const Login& l : logins)
    if (subs->str(l.provider) == l.subject) return;
  throw cerr::not_authorized(
      "Logins don't match. Please include at least one valid login for this identity or identity pool.");
}

std::string open_id_token(OpContext& ctx, const Doc& pool, const Doc& identity, const std::vector<Login>& logins,
                          int64_t seconds) {
  auto* idp = state(ctx).idp;
  if (!idp) throw cerr::internal_error("Cognito user pools are not running: no key to sign with.");
  int64_t now = ctx.now_ms / 1000;
  Doc c = Doc::map();
  c.set("sub", identity.str("IdentityId"));
  c.set("aud", pool.str("IdentityPoolId"));
  Doc amr = Doc::list();
  if (logins.empty()) {
    amr.push("unauthenticated");
  } else {
    amr.push("authenticated");
    for (const Login& l : logins) {
      if (l.provider == kIdentityProvider) {  // the developer token's own providers
        if (const Doc* a = l.claims.get("amr"); a && a->is_list())
          for (const Doc& x : a->as_list())
            if (x.is_string() && x.as_string() != "authenticated") amr.push(x);
        continue;
      }
      if (l.provider.find('/') == std::string::npos) {  // a developer provider: name, name:pool:user
        amr.push(l.provider);
        amr.push(l.provider + ":" + pool.str("IdentityPoolId") + ":" + l.subject);
        continue;
      }
      amr.push(l.provider);
      std::string up = l.provider.substr(l.provider.rfind('/') + 1);
      amr.push(l.provider.substr(0, l.provider.rfind('/')) + ":" + up + ":" + l.subject);
    }
  }
  c.set("amr", std::move(amr));
  // Attributes for access control: a provider's PrincipalTags map (tag key -> claim of its token)
  // becomes session tags, in the claim STS's AssumeRoleWithWebIdentity reads them from.
  Doc tags = Doc::map();
  const Doc* maps = pool.get("_principal_tags");
  for (const Login& l : logins) {
    const Doc* m = maps && maps->is_map() ? maps->get(l.provider) : nullptr;
    const Doc* pt = m && m->is_map() ? m->get("PrincipalTags") : nullptr;
    if (!pt || !pt->is_map()) continue;
    for (const auto& [tag, claim] : pt->as_map()) {
      const Doc* v = claim.is_string() ? l.claims.get(claim.as_string()) : nullptr;
      if (!v || v->is_null()) continue;
      Doc values = Doc::list();
      values.push(v->is_string() ? v->as_string() : json::write(*v));
      tags.set(tag, std::move(values));
    }
  }
  if (tags.size() > 0) {
    Doc t = Doc::map();
    t.set("principal_tags", std::move(tags));
    c.set("https://aws.amazon.com/tags", std::move(t));
  }
  c.set("iss", "https://cognito-identity.amazonaws.com");
  c.set("exp", now + seconds);
  c.set("iat", now);
  return idp->sign_jwt("cognito-identity", json::write(c));
}

}  // namespace stratus::cognitoidentity
