#include "auth/policy.h"

#include <gtest/gtest.h>

namespace stratus::auth::policy {
namespace {

const std::string kBucket = "arn:aws:s3:::bucket";

Policy must_parse(const std::string& text, ParseOptions o = {}) {
  auto p = parse(text, o);
  EXPECT_TRUE(p.ok()) << p.error.message << "\n" << text;
  return p.ok() ? *p.policy : Policy{};
}

std::string error_of(const std::string& text, ParseOptions o = {}) {
  auto p = parse(text, o);
  EXPECT_FALSE(p.ok()) << text;
  return p.error.message;
}

Request req(std::string action = "s3:GetObject", std::string resource = kBucket + "/key") {
  Request r;
  r.principal.account = "111122223333";
  r.principal.arn = "arn:aws:iam::111122223333:user/alice";
  r.action = std::move(action);
  r.resource = std::move(resource);
  r.set("aws:username", "alice");
  r.set("aws:PrincipalAccount", "111122223333");
  return r;
}

// A policy with one Allow statement (any principal, any s3 action on the bucket) and a Condition.
Policy with_condition(const std::string& condition) {
  return must_parse(R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*",
                      "Resource":"arn:aws:s3:::bucket/*","Condition":)" +
                    condition + "}}");
}

bool holds(const std::string& condition, const Request& r) {
  return evaluate(with_condition(condition), r) == Decision::allow;
}

TEST(PolicyWildcard, Match) {
  EXPECT_TRUE(wildcard_match("a*c", "abbbc"));
  EXPECT_TRUE(wildcard_match("a?c", "abc"));
  EXPECT_FALSE(wildcard_match("a?c", "ac"));
  EXPECT_TRUE(wildcard_match("*", ""));
  EXPECT_TRUE(wildcard_match("S3:get*", "s3:GetObject", true));
  EXPECT_FALSE(wildcard_match("S3:get*", "s3:GetObject", false));
  EXPECT_TRUE(wildcard_match("a\\*b", "a*b"));
  EXPECT_FALSE(wildcard_match("a\\*b", "axb"));
  EXPECT_TRUE(wildcard_match(escape_wildcards("x?*\\"), "x?*\\"));
  EXPECT_FALSE(wildcard_match("a*b*c*d*e", std::string(20000, 'a')));
}

TEST(PolicyParse, AcceptsDocumentedForms) {
  auto p = must_parse(R"({"Version":"2012-10-17","Id":"x","Statement":[
      {"Sid":"1","Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:root",
        "arn:aws:iam::111122223333:user/bob","arn:aws:sts::111122223333:assumed-role/R/s"]},
       "Action":["s3:GetObject","s3:List*"],"Resource":["arn:aws:s3:::bucket","arn:aws:s3:::bucket/*"]},
      {"Sid":"2","Effect":"Deny","NotPrincipal":{"Service":"lambda.amazonaws.com"},"NotAction":"s3:*",
       "NotResource":"arn:aws:s3:::other/*"},
      {"Effect":"Allow","Principal":{"CanonicalUser":")" +
                          std::string(64, 'a') + R"("},"Action":"*","Resource":"*",
       "Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*"]},"Null":{"s3:x":"true"}}}]})",
                      {.principal = PrincipalRule::required});
  ASSERT_EQ(p.statements.size(), 3u);
  EXPECT_TRUE(p.statements[1].not_principal);
  EXPECT_TRUE(p.statements[1].not_action);
  EXPECT_TRUE(p.statements[1].not_resource);
  EXPECT_EQ(p.statements[2].conditions.size(), 2u);
  EXPECT_TRUE(p.variables());
  EXPECT_FALSE(must_parse(R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}})").variables());
}

