// The durable put records of the events queue (api.h: encode_put / decode_put).
#include <gtest/gtest.h>

#include "services/events/api.h"

namespace stratus::events {
namespace {

TEST(EventsPut, RoundTrip) {
  PutRequest p{"000000000000", "eu-west-1",
               Entry{"aws.ssm", "Parameter Store Change", R"({"name":"/a"})", {"arn:1", "arn:2"}, "2026-01-01T00:00:00Z",
                     "custom"}};
  auto back = decode_put(encode_put(p));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->account, p.account);
  EXPECT_EQ(back->region, p.region);
  EXPECT_EQ(back->entry.source, p.entry.source);
  EXPECT_EQ(back->entry.detail_type, p.entry.detail_type);
  EXPECT_EQ(back->entry.detail, p.entry.detail);
  EXPECT_EQ(back->entry.resources, p.entry.resources);
  EXPECT_EQ(back->entry.time, p.entry.time);
  EXPECT_EQ(back->entry.bus, p.entry.bus);
}

TEST(EventsPut, RefusesWhatIsNotAPutRecord) {
  for (const char* bad : {"", "{", "[]", "42", R"({"account":"1"})", R"({"account":"1","region":"r"})",
                          R"({"account":"1","region":"r","source":7})"})
    EXPECT_FALSE(decode_put(bad)) << bad;
}

}  // namespace
}  // namespace stratus::events
