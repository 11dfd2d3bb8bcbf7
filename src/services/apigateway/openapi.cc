#include "services/apigateway/openapi.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/error.h"
#include "core/ids.h"
#include "core/json.h"
#include "server/context.h"
#include "services/apigateway/apigateway.h"

namespace stratus::apigateway::openapi {
namespace {

constexpr int kMaxDepth = 64;

// --- YAML <-> Doc ---------------------------------------------------------------------------

Doc plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return Doc();
  if (s == "true" || s == "True" || s == "TRUE") return Doc(true);
  if (s == "false" || s == "False" || s == "FALSE") return Doc(false);
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i < s.size() && std::all_of(s.begin() + static_cast<long>(i), s.end(), ::isdigit) &&
      s.size() - i < 19)
    return Doc(static_cast<int64_t>(std::stoll(s)));
  bool digits = false, ok = i < s.size();
  for (size_t k = i; k < s.size() && ok; ++k) {
    char c = s[k];
    if (std::isdigit(static_cast<unsigned char>(c)))
      digits = true;
    else if (c != '.' && c != 'e' && c != 'E' && c != '-' && c != '+')
      ok = false;
  }
  if (ok && digits) {
    try {
      size_t used = 0;
      double d = std::stod(s, &used);
      if (used == s.size() && std::isfinite(d)) return Doc(d);
    } catch (const std::exception&) {
    }
  }
  return Doc(s);
}

// `budget`: nodes left to convert. An alias is the node it names, so a few lines of anchors and
// aliases can stand for exponentially many nodes ("billion laughs"); the budget caps the
// expansion at what a document without aliases of that length could hold.
Doc from_yaml(const YAML::Node& n, int depth, size_t& budget) {
  if (depth > kMaxDepth) throw errors::bad_request("Invalid OpenAPI input: nesting is too deep");
  if (budget == 0)
    throw errors::bad_request(
        "Invalid OpenAPI input: the document is too large once its aliases are expanded");
  --budget;
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return Doc();
    case YAML::NodeType::Scalar:
      return n.Tag() == "?" ? plain_scalar(n.Scalar()) : Doc(n.Scalar());
    case YAML::NodeType::Sequence: {
      Doc l = Doc::list();
      for (const auto& e : n) l.push(from_yaml(e, depth + 1, budget));
      return l;
    }
    case YAML::NodeType::Map: {
      Doc m = Doc::map();
      for (const auto& kv : n) {
        if (!kv.first.IsScalar())
          throw errors::bad_request("Invalid OpenAPI input: mapping keys must be scalars");
        m.set(kv.first.Scalar(), from_yaml(kv.second, depth + 1, budget));
      }
      return m;
    }
  }
  return Doc();
}

void emit(YAML::Emitter& e, const Doc& d) {
  switch (d.type()) {
    case Doc::Type::null:
      e << YAML::Null;
      break;
    case Doc::Type::boolean:
      e << d.as_bool();
      break;
    case Doc::Type::integer:
      e << d.as_int();
      break;
    case Doc::Type::floating:
      e << d.as_double();
      break;
    case Doc::Type::string: {
      // Strings that would read back as another type are quoted.
      const std::string& s = d.as_string();
      Doc back = plain_scalar(s);
      if (!back.is_string())
        e << YAML::DoubleQuoted << s;
      else
        e << s;
      break;
    }
    case Doc::Type::list:
      e << YAML::BeginSeq;
      for (const auto& x : d.as_list()) emit(e, x);
      e << YAML::EndSeq;
      break;
    case Doc::Type::map:
      e << YAML::BeginMap;
      for (const auto& [k, v] : d.as_map()) {
        e << YAML::Key << k << YAML::Value;
        emit(e, v);
      }
      e << YAML::EndMap;
      break;
    default:
      e << json::write(d);
  }
}

// --- import helpers -------------------------------------------------------------------------

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const std::map<std::string, std::string>& verbs() {
  static const std::map<std::string, std::string> v = {
      {"get", "GET"},         {"put", "PUT"},
      {"post", "POST"},       {"delete", "DELETE"},
      {"options", "OPTIONS"}, {"head", "HEAD"},
      {"patch", "PATCH"},     {"x-amazon-apigateway-any-method", "ANY"}};
  return v;
}

// "#/components/schemas/Pet" or "#/definitions/Pet" → "Pet".
std::string ref_name(const Doc* schema) {
  if (!schema || !schema->is_map()) return {};
  std::string ref = schema->str("$ref");
  auto slash = ref.rfind('/');
  return slash == std::string::npos ? "" : ref.substr(slash + 1);
}

