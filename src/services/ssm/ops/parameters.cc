#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <set>

#include "core/encoding.h"
#include "core/lookup.h"
#include "core/paging.h"
#include "services/ssm/ops.h"
#include "services/ssm/rules.h"
#include "services/ssm/store.h"

namespace stratus::ssm {
namespace {

bool valid_ami(std::string_view v) {
  if (!v.starts_with("ami-")) return false;
  std::string_view hex = v.substr(4);
  if (hex.size() != 8 && hex.size() != 17) return false;
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Reads a parameter (or a public one) for Get*: nullopt when absent.
std::optional<Doc> read(OpContext& ctx, std::string_view name) {
  if (is_public(name)) return public_record(name, ctx.region());
  return ParamStore(ctx.storage).load(ctx.account(), ctx.region(), name);
}

void check_value_size(const std::string& tier, size_t size) {
  if (tier == "Standard" && size > kStandardValueMax)
    throw errors::validation(
        "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger "
        "parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see "
        "https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html");
  if (size > kAdvancedValueMax)
    throw errors::validation(
        "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length less "
        "than or equal to 8192");
}

// 10,000 standard parameters per account and region (STRATUS_SSM_STANDARD_LIMIT lowers it for tests).
int64_t standard_limit() {
  static const int64_t limit = [] {
    const char* v = std::getenv("STRATUS_SSM_STANDARD_LIMIT");
    int64_t n = v ? std::atoll(v) : 0;
    return n > 0 ? n : int64_t{10000};
  }();
  return limit;
}
constexpr int64_t kAdvancedLimit = 100000;

}  // namespace

Doc put_parameter(OpContext& ctx, const Doc& in) {
  std::string name = validate_put_name(in.str("Name"), ctx.account(), ctx.region());
  std::string value = in.str("Value");
  if (value.empty())
    throw errors::validation(
        "1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length "
        "greater than or equal to 1.");
  bool overwrite = in.flag("Overwrite");
  const Doc* tags_in = in.get("Tags");
  bool has_tags = tags_in && tags_in->is_list() && !tags_in->as_list().empty();
  if (overwrite && has_tags)
    throw errors::validation(
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please "
        "remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or "
        "RemoveTagsFromResource.");
  if (has_tags && tags_in->as_list().size() > kMaxTags)
    throw errors::validation(
        "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member "
        "must have length less than or equal to 50");

  std::lock_guard lock(ParamStore::mu());
  ParamStore store(ctx.storage);
  std::optional<Doc> record = store.load(ctx.account(), ctx.region(), name);
  if (record && !overwrite)
    throw errors::parameter_already_exists(
        "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");
  const Doc* last = record ? &current(*record) : nullptr;
  std::string type = in.str("Type");
  if (!last && type.empty()) throw errors::validation("A parameter type is required when you create a parameter.");
  if (last && !type.empty() && type != last->str("Type"))
    throw errors::hierarchy_type_mismatch(
        "The parameter type can't be changed. To change the type of a parameter, delete it and create it again "
        "with the new type.");
  if (type.empty()) type = last->str("Type");

  auto inherit = [&](const char* member, const std::string& dflt) {
    if (in.has(member)) return in.str(member);
    return last ? last->str(member, dflt) : dflt;
  };
  std::string data_type = inherit("DataType", "text");
  if (data_type.empty()) data_type = "text";
  if (data_type != "text" && data_type != "aws:ec2:image" && data_type != "aws:ssm:integration")
    throw errors::validation("The following data type is not supported: " + data_type +
                             " (Data type names are all lowercase.)");
  if (data_type == "aws:ec2:image") {
    if (type != "String")
      throw errors::validation("The data type aws:ec2:image is only supported for parameters of type String.");
    if (!valid_ami(value))
      throw errors::validation("Parameter value, " + value.substr(0, 64) +
                               ", for data type aws:ec2:image, must be a valid AMI ID in the format ami-12345678 "
                               "or ami-12345678901234567.");
  }
  std::string allowed = inherit("AllowedPattern", "");
  if (!allowed.empty()) {
    if (!matches_pattern(allowed, "").has_value())
      throw errors::invalid_allowed_pattern("The allowed pattern " + allowed + " is not a valid regular expression.");
    if (matches_pattern(allowed, value) != true)
      throw errors::parameter_pattern_mismatch("Parameter value, cannot be validated against allowedPattern: " +
                                               allowed);
  }
  std::string key_id = in.str("KeyId");
  for (char c : key_id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '/' || c == '_' || c == '-'))
      throw errors::validation("1 validation error detected: Value '" + key_id +
                               "' at 'keyId' failed to satisfy constraint: Member must satisfy regular expression "
                               "pattern: ^([a-zA-Z0-9:/_-]+)$");
  if (!key_id.empty() && type != "SecureString")
    throw errors::validation("KeyId is required for SecureString type parameter only.");
  if (type == "SecureString" && key_id.empty())
    key_id = last && last->str("Type") == "SecureString" ? last->str("KeyId", "alias/aws/ssm") : "alias/aws/ssm";

