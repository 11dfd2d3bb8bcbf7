#include "services/apigateway/invoke.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "auth/sigv4.h"
#include "core/arn.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "model/model.h"
#include "protocol/error_wire.h"
#include "server/context.h"
#include "services/apigateway/vtl/aws.h"
#include "services/apigateway/vtl/regex.h"
#include "services/apigateway/vtl/vtl.h"
#include "services/lambda/invoke.h"

namespace stratus::apigateway {

using TemplatePtr = std::shared_ptr<const vtl::Template>;

// A method as deployed: its stored document plus parsed templates and compiled patterns.
struct DMethod {
  Doc doc;
  std::map<std::string, TemplatePtr> request_templates;  // nullptr: empty template
  struct Response {
    Doc doc;
    std::shared_ptr<vtl::Regex> pattern;  // nullptr: the default response
    std::map<std::string, TemplatePtr> templates;
  };
  std::vector<Response> responses;
  std::string broken;  // a template or pattern that failed to parse (500 on use)
};

struct DResource {
  std::string id, path, part, param;
  enum Kind { literal, param_part, greedy } kind = literal;
  std::vector<DResource*> children;
  std::map<std::string, DMethod> methods;
};

struct Deployed {
  uint64_t generation = 0;
  std::string account, region, api_id, stage;
  Doc stage_doc;
  Doc api_doc;  // api, authorizers, models, validators, gatewayResponses as deployed
  std::vector<std::unique_ptr<DResource>> all;
  DResource* root = nullptr;
};

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Header names as clients usually send them ("content-type" → "Content-Type"); the HTTP layer
// keeps names lower-case only.
std::string title_case(std::string_view name) {
  std::string o(name);
  bool up = true;
  for (auto& c : o) {
    c = static_cast<char>(up ? std::toupper(static_cast<unsigned char>(c)) : c);
    up = c == '-';
  }
  return o;
}

std::vector<std::string> split_path(std::string_view p) {
  std::vector<std::string> segs;
  while (!p.empty()) {
    if (p[0] == '/') {
      p.remove_prefix(1);
      continue;
    }
    auto slash = p.find('/');
    segs.push_back(enc::uri_decode(p.substr(0, slash)));
    if (slash == std::string_view::npos) break;
    p.remove_prefix(slash);
  }
  return segs;
}

struct Target {
  std::string api_id, stage, path;  // path: raw, starts with '/'
};

std::optional<Target> parse_target(const http::Request& req) {
  std::string_view path = req.path;
  if (starts_with(path, "/restapis/")) {
    std::string_view rest = path.substr(10);
    auto s1 = rest.find('/');
    if (s1 == std::string_view::npos) return std::nullopt;
    auto s2 = rest.find('/', s1 + 1);
    if (s2 == std::string_view::npos) return std::nullopt;
    std::string_view tail = rest.substr(s2);
    if (!starts_with(tail, "/_user_request_")) return std::nullopt;
    tail.remove_prefix(15);
    if (!tail.empty() && tail[0] != '/') return std::nullopt;
    return Target{std::string(rest.substr(0, s1)), std::string(rest.substr(s1 + 1, s2 - s1 - 1)),
                  tail.empty() ? "/" : std::string(tail)};
  }
  std::string host = lower(req.host());
  auto pos = host.find(".execute-api.");
  if (pos == std::string::npos || pos == 0) return std::nullopt;
  std::string_view p = path.substr(path.empty() ? 0 : 1);
  auto slash = p.find('/');
  std::string stage(p.substr(0, slash));
  return Target{host.substr(0, pos), stage, slash == std::string_view::npos ? "/" : std::string(p.substr(slash))};
}

const DResource* match(const DResource* r, const std::vector<std::string>& segs, size_t i,
                       std::vector<std::pair<std::string, std::string>>& params) {
  if (i == segs.size()) return r;
  for (const DResource* c : r->children)
    if (c->kind == DResource::literal && c->part == segs[i])
      if (const DResource* m = match(c, segs, i + 1, params)) return m;
  for (const DResource* c : r->children) {
    if (c->kind != DResource::param_part) continue;
    params.emplace_back(c->param, segs[i]);
    if (const DResource* m = match(c, segs, i + 1, params)) return m;
    params.pop_back();
  }
  for (const DResource* c : r->children) {
    if (c->kind != DResource::greedy) continue;
    std::string rest;
    for (size_t k = i; k < segs.size(); ++k) rest += (k > i ? "/" : "") + segs[k];
    params.emplace_back(c->param, rest);
    return c;
  }
  return nullptr;
}

std::map<std::string, TemplatePtr> parse_templates(const Doc* templates, std::string& broken) {
  std::map<std::string, TemplatePtr> out;
  if (!templates || !templates->is_map()) return out;
  for (const auto& [ct, t] : templates->as_map()) {
    std::string src = t.is_string() ? t.as_string() : "";
    try {
      out[lower(ct)] = src.empty() ? nullptr : vtl::parse(src);
    } catch (const vtl::ParseError& e) {
      broken = e.what();
    }
  }
  return out;
}

http::Response gateway_error(int status, std::string_view message, std::string_view type) {
  http::Response res;
  res.status = status;
  res.headers.set("Content-Type", "application/json");
  res.headers.set("x-amzn-ErrorType", type);
  res.body = std::string("{\"message\":\"") + json::escape(message) + "\"}";
  return res;
}

http::Response internal_error() { return gateway_error(500, "Internal server error", "InternalServerErrorException"); }

// Everything one invocation carries across asynchronous steps.
struct Call : std::enable_shared_from_this<Call> {
  Invoker* invoker = nullptr;
  http::Request req;
  http::Responder respond;
  std::shared_ptr<const Deployed> dep;
  const DResource* resource = nullptr;
  const DMethod* method = nullptr;
  std::string path;  // the path after the stage
  std::string request_id;
  int64_t now = 0;
  std::vector<std::pair<std::string, std::string>> path_params, query, headers;  // headers title-cased
  vtl::Value context, stage_vars;
  std::shared_ptr<Gate> gate;  // invoke-time checks, gateway responses, access log (guard.h)

