// The VTL engine against API Gateway's documented mapping-template examples (their input,
// template and output) and Velocity 1.7's own behaviours.
#include <gtest/gtest.h>

#include "core/doc.h"
#include "core/json.h"
#include "core/regex.h"
#include "services/apigateway/vtl/aws.h"
#include "services/apigateway/vtl/vtl.h"

namespace stratus::apigateway::vtl {
namespace {

std::string run(std::string_view tpl, Context& ctx) { return evaluate(tpl, ctx); }
std::string run(std::string_view tpl) {
  Context ctx;
  return evaluate(tpl, ctx);
}

Context with_body(std::string body, InputData extra = {}) {
  Context ctx;
  extra.body = std::move(body);
  ctx.vars["input"] = make_input(std::move(extra));
  ctx.vars["util"] = make_util();
  return ctx;
}

// Compares JSON texts structurally (templates' whitespace is not what these tests pin).
void expect_json_eq(const std::string& got, const std::string& want) {
  Doc g, w;
  ASSERT_NO_THROW(g = json::parse(got)) << got;
  ASSERT_NO_THROW(w = json::parse(want)) << want;
  EXPECT_EQ(json::write(g), json::write(w)) << got;
}

// --- AWS documentation examples -----------------------------------------------------------

// "Example data transformations": the PetStore integration response mapping.
TEST(VtlAwsDocs, PetStoreResponseTransformation) {
  Context ctx = with_body(
      R"([{"id":1,"type":"dog","price":249.99},{"id":2,"type":"cat","price":124.99},{"id":3,"type":"fish","price":0.99}])");
  std::string out = run(R"(#set($inputRoot = $input.path('$'))
[
#foreach($elem in $inputRoot)
  {
    "description" : "Item $elem.id is a $elem.type.",
    "askingPrice" : $elem.price
  }#if($foreach.hasNext),#end

#end
])",
                        ctx);
  EXPECT_EQ(out, R"([
  {
    "description" : "Item 1 is a dog.",
    "askingPrice" : 249.99
  },
  {
    "description" : "Item 2 is a cat.",
    "askingPrice" : 124.99
  },
  {
    "description" : "Item 3 is a fish.",
    "askingPrice" : 0.99
  }
])");
}

// "Mapping template examples": the photos example (flatten names, booleans pass through).
TEST(VtlAwsDocs, PhotosExample) {
  Context ctx = with_body(R"({
    "photos": {
      "page": 1, "pages": "1234", "perpage": 100, "total": "123398",
      "photo": [
        {"id": "12345678901", "owner": "23456789@A12", "photographer_first_name": "Saanvi",
         "photographer_last_name": "Sarkar", "secret": "abc123d456", "server": "1234", "farm": 1,
         "title": "Sample photo 1", "ispublic": true, "isfriend": false, "isfamily": false},
        {"id": "23456789012", "owner": "34567890@B23", "photographer_first_name": "Richard",
         "photographer_last_name": "Roe", "secret": "bcd234e567", "server": "1234", "farm": 1,
         "title": "Sample photo 2", "ispublic": true, "isfriend": false, "isfamily": false}
      ]
    }
  })");
  std::string out = run(R"(#set($inputRoot = $input.path('$'))
{
  "photos": [
#foreach($elem in $inputRoot.photos.photo)
    {
      "id": "$elem.id",
      "photographedBy": "$elem.photographer_first_name $elem.photographer_last_name",
      "title": "$elem.title",
      "ispublic": $elem.ispublic,
      "isfriend": $elem.isfriend,
      "isfamily": $elem.isfamily
    }#if($foreach.hasNext),#end
		
#end
  ]
})",
                        ctx);
  expect_json_eq(out, R"({"photos":[
    {"id":"12345678901","photographedBy":"Saanvi Sarkar","title":"Sample photo 1","ispublic":true,"isfriend":false,"isfamily":false},
    {"id":"23456789012","photographedBy":"Richard Roe","title":"Sample photo 2","ispublic":true,"isfriend":false,"isfamily":false}]})");
}

// "$util.parseJson()": the documented errorMessage example.
TEST(VtlAwsDocs, UtilParseJson) {
  Context ctx = with_body(R"({"errorMessage":"{\"key1\":\"var1\",\"key2\":{\"arr\":[1,2,3]}}"})");
  std::string out = run(R"(#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))
{
   "errorMessageObjKey2ArrVal" : $errorMessageObj.key2.arr[0]
})",
                        ctx);
  EXPECT_EQ(out, "{\n   \"errorMessageObjKey2ArrVal\" : 1\n}");
}

