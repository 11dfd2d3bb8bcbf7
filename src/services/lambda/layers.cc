#include "services/lambda/layers.h"

#include <cstdio>
#include <regex>

#include "core/arn.h"
#include "core/error.h"
#include "core/json.h"
#include "core/lookup.h"
#include "services/lambda/code.h"
#include "services/lambda/errors.h"
#include "services/lambda/params_secrets.h"
#include "services/service.h"
#include "storage/engine.h"
#include "storage/keys.h"

namespace stratus::lambda {

constexpr size_t kMaxLayers = 5;

std::string LayerRef::prefix() const { return storage::KeyBuilder().scope(account, region).str(name).take(); }

std::string LayerRef::key() const {
  char v[16];
  std::snprintf(v, sizeof v, "%010lld", static_cast<long long>(version));
  return prefix() + v;
}

LayerRef parse_layer_name(const OpContext& ctx, const std::string& s) {
  LayerRef r{ctx.account(), ctx.region(), s};
  static const std::regex arn_re("arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\\d{12}):layer:([a-zA-Z0-9-_]+)");
  std::smatch m;
  if (std::regex_match(s, m, arn_re)) r = {m[2].str(), m[1].str(), m[3].str()};
  return r;
}

std::optional<LayerRef> parse_layer_version_arn(const std::string& s) {
  static const std::regex re("arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)");
  std::smatch m;
  if (s.size() > 140 || !std::regex_match(s, m, re)) return std::nullopt;
  LayerRef r{m[2].str(), m[1].str(), m[3].str()};
  r.version = std::atoll(m[4].str().c_str());
  return r;
}

void Layers::start(std::string code_root, std::function<std::string(const std::string&)> location) {
  root_ = std::move(code_root);
  location_ = std::move(location);
}

Layers::Resolved Layers::resolve(OpContext& ctx, const Doc& arns) {
  Resolved out;
  if (arns.size() > kMaxLayers) throw errors::invalid_parameter_value("Cannot reference more than 5 layers.");
  std::vector<LayerRef> seen;
  for (const auto& a : arns.as_list()) {
    std::string s = a.as_string();
    auto ref = parse_layer_version_arn(s);
    if (!ref)
      throw stratus::errors::validation("1 validation error detected: Value '[" + s +
                         "]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must "
                         "have length less than or equal to 140, Member must have length greater than or equal to "
                         "1, Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:"
                         "\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+, Member must not be null]");
    if (ref->region != ctx.region())
      throw errors::invalid_parameter_value("Layers are not in the same region as the function. Layers are expected to be in region " +
                      ctx.region() + ".");
    for (const auto& o : seen)
      if (o.account == ref->account && o.name == ref->name)
        throw errors::invalid_parameter_value("Two different versions of the same layer are not allowed to be referenced in the same "
                        "function. " + o.version_arn() + " and " + ref->version_arn() +
                        " reference the same layer.");
    if (is_parameters_secrets_layer(ref->name)) {
      // AWS's Parameters and Secrets extension (any publisher account): Stratus answers its API
      // itself (params_secrets.h); nothing is unpacked into /opt.
      Doc item = Doc::map();
      item.set("Arn", ref->version_arn());
      item.set("CodeSize", 0);
      out.config.push(std::move(item));
      seen.push_back(*ref);
      continue;
    }
    auto v = load(ctx, *ref);
    if (!v) throw errors::invalid_parameter_value("Layer version " + s + " does not exist.");
    check_access(ctx, *ref, *v);
    Doc item = Doc::map();
    item.set("Arn", ref->version_arn());
    item.set("CodeSize", v->get("Content")->integer("CodeSize"));
    out.config.push(std::move(item));
    out.code.push_back(v->str("_code"));
    seen.push_back(*ref);
  }
  return out;
}

std::optional<Doc> Layers::load(OpContext& ctx, const LayerRef& r) {
  std::string v;
  if (!ctx.storage.get(kLayers, r.key(), &v).ok()) return std::nullopt;
  return json::parse(v);
}

void Layers::save(OpContext& ctx, const LayerRef& r, const Doc& d) {
  auto st = ctx.storage.put(kLayers, r.key(), json::write(d));
  if (!st.ok()) throw stratus::errors::internal(st.message);
}

void Layers::check_access(const OpContext& ctx, const LayerRef& r, const Doc& v) {
  if (r.account == ctx.account()) return;
  if (const Doc* p = v.get("policy")) {
    for (const auto& st : p->as_list()) {
      const Doc* pr = st.get("Principal");
      if (!pr) continue;
      if (pr->is_string() && pr->as_string() == "*") return;
      if (pr->is_map() && pr->str("AWS") == root_arn(ctx.account())) return;
    }
  }
  throw AwsError("AccessDeniedException",
                 "User: " + ctx.caller.arn + " is not authorized to perform: lambda:GetLayerVersion on resource: " +
                     r.version_arn() + " because no resource-based policy allows the lambda:GetLayerVersion action",
                 403);
}

Doc Layers::present(const Doc& v) const {
  Doc out = v;
  out.as_map().erase("_code");
  out.as_map().erase("policy");
  out.as_map().erase("policy_rev");
  Doc content = *v.get("Content");
  content.set("Location", location_(v.str("_code")));
  out.set("Content", std::move(content));
  return out;
}

std::pair<LayerRef, Doc> Layers::must_load(OpContext& ctx, const Doc& in) {
  LayerRef ref = parse_layer_name(ctx, in.str("LayerName"));
  ref.version = in.integer("VersionNumber");
  Doc v =
      found_or(load(ctx, ref), [] { return errors::resource_not_found("The resource you requested does not exist."); });
  check_access(ctx, ref, v);
  return {ref, std::move(v)};
}

int64_t Layers::next_version(OpContext& ctx, const LayerRef& ref) {
  std::string name_key = storage::KeyBuilder().scope(ref.account, ref.region).raw(ref.name).take();
  std::string counter;
  int64_t next = 1;
  if (ctx.storage.get(kNames, name_key, &counter).ok()) next = json::parse(counter).integer("next", 1);
  Doc c = Doc::map();
  c.set("next", next + 1);
  if (auto st = ctx.storage.put(kNames, name_key, json::write(c)); !st.ok()) throw stratus::errors::internal(st.message);
  return next;
}

}  // namespace stratus::lambda
