#include "services/cognito-idp/hosted.h"

#include <openssl/sha.h>

#include <mutex>
#include <unordered_map>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/workers.h"
#include "protocol/xml_writer.h"
#include "server/context.h"
#include "services/cognito-idp/common.h"
#include "services/cognito-idp/crypto.h"
#include "services/cognito-idp/schema.h"

namespace stratus::cognitoidp {
namespace {

constexpr int64_t kCodeValidityMs = 5 * 60 * 1000;
// The hosted UI's sign-in cookie lasts an hour, whatever the tokens' validity (AWS).
constexpr int64_t kSessionCookieMs = 60 * 60 * 1000;
constexpr std::string_view kCookie = "cognito";

using Params = std::vector<std::pair<std::string, std::string>>;

std::string get(const Params& p, std::string_view k) {
  for (const auto& [a, b] : p)
    if (a == k) return b;
  return {};
}

// "/oauth2/authorize" -> "authorize", ...; "" for anything else.
std::string endpoint_of(std::string_view path, std::string_view method) {
  if (path == "/oauth2/authorize" && method == "GET") return "authorize";
  if (path == "/login" && (method == "GET" || method == "POST")) return "login";
  if (path == "/oauth2/token" && method == "POST") return "token";
  if (path == "/oauth2/userInfo" && (method == "GET" || method == "POST")) return "userInfo";
  if (path == "/logout" && method == "GET") return "logout";
  if (path == "/oauth2/revoke" && method == "POST") return "revoke";
  if (path == "/error" && method == "GET") return "error";
  return {};
}

// "us-east-1_AbC": a region, "_", letters and digits.
bool pool_like(std::string_view id) {
  auto u = id.find('_');
  if (u == std::string_view::npos || u < 9 || id.size() > 55 || u + 1 >= id.size()) return false;
  std::string_view region = id.substr(0, u);
  if (region.find('-') == std::string_view::npos || region.back() < '0' || region.back() > '9') return false;
  for (char c : region)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  for (char c : id.substr(u + 1))
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

// The pool domain of "<domain>.auth.<region>.localhost[:port]", or "".
std::string domain_of(const http::Request& req) {
  const std::string* host = req.headers.find("host");
  if (!host) return {};
  std::string_view h = *host;
  if (auto colon = h.rfind(':'); colon != std::string_view::npos) h = h.substr(0, colon);
  constexpr std::string_view kLocal = ".localhost";
  auto auth = h.find(".auth.");
  if (auth == std::string_view::npos || auth == 0 || h.size() < kLocal.size() ||
      h.substr(h.size() - kLocal.size()) != kLocal)
    return {};
  return std::string(h.substr(0, auth));
}

struct Route {
  std::string pool_id, domain, endpoint;
};

bool route(const http::Request& req, Route* r) {
  std::string domain = domain_of(req);
  if (!domain.empty()) {
    r->domain = domain;
    r->endpoint = endpoint_of(req.path, req.method);
    return !r->endpoint.empty();
  }
  std::string_view path = req.path;
  if (path.size() < 2 || path[0] != '/') return false;
  auto slash = path.find('/', 1);
  if (slash == std::string_view::npos || !pool_like(path.substr(1, slash - 1))) return false;
  r->pool_id = std::string(path.substr(1, slash - 1));
  r->endpoint = endpoint_of(path.substr(slash), req.method);
  return !r->endpoint.empty();
}

std::string html_escape(std::string_view s) {
  std::string out;
  protocol::xml_escape(out, s);  // &, <, >, ", ' and control characters: safe in HTML text and attributes
  return out;
}

http::Response json_response(int status, const Doc& body) {
  http::Response res;
  res.status = status;
  res.headers.set("Content-Type", "application/json;charset=UTF-8");
  res.headers.set("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate");
  res.body = json::write(body);
  return res;
}

http::Response oauth_error(int status, const std::string& error) {
  Doc d = Doc::map();
  d.set("error", error);
  return json_response(status, d);
}

http::Response redirect(const std::string& location) {
  http::Response res;
  res.status = 302;
  res.headers.set("Location", location);
  return res;
}

http::Response page(int status, const std::string& title, const std::string& body) {
  http::Response res;
  res.status = status;
  res.headers.set("Content-Type", "text/html;charset=UTF-8");
  res.body = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
             "</title></head><body>" + body + "</body></html>";
  return res;
}

// uri plus the non-empty parameters, after '?' (query) or '#' (fragment: the implicit grant).
std::string with_query(const std::string& uri, const Params& add, bool fragment = false) {
  std::string out = uri;
  char sep = fragment ? '#' : uri.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : add) {
    if (v.empty()) continue;
    out += sep;
    out += k + "=" + enc::uri_encode(v);
    sep = '&';
  }
  return out;
}

bool list_has(const Doc* l, std::string_view v) {
  if (!l || !l->is_list()) return false;
  for (const Doc& e : l->as_list())
    if (e.is_string() && e.as_string() == v) return true;
  return false;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  for (size_t p = 0; p < s.size();) {
    size_t q = s.find_first_of(" +", p);
    if (q == std::string_view::npos) q = s.size();
    if (q > p) out.emplace_back(s.substr(p, q - p));
    p = q + 1;
  }
  return out;
}

// The granted scopes: the requested ones (all allowed ones when none are requested), each among
// the client's AllowedOAuthScopes; nullopt when one is not.
// `custom_only` (client_credentials): only resource servers' scopes ("<identifier>/<name>").
std::optional<std::string> granted_scopes(const Doc& client, const std::string& requested, bool custom_only = false) {
  const Doc* allowed = client.get("AllowedOAuthScopes");
  auto custom = [](const std::string& s) { return s.find('/') != std::string::npos; };
  std::vector<std::string> want = words(requested);
  if (want.empty() && allowed && allowed->is_list())
    for (const Doc& a : allowed->as_list())
      if (!custom_only || custom(a.as_string())) want.push_back(a.as_string());
  std::string out;
  for (const auto& w : want) {
    if (!list_has(allowed, w) || (custom_only && !custom(w))) return std::nullopt;
    out += (out.empty() ? "" : " ") + w;
  }
  return out;
}

class Hosted {
 public:
  Hosted(ServerContext& server, Service& svc, State& st, const http::Request& req)
      : server_(server), svc_(svc), st_(st), req_(req) {}