// $refs inside a model's schema point at the API's models by URL, as AWS stores them.
// to_url: "#/.../Name" → the model's URL (import); otherwise "<url>/Name" → base + "Name" (export).
void rewrite_refs(Doc& d, const std::string& base, bool to_url) {
  if (d.is_map()) {
    for (auto& [k, v] : d.as_map()) {
      if (k == "$ref" && v.is_string()) {
        std::string name = v.as_string().substr(v.as_string().rfind('/') + 1);
        v = to_url ? Doc("https://apigateway.amazonaws.com/restapis/" + base + "/models/" + name)
                   : Doc(base + name);
      } else {
        rewrite_refs(v, base, to_url);
      }
    }
  } else if (d.is_list()) {
    for (auto& v : d.as_list()) rewrite_refs(v, base, to_url);
  }
}

Doc copy_if(const Doc& from, std::initializer_list<const char*> names) {
  Doc o = Doc::map();
  for (const char* n : names)
    if (const Doc* v = from.get(n); v && !v->is_null()) o.set(n, *v);
  return o;
}

std::string str_of(const Doc& d) {
  if (d.is_string()) return d.as_string();
  if (d.is_null()) return "";
  return json::write(d);
}

Doc string_map(const Doc* m) {
  Doc o = Doc::map();
  if (m && m->is_map())
    for (const auto& [k, v] : m->as_map()) o.set(k, str_of(v));
  return o;
}

Doc integration_from(const Doc& x, std::string& error) {
  Doc i = Doc::map();
  std::string type = upper(x.str("type"));
  static const std::set<std::string> types = {"HTTP", "HTTP_PROXY", "AWS", "AWS_PROXY", "MOCK"};
  if (!types.count(type)) {
    error = "Invalid integration type specified";
    return i;
  }
  i.set("type", type);
  if (x.has("httpMethod")) i.set("httpMethod", upper(x.str("httpMethod")));
  if (x.has("uri")) i.set("uri", x.str("uri"));
  if (type != "MOCK") {
    if (x.str("uri").empty())
      error = "Invalid integration URI specified";
    else if (x.str("httpMethod").empty())
      error = "Enumeration value for HttpMethod must be non-empty";
  }
  for (const char* k :
       {"credentials", "contentHandling", "connectionType", "connectionId", "cacheNamespace"})
    if (const Doc* v = x.get(k); v && v->is_string()) i.set(k, v->as_string());
  if (x.has("requestParameters"))
    i.set("requestParameters", string_map(x.get("requestParameters")));
  if (x.has("requestTemplates")) i.set("requestTemplates", string_map(x.get("requestTemplates")));
  i.set("passthroughBehavior", upper(x.str("passthroughBehavior", "when_no_match")));
  int64_t timeout = x.integer("timeoutInMillis", 29000);
  if (timeout < 50 || timeout > 29000) error = "Timeout should be between 50 ms and 29000 ms";
  i.set("timeoutInMillis", timeout);
  Doc keys = Doc::list();
  if (const Doc* k = x.get("cacheKeyParameters"); k && k->is_list()) keys = *k;
  i.set("cacheKeyParameters", keys);
  if (const Doc* tls = x.get("tlsConfig"); tls && tls->is_map()) i.set("tlsConfig", *tls);
  if (const Doc* rs = x.get("responses"); rs && rs->is_map()) {
    Doc out = Doc::map();
    for (const auto& [pattern, r] : rs->as_map()) {
      if (!r.is_map()) continue;
      Doc ir = Doc::map();
      std::string code = str_of(r.get("statusCode") ? *r.get("statusCode") : Doc(""));
      if (code.empty()) {
        error = "Invalid response status code specified";
        continue;
      }
      ir.set("statusCode", code);
      if (pattern != "default") ir.set("selectionPattern", pattern);
      if (r.has("responseParameters"))
        ir.set("responseParameters", string_map(r.get("responseParameters")));
      if (r.has("responseTemplates"))
        ir.set("responseTemplates", string_map(r.get("responseTemplates")));
      if (r.has("contentHandling")) ir.set("contentHandling", r.str("contentHandling"));
      out.set(code, std::move(ir));
    }
    i.set("integrationResponses", std::move(out));
  }
  return i;
}

struct Importer {
  Importer(const Doc& s, const ImportOptions& o) : spec(s), opt(o) {}
  const Doc& spec;
  const ImportOptions& opt;
  Imported out;
  bool oas3 = false;
  std::map<std::string, std::string> by_path;         // resource path → id
  std::map<std::string, std::string> authorizer_ids;  // scheme name → id
  std::set<std::string> api_key_schemes, iam_schemes;
  std::map<std::string, std::string> validator_ids;  // validator name → id

  std::string new_id(size_t n) { return opt.new_id ? opt.new_id(n) : std::string(n, 'x'); }

  std::string resource_for(const std::string& path) {
    if (auto it = by_path.find(path); it != by_path.end()) return it->second;
    auto slash = path.rfind('/');
    std::string parent_path = slash == 0 ? "/" : path.substr(0, slash);
    std::string parent = resource_for(parent_path);
    std::string part = path.substr(slash + 1);
    std::string id = new_id(6);
    Doc r = Doc::map();
    r.set("id", id);
    r.set("parentId", parent);
    r.set("pathPart", part);
    r.set("path", path);
    r.set("resourceMethods", Doc::map());
    out.resources.set(id, std::move(r));
    by_path[path] = id;
    return id;
  }

