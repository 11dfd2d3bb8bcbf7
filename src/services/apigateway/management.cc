// The API Gateway control plane: RestApis, Resources, Methods, MethodResponses, Integrations,
// IntegrationResponses, Deployments, Stages, Authorizers, Models, RequestValidators,
// GatewayResponses. Errors and messages as AWS answers them.
#include <algorithm>
#include <mutex>
#include <set>

#include "core/ids.h"
#include "server/context.h"
#include "services/apigateway/apigateway.h"
#include "services/apigateway/guard.h"

namespace stratus::apigateway {
namespace {

int64_t now_ms(const OpContext& ctx) { return ctx.now_ms; }

// One REST API loaded for a read-modify-write under the store's lock.
struct Tx {
  OpContext& ctx;
  Store& store;
  std::unique_lock<std::mutex> lock;
  std::string id;
  Doc doc;

  Tx(OpContext& c, Store& s, const std::string& api_id) : ctx(c), store(s), lock(s.mu), id(api_id) {
    auto d = store.load(ctx.storage, ctx.account(), ctx.region(), id);
    if (!d) throw not_found("Invalid API identifier specified " + ctx.account() + ":" + id);
    doc = std::move(*d);
  }
  void save() { store.save(ctx.storage, ctx.account(), ctx.region(), id, doc); }
  Doc& section(const char* name) {
    Doc& s = doc[name];
    if (!s.is_map()) s = Doc::map();
    return s;
  }
  Doc& resource(const std::string& rid) {
    Doc* r = section("resources").get(rid);
    if (!r) throw not_found("Invalid Resource identifier specified");
    return *r;
  }
  Doc& method(const std::string& rid, const std::string& verb) {
    Doc& r = resource(rid);
    Doc* m = r["resourceMethods"].get(verb);
    if (!m) throw not_found("Invalid Method identifier specified");
    return *m;
  }
  Doc& integration(const std::string& rid, const std::string& verb) {
    Doc& m = method(rid, verb);
    Doc* i = m.get("methodIntegration");
    if (!i) throw not_found("Invalid Integration identifier specified");
    return *i;
  }
};

// Read-only view (no lock).
Doc load_api(OpContext& ctx, Store& store, const std::string& id) {
  auto d = store.load(ctx.storage, ctx.account(), ctx.region(), id);
  if (!d) throw not_found("Invalid API identifier specified " + ctx.account() + ":" + id);
  return std::move(*d);
}

}  // namespace

Doc out(Doc d) {
  output_dates(d);
  return d;
}

void copy_members(const Doc& in, Doc& to, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (const Doc* v = in.get(n)) to.set(n, *v);
}

Doc items(std::vector<Doc> list) {
  Doc o = Doc::map();
  Doc l = Doc::list();
  for (auto& d : list) l.push(out(std::move(d)));
  o.set("items", std::move(l));
  return o;
}

namespace {

std::string verb_of(const Doc& in) {
  std::string v = in.str("httpMethod");
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return v;
}

// --- patch operations ---------------------------------------------------------------------

std::string unescape_pointer(std::string_view s) {
  std::string o;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '~' && i + 1 < s.size() && (s[i + 1] == '1' || s[i + 1] == '0')) {
      o += s[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      o += s[i];
    }
  }
  return o;
}

std::vector<std::string> pointer(std::string_view path) {
  std::vector<std::string> segs;
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    segs.push_back(unescape_pointer(path.substr(0, slash)));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segs;
}

const std::set<std::string>& bool_fields() {
  static const std::set<std::string> s = {"apiKeyRequired", "disableExecuteApiEndpoint", "cacheClusterEnabled",
                                          "tracingEnabled", "validateRequestBody", "validateRequestParameters",
                                          "enabled", "metricsEnabled", "dataTraceEnabled", "cachingEnabled",
                                          "requireAuthorizationForCacheControl", "cacheDataEncrypted"};
  return s;
}
const std::set<std::string>& int_fields() {
  static const std::set<std::string> s = {"timeoutInMillis", "minimumCompressionSize", "authorizerResultTtlInSeconds",
                                          "throttlingBurstLimit", "cacheTtlInSeconds", "burstLimit", "limit", "offset"};
  return s;
}
const std::set<std::string>& list_fields() {
  static const std::set<std::string> s = {"binaryMediaTypes", "cacheKeyParameters", "authorizationScopes",
                                          "providerARNs", "targetArns"};
  return s;
}

Doc typed(const std::string& field, const std::string& v) {
  if (bool_fields().count(field)) return Doc(v == "true");
  if (int_fields().count(field)) {
    try {
      return Doc(static_cast<int64_t>(std::stoll(v)));
    } catch (const std::exception&) {
      throw bad_request("Invalid value for " + field + ": " + v);
    }
  }
  if (field == "throttlingRateLimit" || field == "rateLimit") {
    try {
      return Doc(std::stod(v));
    } catch (const std::exception&) {
      throw bad_request("Invalid value for " + field + ": " + v);
    }
  }
  return Doc(v);
}

// A stage's "/{resourcePath}/{method}/{area}/{setting}" paths address methodSettings.
bool stage_method_setting(Doc& stage, const std::vector<std::string>& segs, const std::string& op, const std::string& v) {
  if (segs.size() < 4) return false;
  static const std::map<std::string, std::string> names = {
      {"logging/loglevel", "loggingLevel"},       {"logging/dataTrace", "dataTraceEnabled"},
      {"metrics/enabled", "metricsEnabled"},      {"throttling/burstLimit", "throttlingBurstLimit"},
      {"throttling/rateLimit", "throttlingRateLimit"}, {"caching/enabled", "cachingEnabled"},
      {"caching/ttlInSeconds", "cacheTtlInSeconds"},   {"caching/dataEncrypted", "cacheDataEncrypted"},
      {"caching/requireAuthorizationForCacheControl", "requireAuthorizationForCacheControl"},
      {"caching/unauthorizedCacheControlHeaderStrategy", "unauthorizedCacheControlHeaderStrategy"}};
  std::string setting = segs[segs.size() - 2] + "/" + segs.back();
  auto it = names.find(setting);
  if (it == names.end()) return false;
  std::string key;
  for (size_t i = 0; i + 2 < segs.size(); ++i) key += (i ? "/" : "") + segs[i];
  Doc& ms = stage["methodSettings"];
  if (!ms.is_map()) ms = Doc::map();
  Doc& entry = ms[key];
  if (!entry.is_map()) entry = Doc::map();
  if (op == "remove") entry.as_map().erase(it->second);
  else entry.set(it->second, typed(it->second, v));
  return true;
}

}  // namespace

