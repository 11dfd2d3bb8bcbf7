#include "services/lambda/params_secrets.h"

#include <charconv>

#include "core/clock.h"
#include "core/doc.h"
#include "core/encoding.h"
#include "core/json.h"
#include "runtime/manager.h"
#include "server/context.h"

namespace stratus::lambda {

bool is_parameters_secrets_layer(std::string_view name) {
  return name == "AWS-Parameters-and-Secrets-Lambda-Extension" ||
         name == "AWS-Parameters-and-Secrets-Lambda-Extension-Arm64";
}

namespace {

std::string error_body(std::string_view code, std::string_view message) {
  return "{\"__type\":\"" + json::escape(code) + "\",\"message\":\"" + json::escape(message) + "\"}";
}

ExtensionCall refuse(int status, std::string_view code, std::string_view message) {
  ExtensionCall c;
  c.status = status;
  c.body = error_body(code, message);
  return c;
}

// A whole number in [lo, hi], or dflt.
int64_t bounded(const std::map<std::string, std::string>& env, const char* name, int64_t lo, int64_t hi, int64_t dflt) {
  auto it = env.find(name);
  if (it == env.end()) return dflt;
  int64_t v = 0;
  const std::string& s = it->second;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < lo || v > hi) return dflt;
  return v;
}

// Whether s is well-formed UTF-8 (control characters and other non-XML characters are fine).
bool well_formed_utf8(std::string_view s) {
  while (auto bad = enc::first_non_xml_char(s)) {
    if (bad->malformed) return false;
    uint32_t cp = bad->value;
    s.remove_prefix(bad->offset + (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4));
  }
  return true;
}

}  // namespace

ExtensionCall plan_extension_call(std::string_view method, std::string_view path, std::string_view query) {
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  bool ssm = path == "/systemsmanager/parameters/get";
  bool sm = path == "/secretsmanager/get";
  if (!ssm && !sm) return refuse(404, "NotFound", "Unknown path: " + std::string(path));
  if (method != "GET") return refuse(405, "MethodNotAllowed", "Only GET requests are supported.");
  std::map<std::string, std::string> q;
  for (auto& [k, v] : http::parse_query(query)) {
    // The values become JSON strings of a GetParameter / GetSecretValue call: UTF-8 only.
    for (const std::string* text : {&k, &v})
      if (!well_formed_utf8(*text)) return refuse(400, "ValidationException", "The query string is not valid UTF-8.");
    q.emplace(k, v);
  }
  auto get = [&](const char* k) {
    auto it = q.find(k);
    return it == q.end() ? std::string() : it->second;
  };
  ExtensionCall c;
  Doc in = Doc::map();
  if (ssm) {
    std::string name = get("name"), version = get("version"), label = get("label"), dec = get("withDecryption");
    if (name.empty()) return refuse(400, "ValidationException", "The query parameter name is required.");
    if (!version.empty() && !label.empty())
      return refuse(400, "ValidationException", "Specify either version or label, not both.");
    if (!dec.empty() && dec != "true" && dec != "false")
      return refuse(400, "ValidationException", "withDecryption must be true or false.");
    if (!version.empty())
      name += ":" + version;
    else if (!label.empty())
      name += ":" + label;
    in.set("Name", name);
    if (dec == "true") in.set("WithDecryption", true);
    c.service = "ssm";
    c.target = "AmazonSSM.GetParameter";
    c.cache_key = "ssm\n" + name + "\n" + (dec == "true" ? "1" : "0");
  } else {
    std::string id = get("secretId"), vid = get("versionId"), stage = get("versionStage");
    if (id.empty()) return refuse(400, "ValidationException", "The query parameter secretId is required.");
    in.set("SecretId", id);
    if (!vid.empty()) in.set("VersionId", vid);
    if (!stage.empty()) in.set("VersionStage", stage);
    c.service = "secretsmanager";
    c.target = "secretsmanager.GetSecretValue";
    c.cache_key = "sm\n" + id + "\n" + vid + "\n" + stage;
  }
  c.input = json::write(in);
  return c;
}

