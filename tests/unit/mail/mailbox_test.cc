// The mailbox: keys are be64(timestamp) be64(sequence) id, so a scan is arrival order and
// `since` starts at a time.
#include <gtest/gtest.h>

#include "mail/mailbox.h"
#include "storage/engine.h"
#include "storage/keys.h"

namespace stratus::mailbox {
namespace {

Mail mail(const std::string& to, int64_t ts, const std::string& body) {
  Mail m;
  m.channel = "sms";
  m.recipient = to;
  m.timestamp_ms = ts;
  m.body = body;
  return m;
}

TEST(SnsMailbox, ArrivalOrderAndSince) {
  auto engine = storage::open_memory();
  ASSERT_TRUE(deliver(*engine, mail("+1555", 2'000, "second")).ok());
  ASSERT_TRUE(deliver(*engine, mail("+1666", 1'000, "first")).ok());
  ASSERT_TRUE(deliver(*engine, mail("+1555", 300'000, "third")).ok());  // bytewise order needs big-endian
  auto all = list(*engine);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].body, "first");
  EXPECT_EQ(all[1].body, "second");
  EXPECT_EQ(all[2].body, "third");
  auto since = list(*engine, "", 2'000);
  ASSERT_EQ(since.size(), 2u);
  EXPECT_EQ(since[0].body, "second");
  auto one = list(*engine, "+1555");
  ASSERT_EQ(one.size(), 2u);
  ASSERT_TRUE(clear(*engine, "+1555").ok());
  EXPECT_EQ(list(*engine).size(), 1u);
}

TEST(SnsMailbox, KeyLayout) {
  auto engine = storage::open_memory();
  Mail m = mail("+1555", 0x0102030405, "x");
  m.id = "id-1";
  ASSERT_TRUE(deliver(*engine, m).ok());
  auto it = engine->scan("mailbox", {});
  ASSERT_TRUE(it->valid());
  storage::KeyReader r(it->key());
  EXPECT_EQ(r.u64(), 0x0102030405u);
  r.u64();  // the process's sequence
  EXPECT_EQ(r.rest(), "id-1");
  EXPECT_EQ(std::string(it->key().substr(0, 8)), std::string("\0\0\0\x01\x02\x03\x04\x05", 8));
}

}  // namespace
}  // namespace stratus::mailbox
