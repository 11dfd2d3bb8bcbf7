#include "core/doc.h"
#include "core/error.h"
#include "core/json.h"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

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

// json::escape writes exactly what RapidJSON's writer writes inside a string's quotes.
TEST(Doc, JsonEscapeMatchesRapidJson) {
  auto reference = [](std::string_view s) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    std::string out(sb.GetString(), sb.GetSize());
    return out.substr(1, out.size() - 2);
  };
  std::vector<std::string> cases = {"", "plain", "say \"hi\"\n\u00e9 \\ / \x7f", std::string("a\0b", 3)};
  for (int c = 0; c < 256; ++c) cases.push_back(std::string(1, static_cast<char>(c)) + "x" + std::string(1, static_cast<char>(c)));
  for (const auto& s : cases) {
    EXPECT_EQ(json::escape(s), reference(s));
    EXPECT_EQ(json::escaped_size(s), reference(s).size());
    std::string out = "prefix:";
    json::escape_into(out, s);
    EXPECT_EQ(out, "prefix:" + reference(s));
  }
}

}  // namespace
}  // namespace stratus
