// Issue 21 (hardening): every recursive parser and walker meets deep input (100k levels where
// the input format allows it) with its protocol's error, never a stack overflow. Each test is
// one parser; a crash here is the regression.
#include <gtest/gtest.h>

#include <string>

#include "core/doc.h"
#include "core/json.h"
#include "events/pattern/pattern.h"
#include "http/message.h"
#include "model/model.h"
#include "protocol/cbor/cbor.h"
#include "protocol/codec.h"
#include "services/apigateway/json_schema.h"
#include "services/apigateway/openapi.h"
#include "services/apigateway/vtl/aws.h"
#include "services/apigateway/vtl/vtl.h"
#include "services/dynamodb/expr.h"
#include "services/dynamodb/partiql.h"

using namespace stratus;

namespace {

constexpr size_t kDeep = 100000;

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// The AwsError code f throws ("" when it returns).
template <typename F>
std::string error_code(F f) {
  try {
    f();
  } catch (const AwsError& e) {
    return e.code;
  }
  return "";
}

TEST(DeepInput, JsonParse) {
  EXPECT_EQ(error_code([] { json::parse(repeat("[", kDeep) + repeat("]", kDeep)); }),
            "SerializationException");
  EXPECT_EQ(error_code([] { json::parse(repeat("{\"a\":", kDeep) + "1" + repeat("}", kDeep)); }),
            "SerializationException");
}

Doc decode(const char* service, const std::string& protocol, http::Request req) {
  const model::ServiceModel* svc = model::Models::get(service);
  const protocol::Codec* codec = protocol::codec_for(protocol);
  const model::Operation* op = codec->resolve(*svc, req);
  if (!op) throw AwsError("NoOperation", "not resolved", 400);
  return codec->decode(*svc, *op, req);
}

TEST(DeepInput, JsonCodec) {
  for (const std::string& junk : {repeat("[", kDeep) + repeat("]", kDeep),
                                  repeat("{\"a\":", kDeep) + "1" + repeat("}", kDeep)}) {
    http::Request req;
    req.method = "POST";
    req.headers.add("X-Amz-Target", "DynamoDB_20120810.PutItem");
    req.body = R"({"TableName":"t","Item":{"a":{"L":)" + junk + "}}}";
    EXPECT_EQ(error_code([&] { decode("dynamodb", "json", req); }), "SerializationException");
    req.body = R"({"TableName":"t","Junk":)" + junk + "}";
    EXPECT_EQ(error_code([&] { decode("dynamodb", "json", req); }), "SerializationException");
  }
}

TEST(DeepInput, RestJsonCodec) {
  http::Request req;
  req.method = "PUT";
  req.path = req.target = "/2015-03-31/functions/f/configuration";
  req.body = R"({"Environment":)" + repeat("[", kDeep) + repeat("]", kDeep) + "}";
  EXPECT_NE(error_code([&] { decode("lambda", "rest-json", req); }), "");
}

TEST(DeepInput, RestXmlCodec) {
  http::Request req;
  req.method = "PUT";
  req.path = "/bucket";
  req.query = "tagging";
  req.target = "/bucket?tagging";
  req.body = "<Tagging>" + repeat("<a>", kDeep) + repeat("</a>", kDeep) + "</Tagging>";
  EXPECT_NO_FATAL_FAILURE((void)error_code([&] { decode("s3", "rest-xml", req); }));
  req.body = "<Tagging><TagSet>" + repeat("<Tag><Key>", kDeep) + "</TagSet></Tagging>";
  EXPECT_NO_FATAL_FAILURE((void)error_code([&] { decode("s3", "rest-xml", req); }));
}

TEST(DeepInput, QueryCodec) {
  http::Request req;
  req.method = "POST";
  std::string name = "Attributes";
  for (int i = 0; i < 5000; ++i) name += ".entry.1.value";
  req.body = "Action=CreateTopic&Version=2010-03-31&Name=t&" + name + "=x";
  EXPECT_NO_FATAL_FAILURE((void)error_code([&] { decode("sns", "query", req); }));
}

TEST(DeepInput, Cbor) {
  std::string arrays(kDeep, '\x81');
  arrays += '\x01';
  EXPECT_EQ(error_code([&] { cbor::decode(arrays); }), "SerializationException");
  std::string maps;
  for (size_t i = 0; i < kDeep; ++i) maps += "\xa1\x61k";
  maps += '\x01';
  EXPECT_EQ(error_code([&] { cbor::decode(maps); }), "SerializationException");
  std::string tags(kDeep, '\xc6');
  tags += '\x01';
  EXPECT_EQ(error_code([&] { cbor::decode(tags); }), "SerializationException");
}

TEST(DeepInput, EventPattern) {
  std::string err;
  auto p =
      events::pattern::Pattern::parse(repeat("{\"a\":", kDeep) + "[1]" + repeat("}", kDeep), &err);
  EXPECT_FALSE(p);
  EXPECT_FALSE(err.empty());
  err.clear();
  p = events::pattern::Pattern::parse(
      R"({"$or":)" + repeat(R"([{"$or":)", kDeep) + "1" + repeat("}]", kDeep) + "}", &err);
  EXPECT_FALSE(p);
  // The deepest the JSON reader lets through compiles or fails, and matching a deep event is fine.
  std::string nested = repeat("{\"a\":", 250) + "[1]" + repeat("}", 250);
  err.clear();
  p = events::pattern::Pattern::parse(nested, &err);
  Doc event = json::parse(repeat("{\"a\":", 250) + "1" + repeat("}", 250));
  if (p) {
    EXPECT_TRUE(p->match(event));
  }
  std::string ors = R"({"$or":)" + repeat(R"([{"a":[1]},{"$or":)", 120) + R"([{"a":[2]}])" +
                    repeat("]}", 120) + "}";
  err.clear();
  p = events::pattern::Pattern::parse(ors, &err);
  if (p) (void)p->match(event);
}

TEST(DeepInput, JsonSchema) {
  // A schema nested past any limit (as a Doc, deeper than JSON text allows) and a deep instance.
  Doc schema = Doc::map();
  schema.set("type", "string");
  for (int i = 0; i < 5000; ++i) {
    Doc outer = Doc::map();
    outer.set("items", std::move(schema));
    schema = std::move(outer);
  }
  Doc value = Doc::list();
  for (int i = 0; i < 5000; ++i) {
    Doc outer = Doc::list();
    outer.push(std::move(value));
    value = std::move(outer);
  }
  EXPECT_TRUE(apigateway::validate_schema(schema, value).has_value());
  Doc deep_instance = json::parse(repeat("[", 250) + repeat("]", 250));
  Doc any = json::parse(R"({"type":"array"})");
  EXPECT_FALSE(apigateway::validate_schema(any, deep_instance).has_value());
  Doc self_ref = json::parse(
      R"({"definitions":{"a":{"items":{"$ref":"#/definitions/a"}}},"$ref":"#/definitions/a"})");
  EXPECT_TRUE(apigateway::validate_schema(self_ref, deep_instance).has_value());
}

TEST(DeepInput, VtlParse) {
  namespace vtl = apigateway::vtl;
  for (const std::string& src :
       {"$x" + repeat("(", kDeep),
        "#set($a = " + repeat("(", kDeep) + "1" + repeat(")", kDeep) + ")",
        repeat("#if(true)", kDeep) + repeat("#end", kDeep), repeat("#foreach($i in [1])", kDeep),
        "#set($a = " + repeat("[", kDeep) + repeat("]", kDeep) + ")", "$a" + repeat(".b()", kDeep),
        "#set($a = " + repeat("!", kDeep) + "true)", "#set($a = 1" + repeat(" + 1", kDeep) + ")",
        "#set($a = " + repeat("-", kDeep) + "1)", "\"" + repeat("${a", kDeep) + "\"",
        repeat("#define($d)", kDeep)}) {
    try {
      vtl::Context ctx;
      vtl::evaluate(src, ctx);
    } catch (const vtl::ParseError&) {
    } catch (const vtl::RenderError&) {
    }
  }
}

TEST(DeepInput, VtlDeepValuesBuiltByLoops) {
  namespace vtl = apigateway::vtl;
  // Values nested by a loop, far deeper than any literal: rendering, toJson, comparing and
  // freeing them must not recurse without bound.
  for (const char* src : {
           "#set($a = [])#foreach($i in [1..100000])#set($a = [$a])#end$a",
           "#set($a = {})#foreach($i in [1..100000])#set($a = {\"k\": $a})#end$a",
           "#set($a = [])#foreach($i in [1..100000])#set($a = [$a])#end$util.toJson($a)",
           "#set($a = [])#foreach($i in [1..100000])#set($a = [$a])#end#if($a == $a)y#end",
           "#set($a = [])#foreach($i in [1..100000])#set($a = [$a])#end$a.hashCode()",
           "#set($a = [])#foreach($i in [1..100000])#set($a = [$a])#end$a.toString()",
           "#set($a = [])#foreach($i in [1..100000])#set($a = [$a])#end$a.contains($a)",
           "#set($a = [])#foreach($i in [1..100000])#set($a = [$a])#end",
       }) {
    try {
      vtl::Context ctx;
      ctx.vars["util"] = vtl::make_util();
      vtl::evaluate(src, ctx);
    } catch (const vtl::ParseError&) {
    } catch (const vtl::RenderError&) {
    }
  }
}

TEST(DeepInput, VtlInputJson) {
  namespace vtl = apigateway::vtl;
  vtl::InputData in;
  in.body = repeat("[", 250) + repeat("]", 250);
  vtl::Context ctx;
  ctx.vars["input"] = vtl::make_input(in);
  ctx.vars["util"] = vtl::make_util();
  try {
    vtl::evaluate(
        "$input.json('$') $input.path('$') $util.parseJson($input.body) "
        "$util.toJson($input.path('$'))",
        ctx);
  } catch (const vtl::RenderError&) {
  }
  try {
    vtl::evaluate("$util.parseJson('" + repeat("[", kDeep) + "')", ctx);
  } catch (const vtl::RenderError&) {
  }
}

TEST(DeepInput, OpenApiYamlAndJson) {
  namespace oa = apigateway::openapi;
  for (const std::string& text :
       {"a: " + repeat("[", kDeep), "a: " + repeat("{b: ", kDeep), repeat("[", kDeep),
        "{\"a\":" + repeat("[", kDeep) + repeat("]", kDeep) + "}",
        "a: " + repeat("[", 1990) + repeat("]", 1990),
        [] {
          std::string s;
          for (int i = 0; i < 3000; ++i) s += std::string(static_cast<size_t>(i), ' ') + "k:\n";
          return s;
        }(),
        [] {
          std::string s;
          for (int i = 0; i < 3000; ++i) s += std::string(static_cast<size_t>(i), ' ') + "-\n";
          return s;
        }()}) {
    EXPECT_EQ(error_code([&] { oa::parse_text(text); }), "BadRequestException")
        << text.substr(0, 40);
  }
}

TEST(DeepInput, OpenApiYamlAliasesDoNotExpandExponentially) {
  namespace oa = apigateway::openapi;
  // A "billion laughs" document: each level names the previous one ten times.
  std::string s = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 12; ++i) {
    s += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) s += std::string(j ? ", " : "") + "*l" + std::to_string(i - 1);
    s += "]\n";
  }
  EXPECT_EQ(error_code([&] { oa::parse_text(s); }), "BadRequestException");
}

