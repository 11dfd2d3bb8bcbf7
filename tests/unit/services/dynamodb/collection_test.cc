// DynamoDB item collections (tables with local secondary indexes): sizes kept by the write path,
// ItemCollectionMetrics, and the 10 GB limit checked before a write that would cross it.
#include <gtest/gtest.h>

#include "core/json.h"
#include "services/dynamodb/store.h"
#include "storage/engine.h"

using namespace stratus;
using namespace stratus::dynamodb;

namespace {

std::shared_ptr<TableInfo> lsi_table() {
  auto t = std::make_shared<TableInfo>();
  t->account = "123456789012";
  t->region = "us-east-1";
  t->name = "t";
  t->id = 7;
  t->hash = KeyDef{"pk", Type::S};
  t->range = KeyDef{"sk", Type::S};
  IndexInfo ix;
  ix.name = "lsi";
  ix.global = false;
  ix.id = 8;
  ix.keys.hash = {KeyDef{"pk", Type::S}};
  ix.keys.range = {KeyDef{"o", Type::S}};
  ix.projection = "KEYS_ONLY";
  t->indexes.push_back(ix);
  return t;
}

void put(storage::Engine& e, Catalog& cat, TablePtr t, const Item& item) {
  std::vector<ItemWrite> w(1);
  w[0].table = t;
  w[0].key = item_key(*t, item);
  w[0].key_attrs = key_of(*t, item);
  w[0].compute = [item](const Item*) -> std::optional<Item> { return item; };
  commit(e, cat, w, true, 0);
}

Item make(const char* pk, const char* sk, const char* o) {
  Item it;
  it["pk"] = Value::str(pk);
  it["sk"] = Value::str(sk);
  if (o) it["o"] = Value::str(o);
  return it;
}

}  // namespace

TEST(DynamoCollections, SizeCountsItemsAndLocalIndexEntries) {
  auto e = storage::open_memory();
  Catalog cat;
  TablePtr t = lsi_table();
  Item a = make("p", "1", "x");
  Item b = make("p", "2", nullptr);  // not in the LSI
  put(*e, cat, t, a);
  put(*e, cat, t, b);
  put(*e, cat, t, make("q", "1", "x"));  // another collection
  int64_t expect = collection_bytes(*t, a) + collection_bytes(*t, b);
  EXPECT_EQ(collection_bytes(*t, b), static_cast<int64_t>(item_size(b)));
  EXPECT_EQ(collection_bytes(*t, a), static_cast<int64_t>(item_size(a) + item_size(a) + 100));
  EXPECT_EQ(cat.collection_size(*e, *t, Value::str("p")), expect);
  // A fresh catalog (a restart) reads the same size back from storage.
  Catalog fresh;
  EXPECT_EQ(fresh.collection_size(*e, *t, Value::str("p")), expect);
  Doc m = collection_metrics(*e, cat, *t, a);
  EXPECT_EQ(json::write(m), R"({"ItemCollectionKey":{"pk":{"S":"p"}},"SizeEstimateRangeGB":[0.0,1.0]})");
}

TEST(DynamoCollections, WriteThatWouldCrossTenGigabytesFails) {
  auto e = storage::open_memory();
  Catalog cat;
  TablePtr t = lsi_table();
  put(*e, cat, t, make("p", "1", "x"));
  int64_t now = cat.collection_size(*e, *t, Value::str("p"));
  cat.collection_changed(*t, Value::str("p"), kMaxCollectionBytes - now - 10);  // 10 bytes left
  try {
    put(*e, cat, t, make("p", "2", "y"));
    FAIL() << "no error";
  } catch (const AwsError& err) {
    EXPECT_EQ(err.code, "ItemCollectionSizeLimitExceededException");
  }
  std::string v;
  EXPECT_TRUE(e->get(kItems, item_key(*t, make("p", "2", nullptr)), &v).not_found());
  // Shrinking or other collections still work.
  put(*e, cat, t, make("p", "1", nullptr));
  put(*e, cat, t, make("q", "1", "x"));
}