  std::string policies_text = inherit("Policies", "");
  std::vector<Policy> policies;
  if (!policies_text.empty()) policies = parse_policies(policies_text);
  if (policies.empty()) policies_text.clear();

  std::string last_tier = last ? last->str("Tier", "Standard") : "";
  std::string tier = in.has("Tier") ? in.str("Tier") : (last ? last_tier : "Standard");
  int64_t standard_count = store.count(ctx.account(), ctx.region(), "Standard");
  if (tier == "Intelligent-Tiering")
    tier = value.size() > kStandardValueMax || !policies.empty() || last_tier == "Advanced" ||
                   (last_tier.empty() && standard_count >= standard_limit())
               ? "Advanced"
               : "Standard";
  if (tier == "Standard" && last_tier == "Advanced")
    throw errors::validation(
        "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the "
        "advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter "
        "and recreate it as a standard parameter.");
  check_value_size(tier, value.size());
  if (tier == "Standard" && !policies.empty())
    throw errors::validation(
        "Parameter policies are supported only for advanced parameters. To attach a policy, upgrade the parameter "
        "to the advanced-parameter tier.");

  if (tier != last_tier) {
    int64_t limit = tier == "Standard" ? standard_limit() : kAdvancedLimit;
    if ((tier == "Standard" ? standard_count : store.count(ctx.account(), ctx.region(), tier)) >= limit)
      throw errors::parameter_limit_exceeded(
          "You have exceeded the number of parameters for this AWS account. Delete one or more parameters and try "
          "again.");
  }
  Doc rec = record ? std::move(*record) : Doc::map();
  if (!record) {
    rec.set("Name", name);
    Doc tags = Doc::map();
    if (has_tags)
      for (const Doc& t : tags_in->as_list()) tags.set(t.str("Key"), t.str("Value"));
    rec.set("Tags", std::move(tags));
    rec.set("Versions", Doc::list());
  }
  int64_t old_expiry = record ? ParamStore::expiration_of(rec) : 0;
  DocList& versions = rec.get("Versions")->as_list();
  int64_t version = versions.empty() ? 1 : versions.back().integer("Version") + 1;
  if (versions.size() >= kMaxVersions) {
    const Doc& oldest = versions.front();
    if (const Doc* l = oldest.get("Labels"); l && !l->as_list().empty())
      throw errors::parameter_max_version_limit_exceeded(
          "You attempted to create a new version of " + name +
          " by calling the PutParameter API with the overwrite flag. Version " +
          std::to_string(oldest.integer("Version")) +
          ", the oldest version, can't be deleted because it has a label associated with it. Move the label to "
          "another version of the parameter, and try again.");
    versions.erase(versions.begin());
  }
  Doc v = Doc::map();
  v.set("Version", version);
  v.set("Type", type);
  if (type == "SecureString") {
    v.set("Cipher", enc::base64_encode(seal(ctx, key_id, parameter_arn(ctx.account(), ctx.region(), name), value)));
    v.set("KeyId", key_id);
  } else {
    v.set("Value", value);
  }
  std::string description = inherit("Description", "");
  if (!description.empty()) v.set("Description", description);
  if (!allowed.empty()) v.set("AllowedPattern", allowed);
  v.set("Tier", tier);
  v.set("DataType", data_type);
  if (!policies_text.empty()) v.set("Policies", policies_text);
  v.set("LastModifiedDate", ctx.now_ms);
  v.set("LastModifiedUser", ctx.caller.arn);
  v.set("Labels", Doc::list());
  versions.push_back(std::move(v));
  int64_t expiry = ParamStore::expiration_of(rec);
  WriteEvents ev(ctx);
  auto st = store.save(ctx.account(), ctx.region(), rec, expiry, old_expiry, last_tier,
                       [&](storage::WriteBatch& b) { ev.change(b, rec, record ? "Update" : "Create"); });
  if (!st.ok()) throw errors::internal_server_error("An internal error occurred.");
  ev.published();
  Doc out = Doc::map();
  out.set("Version", version);
  out.set("Tier", tier);
  return out;
}

Doc get_parameter(OpContext& ctx, const Doc& in) {
  if (is_secret_reference(in.str("Name"))) {
    require_decryption(in.flag("WithDecryption"));
    auto p = secret_reference(ctx, in.str("Name"));
    if (!p)
      throw errors::parameter_not_found(
          "An error occurred (ParameterNotFound) when referencing Secrets Manager: Secret " + in.str("Name") +
          " not found.");
    return answer("Parameter", std::move(*p));
  }
  Selector sel = parse_selector(in.str("Name"));
  std::optional<Doc> rec = sel.valid ? read(ctx, sel.name) : std::nullopt;
  if (!rec) throw errors::parameter_not_found("");
  const Doc* v = pick(*rec, sel.version, sel.label);
  if (!v) {
    if (sel.version) throw version_not_found(sel.name, *sel.version);
    throw errors::parameter_version_not_found("Systems Manager could not find label " + sel.label + " of " + sel.name +
                                              ". Verify the label and try again.");
  }
  Doc out = Doc::map();
  out.set("Parameter", parameter_doc(ctx, *rec, *v, sel.text, in.flag("WithDecryption")));
  return out;
}

Doc get_parameters(OpContext& ctx, const Doc& in) {
  std::set<std::string> seen;
  std::vector<std::pair<std::string, Doc>> found;
  Doc invalid = Doc::list();
  bool decrypt = in.flag("WithDecryption");
  for (const Doc& n : in.get("Names")->as_list()) {
    const std::string& name = n.as_string();
    if (!seen.insert(name).second) continue;
    if (is_secret_reference(name)) {
      require_decryption(decrypt);
      if (auto p = secret_reference(ctx, name))
        found.emplace_back(name, std::move(*p));
      else
        invalid.push(name);
      continue;
    }
    Selector sel = parse_selector(name);
    std::optional<Doc> rec = sel.valid ? read(ctx, sel.name) : std::nullopt;
    const Doc* v = rec ? pick(*rec, sel.version, sel.label) : nullptr;
    if (!v) {
      invalid.push(name);
      continue;
    }
    found.emplace_back(rec->str("Name"), parameter_doc(ctx, *rec, *v, sel.text, decrypt));
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Doc params = Doc::list();
  for (auto& f : found) params.push(std::move(f.second));
  Doc out = Doc::map();
  out.set("Parameters", std::move(params));
  out.set("InvalidParameters", std::move(invalid));
  return out;
}

Doc get_parameter_history(OpContext& ctx, const Doc& in) {
  std::string name = strip_arn(in.str("Name"));
  std::optional<Doc> rec = read(ctx, name);
  if (!rec) throw not_found(in.str("Name"));
  int64_t max = in.integer("MaxResults", 50);
  size_t start = 0;
  if (in.has("NextToken")) {
    auto t = enc::base64_decode(in.str("NextToken"));
    bool ok = t && !t->empty() && t->size() < 10 && t->find_first_not_of("0123456789") == std::string::npos;
    if (!ok) throw errors::invalid_next_token("The specified token is not valid.");
    start = std::stoul(*t);
  }
  bool decrypt = in.flag("WithDecryption");
  std::string arn = parameter_arn(ctx.account(), ctx.region(), rec->str("Name"));
  const DocList& versions = rec->get("Versions")->as_list();
  auto page = paging::slice(start, versions.size(), max, [&](size_t i) {
    const Doc& v = versions[i];
    Doc h = Doc::map();
    h.set("Name", rec->str("Name"));
    h.set("Type", v.str("Type"));
    if (v.has("KeyId")) h.set("KeyId", v.str("KeyId"));
    h.set("LastModifiedDate", Timestamp{v.integer("LastModifiedDate")});
    h.set("LastModifiedUser", v.str("LastModifiedUser"));
    if (v.has("Description")) h.set("Description", v.str("Description"));
    h.set("Value", value_of(ctx, v, arn, decrypt));
    if (v.has("AllowedPattern")) h.set("AllowedPattern", v.str("AllowedPattern"));
    h.set("Version", v.integer("Version"));
    h.set("Labels", v.get("Labels") ? *v.get("Labels") : Doc::list());
    h.set("Tier", v.str("Tier", "Standard"));
    h.set("Policies", policies_doc(v));
    h.set("DataType", v.str("DataType", "text"));
    return h;
  });
  return page.answer("Parameters", "NextToken");
}

namespace {

// Deletes one parameter (REQUIRES ParamStore::mu()); false when there is none of that name.
bool delete_one(OpContext& ctx, ParamStore& store, const std::string& name) {
  std::optional<Doc> rec = store.load(ctx.account(), ctx.region(), name);
  if (!rec) return false;
  WriteEvents ev(ctx);
  auto st = store.erase(ctx.account(), ctx.region(), name, ParamStore::expiration_of(*rec), ParamStore::tier_of(*rec),
                        [&](storage::WriteBatch& b) { ev.change(b, *rec, "Delete"); });
  if (!st.ok()) throw errors::internal_server_error("An internal error occurred.");
  ev.published();
  return true;
}

}  // namespace

Doc delete_parameter(OpContext& ctx, const Doc& in) {
  std::string name = in.str("Name");
  std::lock_guard lock(ParamStore::mu());
  ParamStore store(ctx.storage);
  if (!delete_one(ctx, store, name)) throw not_found(name);
  return Doc::map();
}

Doc delete_parameters(OpContext& ctx, const Doc& in) {
  Doc deleted = Doc::list(), invalid = Doc::list();
  std::lock_guard lock(ParamStore::mu());
  ParamStore store(ctx.storage);
  for (const Doc& n : in.get("Names")->as_list()) {
    const std::string& name = n.as_string();
    (delete_one(ctx, store, name) ? deleted : invalid).push(name);
  }
  Doc out = Doc::map();
  out.set("DeletedParameters", std::move(deleted));
  out.set("InvalidParameters", std::move(invalid));
  return out;
}

namespace {

// The parameter of a label operation, loaded under ParamStore::mu() for its read-modify-write,
// and the version it names (ParameterVersion, else the current one; ParameterVersionNotFound when
// there is none) with its Labels made a list.
struct Labeled {
  std::lock_guard<std::mutex> lock{ParamStore::mu()};
  ParamStore store;
  std::string name;
  Doc rec;
  Doc* target = nullptr;
  DocList* labels = nullptr;

  Labeled(OpContext& ctx, const Doc& in) : store(ctx.storage), name(in.str("Name")) {
    rec = found_or(store.load(ctx.account(), ctx.region(), name), [&] { return not_found(name); });
    DocList& versions = rec.get("Versions")->as_list();
    int64_t want = in.has("ParameterVersion") ? in.integer("ParameterVersion") : versions.back().integer("Version");
    for (Doc& v : versions)
      if (v.integer("Version") == want) target = &v;
    if (!target) throw version_not_found(name, want);
    Doc& label_doc = (*target)["Labels"];
    if (!label_doc.is_list()) label_doc = Doc::list();
    labels = &label_doc.as_list();
  }
  void save(OpContext& ctx, const ParamStore::Also& also = {}) {
    int64_t expiry = ParamStore::expiration_of(rec);
    if (!store.save(ctx.account(), ctx.region(), rec, expiry, expiry, ParamStore::tier_of(rec), also).ok())
      throw errors::internal_server_error("An internal error occurred.");
  }
};

}  // namespace

Doc label_parameter_version(OpContext& ctx, const Doc& in) {
  Labeled p(ctx, in);
  DocList& labels = *p.labels;
  DocList& versions = p.rec.get("Versions")->as_list();
  int64_t version = p.target->integer("Version");
  std::vector<std::string> add;
  Doc invalid = Doc::list();
  for (const Doc& l : in.get("Labels")->as_list()) {
    const std::string& label = l.as_string();
    if (label.size() > 100)
      throw errors::validation("1 validation error detected: Value '[" + label +
                               "]' at 'labels' failed to satisfy constraint: Member must satisfy constraint: [Member "
                               "must have length less than or equal to 100, Member must have length greater than or "
                               "equal to 1]");
    if (!valid_label(label)) {
      invalid.push(label);
      continue;
    }
    if (std::find(add.begin(), add.end(), label) == add.end()) add.push_back(label);
  }
  size_t count = labels.size();
  for (const auto& l : add)
    if (std::find(labels.begin(), labels.end(), Doc(l)) == labels.end()) ++count;
  if (count > kMaxLabels)
    throw errors::parameter_version_label_limit_exceeded(
        "A parameter version can have maximum 10 labels.Move one or more labels to another version and try again.");
  for (Doc& v : versions) {
    if (&v == p.target) continue;
    if (Doc* ls = v.get("Labels"))
      std::erase_if(ls->as_list(),
                    [&](const Doc& d) { return std::find(add.begin(), add.end(), d.as_string()) != add.end(); });
  }
  for (const auto& l : add)
    if (std::find(labels.begin(), labels.end(), Doc(l)) == labels.end()) labels.push_back(Doc(l));
  WriteEvents ev(ctx);
  p.save(ctx, [&](storage::WriteBatch& b) {
    if (!add.empty()) ev.change(b, p.rec, "LabelParameterVersion");
  });
  ev.published();
  Doc out = Doc::map();
  out.set("InvalidLabels", std::move(invalid));
  out.set("ParameterVersion", version);
  return out;
}

Doc unlabel_parameter_version(OpContext& ctx, const Doc& in) {
  Labeled p(ctx, in);
  DocList& labels = *p.labels;
  Doc removed = Doc::list(), invalid = Doc::list();
  for (const Doc& l : in.get("Labels")->as_list()) {
    auto it = std::find(labels.begin(), labels.end(), l);
    if (it == labels.end()) {
      invalid.push(l);
      continue;
    }
    labels.erase(it);
    removed.push(l);
  }
  p.save(ctx);
  Doc out = Doc::map();
  out.set("RemovedLabels", std::move(removed));
  out.set("InvalidLabels", std::move(invalid));
  return out;
}

}  // namespace stratus::ssm