// "$util.escapeJavaScript()": ' becomes \' and the documented replaceAll("\\'","'") undoes it.
TEST(VtlAwsDocs, EscapeJavaScriptAndReplaceAll) {
  Context ctx = with_body("");
  ctx.vars["data"] = Value(std::string("it's \"quoted\"\n/path"));
  EXPECT_EQ(run(R"($util.escapeJavaScript($data))", ctx), R"(it\'s \"quoted\"\n\/path)");
  EXPECT_EQ(run(R"T("input" : "$util.escapeJavaScript($data).replaceAll("\\'","'")")T", ctx),
            R"T("input" : "it's \"quoted\"\n\/path")T");
  ctx.vars["data"] = Value(std::string("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_EQ(run("$util.escapeJavaScript($data)", ctx), "caf\\u00E9 \\uD83D\\uDE00");
}

// "Pass all parameters": the documented template iterating $input.params().
TEST(VtlAwsDocs, PassThroughAllParams) {
  InputData d;
  d.path = {{"petId", "5"}};
  d.querystring = {{"sort", "asc"}, {"q", "a'b"}};
  d.header = {{"Accept", "application/json"}};
  Context ctx = with_body("", d);
  std::string out = run(R"T(#set($allParams = $input.params())
{
  "params" : {
    #foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
    "$type" : {
      #foreach($paramName in $params.keySet())
      "$paramName" : "$util.escapeJavaScript($params.get($paramName)).replaceAll("\\'","'")"
      #if($foreach.hasNext),#end
      #end
    }
    #if($foreach.hasNext),#end
    #end
  }
})T",
                        ctx);
  expect_json_eq(out, R"({"params":{"path":{"petId":"5"},"querystring":{"sort":"asc","q":"a'b"},
                          "header":{"Accept":"application/json"}}})");
}

// "$input.json(x)" returns JSON text, "$input.path(x)" the object (Java's toString for maps).
TEST(VtlAwsDocs, InputJsonVersusPath) {
  Context ctx = with_body(R"({"name":"Mittens","owner":{"first":"Jane","age":31},"tags":["a","b"],"score":1.5})");
  EXPECT_EQ(run("$input.json('$.owner')", ctx), R"({"first":"Jane","age":31})");
  EXPECT_EQ(run("$input.path('$.owner')", ctx), "{first=Jane, age=31}");
  EXPECT_EQ(run("$input.json('$.name')", ctx), R"("Mittens")");
  EXPECT_EQ(run("$input.path('$.name')", ctx), "Mittens");
  EXPECT_EQ(run("$input.path('$.tags')", ctx), "[a, b]");
  EXPECT_EQ(run("$input.json('$.tags[1]')", ctx), R"("b")");
  EXPECT_EQ(run("$input.path('$.owner.age')", ctx), "31");
  EXPECT_EQ(run("$input.path('$.score')", ctx), "1.5");
  EXPECT_EQ(run("$input.path(\"$['owner']['first']\")", ctx), "Jane");
  EXPECT_EQ(run("$input.json('$.*.first')", ctx), R"(["Jane"])");
  EXPECT_EQ(run("$input.json('$..age')", ctx), "[31]");
  EXPECT_EQ(run("[$input.path('$.missing')][$input.json('$.missing')]", ctx), "[][]");
  EXPECT_EQ(run("$input.body", ctx).substr(0, 9), R"({"name":")");
  EXPECT_EQ(run("$input.path('$.tags').size()", ctx), "2");
}

TEST(VtlAwsDocs, ParamsSearchPathThenQueryThenHeader) {
  InputData d;
  d.path = {{"id", "from-path"}};
  d.querystring = {{"id", "from-query"}, {"q", "query"}};
  d.header = {{"X-Id", "hdr"}};
  Context ctx = with_body("", d);
  EXPECT_EQ(run("$input.params('id') $input.params('q') $input.params('x-id') [$input.params('none')]", ctx),
            "from-path query hdr []");
  EXPECT_EQ(run("$input.params().querystring.q $input.params().get('header').get('X-Id')", ctx), "query hdr");
}

