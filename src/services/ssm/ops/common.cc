#include "core/encoding.h"
#include "services/ssm/ops.h"
#include "services/ssm/rules.h"

namespace stratus::ssm {

const Doc& current(const Doc& record) {
  return record.get("Versions")->as_list().back();
}

const Doc* pick(const Doc& record, std::optional<int64_t> version, std::string_view label) {
  const DocList& versions = record.get("Versions")->as_list();
  if (!version && label.empty()) return &versions.back();
  for (const Doc& v : versions) {
    if (version && v.integer("Version") == *version) return &v;
    if (!label.empty())
      if (const Doc* labels = v.get("Labels"))
        for (const Doc& l : labels->as_list())
          if (l.as_string() == label) return &v;
  }
  return nullptr;
}

std::string value_of(OpContext& ctx, const Doc& v, std::string_view arn, bool decrypt) {
  if (!v.has("Cipher")) return v.str("Value");
  if (!decrypt) return v.str("Cipher");
  return unseal(ctx, enc::base64_decode(v.str("Cipher")).value_or(""), arn);
}

Doc policies_doc(const Doc& v) {
  Doc pols = Doc::list();
  if (!v.has("Policies")) return pols;
  try {
    for (const auto& p : parse_policies(v.str("Policies"))) {
      Doc d = Doc::map();
      d.set("PolicyText", p.text);
      d.set("PolicyType", p.type);
      d.set("PolicyStatus", "Pending");
      pols.push(std::move(d));
    }
  } catch (const AwsError&) {
  }
  return pols;
}

Doc parameter_doc(OpContext& ctx, const Doc& record, const Doc& v, std::string_view selector, bool decrypt) {
  Doc p = Doc::map();
  std::string name = record.str("Name");
  std::string arn = parameter_arn(ctx.account(), ctx.region(), name);
  p.set("Name", name);
  p.set("Type", v.str("Type"));
  p.set("Value", value_of(ctx, v, arn, decrypt));
  p.set("Version", v.integer("Version"));
  if (!selector.empty()) p.set("Selector", std::string(selector));
  p.set("LastModifiedDate", Timestamp{v.integer("LastModifiedDate")});
  p.set("ARN", record.has("ARN") ? record.str("ARN") : arn);
  p.set("DataType", v.str("DataType", "text"));
  return p;
}

AwsError not_found(std::string_view name) {
  return errors::parameter_not_found("Parameter " + std::string(name) + " not found.");
}

AwsError version_not_found(std::string_view name, int64_t version) {
  return errors::parameter_version_not_found("Systems Manager could not find version " + std::to_string(version) +
                                             " of " + std::string(name) + ". Verify the version and try again.");
}

}  // namespace stratus::ssm