TEST(DeepInput, PartiQL) {
  namespace ddb = dynamodb;
  // Statements are at most 8192 characters (the model's limit, checked before the parser);
  // within it, nesting is refused by depth and long AND chains parse.
  const size_t n = 4000;
  for (const std::string& stmt :
       {"SELECT * FROM t WHERE " + repeat("(", n) + "a = 1" + repeat(")", n),
        "SELECT * FROM t WHERE " + repeat("NOT ", 2000) + "a = 1",
        "INSERT INTO t VALUE " + repeat("{'a':", 1300) + "1" + repeat("}", 1300),
        "INSERT INTO t VALUE {'a': " + repeat("[", n) + repeat("]", n) + "}",
        "SELECT " + repeat("a.", 3000) + "b FROM t",
        "SELECT * FROM t WHERE a IN " + repeat("[", n) + repeat("]", n)}) {
    ASSERT_LE(stmt.size(), 8192u);
    EXPECT_EQ(error_code([&] { ddb::partiql::parse(stmt, nullptr); }), "ValidationException")
        << stmt.substr(0, 40);
  }
  std::string ands = "SELECT * FROM t WHERE a = 1" + repeat(" AND a = 1", 700);
  EXPECT_EQ(error_code([&] { ddb::partiql::parse(ands, nullptr); }), "");
}

