// A deployed REST API (deployed.h): the routing tree built from stored resources, path matching
// with {param} and {param+}, parsed templates and the `broken` marker.
#include <gtest/gtest.h>

#include "core/json.h"
#include "services/apigateway/deployed.h"

using namespace stratus;
using namespace stratus::apigateway;

namespace {

Doc api() { return json::parse(R"({"api":{"binaryMediaTypes":["Image/PNG"]}})"); }

// /, /pets, /pets/{id}, /pets/mine, /files/{proxy+}
Doc resources() {
  return json::parse(R"({
    "r0":{"id":"r0","path":"/"},
    "r1":{"id":"r1","parentId":"r0","pathPart":"pets","path":"/pets",
          "resourceMethods":{"GET":{"httpMethod":"GET","methodIntegration":{"type":"MOCK",
            "requestTemplates":{"Application/JSON":"{\"statusCode\": 200}","text/plain":""},
            "integrationResponses":{"200":{"statusCode":"200"},"400":{"statusCode":"400","selectionPattern":"4\\d{2}"}}}}}},
    "r2":{"id":"r2","parentId":"r1","pathPart":"{id}","path":"/pets/{id}"},
    "r3":{"id":"r3","parentId":"r1","pathPart":"mine","path":"/pets/mine"},
    "r4":{"id":"r4","parentId":"r0","pathPart":"files","path":"/files"},
    "r5":{"id":"r5","parentId":"r4","pathPart":"{proxy+}","path":"/files/{proxy+}"}})");
}

std::string route(const Deployed& d, std::vector<std::string> segs, Pairs* params = nullptr) {
  Pairs p;
  const DResource* r = match(d.root, segs, 0, p);
  if (params) *params = p;
  return r ? r->id : "";
}

}  // namespace

TEST(ApigwDeployed, BuildsTheTree) {
  auto d = build_deployed(api(), resources(), Doc::map());
  ASSERT_TRUE(d);
  ASSERT_TRUE(d->root);
  EXPECT_EQ(d->root->id, "r0");
  EXPECT_EQ(d->all.size(), 6u);
  EXPECT_EQ(d->binary_types, (std::vector<std::string>{"image/png"}));
  const DResource* pets = nullptr;
  for (const auto& r : d->all)
    if (r->id == "r1") pets = r.get();
  ASSERT_TRUE(pets);
  const DMethod& get = pets->methods.at("GET");
  EXPECT_TRUE(get.broken.empty()) << get.broken;
  ASSERT_EQ(get.request_templates.size(), 2u);
  EXPECT_TRUE(get.request_templates.at("application/json"));  // content types lower-cased
  EXPECT_FALSE(get.request_templates.at("text/plain"));       // empty template: nullptr
  ASSERT_EQ(get.responses.size(), 2u);
  int with_pattern = 0;
  for (const auto& r : get.responses) with_pattern += r.pattern != nullptr;
  EXPECT_EQ(with_pattern, 1);
}

TEST(ApigwDeployed, NoRootOrNotAMap) {
  EXPECT_FALSE(build_deployed(api(), Doc::list(), Doc::map()));
  EXPECT_FALSE(build_deployed(api(), json::parse(R"({"a":{"id":"a","parentId":"x","pathPart":"p"}})"), Doc::map()));
}

TEST(ApigwDeployed, MatchPrefersLiteralsThenParamsThenGreedy) {
  auto d = build_deployed(api(), resources(), Doc::map());
  ASSERT_TRUE(d);
  Pairs p;
  EXPECT_EQ(route(*d, {}), "r0");
  EXPECT_EQ(route(*d, {"pets"}), "r1");
  EXPECT_EQ(route(*d, {"pets", "mine"}, &p), "r3");
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(route(*d, {"pets", "42"}, &p), "r2");
  EXPECT_EQ(p, (Pairs{{"id", "42"}}));
  EXPECT_EQ(route(*d, {"pets", "42", "x"}, &p), "");
  EXPECT_TRUE(p.empty());  // a failed branch takes its parameter back
  EXPECT_EQ(route(*d, {"files", "a", "b", "c.txt"}, &p), "r5");
  EXPECT_EQ(p, (Pairs{{"proxy", "a/b/c.txt"}}));
  EXPECT_EQ(route(*d, {"nope"}), "");
}

TEST(ApigwDeployed, BrokenTemplatesAndPatternsAreMarked) {
  Doc res = json::parse(R"({"r0":{"id":"r0","path":"/","resourceMethods":{"POST":{"methodIntegration":{"type":"MOCK",
    "requestTemplates":{"application/json":"#if("}}}}}})");
  auto d = build_deployed(api(), res, Doc::map());
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->root->methods.at("POST").broken.empty());
}
