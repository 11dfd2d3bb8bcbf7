#include "services/apigateway/call.h"

#include <algorithm>
#include <span>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "services/apigateway/invoke.h"
#include "services/apigateway/vtl/aws.h"
#include "services/cloudwatch/api.h"

namespace stratus::apigateway {

namespace {

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

std::string lower(std::string_view s) {
  return enc::ascii_lower(s);
}

}  // namespace

std::string first_media_type(std::string v) {
  v = lower(v.substr(0, v.find(',')));
  v = v.substr(0, v.find(';'));
  while (!v.empty() && v.back() == ' ') v.pop_back();
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  return v;
}

bool is_binary_type(const std::vector<std::string>& types, const std::string& media) {
  if (media.empty()) return false;
  auto slash = media.find('/');
  for (const auto& t : types) {
    if (t == media || t == "*/*") return true;
    if (slash != std::string::npos && t.size() > 2 && t.compare(t.size() - 2, 2, "/*") == 0 &&
        t.compare(0, t.size() - 1, media, 0, slash + 1) == 0)
      return true;
  }
  return false;
}

void Call::open_gate() {
  gate = std::make_shared<Gate>();
  gate->req = &req;
  gate->account = dep->account;
  gate->region = dep->region;
  gate->api_id = dep->api_id;
  gate->stage = dep->stage;
  gate->request_id = request_id;
  gate->api = &dep->api_doc;
  gate->stage_doc = &dep->stage_doc;
  gate->path = path;
  gate->now = now;
}

std::string Call::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (lower(k) == lower(name)) return v;
  return {};
}

bool Call::request_binary() const {
  return is_binary_type(dep->binary_types, first_media_type(header("Content-Type")));
}

bool Call::accept_binary() const {
  return is_binary_type(dep->binary_types, first_media_type(header("Accept")));
}

vtl::Context Call::vars(const std::string& body) const {
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

std::optional<std::string> Call::source(const std::string& expr, const Pairs* resp_headers,
                                        const std::string* resp_body) const {
  if (expr.size() >= 2 && expr.front() == '\'' && expr.back() == '\'') return expr.substr(1, expr.size() - 2);
  auto lookup = [](const Pairs& l, const std::string& n, bool ci) -> std::optional<std::string> {
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

std::vector<std::string> Call::values(const Pairs& l, const std::string& n, bool ci) {
  std::vector<std::string> out;
  for (const auto& [k, v] : l)
    if (ci ? lower(k) == lower(n) : k == n) out.push_back(v);
  return out;
}

std::optional<std::string> Call::json_at(const std::string& body, const std::string& path) {
  try {
    auto v = vtl::json_path(vtl::parse_json(body), "$." + path);
    if (!v) return std::nullopt;
    return v->is_string() ? v->as_string() : vtl::write_json(*v);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void Call::publish_metrics(int status) {
  std::string name;
  if (const Doc* api = dep->api_doc.get("api"))
    for (char c : api->str("name"))
      if (static_cast<unsigned char>(c) < 0x80) name += c;
  if (name.empty()) name = dep->api_id;
  const cloudwatch::Dimension by_api[] = {{"ApiName", name}};
  const cloudwatch::Dimension by_stage[] = {{"ApiName", name}, {"Stage", dep->stage}};
  double latency = static_cast<double>(std::max<int64_t>(0, now_millis() - now));
  for (std::span<const cloudwatch::Dimension> d :
       {std::span<const cloudwatch::Dimension>(by_api), std::span<const cloudwatch::Dimension>(by_stage)}) {
    auto* m = invoker->metrics;
    m->put(dep->account, dep->region, "AWS/ApiGateway", "Count", d, 1, "Count");
    m->put(dep->account, dep->region, "AWS/ApiGateway", "Latency", d, latency, "Milliseconds");
    m->put(dep->account, dep->region, "AWS/ApiGateway", "4XXError", d, status >= 400 && status < 500 ? 1 : 0, "Count");
    m->put(dep->account, dep->region, "AWS/ApiGateway", "5XXError", d, status >= 500 ? 1 : 0, "Count");
  }
}

void Call::answer(http::Response res) {
  if (gate && invoker->guard()) invoker->guard()->finish(*gate, res);
  if (dep && invoker->metrics && !test) publish_metrics(res.status);
  res.headers.set("x-amz-apigw-id", enc::base64_encode(ids::random_base64(9)).substr(0, 16));
  respond(std::move(res));
}

}  // namespace stratus::apigateway
