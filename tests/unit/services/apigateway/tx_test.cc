// apigateway/tx.h: read-modify-write of one REST API document. Accessors and lookups throw
// NotFoundException with AWS's messages, save() writes back under the caller's account and region,
// status-code entries and section entries (authorizers, models, validators) are put, patched,
// listed and deleted as the handlers do it.
#include "services/apigateway/tx.h"

#include <gtest/gtest.h>

#include <functional>

#include "../running.h"
#include "core/json.h"
#include "storage/engine.h"

namespace stratus::apigateway {
namespace {

class ApigwTx : public ::testing::Test {
 protected:
  static constexpr const char* kAccount = "111122223333";
  static constexpr const char* kRegion = "eu-west-1";

  ApigwTx() : run_({"apigateway"}, false, kAccount, kRegion), oc_(run_.op_context("apigateway", "GetRestApi", 1000)) {
    store_.save(run_.ctx.storage(), kAccount, kRegion, "api1", json::parse(R"({
      "id":"api1","name":"pets",
      "resources":{"r1":{"id":"r1","path":"/","resourceMethods":{
        "GET":{"httpMethod":"GET","methodResponses":{"200":{"statusCode":"200"}},
               "methodIntegration":{"type":"MOCK","integrationResponses":{}}},
        "POST":{"httpMethod":"POST"}}}},
      "authorizers":{"a1":{"id":"a1","name":"auth"},"a2":{"id":"a2","name":"other"}}})"));
  }

  // The NotFoundException message `f` throws ("" when it throws none).
  static std::string not_found(const std::function<void()>& f) {
    try {
      f();
    } catch (const AwsError& e) {
      EXPECT_EQ(e.code, "NotFoundException");
      EXPECT_EQ(e.http_status, 404);
      return e.message;
    }
    return "";
  }
  Doc stored() { return *store_.load(run_.ctx.storage(), kAccount, kRegion, "api1"); }