  const Doc& integration() const { return *method->doc.get("methodIntegration"); }

  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (lower(k) == lower(std::string(name))) return v;
    return {};
  }

  vtl::Context vars(const std::string& body) const {
    vtl::Context c;
    vtl::InputData in;
    in.body = body;
    in.path = path_params;
    in.querystring = query;
    in.header = headers;
    c.vars["input"] = vtl::make_input(std::move(in));
    c.vars["util"] = vtl::make_util();
    c.vars["context"] = context;
    c.vars["stageVariables"] = stage_vars;
    return c;
  }

  // A request/response parameter source: 'literal', method.request.*, stageVariables.*, context.*,
  // integration.response.* (when resp_headers/resp_body are given).
  std::optional<std::string> source(const std::string& expr, const std::vector<std::pair<std::string, std::string>>* resp_headers = nullptr,
                                    const std::string* resp_body = nullptr) const {
    if (expr.size() >= 2 && expr.front() == '\'' && expr.back() == '\'') return expr.substr(1, expr.size() - 2);
    auto lookup = [](const std::vector<std::pair<std::string, std::string>>& l, const std::string& n,
                     bool ci) -> std::optional<std::string> {
      for (auto it = l.rbegin(); it != l.rend(); ++it)
        if (ci ? lower(it->first) == lower(n) : it->first == n) return it->second;
      return std::nullopt;
    };
    if (starts_with(expr, "method.request.path.")) return lookup(path_params, expr.substr(20), false);
    if (starts_with(expr, "method.request.querystring.")) return lookup(query, expr.substr(27), false);
    if (starts_with(expr, "method.request.multivaluequerystring.")) return lookup(query, expr.substr(37), false);
    if (starts_with(expr, "method.request.header.")) return lookup(headers, expr.substr(22), true);
    if (starts_with(expr, "method.request.multivalueheader.")) return lookup(headers, expr.substr(32), true);
    if (expr == "method.request.body") return req.body;
    if (starts_with(expr, "method.request.body.")) return json_at(req.body, expr.substr(20));
    if (starts_with(expr, "stageVariables.")) {
      const vtl::Value* v = stage_vars.map().find(expr.substr(15));
      return v ? std::optional<std::string>(v->to_string()) : std::nullopt;
    }
    if (starts_with(expr, "context.")) {
      vtl::Value cur = context;
      std::string_view rest = std::string_view(expr).substr(8);
      while (!rest.empty()) {
        auto dot = rest.find('.');
        if (!cur.is_map()) return std::nullopt;
        const vtl::Value* v = cur.map().find(rest.substr(0, dot));
        if (!v) return std::nullopt;
        cur = *v;
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
      }
      return cur.to_string();
    }
    if (resp_headers && starts_with(expr, "integration.response.header."))
      return lookup(*resp_headers, expr.substr(28), true);
    if (resp_headers && starts_with(expr, "integration.response.multivalueheader."))
      return lookup(*resp_headers, expr.substr(38), true);
    if (resp_body && expr == "integration.response.body") return *resp_body;
    if (resp_body && starts_with(expr, "integration.response.body.")) return json_at(*resp_body, expr.substr(26));
    return std::nullopt;
  }

