#include "model/model.h"

#include <gtest/gtest.h>

namespace stratus::model {
namespace {

// Every embedded model must load: a model we can't parse is a service we can't speak.
TEST(Model, EveryEmbeddedModelLoads) {
  auto ids = Models::ids();
  ASSERT_GE(ids.size(), 20u);
  for (const auto& id : ids) {
    const ServiceModel* m = Models::get(id);
    ASSERT_NE(m, nullptr) << id;
    EXPECT_FALSE(m->operations.empty()) << id;
    EXPECT_FALSE(m->protocol.empty()) << id;
  }
}

// Start-up reads only the summary (metadata head of each model): it must agree with the full model.
TEST(Model, SummaryMatchesFullModel) {
  for (const auto& id : Models::ids()) {
    const ModelSummary* s = Models::summary(id);
    const ServiceModel* m = Models::get(id);
    ASSERT_TRUE(s && m) << id;
    std::vector<std::string> names;
    for (const auto& [name, op] : m->operations) names.push_back(name);
    EXPECT_EQ(s->operations, names) << id;
    EXPECT_EQ(s->protocol, m->protocol) << id;
    EXPECT_EQ(s->protocols, m->protocols) << id;
    EXPECT_EQ(s->signing_name, m->signing_name) << id;
    EXPECT_TRUE(s->has_operation(names.front())) << id;
    EXPECT_FALSE(s->has_operation("NoSuchOperation")) << id;
  }
}

TEST(Model, DynamoDbShapes) {
  const ServiceModel* m = Models::get("dynamodb");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->protocol, "json");
  EXPECT_EQ(m->target_prefix, "DynamoDB_20120810");
  const Operation* put = m->find_operation("PutItem");
  ASSERT_NE(put, nullptr);
  const Member* table = put->input->find_member("TableName");
  ASSERT_NE(table, nullptr);
  EXPECT_TRUE(table->required);
  EXPECT_EQ(table->shape->type, ShapeType::string);
  EXPECT_EQ(*table->shape->max, 1024);
  EXPECT_NE(m->error_shapes.find("ResourceNotFoundException"), m->error_shapes.end());
}

TEST(Model, RestUriTemplates) {
  const ServiceModel* s3 = Models::get("s3");
  const Operation* put = s3->find_operation("PutObject");
  ASSERT_EQ(put->uri.segments.size(), 2u);
  EXPECT_EQ(put->uri.segments[0].label, "Bucket");
  EXPECT_EQ(put->uri.segments[1].label, "Key");
  EXPECT_TRUE(put->uri.segments[1].greedy);
  const Operation* mpu = s3->find_operation("CreateMultipartUpload");
  ASSERT_EQ(mpu->uri.query.size(), 1u);
  EXPECT_EQ(mpu->uri.query[0].first, "uploads");
  EXPECT_TRUE(put->input->find_member("Body")->streaming);
}

TEST(Model, QueryProtocolMetadata) {
  const ServiceModel* sts = Models::get("sts");
  EXPECT_EQ(sts->protocol, "query");
  EXPECT_EQ(sts->xml_namespace, "https://sts.amazonaws.com/doc/2011-06-15/");
  EXPECT_EQ(sts->find_operation("GetCallerIdentity")->result_wrapper, "GetCallerIdentityResult");
}

}  // namespace
}  // namespace stratus::model
