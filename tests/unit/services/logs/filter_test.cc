// FilterLogEvents' filter patterns (services/logs/filter.h).
#include "services/logs/filter.h"

#include <gtest/gtest.h>

namespace stratus::logs {
namespace {

TEST(LogsFilter, EmptyAndStructuredPatternsMatchEverything) {
  EXPECT_TRUE(FilterPattern("").matches("anything"));
  EXPECT_TRUE(FilterPattern("   ").matches("anything"));
  EXPECT_TRUE(FilterPattern("{ $.level = \"ERROR\" }").matches("plain text"));
  EXPECT_TRUE(FilterPattern("[ip, user]").matches("plain text"));
}

TEST(LogsFilter, AllTermsMustAppear) {
  FilterPattern p("ERROR timeout");
  EXPECT_TRUE(p.matches("ERROR: request timeout after 3s"));
  EXPECT_FALSE(p.matches("ERROR: bad input"));
  EXPECT_FALSE(p.matches("timeout"));
}

TEST(LogsFilter, QuotedPhrases) {
  FilterPattern p("\"request failed\"");
  EXPECT_TRUE(p.matches("the request failed twice"));
  EXPECT_FALSE(p.matches("request was not failed"));
}

TEST(LogsFilter, AlternativesAndExclusions) {
  FilterPattern any("?ERROR ?WARN");
  EXPECT_TRUE(any.matches("WARN low disk"));
  EXPECT_TRUE(any.matches("ERROR crash"));
  EXPECT_FALSE(any.matches("INFO ok"));
  FilterPattern none("START -RequestId");
  EXPECT_TRUE(none.matches("START here"));
  EXPECT_FALSE(none.matches("START RequestId: 1"));
}

}  // namespace
}  // namespace stratus::logs
