// Templates (v1 Template: SubjectPart/TextPart/HtmlPart; v2 TemplateContent: Subject/Text/Html,
// stored in the v1 form) and their test rendering.
#include <mutex>

#include "core/error.h"
#include "core/paging.h"
#include "services/ses/errors.h"
#include "services/ses/ops.h"
#include "services/ses/ops/common.h"
#include "services/ses/schema.h"

namespace stratus::ses {
namespace {

constexpr std::string_view kTs = schema::kTemplates.name;
constexpr size_t kMaxTemplateBytes = 500 * 1024;

void check_size(const Doc& t, Api api) {
  size_t n = t.str("SubjectPart").size() + t.str("TextPart").size() + t.str("HtmlPart").size();
  if (n > kMaxTemplateBytes) {
    std::string msg = "Template size exceeds the limit of 500 KB.";
    throw api == Api::v1 ? errors::invalid_template(msg) : v2::errors::bad_request(msg);
  }
}

Doc from_v2(const std::string& name, const Doc* content) {
  Doc t = Doc::map();
  t.set("TemplateName", name);
  if (content) {
    if (content->has("Subject")) t.set("SubjectPart", content->str("Subject"));
    if (content->has("Text")) t.set("TextPart", content->str("Text"));
    if (content->has("Html")) t.set("HtmlPart", content->str("Html"));
  }
  return t;
}

Doc v1_template(const Doc& t) {
  Doc o = Doc::map();
  o.set("TemplateName", t.str("TemplateName"));
  for (const char* k : {"SubjectPart", "TextPart", "HtmlPart"})
    if (t.has(k)) o.set(k, t.str(k));
  return o;
}

Doc v2_content(const Doc& t) {
  Doc c = Doc::map();
  if (t.has("SubjectPart")) c.set("Subject", t.str("SubjectPart"));
  if (t.has("TextPart")) c.set("Text", t.str("TextPart"));
  if (t.has("HtmlPart")) c.set("Html", t.str("HtmlPart"));
  return c;
}

std::optional<Doc> find(OpContext& ctx, const std::string& name) {
  return state(ctx).get(kTs, ctx.account(), ctx.region(), name);
}

Doc must_find(OpContext& ctx, const std::string& name, Api api) {
  auto t = find(ctx, name);
  if (!t) {
    std::string msg = "Template " + name + " does not exist.";
    throw api == Api::v1 ? errors::template_does_not_exist(msg) : v2::errors::not_found(msg);
  }
  return *t;
}

void create(OpContext& ctx, Doc t, Api api) {
  std::string name = t.str("TemplateName");
  check_size(t, api);
  State& st = state(ctx);
  std::lock_guard lk(st.mu);
  if (st.get(kTs, ctx.account(), ctx.region(), name)) {
    std::string msg = "Template " + name + " already exists.";
    throw api == Api::v1 ? errors::already_exists(msg) : v2::errors::already_exists(msg);
  }
  t.set("CreatedMs", ctx.now_ms);
  st.put(kTs, ctx.account(), ctx.region(), name, t);
}

void update(OpContext& ctx, Doc t, Api api) {
  std::string name = t.str("TemplateName");
  check_size(t, api);
  State& st = state(ctx);
  std::lock_guard lk(st.mu);
  Doc cur = must_find(ctx, name, api);
  t.set("CreatedMs", cur.integer("CreatedMs"));
  st.put(kTs, ctx.account(), ctx.region(), name, t);
}

std::string test_render(OpContext& ctx, const std::string& name, const std::string& data, Api api) {
  Doc t = must_find(ctx, name, api);
  RenderedParts r = render_parts(t, data);
  if (!r.error.empty()) {
    if (api == Api::v2) throw v2::errors::bad_request(r.error);
    if (!r.missing.empty()) throw errors::missing_rendering_attribute(r.error);
    throw errors::invalid_rendering_parameter(r.error);
  }
  return rendered_mime(r);
}

}  // namespace

Doc create_template(OpContext& ctx, const Doc& in) {
  create(ctx, v1_template(in.get("Template") ? *in.get("Template") : Doc::map()), Api::v1);
  return Doc::map();
}

Doc get_template(OpContext& ctx, const Doc& in) {
  return answer("Template", v1_template(must_find(ctx, in.str("TemplateName"), Api::v1)));
}

Doc update_template(OpContext& ctx, const Doc& in) {
  update(ctx, v1_template(in.get("Template") ? *in.get("Template") : Doc::map()), Api::v1);
  return Doc::map();
}

Doc delete_template(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::lock_guard lk(st.mu);
  st.del(kTs, ctx.account(), ctx.region(), in.str("TemplateName"));
  return Doc::map();
}

Doc list_templates(OpContext& ctx, const Doc& in) {
  paging::Style style{"NextToken", "MaxItems", 10, "NextToken", nullptr};
  return paging::paginate(state(ctx).scan(kTs, ctx.account(), ctx.region()), in, "TemplatesMetadata", style,
                          [](const Doc& t) -> std::optional<Doc> {
                            Doc m = Doc::map();
                            m.set("Name", t.str("TemplateName"));
                            m.set("CreatedTimestamp", Doc(Timestamp{t.integer("CreatedMs")}));
                            return m;
                          });
}

Doc test_render_template(OpContext& ctx, const Doc& in) {
  return answer("RenderedTemplate", test_render(ctx, in.str("TemplateName"), in.str("TemplateData"), Api::v1));
}

Doc create_email_template(OpContext& ctx, const Doc& in) {
  create(ctx, from_v2(in.str("TemplateName"), in.get("TemplateContent")), Api::v2);
  return Doc::map();
}

Doc get_email_template(OpContext& ctx, const Doc& in) {
  Doc t = must_find(ctx, in.str("TemplateName"), Api::v2);
  Doc out = Doc::map();
  out.set("TemplateName", t.str("TemplateName"));
  out.set("TemplateContent", v2_content(t));
  out.set("Tags", Doc::list());
  return out;
}

Doc update_email_template(OpContext& ctx, const Doc& in) {
  update(ctx, from_v2(in.str("TemplateName"), in.get("TemplateContent")), Api::v2);
  return Doc::map();
}

Doc delete_email_template(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::lock_guard lk(st.mu);
  must_find(ctx, in.str("TemplateName"), Api::v2);
  st.del(kTs, ctx.account(), ctx.region(), in.str("TemplateName"));
  return Doc::map();
}

Doc list_email_templates(OpContext& ctx, const Doc& in) {
  paging::Style style{"NextToken", "PageSize", 10, "NextToken", nullptr};
  return paging::paginate(state(ctx).scan(kTs, ctx.account(), ctx.region()), in, "TemplatesMetadata", style,
                          [](const Doc& t) -> std::optional<Doc> {
                            Doc m = Doc::map();
                            m.set("TemplateName", t.str("TemplateName"));
                            m.set("CreatedTimestamp", Doc(Timestamp{t.integer("CreatedMs")}));
                            return m;
                          });
}

Doc test_render_email_template(OpContext& ctx, const Doc& in) {
  return answer("RenderedTemplate", test_render(ctx, in.str("TemplateName"), in.str("TemplateData"), Api::v2));
}

}  // namespace stratus::ses
