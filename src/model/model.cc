#include "model/model.h"

#include <rapidjson/document.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>

#include "model/embedded.h"

namespace stratus::model {
namespace {

using JVal = rapidjson::Value;

std::string sget(const JVal& o, const char* k) {
  if (!o.IsObject()) return {};
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength()) : std::string();
}
bool bget(const JVal& o, const char* k) {
  if (!o.IsObject()) return false;
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}
const JVal* oget(const JVal& o, const char* k) {
  if (!o.IsObject()) return nullptr;
  auto it = o.FindMember(k);
  return it == o.MemberEnd() ? nullptr : &it->value;
}

ShapeType type_of(const std::string& t) {
  static const std::unordered_map<std::string, ShapeType> m = {
      {"structure", ShapeType::structure}, {"list", ShapeType::list}, {"map", ShapeType::map},
      {"string", ShapeType::string}, {"integer", ShapeType::integer}, {"long", ShapeType::long_},
      {"float", ShapeType::float_}, {"double", ShapeType::double_}, {"boolean", ShapeType::boolean},
      {"blob", ShapeType::blob}, {"timestamp", ShapeType::timestamp},
      {"bigdecimal", ShapeType::bigdecimal}, {"biginteger", ShapeType::biginteger},
      {"byte", ShapeType::byte_}, {"short", ShapeType::short_}, {"document", ShapeType::document},
      {"union", ShapeType::structure}, {"enum", ShapeType::string}, {"intEnum", ShapeType::integer}};
  auto it = m.find(t);
  if (it == m.end()) throw std::runtime_error("unknown shape type " + t);
  return it->second;
}

void fill_member(ServiceModel& svc, Member& m, const JVal& ref) {
  std::string target = sget(ref, "shape");
  auto it = svc.shapes.find(target);
  if (it == svc.shapes.end()) throw std::runtime_error("model " + svc.id + ": no shape " + target);
  m.shape = it->second.get();
  m.location = sget(ref, "location");
  m.location_name = sget(ref, "locationName");
  m.query_name = sget(ref, "queryName");
  m.timestamp_format = sget(ref, "timestampFormat");
  m.flattened = bget(ref, "flattened");
  m.xml_attribute = bget(ref, "xmlAttribute");
  m.idempotency_token = bget(ref, "idempotencyToken");
  m.host_label = bget(ref, "hostLabel");
  m.streaming = bget(ref, "streaming") || m.shape->streaming;
  m.event_payload = bget(ref, "eventpayload");
  m.json_value = bget(ref, "jsonvalue");
  if (const JVal* ns = oget(ref, "xmlNamespace")) {
    m.xml_namespace_uri = sget(*ns, "uri");
    m.xml_namespace_prefix = sget(*ns, "prefix");
  }
}

}  // namespace

UriTemplate parse_uri_template(std::string_view raw) {
  UriTemplate t;
  t.raw = std::string(raw);
  std::string_view path = raw, query;
  if (auto q = raw.find('?'); q != std::string_view::npos) {
    path = raw.substr(0, q);
    query = raw.substr(q + 1);
  }
  if (path.size() > 1 && path.back() == '/') t.trailing_slash = true;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') { ++i; continue; }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    UriTemplate::Segment s;
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      seg = seg.substr(1, seg.size() - 2);
      if (!seg.empty() && seg.back() == '+') {
        s.greedy = true;
        seg.remove_suffix(1);
      }
      s.label = std::string(seg);
    } else {
      s.literal = std::string(seg);
    }
    t.segments.push_back(std::move(s));
    i = j;
  }
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) t.query.emplace_back(std::string(kv), "");
    else t.query.emplace_back(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return t;
}

