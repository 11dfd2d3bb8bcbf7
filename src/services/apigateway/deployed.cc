#include "services/apigateway/deployed.h"

#include <cctype>

namespace stratus::apigateway {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::map<std::string, TemplatePtr> parse_templates(const Doc* templates, std::string& broken) {
  std::map<std::string, TemplatePtr> out;
  if (!templates || !templates->is_map()) return out;
  for (const auto& [ct, t] : templates->as_map()) {
    std::string src = t.is_string() ? t.as_string() : "";
    try {
      out[lower(ct)] = src.empty() ? nullptr : vtl::parse(src);
    } catch (const vtl::ParseError& e) {
      broken = e.what();
    }
  }
  return out;
}

}  // namespace

const DResource* match(const DResource* r, const std::vector<std::string>& segs, size_t i, Pairs& params) {
  if (i == segs.size()) return r;
  for (const DResource* c : r->children)
    if (c->kind == DResource::literal && c->part == segs[i])
      if (const DResource* m = match(c, segs, i + 1, params)) return m;
  for (const DResource* c : r->children) {
    if (c->kind != DResource::param_part) continue;
    params.emplace_back(c->param, segs[i]);
    if (const DResource* m = match(c, segs, i + 1, params)) return m;
    params.pop_back();
  }
  for (const DResource* c : r->children) {
    if (c->kind != DResource::greedy) continue;
    std::string rest;
    for (size_t k = i; k < segs.size(); ++k) rest += (k > i ? "/" : "") + segs[k];
    params.emplace_back(c->param, rest);
    return c;
  }
  return nullptr;
}

std::shared_ptr<Deployed> build_deployed(const Doc& doc, const Doc& resources, const Doc& stage_doc) {
  auto d = std::make_shared<Deployed>();
  d->stage_doc = stage_doc;
  if (const Doc* bt = doc.get("api") ? doc.get("api")->get("binaryMediaTypes") : nullptr; bt && bt->is_list())
    for (const auto& t : bt->as_list())
      if (t.is_string()) d->binary_types.push_back(lower(t.as_string()));
  std::map<std::string, DResource*> by_id;
  if (!resources.is_map()) return nullptr;
  for (const auto& [rid, r] : resources.as_map()) {
    auto dr = std::make_unique<DResource>();
    dr->id = rid;
    dr->path = r.str("path");
    dr->part = r.str("pathPart");
    if (dr->part.size() > 2 && dr->part.front() == '{') {
      bool greedy = dr->part[dr->part.size() - 2] == '+';
      dr->kind = greedy ? DResource::greedy : DResource::param_part;
      dr->param = dr->part.substr(1, dr->part.size() - (greedy ? 3 : 2));
    }
    if (const Doc* rm = r.get("resourceMethods"); rm && rm->is_map()) {
      for (const auto& [verb, m] : rm->as_map()) {
        DMethod dm;
        dm.doc = m;
        if (const Doc* integ = m.get("methodIntegration")) {
          dm.request_templates = parse_templates(integ->get("requestTemplates"), dm.broken);
          if (const Doc* irs = integ->get("integrationResponses"); irs && irs->is_map()) {
            for (const auto& [code, ir] : irs->as_map()) {
              DMethod::Response resp;
              resp.doc = ir;
              std::string pattern = ir.str("selectionPattern");
              if (!pattern.empty()) {
                try {
                  resp.pattern = std::make_shared<Regex>(pattern);
                } catch (const vtl::RenderError& e) {
                  dm.broken = e.what();
                }
              }
              resp.templates = parse_templates(ir.get("responseTemplates"), dm.broken);
              dm.responses.push_back(std::move(resp));
            }
          }
        }
        dr->methods.emplace(verb, std::move(dm));
      }
    }
    by_id[rid] = dr.get();
    if (!r.has("parentId")) d->root = dr.get();
    d->all.push_back(std::move(dr));
  }
  for (const auto& [rid, r] : resources.as_map())
    if (auto p = by_id.find(r.str("parentId")); p != by_id.end()) p->second->children.push_back(by_id[rid]);
  if (!d->root) return nullptr;
  return d;
}

}  // namespace stratus::apigateway
