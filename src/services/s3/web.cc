#include "services/s3/web.h"

#include <cctype>
#include <vector>

#include "auth/policy.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/error.h"
#include "core/json.h"
#include "services/s3/access.h"
#include "services/s3/store.h"

namespace stratus::s3 {
namespace {

std::string_view strip_port(std::string_view host) {
  if (size_t colon = host.rfind(':'); colon != std::string_view::npos && host.find(']') == std::string_view::npos)
    return host.substr(0, colon);
  return host;
}

bool region_like(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
      return false;
  return true;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string reason(int status) {
  switch (status) {
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    default:
      return "Error";
  }
}

http::Response html_error(int status, std::string_view code, std::string_view message, const std::string& request_id,
                          std::vector<std::pair<std::string, std::string>> extra = {}) {
  http::Response res;
  res.status = status;
  std::string title = std::to_string(status) + " " + reason(status);
  std::string body = "<html>\n<head><title>" + title + "</title></head>\n<body>\n<h1>" + title + "</h1>\n<ul>\n";
  body += "<li>Code: " + xml_escape(code) + "</li>\n<li>Message: " + xml_escape(message) + "</li>\n";
  for (const auto& [k, v] : extra) body += "<li>" + k + ": " + xml_escape(v) + "</li>\n";
  body += "<li>RequestId: " + request_id + "</li>\n<li>HostId: " + enc::base64_encode(request_id + request_id) +
          "</li>\n</ul>\n<hr/>\n</body>\n</html>\n";
  res.body = std::move(body);
  res.headers.set("content-type", "text/html; charset=utf-8");
  return res;
}

http::Response redirect(int status, std::string location) {
  http::Response res;
  res.status = status;
  res.headers.set("location", std::move(location));
  return res;
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= s.size()) {
    size_t comma = s.find(',', at);
    std::string_view item = s.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return out;
}

std::vector<std::string> strings(const Doc* d) {
  std::vector<std::string> out;
  if (d && d->is_list())
    for (const Doc& x : d->as_list())
      if (x.is_string()) out.push_back(x.as_string());
  return out;
}

// A readable (anonymously) current version of key, or the error S3's website answers.
struct Lookup {
  std::optional<ObjectVersion> version;
  int status = 404;
};

Lookup lookup(const Store& st, const std::string& bucket, const std::string& key) {
  Lookup l;
  try {
    auto b = st.bucket(bucket);
    if (!b) return l;
    authorize(st, OpContext::Caller{}, now_millis(), *b, "s3:GetObject", key, nullptr);
  } catch (const AwsError&) {
    l.status = 403;
    return l;
  }
  auto v = st.current(bucket, key);
  if (v && !v->delete_marker) {
    l.version = std::move(v);
    l.status = 200;
  }
  return l;
}

http::Response object_response(const Store& st, const ObjectVersion& v, int status, bool head) {
  http::Response res;
  res.status = status;
  res.headers.set("content-type", v.content_type.empty() ? "binary/octet-stream" : v.content_type);
  res.headers.set("etag", "\"" + v.etag + "\"");
  res.headers.set("last-modified", enc::http_date(v.last_modified_ms));
  if (!v.content_encoding.empty()) res.headers.set("content-encoding", v.content_encoding);
  if (!v.cache_control.empty()) res.headers.set("cache-control", v.cache_control);
  if (!v.content_disposition.empty()) res.headers.set("content-disposition", v.content_disposition);
  if (!v.content_language.empty()) res.headers.set("content-language", v.content_language);
  for (const auto& [k, val] : v.metadata) res.headers.set("x-amz-meta-" + k, val);
  if (!head) {
    // Data files are sent with sendfile (http::Response::file), inline objects from memory.
    std::shared_ptr<http::BodyFile> f;
    if (!v.data.empty() && !v.data.inline_blob) f = st.open_data(v.data, v.size);
    if (f) {
      res.file = std::move(f);
      res.file_offset = 0;
      res.file_length = v.size;
    } else {
      res.body = st.read_all(v);
    }
  } else {
    res.headers.set("content-length", std::to_string(v.size));
  }
  return res;
}

// A routing rule's redirect: nullopt when no rule applies to (key, error code).
std::optional<http::Response> routing_redirect(const Doc& cfg, const std::string& key, int error_status,
                                               const std::string& host) {
  const Doc* rules = cfg.get("RoutingRules");
  if (!rules || !rules->is_list()) return std::nullopt;
  for (const Doc& r : rules->as_list()) {
    const Doc* cond = r.get("Condition");
    std::string prefix = cond ? cond->str("KeyPrefixEquals") : "";
    std::string code = cond ? cond->str("HttpErrorCodeReturnedEquals") : "";
    if (!key.starts_with(prefix)) continue;
    if (!code.empty() && code != std::to_string(error_status)) continue;
    if (code.empty() && error_status != 0) continue;  // prefix-only rules apply before the lookup
    const Doc* red = r.get("Redirect");
    if (!red || !red->is_map()) continue;
    std::string new_key = key;
    if (red->has("ReplaceKeyWith"))
      new_key = red->str("ReplaceKeyWith");
    else if (red->has("ReplaceKeyPrefixWith"))
      new_key = red->str("ReplaceKeyPrefixWith") + key.substr(prefix.size());
    std::string proto = red->str("Protocol", "http");
    std::string target_host = red->str("HostName", host);
    int status = 301;
    if (red->has("HttpRedirectCode")) status = std::atoi(red->str("HttpRedirectCode").c_str());
    return redirect(status, proto + "://" + target_host + "/" + enc::uri_encode(new_key, true));
  }
  return std::nullopt;
}

http::Response serve_website(const Store& st, const http::Request& req, const std::string& bucket,
                             const std::string& request_id) {
  auto b = st.bucket(bucket);
  if (!b)
    return html_error(404, "NoSuchBucket", "The specified bucket does not exist", request_id, {{"BucketName", bucket}});
  auto text = st.config(bucket, "website");
  if (!text)
    return html_error(404, "NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration",
                      request_id, {{"BucketName", bucket}});
  Doc cfg = json::parse(*text);
  const std::string host = req.host();  // with its port: redirects stay on this endpoint
  if (const Doc* all = cfg.get("RedirectAllRequestsTo"); all && all->is_map()) {
    std::string target = all->str("Protocol", "http") + "://" + all->str("HostName") + req.path;
    return redirect(301, target);
  }
  if (req.method != "GET" && req.method != "HEAD")
    return html_error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.", request_id,
                      {{"Method", req.method}, {"ResourceType", "OBJECT"}});
  bool head = req.method == "HEAD";
  std::string key = enc::uri_decode(req.path.size() > 1 ? std::string_view(req.path).substr(1) : std::string_view{});
  if (auto r = routing_redirect(cfg, key, 0, host)) return *r;
  std::string suffix = cfg.get("IndexDocument") ? cfg.get("IndexDocument")->str("Suffix") : "";
  std::string object_key = key;
  if (object_key.empty() || object_key.back() == '/') object_key += suffix;
  Lookup found = lookup(st, bucket, object_key);
  if (found.version) {
    if (!found.version->website_redirect.empty()) return redirect(301, found.version->website_redirect);
    return object_response(st, *found.version, 200, head);
  }
  if (found.status == 404 && !key.empty() && key.back() != '/' && !suffix.empty()) {
    Lookup dir = lookup(st, bucket, key + "/" + suffix);
    if (dir.version) return redirect(302, "/" + enc::uri_encode(key, true) + "/");
  }
  int status = found.status;
  if (auto r = routing_redirect(cfg, key, status, host)) return *r;
  if (const Doc* err = cfg.get("ErrorDocument"); err && err->is_map() && !err->str("Key").empty()) {
    Lookup doc = lookup(st, bucket, err->str("Key"));
    if (doc.version) return object_response(st, *doc.version, status, head);
  }
  http::Response res = status == 403 ? html_error(403, "AccessDenied", "Access Denied", request_id)
                                     : html_error(404, "NoSuchKey", "The specified key does not exist.", request_id,
                                                  {{"Key", object_key}});
  if (head) res.body.clear();
  return res;
}

http::Response cors_refusal(std::string_view message, std::string_view method, bool object,
                            const std::string& request_id) {
  http::Response res;
  res.status = 403;
  res.headers.set("content-type", "application/xml");
  res.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessForbidden</Code><Message>" +
             xml_escape(message) + "</Message><Method>" + xml_escape(method) + "</Method><ResourceType>" +
             (object ? "OBJECT" : "BUCKET") + "</ResourceType><RequestId>" + request_id + "</RequestId><HostId>" +
             enc::base64_encode(request_id + request_id) + "</HostId></Error>";
  return res;
}

}  // namespace

std::optional<std::string> website_bucket(std::string_view host_header) {
  std::string host = enc::ascii_lower(strip_port(host_header));
  size_t at = host.find(".s3-website");
  if (at == std::string::npos || at == 0) return std::nullopt;
  std::string_view rest = std::string_view(host).substr(at + 11);
  if (!rest.ends_with(".localhost")) return std::nullopt;
  rest.remove_suffix(10);
  // "", "-REGION", ".REGION"
  if (!rest.empty()) {
    if (rest.front() != '-' && rest.front() != '.') return std::nullopt;
    if (!region_like(rest.substr(1))) return std::nullopt;
  }
  return host.substr(0, at);
}

std::string preflight_bucket(std::string_view host_header, std::string_view path) {
  std::string host = enc::ascii_lower(strip_port(host_header));
  if (size_t at = host.find(".s3."); at != std::string::npos && at > 0 && host.ends_with("localhost"))
    return host.substr(0, at);
  if (size_t at = host.find(".s3.localhost"); at != std::string::npos && at > 0) return host.substr(0, at);
  std::string_view p = path;
  if (!p.empty() && p.front() == '/') p.remove_prefix(1);
  return std::string(p.substr(0, p.find('/')));
}

std::vector<std::pair<std::string, std::string>> cors_rule_headers(const Doc& rule, std::string_view origin,
                                                                   std::string_view request_headers) {
  std::vector<std::pair<std::string, std::string>> out;
  bool any = false;
  for (const auto& o : strings(rule.get("AllowedOrigins")))
    if (o == "*") any = true;
  out.emplace_back("access-control-allow-origin", any ? std::string("*") : std::string(origin));
  std::string methods;
  for (const auto& m : strings(rule.get("AllowedMethods"))) methods += (methods.empty() ? "" : ", ") + m;
  out.emplace_back("access-control-allow-methods", methods);
  if (!request_headers.empty()) out.emplace_back("access-control-allow-headers", enc::ascii_lower(request_headers));
  std::string expose;
  for (const auto& e : strings(rule.get("ExposeHeaders"))) expose += (expose.empty() ? "" : ", ") + e;
  if (!expose.empty()) out.emplace_back("access-control-expose-headers", expose);
  if (rule.has("MaxAgeSeconds"))
    out.emplace_back("access-control-max-age", std::to_string(rule.integer("MaxAgeSeconds")));
  if (!any) out.emplace_back("access-control-allow-credentials", "true");
  out.emplace_back("vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
  return out;
}

void apply_bucket_cors(OpContext& ctx, const Store& st, std::string_view bucket) {
  if (ctx.transport.origin.empty() || bucket.empty()) return;
  auto text = st.config(bucket, "cors");
  if (!text) return;
  ctx.transport.reply.own_cors = true;
  Doc cfg;
  try {
    cfg = json::parse(*text);
  } catch (const std::exception&) {
    return;
  }
  if (const Doc* rule = match_cors_rule(cfg, ctx.transport.origin, ctx.op.http_method, ""))
    for (auto& h : cors_rule_headers(*rule, ctx.transport.origin, ""))
      ctx.transport.reply.headers.push_back(std::move(h));
}

const Doc* match_cors_rule(const Doc& config, std::string_view origin, std::string_view method,
                           std::string_view request_headers) {
  const Doc* rules = config.get("CORSRules");
  if (!rules || !rules->is_list()) return nullptr;
  std::vector<std::string> wanted = split_list(request_headers);
  for (const Doc& r : rules->as_list()) {
    bool origin_ok = false;
    for (const auto& o : strings(r.get("AllowedOrigins")))
      if (auth::policy::wildcard_match(o, origin, true)) origin_ok = true;
    if (!origin_ok) continue;
    bool method_ok = false;
    for (const auto& m : strings(r.get("AllowedMethods")))
      if (m == method) method_ok = true;
    if (!method_ok) continue;
    auto allowed = strings(r.get("AllowedHeaders"));
    bool headers_ok = true;
    for (const auto& h : wanted) {
      bool hit = false;
      for (const auto& a : allowed)
        if (auth::policy::wildcard_match(a, h, true)) hit = true;
      if (!hit) {
        headers_ok = false;
        break;
      }
    }
    if (headers_ok) return &r;
  }
  return nullptr;
}

bool WebRouter::claims(const http::Request& req) const {
  if (!store_) return false;
  const std::string* host = req.headers.find("host");
  if (host && website_bucket(*host)) return true;
  if (req.method != "OPTIONS" || !req.headers.has("origin") || !req.headers.has("access-control-request-method"))
    return false;
  std::string bucket = preflight_bucket(host ? *host : "", req.path);
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  return store_->bucket(bucket).has_value();
}

void WebRouter::serve(http::Request req, http::Responder respond) {
  std::string request_id = req.headers.get("x-stratus-request-id");
  http::Response res;
  try {
    if (auto site = website_bucket(req.host())) {
      res = serve_website(*store_, req, *site, request_id);
    } else {
      std::string bucket = preflight_bucket(req.host(), req.path);
      std::string origin = req.headers.get("origin");
      std::string method = req.headers.get("access-control-request-method");
      std::string_view path = req.path;
      bool object = path.find('/', 1) != std::string_view::npos && path.find('/', 1) + 1 < path.size();
      auto text = store_->config(bucket, "cors");
      if (!text) {
        res = cors_refusal("CORSResponse: CORS is not enabled for this bucket.", method, object, request_id);
      } else {
        Doc cfg = json::parse(*text);
        const Doc* rule = match_cors_rule(cfg, origin, method, req.headers.get("access-control-request-headers"));
        if (!rule) {
          res = cors_refusal(
              "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
              "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted "
              "by the resource's CORS spec.",
              method, object, request_id);
        } else {
          for (auto& [k, v] : cors_rule_headers(*rule, origin, req.headers.get("access-control-request-headers")))
            res.headers.set(k, v);
        }
      }
    }
  } catch (const std::exception&) {
    res = html_error(500, "InternalError", "We encountered an internal error. Please try again.", request_id);
  }
  res.headers.set("x-amz-request-id", request_id);
  res.headers.set("x-amz-id-2", enc::base64_encode(request_id + request_id));
  respond(std::move(res));
}

}  // namespace stratus::s3
