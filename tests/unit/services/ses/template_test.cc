#include "services/ses/template.h"

#include <gtest/gtest.h>

#include "core/json.h"
#include "services/ses/state.h"

using namespace stratus;

namespace {
std::string render(const std::string& t, const std::string& data) {
  auto r = ses::render_template(t, json::parse(data));
  return r.error.empty() ? r.text : "ERROR: " + r.error;
}
}  // namespace

TEST(SesTemplate, Substitutions) {
  EXPECT_EQ(render("Hi {{name}}, {{ contact.city }}", R"({"name":"Ann","contact":{"city":"Oslo"}})"), "Hi Ann, Oslo");
  EXPECT_EQ(render("{{n}} {{f}} {{b}} {{z}} {{l}}", R"({"n":3,"f":1.5,"b":true,"z":null,"l":[1,2]})"),
            "3 1.5 true  1,2");
  // SES does not escape HTML.
  EXPECT_EQ(render("{{h}}|{{{h}}}", R"({"h":"<b>&</b>"})"), "<b>&</b>|<b>&</b>");
  EXPECT_EQ(render("a{{! comment }}b{{!-- {{x}} --}}c", "{}"), "abc");
}

TEST(SesTemplate, Blocks) {
  EXPECT_EQ(render("{{#if a}}yes{{else}}no{{/if}}", R"({"a":0})"), "no");
  EXPECT_EQ(render("{{#if a}}yes{{else}}no{{/if}}", R"({"a":"x"})"), "yes");
  EXPECT_EQ(render("{{#if missing}}yes{{else}}no{{/if}}", "{}"), "no");
  EXPECT_EQ(render("{{#unless a}}u{{/unless}}", R"({"a":[]})"), "u");
  EXPECT_EQ(render("{{#each l}}{{@index}}={{this}}{{#if @last}}.{{else}},{{/if}}{{/each}}", R"({"l":["a","b"]})"),
            "0=a,1=b.");
  EXPECT_EQ(render("{{#each l}}{{name}}:{{../title}} {{/each}}", R"({"title":"T","l":[{"name":"x"},{"name":"y"}]})"),
            "x:T y:T ");
  EXPECT_EQ(render("{{#each m}}{{@key}}={{this}};{{/each}}", R"({"m":{"a":1,"b":2}})"), "a=1;b=2;");
  EXPECT_EQ(render("{{#each l}}x{{else}}empty{{/each}}", R"({"l":[]})"), "empty");
  EXPECT_EQ(render("{{#with c}}{{city}}{{/with}}", R"({"c":{"city":"Rome"}})"), "Rome");
  EXPECT_EQ(render("{{#* inline \"p\"}}\n[{{v}}]{{/inline}}{{> p}}{{> p}}", R"({"v":1})"), "[1][1]");
}

TEST(SesTemplate, Errors) {
  auto r = ses::render_template("Hi {{name}}", Doc::map());
  EXPECT_EQ(r.error, "Attribute 'name' is not present in the rendering data.");
  EXPECT_EQ(r.missing, "name");
  EXPECT_NE(render("{{#if a}}x", "{}").find("ERROR"), std::string::npos);
  EXPECT_NE(render("{{/if}}", "{}").find("ERROR"), std::string::npos);
  EXPECT_NE(render("{{#each a}}x{{/if}}", "{}").find("ERROR"), std::string::npos);
  EXPECT_NE(render("{{#loop a}}x{{/loop}}", "{}").find("ERROR"), std::string::npos);
  EXPECT_NE(render("{{> nope}}", "{}").find("ERROR"), std::string::npos);
  EXPECT_NE(render("{{a", "{}").find("ERROR"), std::string::npos);
  EXPECT_NE(render("{{else}}", "{}").find("ERROR"), std::string::npos);
  // Recursion through partials is bounded.
  EXPECT_NE(render("{{#* inline \"p\"}}{{> p}}{{/inline}}{{> p}}", "{}").find("ERROR"), std::string::npos);
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "{{#if a}}";
  EXPECT_NE(render(deep, "{}").find("ERROR"), std::string::npos);
}

TEST(SesTemplate, OutputIsBounded) {
  std::string t = "{{#each l}}{{#each ../l}}{{#each ../../l}}{{s}}{{/each}}{{/each}}{{/each}}";
  std::string big(1000, 'x');
  std::string data = R"({"s":")" + big + R"(","l":[)";
  for (int i = 0; i < 30; ++i) data += std::string(i ? "," : "") + "1";
  data += "]}";
  // 27,000 iterations of a lookup that fails inside the items (s is not in them): an error,
  // and in any case no unbounded output.
  auto r = ses::render_template(t, json::parse(data));
  EXPECT_FALSE(r.error.empty());
}

TEST(SesMessageId, FormatAsAws) {
  std::string id = ses::message_id(1'700'000'000'000);
  EXPECT_EQ(id.substr(0, 16), "0100018bcfe56800");
  EXPECT_EQ(id.size(), 16u + 1 + 36 + 7);
  EXPECT_EQ(id.substr(id.size() - 7), "-000000");
}
