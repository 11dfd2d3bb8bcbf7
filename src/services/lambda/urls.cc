#include "services/lambda/urls.h"

#include <algorithm>
#include <cctype>

#include "core/encoding.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/json.h"

namespace stratus::lambda::urls {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// Bodies Lambda passes as text; everything else is base64.
bool textual(const std::string& content_type) {
  std::string ct = lower(content_type.substr(0, content_type.find(';')));
  ct = trim(ct);
  if (ct.empty() || ct.rfind("text/", 0) == 0) return true;
  for (const char* t : {"application/json", "application/javascript", "application/xml",
                        "application/x-www-form-urlencoded", "application/graphql"})
    if (ct == t) return true;
  return ct.size() > 5 && (ct.ends_with("+json") || ct.ends_with("+xml"));
}

std::string host_without_port(std::string host) {
  if (auto c = host.rfind(':'); c != std::string::npos && host.find(']') == std::string::npos) host.resize(c);
  return host;
}

std::string join(const Doc* list, const char* sep) {
  std::string out;
  if (!list || !list->is_list()) return out;
  for (const auto& v : list->as_list()) {
    if (!out.empty()) out += sep;
    out += v.is_string() ? v.as_string() : json::write(v);
  }
  return out;
}

// The allowed origin to answer with, or "" when the request's Origin is not allowed.
std::string allowed_origin(const http::Request& req, const Doc& cors) {
  const std::string* origin = req.headers.find("origin");
  if (!origin) return "";
  const Doc* origins = cors.get("AllowOrigins");
  if (!origins || !origins->is_list()) return "";
  for (const auto& o : origins->as_list()) {
    if (!o.is_string()) continue;
    if (o.as_string() == "*") return "*";
    if (lower(o.as_string()) == lower(*origin)) return *origin;
  }
  return "";
}

}  // namespace

std::optional<std::string> url_id(std::string_view host) {
  auto dot = host.find(".lambda-url.");
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  return std::string(host.substr(0, dot));
}

std::string new_url_id() { return ids::random_lower_alnum(32); }

std::string event(const http::Request& req, const std::string& url_id, const std::string& account, const Doc& iam,
                  const std::string& request_id, int64_t now_ms) {
  Doc e = Doc::map();
  e.set("version", "2.0");
  e.set("routeKey", "$default");
  e.set("rawPath", req.path.empty() ? "/" : req.path);
  e.set("rawQueryString", req.query);
  Doc headers = Doc::map();
  Doc cookies = Doc::list();
  for (const auto& [k, v] : req.headers.items()) {
    std::string name = lower(k);
    if (name == "x-stratus-request-id") continue;
    if (name == "cookie") {
      size_t start = 0;
      while (start <= v.size()) {
        size_t semi = v.find(';', start);
        std::string c = trim(std::string_view(v).substr(start, semi == std::string::npos ? std::string::npos : semi - start));
        if (!c.empty()) cookies.push(c);
        if (semi == std::string::npos) break;
        start = semi + 1;
      }
      continue;
    }
    if (Doc* have = headers.get(name)) have->as_string() += "," + v;
    else headers.set(name, v);
  }
  if (cookies.size()) e.set("cookies", std::move(cookies));
  e.set("headers", std::move(headers));
  if (!req.query.empty()) {
    Doc params = Doc::map();
    for (const auto& [k, v] : http::parse_query(req.query)) {
      if (Doc* have = params.get(k)) have->as_string() += "," + v;
      else params.set(k, v);
    }
    e.set("queryStringParameters", std::move(params));
  }
  Doc http = Doc::map();
  http.set("method", req.method);
  http.set("path", req.path.empty() ? "/" : req.path);
  http.set("protocol", "HTTP/1.1");
  std::string ip = req.remote_addr;
  if (auto c = ip.rfind(':'); c != std::string::npos && ip.find('.') != std::string::npos) ip.resize(c);
  http.set("sourceIp", ip);
  http.set("userAgent", req.headers.get("user-agent"));
  Doc rc = Doc::map();
  rc.set("accountId", account);
  rc.set("apiId", url_id);
  if (!iam.is_null()) {
    Doc auth = Doc::map();
    auth.set("iam", iam);
    rc.set("authorizer", std::move(auth));
  }
  rc.set("domainName", host_without_port(req.host()));
  rc.set("domainPrefix", url_id);
  rc.set("http", std::move(http));
  rc.set("requestId", request_id);
  rc.set("routeKey", "$default");
  rc.set("stage", "$default");
  rc.set("time", enc::clf_date(now_ms));
  rc.set("timeEpoch", now_ms);
  e.set("requestContext", std::move(rc));
  if (!req.body.empty()) {
    bool text = textual(req.headers.get("content-type"));
    e.set("body", text ? req.body : enc::base64_encode(req.body));
    e.set("isBase64Encoded", !text);
  } else {
    e.set("isBase64Encoded", false);
  }
  return json::write(e);
}