  http::Response run(const Route& r) {
    std::string pool_id = r.pool_id;
    if (!r.domain.empty() && !st_.store.engine().get(kDomains.name, Store::pool_key(r.domain), &pool_id).ok())
      return page(404, "Not found", "<p>No user pool has the domain " + html_escape(r.domain) + ".</p>");
    auto pool = st_.store.get(kPools.name, Store::pool_key(pool_id));
    if (!pool) return page(404, "Not found", "<p>User pool " + html_escape(pool_id) + " does not exist.</p>");
    pool_ = *pool;
    base_ = r.domain.empty() ? "/" + pool_id : "";
    params_ = http::parse_query(req_.query);
    if (req_.method == "POST")
      for (auto& kv : http::parse_form(req_.body)) params_.push_back(std::move(kv));
    const model::Operation* op = svc_.model().find_operation("InitiateAuth");
    OpContext::Caller caller;
    caller.account = pool_.str("_account");
    caller.region = pool_.str("_region");
    OpContext ctx{server_, server_.storage(), svc_.model(), *op, caller, ids::uuid4(), now_millis(), {}};
    if (r.endpoint == "authorize") return authorize(ctx, false);
    if (r.endpoint == "login") return authorize(ctx, req_.method == "POST");
    if (r.endpoint == "token") return token(ctx);
    if (r.endpoint == "userInfo") return user_info(ctx);
    if (r.endpoint == "revoke") return revoke(ctx);
    if (r.endpoint == "error")
      return page(400, "Error",
                  "<p>An error was encountered with the requested page.</p><p id=\"error\">" +
                      html_escape(get(params_, "error")) + "</p>");
    return logout();
  }