std::unique_ptr<ServiceModel> parse_model(std::string_view id, std::string_view text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject()) throw std::runtime_error("model " + std::string(id) + ": bad JSON");
  auto svc = std::make_unique<ServiceModel>();
  svc->id = std::string(id);
  const JVal& meta = d["metadata"];
  svc->protocol = sget(meta, "protocol");
  if (const JVal* ps = oget(meta, "protocols"); ps && ps->IsArray()) {
    for (const auto& p : ps->GetArray()) svc->protocols.emplace_back(p.GetString());
  }
  if (svc->protocols.empty()) svc->protocols.push_back(svc->protocol);
  svc->json_version = sget(meta, "jsonVersion");
  svc->target_prefix = sget(meta, "targetPrefix");
  svc->signing_name = sget(meta, "signingName");
  svc->endpoint_prefix = sget(meta, "endpointPrefix");
  if (svc->signing_name.empty()) svc->signing_name = svc->endpoint_prefix;
  svc->api_version = sget(meta, "apiVersion");
  svc->service_id = sget(meta, "serviceId");
  svc->xml_namespace = sget(meta, "xmlNamespace");
  if (svc->xml_namespace.empty() && (svc->protocol == "query" || svc->protocol == "rest-xml")) {
    // botocore omits it for some query services; AWS uses this form.
    svc->xml_namespace = "https://" + svc->endpoint_prefix + ".amazonaws.com/doc/" + svc->api_version + "/";
  }

  // Two passes: create every shape, then resolve references (shapes refer to each other freely).
  const JVal& shapes = d["shapes"];
  for (auto it = shapes.MemberBegin(); it != shapes.MemberEnd(); ++it) {
    auto s = std::make_unique<Shape>();
    s->name = it->name.GetString();
    const JVal& j = it->value;
    std::string t = sget(j, "type");
    s->type = type_of(t);
    s->is_union = t == "union" || bget(j, "union");
    s->exception = bget(j, "exception");
    s->fault = bget(j, "fault");
    s->streaming = bget(j, "streaming");
    s->sensitive = bget(j, "sensitive");
    s->event_stream = bget(j, "eventstream");
    s->document = bget(j, "document") || s->type == ShapeType::document;
    s->requires_length = bget(j, "requiresLength");
    s->flattened = bget(j, "flattened");
    s->location_name = sget(j, "locationName");
    s->timestamp_format = sget(j, "timestampFormat");
    s->pattern = sget(j, "pattern");
    s->payload = sget(j, "payload");
    if (const JVal* v = oget(j, "min"); v && v->IsNumber()) s->min = v->GetDouble();
    if (const JVal* v = oget(j, "max"); v && v->IsNumber()) s->max = v->GetDouble();
    if (const JVal* e = oget(j, "enum"); e && e->IsArray()) {
      for (const auto& v : e->GetArray()) if (v.IsString()) s->enum_values.emplace_back(v.GetString());
    }
    if (const JVal* e = oget(j, "error")) {
      if (const JVal* st = oget(*e, "httpStatusCode"); st && st->IsInt()) s->error_http_status = st->GetInt();
      s->error_code = sget(*e, "code");
      if (const JVal* sf = oget(*e, "senderFault"); sf && sf->IsBool()) s->error_sender_fault = sf->GetBool();
    }
    if (const JVal* ns = oget(j, "xmlNamespace")) s->xml_namespace_uri = sget(*ns, "uri");
    svc->shapes.emplace(s->name, std::move(s));
  }
  for (auto it = shapes.MemberBegin(); it != shapes.MemberEnd(); ++it) {
    Shape& s = *svc->shapes[it->name.GetString()];
    const JVal& j = it->value;
    if (s.type == ShapeType::structure) {
      std::vector<std::string> required;
      if (const JVal* r = oget(j, "required"); r && r->IsArray())
        for (const auto& v : r->GetArray()) required.emplace_back(v.GetString());
      if (const JVal* ms = oget(j, "members")) {
        for (auto m = ms->MemberBegin(); m != ms->MemberEnd(); ++m) {
          Member mem;
          mem.name = m->name.GetString();
          fill_member(*svc, mem, m->value);
          mem.required = std::find(required.begin(), required.end(), mem.name) != required.end();
          s.member_index.emplace(mem.name, s.members.size());
          s.members.push_back(std::move(mem));
        }
      }
      if (s.exception) {
        std::string code = s.error_code.empty() ? s.name : s.error_code;
        svc->error_shapes.emplace(code, &s);
      }
    } else if (s.type == ShapeType::list) {
      if (const JVal* m = oget(j, "member")) fill_member(*svc, s.member, *m);
    } else if (s.type == ShapeType::map) {
      if (const JVal* k = oget(j, "key")) fill_member(*svc, s.key, *k);
      if (const JVal* v = oget(j, "value")) fill_member(*svc, s.value, *v);
    }
  }
  // Second fix-up: streaming is a shape trait that members inherit, known only after pass 1.
  for (auto& [_, sp] : svc->shapes)
    for (auto& m : sp->members) m.streaming = m.streaming || m.shape->streaming;

  const JVal& ops = d["operations"];
  for (auto it = ops.MemberBegin(); it != ops.MemberEnd(); ++it) {
    Operation op;
    op.name = it->name.GetString();
    const JVal& j = it->value;
    if (const JVal* h = oget(j, "http")) {
      op.http_method = sget(*h, "method");
      op.request_uri = sget(*h, "requestUri");
      if (const JVal* rc = oget(*h, "responseCode"); rc && rc->IsInt()) op.http_status = rc->GetInt();
    }
    if (op.http_method.empty()) op.http_method = "POST";
    if (op.request_uri.empty()) op.request_uri = "/";
    op.uri = parse_uri_template(op.request_uri);
    if (const JVal* in = oget(j, "input")) {
      op.input = svc->find_shape(sget(*in, "shape"));
      op.input_xml_name = sget(*in, "locationName");
      if (const JVal* ns = oget(*in, "xmlNamespace")) op.input_xml_namespace = sget(*ns, "uri");
    }
    if (const JVal* out = oget(j, "output")) {
      op.output = svc->find_shape(sget(*out, "shape"));
      op.result_wrapper = sget(*out, "resultWrapper");
    }
    if (const JVal* errs = oget(j, "errors"); errs && errs->IsArray()) {
      for (const auto& e : errs->GetArray())
        if (const Shape* es = svc->find_shape(sget(e, "shape"))) op.errors.push_back(es);
    }
    op.auth_type = sget(j, "authtype");
    op.deprecated = bget(j, "deprecated");
    op.host_prefix = oget(j, "endpoint") != nullptr;
    svc->operations.emplace(op.name, std::move(op));
  }
  return svc;
}

