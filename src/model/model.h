// The AWS service models (botocore's service-2.json, imported into models/ by
// tools/import_models.py and embedded in the binary) loaded into an immutable in-memory form.
//
// Thread safety: a ServiceModel is immutable after load; Models::get() is safe from any thread
// and loads each service at most once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace stratus::model {

struct Shape;

enum class ShapeType {
  structure, list, map, string, integer, long_, float_, double_, boolean, blob, timestamp,
  bigdecimal, biginteger, byte_, short_, document
};

// Whole-number types (integer, long, short, byte, bigInteger) and the others (float, double,
// bigDecimal): how codecs read and write a number of the type.
inline bool is_integral(ShapeType t) {
  return t == ShapeType::integer || t == ShapeType::long_ || t == ShapeType::short_ || t == ShapeType::byte_ ||
         t == ShapeType::biginteger;
}
inline bool is_floating(ShapeType t) {
  return t == ShapeType::float_ || t == ShapeType::double_ || t == ShapeType::bigdecimal;
}

// The Java class AWS's services name in "can not be converted to ..." messages: "an Integer",
// "a Long", "a ByteBuffer" (blob), "a Date" (timestamp), ...; string and document: "a String".
inline const char* java_type_word(ShapeType t) {
  static constexpr const char* kWords[] = {
      // in ShapeType's order
      "a Structure", "a List",       "a Map",  "a String",     "an Integer",   "a Long", "a Float", "a Double",
      "a Boolean",   "a ByteBuffer", "a Date", "a BigDecimal", "a BigInteger", "a Byte", "a Short", "a String"};
  static_assert(std::size(kWords) == static_cast<size_t>(ShapeType::document) + 1);
  return kWords[static_cast<size_t>(t)];
}

// A reference from a structure, list or map to a shape, with the member-level traits.
struct Member {
  std::string name;              // member name in the structure ("" for list/map members)
  const Shape* shape = nullptr;
  std::string location;          // "", "header", "headers", "querystring", "uri", "statusCode"
  std::string location_name;     // wire name (header name, query key, XML/JSON element name)
  std::string query_name;        // ec2 queryName (unused by our protocols but kept)
  std::string timestamp_format;  // member override: iso8601, rfc822, unixTimestamp
  std::string xml_namespace_uri; // xmlNamespace.uri
  std::string xml_namespace_prefix;
  bool required = false;
  bool flattened = false;
  bool xml_attribute = false;
  bool idempotency_token = false;
  bool host_label = false;
  bool streaming = false;        // member shape is a streaming blob (payload)
  bool event_payload = false;
  bool json_value = false;       // header member carrying base64 JSON (jsonvalue trait)
  // The name on the wire for body formats: location_name if set, else name.
  const std::string& wire_name() const { return location_name.empty() ? name : location_name; }
};

struct Shape {
  std::string name;
  ShapeType type = ShapeType::structure;
  // structure
  std::vector<Member> members;  // model order
  std::unordered_map<std::string, size_t> member_index;
  std::string payload;          // rest protocols: member bound to the whole body
  bool exception = false;
  bool fault = false;           // server fault
  int error_http_status = 0;    // error.httpStatusCode
  std::string error_code;       // error.code (query protocol's code, e.g. "AWS.SimpleQueueService.NonExistentQueue")
  bool error_sender_fault = true;
  bool is_union = false;
  bool event_stream = false;
  bool document = false;
  // list / map
  Member member;                // list element
  Member key, value;            // map key and value
  bool flattened = false;
  std::string location_name;    // shape-level locationName (rare)
  // scalars
  std::optional<double> min, max;
  std::vector<std::string> enum_values;
  std::string pattern;
  std::string timestamp_format;
  bool streaming = false;
  bool sensitive = false;
  bool requires_length = false;
  std::string xml_namespace_uri;