 private:
  std::optional<Doc> client(const std::string& id) {
    if (id.empty()) return std::nullopt;
    return st_.store.get(kClients.name, Store::child_key(pool_.str("Id"), id));
  }

  // /oauth2/authorize and /login: the checks, then the form, or (POST) the sign-in.
  http::Response authorize(OpContext& ctx, bool post) {
    auto c = client(get(params_, "client_id"));
    if (!c) return page(400, "Error", "<p>An error was encountered with the requested page: invalid client_id.</p>");
    std::string redirect_uri = get(params_, "redirect_uri");
    if (!list_has(c->get("CallbackURLs"), redirect_uri))  // AWS: to its error page, never to the unknown URI
      return redirect(
          with_query(base_ + "/error", {{"error", "redirect_mismatch"}, {"client_id", c->str("ClientId")}}));
    std::string state = get(params_, "state");
    std::string type = get(params_, "response_type");
    auto fail = [&](const char* error) {
      return redirect(with_query(redirect_uri, {{"error", error}, {"state", state}}));
    };
    if (type != "code" && type != "token") return fail(type.empty() ? "invalid_request" : "unsupported_response_type");
    std::string method = get(params_, "code_challenge_method");
    if ((!method.empty() && method != "S256") || (!method.empty() && get(params_, "code_challenge").empty()) ||
        (method.empty() && !get(params_, "code_challenge").empty()))
      return fail("invalid_request");
    if (!c->flag("AllowedOAuthFlowsUserPoolClient") ||
        !list_has(c->get("AllowedOAuthFlows"), type == "code" ? "code" : "implicit"))
      return fail("unauthorized_client");
    auto scope = granted_scopes(*c, get(params_, "scope"));
    if (!scope) return fail("invalid_scope");
    std::string error;
    std::string pending;  // a sealed proof of the temporary password: the new-password form
    if (post) {
      try {
        Doc user = get(params_, "session").empty() ? sign_in(ctx) : new_password(ctx);
        if (user.str("UserStatus") == "FORCE_CHANGE_PASSWORD") return form(pending_session(user, ctx.now_ms), {});
        http::Response res = finish(ctx, *c, user, redirect_uri, state, *scope, ctx.now_ms / 1000);
        set_cookie(res, user, ctx.now_ms);
        return res;
      } catch (const AwsError& e) {
        error = e.message;
        if (!get(params_, "session").empty() && e.code != "NotAuthorizedException")
          pending = get(params_, "session");  // the new password was refused: that form again
      }
    } else if (auto user = cookie_user(ctx)) {  // signed in within the hour: no form
      try {
        return finish(ctx, *c, *user, redirect_uri, state, *scope, user->integer("_auth_time"));
      } catch (const AwsError&) {
        return fail("server_error");
      }
    }
    return form(pending, error);
  }