void apply_patch(Doc& target, const Doc& in, bool is_stage) {
  const Doc* ops = in.get("patchOperations");
  if (!ops || !ops->is_list()) return;
  for (const Doc& op : ops->as_list()) {
    std::string kind = op.str("op");
    std::string path = op.str("path");
    std::string value = op.str("value");
    if (path.empty() || path[0] != '/') throw bad_request("Invalid patch path " + path);
    auto segs = pointer(path);
    if (is_stage && stage_method_setting(target, segs, kind, value)) continue;
    if (kind == "copy" || kind == "move") {
      auto from = pointer(op.str("from"));
      Doc* src = &target;
      for (const auto& s : from) src = src && src->is_map() ? src->get(s) : nullptr;
      if (!src) throw bad_request("Invalid patch path " + op.str("from"));
      Doc v = *src;
      if (kind == "move") {
        Doc* parent = &target;
        for (size_t i = 0; i + 1 < from.size(); ++i) parent = parent->get(from[i]);
        if (parent && parent->is_map()) parent->as_map().erase(from.back());
      }
      Doc* dst = &target;
      for (size_t i = 0; i + 1 < segs.size(); ++i) {
        Doc& next = (*dst)[segs[i]];
        if (!next.is_map()) next = Doc::map();
        dst = &next;
      }
      dst->set(segs.back(), std::move(v));
      continue;
    }
    // Lists addressed by their element: "/binaryMediaTypes/image~1png".
    if (segs.size() == 2 && list_fields().count(segs[0])) {
      Doc& l = target[segs[0]];
      if (!l.is_list()) l = Doc::list();
      auto& items = l.as_list();
      auto found = std::find(items.begin(), items.end(), Doc(segs[1]));
      if (kind == "remove") {
        if (found != items.end()) items.erase(found);
      } else if (kind == "add" || kind == "replace") {
        if (kind == "replace" && found != items.end()) *found = Doc(value);
        else if (found == items.end()) items.push_back(Doc(segs[1]));
      }
      continue;
    }
    Doc* parent = &target;
    for (size_t i = 0; i + 1 < segs.size(); ++i) {
      Doc& next = (*parent)[segs[i]];
      if (!next.is_map()) next = Doc::map();
      parent = &next;
    }
    const std::string& field = segs.back();
    if (kind == "remove") {
      parent->as_map().erase(field);
    } else if (kind == "add" || kind == "replace") {
      if (list_fields().count(field)) {
        Doc l = Doc::list();
        if (!value.empty()) l.push(Doc(value));
        parent->set(field, std::move(l));
      } else {
        parent->set(field, typed(field, value));
      }
    } else {
      throw bad_request("Invalid patch operation specified. Must be 'add'|'remove'|'replace'|'copy'|'move'|'test'");
    }
  }
}

namespace {

// --- resources ----------------------------------------------------------------------------

bool valid_path_part(const std::string& p) {
  if (p.empty()) return false;
  if (p.front() == '{') {
    if (p.back() != '}' || p.size() < 3) return false;
    std::string inner = p.substr(1, p.size() - 2);
    if (!inner.empty() && inner.back() == '+') inner.pop_back();
    if (inner.empty()) return false;
    for (char c : inner)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
    return true;
  }
  for (char c : p)
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("._-:@$&,;=+!'*()~").find(c) == std::string_view::npos)
      return false;
  return true;
}

Doc resource_view(const Doc& r, bool embed_methods) {
  Doc o = r;
  if (const Doc* rm = r.get("resourceMethods")) {
    if (rm->size() == 0) {
      o.as_map().erase("resourceMethods");
    } else if (!embed_methods) {
      Doc short_form = Doc::map();
      for (const auto& [verb, _] : rm->as_map()) short_form.set(verb, Doc::map());
      o.set("resourceMethods", std::move(short_form));
    }
  }
  return o;
}