ExtensionCacheConfig extension_cache_config(const std::map<std::string, std::string>& env) {
  ExtensionCacheConfig c;
  if (auto it = env.find("PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED"); it != env.end()) {
    std::string v = it->second;
    for (auto& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (v == "false") c.enabled = false;
  }
  c.ssm_ttl_s = static_cast<int>(bounded(env, "SSM_PARAMETER_STORE_TTL", 0, 300, 300));
  c.secrets_ttl_s = static_cast<int>(bounded(env, "SECRETS_MANAGER_TTL", 0, 300, 300));
  c.size = static_cast<size_t>(bounded(env, "PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE", 0, 1000, 1000));
  if (c.size == 0) c.enabled = false;
  return c;
}

void ParamsSecrets::serve(std::shared_ptr<const runtime::FunctionSpec> spec, http::Request req,
                          http::Responder respond) {
  auto answer = [&respond](int status, std::string body, std::string type = "application/json") {
    http::Response r;
    r.status = status;
    r.headers.set("content-type", type);
    r.body = std::move(body);
    respond(std::move(r));
  };
  const std::string* given = req.headers.find("x-aws-parameters-secrets-token");
  auto tok = spec ? spec->credentials.find("AWS_SESSION_TOKEN") : std::map<std::string, std::string>::const_iterator();
  if (!spec || !given || tok == spec->credentials.end() || *given != tok->second)
    return answer(
        401, error_body("UnauthorizedException", given ? "The X-Aws-Parameters-Secrets-Token header is not valid."
                                                       : "The X-Aws-Parameters-Secrets-Token header is required."));
  ExtensionCall call = plan_extension_call(req.method, req.path, req.query);
  if (call.status) return answer(call.status, std::move(call.body));

  ExtensionCacheConfig cfg = extension_cache_config(spec->environment);
  int ttl = call.service == "ssm" ? cfg.ssm_ttl_s : cfg.secrets_ttl_s;
  bool caching = cfg.enabled && ttl > 0;
  int64_t now = now_millis();
  if (caching) {
    std::lock_guard lock(mu_);
    auto p = cache_.find(spec->pool_key);
    if (p != cache_.end()) {
      auto e = p->second.find(call.cache_key);
      if (e != p->second.end() && e->second.expires_ms > now)
        return answer(200, e->second.body, e->second.content_type);
    }
  }

  auto key = server_.keys().find(
      spec->credentials.count("AWS_ACCESS_KEY_ID") ? spec->credentials.at("AWS_ACCESS_KEY_ID") : std::string());
  if (!key) return answer(401, error_body("UnauthorizedException", "The function's credentials have expired."));
  OpContext::Caller principal;
  principal.account = key->account;
  principal.region = spec->region;
  principal.access_key = key->access_key;
  principal.arn = key->principal_arn;
  principal.user_id = key->user_id;

  http::Request out;
  out.method = "POST";
  out.path = "/";
  out.target = "/";
  out.headers.set("host", call.service + "." + spec->region + ".amazonaws.com");
  out.headers.set("content-type", "application/x-amz-json-1.1");
  out.headers.set("x-amz-target", call.target);
  out.body = std::move(call.input);
  out.received_at_ms = now;
  out.remote_addr = "127.0.0.1";
  std::string pool = spec->pool_key;
  size_t limit = cfg.size;
  server_.call_http(call.service, std::move(out), std::move(principal),
                    [this, respond = std::move(respond), caching, ttl, now, limit, pool,
                     ck = std::move(call.cache_key)](http::Response r) mutable {
                      std::string type = r.headers.get("content-type", "application/json");
                      if (caching && r.status == 200) {
                        std::lock_guard lock(mu_);
                        if (cache_.size() > 256 && !cache_.count(pool)) cache_.erase(cache_.begin());
                        auto& entries = cache_[pool];
                        entries[ck] = Entry{now + int64_t(ttl) * 1000, r.body, type};
                        while (entries.size() > limit) {
                          auto oldest = entries.begin();
                          for (auto it = entries.begin(); it != entries.end(); ++it)
                            if (it->second.expires_ms < oldest->second.expires_ms) oldest = it;
                          entries.erase(oldest);
                        }
                      }
                      http::Response a;
                      a.status = r.status;
                      a.headers.set("content-type", type);
                      a.body = std::move(r.body);
                      respond(std::move(a));
                    });
}

}  // namespace stratus::lambda