  // The sign-in form, or with `session` the new-password form of a user whose temporary
  // password was proven (NEW_PASSWORD_REQUIRED in the hosted UI); `error` shown above it.
  http::Response form(const std::string& session, const std::string& error) {
    std::string hidden;
    if (!session.empty()) hidden += "<input type=\"hidden\" name=\"session\" value=\"" + html_escape(session) + "\">";
    for (const char* k : {"client_id", "redirect_uri", "response_type", "state", "scope", "code_challenge",
                          "code_challenge_method", "nonce"})
      if (std::string v = get(params_, k); !v.empty())
        hidden += "<input type=\"hidden\" name=\"" + std::string(k) + "\" value=\"" + html_escape(v) + "\">";
    std::string body = session.empty() ? "<h1>Sign in</h1>" : "<h1>Change your password</h1>";
    if (!error.empty()) body += "<p id=\"error\" role=\"alert\">" + html_escape(error) + "</p>";
    if (!session.empty())
      return page(error.empty() ? 200 : 400, "Change your password",
                  body + "<form method=\"post\" action=\"" + base_ + "/login\">" + hidden +
                      "<label>New password <input id=\"new_password\" name=\"new_password\" type=\"password\" "
                      "autocomplete=\"new-password\" required></label><br>"
                      "<button id=\"change\" type=\"submit\">Change password and sign in</button></form>");
    body += "<form method=\"post\" action=\"" + base_ + "/login\">" + hidden +
            "<label>Username <input id=\"username\" name=\"username\" autocomplete=\"username\" required></label><br>"
            "<label>Password <input id=\"password\" name=\"password\" type=\"password\" "
            "autocomplete=\"current-password\" required></label><br>"
            "<button id=\"signin\" type=\"submit\">Sign in</button></form>";
    return page(error.empty() ? 200 : 400, "Sign in", body);
  }

  // The user of the form's username and password (NotAuthorizedException as the API's).
  Doc sign_in(OpContext& ctx) {
    std::string name = get(params_, "username");
    std::string password = get(params_, "password");
    auto user = find_user(ctx, pool_, name);
    if (!user || password.empty()) throw cerr::not_authorized("Incorrect username or password.");
    check_lockout(ctx, *user);
    if (!password_matches(ctx, pool_, *user, password)) wrong_password(ctx, pool_, *user);
    password_proven(ctx, pool_, *user);
    return std::move(*user);
  }

  // The new-password form's sealed session: the pool, the user and 3 minutes (AuthSessionValidity's default).
  std::string pending_session(const Doc& user, int64_t now_ms) {
    Doc s = Doc::map();
    s.set("p", pool_.str("Id"));
    s.set("u", user.str("Key"));
    s.set("t", now_ms + 3 * 60 * 1000);
    return crypto::base64url(st_.store.seal(json::write(s), "cognito-newpw"));
  }

  // The new-password form posted: the session checked, the password policy applied, the user
  // CONFIRMED with the new password (as RespondToAuthChallenge NEW_PASSWORD_REQUIRED).
  Doc new_password(OpContext& ctx) {
    auto sealed = crypto::base64url_decode(get(params_, "session"));
    auto plain = sealed ? st_.store.unseal(*sealed, "cognito-newpw") : std::nullopt;
    if (!plain) throw cerr::not_authorized("Invalid session for the user, session is expired.");
    Doc s = json::parse(*plain);
    if (s.str("p") != pool_.str("Id") || s.integer("t") < ctx.now_ms)
      throw cerr::not_authorized("Invalid session for the user, session is expired.");
    auto user = st_.store.get(kUsers.name, Store::child_key(pool_.str("Id"), s.str("u")));
    if (!user || user->str("UserStatus") != "FORCE_CHANGE_PASSWORD")
      throw cerr::not_authorized("Invalid session for the user, session is expired.");
    std::string pw = get(params_, "new_password");
    if (pw.empty()) throw cerr::invalid_parameter("Missing required parameter NEW_PASSWORD");
    check_password_policy(pool_, pw);
    set_password(ctx, pool_, *user, pw);
    user->set("UserStatus", "CONFIRMED");
    save_user(ctx, pool_, *user);
    return std::move(*user);
  }

