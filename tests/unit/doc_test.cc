#include "core/doc.h"
#include "core/error.h"
#include "core/json.h"

#include <gtest/gtest.h>

namespace stratus {
namespace {

TEST(Doc, JsonRoundTrip) {
  Doc d = json::parse(R"({"a":1,"b":[true,null,"x",2.5],"c":{"d":"é"}})");
  EXPECT_EQ(d.integer("a"), 1);
  EXPECT_TRUE(d.get("b")->as_list()[0].as_bool());
  EXPECT_EQ(d.get("c")->str("d"), "é");
  EXPECT_EQ(json::parse(json::write(d)), d);
}

TEST(Doc, MalformedJsonThrowsSerializationException) {
  for (const char* bad : {"{", "[1,]", "{\"a\":}", "nul", "{} x", "\"\\ud800"}) {
    try {
      json::parse(bad);
      FAIL() << bad;
    } catch (const AwsError& e) {
      EXPECT_EQ(e.code, "SerializationException") << bad;
    }
  }
}

TEST(Doc, DeepNestingIsRejectedNotCrashing) {
  std::string deep(100000, '[');
  EXPECT_THROW(json::parse(deep), AwsError);
}

}  // namespace
}  // namespace stratus
