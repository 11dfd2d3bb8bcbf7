// Lambda's function records and names (services/lambda/store.h) and the record helpers the
// handlers share (state.h, ops.h).
#include "services/lambda/store.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "core/error.h"
#include "core/json.h"
#include "services/lambda/ops.h"
#include "services/lambda/state.h"

namespace stratus::lambda {
namespace {

Doc named(const std::string& fn, const std::string& qualifier = "") {
  Doc in = Doc::map();
  in.set("FunctionName", fn);
  if (!qualifier.empty()) in.set("Qualifier", qualifier);
  return in;
}

TEST(LambdaStore, ParseRefForms) {
  FnRef r = parse_ref(named("my-fn"));
  EXPECT_EQ(r.name, "my-fn");
  EXPECT_EQ(r.qualifier, "");
  r = parse_ref(named("my-fn:live"));
  EXPECT_EQ(r.name, "my-fn");
  EXPECT_EQ(r.qualifier, "live");
  r = parse_ref(named("123456789012:function:my-fn:3"));
  EXPECT_EQ(r.name, "my-fn");
  EXPECT_EQ(r.qualifier, "3");
  r = parse_ref(named("arn:aws:lambda:us-east-1:123456789012:function:my-fn"));
  EXPECT_EQ(r.name, "my-fn");
  EXPECT_EQ(r.qualifier, "");
  r = parse_ref(named("arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST"));
  EXPECT_EQ(r.qualifier, "$LATEST");
  r = parse_ref(named("my-fn", "7"));
  EXPECT_EQ(r.qualifier, "7");
  r = parse_ref(named("my-fn:7", "7"));  // agreeing qualifiers are fine
  EXPECT_EQ(r.qualifier, "7");
}

TEST(LambdaStore, ParseRefErrors) {
  try {
    parse_ref(named("my-fn:1", "2"));
    FAIL() << "disagreeing qualifiers accepted";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "InvalidParameterValueException");
    EXPECT_EQ(e.http_status, 400);
  }
  for (const char* bad : {"", "has space", "a/b", "x:y:z:w:v"}) {
    try {
      parse_ref(named(bad));
      FAIL() << "accepted " << bad;
    } catch (const AwsError& e) {
      EXPECT_EQ(e.code, "ValidationException") << bad;
    }
  }
  EXPECT_THROW(parse_ref(named(std::string(65, 'a'))), AwsError);
  EXPECT_NO_THROW(parse_ref(named(std::string(64, 'a'))));
}

TEST(LambdaStore, RecordsRoundTripUnderTheirKeys) {
  auto db = storage::open_memory();
  FunctionStore fs(*db);
  EXPECT_FALSE(fs.get("111111111111", "us-east-1", "f").has_value());
  Doc rec = Doc::map();
  rec.set("next_version", 3);
  fs.put("111111111111", "us-east-1", "f", rec);
  auto got = fs.get("111111111111", "us-east-1", "f");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->integer("next_version"), 3);
  // The on-disk key: account \0 region \0 name, the record as JSON.
  std::string raw;
  ASSERT_TRUE(db->get("lambda.functions", std::string("111111111111\0us-east-1\0f", 24), &raw).ok());
  EXPECT_EQ(json::parse(raw).integer("next_version"), 3);
  EXPECT_EQ(FunctionStore::key("a", "r", "n"), std::string("a\0r\0n", 5));
  // Other accounts and regions do not see it.
  EXPECT_FALSE(fs.get("222222222222", "us-east-1", "f").has_value());
  EXPECT_FALSE(fs.get("111111111111", "eu-west-1", "f").has_value());
  fs.del("111111111111", "us-east-1", "f");
  EXPECT_FALSE(fs.get("111111111111", "us-east-1", "f").has_value());
}

TEST(LambdaStore, EachIsScopedAndOrdered) {
  auto db = storage::open_memory();
  FunctionStore fs(*db);
  auto rec = [](const std::string& name) {
    Doc r = Doc::map();
    Doc cfg = Doc::map();
    cfg.set("FunctionName", name);
    r.set("config", cfg);
    return r;
  };
  fs.put("111111111111", "us-east-1", "b", rec("b"));
  fs.put("111111111111", "us-east-1", "a", rec("a"));
  fs.put("111111111111", "us-east-2", "c", rec("c"));
  fs.put("222222222222", "us-east-1", "d", rec("d"));
  std::vector<std::string> names;
  fs.each("111111111111", "us-east-1", [&](const Doc& r) { names.push_back(r.get("config")->str("FunctionName")); });
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  std::vector<std::string> all;
  fs.each_all([&](const std::string& a, const std::string& r, const std::string& n, const Doc& d) {
    EXPECT_EQ(d.get("config")->str("FunctionName"), n);
    all.push_back(a + "/" + r + "/" + n);
  });
  EXPECT_EQ(all, (std::vector<std::string>{"111111111111/us-east-1/a", "111111111111/us-east-1/b",
                                           "111111111111/us-east-2/c", "222222222222/us-east-1/d"}));
}