  // The signed-in user's answer: the code (response_type=code) in the query, or the tokens
  // (implicit grant: no refresh token) in the fragment.
  http::Response finish(OpContext& ctx, const Doc& c, Doc& user, const std::string& redirect_uri,
                        const std::string& state, const std::string& scope, int64_t auth_time) {
    if (get(params_, "response_type") == "token") {
      Doc t = issue_tokens(ctx, pool_, c, user, true, {}, auth_time, "TokenGeneration_HostedAuth", scope);
      return redirect(with_query(redirect_uri,
                                 {{"id_token", has_openid(scope) ? t.str("IdToken") : std::string()},
                                  {"access_token", t.str("AccessToken")},
                                  {"token_type", "Bearer"},
                                  {"expires_in", std::to_string(t.integer("ExpiresIn"))},
                                  {"state", state}},
                                 true));
    }
    Doc code = Doc::map();
    code.set("p", pool_.str("Id"));
    code.set("u", user.str("Key"));
    code.set("c", c.str("ClientId"));
    code.set("r", redirect_uri);
    code.set("s", scope);
    code.set("cc", get(params_, "code_challenge"));
    code.set("m", get(params_, "code_challenge_method"));
    code.set("n", get(params_, "nonce"));
    code.set("a", auth_time);
    code.set("t", ctx.now_ms + kCodeValidityMs);
    code.set("j", ids::uuid4());
    std::string sealed = crypto::base64url(st_.store.seal(json::write(code), "cognito-code"));
    return redirect(with_query(redirect_uri, {{"code", sealed}, {"state", state}}));
  }

  static bool has_scope(const std::string& scope, std::string_view want) {
    for (const auto& w : words(scope))
      if (w == want) return true;
    return false;
  }
  static bool has_openid(const std::string& scope) { return has_scope(scope, "openid"); }

  std::string cookie_path() const { return base_.empty() ? "/" : base_ + "/"; }

  // The sign-in cookie: the pool, the user and the sign-in time, sealed, for an hour.
  void set_cookie(http::Response& res, const Doc& user, int64_t now_ms) {
    Doc c = Doc::map();
    c.set("p", pool_.str("Id"));
    c.set("u", user.str("Key"));
    c.set("a", now_ms / 1000);
    c.set("t", now_ms + kSessionCookieMs);
    res.headers.set("Set-Cookie", std::string(kCookie) + "=" +
                                      crypto::base64url(st_.store.seal(json::write(c), "cognito-cookie")) +
                                      "; Path=" + cookie_path() + "; Max-Age=3600; HttpOnly; SameSite=Lax");
  }

  static void clear_cookie(http::Response& res, const std::string& path) {
    res.headers.set("Set-Cookie", std::string(kCookie) + "=; Path=" + path + "; Max-Age=0; HttpOnly; SameSite=Lax");
  }

  // The user of a valid sign-in cookie (enabled, confirmed), with "_auth_time"; nullopt otherwise.
  std::optional<Doc> cookie_user(OpContext& ctx) {
    const std::string* header = req_.headers.find("cookie");
    if (!header) return std::nullopt;
    std::string value;
    for (std::string_view rest = *header; !rest.empty();) {
      auto semi = rest.find(';');
      std::string_view item = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      if (item.size() > kCookie.size() && item.substr(0, kCookie.size()) == kCookie && item[kCookie.size()] == '=')
        value = std::string(item.substr(kCookie.size() + 1));
    }
    auto sealed = crypto::base64url_decode(value);
    auto plain = sealed ? st_.store.unseal(*sealed, "cognito-cookie") : std::nullopt;
    if (!plain) return std::nullopt;
    Doc c = json::parse(*plain);
    if (c.str("p") != pool_.str("Id") || c.integer("t") < ctx.now_ms) return std::nullopt;
    auto user = st_.store.get(kUsers.name, Store::child_key(pool_.str("Id"), c.str("u")));
    if (!user || !user->flag("Enabled", true) || user->str("UserStatus") != "CONFIRMED") return std::nullopt;
    user->set("_auth_time", c.integer("a"));
    return user;
  }