namespace {
// A value per model id, made on first use (under a lock: make() runs once per id) and kept for the
// process's life; not kept when make() answers nullptr. One cache per T and make().
template <class T, class Make>
const T* once_per_id(std::string_view id, Make make) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::unique_ptr<T>> kept;
  std::lock_guard lock(mu);
  auto it = kept.find(std::string(id));
  if (it != kept.end()) return it->second.get();
  std::unique_ptr<T> v = make();
  const T* p = v.get();
  if (v) kept.emplace(std::string(id), std::move(v));
  return p;
}
}  // namespace

const ServiceModel* Models::get(std::string_view id) {
  return once_per_id<ServiceModel>(id, [id]() -> std::unique_ptr<ServiceModel> {
    auto text = embedded_model(id);
    if (!text) return nullptr;
    return parse_model(id, *text);
  });
}

bool ModelSummary::has_operation(std::string_view name) const {
  return std::binary_search(operations.begin(), operations.end(), name);
}

namespace {
// SAX reader for the summary. The imported models have sorted keys and carry the operation
// names in metadata.stratusOperations, so reading stops at the end of "metadata"; it reads the
// model's head, embedded apart from the rest (cmake/embed_models.cmake), so start-up touches the
// few KB of every head side by side instead of the start of each model file.
struct SummaryReader : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, SummaryReader> {
  ModelSummary& out;
  int depth = 0;
  std::string section, key;  // depth-1 key; current key at depth 2 (metadata fields)
  enum class List { none, protocols, operations } list = List::none;
  explicit SummaryReader(ModelSummary& o) : out(o) {}
  bool Default() { return true; }
  bool StartObject() { ++depth; return true; }
  bool EndObject(rapidjson::SizeType) { --depth; return true; }
  bool StartArray() {
    if (depth == 2 && section == "metadata" && key == "protocols") list = List::protocols;
    if (depth == 2 && section == "metadata" && key == "stratusOperations") list = List::operations;
    return true;
  }
  bool EndArray(rapidjson::SizeType) { list = List::none; return true; }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (depth == 1) {
      if (section == "metadata") return false;  // everything needed is read: stop
      section.assign(s, n);  // keys before "metadata" (clientContextParams) are skipped
      return true;
    }
    if (depth == 2) key.assign(s, n);
    return true;
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (section != "metadata") return true;
    std::string v(s, n);
    if (list == List::protocols) out.protocols.push_back(v);
    else if (list == List::operations) out.operations.push_back(v);
    else if (depth == 2 && key == "protocol") out.protocol = v;
    else if (depth == 2 && key == "jsonVersion") out.json_version = v;
    else if (depth == 2 && key == "targetPrefix") out.target_prefix = v;
    else if (depth == 2 && key == "signingName") out.signing_name = v;
    else if (depth == 2 && key == "endpointPrefix") out.endpoint_prefix = v;
    else if (depth == 2 && key == "serviceId") out.service_id = v;
    return true;
  }
};
}  // namespace

const ModelSummary* Models::summary(std::string_view id) {
  return once_per_id<ModelSummary>(id, [id]() -> std::unique_ptr<ModelSummary> {
    auto text = embedded_model_head(id);
    if (!text) return nullptr;
    auto s = std::make_unique<ModelSummary>();
    s->id = std::string(id);
    SummaryReader handler(*s);
    rapidjson::Reader reader;
    rapidjson::MemoryStream ms(text->data(), text->size());
    reader.Parse(ms, handler);  // the head ends after "metadata" (the reader would stop there anyway)
    if (s->signing_name.empty()) s->signing_name = s->endpoint_prefix;
    if (s->protocols.empty()) s->protocols.push_back(s->protocol);
    std::sort(s->operations.begin(), s->operations.end());
    return s;
  });
}

std::vector<std::string> Models::ids() { return embedded_model_ids(); }

}  // namespace stratus::model
