#include "protocol/rest_binding.h"

#include <gtest/gtest.h>

#include "protocol/codec.h"

namespace stratus::protocol::rest {
namespace {

// A tiny rest-json model whose templates compete for the same paths.
constexpr const char* kModel = R"({
  "metadata": {"protocol": "rest-json", "apiVersion": "2020-01-01", "endpointPrefix": "t"},
  "operations": {
    "ListThings":   {"name": "ListThings",   "http": {"method": "GET", "requestUri": "/things/"}, "input": {"shape": "Empty"}},
    "GetThing":     {"name": "GetThing",     "http": {"method": "GET", "requestUri": "/things/{Id}"}, "input": {"shape": "IdIn"}},
    "GetSpecial":   {"name": "GetSpecial",   "http": {"method": "GET", "requestUri": "/things/special"}, "input": {"shape": "Empty"}},
    "GetThingAcl":  {"name": "GetThingAcl",  "http": {"method": "GET", "requestUri": "/things/{Id}?acl"}, "input": {"shape": "IdIn"}},
    "GetThingV2":   {"name": "GetThingV2",   "http": {"method": "GET", "requestUri": "/things/{Id}?v=2&acl"}, "input": {"shape": "IdIn"}},
    "GetFile":      {"name": "GetFile",      "http": {"method": "GET", "requestUri": "/files/{Path+}"}, "input": {"shape": "PathIn"}},
    "GetFileMeta":  {"name": "GetFileMeta",  "http": {"method": "GET", "requestUri": "/files/{Path+}/meta"}, "input": {"shape": "PathIn"}},
    "GetFileIndex": {"name": "GetFileIndex", "http": {"method": "GET", "requestUri": "/files/index"}, "input": {"shape": "Empty"}},
    "GetFileLabel": {"name": "GetFileLabel", "http": {"method": "GET", "requestUri": "/files/{Name}"}, "input": {"shape": "NameIn"}},
    "PutThing":     {"name": "PutThing",     "http": {"method": "PUT", "requestUri": "/things/{Id}"}, "input": {"shape": "PutIn"}},
    "PutPart":      {"name": "PutPart",      "http": {"method": "PUT", "requestUri": "/things/{Id}"}, "input": {"shape": "PartIn"}}
  },
  "shapes": {
    "Empty": {"type": "structure", "members": {}},
    "S": {"type": "string"},
    "I": {"type": "integer"},
    "T": {"type": "timestamp"},
    "SL": {"type": "list", "member": {"shape": "S"}},
    "SM": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "S"}},
    "IdIn": {"type": "structure", "required": ["Id"], "members": {"Id": {"shape": "S", "location": "uri", "locationName": "Id"}}},
    "NameIn": {"type": "structure", "members": {"Name": {"shape": "S", "location": "uri", "locationName": "Name"}}},
    "PathIn": {"type": "structure", "members": {"Path": {"shape": "S", "location": "uri", "locationName": "Path"}}},
    "PutIn": {"type": "structure", "required": ["Id"], "members": {
      "Id": {"shape": "S", "location": "uri", "locationName": "Id"},
      "Tags": {"shape": "SL", "location": "header", "locationName": "X-Tags"},
      "When": {"shape": "T", "location": "header", "locationName": "X-When"},
      "Meta": {"shape": "SM", "location": "headers", "locationName": "x-meta-"},
      "Extra": {"shape": "SM", "location": "querystring"},
      "Ids": {"shape": "SL", "location": "querystring", "locationName": "id"}}},
    "PartIn": {"type": "structure", "required": ["Id", "Part"], "members": {
      "Id": {"shape": "S", "location": "uri", "locationName": "Id"},
      "Part": {"shape": "I", "location": "querystring", "locationName": "part"}}}
  }
})";

const model::ServiceModel& test_model() {
  static auto m = model::parse_model("test", kModel);
  return *m;
}

std::string resolve_name(const model::ServiceModel& svc, std::string method, std::string target) {
  http::Request req;
  req.method = std::move(method);
  req.target = target;
  auto q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) req.query = target.substr(q + 1);
  const model::Operation* op = resolve(svc, req);
  return op ? op->name : "-";
}

Doc bind(const model::ServiceModel& svc, const std::string& op, std::string target,
         std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::Request req;
  req.method = svc.find_operation(op)->http_method;
  auto q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) req.query = target.substr(q + 1);
  for (auto& [k, v] : headers) req.headers.add(k, v);
  Doc out;
  bind_request(svc, *svc.find_operation(op), req, out);
  return out;
}

TEST(RestRoute, LiteralBeatsLabel) {
  const auto& m = test_model();
  EXPECT_EQ(resolve_name(m, "GET", "/things/special"), "GetSpecial");
  EXPECT_EQ(resolve_name(m, "GET", "/things/other"), "GetThing");
  EXPECT_EQ(resolve_name(m, "GET", "/files/index"), "GetFileIndex");
}

