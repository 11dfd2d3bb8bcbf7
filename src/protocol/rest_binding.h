// The HTTP binding shared by the REST protocols (rest-json, rest-xml): which operation a
// method + path + query names, and where each input/output member lives on the wire (URI label,
// query string, header, header-prefix map, status code, payload or body). Only the body format
// differs between rest-json and rest-xml; that part stays in the codecs.
//
// Everything derived from a model (route trie, member partitions, wire-name tables) is computed
// once per ServiceModel on first use and cached for the life of the process (models are
// immutable and never freed). All functions are safe to call from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/doc.h"
#include "http/message.h"
#include "model/model.h"
#include "protocol/codec.h"

namespace stratus::protocol::rest {

// A structure's members partitioned by HTTP location. Header names are lower-case.
struct StructBinding {
  const model::Shape* shape = nullptr;
  std::vector<const model::Member*> uri;
  std::vector<const model::Member*> query;        // scalars and lists with a locationName
  const model::Member* query_map = nullptr;       // map member taking all other query pairs
  std::vector<std::pair<std::string, const model::Member*>> headers;         // lower-case, sorted
  std::vector<std::pair<std::string, const model::Member*>> prefix_headers;  // lower-case prefix
  const model::Member* status_code = nullptr;
  const model::Member* payload = nullptr;  // member bound to the whole body
  bool raw_payload = false;                // payload is a blob or string: the body is its bytes
  std::vector<const model::Member*> body;  // members without a location (no payload member)
};

// Wire names of a structure's members, sorted for lookup without allocation.
struct WireNames {
  std::vector<std::pair<std::string_view, const model::Member*>> json;  // locationName or name
  // XML element names; a flattened list is found under its member's locationName and its own.
  std::vector<std::pair<std::string_view, const model::Member*>> xml;
  const model::Member* find_json(std::string_view name) const;
  const model::Member* find_xml(std::string_view name) const;
};

// The operation `req` names (method, path, query literals and, to split operations sharing a
// template such as S3's PutObject/UploadPart/CopyObject, which required query/header members
// are present), or nullptr. The most specific template wins: more literal segments, then more
// required query keys, then a non-greedy over a greedy label.
const model::Operation* resolve(const model::ServiceModel& svc, const http::Request& req);

// Member partition of a structure shape (op.input / op.output / error shapes).
const StructBinding& binding(const model::ServiceModel& svc, const model::Shape& shape);
// Wire-name table of any structure shape of `svc`.
const WireNames& wire_names(const model::ServiceModel& svc, const model::Shape& shape);
// The XML namespace AWS puts on this rest-xml service's response roots.
const std::string& xml_namespace(const model::ServiceModel& svc);

// Reads the URI labels, query string and headers of `req` into `out` (a map) as op.input
// describes them. Labels are percent-decoded (a greedy label keeps its '/'). Values that don't
// parse as their shape's type are kept as strings so validation reports them.
void bind_request(const model::ServiceModel& svc, const model::Operation& op, const http::Request& req,
                  Doc& out);

// Writes the header, header-prefix and statusCode members of `out` and sets res.status from
// the statusCode member or op.http_status. The caller writes the body.
void bind_response(const model::ServiceModel& svc, const model::Operation& op, const Doc& out,
                   http::Response& res);

// A payload member bound to the raw body (a blob or string @httpPayload), shared by rest-json and
// rest-xml. Request: sets it from the body (absent when the body is empty). Response: the body is
// the member's bytes. Both return false when the operation's payload is not raw (the codec then
// parses or writes the body itself).
bool bind_raw_payload(const StructBinding& b, const http::Request& req, Doc& out);
bool write_raw_payload(const StructBinding& b, const Doc& out, http::Response& res);

// Text forms used by headers, query strings and XML element text.
std::string scalar_text(const model::Shape& shape, const Doc& v, std::string_view ts_format);
// Parses text as `shape`'s scalar type; nullopt-like: returns false when it doesn't parse.
bool parse_scalar(const model::Shape& shape, std::string_view text, std::string_view ts_format, Doc& out);

// Timestamp format for a member: member trait, else shape trait, else the location's default.
std::string_view timestamp_format(const model::Member& m, std::string_view dflt);

// Splits a header list value on commas outside double quotes, unquoting quoted items.
std::vector<std::string> split_header_list(std::string_view v);

// What rest-json and rest-xml share: resolving the operation from the method and path, and the
// request's URI, query and header members and raw payload; each parses its own body format.
class RestCodec : public Codec {
 public:
  const model::Operation* resolve(const model::ServiceModel& svc, const http::Request& req) const final {
    return rest::resolve(svc, req);
  }
  Doc decode(const model::ServiceModel& svc, const model::Operation& op, const http::Request& req) const final {
    Doc out = Doc::map();
    bind_request(svc, op, req, out);
    if (!op.input) return out;
    const StructBinding& b = binding(svc, *op.input);
    if (!bind_raw_payload(b, req, out)) decode_body(svc, op, b, req, out);
    return out;
  }
  void encode(const model::ServiceModel& svc, const model::Operation& op, const Doc& out,
              http::Response& res) const final {
    bind_response(svc, op, out, res);
    if (!op.output) return;
    const StructBinding& b = binding(svc, *op.output);
    if (write_raw_payload(b, out, res)) return raw_payload_written(b, res);
    encode_body(svc, op, b, out, res);
  }

 protected:
  // Parses a request body that is not a raw payload into `out` (the members bound by `b`).
  virtual void decode_body(const model::ServiceModel& svc, const model::Operation& op, const StructBinding& b,
                           const http::Request& req, Doc& out) const = 0;
  // Writes the body of a response whose payload is not raw from `out` (the members bound by `b`).
  virtual void encode_body(const model::ServiceModel& svc, const model::Operation& op, const StructBinding& b,
                           const Doc& out, http::Response& res) const = 0;
  // After a raw payload became the body (rest-json gives it a default Content-Type).
  virtual void raw_payload_written(const StructBinding&, http::Response&) const {}
};

}  // namespace stratus::protocol::rest
