// DynamoDB's keys are on disk (schema.h): the bytes built with storage::KeyBuilder must stay the
// layouts written before it existed.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "services/dynamodb/schema.h"
#include "services/dynamodb/store.h"
#include "storage/engine.h"

namespace stratus {
namespace {

using namespace dynamodb;

std::string be(uint64_t v, int bytes) {
  std::string s;
  for (int i = bytes - 1; i >= 0; --i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

TEST(DynamoSchema, KeyspacesAreDeclaredOnce) {
  std::set<std::string_view> names;
  for (const auto& ks : kKeyspaces) {
    EXPECT_EQ(ks.name.substr(0, 4), "ddb.");
    EXPECT_FALSE(ks.key.empty());
    EXPECT_FALSE(ks.value.empty());
    EXPECT_TRUE(names.insert(ks.name).second) << ks.name;
  }
  EXPECT_EQ(names.size(), 11u);
}

TEST(DynamoSchema, ItemAndTtlKeysKeepTheirBytes) {
  TableInfo t;
  t.id = 0x0102030405060708ull;
  t.hash = {"pk", Type::S};
  t.range = KeyDef{"sk", Type::N};
  Item key{{"pk", Value::str("a")}, {"sk", Value::num(Decimal::must("12"))}};
  std::string hash_enc, range_enc;
  encode_key_value(key.at("pk"), hash_enc);
  encode_key_value(key.at("sk"), range_enc);
  std::string k = item_key(t, key);
  EXPECT_EQ(k, be(t.id, 8) + be(partition_hash(hash_enc), 2) + hash_enc + range_enc);
  EXPECT_EQ(partition_prefix(t.id, key.at("pk")), k.substr(0, 10 + hash_enc.size()));
  EXPECT_EQ(ttl_key(t.id, 1700000000, k), be(t.id, 8) + be(1700000000, 8) + k.substr(8));
  EXPECT_EQ(table_key("123456789012", "us-east-1", "orders"), std::string("123456789012\0us-east-1\0orders", 29));
}

TEST(DynamoSchema, CountersAddUpByKind) {
  storage::WriteBatch b;
  count_change(b, 7, 2, 100);
  count_change(b, 7, -1, -40);
  auto e = storage::open_memory();
  ASSERT_TRUE(e->write(b).ok());
  Counts c = read_counts(*e, 7);
  EXPECT_EQ(c.items, 1);
  EXPECT_EQ(c.bytes, 60);
  EXPECT_EQ(read_counts(*e, 8).items, 0);
}

}  // namespace
}  // namespace stratus