// The SQS pattern: a form body built from the JSON payload.
TEST(VtlAwsDocs, SqsSendMessageForm) {
  Context ctx = with_body(R"({"orderId":"o-1","qty":2})");
  EXPECT_EQ(run("Action=SendMessage&MessageBody=$util.urlEncode($input.body)", ctx),
            "Action=SendMessage&MessageBody=%7B%22orderId%22%3A%22o-1%22%2C%22qty%22%3A2%7D");
  EXPECT_EQ(run("$util.urlDecode('a+b%20c%2F')", ctx), "a b c/");
  EXPECT_EQ(run("$util.base64Encode('hello') $util.base64Decode('aGVsbG8=')", ctx), "aGVsbG8= hello");
}

TEST(VtlAwsDocs, ContextAndStageVariables) {
  Context ctx;
  Value c = Value::new_map();
  c.map().put("requestId", Value("req-1"));
  c.map().put("stage", Value("prod"));
  Value ident = Value::new_map();
  ident.map().put("sourceIp", Value("127.0.0.1"));
  c.map().put("identity", ident);
  Value ro = Value::new_map();
  ro.map().put("header", Value::new_map());
  c.map().put("responseOverride", ro);
  ctx.vars["context"] = c;
  Value sv = Value::new_map();
  sv.map().put("queue", Value("q1"));
  ctx.vars["stageVariables"] = sv;
  EXPECT_EQ(run("$context.requestId/$context.stage/$context.identity.sourceIp/$stageVariables.queue", ctx),
            "req-1/prod/127.0.0.1/q1");
  run("#set($context.responseOverride.status = 404)#set($context.responseOverride.header.X-Err = 'yes')", ctx);
  EXPECT_EQ(c.map().find("responseOverride")->map().find("status")->as_int(), 404);
  EXPECT_EQ(c.map().find("responseOverride")->map().find("header")->map().find("X-Err")->as_string(), "yes");
}

// --- Velocity behaviours ------------------------------------------------------------------

TEST(Vtl, References) {
  Context ctx;
  ctx.vars["name"] = Value("World");
  EXPECT_EQ(run("Hello $name! ${name}s $!name", ctx), "Hello World! Worlds World");
  // Null references render as written; quiet ones render nothing.
  EXPECT_EQ(run("[$missing] [$!missing] [${missing}] [$!{missing}] [$name.nope]", ctx),
            "[$missing] [] [${missing}] [] [$name.nope]");
  // '$' not followed by an identifier is text; so is a trailing dot.
  EXPECT_EQ(run("cost: $5 and $name.", ctx), "cost: $5 and World.");
  EXPECT_EQ(run("\\$name \\\\$name", ctx), "$name \\World");
}

TEST(Vtl, JavaToStringOfCollections) {
  EXPECT_EQ(run(R"(#set($m = {"a": 1, "b": [1, "two", true], "c": {"d": 2.0}})$m)"), "{a=1, b=[1, two, true], c={d=2.0}}");
  EXPECT_EQ(run("#set($l = [])$l"), "[]");
  EXPECT_EQ(run("#set($m = {})$m"), "{}");
  // Map.put answers the previous value: null renders the reference itself (a known quirk).
  EXPECT_EQ(run(R"(#set($m = {})$m.put("a", 1)|$m.put("a", 2)|$m)"), R"($m.put("a", 1)|1|{a=2})");
  // Insertion order is kept; re-putting keeps the position.
  EXPECT_EQ(run(R"(#set($m = {"z": 1, "a": 2})#set($x = $m.put("z", 3))$m.keySet() $m.values())"), "[z, a] [3, 2]");
}

TEST(Vtl, Numbers) {
  EXPECT_EQ(run("#set($a = 7 / 2)$a|#set($b = 7 % 3)$b|#set($c = 2 * 3 + 1)$c|#set($d = -4 + 1)$d"), "3|1|7|-3");
  EXPECT_EQ(run("#set($d = 1.0)$d|#set($e = 0.5 * 3)$e|#set($f = 10 / 4.0)$f"), "1.0|1.5|2.5");
  // #set swallows the blanks before it (Velocity 1.7).
  EXPECT_EQ(run("a #set($x = 1)b"), "ab");
  Context ctx = with_body(R"({"big":1e10,"small":0.0001,"neg":-2.50,"n":12345678901234})");
  EXPECT_EQ(run("$input.path('$.big') $input.path('$.small') $input.path('$.neg') $input.path('$.n')", ctx),
            "1.0E10 1.0E-4 -2.5 12345678901234");
  // Division by zero yields null: the reference renders as written.
  EXPECT_EQ(run("#set($z = 1 / 0)$z"), "$z");
}

TEST(Vtl, SetNullLeavesVariableUnchanged) {
  EXPECT_EQ(run("#set($a = 'x')#set($a = $nothing)$a"), "x");
  EXPECT_EQ(run("#set($a = \"$nothing\")$a"), "$nothing");
}