TEST(RestRoute, TrailingSlashIsOptional) {
  const auto& m = test_model();
  EXPECT_EQ(resolve_name(m, "GET", "/things/"), "ListThings");
  EXPECT_EQ(resolve_name(m, "GET", "/things"), "ListThings");
  EXPECT_EQ(resolve_name(m, "GET", "/things/x/"), "GetThing");
}

TEST(RestRoute, QueryLiteralsAreRequiredAndMoreWin) {
  const auto& m = test_model();
  EXPECT_EQ(resolve_name(m, "GET", "/things/x?acl"), "GetThingAcl");
  EXPECT_EQ(resolve_name(m, "GET", "/things/x?acl="), "GetThingAcl");
  EXPECT_EQ(resolve_name(m, "GET", "/things/x?acl&v=2"), "GetThingV2");
  EXPECT_EQ(resolve_name(m, "GET", "/things/x?acl&v=3"), "GetThingAcl");
  EXPECT_EQ(resolve_name(m, "GET", "/things/x?other"), "GetThing");
}

TEST(RestRoute, NonGreedyBeatsGreedy) {
  const auto& m = test_model();
  EXPECT_EQ(resolve_name(m, "GET", "/files/a"), "GetFileLabel");
  EXPECT_EQ(resolve_name(m, "GET", "/files/a/b"), "GetFile");
  EXPECT_EQ(resolve_name(m, "GET", "/files/a/b/meta"), "GetFileMeta");
  EXPECT_EQ(resolve_name(m, "GET", "/files/a/meta"), "GetFileMeta");
}

TEST(RestRoute, MethodAndShapeMismatch) {
  const auto& m = test_model();
  EXPECT_EQ(resolve_name(m, "DELETE", "/things/x"), "-");
  EXPECT_EQ(resolve_name(m, "GET", "/nothing"), "-");
  EXPECT_EQ(resolve_name(m, "GET", "/things/a/b"), "-");
  EXPECT_EQ(resolve_name(m, "GET", "/files/"), "-");  // greedy needs at least one character
  EXPECT_EQ(resolve_name(m, "GET", "/things//"), "-");  // an empty label never matches
}

TEST(RestRoute, RequiredMembersSplitSharedTemplates) {
  const auto& m = test_model();
  EXPECT_EQ(resolve_name(m, "PUT", "/things/x"), "PutThing");
  EXPECT_EQ(resolve_name(m, "PUT", "/things/x?part=3"), "PutPart");
}

TEST(RestBind, LabelsArePercentDecodedAndGreedyKeepsSlashes) {
  const auto& m = test_model();
  EXPECT_EQ(bind(m, "GetThing", "/things/a%2Fb%20c").str("Id"), "a/b c");
  EXPECT_EQ(bind(m, "GetThing", "/things/a+b").str("Id"), "a+b");  // '+' is literal in paths
  EXPECT_EQ(bind(m, "GetFile", "/files/a/b%2Fc/d/").str("Path"), "a/b/c/d/");
  EXPECT_EQ(bind(m, "GetFile", "/files//x").str("Path"), "/x");
  EXPECT_EQ(bind(m, "GetFileMeta", "/files/a/b/meta").str("Path"), "a/b");
}

TEST(RestBind, QueryHeadersAndMaps) {
  const auto& m = test_model();
  Doc d = bind(m, "PutThing", "/things/x?id=1&id=2&z=9&y=a%20b",
               {{"X-Tags", "a, \"b,c\" ,d"}, {"X-When", "Sun, 22 Nov 2026 00:03:58 GMT"},
                {"x-meta-Color", "blue"}, {"x-other", "no"}});
  ASSERT_TRUE(d.get("Ids"));
  EXPECT_EQ(d.get("Ids")->size(), 2u);
  EXPECT_EQ(d.get("Extra")->str("z"), "9");
  EXPECT_EQ(d.get("Extra")->str("y"), "a b");
  EXPECT_FALSE(d.get("Extra")->has("id"));
  const DocList& tags = d.get("Tags")->as_list();
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags[1].as_string(), "b,c");
  EXPECT_EQ(tags[2].as_string(), "d");
  EXPECT_TRUE(d.get("When")->is_timestamp());
  EXPECT_EQ(d.get("Meta")->str("color"), "blue");
  EXPECT_EQ(d.get("Meta")->size(), 1u);
}

TEST(RestBind, UnparsableScalarsStayStrings) {
  const auto& m = test_model();
  Doc d = bind(m, "PutPart", "/things/x?part=abc");
  EXPECT_TRUE(d.get("Part")->is_string());
  EXPECT_EQ(bind(m, "PutPart", "/things/x?part=42").integer("Part"), 42);
}

