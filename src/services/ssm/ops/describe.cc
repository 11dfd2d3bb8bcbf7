#include <set>

#include "core/encoding.h"
#include "core/json.h"
#include "core/paging.h"
#include "services/ssm/ops.h"
#include "services/ssm/rules.h"
#include "services/ssm/store.h"

namespace stratus::ssm {
namespace {

struct Filter {
  std::string key, option;
  std::vector<std::string> values;
};

bool key_pattern(const std::string& k) {
  static const std::set<std::string> plain = {"Name", "Type", "KeyId", "Path", "Label", "Tier", "DataType"};
  return plain.count(k) || (k.size() > 4 && k.starts_with("tag:"));
}

std::string list_text(std::initializer_list<const char*> items) {
  std::string s = "[";
  for (const char* i : items) s += (s.size() > 1 ? ", " : "") + std::string(i);
  return s + "]";
}

std::vector<Filter> read_filters(const Doc* list, bool by_path) {
  std::vector<Filter> out;
  if (!list || !list->is_list()) return out;
  std::set<std::string> seen;
  size_t index = 0;
  for (const Doc& f : list->as_list()) {
    ++index;
    Filter flt;
    flt.key = f.str("Key");
    if (!key_pattern(flt.key))
      throw errors::validation("1 validation error detected: Value '" + flt.key + "' at 'parameterFilters." +
                               std::to_string(index) +
                               ".member.key' failed to satisfy constraint: Member must satisfy regular expression "
                               "pattern: tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType");
    flt.option = f.str("Option", flt.key == "Path" ? "OneLevel" : "Equals");
    if (const Doc* vs = f.get("Values"))
      for (const Doc& v : vs->as_list()) flt.values.push_back(v.as_string());
    if (by_path && (flt.key == "Name" || flt.key == "Path" || flt.key == "Tier" || flt.key == "DataType"))
      throw errors::invalid_filter_key("The following filter key is not valid: " + flt.key +
                                       ". Valid filter keys include: [Type, KeyId, Label].");
    if (!by_path && flt.key == "Label")
      throw errors::invalid_filter_key(
          "The following filter key is not valid: Label. Valid filter keys include: [Path, Name, Type, KeyId, Tier, "
          "DataType].");
    if (!seen.insert(flt.key).second)
      throw errors::invalid_filter_key("The following filter is duplicated in the request: " + flt.key +
                                       ". A request can contain only one occurrence of a specific filter.");
    if (flt.values.empty() && !flt.key.starts_with("tag:"))
      throw errors::invalid_filter_value("The following filter values are missing : null for filter key " + flt.key +
                                         ".");
    auto bad_option = [&](const std::string& valid) {
      return errors::invalid_filter_option("The following filter option is not valid: " + flt.option +
                                           ". Valid options include: " + valid + ".");
    };
    if (flt.key == "Path") {
      if (flt.option != "Recursive" && flt.option != "OneLevel") throw bad_option(list_text({"Recursive", "OneLevel"}));
      for (const auto& v : flt.values) {
        std::string lower = v;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower.starts_with("/aws") || lower.starts_with("/ssm"))
          throw errors::validation(
              "Filters for common parameters can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). When "
              "using global parameters, please specify within a global namespace.");
        validate_path(v);
      }
    } else if (flt.key == "Name") {
      if (flt.option != "Equals" && flt.option != "BeginsWith" && flt.option != "Contains")
        throw bad_option(list_text({"Equals", "BeginsWith", "Contains"}));
    } else if (flt.key == "Label") {
      if (flt.option != "Equals") throw bad_option(list_text({"Equals"}));
    } else if (flt.option != "Equals" && flt.option != "BeginsWith") {
      throw bad_option(list_text({"BeginsWith", "Equals"}));
    }
    auto check_values = [&](std::initializer_list<const char*> valid) {
      for (const auto& v : flt.values) {
        bool ok = false;
        for (const char* x : valid) ok = ok || v == x;
        if (!ok)
          throw errors::invalid_filter_value("The following filter value is not valid: " + v +
                                             ". Valid values include: " + list_text(valid) + ".");
      }
    };
    if (flt.key == "Tier" && flt.option == "Equals") check_values({"Standard", "Advanced", "Intelligent-Tiering"});
    if (flt.key == "Type" && flt.option == "Equals") check_values({"String", "StringList", "SecureString"});
    out.push_back(std::move(flt));
  }
  return out;
}

bool match_text(const Filter& f, const std::string& what) {
  for (const auto& v : f.values) {
    if (f.option == "Equals" && what == v) return true;
    if (f.option == "BeginsWith" && what.starts_with(v)) return true;
    if (f.option == "Contains" && what.find(v) != std::string::npos) return true;
  }
  return false;
}

std::string slashed(const std::string& s) {
  return s.starts_with('/') ? s : "/" + s;
}

// Whether record passes every filter; `chosen` is the version listed (a Label filter picks the
// version carrying the label).
bool matches(const std::vector<Filter>& filters, const Doc& record, const Doc*& chosen) {
  chosen = &current(record);
  std::string name = slashed(record.str("Name"));
  for (const auto& f : filters) {
    const Doc& v = *chosen;
    if (f.key == "Name") {
      Filter g = f;
      if (f.option != "Contains")
        for (auto& x : g.values) x = slashed(x);
      if (!match_text(g, name)) return false;
    } else if (f.key == "Path") {
      std::string parent = name.substr(0, name.rfind('/'));
      bool ok = false;
      for (auto p : f.values) {
        while (p.size() > 1 && p.ends_with('/')) p.pop_back();
        if (p == "/") p.clear();
        if (f.option == "OneLevel" ? parent == p : name.starts_with(p + "/")) ok = true;
      }
      if (!ok) return false;
    } else if (f.key == "Type") {
      if (!match_text(f, v.str("Type"))) return false;
    } else if (f.key == "KeyId") {
      if (!v.has("KeyId") || !match_text(f, v.str("KeyId"))) return false;
    } else if (f.key == "Tier") {
      if (!match_text(f, v.str("Tier", "Standard"))) return false;
    } else if (f.key == "DataType") {
      if (!match_text(f, v.str("DataType", "text"))) return false;
    } else if (f.key == "Label") {
      const Doc* found = nullptr;
      for (const auto& label : f.values)
        if (!found) found = pick(record, std::nullopt, label);
      if (!found) return false;
      chosen = found;
    } else {  // tag:<key>
      const Doc* tags = record.get("Tags");
      const Doc* t = tags ? tags->get(f.key.substr(4)) : nullptr;
      if (!t) return false;
      if (!f.values.empty() && !match_text(f, t->as_string())) return false;
    }
  }
  return true;
}

std::string read_token(const Doc& in) {
  if (!in.has("NextToken")) return {};
  auto t = enc::base64_decode(in.str("NextToken"));
  if (!t || t->empty() || !t->starts_with("/")) throw errors::invalid_next_token("The specified token is not valid.");
  return *t;
}

Doc metadata(OpContext& ctx, const Doc& record) {
  const Doc& v = current(record);
  Doc m = Doc::map();
  m.set("Name", record.str("Name"));
  m.set("ARN", parameter_arn(ctx.account(), ctx.region(), record.str("Name")));
  m.set("Type", v.str("Type"));
  if (v.has("KeyId")) m.set("KeyId", v.str("KeyId"));
  m.set("LastModifiedDate", Timestamp{v.integer("LastModifiedDate")});
  m.set("LastModifiedUser", v.str("LastModifiedUser"));
  if (v.has("Description")) m.set("Description", v.str("Description"));
  if (v.has("AllowedPattern")) m.set("AllowedPattern", v.str("AllowedPattern"));
  m.set("Version", v.integer("Version"));
  m.set("Tier", v.str("Tier", "Standard"));
  m.set("Policies", policies_doc(v));
  m.set("DataType", v.str("DataType", "text"));
  return m;
}

}  // namespace

