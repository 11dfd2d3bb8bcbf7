// rest-xml (S3; CloudFront and Route 53 style services): the REST binding of rest_binding.h with
// XML bodies. Requests are parsed with pugixml (DOCTYPEs rejected, so no entity tricks);
// responses are written by hand, which is faster than building a DOM. Body timestamps default
// to ISO 8601, blobs to base64; flattened lists repeat their element, xmlAttribute members
// become attributes (S3's Grantee xsi:type).
#include <pugixml.hpp>

#include <string_view>
#include <unordered_map>

#include "core/encoding.h"
#include "core/json.h"
#include "protocol/codecs_internal.h"
#include "protocol/rest_binding.h"
#include "protocol/rest_xml_writer.h"

namespace stratus::protocol {
namespace {

constexpr int kMaxDepth = 128;

AwsError malformed_xml() {
  return {"MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema",
          400};
}

std::string_view local_name(std::string_view n) {
  size_t c = n.find(':');
  return c == std::string_view::npos ? n : n.substr(c + 1);
}

std::string_view sv_or(const std::string& a, std::string_view b) { return a.empty() ? b : std::string_view(a); }

// Element name of a structure member (botocore: member locationName, else the target shape's,
// else the member name).
std::string_view member_xml_name(const Member& m) { return sv_or(m.location_name, sv_or(m.shape->location_name, m.name)); }
bool flattened(const Member& m) { return m.flattened || m.shape->flattened; }
std::string_view list_item_name(const Shape& list) {
  return sv_or(list.member.location_name, sv_or(list.member.shape->location_name, "member"));
}

// Root element names S3 uses for operations whose output has no payload member. Smithy's
// @xmlName carries them, but botocore's JSON models drop it, so they live here.
std::string_view s3_root(std::string_view op) {
  static const std::unordered_map<std::string_view, std::string_view> roots = {
      {"ListBuckets", "ListAllMyBucketsResult"},
      {"ListDirectoryBuckets", "ListAllMyDirectoryBucketsResult"},
      {"ListObjects", "ListBucketResult"},
      {"ListObjectsV2", "ListBucketResult"},
      {"ListObjectVersions", "ListVersionsResult"},
      {"ListMultipartUploads", "ListMultipartUploadsResult"},
      {"ListParts", "ListPartsResult"},
      {"CreateMultipartUpload", "InitiateMultipartUploadResult"},
      {"CompleteMultipartUpload", "CompleteMultipartUploadResult"},
      {"DeleteObjects", "DeleteResult"},
      {"GetBucketAcl", "AccessControlPolicy"},
      {"GetObjectAcl", "AccessControlPolicy"},
      {"GetBucketTagging", "Tagging"},
      {"GetObjectTagging", "Tagging"},
      {"GetBucketVersioning", "VersioningConfiguration"},
      {"GetBucketCors", "CORSConfiguration"},
      {"GetBucketLifecycle", "LifecycleConfiguration"},
      {"GetBucketLifecycleConfiguration", "LifecycleConfiguration"},
      {"GetBucketNotification", "NotificationConfiguration"},
      {"GetBucketNotificationConfiguration", "NotificationConfiguration"},
      {"GetBucketWebsite", "WebsiteConfiguration"},
      {"GetBucketLogging", "BucketLoggingStatus"},
      {"GetBucketAccelerateConfiguration", "AccelerateConfiguration"},
      {"GetBucketRequestPayment", "RequestPaymentConfiguration"},
      {"GetBucketLocation", "LocationConstraint"},
      {"GetObjectAttributes", "GetObjectAttributesResponse"},
      {"ListBucketAnalyticsConfigurations", "ListBucketAnalyticsConfigurationResult"},
      {"ListBucketMetricsConfigurations", "ListMetricsConfigurationsResult"},
      {"ListBucketInventoryConfigurations", "ListInventoryConfigurationsResult"},
      {"ListBucketIntelligentTieringConfigurations", "ListBucketIntelligentTieringConfigurationsOutput"},
      {"CreateSession", "CreateSessionResult"},
  };
  auto it = roots.find(op);
  return it == roots.end() ? std::string_view{} : it->second;
}

// ---- decoding ------------------------------------------------------------------------------

struct Decoder {
  const ServiceModel& svc;

  static std::string_view text(const pugi::xml_node& n) { return n.child_value(); }