TEST(RestHeaderList, Split) {
  EXPECT_EQ(split_header_list(""), std::vector<std::string>{});
  EXPECT_EQ(split_header_list("a"), std::vector<std::string>{"a"});
  EXPECT_EQ(split_header_list("a,b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(split_header_list("\"a\\\"b\", c"), (std::vector<std::string>{"a\"b", "c"}));
}

// The real models: the paths SDKs send must land on the right operations.
TEST(RestRoute, RealModels) {
  const auto* s3 = model::Models::get("s3");
  const auto* lambda = model::Models::get("lambda");
  const auto* apigw = model::Models::get("apigateway");
  ASSERT_TRUE(s3 && lambda && apigw);
  EXPECT_EQ(resolve_name(*s3, "GET", "/"), "ListBuckets");
  EXPECT_EQ(resolve_name(*s3, "GET", "/b"), "ListObjects");
  EXPECT_EQ(resolve_name(*s3, "GET", "/b?list-type=2&prefix=x"), "ListObjectsV2");
  EXPECT_EQ(resolve_name(*s3, "GET", "/b?acl"), "GetBucketAcl");
  EXPECT_EQ(resolve_name(*s3, "GET", "/b/k/x?acl"), "GetObjectAcl");
  EXPECT_EQ(resolve_name(*s3, "GET", "/b?lifecycle"), "GetBucketLifecycleConfiguration");  // not deprecated
  EXPECT_EQ(resolve_name(*s3, "GET", "/b/k"), "GetObject");
  EXPECT_EQ(resolve_name(*s3, "GET", "/b/k?uploadId=u"), "ListParts");
  EXPECT_EQ(resolve_name(*s3, "PUT", "/b/k"), "PutObject");
  EXPECT_EQ(resolve_name(*s3, "PUT", "/b/k?partNumber=1&uploadId=u"), "UploadPart");
  EXPECT_EQ(resolve_name(*s3, "DELETE", "/b/k?uploadId=u"), "AbortMultipartUpload");
  EXPECT_EQ(resolve_name(*s3, "POST", "/b/k?uploads"), "CreateMultipartUpload");
  EXPECT_EQ(resolve_name(*s3, "POST", "/b?delete"), "DeleteObjects");
  EXPECT_EQ(resolve_name(*s3, "GET", "/b?x-id=GetObject"), "ListObjects");  // x-id is a hint only
  EXPECT_EQ(resolve_name(*lambda, "POST", "/2015-03-31/functions/f/invocations"), "Invoke");
  EXPECT_EQ(resolve_name(*lambda, "POST", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af/invocations"),
            "Invoke");
  EXPECT_EQ(resolve_name(*lambda, "GET", "/2015-03-31/functions/"), "ListFunctions");
  EXPECT_EQ(resolve_name(*lambda, "GET", "/2015-03-31/functions/f"), "GetFunction");
  EXPECT_EQ(resolve_name(*apigw, "PUT", "/restapis/a/resources/r/methods/GET/integration"), "PutIntegration");
  EXPECT_EQ(resolve_name(*apigw, "GET", "/restapis/a/resources/r/methods/GET"), "GetMethod");
  EXPECT_EQ(resolve_name(*apigw, "PATCH", "/restapis/a"), "UpdateRestApi");
}

// Every operation of every REST model resolves from its own template with labels filled in
// and required query/header members present: no operation is shadowed by another.
TEST(RestRoute, EveryTemplateResolvesToItself) {
  for (const char* id : {"lambda", "apigateway", "apigatewayv2", "sesv2", "s3"}) {
    const auto* svc = model::Models::get(id);
    ASSERT_TRUE(svc) << id;
    for (const auto& [name, op] : svc->operations) {
      if (op.deprecated) continue;
      if (std::string(id) == "s3" && name == "ListDirectoryBuckets") continue;  // same template as ListBuckets
      http::Request req;
      req.method = op.http_method;
      for (const auto& seg : op.uri.segments) req.path += "/" + (seg.label.empty() ? seg.literal : "x");
      if (req.path.empty() || op.uri.trailing_slash) req.path += "/";
      for (const auto& [k, v] : op.uri.query) req.query += (req.query.empty() ? "" : "&") + k + (v.empty() ? "" : "=" + v);
      if (op.input) {
        for (const auto& m : op.input->members) {
          if (!m.required) continue;
          if (m.location == "querystring" && m.shape->type != model::ShapeType::map)
            req.query += (req.query.empty() ? "" : "&") + m.wire_name() + "=1";
          if (m.location == "header") req.headers.add(m.wire_name(), "1");
        }
      }
      const model::Operation* got = resolve(*svc, req);
      ASSERT_TRUE(got) << id << " " << name << " " << req.path << "?" << req.query;
      EXPECT_EQ(got->name, name) << id << " " << req.method << " " << req.path << "?" << req.query;
    }
  }
}

}  // namespace
}  // namespace stratus::protocol::rest