void delete_subtree(Doc& resources, const std::string& id) {
  std::vector<std::string> children;
  for (const auto& [rid, r] : resources.as_map())
    if (r.str("parentId") == id) children.push_back(rid);
  for (const auto& c : children) delete_subtree(resources, c);
  resources.as_map().erase(id);
}

std::string parent_path(const Doc& parent) { return parent.str("path") == "/" ? "" : parent.str("path"); }

void refresh_paths(Doc& resources, const std::string& id) {
  Doc& r = resources[id];
  const Doc* parent = resources.get(r.str("parentId"));
  if (parent) r.set("path", parent_path(*parent) + "/" + r.str("pathPart"));
  std::vector<std::string> children;
  for (const auto& [rid, c] : resources.as_map())
    if (c.str("parentId") == id) children.push_back(rid);
  for (const auto& c : children) refresh_paths(resources, c);
}

// --- deployments and stages ---------------------------------------------------------------

Doc new_stage(OpContext& ctx, const std::string& name, const std::string& deployment_id, const Doc& in,
              const char* description_member) {
  Doc s = Doc::map();
  s.set("stageName", name);
  s.set("deploymentId", deployment_id);
  if (const Doc* d = in.get(description_member)) s.set("description", *d);
  s.set("cacheClusterEnabled", in.flag("cacheClusterEnabled"));
  s.set("cacheClusterStatus", "NOT_AVAILABLE");
  if (const Doc* v = in.get("cacheClusterSize")) s.set("cacheClusterSize", *v);
  s.set("tracingEnabled", in.flag("tracingEnabled"));
  s.set("methodSettings", Doc::map());
  s.set("variables", in.has("variables") ? *in.get("variables") : Doc::map());
  if (const Doc* t = in.get("tags")) s.set("tags", *t);
  s.set("createdDate", now_ms(ctx));
  s.set("lastUpdatedDate", now_ms(ctx));
  return s;
}

void check_stage_name(const std::string& name) {
  if (name.empty() || name.size() > 128) throw bad_request("Stage name only allows a-zA-Z0-9_");
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
      throw bad_request("Stage name only allows a-zA-Z0-9_");
}

}  // namespace

void output_dates(Doc& d) {
  if (d.is_map()) {
    for (auto& [k, v] : d.as_map()) {
      if ((k == "createdDate" || k == "lastUpdatedDate") && v.is_int()) v = Doc(Timestamp{v.as_int()});
      else output_dates(v);
    }
  } else if (d.is_list()) {
    for (auto& v : d.as_list()) output_dates(v);
  }
}

namespace {
// Method and integration responses live in a map by statusCode under `field` of their parent.
Doc* status_entry(Doc& parent, const char* field, const std::string& code) {
  Doc& all = parent[field];
  return all.is_map() ? all.get(code) : nullptr;
}

Result<Doc> update_status_entry(Tx& tx, Doc& parent, const char* field, const Doc& in) {
  Doc* e = status_entry(parent, field, in.str("statusCode"));
  if (!e) return not_found("Invalid Response status code specified");
  apply_patch(*e, in);
  Doc copy = *e;
  tx.save();
  return copy;
}

Result<Doc> delete_status_entry(Tx& tx, Doc& parent, const char* field, const Doc& in) {
  if (!status_entry(parent, field, in.str("statusCode"))) return not_found("Invalid Response status code specified");
  parent[field].as_map().erase(in.str("statusCode"));
  tx.save();
  return Doc::map();
}
}  // namespace