  // Codes are single use: the ids of redeemed ones, until they expire.
  static bool redeem(const std::string& id, int64_t expires, int64_t now) {
    static std::mutex mu;
    static std::unordered_map<std::string, int64_t> used;
    std::lock_guard lk(mu);
    if (used.size() > 10'000)
      for (auto it = used.begin(); it != used.end();) it = it->second < now ? used.erase(it) : std::next(it);
    return used.emplace(id, expires).second;
  }

  // The client the token request authenticates as (Basic or form), or nullopt.
  std::optional<Doc> token_client() {
    std::string id = get(params_, "client_id"), secret = get(params_, "client_secret");
    if (const std::string* auth = req_.headers.find("authorization"); auth && auth->rfind("Basic ", 0) == 0) {
      auto raw = enc::base64_decode(std::string_view(*auth).substr(6));
      if (!raw) return std::nullopt;
      auto colon = raw->find(':');
      if (colon == std::string::npos) return std::nullopt;
      id = enc::uri_decode(raw->substr(0, colon));
      secret = enc::uri_decode(raw->substr(colon + 1));
    }
    auto c = client(id);
    if (!c) return std::nullopt;
    std::string want = c->str("ClientSecret");
    if (!want.empty() && !crypto::equal_ct(want, secret)) return std::nullopt;
    return c;
  }

  http::Response token(OpContext& ctx) {
    std::string grant = get(params_, "grant_type");
    auto c = token_client();
    if (!c) return oauth_error(400, "invalid_client");
    if (grant == "authorization_code") return code_grant(ctx, *c);
    if (grant == "refresh_token") {
      if (!list_has(c->get("ExplicitAuthFlows"), "ALLOW_REFRESH_TOKEN_AUTH") && c->has("ExplicitAuthFlows") &&
          c->get("ExplicitAuthFlows")->size() > 0)
        return oauth_error(400, "unauthorized_client");
      try {
        Doc r = refresh_rotating(ctx, pool_, *c, get(params_, "refresh_token"));
        return tokens_out(r, true);
      } catch (const AwsError&) {
        return oauth_error(400, "invalid_grant");
      }
    }
    if (grant == "client_credentials") return client_grant(ctx, *c);
    return oauth_error(400, "unsupported_grant_type");
  }

  http::Response code_grant(OpContext& ctx, const Doc& c) {
    auto sealed = crypto::base64url_decode(get(params_, "code"));
    auto plain = sealed ? st_.store.unseal(*sealed, "cognito-code") : std::nullopt;
    if (!plain) return oauth_error(400, "invalid_grant");
    Doc code = json::parse(*plain);
    if (code.str("p") != pool_.str("Id") || code.str("c") != c.str("ClientId") || code.integer("t") < ctx.now_ms ||
        code.str("r") != get(params_, "redirect_uri"))
      return oauth_error(400, "invalid_grant");
    if (std::string cc = code.str("cc"); !cc.empty()) {
      std::string verifier = get(params_, "code_verifier");
      std::string derived = verifier;
      if (code.str("m") == "S256") {
        unsigned char md[SHA256_DIGEST_LENGTH];
        SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), md);
        derived = crypto::base64url(std::string_view(reinterpret_cast<const char*>(md), sizeof md));
      }
      if (verifier.empty() || !crypto::equal_ct(derived, cc)) return oauth_error(400, "invalid_grant");
    }
    if (!redeem(code.str("j"), code.integer("t"), ctx.now_ms)) return oauth_error(400, "invalid_grant");
    auto user = st_.store.get(kUsers.name, Store::child_key(pool_.str("Id"), code.str("u")));
    if (!user || !user->flag("Enabled", true) || !reads_scope_attributes(c, code.str("s")))
      return oauth_error(400, "invalid_grant");
    try {
      Doc r =
          issue_tokens(ctx, pool_, c, *user, true, {}, code.integer("a"), "TokenGeneration_HostedAuth", code.str("s"));
      return tokens_out(r, has_openid(code.str("s")));
    } catch (const AwsError&) {
      return oauth_error(400, "invalid_grant");
    }
  }