  const Doc* components(const char* oas3_name, const char* swagger_name) const {
    if (oas3) {
      const Doc* c = spec.get("components");
      return c && c->is_map() ? c->get(oas3_name) : nullptr;
    }
    return spec.get(swagger_name);
  }

  void api_members() {
    const Doc* info = spec.get("info");
    std::string title = info && info->is_map() ? info->str("title") : "";
    if (title.empty()) out.errors.push_back("Invalid API name specified");
    out.api.set("name", title);
    if (info && info->is_map()) {
      if (info->has("description")) out.api.set("description", info->str("description"));
      if (info->has("version")) out.api.set("version", str_of(*info->get("version")));
    }
    if (const Doc* b = spec.get("x-amazon-apigateway-binary-media-types"); b && b->is_list()) {
      Doc l = Doc::list();
      for (const auto& t : b->as_list()) l.push(str_of(t));
      out.api.set("binaryMediaTypes", std::move(l));
    }
    if (const Doc* k = spec.get("x-amazon-apigateway-api-key-source"); k && k->is_string()) {
      std::string src = upper(k->as_string());
      if (src != "HEADER" && src != "AUTHORIZER")
        out.warnings.push_back("Invalid API key source: " + k->as_string());
      else
        out.api.set("apiKeySource", src);
    }
    if (const Doc* p = spec.get("x-amazon-apigateway-policy"); p && !p->is_null())
      out.api.set("policy", str_of(*p));
    if (const Doc* m = spec.get("x-amazon-apigateway-minimum-compression-size");
        m && m->is_number())
      out.api.set("minimumCompressionSize", m->as_int());
    if (const Doc* e = spec.get("x-amazon-apigateway-endpoint-configuration");
        e && e->is_map() && e->has("disableExecuteApiEndpoint"))
      out.api.set("disableExecuteApiEndpoint", e->flag("disableExecuteApiEndpoint"));
  }

