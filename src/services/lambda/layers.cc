#include "services/lambda/layers.h"

#include <cstdio>
#include <mutex>
#include <regex>

#include "core/error.h"
#include "core/ids.h"
#include "core/json.h"
#include "services/lambda/code.h"
#include "services/service.h"
#include "storage/engine.h"

namespace stratus::lambda {
namespace {

constexpr std::string_view kLayers = "lambda.layers";
constexpr std::string_view kNames = "lambda.layer_names";
constexpr size_t kMaxLayers = 5;

AwsError bad_value(const std::string& msg) { return {"InvalidParameterValueException", msg, 400}; }
AwsError no_resource() {
  return {"ResourceNotFoundException", "The resource you requested does not exist.", 404};
}

// A layer as named by LayerName (a name or a layer ARN) or by a layer version ARN.
struct LayerRef {
  std::string account, region, name;
  int64_t version = 0;
  std::string layer_arn() const { return "arn:aws:lambda:" + region + ":" + account + ":layer:" + name; }
  std::string version_arn() const { return layer_arn() + ":" + std::to_string(version); }
  std::string prefix() const { return account + '\0' + region + '\0' + name + '\0'; }
  std::string key() const {
    char v[16];
    std::snprintf(v, sizeof v, "%010lld", static_cast<long long>(version));
    return prefix() + v;
  }
};

LayerRef parse_name(const OpContext& ctx, const std::string& s) {
  LayerRef r{ctx.account(), ctx.region(), s};
  static const std::regex arn_re("arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\\d{12}):layer:([a-zA-Z0-9-_]+)");
  std::smatch m;
  if (std::regex_match(s, m, arn_re)) r = {m[2].str(), m[1].str(), m[3].str()};
  return r;
}

std::optional<LayerRef> parse_version_arn(const std::string& s) {
  static const std::regex re("arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)");
  std::smatch m;
  if (s.size() > 140 || !std::regex_match(s, m, re)) return std::nullopt;
  LayerRef r{m[2].str(), m[1].str(), m[3].str()};
  r.version = std::atoll(m[4].str().c_str());
  return r;
}

bool matches(const Doc& v, const Doc& in) {
  auto has = [&](const char* list, const char* want) {
    if (!in.has(want)) return true;
    const Doc* l = v.get(list);
    if (!l) return false;
    for (const auto& x : l->as_list())
      if (x.as_string() == in.str(want)) return true;
    return false;
  };
  return has("CompatibleRuntimes", "CompatibleRuntime") && has("CompatibleArchitectures", "CompatibleArchitecture");
}

// The LayerVersionsListItem members of a stored version.
Doc list_item(const Doc& v) {
  Doc out = Doc::map();
  for (const char* k : {"LayerVersionArn", "Version", "Description", "CreatedDate", "CompatibleRuntimes", "LicenseInfo",
                        "CompatibleArchitectures"})
    if (const Doc* x = v.get(k)) out.set(k, *x);
  return out;
}

class LayersImpl final : public Layers {
 public:
  explicit LayersImpl(Service& svc) {
    svc.add("PublishLayerVersion", [this](OpContext& c, const Doc& in) { return publish(c, in); });
    svc.add("GetLayerVersion", [this](OpContext& c, const Doc& in) { return get(c, in); });
    svc.add("GetLayerVersionByArn", [this](OpContext& c, const Doc& in) { return get_by_arn(c, in); });
    svc.add("ListLayers", [this](OpContext& c, const Doc& in) { return list_layers(c, in); });
    svc.add("ListLayerVersions", [this](OpContext& c, const Doc& in) { return list_versions(c, in); });
    svc.add("DeleteLayerVersion", [this](OpContext& c, const Doc& in) { return remove(c, in); });
    svc.add("AddLayerVersionPermission", [this](OpContext& c, const Doc& in) { return add_permission(c, in); });
    svc.add("RemoveLayerVersionPermission", [this](OpContext& c, const Doc& in) { return remove_permission(c, in); });
    svc.add("GetLayerVersionPolicy", [this](OpContext& c, const Doc& in) { return get_policy(c, in); });
  }

  void start(std::string code_root, std::function<std::string(const std::string&)> location) override {
    root_ = std::move(code_root);
    location_ = std::move(location);
  }