  const Member* find_member(std::string_view n) const {
    auto it = member_index.find(std::string(n));
    return it == member_index.end() ? nullptr : &members[it->second];
  }
  bool is_numeric() const {
    return type == ShapeType::integer || type == ShapeType::long_ || type == ShapeType::float_ ||
           type == ShapeType::double_ || type == ShapeType::byte_ || type == ShapeType::short_ ||
           type == ShapeType::bigdecimal || type == ShapeType::biginteger;
  }
};

// One segment of a REST request URI template, e.g. "/{Bucket}/{Key+}?uploads".
struct UriTemplate {
  struct Segment {
    std::string literal;  // when label is empty
    std::string label;    // member name bound to this segment
    bool greedy = false;  // {Key+}: matches the rest of the path, slashes included
  };
  std::vector<Segment> segments;                      // path segments, split on '/'
  std::vector<std::pair<std::string, std::string>> query;  // required literal query keys (value may be "")
  bool trailing_slash = false;
  std::string raw;
};

struct Operation {
  std::string name;
  std::string http_method = "POST";
  std::string request_uri = "/";
  UriTemplate uri;
  int http_status = 200;             // http.responseCode
  const Shape* input = nullptr;
  const Shape* output = nullptr;
  std::string result_wrapper;        // query protocol: output.resultWrapper
  std::string input_xml_name;        // rest-xml: input.locationName (root element)
  std::string input_xml_namespace;
  std::vector<const Shape*> errors;
  std::string auth_type;             // "none", "v4-unsigned-body", ...
  bool deprecated = false;
  bool host_prefix = false;          // endpoint.hostPrefix present
};

struct ServiceModel {
  std::string id;                    // our name: the models/ file stem, e.g. "dynamodb"
  std::string protocol;              // preferred wire protocol: json, rest-json, rest-xml, query, smithy-rpc-v2-cbor
  std::vector<std::string> protocols;
  std::string json_version;          // "1.0" / "1.1"
  std::string target_prefix;         // X-Amz-Target prefix, e.g. "DynamoDB_20120810"
  std::string signing_name;          // SigV4 service name, e.g. "dynamodb"
  std::string endpoint_prefix;       // host prefix, e.g. "streams.dynamodb"
  std::string api_version;
  std::string service_id;            // "DynamoDB"
  std::string xml_namespace;         // query/rest-xml response namespace
  std::string target_service_name;   // rpc-v2-cbor: the Smithy service shape name

  std::unordered_map<std::string, std::unique_ptr<Shape>> shapes;
  std::map<std::string, Operation> operations;  // sorted: stable for listings
  // Lower-cased error code -> shape, for codecs mapping error names.
  std::unordered_map<std::string, const Shape*> error_shapes;

  const Operation* find_operation(std::string_view name) const {
    auto it = operations.find(std::string(name));
    return it == operations.end() ? nullptr : &it->second;
  }
  const Shape* find_shape(std::string_view name) const {
    auto it = shapes.find(std::string(name));
    return it == shapes.end() ? nullptr : it->second.get();
  }
};

// What routing needs to know of a service before any request: its metadata and the names of its
// operations. Far cheaper to read than the whole model (the shapes are most of it).
struct ModelSummary {
  std::string id, protocol, json_version, target_prefix, signing_name, endpoint_prefix, service_id;
  std::vector<std::string> protocols;
  std::vector<std::string> operations;  // sorted
  bool has_operation(std::string_view name) const;
};

// Parses a service-2.json text. Throws std::runtime_error on a malformed model (our bug).
std::unique_ptr<ServiceModel> parse_model(std::string_view id, std::string_view json_text);
UriTemplate parse_uri_template(std::string_view raw);

// The registry of models embedded in the binary.
class Models {
 public:
  // The model for a service id ("sqs"), loaded on first use; nullptr when not embedded.
  static const ServiceModel* get(std::string_view id);
  // Its summary, without loading the shapes; nullptr when not embedded.
  static const ModelSummary* summary(std::string_view id);
  // All embedded service ids.
  static std::vector<std::string> ids();
};

}  // namespace stratus::model