  void models() {
    const Doc* schemas = components("schemas", "definitions");
    if (!schemas || !schemas->is_map()) return;
    for (const auto& [name, schema] : schemas->as_map()) {
      bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c));
      });
      if (!ok) {
        out.warnings.push_back("Model name must be alphanumeric: " + name);
        continue;
      }
      Doc s = schema;
      rewrite_refs(s, opt.api_id, true);
      if (s.is_map() && !s.has("$schema"))
        s.set("$schema", "http://json-schema.org/draft-04/schema#");
      if (s.is_map() && !s.has("title")) s.set("title", name);
      Doc m = Doc::map();
      m.set("id", new_id(6));
      m.set("name", name);
      m.set("contentType", "application/json");
      m.set("schema", json::write(s));
      out.models.set(name, std::move(m));
    }
  }

  void security_schemes() {
    const Doc* schemes = components("securitySchemes", "securityDefinitions");
    if (!schemes || !schemes->is_map()) return;
    for (const auto& [name, s] : schemes->as_map()) {
      if (!s.is_map()) continue;
      std::string auth_type = s.str("x-amazon-apigateway-authtype");
      const Doc* a = s.get("x-amazon-apigateway-authorizer");
      if (!a) {
        if (lower(auth_type) == "awssigv4")
          iam_schemes.insert(name);
        else if (s.str("type") == "apiKey" && lower(s.str("name")) == "x-api-key")
          api_key_schemes.insert(name);
        continue;
      }
      if (!a->is_map()) continue;
      std::string type = upper(a->str("type"));
      if (type != "TOKEN" && type != "REQUEST" && type != "COGNITO_USER_POOLS") {
        out.warnings.push_back("Invalid authorizer type specified for " + name);
        continue;
      }
      Doc z = Doc::map();
      std::string id = new_id(6);
      z.set("id", id);
      z.set("name", name);
      z.set("type", type);
      if (!auth_type.empty()) z.set("authType", auth_type);
      for (const char* k :
           {"authorizerUri", "authorizerCredentials", "identityValidationExpression"})
        if (a->has(k)) z.set(k, a->str(k));
      if (a->has("providerARNs")) z.set("providerARNs", *a->get("providerARNs"));
      std::string source = a->str("identitySource");
      if (source.empty() && s.str("in") == "header" && !s.str("name").empty())
        source = "method.request.header." + s.str("name");
      if (!source.empty()) z.set("identitySource", source);
      z.set("authorizerResultTtlInSeconds", a->integer("authorizerResultTtlInSeconds", 300));
      out.authorizers.set(id, std::move(z));
      authorizer_ids[name] = id;
    }
  }

  void validators() {
    if (const Doc* v = spec.get("x-amazon-apigateway-request-validators"); v && v->is_map()) {
      for (const auto& [name, x] : v->as_map()) {
        Doc d = Doc::map();
        std::string id = new_id(6);
        d.set("id", id);
        d.set("name", name);
        d.set("validateRequestBody", x.is_map() && x.flag("validateRequestBody"));
        d.set("validateRequestParameters", x.is_map() && x.flag("validateRequestParameters"));
        out.validators.set(id, std::move(d));
        validator_ids[name] = id;
      }
    }
  }

  void gateway_responses() {
    const Doc* g = spec.get("x-amazon-apigateway-gateway-responses");
    if (!g || !g->is_map()) return;
    for (const auto& [type, x] : g->as_map()) {
      if (!x.is_map()) continue;
      Doc r = Doc::map();
      r.set("responseType", type);
      if (x.has("statusCode")) r.set("statusCode", str_of(*x.get("statusCode")));
      if (x.has("responseParameters"))
        r.set("responseParameters", string_map(x.get("responseParameters")));
      if (x.has("responseTemplates"))
        r.set("responseTemplates", string_map(x.get("responseTemplates")));
      r.set("defaultResponse", false);
      out.gateway_responses.set(type, std::move(r));
    }
  }

  void parameters(const Doc* params, Doc& request_params, Doc& models, const Doc* consumes) {
    if (!params || !params->is_list()) return;
    for (const auto& p : params->as_list()) {
      if (!p.is_map()) continue;
      std::string in = p.str("in"), name = p.str("name");
      static const std::map<std::string, std::string> where = {
          {"path", "path"}, {"query", "querystring"}, {"header", "header"}};
      if (auto w = where.find(in); w != where.end() && !name.empty()) {
        request_params.set("method.request." + w->second + "." + name,
                           in == "path" || p.flag("required"));
      } else if (in == "body") {  // Swagger 2 body parameter
        std::string model = ref_name(p.get("schema"));
        if (model.empty()) continue;
        if (consumes && consumes->is_list() && consumes->size() > 0) {
          for (const auto& ct : consumes->as_list()) models.set(str_of(ct), model);
        } else {
          models.set("application/json", model);
        }
      }
    }
  }

  Doc method(const std::string& path, const std::string& verb, const Doc& op,
             const Doc* path_params) {
    Doc m = Doc::map();
    m.set("httpMethod", verb);
    m.set("authorizationType", "NONE");
    m.set("apiKeyRequired", false);
    if (op.has("operationId")) m.set("operationName", op.str("operationId"));
    Doc request_params = Doc::map(), request_models = Doc::map();
    const Doc* consumes = op.get("consumes") ? op.get("consumes") : spec.get("consumes");
    parameters(path_params, request_params, request_models, consumes);
    parameters(op.get("parameters"), request_params, request_models, consumes);
    if (const Doc* body = op.get("requestBody"); body && body->is_map()) {
      if (const Doc* content = body->get("content"); content && content->is_map())
        for (const auto& [ct, media] : content->as_map()) {
          std::string model = ref_name(media.is_map() ? media.get("schema") : nullptr);
          if (!model.empty()) request_models.set(ct, model);
        }
    }
    if (request_params.size()) m.set("requestParameters", std::move(request_params));
    if (request_models.size()) m.set("requestModels", std::move(request_models));
    // security: the first requirement naming a known scheme decides
    const Doc* security = op.get("security") ? op.get("security") : spec.get("security");
    if (security && security->is_list()) {
      for (const auto& req : security->as_list()) {
        if (!req.is_map()) continue;
        for (const auto& [name, scopes] : req.as_map()) {
          if (auto a = authorizer_ids.find(name); a != authorizer_ids.end()) {
            const Doc& z = *out.authorizers.get(a->second);
            m.set("authorizationType",
                  z.str("type") == "COGNITO_USER_POOLS" ? "COGNITO_USER_POOLS" : "CUSTOM");
            m.set("authorizerId", a->second);
            if (scopes.is_list() && scopes.size() && z.str("type") == "COGNITO_USER_POOLS")
              m.set("authorizationScopes", scopes);
          } else if (iam_schemes.count(name)) {
            m.set("authorizationType", "AWS_IAM");
          } else if (api_key_schemes.count(name)) {
            m.set("apiKeyRequired", true);
          }
        }
      }
    }
    std::string validator = op.str("x-amazon-apigateway-request-validator",
                                   spec.str("x-amazon-apigateway-request-validator"));
    if (!validator.empty()) {
      if (auto v = validator_ids.find(validator); v != validator_ids.end())
        m.set("requestValidatorId", v->second);
      else
        out.warnings.push_back("Invalid request validator '" + validator + "' on " + verb + " " +
                               path);
    }
    const Doc* responses = op.get("responses");
    if (!responses || !responses->is_map()) {
      out.warnings.push_back("Parse issue: attribute paths.'" + path + "'(" +
                             lower(verb == "ANY" ? "x-amazon-apigateway-any-method" : verb) +
                             ").responses is missing");
    } else {
      Doc mrs = Doc::map();
      for (const auto& [code, r] : responses->as_map()) {
        if (code == "default" || code.size() != 3 ||
            !std::all_of(code.begin(), code.end(), ::isdigit))
          continue;
        Doc mr = Doc::map();
        mr.set("statusCode", code);
        if (!r.is_map()) {
          mrs.set(code, std::move(mr));
          continue;
        }
        Doc params = Doc::map();
        if (const Doc* h = r.get("headers"); h && h->is_map())
          for (const auto& [name, _] : h->as_map())
            params.set("method.response.header." + name, false);
        if (params.size()) mr.set("responseParameters", std::move(params));
        Doc models = Doc::map();
        if (const Doc* content = r.get("content"); content && content->is_map()) {
          for (const auto& [ct, media] : content->as_map()) {
            std::string model = ref_name(media.is_map() ? media.get("schema") : nullptr);
            if (!model.empty()) models.set(ct, model);
          }
        } else if (std::string model = ref_name(r.get("schema")); !model.empty()) {
          const Doc* produces = op.get("produces") ? op.get("produces") : spec.get("produces");
          if (produces && produces->is_list() && produces->size())
            for (const auto& ct : produces->as_list()) models.set(str_of(ct), model);
          else
            models.set("application/json", model);
        }
        if (models.size()) mr.set("responseModels", std::move(models));
        mrs.set(code, std::move(mr));
      }
      if (mrs.size()) m.set("methodResponses", std::move(mrs));
    }
    if (const Doc* x = op.get("x-amazon-apigateway-integration"); x && x->is_map()) {
      std::string error;
      Doc i = integration_from(*x, error);
      if (!i.has("cacheNamespace")) i.set("cacheNamespace", by_path[path]);
      if (!error.empty())
        out.errors.push_back("Unable to put integration on '" + verb + "' for resource at path '" +
                             path + "': " + error);
      else
        m.set("methodIntegration", std::move(i));
    }
    return m;
  }

  void paths() {
    const Doc* paths = spec.get("paths");
    if (!paths || !paths->is_map()) return;
    for (const auto& [raw, item] : paths->as_map()) {
      std::string path = raw;
      if (path.empty() || path[0] != '/') {
        out.warnings.push_back("Invalid path '" + raw + "'");
        continue;
      }
      while (path.size() > 1 && path.back() == '/') path.pop_back();
      bool valid = true;
      for (size_t p = 1; p < path.size() && valid;) {
        auto slash = path.find('/', p);
        std::string part =
            path.substr(p, slash == std::string::npos ? std::string::npos : slash - p);
        valid = !part.empty();
        if (part.size() > 1 && part.front() == '{') valid = part.back() == '}';
        p = slash == std::string::npos ? path.size() : slash + 1;
      }
      if (!valid) {
        out.errors.push_back("Invalid resource path '" + raw + "'");
        continue;
      }
      std::string rid = resource_for(path);
      if (!item.is_map()) continue;
      const Doc* path_params = item.get("parameters");
      for (const auto& [key, op] : item.as_map()) {
        if (key == "parameters" || key == "summary" || key == "description" || key == "servers" ||
            key.rfind("x-", 0) == 0) {
          if (key != "x-amazon-apigateway-any-method") continue;
        }
        auto v = verbs().find(key);
        if (v == verbs().end()) {
          out.warnings.push_back("Unsupported method '" + key + "' on path '" + raw + "'");
          continue;
        }
        if (!op.is_map()) continue;
        Doc m = method(path, v->second, op, path_params);
        out.resources[rid]["resourceMethods"].set(v->second, std::move(m));
      }
    }
  }

  void base_path() {
    if (opt.basepath == "ignore") return;
    std::string bp;
    if (oas3) {
      if (const Doc* servers = spec.get("servers");
          servers && servers->is_list() && servers->size()) {
        const Doc& s = servers->as_list()[0];
        std::string url = s.str("url");
        if (auto v = s.get("variables"); v && v->is_map() && v->get("basePath"))
          for (size_t p; (p = url.find("{basePath}")) != std::string::npos;)
            url.replace(p, 10, v->get("basePath")->str("default"));
        auto scheme = url.find("://");
        auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
        bp = slash == std::string::npos ? "" : url.substr(slash);
      }
    } else {
      bp = spec.str("basePath");
    }
    while (!bp.empty() && bp.back() == '/') bp.pop_back();
    if (bp.empty() || bp == "/") return;
    if (opt.basepath == "split") bp = bp.substr(0, bp.find('/', 1));
    if (opt.basepath == "prepend" || opt.basepath == "split") prefix = bp;
  }
  std::string prefix;

  Imported run() {
    oas3 = spec.is_map() && spec.get("openapi") && str_of(*spec.get("openapi")).rfind("3.", 0) == 0;
    bool swagger = spec.is_map() && spec.get("swagger") && str_of(*spec.get("swagger")) == "2.0";
    if (!oas3 && !swagger)
      throw errors::bad_request(
          "Invalid OpenAPI input: the document must declare openapi: 3.x or swagger: \"2.0\"");
    Doc root = Doc::map();
    root.set("id", opt.root_id);
    root.set("path", "/");
    root.set("resourceMethods", Doc::map());
    out.resources.set(opt.root_id, std::move(root));
    by_path["/"] = opt.root_id;
    api_members();
    models();
    security_schemes();
    validators();
    gateway_responses();
    base_path();
    if (!prefix.empty()) {
      // basepath=prepend: every path lives under the base path's resources
      Doc copy = spec.get("paths") ? *spec.get("paths") : Doc::map();
      Doc moved = Doc::map();
      if (copy.is_map())
        for (auto& [p, item] : copy.as_map()) moved.set(prefix + (p == "/" ? "" : p), item);
      Doc spec2 = spec;
      spec2.set("paths", moved);
      Importer sub{spec2, opt};
      sub.out = std::move(out);
      sub.oas3 = oas3;
      sub.by_path = by_path;
      sub.authorizer_ids = authorizer_ids;
      sub.api_key_schemes = api_key_schemes;
      sub.iam_schemes = iam_schemes;
      sub.validator_ids = validator_ids;
      sub.paths();
      return std::move(sub.out);
    }
    paths();
    return std::move(out);
  }
};