Doc get_parameters_by_path(OpContext& ctx, const Doc& in) {
  std::string path = in.str("Path");
  validate_path(path);
  bool recursive = in.flag("Recursive");
  bool decrypt = in.flag("WithDecryption");
  int64_t max = in.integer("MaxResults", 10);
  std::vector<Filter> filters = read_filters(in.get("ParameterFilters"), true);
  std::string after = read_token(in);
  std::string base = path;
  while (base.size() > 1 && base.ends_with('/')) base.pop_back();
  std::string prefix = base == "/" ? "/" : base + "/";
  // NextToken: the base64 of the last name returned, with its leading '/'
  paging::After page(max);
  auto consider = [&](const std::string& key, const Doc& record) {
    if (!recursive && key.find('/', prefix.size()) != std::string::npos) return true;
    const Doc* chosen = nullptr;
    if (!matches(filters, record, chosen)) return true;
    if (page.full()) return false;
    std::string name = record.str("Name");
    page.add(name.starts_with('/') ? name : "/" + name, parameter_doc(ctx, record, *chosen, "", decrypt));
    return true;
  };
  if (is_public(prefix)) {
    for (const auto& name : public_names(base, recursive)) {
      if (!after.empty() && name <= after) continue;
      if (!consider(name, *public_record(name, ctx.region()))) break;
    }
  } else {
    std::string sc = ParamStore::scope(ctx.account(), ctx.region());
    storage::ScanOptions o;
    o.start = sc + (after.empty() ? prefix : after + std::string(1, '\0'));
    o.end = storage::prefix_end(sc + prefix);
    for (auto it = ctx.storage.scan("ssm.parameters", o); it->valid(); it->next()) {
      std::string key(it->key().substr(sc.size()));
      if (!consider(key, json::parse(it->value()))) break;
    }
  }
  return page.answer("Parameters", "NextToken", paging::Token::base64);
}

Doc describe_parameters(OpContext& ctx, const Doc& in) {
  const Doc* legacy = in.get("Filters");
  const Doc* pf = in.get("ParameterFilters");
  if (legacy && pf && !legacy->as_list().empty() && !pf->as_list().empty())
    throw errors::validation("You can use either Filters or ParameterFilters in a single request.");
  std::vector<Filter> filters;
  if (legacy && legacy->is_list()) {
    for (const Doc& f : legacy->as_list()) {
      Filter flt;
      flt.key = f.str("Key");
      flt.option = flt.key == "Name" ? "BeginsWith" : "Equals";
      if (const Doc* vs = f.get("Values"))
        for (const Doc& v : vs->as_list()) flt.values.push_back(v.as_string());
      filters.push_back(std::move(flt));
    }
  } else {
    filters = read_filters(pf, false);
  }
  int64_t max = in.integer("MaxResults", 50);
  std::string after = read_token(in);
  std::string sc = ParamStore::scope(ctx.account(), ctx.region());
  storage::ScanOptions o;
  o.start = sc + (after.empty() ? std::string() : after + std::string(1, '\0'));
  o.end = storage::prefix_end(sc);
  // NextToken: the base64 of the last key returned
  paging::After page(max);
  for (auto it = ctx.storage.scan("ssm.parameters", o); it->valid(); it->next()) {
    Doc record = json::parse(it->value());
    const Doc* chosen = nullptr;
    if (!matches(filters, record, chosen)) continue;
    if (page.full()) break;
    page.add(std::string(it->key().substr(sc.size())), metadata(ctx, record));
  }
  return page.answer("Parameters", "NextToken", paging::Token::base64);
}

}  // namespace stratus::ssm