  // AWS: invalid_grant when the client cannot read every attribute of a requested scope (email:
  // email and email_verified; phone: phone_number and phone_number_verified).
  static bool reads_scope_attributes(const Doc& c, const std::string& scope) {
    const Doc* readable = c.get("ReadAttributes");
    if (!readable || !readable->is_list() || readable->as_list().empty()) return true;
    if (has_scope(scope, "email") && (!list_has(readable, "email") || !list_has(readable, "email_verified")))
      return false;
    return !has_scope(scope, "phone") ||
           (list_has(readable, "phone_number") && list_has(readable, "phone_number_verified"));
  }

  static http::Response tokens_out(const Doc& r, bool with_id) {
    Doc d = Doc::map();
    if (with_id) d.set("id_token", r.str("IdToken"));
    d.set("access_token", r.str("AccessToken"));
    if (r.has("RefreshToken")) d.set("refresh_token", r.str("RefreshToken"));
    d.set("expires_in", r.integer("ExpiresIn"));
    d.set("token_type", "Bearer");
    return json_response(200, d);
  }

  http::Response client_grant(OpContext& ctx, const Doc& c) {
    if (c.str("ClientSecret").empty() || !list_has(c.get("AllowedOAuthFlows"), "client_credentials"))
      return oauth_error(400, "unauthorized_client");
    auto scope = granted_scopes(c, get(params_, "scope"), true);
    if (!scope || scope->empty()) return oauth_error(400, "invalid_scope");
    int64_t now = ctx.now_ms / 1000;
    int64_t validity = 3600;
    if (c.has("AccessTokenValidity")) {
      const Doc* u = c.get("TokenValidityUnits");
      validity = unit_seconds(c.integer("AccessTokenValidity"), u ? u->str("AccessToken", "hours") : "hours");
    }
    Doc a = Doc::map();
    a.set("sub", c.str("ClientId"));
    a.set("token_use", "access");
    a.set("scope", *scope);
    a.set("auth_time", now);
    a.set("iss", issuer(st_, pool_.str("_region"), pool_.str("Id")));
    a.set("exp", now + validity);
    a.set("iat", now);
    a.set("version", 2);
    a.set("jti", ids::uuid4());
    a.set("client_id", c.str("ClientId"));
    Doc d = Doc::map();
    d.set("access_token", sign_with_key(st_, pool_.str("Id"), json::write(a)));
    d.set("expires_in", validity);
    d.set("token_type", "Bearer");
    return json_response(200, d);
  }

  // /oauth2/userInfo: an access token with the openid scope; the claims its scopes allow (email:
  // email, email_verified; phone: phone_number, phone_number_verified; profile and
  // aws.cognito.signin.user.admin: every attribute), among those the client may read, plus sub and
  // username. AWS's errors: 400 invalid_request without a token, 401 invalid_token otherwise.
  http::Response user_info(OpContext& ctx) {
    const std::string* auth = req_.headers.find("authorization");
    std::string token = auth && auth->rfind("Bearer ", 0) == 0 ? auth->substr(7) : std::string();
    if (token.empty()) return user_info_error(400, "invalid_request", "");
    AccessClaims claims;
    try {
      claims = check_access_token(ctx, token);
    } catch (const AwsError&) {
      return user_info_error(401, "invalid_token",
                             "Access token is expired, disabled, or deleted, or the user has globally signed out.");
    }
    if (!has_scope(claims.scope, "openid"))
      return user_info_error(401, "invalid_token", "Access token does not contain openid scope");
    bool all = has_scope(claims.scope, "profile") || has_scope(claims.scope, "aws.cognito.signin.user.admin");
    bool email = has_scope(claims.scope, "email"), phone = has_scope(claims.scope, "phone");
    auto c = client(claims.client_id);
    const Doc* readable = c ? c->get("ReadAttributes") : nullptr;
    bool any_readable = !readable || !readable->is_list() || readable->as_list().empty();
    Doc d = Doc::map();
    if (const Doc* a = claims.user.get("Attrs"); a && a->is_map())
      for (const auto& [k, v] : a->as_map()) {
        bool allowed = k == "sub" || all || (email && (k == "email" || k == "email_verified")) ||
                       (phone && (k == "phone_number" || k == "phone_number_verified"));
        if (allowed && (k == "sub" || any_readable || list_has(readable, k))) d.set(k, v);
      }
    d.set("username", claims.user.str("Username"));
    return json_response(200, d);
  }

