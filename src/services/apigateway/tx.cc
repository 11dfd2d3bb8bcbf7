#include "services/apigateway/tx.h"

#include "services/apigateway/apigateway.h"
#include "services/apigateway/state.h"

namespace stratus::apigateway {

ApiTx::ApiTx(OpContext& c, Store& s, const std::string& api_id) : ctx(c), store(s), lock(s.mu), id(api_id) {
  auto d = store.load(ctx.storage, ctx.account(), ctx.region(), id);
  if (!d) throw errors::not_found("Invalid API identifier specified " + ctx.account() + ":" + id);
  doc = std::move(*d);
}

ApiTx::ApiTx(OpContext& c, const Doc& in) : ApiTx(c, apigateway::store(c), in.str("restApiId")) {}

Doc& ApiTx::method(const Doc& in) {
  return method(in.str("resourceId"), verb_of(in));
}

Doc& ApiTx::integration(const Doc& in) {
  return integration(in.str("resourceId"), verb_of(in));
}

const Doc& find_method(const Doc& api, const Doc& in) {
  return find_method(api, in.str("resourceId"), verb_of(in));
}

const Doc& find_integration(const Doc& api, const Doc& in, const char* not_found) {
  const Doc* i = find_method(api, in).get("methodIntegration");
  if (!i) throw errors::not_found(not_found);
  return *i;
}

Doc ApiTx::patch(Doc& target, const Doc& in) {
  apply_patch(target, in);
  Doc copy = target;
  save();
  return copy;
}

void ApiTx::save() { store.save(ctx.storage, ctx.account(), ctx.region(), id, doc); }

Doc& ApiTx::section(const char* name) {
  Doc& s = doc[name];
  if (!s.is_map()) s = Doc::map();
  return s;
}

Doc& ApiTx::resource(const std::string& rid) {
  Doc* r = section("resources").get(rid);
  if (!r) throw errors::not_found("Invalid Resource identifier specified");
  return *r;
}

Doc& ApiTx::method(const std::string& rid, const std::string& verb) {
  Doc& r = resource(rid);
  Doc* m = r["resourceMethods"].get(verb);
  if (!m) throw errors::not_found("Invalid Method identifier specified");
  return *m;
}

Doc& ApiTx::integration(const std::string& rid, const std::string& verb) {
  Doc& m = method(rid, verb);
  Doc* i = m.get("methodIntegration");
  if (!i) throw errors::not_found("Invalid Integration identifier specified");
  return *i;
}

Doc load_api(OpContext& ctx, Store& store, const std::string& id) {
  auto d = store.load(ctx.storage, ctx.account(), ctx.region(), id);
  if (!d) throw errors::not_found("Invalid API identifier specified " + ctx.account() + ":" + id);
  return std::move(*d);
}

Doc load_api(OpContext& ctx, const Doc& in) {
  return load_api(ctx, store(ctx), in.str("restApiId"));
}

const Doc& find_method(const Doc& api, const std::string& rid, const std::string& verb) {
  const Doc* resources = api.get("resources");
  const Doc* r = resources ? resources->get(rid) : nullptr;
  if (!r) throw errors::not_found("Invalid Resource identifier specified");
  const Doc* methods = r->get("resourceMethods");
  const Doc* m = methods ? methods->get(verb) : nullptr;
  if (!m) throw errors::not_found("Invalid Method identifier specified");
  return *m;
}

const Doc& find_status_entry(const Doc& parent, const char* field, const std::string& code) {
  const Doc* all = parent.get(field);
  const Doc* e = all ? all->get(code) : nullptr;
  if (!e) throw errors::not_found("Invalid Response status code specified");
  return *e;
}

UsageTx::UsageTx(OpContext& c, Guard& g) : ctx(c), guard(g), lock(g.usage_mu) {
  doc = guard.load_usage(ctx.server, ctx.account(), ctx.region());
}

void UsageTx::save() { guard.save_usage(ctx.server, ctx.account(), ctx.region(), doc); }

Doc& UsageTx::key(const std::string& id) {
  Doc* k = doc["apiKeys"].get(id);
  if (!k) throw errors::not_found("Invalid API Key identifier specified");
  return *k;
}

Doc& UsageTx::plan(const std::string& id) {
  Doc* p = doc["usagePlans"].get(id);
  if (!p) throw errors::not_found("Invalid Usage Plan ID specified");
  return *p;
}

namespace {
Doc* status_entry(Doc& parent, const char* field, const std::string& code) {
  Doc& all = parent[field];
  return all.is_map() ? all.get(code) : nullptr;
}
}  // namespace

Doc update_status_entry(ApiTx& tx, Doc& parent, const char* field, const Doc& in) {
  Doc* e = status_entry(parent, field, in.str("statusCode"));
  if (!e) throw errors::not_found("Invalid Response status code specified");
  return tx.patch(*e, in);
}

Doc put_status_entry(ApiTx& tx, Doc& parent, const char* field, const Doc& in,
                     std::initializer_list<const char*> members) {
  Doc r = Doc::map();
  r.set("statusCode", in.str("statusCode"));
  copy_members(in, r, members);
  Doc& all = parent[field];
  if (!all.is_map()) all = Doc::map();
  all.set(in.str("statusCode"), r);
  tx.save();
  return r;
}

Doc delete_status_entry(ApiTx& tx, Doc& parent, const char* field, const Doc& in) {
  if (!status_entry(parent, field, in.str("statusCode"))) throw errors::not_found("Invalid Response status code specified");
  parent[field].as_map().erase(in.str("statusCode"));
  tx.save();
  return Doc::map();
}

Doc get_entry(OpContext& ctx, Store& store, const Doc& in, const Section& s) {
  Doc doc = load_api(ctx, store, in.str("restApiId"));
  const Doc* a = doc[s.section].get(in.str(s.id_member));
  if (!a) throw errors::not_found(s.not_found);
  return *a;
}

Doc list_entries(OpContext& ctx, Store& store, const Doc& in, const Section& s) {
  Doc doc = load_api(ctx, store, in.str("restApiId"));
  std::vector<Doc> list;
  if (doc[s.section].is_map())
    for (const auto& [_, a] : doc[s.section].as_map()) list.push_back(a);
  return items(std::move(list));
}

Doc update_entry(OpContext& ctx, Store& store, const Doc& in, const Section& s) {
  ApiTx tx(ctx, store, in.str("restApiId"));
  Doc* a = tx.section(s.section).get(in.str(s.id_member));
  if (!a) throw errors::not_found(s.not_found);
  return tx.patch(*a, in);
}

Doc delete_entry(OpContext& ctx, Store& store, const Doc& in, const Section& s) {
  ApiTx tx(ctx, store, in.str("restApiId"));
  if (!tx.section(s.section).has(in.str(s.id_member))) throw errors::not_found(s.not_found);
  tx.section(s.section).as_map().erase(in.str(s.id_member));
  tx.save();
  return Doc::map();
}

}  // namespace stratus::apigateway
