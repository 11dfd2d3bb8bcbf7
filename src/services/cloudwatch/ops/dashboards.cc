// Dashboards (Put/Get/List/DeleteDashboards with DashboardBody validation) and tags of alarms and
// dashboards (Tag/Untag/ListTagsForResource).
#include <algorithm>
#include <functional>

#include "core/arn.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/paging.h"
#include "core/tags.h"
#include "services/cloudwatch/ops.h"
#include "services/cloudwatch/schema.h"

namespace stratus::cloudwatch {
namespace {

constexpr std::string_view kDash = schema::kDashboards.name;

AwsError invalid_input(std::string m) {
  return {"InvalidParameterInput", std::move(m), 400};
}

std::string dashboard_arn(const std::string& account, const std::string& name) {
  return "arn:aws:cloudwatch::" + account + ":dashboard/" + name;
}

void check_name(const std::string& name) {
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      throw invalid_input(
          "The value for field DashboardName contains invalid characters. It can only contain "
          "alphanumerics, dash (-) and underscore (_).");
}

struct Problem {
  std::string path, message;
};

// The body's problems, as AWS words them (JSON-schema style): errors refuse the dashboard.
std::vector<Problem> validate_body(const Doc& body) {
  std::vector<Problem> out;
  if (!body.is_map()) {
    out.push_back({"", "Should be object"});
    return out;
  }
  const Doc* widgets = body.get("widgets");
  if (!widgets) {
    out.push_back({"", "Should have required property 'widgets'"});
    return out;
  }
  if (!widgets->is_list()) {
    out.push_back({"/widgets", "Should be array"});
    return out;
  }
  static const char* kTypes[] = {"metric", "text", "log", "alarm", "explorer", "custom"};
  for (size_t i = 0; i < widgets->as_list().size(); ++i) {
    const Doc& w = widgets->as_list()[i];
    std::string p = "/widgets/" + std::to_string(i);
    if (!w.is_map()) {
      out.push_back({p, "Should be object"});
      continue;
    }
    const Doc* t = w.get("type");
    if (!t) {
      out.push_back({p, "Should have required property 'type'"});
      continue;
    }
    if (!t->is_string() ||
        std::none_of(std::begin(kTypes), std::end(kTypes), [&](const char* k) { return t->as_string() == k; })) {
      out.push_back({p + "/type", "Should be equal to one of the allowed values"});
      continue;
    }
    for (const char* dim : {"x", "y", "width", "height"})
      if (const Doc* v = w.get(dim); v && !v->is_number()) out.push_back({p + "/" + dim, "Should be integer"});
    if (const Doc* wd = w.get("width"); wd && wd->is_number() && (wd->as_int() < 1 || wd->as_int() > 24))
      out.push_back({p + "/width", "Should be <= 24"});
    const Doc* props = w.get("properties");
    if (t->as_string() != "explorer" && !props) {
      out.push_back({p, "Should have required property 'properties'"});
      continue;
    }
    if (props && !props->is_map()) {
      out.push_back({p + "/properties", "Should be object"});
      continue;
    }
    if (t->as_string() == "text" && !props->has("markdown"))
      out.push_back({p + "/properties", "Should have required property 'markdown'"});
    if (t->as_string() == "metric" && props && !props->has("metrics") && !props->has("annotations"))
      out.push_back({p + "/properties", "Should have required property 'metrics'"});
    if (t->as_string() == "metric" && props)
      if (const Doc* ms = props->get("metrics"); ms && !ms->is_list())
        out.push_back({p + "/properties/metrics", "Should be array"});
    if (t->as_string() == "log" && props && !props->has("query"))
      out.push_back({p + "/properties", "Should have required property 'query'"});
  }
  return out;
}

std::string problems_text(const std::vector<Problem>& ps) {
  std::string s = "The dashboard body is invalid, there are " + std::to_string(ps.size()) + " validation errors: [";
  for (size_t i = 0; i < ps.size(); ++i) {
    s += (i ? ", " : " ");
    s += "{ \"dataPath\" : \"" + ps[i].path + "\", \"message\" : \"" + ps[i].message + "\" }";
  }
  return s + " ]";
}

}  // namespace

Doc put_dashboard(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  std::string name = in.str("DashboardName"), text = in.str("DashboardBody");
  check_name(name);
  Doc body;
  try {
    body = json::parse(text);
  } catch (const std::exception&) {
    AwsError e = invalid_input("The field DashboardBody must be a valid JSON object");
    e.extra_json = R"({"dashboardValidationMessages":[{"dataPath":"","message":"Should be a valid JSON object"}]})";
    throw e;
  }
  auto problems = validate_body(body);
  if (!problems.empty()) {
    AwsError e = invalid_input(problems_text(problems));
    Doc msgs = Doc::list();
    for (const auto& p : problems) msgs.push(obj({{"dataPath", p.path}, {"message", p.message}}));
    e.extra_json = json::write(obj({{"dashboardValidationMessages", std::move(msgs)}}));
    throw e;
  }
  auto old = st.store->get(kDash, ctx.account(), "", name);
  Doc rec = Doc::map();
  rec.set("DashboardBody", text);
  rec.set("LastModified", now_millis());
  rec.set("Size", static_cast<int64_t>(text.size()));
  if (old && old->has("Tags")) rec.set("Tags", *old->get("Tags"));
  if (!old && in.has("Tags")) rec.set("Tags", *in.get("Tags"));
  st.store->put(kDash, ctx.account(), "", name, rec);
  return answer("DashboardValidationMessages", Doc::list());
}

Doc get_dashboard(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  std::string name = in.str("DashboardName");
  auto rec = st.store->get(kDash, ctx.account(), "", name);
  if (!rec) throw not_found("Dashboard " + name + " does not exist");
  Doc out = Doc::map();
  out.set("DashboardArn", dashboard_arn(ctx.account(), name));
  out.set("DashboardBody", rec->str("DashboardBody"));
  out.set("DashboardName", name);
  return out;
}

Doc list_dashboards(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  std::string prefix = in.str("DashboardNamePrefix");
  std::vector<std::pair<std::string, Doc>> entries;  // in name order
  for (const auto& [name, rec] : st.store->list(kDash, ctx.account(), "")) {
    if (!prefix.empty() && name.rfind(prefix, 0) != 0) continue;
    Doc e = Doc::map();
    e.set("DashboardName", name);
    e.set("DashboardArn", dashboard_arn(ctx.account(), name));
    e.set("LastModified", Timestamp{rec.integer("LastModified")});
    e.set("Size", rec.integer("Size"));
    entries.emplace_back(name, std::move(e));
  }
  // NextToken: the first name not yet returned; 1000 a page (the request names no page size)
  return paging::paginate(entries, in, "DashboardEntries", {"NextToken", "", 1000, "NextToken", nullptr},
                          [](const Doc& e) -> std::optional<Doc> { return e; });
}

Doc delete_dashboards(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  std::vector<std::string> names;
  for (const auto& x : in.get("DashboardNames")->as_list()) names.push_back(x.as_string());
  for (const auto& n : names)
    if (!st.store->get(kDash, ctx.account(), "", n)) throw not_found("Dashboard " + n + " does not exist");
  for (const auto& n : names) st.store->del(kDash, ctx.account(), "", n);
  return Doc::map();
}

// ---- tags ----
namespace {

struct Target {
  std::string_view ks;
  std::string region, name;
};

Target target_of(OpContext& ctx, const std::string& arn_text) {
  auto arn = Arn::parse(arn_text);
  if (!arn || arn->service != "cloudwatch")
    throw invalid_value("The value " + arn_text + " for parameter ResourceARN is invalid.");
  if (arn->account != ctx.account())
    throw AwsError("ResourceNotFoundException", "The specified resource does not exist.", 404);
  if (arn->resource.rfind("alarm:", 0) == 0) return {schema::kAlarms.name, arn->region, arn->resource.substr(6)};
  if (arn->resource.rfind("dashboard/", 0) == 0) return {kDash, "", arn->resource.substr(10)};
  throw invalid_value("The value " + arn_text + " for parameter ResourceARN is invalid.");
}

}  // namespace

namespace {
// Read-modify-write of a resource's Tags member.
void edit_tags(OpContext& ctx, const Doc& in, const std::function<void(Doc&)>& edit) {
  State& st = state_of(ctx);
  Target t = target_of(ctx, in.str("ResourceARN"));
  std::lock_guard lock(st.store->mu);
  auto rec = st.store->get(t.ks, ctx.account(), t.region, t.name);
  if (!rec) throw AwsError("ResourceNotFoundException", "The specified resource does not exist.", 404);
  Doc tags = rec->get("Tags") ? *rec->get("Tags") : Doc::list();
  edit(tags);
  rec->set("Tags", std::move(tags));
  st.store->put(t.ks, ctx.account(), t.region, t.name, *rec);
}
}  // namespace

Doc tag_resource(OpContext& ctx, const Doc& in) {
  edit_tags(ctx, in, [&](Doc& tags) {
    tags::merge_list(tags, in.get("Tags"));
    if (tags.size() > 50) throw AwsError("LimitExceededException", "The maximum number of tags is 50.", 400);
  });
  return Doc::map();
}

Doc untag_resource(OpContext& ctx, const Doc& in) {
  edit_tags(ctx, in, [&](Doc& tags) { tags::remove_from_list(tags, in.get("TagKeys")); });
  return Doc::map();
}

Doc list_tags_for_resource(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  Target t = target_of(ctx, in.str("ResourceARN"));
  auto rec = st.store->get(t.ks, ctx.account(), t.region, t.name);
  if (!rec) throw AwsError("ResourceNotFoundException", "The specified resource does not exist.", 404);
  return answer("Tags", rec->get("Tags") ? *rec->get("Tags") : Doc::list());
}

}  // namespace stratus::cloudwatch
