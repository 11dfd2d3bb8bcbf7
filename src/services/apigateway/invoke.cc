#include "services/apigateway/invoke.h"

#include "services/apigateway/apigateway.h"
#include "services/apigateway/call.h"
#include "services/apigateway/deployed.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/arn.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/regex.h"
#include "http/client.h"
#include "model/model.h"
#include "protocol/error_wire.h"
#include "server/context.h"
#include "services/apigateway/vtl/aws.h"
#include "services/apigateway/vtl/vtl.h"
#include "services/cloudwatch/api.h"
#include "services/lambda/invoke.h"

namespace stratus::apigateway {

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

http::Response gateway_error(int status, std::string_view message, std::string_view type) {
  http::Response res;
  res.status = status;
  res.headers.set("Content-Type", "application/json");
  res.headers.set("x-amzn-ErrorType", type);
  res.body = std::string("{\"message\":\"") + json::escape(message) + "\"}";
  return res;
}

http::Response internal_error() { return gateway_error(500, "Internal server error", "InternalServerErrorException"); }

// --- integration responses ------------------------------------------------------------------

// Maps an integration's answer to the method response (non-proxy integrations).
void finish_mapped(const std::shared_ptr<Call>& call, int status, std::vector<std::pair<std::string, std::string>> resp_headers,
                   std::string body, const std::string& selector) {
  const DMethod& m = *call->method;
  const DMethod::Response* chosen = nullptr;
  const DMethod::Response* fallback = nullptr;
  try {
    Regex::Budget budget;
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
  std::string backend_type;
  for (const auto& [k, v] : resp_headers)
    if (lower(k) == "content-type") backend_type = v;
  bool payload_binary = is_binary_type(call->dep->binary_types, first_media_type(backend_type));
  std::string handling = chosen->doc.str("contentHandling");
  if (handling == "CONVERT_TO_TEXT" && payload_binary) {
    body = enc::base64_encode(body);
    payload_binary = false;
  } else if (handling == "CONVERT_TO_BINARY" && !payload_binary) {
    auto decoded = enc::base64_decode(body);
    if (!decoded) {
      spdlog::warn("apigateway {}: CONVERT_TO_BINARY on a body that isn't base64", call->request_id);
      return call->answer(internal_error());
    }
    body = std::move(*decoded);
    payload_binary = true;
  } else if (handling.empty() && payload_binary && !call->accept_binary()) {
    body = enc::base64_encode(body);  // a binary answer to a client that didn't ask for one
    payload_binary = false;
  }
  if (payload_binary) have_template = false;  // binary payloads pass through untouched
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

enum class Mapping { ok, unsupported, bad_base64 };

Mapping render_request(const std::shared_ptr<Call>& call, const std::string& ct, const std::string& behaviour,
                       const std::string& input, std::string& out);

// Renders the request template chosen by Content-Type, or passes the body through, per
// passthroughBehavior.
Mapping map_request(const std::shared_ptr<Call>& call, std::string& out) {
  std::string ct = lower(call->header("Content-Type"));
  if (auto semi = ct.find(';'); semi != std::string::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  if (ct.empty()) ct = "application/json";
  std::string behaviour = call->integration().str("passthroughBehavior", "WHEN_NO_MATCH");
  std::string handling = call->integration().str("contentHandling");
  if (call->request_binary()) {
    // Binary payloads are passed through (or base64-encoded for CONVERT_TO_TEXT, which then
    // goes through the templates like any text).
    if (handling != "CONVERT_TO_TEXT") {
      out = call->req.body;
      return Mapping::ok;
    }
  }
  std::string input = call->request_binary() ? enc::base64_encode(call->req.body) : call->req.body;
  Mapping r = render_request(call, ct, behaviour, input, out);
  if (r == Mapping::ok && handling == "CONVERT_TO_BINARY" && !call->request_binary()) {
    auto decoded = enc::base64_decode(out);
    if (!decoded) return Mapping::bad_base64;
    out = std::move(*decoded);
  }
  return r;
}

Mapping render_request(const std::shared_ptr<Call>& call, const std::string& ct, const std::string& behaviour,
                       const std::string& input, std::string& out) {
  const DMethod& m = *call->method;
  auto it = m.request_templates.find(ct);
  if (it == m.request_templates.end()) {
    if (behaviour == "NEVER" || (behaviour == "WHEN_NO_TEMPLATES" && !m.request_templates.empty()))
      return Mapping::unsupported;
    out = input;
    return Mapping::ok;
  }
  if (!it->second) {
    out.clear();
    return Mapping::ok;
  }
  vtl::Context vars = call->vars(input);
  out = vtl::render(*it->second, vars);
  return Mapping::ok;
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

// Sends an internal request to the service the URI names, as the integration's principal (the
// FrontDoor's path for a request from a principal: ServerContext::call_http), and calls done with
// the answer.
void dispatch(const std::shared_ptr<Call>& call, http::Request req, const AwsUri& uri,
              std::function<void(http::Response)> done) {
  Invoker& inv = *call->invoker;
  if (!inv.front_door()) return call->answer(internal_error());  // a context without a FrontDoor
  std::string region = uri.region.empty() ? call->dep->region : uri.region;
  auth::Credential cred = inv.credential_for(call->dep->account, call->integration().str("credentials"));
  OpContext::Caller principal;
  principal.account = cred.account;
  principal.region = region;
  principal.access_key = cred.access_key;
  principal.arn = cred.principal_arn;
  principal.user_id = cred.user_id;
  req.headers.set("host", uri.service + "." + region + ".amazonaws.com");
  req.target = req.path + (req.query.empty() ? "" : "?" + req.query);
  req.received_at_ms = call->now;
  req.remote_addr = "127.0.0.1";
  inv.server().call_http(uri.service, std::move(req), std::move(principal), std::move(done));
}

void apply_integration_params(const std::shared_ptr<Call>& call, http::Request& req, std::string& path) {
  const Doc* params = call->integration().get("requestParameters");
  if (!params || !params->is_map()) return;
  std::string extra_query;
  for (const auto& [k, v] : params->as_map()) {
    if (!v.is_string()) continue;
    auto val = call->source(v.as_string());
    if (!val) continue;
    // multi-value sources and targets carry every value of the name
    std::vector<std::string> all{*val};
    const std::string& src = v.as_string();
    if (starts_with(src, "method.request.multivaluequerystring.")) all = call->values(call->query, src.substr(37), false);
    else if (starts_with(src, "method.request.multivalueheader.")) all = call->values(call->headers, src.substr(32), true);
    if (starts_with(k, "integration.request.header.")) {
      req.headers.set(k.substr(27), *val);
    } else if (starts_with(k, "integration.request.multivalueheader.")) {
      req.headers.remove(lower(k.substr(37)));
      for (const auto& x : all) req.headers.add(k.substr(37), x);
    } else if (starts_with(k, "integration.request.querystring.") || starts_with(k, "integration.request.multivaluequerystring.")) {
      bool multi = starts_with(k, "integration.request.multivaluequerystring.");
      std::string name = enc::uri_encode(k.substr(multi ? 42 : 32));
      if (!multi && !starts_with(src, "method.request.multivaluequerystring.")) all = {*val};
      for (const auto& x : all) extra_query += (extra_query.empty() ? "" : "&") + name + "=" + enc::uri_encode(x);
    } else if (starts_with(k, "integration.request.path.")) {
      std::string label = "{" + k.substr(25) + "}";
      for (size_t p; (p = path.find(label)) != std::string::npos;) path.replace(p, label.size(), enc::uri_encode(*val, true));
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

// --- HTTP and HTTP_PROXY --------------------------------------------------------------------

// "${stageVariables.name}" in an integration URI.
std::string with_stage_vars(const Call& call, std::string s) {
  static constexpr std::string_view kOpen = "${stageVariables.";
  for (size_t p = 0; (p = s.find(kOpen, p)) != std::string::npos;) {
    auto end = s.find('}', p);
    if (end == std::string::npos) break;
    const vtl::Value* v = call.stage_vars.map().find(s.substr(p + kOpen.size(), end - p - kOpen.size()));
    std::string val = v ? v->to_string() : "";
    s.replace(p, end - p + 1, val);
    p += val.size();
  }
  return s;
}

bool hop_by_hop(const std::string& name) {
  return name == "connection" || name == "keep-alive" || name == "transfer-encoding" || name == "content-length" ||
         name == "te" || name == "upgrade" || name == "proxy-connection" || name == "trailer";
}

// HTTP (mapped: requestParameters, templates, integration responses) and HTTP_PROXY (method,
// path, query, headers and body passed through; the backend's answer returned as it is). The
// request goes out on the shared non-blocking client (http/client.h); its answer comes back on
// the client's thread.
void run_http(const std::shared_ptr<Call>& call, std::string body, bool proxy) {
  const Doc& integ = call->integration();
  std::string url = with_stage_vars(*call, integ.str("uri"));
  auto scheme_end = url.find("://");
  auto authority_end = scheme_end == std::string::npos ? std::string::npos : url.find_first_of("/?#", scheme_end + 3);
  std::string base = url.substr(0, authority_end);
  std::string rest = authority_end == std::string::npos ? "/" : url.substr(authority_end);
  if (auto hash = rest.find('#'); hash != std::string::npos) rest.resize(hash);
  auto qpos = rest.find('?');
  std::string path = rest.substr(0, qpos);
  std::string query = qpos == std::string::npos ? "" : rest.substr(qpos + 1);
  if (path.empty()) path = "/";
  http::Request mapped;
  apply_integration_params(call, mapped, path);
  // Labels left in the path take the method's path parameter of the same name ({proxy} from
  // {proxy+}, whose value keeps its slashes).
  for (const auto& [name, value] : call->path_params) {
    std::string label = "{" + name + "}";
    for (size_t p; (p = path.find(label)) != std::string::npos;) path.replace(p, label.size(), enc::uri_encode(value, true));
  }
  if (proxy && !call->req.query.empty()) query += (query.empty() ? "" : "&") + call->req.query;
  if (!mapped.query.empty()) query += (query.empty() ? "" : "&") + mapped.query;

  http::ClientRequest out;
  out.method = integ.str("httpMethod", "GET");
  if (out.method == "ANY") out.method = call->req.method;
  out.url = base + path + (query.empty() ? "" : "?" + query);
  out.timeout_ms = static_cast<int>(std::clamp<int64_t>(integ.integer("timeoutInMillis", 29000), 50, 29000));
  if (const Doc* tls = integ.get("tlsConfig"); tls && tls->is_map()) out.verify_tls = !tls->flag("insecureSkipVerification");
  if (proxy) {
    for (const auto& [k, v] : call->req.headers.items())
      if (k != "host" && k != "x-stratus-request-id" && !hop_by_hop(k)) out.headers.add(k, v);
  } else {
    std::string ct = call->header("Content-Type");
    out.headers.set("Content-Type", ct.empty() ? "application/json" : ct);
    out.headers.set("Accept", "application/json");
  }
  for (const auto& [k, v] : mapped.headers.items()) out.headers.set(k, v);
  out.headers.set("x-amzn-apigateway-api-id", call->dep->api_id);
  {
    char epoch[16];
    std::snprintf(epoch, sizeof epoch, "%08llx", static_cast<unsigned long long>(call->now / 1000));
    std::string hex = ids::uuid4();
    hex.erase(std::remove(hex.begin(), hex.end(), '-'), hex.end());
    out.headers.set("x-amzn-trace-id", "Root=1-" + std::string(epoch) + "-" + hex.substr(0, 24));
  }
  out.body = std::move(body);
  std::string target = out.method + " " + out.url;
  call->trace += "Endpoint request URI: " + out.url + "\n";
  call->trace += "Endpoint request body after transformations: " + out.body + "\n";
  http::fetch(std::move(out), [call, proxy, target](http::ClientResponse r) {
    call->trace += r.ok() ? "Received response. Status: " + std::to_string(r.status) + "\n"
                          : "Execution failed: " + r.error + "\n";
    if (!r.ok()) {
      spdlog::warn("apigateway {}: {} failed: {}", call->request_id, target, r.error);
      if (r.failure == http::ClientResponse::Failure::timeout)
        return call->answer(gateway_error(504, "Endpoint request timed out", "InternalServerErrorException"));
      if (r.failure == http::ClientResponse::Failure::io)
        return call->answer(gateway_error(502, "Internal server error", "InternalServerErrorException"));
      return call->answer(internal_error());
    }
    if (proxy) {
      http::Response res;
      res.status = r.status;
      // API Gateway keeps some header names for itself and passes the backend's values under
      // x-amzn-Remapped-<name>.
      for (const auto& [k, v] : r.headers.items()) {
        std::string name = lower(k);
        if (name == "date" || name == "server" || name == "authorization" || name == "www-authenticate" ||
            name == "connection")
          res.headers.add("x-amzn-remapped-" + name, v);
        else if (!hop_by_hop(name))
          res.headers.add(name, v);
      }
      res.body = std::move(r.body);
      return call->answer(std::move(res));
    }
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& [k, v] : r.headers.items()) headers.emplace_back(title_case(lower(k)), v);
    std::string selector = std::to_string(r.status);
    finish_mapped(call, r.status, std::move(headers), std::move(r.body), selector);
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
  bool binary = call.request_binary() && !call.req.body.empty();
  m.put("body", call.req.body.empty() ? vtl::Value() : vtl::Value(binary ? enc::base64_encode(call.req.body) : call.req.body));
  m.put("isBase64Encoded", vtl::Value(binary));
  return vtl::write_json(e);
}

// Maps a proxy function's answer; anything malformed is AWS's 502.
http::Response proxy_response(const std::string& payload, bool decode_binary) {
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
    // A base64 body becomes bytes when the client accepts a binary media type of the API;
    // otherwise the client gets the base64 text.
    if (const vtl::Value* b64 = v.map().find("isBase64Encoded"); b64 && b64->is_bool() && b64->as_bool() && decode_binary) {
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
    call->answer(proxy_response(out.payload, call->accept_binary() || is_binary_type(call->dep->binary_types, "*/*")));
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
  if (type == "HTTP_PROXY") return run_http(call, call->req.body, true);
  std::string body;
  try {
    Mapping mapped = map_request(call, body);
    if (mapped == Mapping::unsupported)
      return call->answer(gateway_error(415, "Unsupported Media Type", "UnsupportedMediaTypeException"));
    if (mapped == Mapping::bad_base64) return call->answer(internal_error());
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
  if (type == "HTTP") return run_http(call, std::move(body), false);
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

static void run_method(const std::shared_ptr<Call>& call);

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
  c.principal_arn = root_arn(account);
  c.user_id = account;
  if (auto arn = Arn::parse(role_arn); arn && arn->resource.rfind("role/", 0) == 0) {
    if (!arn->account.empty()) c.account = arn->account;
    std::string name = arn->resource.substr(arn->resource.rfind('/') + 1);
    c.principal_arn = Arn::make("sts", "", c.account, "assumed-role/" + name + "/BackplaneAssumeRoleSession");
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
  std::shared_ptr<Deployed> d = build_deployed(*doc, *dep->get("snapshot"), *st);
  if (!d) return nullptr;
  d->generation = gen;
  d->account = account;
  d->region = region;
  d->api_id = api_id;
  d->stage = stage;
  // Deployments made since snapshot these sections; older ones see the current ones.
  const Doc* sections = dep->get("apiSnapshot");
  d->api_doc = sections && sections->is_map() ? *sections : Doc::map();
  d->api_doc.set("api", (*doc)["api"]);
  if (!sections)
    for (const char* k : {"authorizers", "models", "validators", "gatewayResponses"})
      if (const Doc* v = doc->get(k)) d->api_doc.set(k, *v);
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
    call->open_gate();
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
    run_method(call);
  } catch (const std::exception& e) {
    spdlog::error("apigateway {}: {}", call->request_id, e.what());
    call->answer(internal_error());
  }
}

// From a matched method on: the request's parameters, $context, the integration.
static void run_method(const std::shared_ptr<Call>& call) {
  const DResource* r = call->resource;
  const Deployed* dep = call->dep.get();
  try {
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
    if (Gate* gate = call->gate.get()) {
      gate->method = &call->method->doc;
      gate->resource_path = r->path;
      gate->headers = &call->headers;
      gate->query = &call->query;
      gate->path_params = &call->path_params;
      gate->context = call->context;
      gate->stage_vars = call->stage_vars;
      gate->source = [raw = call.get()](const std::string& expr) { return raw->source(expr); };
      // AWS's test invocations skip authorization and usage plans, but validate the request as
      // a stage does (same status and body, gateway responses applied).
      if (call->test) {
        if (Guard* guard = call->invoker->guard(); guard)
          if (auto e = guard->validate(*gate)) return call->answer(Guard::error(*e));
      } else if (invoker_guard_check(call)) {
        return;
      }
    }
    run_integration(call);
  } catch (const std::exception& e) {
    spdlog::error("apigateway {}: {}", call->request_id, e.what());
    call->answer(internal_error());
  }
}

}  // namespace stratus::apigateway

namespace stratus::apigateway {

void Invoker::test_invoke(OpContext& ctx, const Doc& in, Done done) {
  std::string api_id = in.str("restApiId");
  auto doc = store_.load(ctx.storage, ctx.account(), ctx.region(), api_id);
  if (!doc) throw errors::not_found("Invalid API identifier specified " + ctx.account() + ":" + api_id);
  std::string verb = in.str("httpMethod");
  std::transform(verb.begin(), verb.end(), verb.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const Doc* res = (*doc)["resources"].get(in.str("resourceId"));
  if (!res) throw errors::not_found("Invalid Resource identifier specified");
  const Doc* mdoc = res->get("resourceMethods") ? res->get("resourceMethods")->get(verb) : nullptr;
  if (!mdoc) throw errors::not_found("Invalid Method identifier specified");
  if (!mdoc->has("methodIntegration")) throw errors::bad_request("No integration defined for method");
  Doc stage = Doc::map();
  stage.set("variables", in.has("stageVariables") ? *in.get("stageVariables") : Doc::map());
  std::shared_ptr<Deployed> dep = build_deployed(*doc, (*doc)["resources"], stage);
  if (!dep) throw stratus::errors::internal("the API has no root resource");
  dep->account = ctx.account();
  dep->region = ctx.region();
  dep->api_id = api_id;
  dep->stage = "test-invoke-stage";
  // The API's current models, validators and gateway responses (a stage has its deployment's).
  dep->api_doc = Doc::map();
  for (const char* k : {"api", "authorizers", "models", "validators", "gatewayResponses"})
    if (const Doc* v = doc->get(k)) dep->api_doc.set(k, *v);

  http::Request req;
  req.method = verb;
  std::string target = in.str("pathWithQueryString");
  if (target.empty()) target = res->str("path");
  if (target[0] != '/') target = "/" + target;
  auto q = target.find('?');
  req.path = target.substr(0, q);
  req.query = q == std::string::npos ? "" : target.substr(q + 1);
  req.target = target;
  if (const Doc* h = in.get("headers"); h && h->is_map())
    for (const auto& [k, v] : h->as_map()) req.headers.add(lower(k), v.is_string() ? v.as_string() : "");
  if (const Doc* h = in.get("multiValueHeaders"); h && h->is_map())
    for (const auto& [k, vs] : h->as_map()) {
      if (!vs.is_list()) continue;
      req.headers.remove(lower(k));
      for (const auto& v : vs.as_list()) req.headers.add(lower(k), v.is_string() ? v.as_string() : "");
    }
  if (!req.headers.has("host")) req.headers.set("host", api_id + ".execute-api." + ctx.region() + ".amazonaws.com");
  req.body = in.str("body");
  req.remote_addr = "test-invoke-source-ip";

  auto call = std::make_shared<Call>();
  call->invoker = this;
  call->request_id = ids::uuid4();
  call->now = now_millis();
  call->dep = dep;
  call->path = req.path;
  auto started = std::chrono::steady_clock::now();
  std::string request_id = call->request_id;
  std::string resource_path = res->str("path");
  std::string in_body = req.body;
  Call* raw = call.get();  // respond runs inside the call's own answer()
  call->respond = [done, started, request_id, resource_path, verb, target, in_body, raw](http::Response r) {
    Doc o = Doc::map();
    o.set("status", static_cast<int64_t>(r.status));
    o.set("body", r.body);
    Doc headers = Doc::map(), multi = Doc::map();
    for (const auto& [k, v] : r.headers.items()) {
      std::string name = title_case(k);
      if (!headers.has(name)) headers.set(name, v);
      Doc& l = multi[name];
      if (!l.is_list()) l = Doc::list();
      l.push(Doc(v));
    }
    o.set("headers", std::move(headers));
    o.set("multiValueHeaders", std::move(multi));
    int64_t latency = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    std::string when = enc::clf_date(now_millis());
    std::string log = "Execution log for request " + request_id + "\n";
    log += when + " : Starting execution for request: " + request_id + "\n";
    log += when + " : HTTP Method: " + verb + ", Resource Path: " + target + "\n";
    log += when + " : Method request path: " + resource_path + "\n";
    log += when + " : Method request body before transformations: " + in_body + "\n";
    for (size_t p = 0; p < raw->trace.size();) {
      auto nl = raw->trace.find('\n', p);
      log += when + " : " + raw->trace.substr(p, nl - p) + "\n";
      p = nl == std::string::npos ? raw->trace.size() : nl + 1;
    }
    log += when + " : Method response body after transformations: " + r.body + "\n";
    log += when + " : Method completed with status: " + std::to_string(r.status) + "\n";
    o.set("log", log);
    o.set("latency", latency);
    done(std::move(o));
  };
  call->req = std::move(req);
  std::vector<std::string> segs = split_path(call->req.path);
  const DResource* r = match(dep->root, segs, 0, call->path_params);
  if (!r || r->id != in.str("resourceId")) {
    call->path_params.clear();
    r = nullptr;
    for (const auto& d : dep->all)
      if (d->id == in.str("resourceId")) r = d.get();
  }
  if (!r) throw errors::not_found("Invalid Resource identifier specified");
  auto it = r->methods.find(verb);
  if (it == r->methods.end()) throw errors::not_found("Invalid Method identifier specified");
  call->resource = r;
  call->method = &it->second;
  call->test = true;
  call->open_gate();
  run_method(call);
}

}  // namespace stratus::apigateway