  Doc scalar(const Shape& s, const pugi::xml_node& n, std::string_view fmt) const {
    Doc v;
    if (!rest::parse_scalar(s, text(n), fmt, v)) throw malformed_xml();
    return v;
  }

  Doc list_items(const Shape& list, const pugi::xml_node& n, int depth) const {
    Doc out = Doc::list();
    for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling())
      if (c.type() == pugi::node_element) out.push(value(*list.member.shape, c, rest::timestamp_format(list.member, "iso8601"), depth + 1));
    return out;
  }

  void map_entry(const Shape& map, const pugi::xml_node& entry, Doc& out, int depth) const {
    std::string_view kname = sv_or(map.key.location_name, "key");
    std::string_view vname = sv_or(map.value.location_name, "value");
    std::string key;
    Doc val;
    for (pugi::xml_node c = entry.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      std::string_view name = local_name(c.name());
      if (name == kname) key = text(c);
      else if (name == vname) val = value(*map.value.shape, c, rest::timestamp_format(map.value, "iso8601"), depth + 1);
    }
    out.set(std::move(key), std::move(val));
  }

  void structure(const Shape& s, const pugi::xml_node& n, bool top, Doc& out, int depth) const {
    const auto& names = rest::wire_names(svc, s);
    for (const Member& m : s.members) {
      if (!m.xml_attribute) continue;
      std::string_view want = m.wire_name();
      for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
        std::string_view have = a.name();
        if (have == want || local_name(have) == local_name(want)) {
          Doc v;
          if (!rest::parse_scalar(*m.shape, a.value(), "iso8601", v)) throw malformed_xml();
          out.set(m.name, std::move(v));
          break;
        }
      }
    }
    for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      const Member* m = names.find_xml(local_name(c.name()));
      if (!m || m->xml_attribute || (top && !m->location.empty())) continue;
      const Shape& ms = *m->shape;
      if (ms.type == ShapeType::list && flattened(*m)) {
        out[m->name].push(value(*ms.member.shape, c, rest::timestamp_format(ms.member, "iso8601"), depth + 1));
      } else if (ms.type == ShapeType::map && flattened(*m)) {
        Doc& map = out[m->name];
        if (!map.is_map()) map = Doc::map();
        map_entry(ms, c, map, depth + 1);
      } else {
        out.set(m->name, value(ms, c, rest::timestamp_format(*m, "iso8601"), depth + 1));
      }
    }
  }

  Doc value(const Shape& s, const pugi::xml_node& n, std::string_view fmt, int depth) const {
    if (depth > kMaxDepth) throw malformed_xml();
    switch (s.type) {
      case ShapeType::structure: {
        Doc out = Doc::map();
        structure(s, n, false, out, depth);
        return out;
      }
      case ShapeType::list:
        return list_items(s, n, depth);
      case ShapeType::map: {
        Doc out = Doc::map();
        for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling())
          if (c.type() == pugi::node_element) map_entry(s, c, out, depth + 1);
        return out;
      }
      default:
        return scalar(s, n, fmt);
    }
  }
};

// ---- encoding ------------------------------------------------------------------------------

struct Encoder {
  const ServiceModel& svc;
  xml::Writer& w;

  void scalar(std::string_view name, const Shape& s, const Doc& v, std::string_view fmt) const {
    w.open(name);
    w.open_end();
    w.text(rest::scalar_text(s, v, fmt));
    w.close(name);
  }

  // A structure element. `ns`/`prefix`: the xmlNamespace to declare on it (root or member).
  void structure(std::string_view name, const Shape& s, const Doc& v, std::string_view ns, std::string_view prefix,
                 bool top) const {
    w.open(name);
    if (!ns.empty()) w.xmlns(prefix, ns);
    if (!s.xml_namespace_uri.empty() && s.xml_namespace_uri != ns) {
      // The shape's namespace binds the prefix its attribute members use (Grantee: xsi).
      std::string_view p;
      for (const Member& m : s.members)
        if (m.xml_attribute && m.wire_name().find(':') != std::string::npos)
          p = std::string_view(m.wire_name()).substr(0, m.wire_name().find(':'));
      w.xmlns(p, s.xml_namespace_uri);
    }
    for (const Member& m : s.members) {
      if (!m.xml_attribute) continue;
      if (const Doc* a = v.get(m.name); a && !a->is_null()) w.attr(m.wire_name(), rest::scalar_text(*m.shape, *a, "iso8601"));
    }
    w.open_end();
    for (const Member& m : s.members) {
      if (m.xml_attribute || (top && !m.location.empty())) continue;
      const Doc* e = v.get(m.name);
      if (!e || e->is_null()) continue;
      member(m, *e);
    }
    w.close(name);
  }