TEST(Vtl, StringsAndInterpolation) {
  Context ctx;
  ctx.vars["who"] = Value("Ann");
  EXPECT_EQ(run(R"(#set($s = "Hi $who, #if(true)yes#end")$s)", ctx), "Hi Ann, yes");
  EXPECT_EQ(run(R"(#set($s = 'Hi $who')$s)", ctx), "Hi $who");
  EXPECT_EQ(run(R"(#set($s = "say ""hi""")$s|#set($t = 'it''s')$t)", ctx), R"(say "hi"|it's)");
  EXPECT_EQ(run(R"(#set($s = "a" + 1 + 'b')$s)", ctx), "a1b");
}

TEST(Vtl, StringMethods) {
  Context ctx;
  ctx.vars["s"] = Value("  Hello, World  ");
  EXPECT_EQ(run("$s.trim().length() $s.trim().toUpperCase() $s.trim().toLowerCase()", ctx),
            "12 HELLO, WORLD hello, world");
  EXPECT_EQ(run("$s.trim().substring(7) $s.trim().substring(0, 5) $s.indexOf('o') $s.lastIndexOf('o')", ctx),
            "World Hello 6 10");
  EXPECT_EQ(run("$s.contains('World') $s.trim().startsWith('He') $s.trim().endsWith('x') $s.isEmpty() $s.empty", ctx),
            "true true false false false");
  EXPECT_EQ(run("$s.trim().replace('l', 'L') $s.trim().replaceAll('[aeiou]', '*') $s.trim().replaceFirst('l', '')", ctx),
            "HeLLo, WorLd H*ll*, W*rld Helo, World");
  EXPECT_EQ(run("$s.trim().split(', ') $s.trim().split(',').size() $s.trim().charAt(1)", ctx), "[Hello, World] 2 e");
  EXPECT_EQ(run("#set($p = 'a,b,,')$p.split(',') $p.split(',').size()", ctx), "[a, b] 2");
  EXPECT_EQ(run("$s.trim().matches('H.*d') $s.trim().equalsIgnoreCase('hello, world')", ctx), "true true");
  EXPECT_EQ(run("#set($r = 'John Smith')$r.replaceAll('(\\w+) (\\w+)', '$2 $1')", ctx), "Smith John");
  ctx.vars["u"] = Value("h\xc3\xa9llo");
  EXPECT_EQ(run("$u.length() $u.substring(1, 2) $u.charAt(4)", ctx), "5 \xc3\xa9 o");
}

TEST(Vtl, ListAndMapMethods) {
  EXPECT_EQ(run("#set($l = [1, 2])#set($x = $l.add(3))$l $l.size() $l.get(0) $l[2] $l[-1] $l.contains(2) $l.indexOf(3)"),
            "[1, 2, 3] 3 1 3 3 true 2");
  EXPECT_EQ(run("#set($a = [1])#set($b = $a)#set($x = $b.add(2))$a"), "[1, 2]");
  EXPECT_EQ(run(R"(#set($m = {"k": "v"})$m.k $m.get("k") $m["k"] $m.containsKey("k") $m.size() $m.isEmpty())"),
            "v v v true 1 false");
  EXPECT_EQ(run(R"(#set($m = {"a": 1})#set($m.b = 2)#set($m["c"] = 3)$m)"), "{a=1, b=2, c=3}");
  EXPECT_EQ(run(R"(#set($m = {"a": 1, "b": 2})#foreach($e in $m.entrySet())$e.key=$e.value;#end)"), "a=1;b=2;");
  EXPECT_EQ(run("#set($l = [1, 2, 3])#set($x = $l.remove(0))$x $l|#set($l[0] = 9)$l"), "1 [2, 3]|[9, 3]");
}

TEST(Vtl, Conditionals) {
  EXPECT_EQ(run("#if(1 < 2)a#elseif(true)b#else c#end"), "a");
  EXPECT_EQ(run("#if(1 > 2)a#elseif(2 == 2)b#else c#end"), "b");
  EXPECT_EQ(run("#if(false)a#elseif($nope)b#else c#end"), " c");
  EXPECT_EQ(run("#if($nope)x#{else}y#end"), "y");
  // Velocity 1.7: any non-null, non-false value is true (also "" and 0).
  EXPECT_EQ(run("#set($e = '')#if($e)t#end#if(0)z#end"), "tz");
  EXPECT_EQ(run("#if(!$nope && (1 == 1.0) and not false)ok#end"), "ok");
  EXPECT_EQ(run("#if('a' == 'a' && 'a' != 'b' && 1 eq 1 && 2 gt 1 && 1 le 1 && 1 ne 2)ok#end"), "ok");
  // Different types compare by their toString().
  EXPECT_EQ(run("#if(1 == '1')same#end"), "same");
}

TEST(Vtl, Foreach) {
  EXPECT_EQ(run("#foreach($i in [1..3])$i#if($foreach.hasNext),#end#end"), "1,2,3");
  EXPECT_EQ(run("#foreach($i in [3..1])$i#end"), "321");
  EXPECT_EQ(run("#foreach($x in ['a', 'b'])$foreach.index:$foreach.count:$velocityCount:$foreach.first:$foreach.last #end"),
            "0:1:1:true:false 1:2:2:false:true ");
  EXPECT_EQ(run("#foreach($i in [1..10])#if($i == 4)#break#end$i#end"), "123");
  // The loop variable gets its old value back afterwards.
  EXPECT_EQ(run("#set($i = 'before')#foreach($i in [1])$i#end $i"), "1 before");
  // Nested loops have their own $foreach.
  EXPECT_EQ(run("#foreach($a in [1, 2])#foreach($b in ['x'])$foreach.index#end$foreach.index#end"), "0001");
  EXPECT_EQ(run("#foreach($v in {'a': 1, 'b': 2})$v#end"), "12");
  EXPECT_EQ(run("#foreach($v in $nothing)x#end."), ".");
}

TEST(Vtl, StopDefineMacroComments) {
  EXPECT_EQ(run("a#stop b"), "a");
  EXPECT_EQ(run("#foreach($i in [1..3])$i#if($i == 2)#stop#end#end tail"), "12");
  EXPECT_EQ(run("#define($blk)Hi $who#end#set($who = 'Bo')$blk!"), "Hi Bo!");
  EXPECT_EQ(run("#macro(greet $n)<$n>#end#greet('x')#greet(\"y\")"), "<x><y>");
  EXPECT_EQ(run("a## comment\nb#* block\ncomment *#c#** doc *#d"), "abcd");
  EXPECT_EQ(run("#[[$notParsed #if]]#"), "$notParsed #if");
  EXPECT_EQ(run("# not a directive #1 #notone"), "# not a directive #1 #notone");
  EXPECT_EQ(run("\\#if(true)x\\#end"), "#if(true)x#end");
}

TEST(Vtl, WhitespaceLikeVelocity17) {
  // A directive alone on its line swallows the line end; #set also its indentation.
  EXPECT_EQ(run("a\n  #set($x = 1)\nb$x\n"), "a\nb1\n");
  EXPECT_EQ(run("#foreach($i in [1, 2])\n  $i\n#end\n"), "  1\n  2\n");
  EXPECT_EQ(run("#if(true)\nyes\n#else\nno\n#end\n"), "yes\n");
  EXPECT_EQ(run("{\n  #if(true)\n  \"a\": 1\n  #end\n}"), "{\n    \"a\": 1\n  }");
}

TEST(Vtl, ParseErrors) {
  for (const char* bad : {"#if(true)x", "#end", "#set($a = )", "#foreach($x [1])#end", "#set($a = \"abc)",
                          "#if(1 +)#end", "#else"}) {
    EXPECT_THROW(parse(bad), ParseError) << bad;
  }
}

TEST(Vtl, LimitsStopHostileTemplates) {
  Limits lim;
  lim.max_steps = 10000;
  Context ctx;
  EXPECT_THROW(evaluate("#foreach($i in [1..100000000])x#end", ctx, lim), RenderError);
  lim = Limits{};
  lim.max_output = 1000;
  EXPECT_THROW(evaluate("#set($s = 'xxxxxxxxxx')#foreach($i in [1..200])$s#end", ctx, lim), RenderError);
  lim = Limits{};
  lim.max_depth = 10;
  EXPECT_THROW(evaluate("#macro(r $n)#r($n)#end#r(1)", ctx, lim), RenderError);
  // A list holding itself prints like Java's.
  EXPECT_EQ(evaluate("#set($l = [1])#set($x = $l.add($l))$l", ctx), "[1, (this Collection)]");
  // Java exceptions abort the rendering.
  EXPECT_THROW(evaluate("#set($s = 'ab')$s.substring(5)", ctx), RenderError);
  EXPECT_THROW(evaluate("#set($s = 'ab')$s.replaceAll('(', 'x')", ctx), RenderError);
}

TEST(VtlJsonPath, Subset) {
  Value root = parse_json(R"({"a":{"b":[10,20,{"c":"x"}]},"k w":1})");
  EXPECT_EQ(json_path(root, "$")->to_string(), "{a={b=[10, 20, {c=x}]}, k w=1}");
  EXPECT_EQ(json_path(root, "$.a.b[1]")->as_int(), 20);
  EXPECT_EQ(json_path(root, "$.a.b[-1].c")->as_string(), "x");
  EXPECT_EQ(json_path(root, "$['k w']")->as_int(), 1);
  EXPECT_EQ(write_json(*json_path(root, "$.a.b[0,1]")), "[10,20]");
  EXPECT_EQ(write_json(*json_path(root, "$.a.b[*]")), R"([10,20,{"c":"x"}])");
  EXPECT_EQ(write_json(*json_path(root, "$..c")), R"(["x"])");
  EXPECT_FALSE(json_path(root, "$.nope.x").has_value());
  EXPECT_THROW(json_path(root, "a.b"), RenderError);
}

TEST(VtlValue, JavaDouble) {
  EXPECT_EQ(java_double(1.0), "1.0");
  EXPECT_EQ(java_double(0.1), "0.1");
  EXPECT_EQ(java_double(123456.789), "123456.789");
  EXPECT_EQ(java_double(1e7), "1.0E7");
  EXPECT_EQ(java_double(1.5e-5), "1.5E-5");
  EXPECT_EQ(java_double(0.001), "0.001");
  EXPECT_EQ(java_double(-2.5), "-2.5");
  EXPECT_EQ(java_double(100.0), "100.0");
}

}  // namespace
}  // namespace stratus::apigateway::vtl

namespace stratus::apigateway::vtl {
namespace {

std::string rx_replace(const char* re, const char* s, const char* rep, bool all = true) {
  Regex::Budget b;
  return Regex(re).replace(s, rep, all, b);
}

TEST(VtlRegex, JavaSemantics) {
  EXPECT_EQ(rx_replace("[aeiou]", "education", "_"), "_d_c_t__n");
  EXPECT_EQ(rx_replace("(\\w+)@(\\w+)\\.com", "ann@example.com", "$2:$1"), "example:ann");
  EXPECT_EQ(rx_replace("a*", "baaac", "-"), "-b--c-");
  EXPECT_EQ(rx_replace("\\s+", "a  b\t\nc", " "), "a b c");
  EXPECT_EQ(rx_replace("^\\d{2,3}", "12345", "#"), "#45");
  EXPECT_EQ(rx_replace("o", "foo", "0", false), "f0o");
  EXPECT_EQ(rx_replace("a.*?b", "aXbaYYb", "!"), "!!");
  EXPECT_EQ(rx_replace("(a|bc)+", "xabcay", "<$1>"), "x<a>y");
  EXPECT_EQ(rx_replace("(?:ab)+", "abababx", "-"), "-x");
  EXPECT_EQ(rx_replace("(\\w)\\1", "aabcdd", "#"), "#bc#");
  EXPECT_EQ(rx_replace("\\bcat\\b", "cat concat cat", "dog"), "dog concat dog");
  EXPECT_EQ(rx_replace("[^a-c]", "abcdef", ""), "abc");
  Regex::Budget b;
  EXPECT_TRUE(Regex("[a-z]+\\d?").full_match("abc1", b));
  EXPECT_FALSE(Regex("[a-z]+").full_match("abc1", b));
  auto parts = Regex("\\s*,\\s*").split("a , b,c,,", b);
  EXPECT_EQ(parts, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_THROW(Regex("(a"), RenderError);
  EXPECT_THROW(Regex("*a"), RenderError);
  EXPECT_THROW(Regex("[b-a]"), RenderError);
}

TEST(VtlRegex, CatastrophicPatternsHitTheBudget) {
  Regex::Budget b;
  b.max_steps = 100000;
  std::string s(40, 'a');
  s += '!';
  EXPECT_THROW(Regex("(a+)+$").full_match(s, b), RenderError);
  // Single-character loops neither recurse nor backtrack per character: long subjects are fine.
  b.steps = 0;
  b.max_steps = 1000000;
  std::string big(200000, 'x');
  EXPECT_FALSE(Regex(".*y").full_match(big, b));
  EXPECT_TRUE(Regex("x+").full_match(big, b));
}

}  // namespace
}  // namespace stratus::apigateway::vtl