// --- export helpers -------------------------------------------------------------------------

// A security requirement on the operation and the apiKey-in-header scheme it names.
Doc& header_scheme(Doc& security, Doc& schemes, const std::string& name,
                   const std::string& header) {
  Doc req = Doc::map();
  req.set(name, Doc::list());
  security.push(std::move(req));
  Doc scheme = Doc::map();
  scheme.set("type", "apiKey");
  scheme.set("name", header);
  scheme.set("in", "header");
  return schemes.set(name, std::move(scheme));
}

Doc export_integration(const Doc& i) {
  Doc x = Doc::map();
  x.set("type", lower(i.str("type")));
  for (const char* k : {"httpMethod", "uri", "credentials", "connectionType", "connectionId",
                        "contentHandling", "cacheNamespace"})
    if (const Doc* v = i.get(k); v && v->is_string() && !v->as_string().empty()) x.set(k, *v);
  for (const char* k : {"requestParameters", "requestTemplates", "tlsConfig"})
    if (const Doc* v = i.get(k); v && v->is_map() && v->size()) x.set(k, *v);
  if (const Doc* v = i.get("cacheKeyParameters"); v && v->is_list() && v->size())
    x.set("cacheKeyParameters", *v);
  x.set("passthroughBehavior", lower(i.str("passthroughBehavior", "WHEN_NO_MATCH")));
  if (i.has("timeoutInMillis")) x.set("timeoutInMillis", i.integer("timeoutInMillis"));
  if (const Doc* irs = i.get("integrationResponses"); irs && irs->is_map() && irs->size()) {
    Doc rs = Doc::map();
    for (const auto& [code, ir] : irs->as_map()) {
      Doc r =
          copy_if(ir, {"statusCode", "responseParameters", "responseTemplates", "contentHandling"});
      rs.set(ir.str("selectionPattern").empty() ? "default" : ir.str("selectionPattern"),
             std::move(r));
    }
    x.set("responses", std::move(rs));
  }
  return x;
}

}  // namespace