  void member(const Member& m, const Doc& v) const {
    const Shape& s = *m.shape;
    std::string_view name = member_xml_name(m);
    if (s.type == ShapeType::list && v.is_list()) {
      if (flattened(m)) {
        // botocore's parser finds a flattened list under its item's locationName when it has one.
        std::string_view item = sv_or(s.member.location_name, sv_or(s.member.shape->location_name, name));
        for (const Doc& e : v.as_list()) value(item, s.member, e);
      } else {
        w.open(name);
        w.open_end();
        std::string_view item = list_item_name(s);
        for (const Doc& e : v.as_list()) value(item, s.member, e);
        w.close(name);
      }
      return;
    }
    if (s.type == ShapeType::map && v.is_map()) {
      std::string_view kname = sv_or(s.key.location_name, "key");
      std::string_view vname = sv_or(s.value.location_name, "value");
      bool flat = flattened(m);
      if (!flat) {
        w.open(name);
        w.open_end();
      }
      for (const auto& [k, e] : v.as_map()) {
        std::string_view entry = flat ? name : "entry";
        w.open(entry);
        w.open_end();
        scalar(kname, *s.key.shape, Doc(k), "");
        value(vname, s.value, e);
        w.close(entry);
      }
      if (!flat) w.close(name);
      return;
    }
    if (s.type == ShapeType::structure && v.is_map()) {
      structure(name, s, v, m.xml_namespace_uri, m.xml_namespace_prefix, false);
      return;
    }
    scalar(name, s, v, rest::timestamp_format(m, "iso8601"));
  }

  // List items and map values: `ref` is the list member / map value reference.
  void value(std::string_view name, const Member& ref, const Doc& v) const {
    const Shape& s = *ref.shape;
    if (s.type == ShapeType::structure && v.is_map()) {
      structure(name, s, v, ref.xml_namespace_uri, ref.xml_namespace_prefix, false);
    } else if ((s.type == ShapeType::list && v.is_list()) || (s.type == ShapeType::map && v.is_map())) {
      Member named = ref;
      named.location_name = std::string(name);
      member(named, v);
    } else {
      scalar(name, s, v, rest::timestamp_format(ref, "iso8601"));
    }
  }
};

class RestXmlCodec final : public rest::RestCodec {
 protected:
  void decode_body(const ServiceModel& svc, const Operation& op, const rest::StructBinding& b, const http::Request& req,
                   Doc& out) const override {
    if (!b.payload && b.body.empty()) return;
    if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return;

    pugi::xml_document doc;
    auto r = doc.load_buffer(req.body.data(), req.body.size(),
                             pugi::parse_default | pugi::parse_doctype | pugi::parse_ws_pcdata_single | pugi::parse_fragment);
    if (!r) throw malformed_xml();
    // Exactly one root element; no DOCTYPE (entity definitions), no stray text.
    pugi::xml_node root;
    for (pugi::xml_node n = doc.first_child(); n; n = n.next_sibling()) {
      switch (n.type()) {
        case pugi::node_element:
          if (root) throw malformed_xml();
          root = n;
          break;
        case pugi::node_declaration: case pugi::node_comment: case pugi::node_pi:
          break;
        case pugi::node_pcdata:
          if (std::string_view(n.value()).find_first_not_of(" \t\r\n") != std::string_view::npos) throw malformed_xml();
          break;
        default:
          throw malformed_xml();
      }
    }
    if (!root) throw malformed_xml();
    Decoder dec{svc};
    if (b.payload) {
      const Shape& ps = *b.payload->shape;
      out.set(b.payload->name, dec.value(ps, root, rest::timestamp_format(*b.payload, "iso8601"), 0));
    } else {
      dec.structure(*op.input, root, true, out, 0);
    }
  }