  Resolved resolve(OpContext& ctx, const Doc& arns) override {
    Resolved out;
    if (arns.size() > kMaxLayers) throw bad_value("Cannot reference more than 5 layers.");
    std::vector<LayerRef> seen;
    for (const auto& a : arns.as_list()) {
      std::string s = a.as_string();
      auto ref = parse_version_arn(s);
      if (!ref)
        throw AwsError("ValidationException",
                       "1 validation error detected: Value '[" + s +
                           "]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must "
                           "have length less than or equal to 140, Member must have length greater than or equal to "
                           "1, Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:"
                           "\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+, Member must not be null]",
                       400);
      if (ref->region != ctx.region())
        throw bad_value("Layers are not in the same region as the function. Layers are expected to be in region " +
                        ctx.region() + ".");
      for (const auto& o : seen)
        if (o.account == ref->account && o.name == ref->name)
          throw bad_value("Two different versions of the same layer are not allowed to be referenced in the same "
                          "function. " + o.version_arn() + " and " + ref->version_arn() +
                          " reference the same layer.");
      auto v = load(ctx, *ref);
      if (!v) throw bad_value("Layer version " + s + " does not exist.");
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

 private:
  std::string root_;
  std::function<std::string(const std::string&)> location_;
  std::mutex mu_;  // read-modify-write of layer records

  static std::optional<Doc> load(OpContext& ctx, const LayerRef& r) {
    std::string v;
    if (!ctx.storage.get(kLayers, r.key(), &v).ok()) return std::nullopt;
    return json::parse(v);
  }

  static void save(OpContext& ctx, const LayerRef& r, const Doc& d) {
    auto st = ctx.storage.put(kLayers, r.key(), json::write(d));
    if (!st.ok()) throw errors::internal(st.message);
  }

  // Another account's layer version: its policy must allow the caller's account.
  static void check_access(const OpContext& ctx, const LayerRef& r, const Doc& v) {
    if (r.account == ctx.account()) return;
    if (const Doc* p = v.get("policy")) {
      for (const auto& st : p->as_list()) {
        const Doc* pr = st.get("Principal");
        if (!pr) continue;
        if (pr->is_string() && pr->as_string() == "*") return;
        if (pr->is_map() && pr->str("AWS") == "arn:aws:iam::" + ctx.account() + ":root") return;
      }
    }
    throw AwsError("AccessDeniedException",
                   "User: " + ctx.caller.arn + " is not authorized to perform: lambda:GetLayerVersion on resource: " +
                       r.version_arn() + " because no resource-based policy allows the lambda:GetLayerVersion action",
                   403);
  }

  Doc present(const Doc& v) const {
    Doc out = v;
    out.as_map().erase("_code");
    out.as_map().erase("policy");
    out.as_map().erase("policy_rev");
    Doc content = *v.get("Content");
    content.set("Location", location_(v.str("_code")));
    out.set("Content", std::move(content));
    return out;
  }

  Result<Doc> publish(OpContext& ctx, const Doc& in) {
    LayerRef ref = parse_name(ctx, in.str("LayerName"));
    if (ref.account != ctx.account() || ref.region != ctx.region())
      return bad_value("Layers can only be published in the caller's account and region.");
    const Doc* content = in.get("Content");
    const Doc* zip = content ? content->get("ZipFile") : nullptr;
    if (!zip) {
      if (content && (content->has("S3Bucket") || content->has("S3Key")))
        return bad_value("Stratus accepts layer content as ZipFile only (S3Bucket/S3Key is not supported yet).");
      return bad_value("Please provide a source for layer content.");
    }
    if (const Doc* rts = in.get("CompatibleRuntimes"); rts && rts->size() > 15)
      return bad_value("CompatibleRuntimes can contain at most 15 runtimes.");
    std::string error;
    auto code = store_zip(root_, zip->is_blob() ? zip->as_blob().bytes : zip->as_string(), &error);
    if (!code) return bad_value(error);

    std::lock_guard lock(mu_);
    std::string name_key = ref.account + '\0' + ref.region + '\0' + ref.name;
    std::string counter;
    int64_t next = 1;
    if (ctx.storage.get(kNames, name_key, &counter).ok()) next = json::parse(counter).integer("next", 1);
    ref.version = next;
    Doc c = Doc::map();
    c.set("next", next + 1);
    if (auto st = ctx.storage.put(kNames, name_key, json::write(c)); !st.ok()) throw errors::internal(st.message);

    Doc v = Doc::map();
    Doc out_content = Doc::map();
    out_content.set("CodeSha256", code->sha256_b64);
    out_content.set("CodeSize", code->size);
    v.set("Content", std::move(out_content));
    v.set("LayerArn", ref.layer_arn());
    v.set("LayerVersionArn", ref.version_arn());
    v.set("Description", in.str("Description"));
    v.set("CreatedDate", lambda_timestamp(ctx.now_ms));
    v.set("Version", ref.version);
    for (const char* k : {"CompatibleRuntimes", "CompatibleArchitectures"})
      if (const Doc* x = in.get(k); x && x->size()) v.set(k, *x);
    if (in.has("LicenseInfo")) v.set("LicenseInfo", in.str("LicenseInfo"));
    v.set("_code", code->hex);
    save(ctx, ref, v);
    return present(v);
  }

  // The version named by LayerName + VersionNumber; must exist and be readable by the caller.
  std::pair<LayerRef, Doc> must_load(OpContext& ctx, const Doc& in) {
    LayerRef ref = parse_name(ctx, in.str("LayerName"));
    ref.version = in.integer("VersionNumber");
    auto v = load(ctx, ref);
    if (!v) throw no_resource();
    check_access(ctx, ref, *v);
    return {ref, std::move(*v)};
  }

  Result<Doc> get(OpContext& ctx, const Doc& in) { return present(must_load(ctx, in).second); }

  Result<Doc> get_by_arn(OpContext& ctx, const Doc& in) {
    auto ref = parse_version_arn(in.str("Arn"));
    if (!ref) return bad_value("Invalid layer version ARN: " + in.str("Arn"));
    auto v = load(ctx, *ref);
    if (!v) return no_resource();
    check_access(ctx, *ref, *v);
    return present(*v);
  }

  static int64_t max_items(const Doc& in) { return in.integer("MaxItems", 50); }

  Result<Doc> list_layers(OpContext& ctx, const Doc& in) {
    std::string marker = in.str("Marker");
    int64_t max = max_items(in);
    // Versions are stored in ascending order per name: the last match of each name is its latest.
    std::vector<std::pair<std::string, Doc>> latest;  // name, version
    std::string prefix = ctx.account() + '\0' + ctx.region() + '\0';
    for (auto it = ctx.storage.prefix(kLayers, prefix); it->valid(); it->next()) {
      std::string k(it->key());
      std::string name = k.substr(prefix.size(), k.find('\0', prefix.size()) - prefix.size());
      if (!marker.empty() && name <= marker) continue;
      Doc v = json::parse(it->value());
      if (!matches(v, in)) continue;
      if (!latest.empty() && latest.back().first == name) latest.back().second = std::move(v);
      else latest.emplace_back(name, std::move(v));
    }
    Doc list = Doc::list();
    Doc out = Doc::map();
    for (auto& [name, v] : latest) {
      if (static_cast<int64_t>(list.size()) >= max) {
        out.set("NextMarker", list.as_list().back().str("LayerName"));
        break;
      }
      Doc item = Doc::map();
      item.set("LayerName", name);
      item.set("LayerArn", v.str("LayerArn"));
      item.set("LatestMatchingVersion", list_item(v));
      list.push(std::move(item));
    }
    out.set("Layers", std::move(list));
    return out;
  }

  Result<Doc> list_versions(OpContext& ctx, const Doc& in) {
    LayerRef ref = parse_name(ctx, in.str("LayerName"));
    int64_t before = in.has("Marker") ? std::atoll(in.str("Marker").c_str()) : 0;
    int64_t max = max_items(in);
    std::vector<Doc> all;
    for (auto it = ctx.storage.prefix(kLayers, ref.prefix()); it->valid(); it->next()) {
      Doc v = json::parse(it->value());
      if (before && v.integer("Version") >= before) continue;
      if (ref.account != ctx.account()) {
        LayerRef r = ref;
        r.version = v.integer("Version");
        try {
          check_access(ctx, r, v);
        } catch (const AwsError&) {
          continue;
        }
      }
      if (matches(v, in)) all.push_back(std::move(v));
    }
    Doc list = Doc::list();
    Doc out = Doc::map();
    for (auto it = all.rbegin(); it != all.rend(); ++it) {  // newest first, as Lambda lists them
      if (static_cast<int64_t>(list.size()) >= max) {
        out.set("NextMarker", std::to_string(list.as_list().back().integer("Version")));
        break;
      }
      list.push(list_item(*it));
    }
    out.set("LayerVersions", std::move(list));
    return out;
  }

  Result<Doc> remove(OpContext& ctx, const Doc& in) {
    LayerRef ref = parse_name(ctx, in.str("LayerName"));
    ref.version = in.integer("VersionNumber");
    if (ref.account != ctx.account()) return Doc::map();
    std::lock_guard lock(mu_);
    ctx.storage.del(kLayers, ref.key());  // idempotent, as on AWS; functions keep their copy
    return Doc::map();
  }

  static void check_revision(const Doc& in, const Doc& v) {
    if (in.has("RevisionId") && in.str("RevisionId") != v.str("policy_rev"))
      throw AwsError("PreconditionFailedException",
                     "The Revision Id provided does not match the latest Revision Id. Call the "
                     "GetLayerVersionPolicy API to retrieve the latest Revision Id",
                     412);
  }

  Result<Doc> add_permission(OpContext& ctx, const Doc& in) {
    std::lock_guard lock(mu_);
    auto [ref, v] = must_load(ctx, in);
    if (ref.account != ctx.account()) return no_resource();
    check_revision(in, v);
    std::string sid = in.str("StatementId");
    if (in.str("Action") != "lambda:GetLayerVersion")
      return bad_value("The provided action (" + in.str("Action") + ") is not supported. Supported action: "
                       "lambda:GetLayerVersion");
    Doc& policy = v["policy"];
    if (policy.is_null()) policy = Doc::list();
    for (const auto& s : policy.as_list())
      if (s.str("Sid") == sid)
        return AwsError("ResourceConflictException",
                        "The statement id (" + sid +
                            ") provided already exists. Please provide a new statement id, or remove the existing "
                            "statement.",
                        409);
    Doc st = Doc::map();
    st.set("Sid", sid);
    st.set("Effect", "Allow");
    std::string p = in.str("Principal");
    if (p == "*") {
      st.set("Principal", "*");
    } else {
      Doc pr = Doc::map();
      pr.set("AWS", p.size() == 12 ? "arn:aws:iam::" + p + ":root" : p);
      st.set("Principal", std::move(pr));
    }
    st.set("Action", "lambda:GetLayerVersion");
    st.set("Resource", ref.version_arn());
    if (in.has("OrganizationId")) {
      Doc eq = Doc::map();
      eq.set("aws:PrincipalOrgID", in.str("OrganizationId"));
      Doc cond = Doc::map();
      cond.set("StringEquals", std::move(eq));
      st.set("Condition", std::move(cond));
    }
    policy.push(st);
    v.set("policy_rev", ids::uuid4());
    save(ctx, ref, v);
    Doc out = Doc::map();
    out.set("Statement", json::write(st));
    out.set("RevisionId", v.str("policy_rev"));
    return out;
  }

  Result<Doc> remove_permission(OpContext& ctx, const Doc& in) {
    std::lock_guard lock(mu_);
    auto [ref, v] = must_load(ctx, in);
    if (ref.account != ctx.account()) return no_resource();
    check_revision(in, v);
    std::string sid = in.str("StatementId");
    Doc* policy = v.get("policy");
    bool found = false;
    if (policy) {
      auto& l = policy->as_list();
      for (auto it = l.begin(); it != l.end(); ++it) {
        if (it->str("Sid") == sid) {
          l.erase(it);
          found = true;
          break;
        }
      }
    }
    if (!found)
      return AwsError("ResourceNotFoundException", "Statement " + sid + " is not found in resource policy.", 404);
    v.set("policy_rev", ids::uuid4());
    save(ctx, ref, v);
    return Doc::map();
  }

  Result<Doc> get_policy(OpContext& ctx, const Doc& in) {
    auto [ref, v] = must_load(ctx, in);
    const Doc* policy = v.get("policy");
    if (!policy || !policy->size())
      return AwsError("ResourceNotFoundException", "No policy is associated with the given resource.", 404);
    Doc doc = Doc::map();
    doc.set("Version", "2012-10-17");
    doc.set("Id", "default");
    doc.set("Statement", *policy);
    Doc out = Doc::map();
    out.set("Policy", json::write(doc));
    out.set("RevisionId", v.str("policy_rev"));
    return out;
  }
};

}  // namespace

std::unique_ptr<Layers> add_layers(Service& lambda) { return std::make_unique<LayersImpl>(lambda); }

}  // namespace stratus::lambda
