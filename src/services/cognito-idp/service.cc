// Amazon Cognito user pools (cognito-idp): pools, clients, domains, groups, users, sign-up and
// recovery codes (into the mailbox, mail/mailbox.h), the SRP and password sign-in flows, and
// RS256 tokens whose keys are published at /<pool-id>/.well-known/jwks.json (this service is an
// InvokeRouter for those two GET paths).
//
// Layout: the operation table is here; handlers in ops/*.cc (ops.h); shared logic in common.h,
// tokens.cc; persistence in store.h; keyspaces in schema.h; SRP/PBKDF2/RS256 in crypto.h;
// ListUsers' filter in filter.h.
#include <memory>
#include <optional>

#include "core/json.h"
#include "core/workers.h"
#include "server/context.h"
#include "server/invoke_router.h"
#include "services/cognito-idp/common.h"
#include "services/cognito-idp/hosted.h"
#include "services/cognito-idp/ops.h"
#include "services/cognito-idp/schema.h"
#include "services/cognito-idp/triggers.h"
#include "services/service.h"

namespace stratus::cognitoidp {
namespace {

// "/<region>_<id>/.well-known/jwks.json" -> pool id and which document.
bool well_known(std::string_view path, std::string* pool, bool* jwks_doc) {
  constexpr std::string_view kJwks = "/.well-known/jwks.json";
  constexpr std::string_view kOidc = "/.well-known/openid-configuration";
  if (path.size() < 2 || path[0] != '/') return false;
  auto slash = path.find('/', 1);
  if (slash == std::string_view::npos) return false;
  std::string_view rest = path.substr(slash);
  if (rest != kJwks && rest != kOidc) return false;
  std::string_view id = path.substr(1, slash - 1);
  if (id.find('_') == std::string_view::npos || id.size() > 55) return false;
  *pool = std::string(id);
  *jwks_doc = rest == kJwks;
  return true;
}

// The pool an input names (UserPoolId, or ClientId through the client index), if any.
std::optional<Doc> pool_of(State* st, const Doc& in) {
  if (!st) return std::nullopt;
  std::string id = in.str("UserPoolId");
  if (id.empty()) {
    std::string client = in.str("ClientId");
    if (client.empty()) return std::nullopt;
    if (!st->store.engine().get(kClientIndex.name, Store::pool_key(client), &id).ok()) return std::nullopt;
  }
  try {
    return st->store.get(kPools.name, Store::pool_key(id));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Operations that may hash a password or run a Lambda trigger. With a trigger configured for the
// pool they run on State::workers (an elastic pool, core/workers.h), where waiting for the
// function blocks no I/O thread and a trigger calling back into Cognito gets a thread of its own.
// Otherwise they run inline on the I/O thread as an InlinePass; a step that needs PBKDF2 (a new
// password, a login the verified-login cache does not know) throws NeedsWorker before any write,
// and the operation runs again from the start on a worker (common.h).
AsyncHandler offload(Handler h) {
  return [h = std::move(h)](OpContext& ctx, const Doc& in, Done done) {
    State* st = ctx.server.port<State>();
    if (!st || !st->workers) return done(invoke_handler(h, ctx, in));
    auto on_worker = [st, &h, &ctx, &in, done] {
      st->workers->post([&h, &ctx, &in, done] { done(invoke_handler(h, ctx, in)); });
    };
    auto pool = pool_of(st, in);
    if (pool && has_triggers(*pool)) return on_worker();
    bool needs_worker = false;
    Result<Doc> out = invoke_handler(
        [&h, &needs_worker](OpContext& c, const Doc& i) {
          InlinePass pass;
          try {
            return h(c, i);
          } catch (const NeedsWorker&) {
            needs_worker = true;
            return Doc();
          }
        },
        ctx, in);
    if (needs_worker) return on_worker();
    done(std::move(out));
  };
}

class CognitoService final : public Service, public InvokeRouter, public Api {
 public:
  CognitoService() : Service("cognito-idp") {
    add("CreateUserPool", create_user_pool);
    add("DescribeUserPool", describe_user_pool);
    add("UpdateUserPool", update_user_pool);
    add("DeleteUserPool", delete_user_pool);
    add("ListUserPools", list_user_pools);
    add("AddCustomAttributes", add_custom_attributes);
    add("CreateUserPoolClient", create_user_pool_client);
    add("DescribeUserPoolClient", describe_user_pool_client);
    add("UpdateUserPoolClient", update_user_pool_client);
    add("DeleteUserPoolClient", delete_user_pool_client);
    add("ListUserPoolClients", list_user_pool_clients);
    add("CreateUserPoolDomain", create_user_pool_domain);
    add("DescribeUserPoolDomain", describe_user_pool_domain);
    add("DeleteUserPoolDomain", delete_user_pool_domain);
    add("CreateGroup", create_group);
    add("GetGroup", get_group);
    add("UpdateGroup", update_group);
    add("DeleteGroup", delete_group);
    add("ListGroups", list_groups);
    add_async("AdminCreateUser", offload(admin_create_user));
    add("AdminGetUser", admin_get_user);
    add("AdminDeleteUser", admin_delete_user);
    add("AdminEnableUser", admin_enable_user);
    add("AdminDisableUser", admin_disable_user);
    add_async("AdminConfirmSignUp", offload(admin_confirm_sign_up));
    add_async("AdminSetUserPassword", offload(admin_set_user_password));
    add_async("AdminResetUserPassword", offload(admin_reset_user_password));
    add("AdminUpdateUserAttributes", admin_update_user_attributes);
    add("AdminDeleteUserAttributes", admin_delete_user_attributes);
    add("AdminAddUserToGroup", admin_add_user_to_group);
    add("AdminRemoveUserFromGroup", admin_remove_user_from_group);
    add("AdminListGroupsForUser", admin_list_groups_for_user);
    add("AdminUserGlobalSignOut", admin_user_global_sign_out);
    add("ListUsers", list_users);
    add("ListUsersInGroup", list_users_in_group);
    add_async("SignUp", offload(sign_up));
    add_async("ConfirmSignUp", offload(confirm_sign_up));
    add_async("ResendConfirmationCode", offload(resend_confirmation_code));
    add_async("ForgotPassword", offload(forgot_password));
    add_async("ConfirmForgotPassword", offload(confirm_forgot_password));
    add_async("ChangePassword", offload(change_password));
    add("GetUser", get_user);
    add_async("UpdateUserAttributes", offload(update_user_attributes));
    add("DeleteUserAttributes", delete_user_attributes);
    add_async("GetUserAttributeVerificationCode", offload(get_user_attribute_verification_code));
    add("VerifyUserAttribute", verify_user_attribute);
    add("DeleteUser", delete_user);
    add("GlobalSignOut", global_sign_out);
    add("RevokeToken", revoke_token);
    add_async("InitiateAuth", offload(initiate_auth));
    add_async("AdminInitiateAuth", offload(admin_initiate_auth));
    add_async("RespondToAuthChallenge", offload(respond_to_auth_challenge));
    add_async("AdminRespondToAuthChallenge", offload(admin_respond_to_auth_challenge));
    add("SetUserPoolMfaConfig", set_user_pool_mfa_config);
    add("GetUserPoolMfaConfig", get_user_pool_mfa_config);
    add("SetUserMFAPreference", set_user_mfa_preference);
    add("AdminSetUserMFAPreference", admin_set_user_mfa_preference);
    add("AssociateSoftwareToken", associate_software_token);
    add("VerifySoftwareToken", verify_software_token);
    add("ConfirmDevice", confirm_device);
    add("GetDevice", get_device);
    add("AdminGetDevice", admin_get_device);
    add("ListDevices", list_devices);
    add("AdminListDevices", admin_list_devices);
    add("ForgetDevice", forget_device);
    add("AdminForgetDevice", admin_forget_device);
    add("UpdateDeviceStatus", update_device_status);
    add("AdminUpdateDeviceStatus", admin_update_device_status);

    gap("Authentication",
        "WEB_AUTHN, EMAIL_MFA, the device key on refresh and the refresh-token rotation settings are not "
        "implemented; pending "
        "challenge sessions (CUSTOM_AUTH, MFA) live in memory (3 minutes) and end with a restart");
    gap("Lambda triggers",
        "PreSignUp, PostConfirmation, Pre/PostAuthentication, PreTokenGeneration (V1_0, V2_0), "
        "CustomMessage, UserMigration and Define/Create/VerifyAuthChallengeResponse run; the custom "
        "email/SMS senders are stored in LambdaConfig but not run; UserMigration's messageAction, "
        "desiredDeliveryMediums and forceAliasCreation are read but no welcome message is sent; a "
        "CustomMessage text without {####} falls back to the template");
    gap("Hosted UI",
        "basics only (hosted.h): the authorization code flow with PKCE through a plain login page, "
        "/oauth2/token (authorization_code, refresh_token, client_credentials), /oauth2/userInfo and "
        "/logout; no implicit flow, /oauth2/revoke, new-password / MFA / sign-up pages, federated "
        "identity providers or sign-in cookies; resource servers (custom scopes) are not validated");
    gap("Messages",
        "codes and invitations go to the mailbox (/_stratus/mailbox); EmailConfiguration and "
        "SmsConfiguration (SES, SNS) are stored, not used");
    gap("ListUsers", "lookups by alias and ListUsers filters scan the pool's users (linear)");
  }

  // The State is a port (handlers find it through ctx.server.port<State>()), published before
  // any request; the workers (password hashing, triggers) start with the service.
  void attach(ServerContext& ctx) override {
    state_ = std::make_unique<State>(ctx.storage(), ctx.sealing_key());
    server_ = &ctx;
    state_->issuer_mode = ctx.config().cognito_issuer;
    state_->port = ctx.config().port;
    ctx.provide<State>(state_.get());
    ctx.provide<Api>(this);
  }

  // ---- Api (api.h) ----
  Verified verify_jwt(const std::string& pool_id, std::string_view jwt, int64_t now_ms, bool check_revoked) override {
    return verify_token(*state_, pool_id, jwt, now_ms, check_revoked);
  }
  std::string sign_jwt(const std::string& key_name, const std::string& claims_json) override {
    return sign_with_key(*state_, key_name, claims_json);
  }
  void start(ServerContext&) override {
    workers_.start();
    state_->workers = &workers_;
  }
  void stop() override { workers_.stop(); }

  std::span<const storage::Keyspace> keyspaces() const override { return kKeyspaces; }

  // ---- InvokeRouter: the pools' JWKS and OpenID configuration ----
  bool claims(const http::Request& req) const override {
    std::string pool;
    bool j = false;
    return ((req.method == "GET" || req.method == "HEAD") && well_known(req.path, &pool, &j)) || hosted_claims(req);
  }
  void serve(http::Request req, http::Responder respond) override {
    if (hosted_claims(req)) return hosted_serve(*server_, *this, *state_, std::move(req), std::move(respond));
    std::string pool;
    bool jwks_doc = false;
    well_known(req.path, &pool, &jwks_doc);
    http::Response res;
    res.headers.set("Content-Type", "application/json");
    res.headers.set("Access-Control-Allow-Origin", "*");
    try {
      auto keys = jwks(*state_, pool);
      if (!keys) {
        res.status = 404;
        res.body = R"({"message":"User pool )" + json::escape(pool) + R"( does not exist."})";
      } else if (jwks_doc) {
        res.body = *keys;
      } else {
        Doc p = *state_->store.get(kPools.name, Store::pool_key(pool));
        std::string iss = issuer(*state_, p.str("_region"), pool);
        std::string local = "http://localhost:" + std::to_string(state_->port) + "/" + pool;
        Doc d = Doc::map();
        d.set("authorization_endpoint", local + "/oauth2/authorize");
        d.set("end_session_endpoint", local + "/logout");
        Doc l = Doc::list();
        l.push("RS256");
        d.set("id_token_signing_alg_values_supported", std::move(l));
        d.set("issuer", iss);
        d.set("jwks_uri", local + "/.well-known/jwks.json");
        Doc rt = Doc::list();
        rt.push("code");
        rt.push("token");
        d.set("response_types_supported", std::move(rt));
        Doc sc = Doc::list();
        for (const char* s : {"openid", "email", "phone", "profile"}) sc.push(s);
        d.set("scopes_supported", std::move(sc));
        Doc st = Doc::list();
        st.push("public");
        d.set("subject_types_supported", std::move(st));
        d.set("token_endpoint", local + "/oauth2/token");
        Doc am = Doc::list();
        am.push("client_secret_basic");
        am.push("client_secret_post");
        d.set("token_endpoint_auth_methods_supported", std::move(am));
        d.set("userinfo_endpoint", local + "/oauth2/userInfo");
        res.body = json::write(d);
      }
    } catch (const std::exception& e) {
      res.status = 500;
      res.body = R"({"message":"internal error"})";
    }
    if (req.method == "HEAD") res.body.clear();
    respond(std::move(res));
  }
  const char* log_service() const override { return "cognito-idp"; }

 private:
  std::unique_ptr<State> state_;
  ServerContext* server_ = nullptr;
  // At most this many operations hash or wait for a trigger at once; the rest queue.
  Workers workers_{"cognito-work", 32};
};

}  // namespace

State& state(OpContext& ctx) {
  return *ctx.server.port<State>();
}

std::unique_ptr<Service> make_service() {
  return std::make_unique<CognitoService>();
}

}  // namespace stratus::cognitoidp
