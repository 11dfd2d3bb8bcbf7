// Amazon Cognito identity pools (cognito-identity): pools with their roles and role mappings,
// identities (unauthenticated, or authenticated by a user pool's ID token through
// cognito-idp's port, services/cognito-idp/api.h), OpenID tokens, and temporary AWS credentials
// issued by STS's AssumeRoleWithWebIdentity (an internal call: the credentials land in the
// KeyStore and sign requests as the assumed role).
//
// Layout: the operation table is here; handlers in ops/*.cc and shared logic in common.cc
// (ops.h); persistence in store.h; keyspaces in schema.h.
#include <memory>

#include "server/context.h"
#include "server/invoke_router.h"
#include "services/cognito-identity/ops.h"
#include "services/cognito-identity/schema.h"
#include "services/cognito-idp/api.h"
#include "services/service.h"

namespace stratus::cognitoidentity {
namespace {

// "/.well-known/jwks_uri" (AWS: https://cognito-identity.amazonaws.com/.well-known/jwks_uri): the
// keys of the OpenID tokens this service issues, for verifiers of the basic and developer flows.
bool jwks_path(const http::Request& req) {
  return (req.method == "GET" || req.method == "HEAD") &&
         (req.path == "/.well-known/jwks_uri" || req.path == "/cognito-identity/.well-known/jwks_uri");
}

class IdentityService final : public Service, public InvokeRouter {
 public:
  IdentityService() : Service("cognito-identity") {
    add("CreateIdentityPool", create_identity_pool);
    add("DescribeIdentityPool", describe_identity_pool);
    add("UpdateIdentityPool", update_identity_pool);
    add("DeleteIdentityPool", delete_identity_pool);
    add("ListIdentityPools", list_identity_pools);
    add("SetIdentityPoolRoles", set_identity_pool_roles);
    add("GetIdentityPoolRoles", get_identity_pool_roles);
    add("TagResource", tag_resource);
    add("UntagResource", untag_resource);
    add("ListTagsForResource", list_tags_for_resource);
    add("GetId", get_id);
    add("GetOpenIdToken", get_open_id_token);
    add("GetCredentialsForIdentity", get_credentials_for_identity);
    add("ListIdentities", list_identities);
    add("DescribeIdentity", describe_identity);
    add("DeleteIdentities", delete_identities);
    add("UnlinkIdentity", unlink_identity);
    add("GetOpenIdTokenForDeveloperIdentity", get_open_id_token_for_developer_identity);
    add("LookupDeveloperIdentity", lookup_developer_identity);
    add("MergeDeveloperIdentities", merge_developer_identities);
    add("UnlinkDeveloperIdentity", unlink_developer_identity);
    add("GetPrincipalTagAttributeMap", get_principal_tag_attribute_map);
    add("SetPrincipalTagAttributeMap", set_principal_tag_attribute_map);

    gap("Login providers",
        "only Cognito user pools (cognito-idp.<region>.amazonaws.com/<pool id>) are verified; "
        "SupportedLoginProviders (Facebook, Google, ...), OpenID Connect and SAML providers are stored, "
        "and their logins refused as unsupported");
    gap("Basic flow",
        "GetOpenIdToken refuses pools without AllowClassicFlow (InvalidParameterException); STS's "
        "AssumeRoleWithWebIdentity does not check the flag itself");
    gap("Principal tags",
        "the map of SetPrincipalTagAttributeMap puts the mapped claims into the OpenID token "
        "(https://aws.amazon.com/tags, principal_tags), but the credentials carry no session tags: "
        "Stratus's STS has none, so no aws:PrincipalTag condition key either");
  }

  void attach(ServerContext& ctx) override {
    state_ = std::make_unique<State>(ctx.storage());
    ctx.provide<State>(state_.get());
  }
  void start(ServerContext& ctx) override { state_->idp = ctx.port<cognitoidp::Api>(); }
  std::span<const storage::Keyspace> keyspaces() const override { return kKeyspaces; }

  bool claims(const http::Request& req) const override { return jwks_path(req); }
  void serve(http::Request req, http::Responder respond) override {
    http::Response res;
    res.headers.set("Content-Type", "application/json");
    res.headers.set("Access-Control-Allow-Origin", "*");
    if (!state_->idp) {
      res.status = 503;
      res.body = R"({"message":"Cognito user pools are not running."})";
    } else {
      try {
        res.body = state_->idp->key_jwks("cognito-identity");
      } catch (const std::exception&) {
        res.status = 500;
        res.body = R"({"message":"internal error"})";
      }
    }
    if (req.method == "HEAD") res.body.clear();
    respond(std::move(res));
  }
  const char* log_service() const override { return "cognito-identity"; }

 private:
  std::unique_ptr<State> state_;
};

}  // namespace

State& state(OpContext& ctx) {
  return *ctx.server.port<State>();
}

std::unique_ptr<Service> make_service() {
  return std::make_unique<IdentityService>();
}

}  // namespace stratus::cognitoidentity