TEST(LambdaStore, UrlIndex) {
  auto db = storage::open_memory();
  FunctionStore fs(*db);
  EXPECT_FALSE(fs.url("abc").has_value());
  fs.put_url("abc", {"111111111111", "us-east-1", "f", "live"});
  auto t = fs.url("abc");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->account, "111111111111");
  EXPECT_EQ(t->region, "us-east-1");
  EXPECT_EQ(t->function, "f");
  EXPECT_EQ(t->qualifier, "live");
  // Stored as {"a","r","f","q"} JSON, as before the store existed.
  std::string raw;
  ASSERT_TRUE(db->get("lambda.url_ids", "abc", &raw).ok());
  Doc ix = json::parse(raw);
  EXPECT_EQ(ix.str("a"), "111111111111");
  EXPECT_EQ(ix.str("q"), "live");
  fs.del_url("abc");
  EXPECT_FALSE(fs.url("abc").has_value());
}

TEST(LambdaStore, Inflight) {
  auto db = storage::open_memory();
  FunctionStore fs(*db);
  EXPECT_TRUE(fs.inflight().empty());
  fs.put_inflight("req-2:0", "two");
  fs.put_inflight("req-1:1", "one");
  auto all = fs.inflight();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], (std::pair<std::string, std::string>{"req-1:1", "one"}));
  EXPECT_EQ(all[1], (std::pair<std::string, std::string>{"req-2:0", "two"}));
  fs.del_inflight("req-1:1");
  EXPECT_EQ(fs.inflight().size(), 1u);
}

TEST(LambdaRecord, VersionAndProvisionedOf) {
  Doc rec = json::parse(R"({"aliases":{"live":{"FunctionVersion":"3"}},"provisioned":{"live":{"Requested":2}}})");
  EXPECT_EQ(version_of(rec, "live"), "3");
  EXPECT_EQ(version_of(rec, "5"), "5");
  EXPECT_EQ(version_of(Doc::map(), "live"), "live");
  ASSERT_NE(provisioned_of(rec, "live"), nullptr);
  EXPECT_EQ(provisioned_of(rec, "live")->integer("Requested"), 2);
  EXPECT_EQ(provisioned_of(rec, "3"), nullptr);
  EXPECT_EQ(provisioned_of(Doc::map(), "live"), nullptr);
}

TEST(LambdaOps, VersionSortKeyOrdersNumerically) {
  EXPECT_LT(ops::version_sort_key("$LATEST"), ops::version_sort_key("1"));
  EXPECT_LT(ops::version_sort_key("2"), ops::version_sort_key("10"));
  EXPECT_LT(ops::version_sort_key("99"), ops::version_sort_key("100"));
}

TEST(LambdaOps, PagesWithMarkers) {
  std::vector<std::pair<std::string, Doc>> items;
  for (const char* k : {"a", "b", "c"}) items.emplace_back(k, Doc(std::string(k)));
  Doc in = Doc::map();
  in.set("MaxItems", 2);
  Doc p1 = ops::page(items, in, "Items", "NextMarker");
  ASSERT_EQ(p1.get("Items")->size(), 2u);
  ASSERT_TRUE(p1.has("NextMarker"));
  EXPECT_EQ(enc::base64_decode(p1.str("NextMarker")).value_or(""), "b");
  in.set("Marker", p1.str("NextMarker"));
  Doc p2 = ops::page(items, in, "Items", "NextMarker");
  ASSERT_EQ(p2.get("Items")->size(), 1u);
  EXPECT_EQ(p2.get("Items")->as_list()[0].as_string(), "c");
  EXPECT_FALSE(p2.has("NextMarker"));
  in.set("Marker", "!!!");
  EXPECT_THROW(ops::page(items, in, "Items", "NextMarker"), AwsError);
}

TEST(LambdaOps, PublicConfigHidesStratusMembers) {
  Doc cfg = json::parse(R"({"FunctionName":"f","_code":"abc","_layers":["x"],"CodeSize":3})");
  Doc out = ops::public_config(cfg);
  EXPECT_FALSE(out.has("_code"));
  EXPECT_FALSE(out.has("_layers"));
  EXPECT_EQ(out.str("FunctionName"), "f");
  EXPECT_EQ(out.integer("CodeSize"), 3);
}

TEST(LambdaOps, CheckRevision) {
  Doc cfg = json::parse(R"({"RevisionId":"r1"})");
  EXPECT_NO_THROW(ops::check_revision(Doc::map(), cfg));
  EXPECT_NO_THROW(ops::check_revision(json::parse(R"({"RevisionId":"r1"})"), cfg));
  try {
    ops::check_revision(json::parse(R"({"RevisionId":"r0"})"), cfg);
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "PreconditionFailedException");
    EXPECT_EQ(e.http_status, 412);
  }
}

}  // namespace
}  // namespace stratus::lambda
