// Resources: the path tree of a REST API (ids, parentId, pathPart, path).
#include <algorithm>

#include "core/ids.h"
#include "server/context.h"
#include "services/apigateway/apigateway.h"
#include "services/apigateway/ops.h"
#include "services/apigateway/state.h"
#include "services/apigateway/tx.h"

namespace stratus::apigateway {

namespace {

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

}  // namespace

Doc create_resource(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  Doc& resources = tx.section("resources");
  std::string parent_id = in.str("parentId");
  const Doc& parent = tx.resource(parent_id);
  std::string part = in.str("pathPart");
  if (!valid_path_part(part))
    throw errors::bad_request("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.");
  for (const auto& [rid, r] : resources.as_map()) {
    if (r.str("parentId") != parent_id) continue;
    if (r.str("pathPart") == part) throw errors::conflict("Another resource with the same parent already has this name: " + part);
    if (part.front() == '{' && r.str("pathPart").front() == '{')
      throw errors::bad_request("A sibling (" + r.str("pathPart") + ") of this resource already has a variable path part -- only one is allowed");
  }
  if (parent.str("pathPart").size() > 2 && parent.str("pathPart").substr(parent.str("pathPart").size() - 2) == "+}")
    throw errors::bad_request("Cannot create a child of a resource with a greedy path variable: " + parent.str("path"));
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
}

Doc get_resource(OpContext& ctx, const Doc& in) {
  Doc doc = load_api(ctx, in);
  const Doc* r = doc["resources"].get(in.str("resourceId"));
  if (!r) throw errors::not_found("Invalid Resource identifier specified");
  bool embed = false;
  if (const Doc* e = in.get("embed"))
    for (const auto& x : e->as_list()) embed = embed || x.as_string() == "methods";
  return resource_view(*r, embed);
}

Doc get_resources(OpContext& ctx, const Doc& in) {
  Doc doc = load_api(ctx, in);
  bool embed = false;
  if (const Doc* e = in.get("embed"))
    for (const auto& x : e->as_list()) embed = embed || x.as_string() == "methods";
  std::vector<Doc> list;
  for (const auto& [_, r] : doc["resources"].as_map()) list.push_back(resource_view(r, embed));
  std::sort(list.begin(), list.end(), [](const Doc& a, const Doc& b) { return a.str("path") < b.str("path"); });
  return items(std::move(list));
}

Doc update_resource(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  std::string rid = in.str("resourceId");
  Doc& r = tx.resource(rid);
  apply_patch(r, in);
  r.set("id", rid);
  if (!valid_path_part(r.str("pathPart")) && r.has("parentId")) throw errors::bad_request("Invalid path part");
  refresh_paths(tx.section("resources"), rid);
  Doc view = resource_view(tx.resource(rid), true);
  tx.save();
  return view;
}

Doc delete_resource(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  std::string rid = in.str("resourceId");
  Doc& r = tx.resource(rid);
  if (!r.has("parentId")) throw errors::bad_request("Cannot delete root resource");
  delete_subtree(tx.section("resources"), rid);
  tx.save();
  return Doc::map();
}

}  // namespace stratus::apigateway