  static std::optional<std::string> json_at(const std::string& body, const std::string& path) {
    try {
      auto v = vtl::json_path(vtl::parse_json(body), "$." + path);
      if (!v) return std::nullopt;
      return v->is_string() ? v->as_string() : vtl::write_json(*v);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  void answer(http::Response res) {
    if (gate && invoker->guard()) invoker->guard()->finish(*gate, res);
    res.headers.set("x-amz-apigw-id", enc::base64_encode(ids::random_base64(9)).substr(0, 16));
    respond(std::move(res));
  }
};

// --- integration responses ------------------------------------------------------------------

// Maps an integration's answer to the method response (non-proxy integrations).
void finish_mapped(const std::shared_ptr<Call>& call, int status, std::vector<std::pair<std::string, std::string>> resp_headers,
                   std::string body, const std::string& selector) {
  const DMethod& m = *call->method;
  const DMethod::Response* chosen = nullptr;
  const DMethod::Response* fallback = nullptr;
  try {
    vtl::Regex::Budget budget;
    for (const auto& r : m.responses) {
      if (!r.pattern) {
        if (!fallback) fallback = &r;
      } else if (r.pattern->full_match(selector, budget)) {
        chosen = &r;
        break;
      }
    }
  } catch (const vtl::RenderError&) {
  }
  if (!chosen) chosen = fallback;
  if (!chosen) {
    spdlog::warn("apigateway {}: no integration response matches '{}' (status {})", call->request_id, selector, status);
    return call->answer(internal_error());
  }
  http::Response res;
  res.status = std::atoi(chosen->doc.str("statusCode", "200").c_str());
  std::string content_type;
  TemplatePtr tpl;
  bool have_template = false;
  if (!chosen->templates.empty()) {
    std::string accept = lower(call->header("Accept"));
    auto pick = chosen->templates.end();
    for (auto it = chosen->templates.begin(); it != chosen->templates.end(); ++it)
      if (!accept.empty() && accept.find(it->first) != std::string::npos) pick = it;
    if (pick == chosen->templates.end()) pick = chosen->templates.find("application/json");
    if (pick == chosen->templates.end()) pick = chosen->templates.begin();
    content_type = pick->first;
    tpl = pick->second;
    have_template = true;
  }
  if (have_template && tpl) {
    try {
      vtl::Context vars = call->vars(body);
      res.body = vtl::render(*tpl, vars);
    } catch (const std::exception& e) {
      spdlog::warn("apigateway {}: response template failed: {}", call->request_id, e.what());
      return call->answer(internal_error());
    }
  } else {
    res.body = std::move(body);
    if (content_type.empty()) {
      for (const auto& [k, v] : resp_headers)
        if (lower(k) == "content-type") content_type = v;
    }
  }
  res.headers.set("Content-Type", content_type.empty() ? "application/json" : content_type);
  if (const Doc* params = chosen->doc.get("responseParameters"); params && params->is_map()) {
    std::string raw_body = res.body;
    for (const auto& [k, v] : params->as_map()) {
      if (!starts_with(k, "method.response.header.") || !v.is_string()) continue;
      if (auto val = call->source(v.as_string(), &resp_headers, &raw_body)) res.headers.set(k.substr(23), *val);
    }
  }
  // $context.responseOverride set by the template wins.
  if (const vtl::Value* ro = call->context.map().find("responseOverride"); ro && ro->is_map()) {
    if (const vtl::Value* s = ro->map().find("status"); s && s->is_number()) res.status = static_cast<int>(s->as_int());
    if (const vtl::Value* h = ro->map().find("header"); h && h->is_map())
      for (const auto& [k, v] : h->map().items()) res.headers.set(k, v.to_string());
  }
  call->answer(std::move(res));
}

// --- request side ---------------------------------------------------------------------------

enum class Mapping { ok, unsupported };

// Renders the request template chosen by Content-Type, or passes the body through, per
// passthroughBehavior.
Mapping map_request(const std::shared_ptr<Call>& call, std::string& out) {
  const DMethod& m = *call->method;
  std::string ct = lower(call->header("Content-Type"));
  if (auto semi = ct.find(';'); semi != std::string::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  if (ct.empty()) ct = "application/json";
  std::string behaviour = call->integration().str("passthroughBehavior", "WHEN_NO_MATCH");
  auto it = m.request_templates.find(ct);
  if (it == m.request_templates.end()) {
    if (behaviour == "NEVER" || (behaviour == "WHEN_NO_TEMPLATES" && !m.request_templates.empty()))
      return Mapping::unsupported;
    out = call->req.body;
    return Mapping::ok;
  }
  if (!it->second) {
    out.clear();
    return Mapping::ok;
  }
  vtl::Context vars = call->vars(call->req.body);
  out = vtl::render(*it->second, vars);
  return Mapping::ok;
}

void sign(http::Request& req, const auth::Credential& c, const std::string& region, const std::string& service,
          int64_t now) {
  std::string amz_date = enc::iso8601_basic(now);
  req.headers.set("x-amz-date", amz_date);
  auth::SignedRequestInfo info;
  info.access_key = c.access_key;
  info.date = amz_date.substr(0, 8);
  info.region = region;
  info.service = service;
  info.amz_date = amz_date;
  info.signed_headers = {"host", "x-amz-date"};
  if (!c.session_token.empty()) {
    req.headers.set("x-amz-security-token", c.session_token);
    info.signed_headers.push_back("x-amz-security-token");
  }
  std::string cr = auth::canonical_request(req, info, false);
  std::string sts = auth::string_to_sign(info, cr);
  // The signing key only changes with the day (and the credential): each thread keeps its last one.
  struct KeyCache {
    std::string secret, date, region, service, key;
  };
  thread_local KeyCache kc;
  if (kc.key.empty() || kc.date != info.date || kc.secret != c.secret_key || kc.region != region ||
      kc.service != service)
    kc = KeyCache{c.secret_key, info.date, region, service, auth::signing_key(c.secret_key, info.date, region, service)};
  std::string sig = auth::signature(kc.key, sts);
  std::string list;
  for (const auto& h : info.signed_headers) list += (list.empty() ? "" : ";") + h;
  req.headers.set("authorization", "AWS4-HMAC-SHA256 Credential=" + c.access_key + "/" + info.date + "/" + region +
                                       "/" + service + "/aws4_request, SignedHeaders=" + list + ", Signature=" + sig);
}

struct AwsUri {
  std::string region, service, kind, rest;  // kind: "action" | "path"
};

std::optional<AwsUri> parse_aws_uri(const std::string& uri) {
  auto arn = Arn::parse(uri);
  if (!arn || arn->service != "apigateway") return std::nullopt;
  AwsUri u;
  u.region = arn->region;
  u.service = arn->account;  // arn:aws:apigateway:REGION:SERVICE:action/X — the 5th field names the service
  auto slash = arn->resource.find('/');
  if (slash == std::string::npos) return std::nullopt;
  u.kind = arn->resource.substr(0, slash);
  u.rest = arn->resource.substr(slash + 1);
  if (u.kind != "action" && u.kind != "path") return std::nullopt;
  if (auto dot = u.service.rfind('.'); dot != std::string::npos) u.service = u.service.substr(dot + 1);  // "x.sqs"
  return u;
}

// Sends an internal request through the front door and calls done with the answer.
void dispatch(const std::shared_ptr<Call>& call, http::Request req, const AwsUri& uri,
              std::function<void(http::Response)> done) {
  Invoker& inv = *call->invoker;
  if (!inv.front_door()) return call->answer(internal_error());
  std::string region = uri.region.empty() ? call->dep->region : uri.region;
  auth::Credential cred = inv.credential_for(call->dep->account, call->integration().str("credentials"));
  req.headers.set("host", uri.service + "." + region + ".amazonaws.com");
  req.target = req.path + (req.query.empty() ? "" : "?" + req.query);
  req.received_at_ms = call->now;
  req.remote_addr = "127.0.0.1";
  sign(req, cred, region, uri.service, call->now);
  inv.front_door()->handle(std::move(req), std::move(done));
}

void apply_integration_params(const std::shared_ptr<Call>& call, http::Request& req, std::string& path) {
  const Doc* params = call->integration().get("requestParameters");
  if (!params || !params->is_map()) return;
  std::string extra_query;
  for (const auto& [k, v] : params->as_map()) {
    if (!v.is_string()) continue;
    auto val = call->source(v.as_string());
    if (!val) continue;
    if (starts_with(k, "integration.request.header.")) {
      req.headers.set(k.substr(27), *val);
    } else if (starts_with(k, "integration.request.querystring.")) {
      extra_query += (extra_query.empty() ? "" : "&") + enc::uri_encode(k.substr(32)) + "=" + enc::uri_encode(*val);
    } else if (starts_with(k, "integration.request.path.")) {
      std::string label = "{" + k.substr(25) + "}";
      for (size_t p; (p = path.find(label)) != std::string::npos;) path.replace(p, label.size(), enc::uri_encode(*val));
    }
  }
  if (!extra_query.empty()) req.query += (req.query.empty() ? "" : "&") + extra_query;
}

void run_aws(const std::shared_ptr<Call>& call, std::string body) {
  const Doc& integ = call->integration();
  auto uri = parse_aws_uri(integ.str("uri"));
  if (!uri) return call->answer(internal_error());
  const model::ServiceModel* target = nullptr;
  for (const auto& id : model::Models::ids()) {
    const model::ServiceModel* m = model::Models::get(id);
    if (m && (m->endpoint_prefix == uri->service || m->signing_name == uri->service)) {
      target = m;
      break;
    }
  }
  http::Request req;
  req.method = integ.str("httpMethod", "POST");
  std::string path;
  // API Gateway speaks the Query protocol to services that have one (SQS, SNS): form bodies.
  bool query = !target || protocol::query_compatible(*target);
  if (target)
    for (const auto& p : target->protocols) query = query || p == "query";
  if (uri->kind == "action") {
    path = "/";
    if (!query && !target->target_prefix.empty()) {
      req.headers.set("x-amz-target", target->target_prefix + "." + uri->rest);
      req.headers.set("content-type", "application/x-amz-json-" + (target->json_version.empty() ? std::string("1.0") : target->json_version));
    } else {
      req.query = "Action=" + enc::uri_encode(uri->rest);
      std::string ct = call->header("Content-Type");
      req.headers.set("content-type", ct.empty() ? "application/json" : ct);
    }
  } else {
    path = "/" + uri->rest;
    std::string ct = call->header("Content-Type");
    req.headers.set("content-type", ct.empty() ? "application/json" : ct);
  }
  apply_integration_params(call, req, path);
  req.path = path;
  req.body = std::move(body);
  bool lambda = uri->service == "lambda";
  dispatch(call, std::move(req), *uri, [call, lambda](http::Response res) {
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& [k, v] : res.headers.items()) headers.emplace_back(title_case(k), v);
    std::string selector = std::to_string(res.status);
    if (lambda && res.status == 200) {
      // Lambda custom integrations select on errorMessage; a success selects the default.
      selector.clear();
      if (res.headers.has("x-amz-function-error")) {
        try {
          vtl::Value err = vtl::parse_json(res.body);
          if (err.is_map())
            if (const vtl::Value* m = err.map().find("errorMessage")) selector = m->to_string();
        } catch (const std::exception&) {
        }
      }
    }
    finish_mapped(call, res.status, std::move(headers), std::move(res.body), selector);
  });
}

vtl::Value string_map(const std::vector<std::pair<std::string, std::string>>& pairs, bool multi) {
  if (pairs.empty()) return vtl::Value();
  vtl::Value m = vtl::Value::new_map();
  for (const auto& [k, v] : pairs) {
    if (multi) {
      vtl::Value* l = m.map().find(k);
      if (!l) {
        m.map().put(k, vtl::Value::new_list());
        l = m.map().find(k);
      }
      l->list().push_back(vtl::Value(v));
    } else {
      m.map().put(k, vtl::Value(v));
    }
  }
  return m;
}

// The version 1.0 proxy event (https://docs.aws.amazon.com/apigateway/latest/developerguide/
// set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format).
std::string proxy_event(const Call& call) {
  vtl::Value e = vtl::Value::new_map();
  auto& m = e.map();
  m.put("resource", vtl::Value(call.resource->path));
  m.put("path", vtl::Value(call.path));
  m.put("httpMethod", vtl::Value(call.req.method));
  m.put("headers", string_map(call.headers, false));
  m.put("multiValueHeaders", string_map(call.headers, true));
  m.put("queryStringParameters", string_map(call.query, false));
  m.put("multiValueQueryStringParameters", string_map(call.query, true));
  m.put("pathParameters", string_map(call.path_params, false));
  m.put("stageVariables", call.stage_vars.map().size() ? call.stage_vars : vtl::Value());
  vtl::Value rc = vtl::Value::new_map();
  for (const char* k : {"resourceId", "resourcePath", "httpMethod", "extendedRequestId", "requestTime", "path",
                        "accountId", "protocol", "stage", "domainPrefix", "requestTimeEpoch", "requestId",
                        "identity", "domainName", "apiId", "authorizer"}) {
    if (const vtl::Value* v = call.context.map().find(k)) rc.map().put(k, *v);
  }
  m.put("requestContext", rc);
  m.put("body", call.req.body.empty() ? vtl::Value() : vtl::Value(call.req.body));
  m.put("isBase64Encoded", vtl::Value(false));
  return vtl::write_json(e);
}

// Maps a proxy function's answer; anything malformed is AWS's 502.
http::Response proxy_response(const std::string& payload) {
  http::Response bad = gateway_error(502, "Internal server error", "InternalServerErrorException");
  vtl::Value v;
  try {
    v = vtl::parse_json(payload);
  } catch (const std::exception&) {
    return bad;
  }
  if (!v.is_map()) return bad;
  http::Response res;
  const vtl::Value* status = v.map().find("statusCode");
  if (!status) return bad;
  if (status->is_int()) {
    res.status = static_cast<int>(status->as_int());
  } else if (status->is_string() && !status->as_string().empty() &&
             std::all_of(status->as_string().begin(), status->as_string().end(), ::isdigit)) {
    res.status = std::atoi(status->as_string().c_str());
  } else {
    return bad;
  }
  if (res.status < 100 || res.status > 599) return bad;
  if (const vtl::Value* h = v.map().find("headers"); h && !h->is_null()) {
    if (!h->is_map()) return bad;
    for (const auto& [k, val] : h->map().items()) res.headers.set(k, val.to_string());
  }
  if (const vtl::Value* h = v.map().find("multiValueHeaders"); h && !h->is_null()) {
    if (!h->is_map()) return bad;
    for (const auto& [k, val] : h->map().items()) {
      if (!val.is_list()) return bad;
      res.headers.remove(k);
      for (const auto& x : val.list()) res.headers.add(k, x.to_string());
    }
  }
  if (const vtl::Value* b = v.map().find("body"); b && !b->is_null()) {
    if (!b->is_string()) return bad;
    res.body = b->as_string();
    if (const vtl::Value* b64 = v.map().find("isBase64Encoded"); b64 && b64->is_bool() && b64->as_bool()) {
      auto d = enc::base64_decode(res.body);
      if (!d) return bad;
      res.body = std::move(*d);
    }
  }
  for (const auto& [k, _] : v.map().items())
    if (k != "statusCode" && k != "headers" && k != "multiValueHeaders" && k != "body" && k != "isBase64Encoded")
      return bad;
  if (!res.headers.has("content-type")) res.headers.set("Content-Type", "application/json");
  return res;
}

// AWS_PROXY to Lambda through Lambda's internal invoke API (services/lambda/invoke.h): the code
// path of the Invoke operation itself, without an HTTP hop.
void run_lambda_proxy(const std::shared_ptr<Call>& call) {
  auto uri = parse_aws_uri(call->integration().str("uri"));
  // path/2015-03-31/functions/{function ARN}/invocations
  static constexpr std::string_view kPrefix = "2015-03-31/functions/";
  if (!uri || uri->service != "lambda" || !starts_with(uri->rest, kPrefix)) return call->answer(internal_error());
  std::string fn = uri->rest.substr(kPrefix.size());
  if (auto slash = fn.find('/'); slash != std::string::npos) fn = fn.substr(0, slash);
  lambda::InvokeCall inv;
  inv.account = call->dep->account;
  inv.region = uri->region.empty() ? call->dep->region : uri->region;
  if (auto arn = Arn::parse(fn)) {
    inv.account = arn->account.empty() ? inv.account : arn->account;
    inv.region = arn->region.empty() ? inv.region : arn->region;
  }
  inv.function = enc::uri_decode(fn);
  inv.payload = proxy_event(*call);
  lambda::invoke(call->invoker->server(), std::move(inv), [call](lambda::InvokeOutcome out) {
    if (out.error) {
      spdlog::warn("apigateway {}: lambda invoke failed: {} {}", call->request_id, out.error->code, out.error->message);
      return call->answer(internal_error());
    }
    if (!out.function_error.empty())
      return call->answer(gateway_error(502, "Internal server error", "InternalServerErrorException"));
    call->answer(proxy_response(out.payload));
  });
}

void run_integration(const std::shared_ptr<Call>& call) {
  const Doc& integ = call->integration();
  std::string type = integ.str("type");
  if (!call->method->broken.empty()) {
    spdlog::warn("apigateway {}: {}", call->request_id, call->method->broken);
    return call->answer(internal_error());
  }
  if (type == "AWS_PROXY") return run_lambda_proxy(call);
  std::string body;
  try {
    if (map_request(call, body) == Mapping::unsupported)
      return call->answer(gateway_error(415, "Unsupported Media Type", "UnsupportedMediaTypeException"));
  } catch (const std::exception& e) {
    spdlog::warn("apigateway {}: request template failed: {}", call->request_id, e.what());
    return call->answer(internal_error());
  }
  if (type == "MOCK") {
    // The request template's {"statusCode": N} picks the integration response.
    int status = 200;
    try {
      vtl::Value v = vtl::parse_json(body);
      if (v.is_map())
        if (const vtl::Value* s = v.map().find("statusCode"); s && s->is_number()) status = static_cast<int>(s->as_int());
    } catch (const std::exception&) {
    }
    return finish_mapped(call, status, {}, "", std::to_string(status));
  }
  if (type == "AWS") return run_aws(call, std::move(body));
  spdlog::warn("apigateway {}: integration type {} is not implemented yet", call->request_id, type);
  call->answer(internal_error());
}

// Runs the guard's checks (guard.h) and then the integration; false when there is no guard.
bool invoker_guard_check(const std::shared_ptr<Call>& call) {
  Guard* guard = call->invoker->guard();
  if (!guard) return false;
  guard->check(call->gate, [call](std::optional<GateError> e) {
    if (e) return call->answer(Guard::error(*e));
    try {
      run_integration(call);
    } catch (const std::exception& ex) {
      spdlog::error("apigateway {}: {}", call->request_id, ex.what());
      call->answer(internal_error());
    }
  });
  return true;
}

}  // namespace

bool Invoker::claims(const http::Request& req) const {
  if (starts_with(req.path, "/restapis/")) return req.path.find("/_user_request_") != std::string::npos;
  const std::string* host = req.headers.find("host");
  return host && host->find(".execute-api.") != std::string::npos;
}

void Invoker::reset() {
  {
    std::unique_lock lock(cache_mu_);
    cache_.clear();
  }
  std::lock_guard lock(cred_mu_);
  creds_.clear();
}

auth::Credential Invoker::credential_for(const std::string& account, const std::string& role_arn) {
  std::string key = account + "|" + role_arn;
  std::lock_guard lock(cred_mu_);
  if (auto it = creds_.find(key); it != creds_.end()) return it->second;
  auth::Credential c;
  c.access_key = "ASIA" + ids::random_upper_alnum(16);
  c.secret_key = ids::random_base64(30);
  c.session_token = "IQoJb3JpZ2luX2VjE" + ids::random_base64(120);
  c.account = account;
  c.principal_arn = "arn:aws:iam::" + account + ":root";
  c.user_id = account;
  if (auto arn = Arn::parse(role_arn); arn && arn->resource.rfind("role/", 0) == 0) {
    if (!arn->account.empty()) c.account = arn->account;
    std::string name = arn->resource.substr(arn->resource.rfind('/') + 1);
    c.principal_arn = "arn:aws:sts::" + c.account + ":assumed-role/" + name + "/BackplaneAssumeRoleSession";
    c.user_id = "AROA" + ids::random_upper_alnum(17) + ":BackplaneAssumeRoleSession";
  }
  ctx_.keys().put(c);
  creds_[key] = c;
  return c;
}

// Cached by API id and stage (ids are unique across accounts and regions): a warm call reads no
// storage at all, not even the id → account/region index.
std::shared_ptr<const Deployed> Invoker::deployed(const std::string& api_id, const std::string& stage) {
  std::string key = api_id + "/" + stage;
  uint64_t gen = store_.generation();
  {
    std::shared_lock lock(cache_mu_);
    if (auto it = cache_.find(key); it != cache_.end() && it->second->generation == gen) return it->second;
  }
  auto loc = store_.locate(ctx_.storage(), api_id);
  if (!loc) return nullptr;
  const std::string& account = loc->first;
  const std::string& region = loc->second;
  auto doc = store_.load(ctx_.storage(), account, region, api_id);
  if (!doc) return nullptr;
  const Doc* st = (*doc)["stages"].get(stage);
  if (!st) return nullptr;
  const Doc* dep = (*doc)["deployments"].get(st->str("deploymentId"));
  if (!dep || !dep->get("snapshot")) return nullptr;
  auto d = std::make_shared<Deployed>();
  d->generation = gen;
  d->account = account;
  d->region = region;
  d->api_id = api_id;
  d->stage = stage;
  d->stage_doc = *st;
  // Deployments made since snapshot these sections; older ones see the current ones.
  const Doc* sections = dep->get("apiSnapshot");
  d->api_doc = sections && sections->is_map() ? *sections : Doc::map();
  d->api_doc.set("api", (*doc)["api"]);
  if (!sections)
    for (const char* k : {"authorizers", "models", "validators", "gatewayResponses"})
      if (const Doc* v = doc->get(k)) d->api_doc.set(k, *v);
  std::map<std::string, DResource*> by_id;
  for (const auto& [rid, r] : dep->get("snapshot")->as_map()) {
    auto dr = std::make_unique<DResource>();
    dr->id = rid;
    dr->path = r.str("path");
    dr->part = r.str("pathPart");
    if (dr->part.size() > 2 && dr->part.front() == '{') {
      bool greedy = dr->part[dr->part.size() - 2] == '+';
      dr->kind = greedy ? DResource::greedy : DResource::param_part;
      dr->param = dr->part.substr(1, dr->part.size() - (greedy ? 3 : 2));
    }
    if (const Doc* rm = r.get("resourceMethods"); rm && rm->is_map()) {
      for (const auto& [verb, m] : rm->as_map()) {
        DMethod dm;
        dm.doc = m;
        if (const Doc* integ = m.get("methodIntegration")) {
          dm.request_templates = parse_templates(integ->get("requestTemplates"), dm.broken);
          if (const Doc* irs = integ->get("integrationResponses"); irs && irs->is_map()) {
            for (const auto& [code, ir] : irs->as_map()) {
              DMethod::Response resp;
              resp.doc = ir;
              std::string pattern = ir.str("selectionPattern");
              if (!pattern.empty()) {
                try {
                  resp.pattern = std::make_shared<vtl::Regex>(pattern);
                } catch (const vtl::RenderError& e) {
                  dm.broken = e.what();
                }
              }
              resp.templates = parse_templates(ir.get("responseTemplates"), dm.broken);
              dm.responses.push_back(std::move(resp));
            }
          }
        }
        dr->methods.emplace(verb, std::move(dm));
      }
    }
    by_id[rid] = dr.get();
    if (!r.has("parentId")) d->root = dr.get();
    d->all.push_back(std::move(dr));
  }
  for (const auto& [rid, r] : dep->get("snapshot")->as_map())
    if (auto p = by_id.find(r.str("parentId")); p != by_id.end()) p->second->children.push_back(by_id[rid]);
  if (!d->root) return nullptr;
  std::unique_lock lock(cache_mu_);
  cache_[key] = d;
  return d;
}

void Invoker::serve(http::Request req, http::Responder respond) {
  auto call = std::make_shared<Call>();
  call->invoker = this;
  call->respond = std::move(respond);
  call->request_id = req.headers.get("x-stratus-request-id", ids::uuid4());
  call->now = now_millis();
  auto target = parse_target(req);
  call->req = std::move(req);
  try {
    if (!target) return call->answer(gateway_error(403, "Forbidden", "ForbiddenException"));
    std::shared_ptr<const Deployed> dep = deployed(target->api_id, target->stage);
    if (!dep) return call->answer(gateway_error(403, "Forbidden", "ForbiddenException"));
    call->dep = dep;
    call->path = target->path;
    call->gate = std::make_shared<Gate>();
    Gate& gate = *call->gate;
    gate.req = &call->req;
    gate.account = dep->account;
    gate.region = dep->region;
    gate.api_id = dep->api_id;
    gate.stage = dep->stage;
    gate.request_id = call->request_id;
    gate.api = &dep->api_doc;
    gate.stage_doc = &dep->stage_doc;
    gate.path = call->path;
    gate.now = call->now;
    std::vector<std::string> segs = split_path(target->path);
    const DResource* r = match(dep->root, segs, 0, call->path_params);
    const DMethod* m = nullptr;
    if (r) {
      auto it = r->methods.find(call->req.method);
      if (it == r->methods.end()) it = r->methods.find("ANY");
      if (it != r->methods.end()) m = &it->second;
    }
    if (!m || !m->doc.has("methodIntegration"))
      return call->answer(gateway_error(403, "Missing Authentication Token", "MissingAuthenticationTokenException"));
    call->resource = r;
    call->method = m;
    for (const auto& [k, v] : http::parse_query(call->req.query)) call->query.emplace_back(k, v);
    for (const auto& [k, v] : call->req.headers.items())
      if (k != "x-stratus-request-id") call->headers.emplace_back(title_case(k), v);

    call->stage_vars = vtl::Value::new_map();
    if (const Doc* vars = dep->stage_doc.get("variables"); vars && vars->is_map())
      for (const auto& [k, v] : vars->as_map()) call->stage_vars.map().put(k, vtl::Value(v.is_string() ? v.as_string() : json::write(v)));
    vtl::Value c = vtl::Value::new_map();
    auto& cm = c.map();
    std::string host = call->header("Host");
    cm.put("accountId", vtl::Value(dep->account));
    cm.put("apiId", vtl::Value(dep->api_id));
    cm.put("domainName", vtl::Value(host));
    cm.put("domainPrefix", vtl::Value(host.substr(0, host.find('.'))));
    cm.put("extendedRequestId", vtl::Value(enc::base64_encode(ids::random_base64(9)).substr(0, 16)));
    cm.put("httpMethod", vtl::Value(call->req.method));
    vtl::Value ident = vtl::Value::new_map();
    for (const char* k : {"cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "principalOrgId",
                          "accessKey", "cognitoAuthenticationType", "cognitoAuthenticationProvider", "userArn", "user"})
      ident.map().put(k, vtl::Value());
    ident.map().put("sourceIp", vtl::Value(call->req.remote_addr.empty() ? "127.0.0.1" : call->req.remote_addr));
    ident.map().put("userAgent", vtl::Value(call->header("User-Agent")));
    cm.put("identity", ident);
    cm.put("path", vtl::Value("/" + dep->stage + (call->path == "/" ? "/" : call->path)));
    cm.put("protocol", vtl::Value("HTTP/1.1"));
    cm.put("requestId", vtl::Value(call->request_id));
    cm.put("requestTime", vtl::Value(enc::clf_date(call->now)));
    cm.put("requestTimeEpoch", vtl::Value(call->now));
    cm.put("resourceId", vtl::Value(r->id));
    cm.put("resourcePath", vtl::Value(r->path));
    cm.put("stage", vtl::Value(dep->stage));
    cm.put("authorizer", vtl::Value::new_map());
    vtl::Value ro = vtl::Value::new_map();
    ro.map().put("header", vtl::Value::new_map());
    cm.put("responseOverride", ro);
    vtl::Value rq = vtl::Value::new_map();
    rq.map().put("header", vtl::Value::new_map());
    rq.map().put("querystring", vtl::Value::new_map());
    rq.map().put("path", vtl::Value::new_map());
    cm.put("requestOverride", rq);
    call->context = c;
    gate.method = &m->doc;
    gate.resource_path = r->path;
    gate.headers = &call->headers;
    gate.query = &call->query;
    gate.path_params = &call->path_params;
    gate.context = call->context;
    gate.stage_vars = call->stage_vars;
    gate.source = [raw = call.get()](const std::string& expr) { return raw->source(expr); };
    if (!invoker_guard_check(call)) run_integration(call);
  } catch (const std::exception& e) {
    spdlog::error("apigateway {}: {}", call->request_id, e.what());
    call->answer(internal_error());
  }
}

}  // namespace stratus::apigateway