 public:
  void encode_body(const ServiceModel& svc, const Operation& op, const rest::StructBinding& b, const Doc& out,
                   http::Response& res) const override {
    static const Doc empty = Doc::map();
    const Doc& v = out.is_map() ? out : empty;
    const std::string& ns = rest::xml_namespace(svc);
    xml::Writer w;
    Encoder enc{svc, w};
    if (b.payload) {
      const Doc* p = v.get(b.payload->name);
      if (!p || p->is_null()) return;
      std::string_view name = member_xml_name(*b.payload);
      w.declaration();
      if (b.payload->shape->type == ShapeType::structure && p->is_map()) {
        std::string_view pns = b.payload->xml_namespace_uri.empty() ? std::string_view(ns) : b.payload->xml_namespace_uri;
        enc.structure(name, *b.payload->shape, *p, pns, b.payload->xml_namespace_prefix, false);
      } else {
        enc.member(*b.payload, *p);
      }
    } else {
      if (b.body.empty()) return;
      std::string_view root = svc.signing_name == "s3" ? s3_root(op.name) : std::string_view{};
      if (root.empty()) root = op.output->location_name;
      std::string fallback;
      if (root.empty()) root = fallback = op.name + "Result";
      w.declaration();
      // GetBucketLocation: the root element's text is the whole answer
      // (<LocationConstraint>eu-west-1</LocationConstraint>), as botocore's handler expects.
      if (b.body.size() == 1 && b.body[0]->name == root && b.body[0]->shape->type != ShapeType::structure &&
          b.body[0]->shape->type != ShapeType::list && b.body[0]->shape->type != ShapeType::map) {
        w.open(root);
        w.xmlns("", ns);
        w.open_end();
        if (const Doc* t = v.get(root); t && !t->is_null()) w.text(rest::scalar_text(*b.body[0]->shape, *t, "iso8601"));
        w.close(root);
      } else {
        enc.structure(root, *op.output, v, ns, "", true);
      }
    }
    res.body = w.take();
    if (!res.headers.has("content-type")) res.headers.set("Content-Type", "application/xml");
  }

  void encode_error(const ServiceModel& svc, const Operation* op, const AwsError& err, const std::string& request_id,
                    http::Response& res) const override {
    const Shape* shape = nullptr;
    if (auto it = svc.error_shapes.find(err.code); it != svc.error_shapes.end()) shape = it->second;
    res.status = shape && shape->error_http_status ? shape->error_http_status : err.http_status;
    res.headers.set("Content-Type", "application/xml");
    // Extra members (S3's <Key>, <BucketName>, <Resource>...) come as a JSON object.
    Doc extra;
    if (!err.extra_json.empty()) {
      try {
        extra = json::parse(err.extra_json);
      } catch (const AwsError&) {
      }
    }
    auto leaf = [](xml::Writer& w, std::string_view n, std::string_view t) {
      w.open(n);
      w.open_end();
      w.text(t);
      w.close(n);
    };
    auto extras = [&](xml::Writer& w) {
      if (!extra.is_map()) return;
      for (const auto& [k, v] : extra.as_map()) {
        if (v.is_map() || v.is_list() || v.is_null()) continue;
        leaf(w, k, v.is_string() ? v.as_string() : json::write(v));
      }
    };
    xml::Writer w;
    w.declaration();
    if (svc.signing_name == "s3") {
      // S3: <Error> at the root, no namespace.
      w.open("Error");
      w.open_end();
      leaf(w, "Code", err.code);
      leaf(w, "Message", err.message);
      extras(w);
      leaf(w, "RequestId", request_id);
      leaf(w, "HostId", enc::base64_encode(request_id + request_id));  // as x-amz-id-2
      w.close("Error");
    } else {
      // CloudFront / Route 53 style.
      w.open("ErrorResponse");
      w.xmlns("", rest::xml_namespace(svc));
      w.open_end();
      w.open("Error");
      w.open_end();
      leaf(w, "Type", err.sender_fault ? "Sender" : "Receiver");
      leaf(w, "Code", err.code);
      leaf(w, "Message", err.message);
      extras(w);
      w.close("Error");
      leaf(w, "RequestId", request_id);
      w.close("ErrorResponse");
    }
    res.body = w.take();
  }
};

}  // namespace

const Codec& rest_xml_codec() {
  static const RestXmlCodec c;
  return c;
}

}  // namespace stratus::protocol