TEST(DeepInput, VtlCycleCollectionStillFreesCycles) {
  namespace vtl = apigateway::vtl;
  vtl::Value self, a, b, shared, chain;
  {
    vtl::CycleCollector collector;
    self = vtl::Value::new_list();
    self.list().push_back(self);  // l.add(l)
    a = vtl::Value::new_list();
    b = vtl::Value::new_map();
    a.list().push_back(b);
    b.map().put("a", a);  // a -> b -> a
    shared = vtl::Value::new_list();
    vtl::Value holder = vtl::Value::new_list();
    holder.list().push_back(shared);
    holder.list().push_back(shared);  // a diamond, no cycle
    shared.list().push_back(vtl::Value(1));
    chain = vtl::Value::new_list();
    for (int i = 0; i < 200000; ++i) {  // deep, no cycle
      vtl::Value outer = vtl::Value::new_list();
      outer.list().push_back(chain);
      chain = outer;
    }
  }
  EXPECT_TRUE(self.list().empty());
  EXPECT_TRUE(a.list().empty());
  EXPECT_EQ(b.map().size(), 0u);
  EXPECT_EQ(shared.list().size(), 1u);
  EXPECT_EQ(chain.list().size(), 1u);
  chain = vtl::Value();  // frees 200,000 nested lists without recursion
}

}  // namespace
