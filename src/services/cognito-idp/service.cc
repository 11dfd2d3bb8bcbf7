// Amazon Cognito user pools (cognito-idp): pools, clients, domains, groups, users, sign-up and
// recovery codes (into the mailbox, mail/mailbox.h), the SRP and password sign-in flows, and
// RS256 tokens whose keys are published at /<pool-id>/.well-known/jwks.json (this service is an
// InvokeRouter for those two GET paths).
//
// Layout: the operation table is here; handlers in ops/*.cc (ops.h); shared logic in common.h,
// tokens.cc; persistence in store.h; keyspaces in schema.h; SRP/PBKDF2/RS256 in crypto.h;
// ListUsers' filter in filter.h.
#include <initializer_list>
#include <memory>
#include <optional>
#include <utility>

#include "core/clock.h"
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
std::shared_ptr<const Doc> pool_of(State* st, const Doc& in) {
  if (!st) return nullptr;
  std::string id = in.str("UserPoolId");
  if (id.empty()) {
    std::string client = in.str("ClientId");
    if (client.empty()) return nullptr;
    if (!st->store.engine().get(kClientIndex.name, Store::pool_key(client), &id).ok()) return nullptr;
  }
  try {
    return st->store.get_shared(kPools.name, Store::pool_key(id));
  } catch (const std::exception&) {
    return nullptr;
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
    // The operation table: handlers that answer at once, then those that may hash a password or run a
    // Lambda trigger (`offload`).
    using Table = std::initializer_list<std::pair<const char*, HandlerFn*>>;
    for (const auto& [op, fn] : Table{{"CreateUserPool", create_user_pool},
                                      {"DescribeUserPool", describe_user_pool},
                                      {"UpdateUserPool", update_user_pool},
                                      {"DeleteUserPool", delete_user_pool},
                                      {"ListUserPools", list_user_pools},
                                      {"AddCustomAttributes", add_custom_attributes},
                                      {"CreateUserPoolClient", create_user_pool_client},
                                      {"DescribeUserPoolClient", describe_user_pool_client},
                                      {"UpdateUserPoolClient", update_user_pool_client},
                                      {"DeleteUserPoolClient", delete_user_pool_client},
                                      {"ListUserPoolClients", list_user_pool_clients},
                                      {"CreateUserPoolDomain", create_user_pool_domain},
                                      {"DescribeUserPoolDomain", describe_user_pool_domain},
                                      {"DeleteUserPoolDomain", delete_user_pool_domain},
                                      {"CreateGroup", create_group},
                                      {"GetGroup", get_group},
                                      {"UpdateGroup", update_group},
                                      {"DeleteGroup", delete_group},
                                      {"ListGroups", list_groups},
                                      {"CreateResourceServer", create_resource_server},
                                      {"DescribeResourceServer", describe_resource_server},
                                      {"UpdateResourceServer", update_resource_server},
                                      {"DeleteResourceServer", delete_resource_server},
                                      {"ListResourceServers", list_resource_servers},
                                      {"AdminGetUser", admin_get_user},
                                      {"AdminDeleteUser", admin_delete_user},
                                      {"AdminEnableUser", admin_enable_user},
                                      {"AdminDisableUser", admin_disable_user},
                                      {"AdminUpdateUserAttributes", admin_update_user_attributes},
                                      {"AdminDeleteUserAttributes", admin_delete_user_attributes},
                                      {"AdminAddUserToGroup", admin_add_user_to_group},
                                      {"AdminRemoveUserFromGroup", admin_remove_user_from_group},
                                      {"AdminListGroupsForUser", admin_list_groups_for_user},
                                      {"AdminUserGlobalSignOut", admin_user_global_sign_out},
                                      {"ListUsers", list_users},
                                      {"ListUsersInGroup", list_users_in_group},
                                      {"GetUser", get_user},
                                      {"DeleteUserAttributes", delete_user_attributes},
                                      {"VerifyUserAttribute", verify_user_attribute},
                                      {"DeleteUser", delete_user},
                                      {"GlobalSignOut", global_sign_out},
                                      {"RevokeToken", revoke_token},
                                      {"SetUserPoolMfaConfig", set_user_pool_mfa_config},
                                      {"GetUserPoolMfaConfig", get_user_pool_mfa_config},
                                      {"SetUserMFAPreference", set_user_mfa_preference},
                                      {"AdminSetUserMFAPreference", admin_set_user_mfa_preference},
                                      {"AssociateSoftwareToken", associate_software_token},
                                      {"VerifySoftwareToken", verify_software_token},
                                      {"ConfirmDevice", confirm_device},
                                      {"GetDevice", get_device},
                                      {"AdminGetDevice", admin_get_device},
                                      {"ListDevices", list_devices},
                                      {"AdminListDevices", admin_list_devices},
                                      {"ForgetDevice", forget_device},
                                      {"AdminForgetDevice", admin_forget_device},
                                      {"UpdateDeviceStatus", update_device_status},
                                      {"AdminUpdateDeviceStatus", admin_update_device_status}})
      add(op, fn);
    for (const auto& [op, fn] : Table{{"AdminCreateUser", admin_create_user},
                                      {"AdminConfirmSignUp", admin_confirm_sign_up},
                                      {"AdminSetUserPassword", admin_set_user_password},
                                      {"AdminResetUserPassword", admin_reset_user_password},
                                      {"SignUp", sign_up},
                                      {"ConfirmSignUp", confirm_sign_up},
                                      {"ResendConfirmationCode", resend_confirmation_code},
                                      {"ForgotPassword", forgot_password},
                                      {"ConfirmForgotPassword", confirm_forgot_password},
                                      {"ChangePassword", change_password},
                                      {"UpdateUserAttributes", update_user_attributes},
                                      {"GetUserAttributeVerificationCode", get_user_attribute_verification_code},
                                      {"InitiateAuth", initiate_auth},
                                      {"AdminInitiateAuth", admin_initiate_auth},
                                      {"RespondToAuthChallenge", respond_to_auth_challenge},
                                      {"AdminRespondToAuthChallenge", admin_respond_to_auth_challenge},
                                      {"GetTokensFromRefreshToken", get_tokens_from_refresh_token}})
      add_async(op, offload(fn));

    gap("Authentication",
        "WEB_AUTHN, EMAIL_MFA and the device key on refresh are not implemented. Pending challenge "
        "sessions last the client's AuthSessionValidity and survive a restart; an expired or used one "
        "answers \"Invalid session for the user, session is expired.\" (community reports, not AWS's "
        "documentation). With PreventUserExistenceErrors the simulated CodeDeliveryDetails of "
        "ForgotPassword / ResendConfirmationCode is masked from the username (AWS does not document it)");
    gap("Lambda triggers",
        "PreSignUp, PostConfirmation, Pre/PostAuthentication, PreTokenGeneration (V1_0, V2_0), "
        "CustomMessage, UserMigration and Define/Create/VerifyAuthChallengeResponse run; the custom "
        "email/SMS senders are stored in LambdaConfig but not run; UserMigration's messageAction, "
        "desiredDeliveryMediums and forceAliasCreation are read but no welcome message is sent; a "
        "CustomMessage text without {####} falls back to the template; emailMessage / emailSubject "
        "from a pool not sending through SES answer InvalidLambdaResponseException with a message of "
        "our own (AWS prints none). A trigger gets 5 s per attempt, "
        "three attempts for timeouts, throttling and Lambda faults; the timeout's message (\"... "
        "invocation failed due to error Socket timeout while invoking Lambda function.\") is from "
        "community reports, not AWS's documentation");
    gap("Hosted UI",
        "a plain login page of our own (hosted.h): the authorization code flow with PKCE (S256), the "
        "implicit grant, /oauth2/token (authorization_code, refresh_token, client_credentials with "
        "resource servers' custom scopes), /oauth2/userInfo (the openid scope required: 401 \"Access "
        "token does not contain openid scope\", a message from community reports), /oauth2/revoke, /logout and a "
        "one-hour "
        "sign-in cookie, and a new-password page for temporary passwords; no MFA / sign-up / "
        "forgot-password pages, federated identity providers, managed login branding or custom domains");
    gap("Messages",
        "EmailSendingAccount=DEVELOPER sends through SES's SendEmail (SourceArn's identity, From, "
        "ReplyToEmailAddress, ConfigurationSet; SES's sandbox applies: CodeDeliveryFailureException), "
        "SmsConfiguration through SNS's Publish; COGNITO_DEFAULT and pools without SmsConfiguration "
        "go straight to the mailbox. The email role / SNS caller role's permissions are not checked; "
        "no HTML bodies, no CONFIRM_WITH_LINK verification links");
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
  Verified verify_signed(const std::string& key_name, std::string_view jwt, int64_t now_ms) override {
    return verify_with_key(*state_, key_name, jwt, now_ms);
  }
  std::string key_jwks(const std::string& key_name) override { return jwks_of_key(*state_, key_name); }
  void start(ServerContext& ctx) override {
    state_->sessions.load(now_millis());
    State* st = state_.get();
    ctx.scheduler("cognito-idp").every("cognito.authsessions-sweep", 60'000, [st] {
      st->sessions.sweep(now_millis());
    });
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
