// Pure parts of S3's bucket configuration: lifecycle validation, website hosts, CORS rule
// matching, ACLs from headers, operation -> IAM action.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/json.h"
#include "services/s3/access.h"
#include "services/s3/lifecycle.h"
#include "services/s3/web.h"

namespace stratus::s3 {
namespace {

std::string lifecycle_error(const std::string& rules) {
  try {
    validate_lifecycle(json::parse(R"({"Rules":)" + rules + "}"));
  } catch (const AwsError& e) {
    return e.code + ": " + e.message;
  }
  return "";
}

TEST(S3Lifecycle, Validation) {
  EXPECT_EQ(lifecycle_error(R"([{"ID":"a","Status":"Enabled","Filter":{"Prefix":"x/"},"Expiration":{"Days":3}}])"), "");
  EXPECT_EQ(lifecycle_error("[]").substr(0, 11), "MalformedXM");
  EXPECT_EQ(lifecycle_error(R"([{"ID":"a","Filter":{},"Expiration":{"Days":3}}])").substr(0, 11), "MalformedXM");
  EXPECT_EQ(lifecycle_error(R"([{"ID":"a","Status":"Enabled","Filter":{}}])"),
            "InvalidRequest: At least one action needs to be specified in a rule");
  EXPECT_EQ(lifecycle_error(R"([{"Status":"Enabled","Filter":{},"Expiration":{"Days":0}}])"),
            "InvalidArgument: 'Days' for Expiration action must be a positive integer");
  EXPECT_EQ(lifecycle_error(R"([{"Status":"Enabled","Filter":{},"Expiration":{"Date":1700000001}}])"),
            "InvalidArgument: 'Date' must be at midnight GMT");
  EXPECT_EQ(lifecycle_error(R"([{"Status":"Enabled","Prefix":"","Filter":{},"Expiration":{"Days":1}}])").substr(0, 11),
            "MalformedXM");
  EXPECT_EQ(lifecycle_error(R"([{"Status":"Enabled","Filter":{},"Expiration":{"Days":10},
                                 "Transitions":[{"Days":30,"StorageClass":"GLACIER"}]}])"),
            "InvalidArgument: 'Days' in the Expiration action for filter '' must be greater than 'Days' in the "
            "Transition action");
  EXPECT_EQ(lifecycle_error(R"([{"Status":"Enabled","Filter":{},"NoncurrentVersionExpiration":{"NoncurrentDays":0}}])"),
            "InvalidArgument: 'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer");
  EXPECT_EQ(lifecycle_error(R"([{"Status":"Enabled","Filter":{"And":{"Tags":[{"Key":"a","Value":"b"}]}},
                                 "Expiration":{"ExpiredObjectDeleteMarker":true}}])"),
            "InvalidRequest: ExpiredObjectDeleteMarker cannot be specified with tags");
}

TEST(S3Website, Hosts) {
  EXPECT_EQ(website_bucket("site.s3-website.localhost:4566"), "site");
  EXPECT_EQ(website_bucket("my.site.s3-website-us-east-1.localhost"), "my.site");
  EXPECT_EQ(website_bucket("site.s3-website.eu-west-1.localhost:80"), "site");
  EXPECT_EQ(website_bucket("site.s3.localhost:4566"), std::nullopt);
  EXPECT_EQ(website_bucket("s3-website.localhost"), std::nullopt);
  EXPECT_EQ(website_bucket("site.s3-website.example.com"), std::nullopt);
  EXPECT_EQ(website_bucket("site.s3-website_bad.localhost"), std::nullopt);
  EXPECT_EQ(preflight_bucket("b1.s3.localhost:4566", "/key"), "b1");
  EXPECT_EQ(preflight_bucket("b1.s3.us-east-1.localhost", "/key"), "b1");
  EXPECT_EQ(preflight_bucket("localhost:4566", "/b2/key/x"), "b2");
  EXPECT_EQ(preflight_bucket("127.0.0.1:4566", "/b3"), "b3");
}

TEST(S3Cors, RuleMatching) {
  Doc cfg = json::parse(R"({"CORSRules":[
    {"ID":"a","AllowedOrigins":["https://*.example.com"],"AllowedMethods":["GET","PUT"],"AllowedHeaders":["x-amz-*","content-type"]},
    {"ID":"b","AllowedOrigins":["*"],"AllowedMethods":["GET"]}]})");
  const Doc* r = match_cors_rule(cfg, "https://app.example.com", "PUT", "Content-Type, X-Amz-Date");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->str("ID"), "a");
  EXPECT_EQ(match_cors_rule(cfg, "https://app.example.com", "PUT", "x-other"), nullptr);
  EXPECT_EQ(match_cors_rule(cfg, "http://else.org", "GET", "")->str("ID"), "b");
  EXPECT_EQ(match_cors_rule(cfg, "http://else.org", "DELETE", ""), nullptr);
  EXPECT_EQ(match_cors_rule(cfg, "http://else.org", "GET", "x-amz-date"), nullptr);
}

TEST(S3Acl, FromHeaders) {
  Doc in = Doc::map();
  in.set("ACL", "public-read");
  auto acl = acl_from_request(in, "111111111111", "111111111111");
  ASSERT_TRUE(acl);
  EXPECT_TRUE(acl_is_public(*acl));
  EXPECT_FALSE(acl_is_owner_only(*acl, "111111111111"));
  Doc out = acl_output(&*acl, "111111111111");
  EXPECT_EQ(out.get("Grants")->as_list().size(), 2u);

  Doc owner_full = Doc::map();
  owner_full.set("ACL", "bucket-owner-full-control");
  auto bofc = acl_from_request(owner_full, "222222222222", "111111111111");
  ASSERT_TRUE(bofc);
  EXPECT_TRUE(acl_is_owner_only(*bofc, "111111111111"));

  Doc grants = Doc::map();
  grants.set("GrantRead", R"(id="abc", uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers")");
  grants.set("GrantWrite", "id=def");
  auto g = acl_from_request(grants, "111111111111", "111111111111");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->get("grants")->as_list().size(), 3u);
  EXPECT_TRUE(acl_is_public(*g));

  Doc bad = Doc::map();
  bad.set("GrantRead", "nonsense");
  EXPECT_THROW(acl_from_request(bad, "1", "1"), AwsError);
  Doc both = Doc::map();
  both.set("ACL", "private");
  both.set("GrantRead", "id=x");
  EXPECT_THROW(acl_from_request(both, "1", "1"), AwsError);
  EXPECT_FALSE(acl_from_request(Doc::map(), "1", "1"));
}

TEST(S3Access, Actions) {
  Doc none = Doc::map();
  Doc versioned = Doc::map();
  versioned.set("VersionId", "v");
  EXPECT_EQ(action_of("GetObject", none), "s3:GetObject");
  EXPECT_EQ(action_of("GetObject", versioned), "s3:GetObjectVersion");
  EXPECT_EQ(action_of("HeadBucket", none), "s3:ListBucket");
  EXPECT_EQ(action_of("ListObjectsV2", none), "s3:ListBucket");
  EXPECT_EQ(action_of("DeleteObject", versioned), "s3:DeleteObjectVersion");
  EXPECT_EQ(action_of("PutBucketCors", none), "s3:PutBucketCORS");
  EXPECT_EQ(action_of("PutBucketPolicy", none), "s3:PutBucketPolicy");
}

}  // namespace
}  // namespace stratus::s3
