#include "services/lambda/ops.h"

#include "core/encoding.h"
#include "core/ids.h"
#include "core/paging.h"
#include "services/lambda/code.h"
#include "services/lambda/state.h"

namespace stratus::lambda::ops {


void touch(Doc& cfg, const OpContext& ctx) {
  cfg.set("LastModified", lambda_timestamp(ctx.now_ms));
  cfg.set("RevisionId", ids::uuid4());
}

Doc public_config(const Doc& cfg) {
  Doc out = cfg;
  out.as_map().erase("_code");
  out.as_map().erase("_layers");
  return out;
}

void check_revision(const Doc& in, const Doc& cfg) {
  std::string want = in.str("RevisionId");
  if (!want.empty() && want != cfg.str("RevisionId"))
    throw errors::precondition_failed("The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias "
                   "API to retrieve the latest Revision Id");
}

Doc page(std::vector<std::pair<std::string, Doc>> items, const Doc& in, const char* list_key,
         const char* marker_key) {
  std::string after;
  if (in.has("Marker")) {
    auto m = enc::base64_decode(in.str("Marker"));
    if (!m) throw errors::invalid_parameter_value("Invalid marker: " + in.str("Marker"));
    after = *m;
  }
  paging::After page(in.integer("MaxItems", 50), std::move(after));
  for (auto& [k, item] : items) {
    if (page.seen(k)) continue;
    if (page.full()) break;
    page.add(k, std::move(item));
  }
  return page.answer(list_key, marker_key, paging::Token::base64);
}

Doc list_qualifier_configs(OpContext& ctx, const Doc& in, const char* field, const char* list_key,
                           const std::function<Doc(const Doc&, const std::string&, const Doc&)>& render) {
  FnRef ref = parse_ref(in);
  Doc rec = state(ctx).must_load(ctx, ref.name);
  std::vector<std::pair<std::string, Doc>> items;
  if (const Doc* all = rec.get(field))
    for (const auto& [q, entry] : all->as_map()) items.emplace_back(q, render(rec, q, entry));
  return page(std::move(items), in, list_key, "NextMarker");
}

std::string version_sort_key(const std::string& v) {
  if (v == "$LATEST") return "0";
  return "1" + std::string(12 - std::min<size_t>(12, v.size()), '0') + v;
}

std::string qualified_arn(const OpContext& ctx, const FnRef& ref) {
  return function_arn(ctx, ref.name) + ":" + (ref.qualifier.empty() ? "$LATEST" : ref.qualifier);
}

}  // namespace stratus::lambda::ops