  unit::Running run_;
  std::unique_ptr<OpContext> oc_;
  Store store_;
  const Section authorizers_{"authorizers", "authorizerId", "Invalid authorizer identifier specified"};
};

TEST_F(ApigwTx, MissingApiAndParts) {
  EXPECT_EQ(not_found([&] { ApiTx tx(*oc_, store_, "nope"); }),
            std::string("Invalid API identifier specified ") + kAccount + ":nope");
  EXPECT_EQ(not_found([&] { load_api(*oc_, store_, "nope"); }),
            std::string("Invalid API identifier specified ") + kAccount + ":nope");
  // Another account or region does not see it.
  oc_->caller.region = "us-east-1";
  EXPECT_NE(not_found([&] { ApiTx tx(*oc_, store_, "api1"); }), "");
  oc_->caller.region = kRegion;
  ApiTx tx(*oc_, store_, "api1");
  EXPECT_TRUE(tx.lock.owns_lock());
  EXPECT_EQ(tx.doc.str("name"), "pets");
  EXPECT_EQ(not_found([&] { tx.resource("r9"); }), "Invalid Resource identifier specified");
  EXPECT_EQ(not_found([&] { tx.method("r9", "GET"); }), "Invalid Resource identifier specified");
  EXPECT_EQ(not_found([&] { tx.method("r1", "PUT"); }), "Invalid Method identifier specified");
  EXPECT_EQ(not_found([&] { tx.integration("r1", "POST"); }), "Invalid Integration identifier specified");
  EXPECT_EQ(tx.integration(json::parse(R"({"resourceId":"r1","httpMethod":"GET"})")).str("type"), "MOCK");
  EXPECT_EQ(tx.method("r1", "POST").str("httpMethod"), "POST");
}

TEST_F(ApigwTx, LockIsHeldUntilDestroyed) {
  {
    ApiTx tx(*oc_, store_, "api1");
    EXPECT_FALSE(store_.mu.try_lock());
  }
  ASSERT_TRUE(store_.mu.try_lock());
  store_.mu.unlock();
}

TEST_F(ApigwTx, SectionSaveAndPatch) {
  {
    ApiTx tx(*oc_, store_, "api1");
    EXPECT_TRUE(tx.section("models").is_map());
    tx.section("models").set("m", Doc::map());
    tx.doc.set("name", "cats");  // not saved: the transaction ends without save()
  }
  EXPECT_EQ(stored().str("name"), "pets");
  EXPECT_FALSE(stored().has("models"));
  {
    ApiTx tx(*oc_, store_, "api1");
    tx.doc.set("name", "cats");
    tx.save();
  }
  EXPECT_EQ(stored().str("name"), "cats");
  uint64_t gen = store_.generation();
  ApiTx tx(*oc_, store_, "api1");
  Doc out =
      tx.patch(tx.resource("r1"), json::parse(R"({"patchOperations":[{"op":"replace","path":"/path","value":"/x"}]})"));
  EXPECT_EQ(out.str("path"), "/x");
  EXPECT_GT(store_.generation(), gen);
  EXPECT_EQ(stored()["resources"]["r1"].str("path"), "/x");
}

TEST_F(ApigwTx, StatusEntries) {
  ApiTx tx(*oc_, store_, "api1");
  Doc& integration = tx.integration("r1", "GET");
  Doc put = put_status_entry(tx, integration, "integrationResponses",
                             json::parse(R"({"statusCode":"400","selectionPattern":"4\\d{2}","ignored":1})"),
                             {"selectionPattern"});
  EXPECT_EQ(json::write(put), R"({"selectionPattern":"4\\d{2}","statusCode":"400"})");
  EXPECT_EQ(
      stored()["resources"]["r1"]["resourceMethods"]["GET"]["methodIntegration"]["integrationResponses"]["400"].str(
          "selectionPattern"),
      "4\\d{2}");
  Doc patched = update_status_entry(
      tx, integration, "integrationResponses",
      json::parse(
          R"({"statusCode":"400","patchOperations":[{"op":"replace","path":"/selectionPattern","value":"x"}]})"));
  EXPECT_EQ(patched.str("selectionPattern"), "x");
  EXPECT_EQ(not_found([&] {
              update_status_entry(tx, integration, "integrationResponses", json::parse(R"({"statusCode":"500"})"));
            }),
            "Invalid Response status code specified");
  Doc api = stored();
  EXPECT_EQ(find_status_entry(find_integration(api, json::parse(R"({"resourceId":"r1","httpMethod":"GET"})"), "none"),
                              "integrationResponses", "400")
                .str("selectionPattern"),
            "x");
  delete_status_entry(tx, integration, "integrationResponses", json::parse(R"({"statusCode":"400"})"));
  EXPECT_EQ(not_found([&] {
              delete_status_entry(tx, integration, "integrationResponses", json::parse(R"({"statusCode":"400"})"));
            }),
            "Invalid Response status code specified");
  EXPECT_FALSE(
      stored()["resources"]["r1"]["resourceMethods"]["GET"]["methodIntegration"]["integrationResponses"].has("400"));
}

TEST_F(ApigwTx, ReadOnlyLookups) {
  Doc api = load_api(*oc_, store_, "api1");
  EXPECT_EQ(find_method(api, "r1", "GET").str("httpMethod"), "GET");
  EXPECT_EQ(find_method(api, json::parse(R"({"resourceId":"r1","httpMethod":"POST"})")).str("httpMethod"), "POST");
  EXPECT_EQ(not_found([&] { find_method(api, "r2", "GET"); }), "Invalid Resource identifier specified");
  EXPECT_EQ(not_found([&] { find_method(api, "r1", "DELETE"); }), "Invalid Method identifier specified");
  EXPECT_EQ(not_found([&] { find_method(Doc::map(), "r1", "GET"); }), "Invalid Resource identifier specified");
  EXPECT_EQ(not_found([&] {
              find_integration(api, json::parse(R"({"resourceId":"r1","httpMethod":"POST"})"), "No integration");
            }),
            "No integration");
  const Doc& get = find_method(api, "r1", "GET");
  EXPECT_EQ(find_status_entry(get, "methodResponses", "200").str("statusCode"), "200");
  EXPECT_EQ(not_found([&] { find_status_entry(get, "methodResponses", "201"); }),
            "Invalid Response status code specified");
  EXPECT_EQ(not_found([&] { find_status_entry(get, "nothing", "200"); }), "Invalid Response status code specified");
}

TEST_F(ApigwTx, SectionEntries) {
  Doc in = json::parse(R"({"restApiId":"api1","authorizerId":"a1"})");
  EXPECT_EQ(get_entry(*oc_, store_, in, authorizers_).str("name"), "auth");
  Doc list = list_entries(*oc_, store_, in, authorizers_);
  ASSERT_EQ(list["items"].as_list().size(), 2u);
  Doc patch = json::parse(
      R"({"restApiId":"api1","authorizerId":"a1","patchOperations":[{"op":"replace","path":"/name","value":"n2"}]})");
  EXPECT_EQ(update_entry(*oc_, store_, patch, authorizers_).str("name"), "n2");
  EXPECT_EQ(stored()["authorizers"]["a1"].str("name"), "n2");
  delete_entry(*oc_, store_, in, authorizers_);
  EXPECT_FALSE(stored()["authorizers"].has("a1"));
  for (auto* f : {&get_entry, &update_entry, &delete_entry})
    EXPECT_EQ(not_found([&] { (*f)(*oc_, store_, in, authorizers_); }), "Invalid authorizer identifier specified");
  Doc models = json::parse(R"({"restApiId":"api1"})");
  EXPECT_TRUE(list_entries(*oc_, store_, models, Section{"models", "modelName", "x"})["items"].as_list().empty());
  EXPECT_NE(not_found([&] { list_entries(*oc_, store_, json::parse(R"({"restApiId":"zz"})"), authorizers_); }), "");
}

}  // namespace
}  // namespace stratus::apigateway