Doc parse_text(std::string_view text) {
  std::string_view t = text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  if (t.empty()) throw errors::bad_request("Invalid OpenAPI input: the document is empty");
  if (t.front() == '{') {
    try {
      return json::parse(text);
    } catch (const AwsError& e) {
      throw errors::bad_request("Invalid OpenAPI input: " + e.message);
    }
  }
  try {
    YAML::Node n = YAML::Load(std::string(text));
    if (!n.IsMap()) throw errors::bad_request("Invalid OpenAPI input: the document must be a mapping");
    size_t budget = std::max<size_t>(text.size(), 100000);
    return from_yaml(n, 0, budget);
  } catch (const YAML::Exception& e) {
    throw errors::bad_request(std::string("Invalid OpenAPI input: ") + e.what());
  }
}

std::string to_yaml(const Doc& d) {
  YAML::Emitter e;
  emit(e, d);
  return std::string(e.c_str()) + "\n";
}

Imported import_document(const Doc& spec, const ImportOptions& opt) {
  Importer im{spec, opt};
  return im.run();
}

Doc export_document(const Doc& stored, const Doc& resources, const ExportOptions& opt) {
  bool oas3 = opt.type == "oas30";
  const Doc* api = stored.get("api");
  Doc o = Doc::map();
  if (oas3)
    o.set("openapi", "3.0.1");
  else
    o.set("swagger", "2.0");
  Doc info = Doc::map();
  info.set("title", api ? api->str("name") : "");
  if (api && api->has("description")) info.set("description", api->str("description"));
  info.set("version", api && api->has("version") ? api->str("version") : std::string("1.0"));
  o.set("info", std::move(info));
  if (oas3) {
    Doc server = Doc::map();
    server.set("url", "https://" + opt.host + "/{basePath}");
    Doc vars = Doc::map();
    Doc bp = Doc::map();
    bp.set("default", opt.stage);
    vars.set("basePath", std::move(bp));
    server.set("variables", std::move(vars));
    Doc servers = Doc::list();
    servers.push(std::move(server));
    o.set("servers", std::move(servers));
  } else {
    o.set("host", opt.host);
    o.set("basePath", "/" + opt.stage);
    Doc schemes = Doc::list();
    schemes.push(Doc("https"));
    o.set("schemes", std::move(schemes));
  }
  std::string ref_prefix = oas3 ? "#/components/schemas/" : "#/definitions/";
  auto ref = [&](const std::string& model) {
    Doc s = Doc::map();
    s.set("$ref", ref_prefix + model);
    return s;
  };
  bool with_auth = opt.authorizers || opt.apigateway;
  bool with_integ = opt.integrations || opt.apigateway;
  std::map<std::string, std::string> validator_names;
  if (const Doc* v = stored.get("validators"); v && v->is_map())
    for (const auto& [id, x] : v->as_map()) validator_names[id] = x.str("name");
  Doc paths = Doc::map();
  Doc security_schemes = Doc::map();
  // A string-typed parameter or header: OAS3 nests the type in a schema.
  auto string_typed = [oas3](Doc& d) {
    Doc schema = Doc::map();
    schema.set("type", "string");
    if (oas3)
      d.set("schema", std::move(schema));
    else
      d.set("type", "string");
  };
  // OAS3 "content": {media type: {schema: $ref}} from a models map.
  auto content_of = [&ref](const Doc& models) {
    Doc content = Doc::map();
    for (const auto& [ct, model] : models.as_map()) {
      Doc media = Doc::map();
      media.set("schema", ref(str_of(model)));
      content.set(ct, std::move(media));
    }
    return content;
  };
  if (resources.is_map()) {
    for (const auto& [rid, r] : resources.as_map()) {
      const Doc* rm = r.get("resourceMethods");
      if (!rm || !rm->is_map() || rm->size() == 0) continue;
      Doc item = Doc::map();
      for (const auto& [verb, m] : rm->as_map()) {
        Doc op = Doc::map();
        if (m.has("operationName")) op.set("operationId", m.str("operationName"));
        Doc params = Doc::list();
        if (const Doc* rp = m.get("requestParameters"); rp && rp->is_map()) {
          for (const auto& [k, req] : rp->as_map()) {
            static const std::vector<std::pair<std::string, std::string>> where = {
                {"method.request.path.", "path"},
                {"method.request.querystring.", "query"},
                {"method.request.header.", "header"}};
            for (const auto& [prefix, in] : where) {
              if (k.rfind(prefix, 0) != 0) continue;
              Doc p = Doc::map();
              p.set("name", k.substr(prefix.size()));
              p.set("in", in);
              p.set("required", in == "path" || (req.is_bool() && req.as_bool()));
              string_typed(p);
              params.push(std::move(p));
            }
          }
        }
        if (const Doc* models = m.get("requestModels");
            models && models->is_map() && models->size()) {
          if (oas3) {
            Doc body = Doc::map();
            body.set("content", content_of(*models));
            body.set("required", true);
            op.set("requestBody", std::move(body));
          } else {
            const auto& [ct, model] = *models->as_map().begin();
            Doc p = Doc::map();
            p.set("in", "body");
            p.set("name", str_of(model));
            p.set("required", true);
            p.set("schema", ref(str_of(model)));
            params.push(std::move(p));
            Doc consumes = Doc::list();
            for (const auto& [c, _] : models->as_map()) consumes.push(Doc(c));
            op.set("consumes", std::move(consumes));
          }
        }
        if (params.size()) op.set("parameters", std::move(params));
        Doc responses = Doc::map();
        if (const Doc* mrs = m.get("methodResponses"); mrs && mrs->is_map()) {
          for (const auto& [code, mr] : mrs->as_map()) {
            Doc r2 = Doc::map();
            r2.set("description", code + " response");
            if (const Doc* rp = mr.get("responseParameters"); rp && rp->is_map() && rp->size()) {
              Doc headers = Doc::map();
              for (const auto& [k, _] : rp->as_map()) {
                if (k.rfind("method.response.header.", 0) != 0) continue;
                Doc h = Doc::map();
                string_typed(h);
                headers.set(k.substr(23), std::move(h));
              }
              r2.set("headers", std::move(headers));
            }
            if (const Doc* models = mr.get("responseModels");
                models && models->is_map() && models->size()) {
              if (oas3) {
                r2.set("content", content_of(*models));
              } else {
                r2.set("schema", ref(str_of(models->as_map().begin()->second)));
              }
            }
            responses.set(code, std::move(r2));
          }
        }
        op.set("responses", std::move(responses));
        std::string auth = m.str("authorizationType", "NONE");
        Doc security = Doc::list();
        if ((auth == "CUSTOM" || auth == "COGNITO_USER_POOLS") && with_auth) {
          const Doc* z = stored.get("authorizers")
                             ? stored.get("authorizers")->get(m.str("authorizerId"))
                             : nullptr;
          if (z) {
            Doc req = Doc::map();
            req.set(z->str("name"),
                    m.has("authorizationScopes") ? *m.get("authorizationScopes") : Doc::list());
            security.push(std::move(req));
            Doc scheme = Doc::map();
            scheme.set("type", "apiKey");
            std::string source = z->str("identitySource");
            scheme.set("name", source.rfind("method.request.header.", 0) == 0
                                   ? source.substr(22)
                                   : std::string("Unused"));
            scheme.set("in", "header");
            if (z->has("authType"))
              scheme.set("x-amazon-apigateway-authtype", z->str("authType"));
            else
              scheme.set("x-amazon-apigateway-authtype",
                         z->str("type") == "COGNITO_USER_POOLS" ? "cognito_user_pools" : "custom");
            Doc x = copy_if(*z, {"authorizerUri", "authorizerCredentials", "identitySource",
                                 "identityValidationExpression", "providerARNs",
                                 "authorizerResultTtlInSeconds"});
            x.set("type", lower(z->str("type")));
            scheme.set("x-amazon-apigateway-authorizer", std::move(x));
            security_schemes.set(z->str("name"), std::move(scheme));
          }
        } else if (auth == "AWS_IAM" && with_auth) {
          header_scheme(security, security_schemes, "sigv4", "Authorization")
              .set("x-amazon-apigateway-authtype", "awsSigv4");
        }
        if (m.flag("apiKeyRequired"))
          header_scheme(security, security_schemes, "api_key", "x-api-key");
        if (security.size()) op.set("security", std::move(security));
        if (opt.apigateway && m.has("requestValidatorId"))
          if (auto v = validator_names.find(m.str("requestValidatorId"));
              v != validator_names.end())
            op.set("x-amazon-apigateway-request-validator", v->second);
        if (with_integ)
          if (const Doc* i = m.get("methodIntegration"))
            op.set("x-amazon-apigateway-integration", export_integration(*i));
        item.set(verb == "ANY" ? "x-amazon-apigateway-any-method" : lower(verb), std::move(op));
      }
      paths.set(r.str("path"), std::move(item));
    }
  }
  o.set("paths", std::move(paths));
  Doc schemas = Doc::map();
  if (const Doc* models = stored.get("models"); models && models->is_map()) {
    for (const auto& [name, m] : models->as_map()) {
      Doc s;
      try {
        s = json::parse(m.str("schema", "{}"));
      } catch (const AwsError&) {
        s = Doc::map();
      }
      rewrite_refs(s, ref_prefix, false);
      if (s.is_map()) {
        s.as_map().erase("$schema");
        s.as_map().erase("title");
        s.as_map().erase("id");
      }
      schemas.set(name, std::move(s));
    }
  }
  if (oas3) {
    Doc comps = Doc::map();
    if (schemas.size()) comps.set("schemas", std::move(schemas));
    if (security_schemes.size()) comps.set("securitySchemes", std::move(security_schemes));
    if (comps.size()) o.set("components", std::move(comps));
  } else {
    if (security_schemes.size()) o.set("securityDefinitions", std::move(security_schemes));
    if (schemas.size()) o.set("definitions", std::move(schemas));
  }
  if (opt.apigateway && api) {
    if (const Doc* b = api->get("binaryMediaTypes"); b && b->is_list() && b->size())
      o.set("x-amazon-apigateway-binary-media-types", *b);
    if (api->str("apiKeySource", "HEADER") != "HEADER")
      o.set("x-amazon-apigateway-api-key-source", api->str("apiKeySource"));
    if (api->has("policy")) {
      try {
        o.set("x-amazon-apigateway-policy", json::parse(api->str("policy")));
      } catch (const AwsError&) {
      }
    }
    if (api->has("minimumCompressionSize"))
      o.set("x-amazon-apigateway-minimum-compression-size", *api->get("minimumCompressionSize"));
    if (const Doc* v = stored.get("validators"); v && v->is_map() && v->size()) {
      Doc vs = Doc::map();
      for (const auto& [_, x] : v->as_map())
        vs.set(x.str("name"), copy_if(x, {"validateRequestBody", "validateRequestParameters"}));
      o.set("x-amazon-apigateway-request-validators", std::move(vs));
    }
    if (const Doc* g = stored.get("gatewayResponses"); g && g->is_map() && g->size()) {
      Doc gs = Doc::map();
      for (const auto& [type, x] : g->as_map())
        gs.set(type, copy_if(x, {"statusCode", "responseParameters", "responseTemplates"}));
      o.set("x-amazon-apigateway-gateway-responses", std::move(gs));
    }
  }
  return o;
}

}  // namespace stratus::apigateway::openapi