void register_management(Service& svc, Store& store) {
  Store* st = &store;

  // --- RestApis ---
  svc.add("CreateRestApi", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    std::string name = in.str("name");
    if (name.empty()) return bad_request("Invalid REST API name specified");
    std::string id = ids::random_lower_alnum(10);
    std::string root_id = ids::random_lower_alnum(10);
    Doc api = Doc::map();
    api.set("id", id);
    api.set("name", name);
    copy_members(in, api, {"description", "version", "binaryMediaTypes", "minimumCompressionSize", "policy", "tags"});
    api.set("createdDate", now_ms(ctx));
    api.set("apiKeySource", in.str("apiKeySource", "HEADER"));
    Doc ep = Doc::map();
    Doc types = Doc::list();
    types.push(Doc("EDGE"));
    ep.set("types", std::move(types));
    api.set("endpointConfiguration", in.has("endpointConfiguration") ? *in.get("endpointConfiguration") : ep);
    api.set("disableExecuteApiEndpoint", in.flag("disableExecuteApiEndpoint"));
    api.set("rootResourceId", root_id);
    Doc doc = Doc::map();
    Doc root = Doc::map();
    root.set("id", root_id);
    root.set("path", "/");
    root.set("resourceMethods", Doc::map());
    Doc resources = Doc::map();
    resources.set(root_id, std::move(root));
    if (!in.str("cloneFrom").empty()) {
      auto src = st->load(ctx.storage, ctx.account(), ctx.region(), in.str("cloneFrom"));
      if (!src) return not_found("Invalid API identifier specified " + ctx.account() + ":" + in.str("cloneFrom"));
      resources = *src->get("resources");
      api.set("rootResourceId", src->get("api")->str("rootResourceId"));
      for (const char* s : {"models", "validators", "authorizers", "gatewayResponses"})
        if (const Doc* v = src->get(s)) doc.set(s, *v);
    }
    doc.set("api", api);
    doc.set("resources", std::move(resources));
    std::lock_guard lock(st->mu);
    st->save(ctx.storage, ctx.account(), ctx.region(), id, doc);
    return out(api);
  });
  svc.add("GetRestApi", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    return out(*load_api(ctx, *st, in.str("restApiId")).get("api"));
  });
  svc.add("GetRestApis", [st](OpContext& ctx, const Doc&) -> Result<Doc> {
    std::vector<Doc> apis;
    for (auto& d : st->list(ctx.storage, ctx.account(), ctx.region())) apis.push_back(*d.get("api"));
    std::sort(apis.begin(), apis.end(), [](const Doc& a, const Doc& b) { return a.integer("createdDate") < b.integer("createdDate"); });
    return items(std::move(apis));
  });
  svc.add("UpdateRestApi", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    Doc& api = tx.doc["api"];
    apply_patch(api, in);
    api.set("id", tx.id);
    tx.save();
    return out(api);
  });
  svc.add("DeleteRestApi", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    st->remove(ctx.storage, ctx.account(), ctx.region(), tx.id);
    return Doc::map();
  });

  // --- Resources ---
  svc.add("CreateResource", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    Doc& resources = tx.section("resources");
    std::string parent_id = in.str("parentId");
    const Doc& parent = tx.resource(parent_id);
    std::string part = in.str("pathPart");
    if (!valid_path_part(part))
      return bad_request("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.");
    for (const auto& [rid, r] : resources.as_map()) {
      if (r.str("parentId") != parent_id) continue;
      if (r.str("pathPart") == part) return conflict("Another resource with the same parent already has this name: " + part);
      if (part.front() == '{' && r.str("pathPart").front() == '{')
        return bad_request("A sibling (" + r.str("pathPart") + ") of this resource already has a variable path part -- only one is allowed");
    }
    if (parent.str("pathPart").size() > 2 && parent.str("pathPart").substr(parent.str("pathPart").size() - 2) == "+}")
      return bad_request("Cannot create a child of a resource with a greedy path variable: " + parent.str("path"));
    std::string id = ids::random_lower_alnum(6);
    Doc r = Doc::map();
    r.set("id", id);
    r.set("parentId", parent_id);
    r.set("pathPart", part);
    r.set("path", parent_path(parent) + "/" + part);
    r.set("resourceMethods", Doc::map());
    resources.set(id, r);
    tx.save();
    return resource_view(r, true);
  });
  svc.add("GetResource", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc doc = load_api(ctx, *st, in.str("restApiId"));
    const Doc* r = doc["resources"].get(in.str("resourceId"));
    if (!r) return not_found("Invalid Resource identifier specified");
    bool embed = false;
    if (const Doc* e = in.get("embed"))
      for (const auto& x : e->as_list()) embed = embed || x.as_string() == "methods";
    return resource_view(*r, embed);
  });
  svc.add("GetResources", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc doc = load_api(ctx, *st, in.str("restApiId"));
    bool embed = false;
    if (const Doc* e = in.get("embed"))
      for (const auto& x : e->as_list()) embed = embed || x.as_string() == "methods";
    std::vector<Doc> list;
    for (const auto& [_, r] : doc["resources"].as_map()) list.push_back(resource_view(r, embed));
    std::sort(list.begin(), list.end(), [](const Doc& a, const Doc& b) { return a.str("path") < b.str("path"); });
    return items(std::move(list));
  });
  svc.add("UpdateResource", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    std::string rid = in.str("resourceId");
    Doc& r = tx.resource(rid);
    apply_patch(r, in);
    r.set("id", rid);
    if (!valid_path_part(r.str("pathPart")) && r.has("parentId")) return bad_request("Invalid path part");
    refresh_paths(tx.section("resources"), rid);
    Doc view = resource_view(tx.resource(rid), true);
    tx.save();
    return view;
  });
  svc.add("DeleteResource", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    std::string rid = in.str("resourceId");
    Doc& r = tx.resource(rid);
    if (!r.has("parentId")) return bad_request("Cannot delete root resource");
    delete_subtree(tx.section("resources"), rid);
    tx.save();
    return Doc::map();
  });

  // --- Methods ---
  svc.add("PutMethod", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    Doc& r = tx.resource(in.str("resourceId"));
    std::string verb = verb_of(in);
    static const std::set<std::string> verbs = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"};
    if (!verbs.count(verb)) return bad_request("Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY");
    Doc& methods = r["resourceMethods"];
    if (!methods.is_map()) methods = Doc::map();
    if (methods.has(verb)) return conflict("Method already exists for this resource");
    std::string auth = in.str("authorizationType");
    static const std::set<std::string> auths = {"NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"};
    if (!auths.count(auth)) return bad_request("Invalid authorization type specified. Valid options are NONE,AWS_IAM,CUSTOM,COGNITO_USER_POOLS");
    if ((auth == "CUSTOM" || auth == "COGNITO_USER_POOLS")) {
      std::string az = in.str("authorizerId");
      if (az.empty() || !tx.section("authorizers").has(az)) return bad_request("Invalid authorizer ID specified. Setting the authorization type to " + auth + " requires a valid authorizer.");
    }
    if (!in.str("requestValidatorId").empty() && !tx.section("validators").has(in.str("requestValidatorId")))
      return bad_request("Invalid Request Validator identifier specified");
    Doc m = Doc::map();
    m.set("httpMethod", verb);
    m.set("authorizationType", auth);
    m.set("apiKeyRequired", in.flag("apiKeyRequired"));
    copy_members(in, m, {"authorizerId", "operationName", "requestParameters", "requestModels", "requestValidatorId",
                         "authorizationScopes"});
    methods.set(verb, m);
    tx.save();
    return m;
  });
  svc.add("GetMethod", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc doc = load_api(ctx, *st, in.str("restApiId"));
    const Doc* r = doc["resources"].get(in.str("resourceId"));
    if (!r) return not_found("Invalid Resource identifier specified");
    const Doc* m = r->get("resourceMethods") ? r->get("resourceMethods")->get(verb_of(in)) : nullptr;
    if (!m) return not_found("Invalid Method identifier specified");
    return *m;
  });
  svc.add("UpdateMethod", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    Doc& m = tx.method(in.str("resourceId"), verb_of(in));
    apply_patch(m, in);
    Doc copy = m;
    tx.save();
    return copy;
  });
  svc.add("DeleteMethod", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    tx.method(in.str("resourceId"), verb_of(in));
    tx.resource(in.str("resourceId"))["resourceMethods"].as_map().erase(verb_of(in));
    tx.save();
    return Doc::map();
  });

  // --- MethodResponses ---
  svc.add("PutMethodResponse", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    Doc& m = tx.method(in.str("resourceId"), verb_of(in));
    Doc r = Doc::map();
    r.set("statusCode", in.str("statusCode"));
    copy_members(in, r, {"responseParameters", "responseModels"});
    Doc& all = m["methodResponses"];
    if (!all.is_map()) all = Doc::map();
    all.set(in.str("statusCode"), r);
    tx.save();
    return r;
  });
  auto get_method_response = [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc doc = load_api(ctx, *st, in.str("restApiId"));
    const Doc* r = doc["resources"].get(in.str("resourceId"));
    if (!r) return not_found("Invalid Resource identifier specified");
    const Doc* m = r->get("resourceMethods") ? r->get("resourceMethods")->get(verb_of(in)) : nullptr;
    if (!m) return not_found("Invalid Method identifier specified");
    const Doc* mr = m->get("methodResponses") ? m->get("methodResponses")->get(in.str("statusCode")) : nullptr;
    if (!mr) return not_found("Invalid Response status code specified");
    return *mr;
  };
  svc.add("GetMethodResponse", get_method_response);
  svc.add("UpdateMethodResponse", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    return update_status_entry(tx, tx.method(in.str("resourceId"), verb_of(in)), "methodResponses", in);
  });
  svc.add("DeleteMethodResponse", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    return delete_status_entry(tx, tx.method(in.str("resourceId"), verb_of(in)), "methodResponses", in);
  });

  // --- Integrations ---
  svc.add("PutIntegration", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    std::string rid = in.str("resourceId");
    Doc& m = tx.method(rid, verb_of(in));
    std::string type = in.str("type");
    std::string uri = in.str("uri");
    std::string http_method = in.str("integrationHttpMethod");
    if (type != "MOCK") {
      if (http_method.empty()) return bad_request("Enumeration value for HttpMethod must be non-empty");
      if (uri.empty()) return bad_request("Invalid integration URI specified");
      if ((type == "AWS" || type == "AWS_PROXY") && uri.rfind("arn:", 0) != 0)
        return bad_request("AWS ARN for integration must contain path or action");
      if ((type == "AWS" || type == "AWS_PROXY") && uri.find(":action/") == std::string::npos &&
          uri.find(":path/") == std::string::npos)
        return bad_request("AWS ARN for integration must contain path or action");
      if ((type == "HTTP" || type == "HTTP_PROXY") && uri.rfind("http://", 0) != 0 && uri.rfind("https://", 0) != 0)
        return bad_request("Invalid HTTP endpoint specified for URI");
      if (type == "AWS_PROXY" && uri.find(":lambda:path/") == std::string::npos &&
          uri.find(":firehose:") == std::string::npos)
        return bad_request("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.");
    }
    int64_t timeout = in.integer("timeoutInMillis", 29000);
    if (timeout < 50 || timeout > 29000) return bad_request("Timeout should be between 50 ms and 29000 ms");
    Doc i = Doc::map();
    i.set("type", type);
    if (!http_method.empty()) i.set("httpMethod", http_method);
    if (!uri.empty()) i.set("uri", uri);
    copy_members(in, i, {"credentials", "requestParameters", "requestTemplates", "contentHandling", "connectionType",
                         "connectionId", "tlsConfig"});
    i.set("passthroughBehavior", in.str("passthroughBehavior", "WHEN_NO_MATCH"));
    i.set("timeoutInMillis", timeout);
    i.set("cacheNamespace", in.str("cacheNamespace", rid));
    i.set("cacheKeyParameters", in.has("cacheKeyParameters") ? *in.get("cacheKeyParameters") : Doc::list());
    m.set("methodIntegration", i);
    tx.save();
    return i;
  });
  svc.add("GetIntegration", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc doc = load_api(ctx, *st, in.str("restApiId"));
    const Doc* r = doc["resources"].get(in.str("resourceId"));
    if (!r) return not_found("Invalid Resource identifier specified");
    const Doc* m = r->get("resourceMethods") ? r->get("resourceMethods")->get(verb_of(in)) : nullptr;
    if (!m) return not_found("Invalid Method identifier specified");
    const Doc* i = m->get("methodIntegration");
    if (!i) return not_found("Invalid Integration identifier specified");
    return *i;
  });
  svc.add("UpdateIntegration", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    Doc& i = tx.integration(in.str("resourceId"), verb_of(in));
    apply_patch(i, in);
    Doc copy = i;
    tx.save();
    return copy;
  });
  svc.add("DeleteIntegration", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    tx.integration(in.str("resourceId"), verb_of(in));
    tx.method(in.str("resourceId"), verb_of(in)).as_map().erase("methodIntegration");
    tx.save();
    return Doc::map();
  });

  // --- IntegrationResponses ---
  svc.add("PutIntegrationResponse", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    Doc& m = tx.method(in.str("resourceId"), verb_of(in));
    Doc* i = m.get("methodIntegration");
    if (!i) return not_found("No integration defined for method");
    Doc r = Doc::map();
    r.set("statusCode", in.str("statusCode"));
    copy_members(in, r, {"selectionPattern", "responseParameters", "responseTemplates", "contentHandling"});
    Doc& all = (*i)["integrationResponses"];
    if (!all.is_map()) all = Doc::map();
    all.set(in.str("statusCode"), r);
    tx.save();
    return r;
  });
  svc.add("GetIntegrationResponse", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc doc = load_api(ctx, *st, in.str("restApiId"));
    const Doc* r = doc["resources"].get(in.str("resourceId"));
    if (!r) return not_found("Invalid Resource identifier specified");
    const Doc* m = r->get("resourceMethods") ? r->get("resourceMethods")->get(verb_of(in)) : nullptr;
    if (!m) return not_found("Invalid Method identifier specified");
    const Doc* i = m->get("methodIntegration");
    if (!i) return not_found("No integration defined for method");
    const Doc* ir = i->get("integrationResponses") ? i->get("integrationResponses")->get(in.str("statusCode")) : nullptr;
    if (!ir) return not_found("Invalid Response status code specified");
    return *ir;
  });
  svc.add("UpdateIntegrationResponse", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    return update_status_entry(tx, tx.integration(in.str("resourceId"), verb_of(in)), "integrationResponses", in);
  });
  svc.add("DeleteIntegrationResponse", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    return delete_status_entry(tx, tx.integration(in.str("resourceId"), verb_of(in)), "integrationResponses", in);
  });

  // --- Deployments ---
  svc.add("CreateDeployment", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    bool any_method = false;
    for (const auto& [_, r] : tx.section("resources").as_map()) {
      const Doc* rm = r.get("resourceMethods");
      if (!rm) continue;
      for (const auto& [verb, m] : rm->as_map()) {
        any_method = true;
        if (!m.has("methodIntegration")) return bad_request("No integration defined for method");
      }
    }
    if (!any_method) return bad_request("The REST API doesn't contain any methods");
    std::string stage = in.str("stageName");
    if (!stage.empty()) check_stage_name(stage);
    std::string id = ids::random_lower_alnum(6);
    Doc d = Doc::map();
    d.set("id", id);
    if (in.has("description")) d.set("description", in.str("description"));
    d.set("createdDate", now_ms(ctx));
    Doc stored = d;
    stored.set("snapshot", tx.section("resources"));
    Doc sections = Doc::map();
    for (const char* k : {"authorizers", "models", "validators", "gatewayResponses"}) sections.set(k, tx.section(k));
    stored.set("apiSnapshot", std::move(sections));
    tx.section("deployments").set(id, std::move(stored));
    if (!stage.empty()) {
      Doc& stages = tx.section("stages");
      if (Doc* existing = stages.get(stage)) {
        existing->set("deploymentId", id);
        existing->set("lastUpdatedDate", now_ms(ctx));
        if (const Doc* v = in.get("variables")) {
          Doc& vars = (*existing)["variables"];
          if (!vars.is_map()) vars = Doc::map();
          for (const auto& [k, val] : v->as_map()) vars.set(k, val);
        }
      } else {
        stages.set(stage, new_stage(ctx, stage, id, in, "stageDescription"));
      }
    }
    tx.save();
    return out(d);
  });
  svc.add("GetDeployment", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc doc = load_api(ctx, *st, in.str("restApiId"));
    const Doc* d = doc["deployments"].get(in.str("deploymentId"));
    if (!d) return not_found("Invalid Deployment identifier specified");
    return out(*d);
  });
  svc.add("GetDeployments", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc doc = load_api(ctx, *st, in.str("restApiId"));
    std::vector<Doc> list;
    if (doc["deployments"].is_map())
      for (const auto& [_, d] : doc["deployments"].as_map()) list.push_back(d);
    std::sort(list.begin(), list.end(), [](const Doc& a, const Doc& b) { return a.integer("createdDate") < b.integer("createdDate"); });
    return items(std::move(list));
  });
  svc.add("UpdateDeployment", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    Doc* d = tx.section("deployments").get(in.str("deploymentId"));
    if (!d) return not_found("Invalid Deployment identifier specified");
    apply_patch(*d, in);
    Doc copy = *d;
    tx.save();
    return out(copy);
  });
  svc.add("DeleteDeployment", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    std::string id = in.str("deploymentId");
    if (!tx.section("deployments").has(id)) return not_found("Invalid Deployment identifier specified");
    for (const auto& [_, s] : tx.section("stages").as_map())
      if (s.str("deploymentId") == id)
        return bad_request("Active stages pointing to this deployment must be moved or deleted");
    tx.section("deployments").as_map().erase(id);
    tx.save();
    return Doc::map();
  });

  // --- Stages ---
  svc.add("CreateStage", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    std::string name = in.str("stageName");
    check_stage_name(name);
    if (!tx.section("deployments").has(in.str("deploymentId"))) return not_found("Invalid Deployment identifier specified");
    if (tx.section("stages").has(name)) return conflict("Stage already exists");
    Doc s = new_stage(ctx, name, in.str("deploymentId"), in, "description");
    tx.section("stages").set(name, s);
    tx.save();
    return out(s);
  });
  svc.add("GetStage", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc doc = load_api(ctx, *st, in.str("restApiId"));
    const Doc* s = doc["stages"].get(in.str("stageName"));
    if (!s) return not_found("Invalid Stage identifier specified");
    return out(*s);
  });
  svc.add("GetStages", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc doc = load_api(ctx, *st, in.str("restApiId"));
    Doc o = Doc::map();
    Doc l = Doc::list();
    if (doc["stages"].is_map())
      for (const auto& [_, s] : doc["stages"].as_map())
        if (in.str("deploymentId").empty() || s.str("deploymentId") == in.str("deploymentId")) l.push(out(s));
    o.set("item", std::move(l));
    return o;
  });
  svc.add("UpdateStage", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    Doc* s = tx.section("stages").get(in.str("stageName"));
    if (!s) return not_found("Invalid Stage identifier specified");
    apply_patch(*s, in, true);
    if (!tx.section("deployments").has(s->str("deploymentId"))) return bad_request("Invalid deployment id specified");
    s->set("stageName", in.str("stageName"));
    s->set("lastUpdatedDate", now_ms(ctx));
    Doc copy = *s;
    tx.save();
    return out(copy);
  });
  svc.add("DeleteStage", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    if (!tx.section("stages").has(in.str("stageName"))) return not_found("Invalid Stage identifier specified");
    tx.section("stages").as_map().erase(in.str("stageName"));
    tx.save();
    return Doc::map();
  });

  // --- Authorizers, Models, RequestValidators: stored and returned (evaluation comes later) ---
  svc.add("CreateAuthorizer", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    std::string type = in.str("type");
    if (type != "TOKEN" && type != "REQUEST" && type != "COGNITO_USER_POOLS")
      return bad_request("Invalid authorizer type specified");
    if (type == "COGNITO_USER_POOLS" && !in.has("providerARNs")) return bad_request("ProviderARNs need to be specified for COGNITO_USER_POOLS");
    if (type != "COGNITO_USER_POOLS" && in.str("authorizerUri").empty()) return bad_request("Authorizer URI must be specified for " + type + " authorizers");
    Doc a = Doc::map();
    a.set("id", ids::random_lower_alnum(6));
    copy_members(in, a, {"name", "type", "providerARNs", "authType", "authorizerUri", "authorizerCredentials",
                         "identitySource", "identityValidationExpression"});
    if (type == "TOKEN" && !a.has("identitySource")) return bad_request("Identity source must be specified for TOKEN authorizers");
    a.set("authorizerResultTtlInSeconds", in.integer("authorizerResultTtlInSeconds", 300));
    tx.section("authorizers").set(a.str("id"), a);
    tx.save();
    return a;
  });
  auto simple_section = [&svc, st](const char* noun, const char* section, const char* id_member,
                                    const char* not_found_msg) {
    std::string get_op = std::string("Get") + noun;
    svc.add(get_op, [st, section, id_member, not_found_msg](OpContext& ctx, const Doc& in) -> Result<Doc> {
      Doc doc = load_api(ctx, *st, in.str("restApiId"));
      const Doc* a = doc[section].get(in.str(id_member));
      if (!a) return not_found(not_found_msg);
      return *a;
    });
    svc.add(get_op + "s", [st, section](OpContext& ctx, const Doc& in) -> Result<Doc> {
      Doc doc = load_api(ctx, *st, in.str("restApiId"));
      std::vector<Doc> list;
      if (doc[section].is_map())
        for (const auto& [_, a] : doc[section].as_map()) list.push_back(a);
      return items(std::move(list));
    });
    svc.add(std::string("Update") + noun, [st, section, id_member, not_found_msg](OpContext& ctx, const Doc& in) -> Result<Doc> {
      Tx tx(ctx, *st, in.str("restApiId"));
      Doc* a = tx.section(section).get(in.str(id_member));
      if (!a) return not_found(not_found_msg);
      apply_patch(*a, in);
      Doc copy = *a;
      tx.save();
      return copy;
    });
    svc.add(std::string("Delete") + noun, [st, section, id_member, not_found_msg](OpContext& ctx, const Doc& in) -> Result<Doc> {
      Tx tx(ctx, *st, in.str("restApiId"));
      if (!tx.section(section).has(in.str(id_member))) return not_found(not_found_msg);
      tx.section(section).as_map().erase(in.str(id_member));
      tx.save();
      return Doc::map();
    });
  };
  simple_section("Authorizer", "authorizers", "authorizerId", "Invalid Authorizer identifier specified");
  simple_section("RequestValidator", "validators", "requestValidatorId", "Invalid Request Validator identifier specified");
  simple_section("Model", "models", "modelName", "Invalid model name specified");
  svc.add("CreateRequestValidator", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    Doc v = Doc::map();
    v.set("id", ids::random_lower_alnum(6));
    v.set("name", in.str("name"));
    v.set("validateRequestBody", in.flag("validateRequestBody"));
    v.set("validateRequestParameters", in.flag("validateRequestParameters"));
    tx.section("validators").set(v.str("id"), v);
    tx.save();
    return v;
  });
  svc.add("CreateModel", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    std::string name = in.str("name");
    if (name.empty()) return bad_request("Model name must be non-empty");
    for (char c : name)
      if (!std::isalnum(static_cast<unsigned char>(c))) return bad_request("Model name must be alphanumeric");
    if (tx.section("models").has(name)) return conflict("Model name already exists for this REST API");
    Doc m = Doc::map();
    m.set("id", ids::random_lower_alnum(6));
    m.set("name", name);
    copy_members(in, m, {"description", "schema", "contentType"});
    tx.section("models").set(name, m);
    tx.save();
    return m;
  });

  // --- GatewayResponses ---
  svc.add("PutGatewayResponse", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    std::string type = in.str("responseType");
    const auto& types = gateway_response_types();
    if (std::find(types.begin(), types.end(), type) == types.end())
      return bad_request("Invalid response type specified: " + type);
    Tx tx(ctx, *st, in.str("restApiId"));
    Doc g = Doc::map();
    g.set("responseType", type);
    copy_members(in, g, {"statusCode", "responseParameters", "responseTemplates"});
    if (!g.has("responseParameters")) g.set("responseParameters", Doc::map());
    if (!g.has("responseTemplates")) g.set("responseTemplates", Doc::map());
    g.set("defaultResponse", false);
    tx.section("gatewayResponses").set(type, g);
    tx.save();
    return g;
  });
  // A type nobody customised answers with its default (defaultResponse true).
  auto default_gateway_response = [](const std::string& type) {
    Doc g = Doc::map();
    g.set("responseType", type);
    if (int status = gateway_default_status(type)) g.set("statusCode", std::to_string(status));
    g.set("responseParameters", Doc::map());
    Doc templates = Doc::map();
    templates.set("application/json", "{\"message\":$context.error.messageString}");
    g.set("responseTemplates", std::move(templates));
    g.set("defaultResponse", true);
    return g;
  };
  svc.add("GetGatewayResponse", [st, default_gateway_response](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc doc = load_api(ctx, *st, in.str("restApiId"));
    const auto& types = gateway_response_types();
    if (std::find(types.begin(), types.end(), in.str("responseType")) == types.end())
      return not_found("Invalid Gateway Response identifier specified");
    if (const Doc* g = doc["gatewayResponses"].get(in.str("responseType"))) return *g;
    return default_gateway_response(in.str("responseType"));
  });
  svc.add("GetGatewayResponses", [st, default_gateway_response](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc doc = load_api(ctx, *st, in.str("restApiId"));
    std::vector<Doc> list;
    for (const auto& type : gateway_response_types()) {
      const Doc* g = doc["gatewayResponses"].is_map() ? doc["gatewayResponses"].get(type) : nullptr;
      list.push_back(g ? *g : default_gateway_response(type));
    }
    return items(std::move(list));
  });
  svc.add("DeleteGatewayResponse", [st](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Tx tx(ctx, *st, in.str("restApiId"));
    if (!tx.section("gatewayResponses").has(in.str("responseType"))) return not_found("Invalid Gateway Response identifier specified");
    tx.section("gatewayResponses").as_map().erase(in.str("responseType"));
    tx.save();
    return Doc::map();
  });
}

}  // namespace stratus::apigateway