http::Response error(int status, const std::string& message) {
  http::Response res;
  res.status = status;
  res.headers.set("Content-Type", "application/json");
  res.body = "{\"Message\":" + json::write(Doc(message)) + "}";
  return res;
}

// statusCode, headers and cookies of a structured answer (or a streamed answer's prelude) onto
// res; false when the status is not a valid HTTP status.
static bool apply_metadata(const Doc& v, http::Response& res) {
  if (const Doc* status = v.get("statusCode")) {
    if (status->is_number())
      res.status = static_cast<int>(status->as_int());
    else if (status->is_string())
      res.status = std::atoi(status->as_string().c_str());
  }
  if (res.status < 100 || res.status > 599) return false;
  if (const Doc* h = v.get("headers"); h && h->is_map())
    for (const auto& [k, val] : h->as_map()) res.headers.set(k, val.is_string() ? val.as_string() : json::write(val));
  if (const Doc* c = v.get("cookies"); c && c->is_list())
    for (const auto& val : c->as_list())
      if (val.is_string()) res.headers.add("Set-Cookie", val.as_string());
  return true;
}

http::Response streamed_response(const std::string& content_type, const std::string& bytes) {
  http::Response res;
  static constexpr std::string_view kHttpIntegration = "application/vnd.awslambda.http-integration-response";
  static constexpr std::string_view kSeparator("\0\0\0\0\0\0\0\0", 8);
  size_t sep = content_type == kHttpIntegration ? bytes.find(kSeparator) : std::string::npos;
  if (sep == std::string::npos) {
    res.headers.set("Content-Type", content_type == kHttpIntegration ? "application/octet-stream" : content_type);
    res.body = bytes;
    return res;
  }
  Doc prelude;
  try {
    prelude = json::parse(std::string_view(bytes).substr(0, sep));
  } catch (const AwsError&) {
    return error(502, "Internal Server Error");
  }
  if (!prelude.is_map() || !apply_metadata(prelude, res)) return error(502, "Internal Server Error");
  res.body = bytes.substr(sep + kSeparator.size());
  if (!res.headers.has("content-type")) res.headers.set("Content-Type", "application/octet-stream");
  return res;
}

http::Response response(const std::string& payload) {
  http::Response res;
  Doc v;
  bool parsed = true;
  try {
    v = payload.empty() ? Doc() : json::parse(payload);
  } catch (const AwsError&) {
    parsed = false;
  }
  if (!parsed || !v.is_map() || !v.has("statusCode")) {
    res.headers.set("Content-Type", "application/json");
    res.body = payload;
    return res;
  }
  if (!apply_metadata(v, res)) return error(502, "Internal Server Error");
  if (const Doc* b = v.get("body"); b && !b->is_null()) {
    res.body = b->is_string() ? b->as_string() : json::write(*b);
    if (v.flag("isBase64Encoded")) {
      auto d = enc::base64_decode(res.body);
      if (!d) return error(502, "Internal Server Error");
      res.body = std::move(*d);
    }
  }
  if (!res.headers.has("content-type")) res.headers.set("Content-Type", "application/json");
  return res;
}

std::optional<http::Response> preflight(const http::Request& req, const Doc* cors) {
  if (!cors || req.method != "OPTIONS" || !req.headers.has("origin") ||
      !req.headers.has("access-control-request-method"))
    return std::nullopt;
  http::Response res;
  std::string origin = allowed_origin(req, *cors);
  if (origin.empty()) return res;
  res.headers.set("Access-Control-Allow-Origin", origin);
  std::string methods = join(cors->get("AllowMethods"), ",");
  if (!methods.empty()) res.headers.set("Access-Control-Allow-Methods", methods);
  std::string headers = join(cors->get("AllowHeaders"), ",");
  if (!headers.empty()) res.headers.set("Access-Control-Allow-Headers", headers);
  std::string expose = join(cors->get("ExposeHeaders"), ",");
  if (!expose.empty()) res.headers.set("Access-Control-Expose-Headers", expose);
  if (cors->flag("AllowCredentials")) res.headers.set("Access-Control-Allow-Credentials", "true");
  if (const Doc* age = cors->get("MaxAge"); age && age->is_number())
    res.headers.set("Access-Control-Max-Age", std::to_string(age->as_int()));
  res.headers.set("Vary", "Origin");
  return res;
}

void add_cors(const http::Request& req, const Doc* cors, http::Response& res) {
  if (!cors) return;
  std::string origin = allowed_origin(req, *cors);
  if (origin.empty()) return;
  res.headers.set("Access-Control-Allow-Origin", origin);
  std::string expose = join(cors->get("ExposeHeaders"), ",");
  if (!expose.empty()) res.headers.set("Access-Control-Expose-Headers", expose);
  if (cors->flag("AllowCredentials")) res.headers.set("Access-Control-Allow-Credentials", "true");
  res.headers.set("Vary", "Origin");
}

}  // namespace stratus::lambda::urls
