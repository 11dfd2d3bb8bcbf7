// OpenID Connect providers: CreateOpenIDConnectProvider, GetOpenIDConnectProvider,
// ListOpenIDConnectProviders, DeleteOpenIDConnectProvider. Records only: STS does not yet check
// web identity tokens against them.
#include "core/arn.h"
#include "services/iam/errors.h"
#include "services/iam/ops.h"
#include "services/iam/ops/common.h"

namespace stratus::iam {
namespace {

constexpr size_t kMaxClientIds = 100;  // AWS's ClientIDList limit per provider

// "https://host/path" -> "host/path" (the ARN's resource and what Get answers as Url).
std::string provider_id(const std::string& url) {
  std::string u = url;
  if (u.rfind("https://", 0) != 0) throw errors::invalid_input("The URL must begin with https://: " + url);
  u = u.substr(8);
  while (!u.empty() && u.back() == '/') u.pop_back();
  if (u.empty() || u.find_first_of(" ?#") != std::string::npos) throw errors::invalid_input("Invalid URL: " + url);
  return u;
}

// The provider's id from its ARN; throws InvalidInput for an ARN that is not a provider's.
std::string id_from_arn(OpContext& ctx, const std::string& arn) {
  std::string prefix = Arn::make("iam", "", ctx.account(), "oidc-provider/");
  if (arn.rfind(prefix, 0) != 0 || arn.size() == prefix.size())
    throw errors::invalid_input("Invalid OpenID Connect provider ARN: " + arn);
  return arn.substr(prefix.size());
}

Doc load_provider(Store& store, const std::string& id, const std::string& arn) {
  return load_or_no_such_entity(store, "oidc-provider", id, "OpenIDConnect Provider not found for arn " + arn);
}

}  // namespace

Doc create_open_id_connect_provider(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string id = provider_id(in.str("Url"));
  if (store.load("oidc-provider", id))
    throw errors::entity_already_exists("Provider with url " + in.str("Url") + " already exists.");
  const Doc* clients = in.get("ClientIDList");
  if (clients && clients->size() > kMaxClientIds)
    throw errors::limit_exceeded("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100");
  std::string arn = Arn::make("iam", "", ctx.account(), "oidc-provider/" + id);
  Doc rec = Doc::map();
  rec.set("Url", id);
  rec.set("ClientIDList", clients ? *clients : Doc::list());
  rec.set("ThumbprintList", in.get("ThumbprintList") ? *in.get("ThumbprintList") : Doc::list());
  rec.set("CreateDate", ctx.now_ms);
  if (const Doc* t = in.get("Tags"); t && t->size()) rec.set("Tags", *t);
  store.put("oidc-provider", id, rec);
  Doc out = Doc::map();
  out.set("OpenIDConnectProviderArn", arn);
  if (rec.has("Tags")) out.set("Tags", *rec.get("Tags"));
  return out;
}

Doc get_open_id_connect_provider(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string arn = in.str("OpenIDConnectProviderArn");
  return with_dates(load_provider(store, id_from_arn(ctx, arn), arn), {"CreateDate"});
}

Doc list_open_id_connect_providers(OpContext& ctx, const Doc&) {
  Store store = store_of(ctx);
  Doc list = Doc::list();
  for (const auto& [id, rec] : store.scan("oidc-provider")) {
    Doc e = Doc::map();
    e.set("Arn", Arn::make("iam", "", ctx.account(), "oidc-provider/" + id));
    list.push(std::move(e));
  }
  return answer("OpenIDConnectProviderList", std::move(list));
}

Doc delete_open_id_connect_provider(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string arn = in.str("OpenIDConnectProviderArn");
  std::string id = id_from_arn(ctx, arn);
  load_provider(store, id, arn);
  store.erase("oidc-provider", id);
  return Doc::map();
}

}  // namespace stratus::iam