TEST(PolicyParse, MalformedMessages) {
  EXPECT_EQ(error_of("not json"), "Policies must be valid JSON and the first byte must be '{'");
  EXPECT_EQ(error_of("{\"Statement\":"), "This policy contains invalid Json");
  EXPECT_EQ(error_of(R"({"Version":"2012-10-17"})"), "Missing required field Statement");
  EXPECT_EQ(error_of(R"({"Version":"2012-10-17","Statement":[]})"), "Missing required field Statement");
  EXPECT_EQ(error_of(R"({"Version":"2020-01-01","Statement":[]})"), "The policy must contain a valid version string");
  EXPECT_EQ(error_of(R"({"Foo":1,"Statement":[]})"), "Unknown field Foo");
  EXPECT_EQ(error_of(R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Bar":1}})"),
            "Unknown field Bar");
  EXPECT_EQ(error_of(R"({"Statement":{"Action":"s3:*","Resource":"*"}})"), "Missing required field Effect");
  EXPECT_EQ(error_of(R"({"Statement":{"Effect":"Maybe","Action":"s3:*","Resource":"*"}})"), "Invalid effect: Maybe");
  EXPECT_EQ(error_of(R"({"Statement":{"Effect":"Allow","Resource":"*"}})"), "Missing required field Action");
  EXPECT_EQ(error_of(R"({"Statement":{"Effect":"Allow","Action":"s3:*"}})"), "Missing required field Resource");
  EXPECT_TRUE(parse(R"({"Statement":{"Effect":"Allow","Action":"s3:*"}})", {.require_resource = false}).ok());
  EXPECT_EQ(error_of(R"({"Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}})"),
            "Policy has invalid action");
  EXPECT_EQ(error_of(R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}})"),
            "Policy has invalid resource");
  EXPECT_EQ(error_of(R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}})",
                     {.principal = PrincipalRule::required}),
            "Missing required field Principal");
  EXPECT_EQ(error_of(R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}})",
                     {.principal = PrincipalRule::forbidden}),
            "Policy document should not specify a principal.");
  for (const char* bad : {R"("someone")", R"({"AWS":"12345"})", R"({"AWS":"arn:aws:iam::111122223333:thing/x"})",
                          R"({"Nobody":"x"})", R"({"AWS":[]})", R"({"CanonicalUser":"abc"})", R"({"Service":"a*"})"})
    EXPECT_EQ(error_of(std::string(R"({"Statement":{"Effect":"Allow","Principal":)") + bad +
                       R"(,"Action":"s3:*","Resource":"*"}})"),
              "Invalid principal in policy")
        << bad;
  EXPECT_EQ(
      error_of(
          R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringFoo":{"a":"b"}}}})"),
      "Invalid Condition type : StringFoo");
  EXPECT_EQ(
      error_of(R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"a":"maybe"}}}})"),
      "Invalid Condition value for Bool : maybe");
  EXPECT_EQ(error_of(R"({"Statement":[{"Sid":"a","Effect":"Allow","Action":"s3:*","Resource":"*"},
                                      {"Sid":"a","Effect":"Deny","Action":"s3:*","Resource":"*"}]})"),
            "Statement IDs (SID) in a single policy must be unique.");
  EXPECT_EQ(error_of(R"({"Statement":{"Effect":"Allow","Action":"s3:*","NotAction":"x:y","Resource":"*"}})"),
            "Invalid policy syntax.");
  EXPECT_EQ(parse(std::string(100, ' ') + "{}", {.max_bytes = 50}).error.kind, ErrorKind::too_large);
}

