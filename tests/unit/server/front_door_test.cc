#include "server/front_door.h"

#include <gtest/gtest.h>

#include "storage/engine.h"

namespace stratus {
namespace {

// Routing decides which service (and protocol) a request is for, before any decoding.
class FrontDoorRouting : public ::testing::Test {
 protected:
  FrontDoorRouting() : ctx_(Config{}, storage::open_memory()) {
    for (auto& s : make_services(Config{})) ctx_.add_service(std::move(s));
    door_ = std::make_unique<FrontDoor>(ctx_);
  }
  FrontDoor::Route route(http::Request& req) {
    std::optional<auth::SignedRequestInfo> sig = auth::parse_signature(req);
    return door_->route(req, sig);
  }
  ServerContext ctx_;
  std::unique_ptr<FrontDoor> door_;
};

TEST_F(FrontDoorRouting, QueryActionInFormBodyUnsigned) {
  http::Request req;
  req.method = "POST";
  req.path = "/";
  req.headers.add("Content-Type", "application/x-www-form-urlencoded");
  req.body = "Action=GetCallerIdentity&Version=2011-06-15";
  auto r = route(req);
  ASSERT_NE(r.service, nullptr);
  EXPECT_EQ(r.service->id(), "sts");
  EXPECT_EQ(r.protocol, "query");
}

TEST_F(FrontDoorRouting, QueryActionInQueryString) {
  http::Request req;
  req.method = "GET";
  req.path = "/";
  req.query = "Action=GetCallerIdentity&Version=2011-06-15";
  auto r = route(req);
  ASSERT_NE(r.service, nullptr);
  EXPECT_EQ(r.service->id(), "sts");
}

TEST_F(FrontDoorRouting, CredentialScopeNamesTheService) {
  http::Request req;
  req.method = "POST";
  req.path = "/";
  req.headers.add("Host", "localhost");
  req.headers.add("X-Amz-Date", "20261122T000000Z");
  req.headers.add("Authorization",
                  "AWS4-HMAC-SHA256 Credential=AKID/20261122/eu-west-1/sts/aws4_request, "
                  "SignedHeaders=host;x-amz-date, Signature=abcd");
  auto r = route(req);
  ASSERT_NE(r.service, nullptr);
  EXPECT_EQ(r.service->id(), "sts");
}

TEST_F(FrontDoorRouting, UnknownTargetPrefixIsNoService) {
  http::Request req;
  req.method = "POST";
  req.path = "/";
  req.headers.add("X-Amz-Target", "Nope_20200101.Thing");
  EXPECT_EQ(route(req).service, nullptr);
}

TEST_F(FrontDoorRouting, HandleAnswersInternalAndErrorsWithRequestIds) {
  http::Request req;
  req.method = "POST";
  req.path = "/";
  req.headers.add("Content-Type", "application/x-www-form-urlencoded");
  req.body = "Action=GetCallerIdentity&Version=2011-06-15";
  http::Response got;
  door_->handle(std::move(req), [&](http::Response res) { got = std::move(res); });
  EXPECT_EQ(got.status, 200);
  EXPECT_NE(got.body.find("<Account>000000000000</Account>"), std::string::npos);
  EXPECT_TRUE(got.headers.has("x-amzn-requestid"));
  EXPECT_TRUE(got.headers.has("date"));
}

}  // namespace
}  // namespace stratus
