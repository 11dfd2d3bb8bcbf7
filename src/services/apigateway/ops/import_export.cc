// ImportRestApi, PutRestApi and GetExport: OpenAPI 3 and Swagger 2 documents (openapi.h reads and writes
// them).
#include <algorithm>
#include <map>

#include "core/ids.h"
#include "core/json.h"
#include "server/context.h"
#include "services/apigateway/apigateway.h"
#include "services/apigateway/openapi.h"
#include "services/apigateway/ops.h"
#include "services/apigateway/state.h"
#include "services/apigateway/tx.h"

namespace stratus::apigateway {

namespace {

std::string random_id(size_t n) {
  return ids::random_lower_alnum(n);
}

std::string join_issues(const char* head, const std::vector<std::string>& issues) {
  std::string m = head;
  for (const auto& i : issues) m += "\n\t" + i;
  return m;
}

std::string body_text(const Doc& in) {
  const Doc* b = in.get("body");
  if (!b) return {};
  if (b->is_blob()) return b->as_blob().bytes;
  if (b->is_string()) return b->as_string();
  return {};
}

// Reads the body and imports it; AWS's errors for errors and (with failOnWarnings) warnings.
openapi::Imported read_document(const Doc& in, const std::string& api_id,
                                const std::string& root_id) {
  Doc spec = openapi::parse_text(body_text(in));
  openapi::ImportOptions opt;
  opt.api_id = api_id;
  opt.root_id = root_id;
  opt.new_id = random_id;
  if (const Doc* p = in.get("parameters"); p && p->is_map()) {
    std::string bp = p->str("basepath", p->str("basePath", "ignore"));
    if (bp != "ignore" && bp != "prepend" && bp != "split")
      throw errors::bad_request("Invalid basepath parameter: " + bp);
    opt.basepath = bp;
  }
  openapi::Imported im = openapi::import_document(spec, opt);
  if (!im.errors.empty()) throw errors::bad_request(join_issues("Errors found during import:", im.errors));
  if (!im.warnings.empty() && in.flag("failOnWarnings"))
    throw errors::bad_request(join_issues("Warnings found during import:", im.warnings));
  return im;
}

Doc with_warnings(Doc api, const std::vector<std::string>& warnings) {
  output_dates(api);
  if (!warnings.empty()) {
    Doc l = Doc::list();
    for (const auto& w : warnings) l.push(Doc(w));
    api.set("warnings", std::move(l));
  }
  return api;
}

void set_api_members(Doc& api, const Doc& from) {
  for (const char* k : {"name", "description", "version", "binaryMediaTypes", "apiKeySource",
                        "policy", "minimumCompressionSize", "disableExecuteApiEndpoint"})
    if (const Doc* v = from.get(k)) {
      if (std::string_view(k) == "name" && v->is_string() && v->as_string().empty()) continue;
      api.set(k, *v);
    }
}

// Replaces authorizerId / requestValidatorId in methods per the maps (merge keeps existing ids).
void remap_ids(Doc& resources, const std::map<std::string, std::string>& authorizers,
               const std::map<std::string, std::string>& validators) {
  for (auto& [_, r] : resources.as_map()) {
    Doc* rm = r.get("resourceMethods");
    if (!rm || !rm->is_map()) continue;
    for (auto& [verb, m] : rm->as_map()) {
      if (auto it = authorizers.find(m.str("authorizerId")); it != authorizers.end())
        m.set("authorizerId", it->second);
      if (auto it = validators.find(m.str("requestValidatorId")); it != validators.end())
        m.set("requestValidatorId", it->second);
    }
  }
}

// Merges by name: a same-named entry keeps its id and takes the imported definition.
std::map<std::string, std::string> merge_named(Doc& existing, const Doc& imported) {
  std::map<std::string, std::string> remap;
  if (!existing.is_map()) existing = Doc::map();
  for (const auto& [id, x] : imported.as_map()) {
    std::string keep;
    for (const auto& [eid, e] : existing.as_map())
      if (e.str("name") == x.str("name")) keep = eid;
    if (keep.empty()) {
      existing.set(id, x);
    } else {
      Doc y = x;
      y.set("id", keep);
      existing.set(keep, std::move(y));
      remap[id] = keep;
    }
  }
  return remap;
}

}  // namespace

Doc import_rest_api(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  std::string id = ids::random_lower_alnum(10);
  std::string root_id = ids::random_lower_alnum(10);
  openapi::Imported im = read_document(in, id, root_id);
  Doc api = Doc::map();
  api.set("id", id);
  set_api_members(api, im.api);
  api.set("createdDate", ctx.now_ms);
  if (!api.has("apiKeySource")) api.set("apiKeySource", "HEADER");
  Doc ep = Doc::map();
  Doc types = Doc::list();
  std::string type = "EDGE";
  if (const Doc* p = in.get("parameters"); p && p->is_map())
    type = p->str("endpointConfigurationTypes", type);
  if (type != "EDGE" && type != "REGIONAL" && type != "PRIVATE")
    throw errors::bad_request("Invalid endpoint configuration type: " + type);
  types.push(Doc(type));
  ep.set("types", std::move(types));
  api.set("endpointConfiguration", std::move(ep));
  if (!api.has("disableExecuteApiEndpoint")) api.set("disableExecuteApiEndpoint", false);
  api.set("rootResourceId", root_id);
  Doc doc = Doc::map();
  doc.set("api", api);
  doc.set("resources", std::move(im.resources));
  doc.set("models", std::move(im.models));
  doc.set("authorizers", std::move(im.authorizers));
  doc.set("validators", std::move(im.validators));
  doc.set("gatewayResponses", std::move(im.gateway_responses));
  std::lock_guard lock(st.mu);
  st.save(ctx.storage, ctx.account(), ctx.region(), id, doc);
  return with_warnings(api, im.warnings);
}

Doc put_rest_api(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  std::string id = in.str("restApiId");
  std::lock_guard lock(st.mu);
  auto loaded = st.load(ctx.storage, ctx.account(), ctx.region(), id);
  if (!loaded) throw errors::not_found("Invalid API identifier specified " + ctx.account() + ":" + id);
  Doc doc = std::move(*loaded);
  std::string mode = in.str("mode", "merge");
  if (mode != "merge" && mode != "overwrite")
    throw errors::bad_request("Invalid mode specified. Must be 'merge'|'overwrite'");
  std::string root_id = doc["api"].str("rootResourceId");
  openapi::Imported im = read_document(in, id, root_id);
  Doc& api = doc["api"];
  if (mode == "overwrite") {
    for (const char* k :
         {"description", "version", "binaryMediaTypes", "policy", "minimumCompressionSize"})
      api.as_map().erase(k);
    api.set("apiKeySource", "HEADER");
    set_api_members(api, im.api);
    doc.set("resources", std::move(im.resources));
    doc.set("models", std::move(im.models));
    doc.set("authorizers", std::move(im.authorizers));
    doc.set("validators", std::move(im.validators));
    doc.set("gatewayResponses", std::move(im.gateway_responses));
  } else {
    set_api_members(api, im.api);
    auto az = merge_named(doc["authorizers"], im.authorizers);
    auto vz = merge_named(doc["validators"], im.validators);
    remap_ids(im.resources, az, vz);
    Doc& models = doc["models"];
    if (!models.is_map()) models = Doc::map();
    for (const auto& [name, m] : im.models.as_map()) {
      Doc x = m;
      if (const Doc* old = models.get(name)) x.set("id", old->str("id"));
      models.set(name, std::move(x));
    }
    Doc& gr = doc["gatewayResponses"];
    if (!gr.is_map()) gr = Doc::map();
    for (const auto& [k, g] : im.gateway_responses.as_map()) gr.set(k, g);
    // resources by path, parents first; methods of a shared path are replaced verb by verb
    Doc& resources = doc["resources"];
    std::map<std::string, std::string> by_path, final_id;
    for (const auto& [rid, r] : resources.as_map()) by_path[r.str("path")] = rid;
    std::vector<const Doc*> order;
    for (const auto& [_, r] : im.resources.as_map()) order.push_back(&r);
    std::sort(order.begin(), order.end(), [](const Doc* a, const Doc* b) {
      return a->str("path").size() < b->str("path").size();
    });
    for (const Doc* r : order) {
      std::string path = r->str("path");
      if (auto it = by_path.find(path); it != by_path.end()) {
        final_id[r->str("id")] = it->second;
        Doc& target = resources[it->second]["resourceMethods"];
        if (!target.is_map()) target = Doc::map();
        if (const Doc* rm = r->get("resourceMethods"); rm && rm->is_map())
          for (const auto& [verb, m] : rm->as_map()) target.set(verb, m);
      } else {
        Doc x = *r;
        x.set("parentId", final_id[r->str("parentId")]);
        final_id[r->str("id")] = r->str("id");
        by_path[path] = r->str("id");
        resources.set(r->str("id"), std::move(x));
      }
    }
  }
  st.save(ctx.storage, ctx.account(), ctx.region(), id, doc);
  return with_warnings(doc["api"], im.warnings);
}

Doc get_export(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  std::string id = in.str("restApiId");
  auto doc = st.load(ctx.storage, ctx.account(), ctx.region(), id);
  if (!doc) throw errors::not_found("Invalid API identifier specified " + ctx.account() + ":" + id);
  const Doc* stage = (*doc)["stages"].get(in.str("stageName"));
  if (!stage) throw errors::not_found("Invalid Stage identifier specified");
  std::string type = in.str("exportType");
  if (type != "oas30" && type != "swagger") throw errors::bad_request("No such export type: " + type);
  const Doc* dep = (*doc)["deployments"].get(stage->str("deploymentId"));
  Doc snapshot = dep && dep->get("snapshot") ? *dep->get("snapshot") : Doc::map();
  openapi::ExportOptions opt;
  opt.type = type;
  opt.stage = in.str("stageName");
  opt.host = id + ".execute-api." + ctx.region() + ".amazonaws.com";
  if (const Doc* p = in.get("parameters"); p && p->is_map()) {
    std::string ext = p->str("extensions");
    for (size_t pos = 0; pos <= ext.size();) {
      auto comma = ext.find(',', pos);
      std::string e =
          ext.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      if (e == "integrations")
        opt.integrations = true;
      else if (e == "authorizers")
        opt.authorizers = true;
      else if (e == "apigateway")
        opt.apigateway = true;
      else if (!e.empty() && e != "postman")
        throw errors::bad_request("Invalid extensions parameter: " + e);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  Doc spec = openapi::export_document(*doc, snapshot, opt);
  std::string accepts = in.str("accepts", "application/json");
  bool yaml = accepts.find("yaml") != std::string::npos;
  if (!yaml && accepts.find("json") == std::string::npos &&
      accepts.find("*/*") == std::string::npos && !accepts.empty())
    throw errors::bad_request("Unsupported Accept type: " + accepts);
  Doc o = Doc::map();
  o.set("contentType", yaml ? "application/yaml" : "application/json");
  std::string file = id + "-" + opt.stage + "-" + (type == "oas30" ? "oas30" : "swagger") +
                     (yaml ? ".yaml" : ".json");
  o.set("contentDisposition", "attachment; filename=\"" + file + "\"");
  o.set("body", Blob{yaml ? openapi::to_yaml(spec) : json::write(spec)});
  return o;
}

}  // namespace stratus::apigateway