TEST(PolicyEvaluate, DenyBeatsAllowAndImplicitDeny) {
  auto p = must_parse(R"({"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Principal":"*","Action":"s3:Get*","Resource":"arn:aws:s3:::bucket/*"},
      {"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/secret/*"}]})");
  EXPECT_EQ(evaluate(p, req()), Decision::allow);
  EXPECT_EQ(evaluate(p, req("s3:getobject")), Decision::allow);  // actions are case-insensitive
  EXPECT_EQ(evaluate(p, req("s3:GetObject", kBucket + "/secret/x")), Decision::explicit_deny);
  EXPECT_EQ(evaluate(p, req("s3:PutObject")), Decision::implicit_deny);
  EXPECT_EQ(evaluate(p, req("s3:GetObject", "arn:aws:s3:::BUCKET/key")), Decision::implicit_deny);  // resources are not
}

TEST(PolicyEvaluate, Principals) {
  auto allow = [](const std::string& principal) {
    return must_parse(R"({"Statement":{"Effect":"Allow","Principal":)" + principal +
                      R"(,"Action":"s3:*","Resource":"*"}})");
  };
  Request anon = req();
  anon.principal = {};
  EXPECT_EQ(evaluate(allow(R"("*")"), anon), Decision::allow);
  EXPECT_EQ(evaluate(allow(R"({"AWS":"*"})"), anon), Decision::allow);
  EXPECT_EQ(evaluate(allow(R"({"AWS":"111122223333"})"), anon), Decision::implicit_deny);
  EXPECT_EQ(evaluate(allow(R"({"AWS":"111122223333"})"), req()), Decision::allow);
  EXPECT_EQ(evaluate(allow(R"({"AWS":"arn:aws:iam::111122223333:root"})"), req()), Decision::allow);
  EXPECT_EQ(evaluate(allow(R"({"AWS":"444455556666"})"), req()), Decision::implicit_deny);
  EXPECT_EQ(evaluate(allow(R"({"AWS":"arn:aws:iam::111122223333:user/alice"})"), req()), Decision::allow);
  EXPECT_EQ(evaluate(allow(R"({"AWS":"arn:aws:iam::111122223333:user/bob"})"), req()), Decision::implicit_deny);
  Request session = req();
  session.principal.arn = "arn:aws:sts::111122223333:assumed-role/Reader/s1";
  EXPECT_EQ(evaluate(allow(R"({"AWS":"arn:aws:iam::111122223333:role/Reader"})"), session), Decision::allow);
  EXPECT_EQ(evaluate(allow(R"({"AWS":"arn:aws:iam::111122223333:role/Writer"})"), session), Decision::implicit_deny);
  Request svc;
  svc.principal.service = "lambda.amazonaws.com";
  svc.action = "s3:GetObject";
  svc.resource = "x";
  EXPECT_EQ(evaluate(allow(R"({"Service":["sns.amazonaws.com","lambda.amazonaws.com"]})"), svc), Decision::allow);
  EXPECT_EQ(evaluate(allow(R"({"Service":"sns.amazonaws.com"})"), svc), Decision::implicit_deny);
  Request canon = req();
  canon.principal.canonical_id = std::string(64, 'b');
  EXPECT_EQ(evaluate(allow(R"({"CanonicalUser":")" + std::string(64, 'b') + R"("})"), canon), Decision::allow);
  Request fed = req();
  fed.principal.federated = "cognito-identity.amazonaws.com";
  EXPECT_EQ(evaluate(allow(R"({"Federated":"cognito-identity.amazonaws.com"})"), fed), Decision::allow);
  auto notp = must_parse(
      R"({"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}})");
  EXPECT_EQ(evaluate(notp, req()), Decision::implicit_deny);
  EXPECT_EQ(evaluate(notp, anon), Decision::explicit_deny);
}

TEST(PolicyEvaluate, NotActionNotResource) {
  auto p = must_parse(
      R"({"Statement":{"Effect":"Allow","NotAction":"s3:Delete*","NotResource":"arn:aws:s3:::bucket/private/*"}})");
  EXPECT_EQ(evaluate(p, req()), Decision::allow);
  EXPECT_EQ(evaluate(p, req("s3:DeleteObject")), Decision::implicit_deny);
  EXPECT_EQ(evaluate(p, req("s3:GetObject", kBucket + "/private/a")), Decision::implicit_deny);
}

TEST(PolicyEvaluate, PolicyVariables) {
  auto p = must_parse(R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*",
      "Resource":["arn:aws:s3:::bucket/home/${aws:username}/*","arn:aws:s3:::bucket/${*}literal${?}",
                  "arn:aws:s3:::bucket/acct/${aws:PrincipalAccount}","arn:aws:s3:::bucket/d/${aws:nothing, 'none'}"]}})");
  EXPECT_EQ(evaluate(p, req("s3:GetObject", kBucket + "/home/alice/x")), Decision::allow);
  EXPECT_EQ(evaluate(p, req("s3:GetObject", kBucket + "/home/bob/x")), Decision::implicit_deny);
  EXPECT_EQ(evaluate(p, req("s3:GetObject", kBucket + "/*literal?")), Decision::allow);
  EXPECT_EQ(evaluate(p, req("s3:GetObject", kBucket + "/xliteraly")), Decision::implicit_deny);
  EXPECT_EQ(evaluate(p, req("s3:GetObject", kBucket + "/acct/111122223333")), Decision::allow);
  EXPECT_EQ(evaluate(p, req("s3:GetObject", kBucket + "/d/none")), Decision::allow);
  // A username holding wildcards matches only itself.
  Request r = req("s3:GetObject", kBucket + "/home/zed/x");
  r.set("aws:username", "*");
  EXPECT_EQ(evaluate(p, r), Decision::implicit_deny);
  r.resource = kBucket + "/home/*/x";
  EXPECT_EQ(evaluate(p, r), Decision::allow);
  // Missing variable: that entry matches nothing.
  Request nouser = req("s3:GetObject", kBucket + "/home//x");
  nouser.keys.erase("aws:username");
  EXPECT_EQ(evaluate(p, nouser), Decision::implicit_deny);
  // 2008-10-17: variables are text.
  auto old = must_parse(
      R"({"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bucket/${aws:username}"}})");
  EXPECT_EQ(evaluate(old, req("s3:GetObject", kBucket + "/alice")), Decision::implicit_deny);
  EXPECT_EQ(evaluate(old, req("s3:GetObject", kBucket + "/${aws:username}")), Decision::allow);
}

TEST(PolicyCondition, StringOperators) {
  Request r = req();
  r.set("s3:prefix", "Home/Alice");
  EXPECT_TRUE(holds(R"({"StringEquals":{"s3:prefix":["x","Home/Alice"]}})", r));
  EXPECT_FALSE(holds(R"({"StringEquals":{"s3:prefix":"home/alice"}})", r));
  EXPECT_TRUE(holds(R"({"StringEquals":{"S3:PREFIX":"Home/Alice"}})", r));  // key names are case-insensitive
  EXPECT_TRUE(holds(R"({"StringNotEquals":{"s3:prefix":"home/alice"}})", r));
  EXPECT_FALSE(holds(R"({"StringNotEquals":{"s3:prefix":["a","Home/Alice"]}})", r));
  EXPECT_TRUE(holds(R"({"StringEqualsIgnoreCase":{"s3:prefix":"home/alice"}})", r));
  EXPECT_FALSE(holds(R"({"StringNotEqualsIgnoreCase":{"s3:prefix":"home/ALICE"}})", r));
  EXPECT_TRUE(holds(R"({"StringLike":{"s3:prefix":"Home/*"}})", r));
  EXPECT_TRUE(holds(R"({"StringLike":{"s3:prefix":"Home/Alic?"}})", r));
  EXPECT_FALSE(holds(R"({"StringLike":{"s3:prefix":"home/*"}})", r));
  EXPECT_TRUE(holds(R"({"StringNotLike":{"s3:prefix":"Other/*"}})", r));
  EXPECT_FALSE(holds(R"({"StringNotLike":{"s3:prefix":"Home*"}})", r));
  // Variables in condition values; a literal operator compares the text.
  EXPECT_TRUE(holds(R"({"StringLike":{"s3:prefix":"Home/${aws:username}"}})", [&] {
    Request x = r;
    x.set("aws:username", "Alice");
    return x;
  }()));
  Request star = r;
  star.set("s3:prefix", "a*");
  EXPECT_TRUE(holds(R"({"StringEquals":{"s3:prefix":"a${*}"}})", star));
}

TEST(PolicyCondition, MissingKeysAndIfExists) {
  Request r = req();
  EXPECT_FALSE(holds(R"({"StringEquals":{"s3:prefix":"a"}})", r));
  EXPECT_TRUE(holds(R"({"StringNotEquals":{"s3:prefix":"a"}})", r));
  EXPECT_TRUE(holds(R"({"StringEqualsIfExists":{"s3:prefix":"a"}})", r));
  r.set("s3:prefix", "b");
  EXPECT_FALSE(holds(R"({"StringEqualsIfExists":{"s3:prefix":"a"}})", r));
  EXPECT_TRUE(holds(R"({"Null":{"s3:absent":"true"}})", r));
  EXPECT_FALSE(holds(R"({"Null":{"s3:prefix":"true"}})", r));
  EXPECT_TRUE(holds(R"({"Null":{"s3:prefix":"false"}})", r));
  // Operators, keys: AND.
  EXPECT_FALSE(holds(R"({"StringEquals":{"s3:prefix":"b","aws:username":"bob"}})", r));
  EXPECT_TRUE(holds(R"({"StringEquals":{"s3:prefix":"b","aws:username":"alice"}})", r));
  EXPECT_FALSE(holds(R"({"StringEquals":{"s3:prefix":"b"},"StringLike":{"aws:username":"x*"}})", r));
}

TEST(PolicyCondition, Numeric) {
  Request r = req();
  r.set("s3:max-keys", "10");
  EXPECT_TRUE(holds(R"({"NumericEquals":{"s3:max-keys":10}})", r));
  EXPECT_TRUE(holds(R"({"NumericEquals":{"s3:max-keys":"10.0"}})", r));
  EXPECT_TRUE(holds(R"({"NumericNotEquals":{"s3:max-keys":"11"}})", r));
  EXPECT_TRUE(holds(R"({"NumericLessThan":{"s3:max-keys":"11"}})", r));
  EXPECT_FALSE(holds(R"({"NumericLessThan":{"s3:max-keys":"10"}})", r));
  EXPECT_TRUE(holds(R"({"NumericLessThanEquals":{"s3:max-keys":"10"}})", r));
  EXPECT_TRUE(holds(R"({"NumericGreaterThan":{"s3:max-keys":"9.5"}})", r));
  EXPECT_FALSE(holds(R"({"NumericGreaterThan":{"s3:max-keys":"10"}})", r));
  EXPECT_TRUE(holds(R"({"NumericGreaterThanEquals":{"s3:max-keys":"10"}})", r));
  EXPECT_FALSE(holds(R"({"NumericEquals":{"s3:max-keys":"ten"}})", r));
  EXPECT_FALSE(holds(R"({"NumericEquals":{"s3:max-keys":"0x0a"}})", r));
}

TEST(PolicyCondition, Date) {
  Request r = req();
  r.set("aws:CurrentTime", "2026-06-01T12:00:00Z");
  EXPECT_TRUE(holds(R"({"DateEquals":{"aws:CurrentTime":"2026-06-01T12:00:00Z"}})", r));
  EXPECT_TRUE(holds(R"({"DateNotEquals":{"aws:CurrentTime":"2026-06-01T12:00:01Z"}})", r));
  EXPECT_TRUE(holds(R"({"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}})", r));
  EXPECT_FALSE(holds(R"({"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}})", r));
  EXPECT_TRUE(holds(R"({"DateLessThanEquals":{"aws:CurrentTime":"2026-06-01T12:00:00Z"}})", r));
  EXPECT_TRUE(holds(R"({"DateGreaterThan":{"aws:CurrentTime":"2026-01-01"}})", r));
  EXPECT_TRUE(holds(R"({"DateGreaterThanEquals":{"aws:CurrentTime":"1780315200"}})", r));  // epoch seconds
  EXPECT_FALSE(holds(R"({"DateGreaterThan":{"aws:CurrentTime":"not a date"}})", r));
}

TEST(PolicyCondition, BoolBinaryIp) {
  Request r = req();
  r.set("aws:SecureTransport", "false");
  EXPECT_TRUE(holds(R"({"Bool":{"aws:SecureTransport":"false"}})", r));
  EXPECT_TRUE(holds(R"({"Bool":{"aws:SecureTransport":false}})", r));
  EXPECT_FALSE(holds(R"({"Bool":{"aws:SecureTransport":"true"}})", r));
  r.set("s3:binary", "hello");
  EXPECT_TRUE(holds(R"({"BinaryEquals":{"s3:binary":"aGVsbG8="}})", r));
  EXPECT_FALSE(holds(R"({"BinaryEquals":{"s3:binary":"aGVsbG9="}})", r));
  r.set("aws:SourceIp", "192.168.1.77");
  EXPECT_TRUE(holds(R"({"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.1.0/24"]}})", r));
  EXPECT_FALSE(holds(R"({"IpAddress":{"aws:SourceIp":"192.168.2.0/24"}})", r));
  EXPECT_TRUE(holds(R"({"IpAddress":{"aws:SourceIp":"192.168.1.77"}})", r));
  EXPECT_TRUE(holds(R"({"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}})", r));
  EXPECT_FALSE(holds(R"({"NotIpAddress":{"aws:SourceIp":"192.0.0.0/2"}})", r));
  r.set("aws:SourceIp", "2001:db8::1");
  EXPECT_TRUE(holds(R"({"IpAddress":{"aws:SourceIp":"2001:db8::/32"}})", r));
  EXPECT_FALSE(holds(R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}})", r));
}

TEST(PolicyCondition, Arn) {
  Request r = req();
  r.set("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic");
  EXPECT_TRUE(holds(R"({"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:topic"}})", r));
  EXPECT_TRUE(holds(R"({"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}})", r));
  EXPECT_FALSE(holds(R"({"ArnLike":{"aws:SourceArn":"arn:aws:sqs:*:*:*"}})", r));
  EXPECT_TRUE(holds(R"({"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:other"}})", r));
  EXPECT_FALSE(holds(R"({"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*"}})", r));
  // '*' does not cross the ARN's colons.
  EXPECT_FALSE(holds(R"({"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:topic"}})", r));
}

TEST(PolicyCondition, SetOperators) {
  Request r = req();
  r.add("aws:TagKeys", "env");
  r.add("aws:TagKeys", "team");
  EXPECT_TRUE(holds(R"({"ForAllValues:StringEquals":{"aws:TagKeys":["env","team","cost"]}})", r));
  EXPECT_FALSE(holds(R"({"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}})", r));
  EXPECT_TRUE(holds(R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}})", r));
  EXPECT_FALSE(holds(R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["x"]}})", r));
  EXPECT_TRUE(holds(R"({"ForAnyValue:StringLike":{"aws:TagKeys":["te*"]}})", r));
  EXPECT_TRUE(holds(R"({"ForAllValues:StringNotEquals":{"aws:TagKeys":["x"]}})", r));
  EXPECT_FALSE(holds(R"({"ForAllValues:StringNotEquals":{"aws:TagKeys":["env"]}})", r));
  EXPECT_TRUE(holds(R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env"]}})", r));
  Request none = req();
  EXPECT_TRUE(holds(R"({"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}})", none));
  EXPECT_FALSE(holds(R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}})", none));
}

TEST(PolicyPublic, Detects) {
  auto pub = [](const std::string& st) { return is_public(must_parse(R"({"Statement":[)" + st + "]}")); };
  EXPECT_TRUE(pub(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"})"));
  EXPECT_TRUE(pub(R"({"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*"})"));
  EXPECT_FALSE(pub(R"({"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*"})"));
  EXPECT_FALSE(pub(R"({"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"*"})"));
  EXPECT_FALSE(pub(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*",
                      "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}})"));
  EXPECT_TRUE(pub(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*",
                     "Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}})"));
  EXPECT_FALSE(pub(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*",
                      "Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}})"));
  EXPECT_TRUE(pub(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*",
                     "Condition":{"StringLike":{"aws:SourceAccount":"*"}}})"));
}

}  // namespace
}  // namespace stratus::auth::policy

namespace stratus::auth::policy {
namespace {

TEST(PolicyCache, ParsesOncePerTextAndOptions) {
  std::string text =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]})";
  auto a = parse_cached(text, {.principal = PrincipalRule::required});
  auto b = parse_cached(text, {.principal = PrincipalRule::required});
  ASSERT_TRUE(a);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_FALSE(parse_cached(text, {.principal = PrincipalRule::forbidden}));
  EXPECT_FALSE(parse_cached("{nope", {}));
}

TEST(PolicyCaller, GlobalKeys) {
  Request r;
  set_caller(r, "111111111111", "arn:aws:iam::111111111111:user/bob", "AIDAX");
  EXPECT_EQ(r.principal.arn, "arn:aws:iam::111111111111:user/bob");
  EXPECT_EQ(r.find("aws:PrincipalType")->front(), "User");
  EXPECT_EQ(r.find("aws:username")->front(), "bob");
  EXPECT_EQ(r.find("aws:userid")->front(), "AIDAX");
  Request s;
  set_caller(s, "111111111111", "", "");
  EXPECT_EQ(s.principal.arn, "arn:aws:iam::111111111111:root");
  EXPECT_EQ(s.find("aws:PrincipalType")->front(), "Account");
  EXPECT_EQ(s.find("aws:userid")->front(), "111111111111");
  EXPECT_EQ(s.find("aws:username"), nullptr);
}

}  // namespace
}  // namespace stratus::auth::policy
