// CloudWatch Logs storage (services/logs/store.h) and the port other services write through
// (services/logs/api.h).
#include "services/logs/store.h"

#include <gtest/gtest.h>

#include "core/json.h"
#include "server/context.h"

namespace stratus::logs {
namespace {

TEST(LogsStore, Be64SortsLikeTheNumber) {
  EXPECT_EQ(be64(0), std::string(8, '\0'));
  EXPECT_EQ(be64(0x0102030405060708ull), "\x01\x02\x03\x04\x05\x06\x07\x08");
  EXPECT_EQ(read_be64(be64(1234567890123ull)), 1234567890123ull);
  EXPECT_LT(be64(255), be64(256));
  EXPECT_LT(be64(1), be64(1ull << 40));
  EXPECT_EQ(read_be64("\x01\x02"), 0x0102u);  // short input: the bytes there are
}

TEST(LogsStore, Keys) {
  EXPECT_EQ(LogStore::scope("a", "r"), std::string("a\0r\0", 4));
  EXPECT_EQ(LogStore::group_key("a", "r", "/g"), std::string("a\0r\0/g", 6));
  EXPECT_EQ(LogStore::stream_key("a", "r", "/g", "s"), std::string("a\0r\0/g\0s", 8));
  EXPECT_EQ(LogStore::events_prefix("a", "r", "/g", "s"), std::string("a\0r\0/g\0s\0", 9));
  EXPECT_EQ(LogStore::group_prefix("a", "r", "/g"), std::string("a\0r\0/g\0", 7));
  EXPECT_EQ(LogStore::group_prefix("a", "r", "/g"), LogStore::stream_key("a", "r", "/g", ""));
}

TEST(LogsStore, AppendWithoutCreateNeedsGroupAndStream) {
  auto db = storage::open_memory();
  LogStore store(*db);
  EXPECT_TRUE(store.append("a", "r", "/g", "s", {{1, "x"}}, false).not_found());
  db->put(LogStore::kGroups, LogStore::group_key("a", "r", "/g"), json::write(LogStore::new_group(5)));
  EXPECT_TRUE(store.append("a", "r", "/g", "s", {{1, "x"}}, false).not_found());
  db->put(LogStore::kStreams, LogStore::stream_key("a", "r", "/g", "s"), json::write(LogStore::new_stream(5)));
  EXPECT_TRUE(store.append("a", "r", "/g", "s", {{1, "x"}}, false).ok());
}

TEST(LogsStore, AppendCreatesAndOrdersByTimestamp) {
  auto db = storage::open_memory();
  LogStore store(*db);
  ASSERT_TRUE(store.append("a", "r", "/aws/lambda/f", "s1", {{300, "third"}, {100, "first"}, {200, "second"}}, true)
                  .ok());
  ASSERT_TRUE(store.load(LogStore::kGroups, LogStore::group_key("a", "r", "/aws/lambda/f")).has_value());
  auto s = store.load(LogStore::kStreams, LogStore::stream_key("a", "r", "/aws/lambda/f", "s1"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->integer("firstEventTimestamp"), 100);
  EXPECT_EQ(s->integer("lastEventTimestamp"), 300);
  EXPECT_EQ(s->integer("storedBytes"), 16);
  std::string prefix = LogStore::events_prefix("a", "r", "/aws/lambda/f", "s1");
  std::vector<std::string> messages;
  for (auto it = db->prefix(LogStore::kEvents, prefix); it->valid(); it->next()) {
    std::string_view key = it->key().substr(prefix.size());
    ASSERT_EQ(key.size(), 16u);  // be64(ts) be64(seq)
    messages.emplace_back(it->value().substr(8));
  }
  EXPECT_EQ(messages, (std::vector<std::string>{"first", "second", "third"}));
  // A second append keeps the stream's range and byte count.
  ASSERT_TRUE(store.append("a", "r", "/aws/lambda/f", "s1", {{50, "zero"}}, false).ok());
  s = store.load(LogStore::kStreams, LogStore::stream_key("a", "r", "/aws/lambda/f", "s1"));
  EXPECT_EQ(s->integer("firstEventTimestamp"), 50);
  EXPECT_EQ(s->integer("lastEventTimestamp"), 300);
  EXPECT_EQ(s->integer("storedBytes"), 20);
}

TEST(LogsStore, DeletePrefix) {
  auto db = storage::open_memory();
  LogStore store(*db);
  std::vector<Event> many;
  for (int i = 0; i < 2500; ++i) many.push_back({i, "m"});
  ASSERT_TRUE(store.append("a", "r", "/g", "s", many, true).ok());
  ASSERT_TRUE(store.append("a", "r", "/g2", "s", {{1, "keep"}}, true).ok());
  store.delete_prefix(LogStore::kEvents, LogStore::group_key("a", "r", "/g") + '\0');
  EXPECT_FALSE(db->prefix(LogStore::kEvents, LogStore::group_key("a", "r", "/g") + '\0')->valid());
  EXPECT_TRUE(db->prefix(LogStore::kEvents, LogStore::group_key("a", "r", "/g2") + '\0')->valid());
}

TEST(LogsApi, AppendThroughThePort) {
  Config c;
  c.ephemeral = true;
  ServerContext server(c, storage::open_memory());
  ASSERT_TRUE(append(server, "a", "r", "/aws/apigateway/x", "s", {{7, "hello"}}, true).ok());
  LogStore store(server.storage());
  auto s = store.load(LogStore::kStreams, LogStore::stream_key("a", "r", "/aws/apigateway/x", "s"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->integer("lastEventTimestamp"), 7);
}

}  // namespace
}  // namespace stratus::logs