  static http::Response user_info_error(int status, const std::string& error, const std::string& description) {
    Doc d = Doc::map();
    d.set("error", error);
    std::string header = "error=\"" + error + "\"";
    if (!description.empty()) {
      d.set("error_description", description);
      header += ", error_description=\"" + description + "\"";
    }
    http::Response res = json_response(status, d);
    res.headers.set("WWW-Authenticate", header);
    return res;
  }

  // /logout: forgets the sign-in cookie, then to logout_uri (one of LogoutURLs), or with
  // redirect_uri and response_type to the sign-in page again.
  http::Response logout() {
    auto c = client(get(params_, "client_id"));
    if (!c) return page(400, "Error", "<p>An error was encountered with the requested page: invalid client_id.</p>");
    std::string uri = get(params_, "logout_uri");
    http::Response res;
    if (uri.empty() && !get(params_, "redirect_uri").empty()) {
      if (!list_has(c->get("CallbackURLs"), get(params_, "redirect_uri")))
        return redirect(
            with_query(base_ + "/error", {{"error", "redirect_mismatch"}, {"client_id", c->str("ClientId")}}));
      Params login;
      for (const char* k : {"client_id", "redirect_uri", "response_type", "state", "scope"})
        login.emplace_back(k, get(params_, k));
      res = redirect(with_query(base_ + "/login", login));
    } else if (!list_has(c->get("LogoutURLs"), uri)) {
      return page(400, "Error", "<p>An error was encountered with the requested page: invalid logout_uri.</p>");
    } else {
      res = redirect(uri);
    }
    clear_cookie(res, cookie_path());
    return res;
  }

  // /oauth2/revoke: the refresh token (and the tokens issued from it) revoked; 200 and an empty
  // body also for an unknown or already revoked token, as AWS.
  http::Response revoke(OpContext& ctx) {
    std::string token = get(params_, "token");
    if (token.empty()) return oauth_error(400, "invalid_request");
    auto c = token_client();
    if (!c) return oauth_error(401, "invalid_client");
    if (!c->flag("EnableTokenRevocation", true)) return oauth_error(400, "invalid_request");
    switch (revoke_refresh_token(ctx, *c, token)) {
      case Revoked::kNotRefreshToken:
        return oauth_error(400, "unsupported_token_type");
      case Revoked::kOtherClient:
        return oauth_error(400, "invalid_request");
      default:
        break;
    }
    http::Response res;
    res.status = 200;
    return res;
  }

  ServerContext& server_;
  Service& svc_;
  State& st_;
  const http::Request& req_;
  Doc pool_;
  std::string base_;
  Params params_;
};

}  // namespace

bool hosted_claims(const http::Request& req) {
  Route r;
  return route(req, &r);
}

void hosted_serve(ServerContext& server, Service& svc, State& st, http::Request req, http::Responder respond) {
  auto r = std::make_shared<http::Request>(std::move(req));
  auto run = [&server, &svc, &st, r, respond] {
    Route rt;
    http::Response res;
    try {
      if (!route(*r, &rt)) {
        res = page(404, "Not found", "<p>Not found.</p>");
      } else {
        res = Hosted(server, svc, st, *r).run(rt);
      }
    } catch (const std::exception&) {
      res = page(500, "Error", "<p>Internal error.</p>");
    }
    res.headers.set("Cache-Control", "no-store");
    respond(std::move(res));
  };
  if (st.workers)
    st.workers->post(std::move(run));
  else
    run();
}

}  // namespace stratus::cognitoidp
