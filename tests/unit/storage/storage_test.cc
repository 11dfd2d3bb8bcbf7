// One typed suite, run against every engine: services must not be able to tell them apart.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include "storage/engine.h"

namespace stratus::storage {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "stratus-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct MemoryEngineFactory {
  std::unique_ptr<Engine> open() { return open_memory(); }
};

struct RocksEngineFactory {
  TempDir dir;
  std::unique_ptr<Engine> open() { return open_rocksdb({dir.path(), false}); }
};

template <typename Factory>
class StorageTest : public ::testing::Test {
 protected:
  StorageTest() : engine_(factory_.open()) {}

  std::vector<std::pair<std::string, std::string>> collect(std::string_view ks,
                                                           const ScanOptions& o) {
    std::vector<std::pair<std::string, std::string>> out;
    auto it = engine_->scan(ks, o);
    for (; it->valid(); it->next()) out.emplace_back(it->key(), it->value());
    EXPECT_TRUE(it->status().ok()) << it->status().message;
    return out;
  }
  std::vector<std::string> keys(std::string_view ks, const ScanOptions& o = {}) {
    std::vector<std::string> out;
    for (auto& [k, v] : collect(ks, o)) out.push_back(k);
    return out;
  }
  std::string must_get(std::string_view ks, std::string_view key,
                       const Snapshot* snap = nullptr) {
    std::string v;
    Status s = engine_->get(ks, key, &v, snap);
    EXPECT_TRUE(s.ok()) << "get " << key << ": " << s.message;
    return v;
  }
  bool absent(std::string_view ks, std::string_view key, const Snapshot* snap = nullptr) {
    std::string v;
    return engine_->get(ks, key, &v, snap).not_found();
  }

  Factory factory_;
  std::unique_ptr<Engine> engine_;
};

using Engines = ::testing::Types<MemoryEngineFactory, RocksEngineFactory>;
class EngineNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, MemoryEngineFactory> ? "Memory" : "RocksDB";
  }
};
TYPED_TEST_SUITE(StorageTest, Engines, EngineNames);

TYPED_TEST(StorageTest, PutGetDelete) {
  auto& e = *this->engine_;
  ASSERT_TRUE(e.put("t", "k", "v1").ok());
  EXPECT_EQ(this->must_get("t", "k"), "v1");
  ASSERT_TRUE(e.put("t", "k", "v2").ok());  // overwrite
  EXPECT_EQ(this->must_get("t", "k"), "v2");
  ASSERT_TRUE(e.del("t", "k").ok());
  EXPECT_TRUE(this->absent("t", "k"));
  EXPECT_TRUE(e.del("t", "k").ok());  // deleting an absent key is ok
  EXPECT_TRUE(e.del("never-written", "k").ok());
}

TYPED_TEST(StorageTest, NotFoundLeavesValueUntouched) {
  std::string v = "sentinel";
  EXPECT_TRUE(this->engine_->get("t", "missing", &v).not_found());
  EXPECT_EQ(v, "sentinel");
  EXPECT_TRUE(this->engine_->get("t", "missing", nullptr).not_found());
}

TYPED_TEST(StorageTest, KeyspacesAreIsolated) {
  auto& e = *this->engine_;
  // "a" is a prefix of "a.b": a prefix-encoded engine must still keep them apart.
  ASSERT_TRUE(e.put("a", "k", "in-a").ok());
  ASSERT_TRUE(e.put("a.b", "k", "in-a.b").ok());
  ASSERT_TRUE(e.put("ab", "", "in-ab").ok());
  EXPECT_EQ(this->must_get("a", "k"), "in-a");
  EXPECT_EQ(this->must_get("a.b", "k"), "in-a.b");
  EXPECT_TRUE(this->absent("b", "k"));
  EXPECT_EQ(this->keys("a"), std::vector<std::string>{"k"});
  EXPECT_EQ(this->keys("a.b"), std::vector<std::string>{"k"});
  EXPECT_EQ(this->keys("ab"), std::vector<std::string>{""});
  ASSERT_TRUE(e.del("a", "k").ok());
  EXPECT_EQ(this->must_get("a.b", "k"), "in-a.b");
}

TYPED_TEST(StorageTest, InvalidKeyspaceNamesAreRejected) {
  auto& e = *this->engine_;
  EXPECT_EQ(e.put("", "k", "v").code, Code::invalid_argument);
  EXPECT_EQ(e.put(std::string_view("a\0b", 3), "k", "v").code, Code::invalid_argument);
  EXPECT_EQ(e.get("", "k", nullptr).code, Code::invalid_argument);
  auto it = e.scan("", {});
  EXPECT_FALSE(it->valid());
  EXPECT_EQ(it->status().code, Code::invalid_argument);
}

TYPED_TEST(StorageTest, ScanIsBytewiseOrdered) {
  auto& e = *this->engine_;
  // High bytes sort after low ones (unsigned comparison), shorter prefixes first.
  std::vector<std::string> want = {"", std::string("\0", 1), "A", "a", "ab", "b",
                                   "\x7f", "\x80", "\xff", "\xff\xff"};
  for (auto it = want.rbegin(); it != want.rend(); ++it) ASSERT_TRUE(e.put("t", *it, "v").ok());
  EXPECT_EQ(this->keys("t"), want);
}

TYPED_TEST(StorageTest, ScanBoundsAreInclusiveExclusive) {
  auto& e = *this->engine_;
  for (const char* k : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(e.put("t", k, k).ok());
  ScanOptions o;
  o.start = "b";
  o.end = "d";
  EXPECT_EQ(this->keys("t", o), (std::vector<std::string>{"b", "c"}));
  o.start = "bb";  // between keys
  o.end = "";      // unbounded
  EXPECT_EQ(this->keys("t", o), (std::vector<std::string>{"c", "d", "e"}));
  o.start = "";
  o.end = "c";
  EXPECT_EQ(this->keys("t", o), (std::vector<std::string>{"a", "b"}));
  o.start = "d";
  o.end = "b";  // inverted: empty, not an error
  EXPECT_TRUE(this->keys("t", o).empty());
  o.start = "c";
  o.end = "c";
  EXPECT_TRUE(this->keys("t", o).empty());
  auto kv = this->collect("t", {"c", "d", false, nullptr});
  ASSERT_EQ(kv.size(), 1u);
  EXPECT_EQ(kv[0].second, "c");
}

TYPED_TEST(StorageTest, ReverseScan) {
  auto& e = *this->engine_;
  for (const char* k : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(e.put("t", k, k).ok());
  ASSERT_TRUE(e.put("u", "zz", "other keyspace").ok());
  ScanOptions o;
  o.reverse = true;
  EXPECT_EQ(this->keys("t", o), (std::vector<std::string>{"e", "d", "c", "b", "a"}));
  o.start = "b";
  o.end = "d";
  EXPECT_EQ(this->keys("t", o), (std::vector<std::string>{"c", "b"}));
  o.start = "bb";
  o.end = "";
  EXPECT_EQ(this->keys("t", o), (std::vector<std::string>{"e", "d", "c"}));
  o.start = "x";
  EXPECT_TRUE(this->keys("t", o).empty());
}

TYPED_TEST(StorageTest, PrefixScanWithFfBytes) {
  auto& e = *this->engine_;
  const std::vector<std::string> all = {"a",        "a\xfe",     "a\xff",        std::string("a\xff\0", 3),
                                        "a\xff\xff", "a\xff\xff\x01", "b",       "\xff",
                                        "\xff\xff", std::string("\xff\xff\0x", 4)};
  for (const auto& k : all) ASSERT_TRUE(e.put("t", k, "v").ok());
  auto collect_prefix = [&](std::string_view p) {
    std::vector<std::string> out;
    auto it = e.prefix("t", p);
    for (; it->valid(); it->next()) out.emplace_back(it->key());
    return out;
  };
  EXPECT_EQ(collect_prefix("a\xff"),
            (std::vector<std::string>{"a\xff", std::string("a\xff\0", 3), "a\xff\xff",
                                      "a\xff\xff\x01"}));
  EXPECT_EQ(collect_prefix("a\xff\xff"),
            (std::vector<std::string>{"a\xff\xff", "a\xff\xff\x01"}));
  // An all-0xff prefix has no upper bound: the scan runs to the end of the keyspace only.
  EXPECT_EQ(collect_prefix("\xff"),
            (std::vector<std::string>{"\xff", "\xff\xff", std::string("\xff\xff\0x", 4)}));
  EXPECT_EQ(collect_prefix("").size(), all.size());
  EXPECT_TRUE(collect_prefix("c").empty());
}

TYPED_TEST(StorageTest, EmptyValuesAndBinaryKeys) {
  auto& e = *this->engine_;
  const std::string nul_key("k\0ey\0", 5);
  const std::string nul_val("\0\x01\0", 3);
  ASSERT_TRUE(e.put("t", "empty", "").ok());
  ASSERT_TRUE(e.put("t", nul_key, nul_val).ok());
  ASSERT_TRUE(e.put("t", "k", "plain").ok());  // must not be confused with "k\0ey\0"
  std::string v = "x";
  ASSERT_TRUE(e.get("t", "empty", &v).ok());  // present with an empty value, not absent
  EXPECT_EQ(v, "");
  EXPECT_EQ(this->must_get("t", nul_key), nul_val);
  EXPECT_EQ(this->must_get("t", "k"), "plain");
  auto kv = this->collect("t", {});
  ASSERT_EQ(kv.size(), 3u);
  EXPECT_EQ(kv[0].first, "empty");
  EXPECT_EQ(kv[1].first, "k");
  EXPECT_EQ(kv[2].first, nul_key);
  EXPECT_EQ(kv[2].second, nul_val);
}

TYPED_TEST(StorageTest, ConditionsPass) {
  auto& e = *this->engine_;
  ASSERT_TRUE(e.put("t", "x", "1").ok());
  WriteBatch b;
  b.require({Condition::Kind::exists, "t", "x", {}});
  b.require({Condition::Kind::not_exists, "t", "y", {}});
  b.require({Condition::Kind::equals, "t", "x", "1"});
  b.put("t", "x", "2");
  b.put("t", "y", "new");
  b.del("u", "whatever");
  ASSERT_TRUE(e.write(b).ok());
  EXPECT_EQ(this->must_get("t", "x"), "2");
  EXPECT_EQ(this->must_get("t", "y"), "new");
}

TYPED_TEST(StorageTest, FailedConditionWritesNothing) {
  auto& e = *this->engine_;
  ASSERT_TRUE(e.put("t", "x", "1").ok());
  ASSERT_TRUE(e.put("t", "gone", "still here").ok());
  std::vector<Condition> failing = {
      {Condition::Kind::exists, "t", "missing", {}},
      {Condition::Kind::not_exists, "t", "x", {}},
      {Condition::Kind::equals, "t", "x", "2"},
      {Condition::Kind::equals, "t", "missing", ""},  // absent is not equal to empty
      {Condition::Kind::exists, "other", "x", {}},    // same key, other keyspace
  };
  for (const auto& bad : failing) {
    WriteBatch b;
    b.require({Condition::Kind::exists, "t", "x", {}});  // a passing one as well
    b.require(bad);
    b.put("t", "x", "changed");
    b.put("t2", "new", "v");
    b.del("t", "gone");
    Status s = e.write(b);
    EXPECT_TRUE(s.conflict()) << bad.key << " " << static_cast<int>(bad.kind);
    EXPECT_EQ(this->must_get("t", "x"), "1");
    EXPECT_TRUE(this->absent("t2", "new"));
    EXPECT_EQ(this->must_get("t", "gone"), "still here");
  }
}

TYPED_TEST(StorageTest, ConditionsOnEmptyValue) {
  auto& e = *this->engine_;
  ASSERT_TRUE(e.put("t", "e", "").ok());
  WriteBatch b;
  b.require({Condition::Kind::equals, "t", "e", ""});
  b.require({Condition::Kind::exists, "t", "e", {}});
  b.put("t", "e", "set");
  ASSERT_TRUE(e.write(b).ok());
  EXPECT_EQ(this->must_get("t", "e"), "set");
}

// Compare-and-set increments from many threads: any lost update or non-atomic check shows up as
// a final count below the number of successful increments.
TYPED_TEST(StorageTest, ConcurrentCompareAndSetIncrements) {
  auto& e = *this->engine_;
  ASSERT_TRUE(e.put("t", "counter", "0").ok());
  constexpr int kThreads = 8, kPerThread = 150;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread;) {
        std::string cur;
        ASSERT_TRUE(e.get("t", "counter", &cur).ok());
        WriteBatch b;
        b.require({Condition::Kind::equals, "t", "counter", cur});
        b.put("t", "counter", std::to_string(std::stoi(cur) + 1));
        // An unconditional write in the same batch to a per-thread key: it must not be
        // applied when the condition fails.
        b.put("t", "log" + std::to_string(t) + "-" + std::to_string(i), cur);
        Status s = e.write(b);
        if (s.ok()) {
          ++i;
        } else {
          ASSERT_TRUE(s.conflict()) << s.message;
          ++conflicts;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(this->must_get("t", "counter"), std::to_string(kThreads * kPerThread));
  // Every successful increment saw a distinct previous value.
  std::set<std::string> seen;
  for (auto& [k, v] : this->collect("t", {"log", "loh", false, nullptr})) seen.insert(v);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread));
}

// Counter adds (WriteBatch::add) from many threads lose no update; a batch whose condition
// fails applies none of its adds; negative deltas work.
TYPED_TEST(StorageTest, CounterAddsAreAtomic) {
  auto& e = *this->engine_;
  constexpr int kThreads = 8, kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        WriteBatch b;
        b.add("c", "n", 3);
        b.add("c", "n", -1);
        b.add("c", "bytes", 10);
        ASSERT_TRUE(e.write(b).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(WriteBatch::decode_counter(this->must_get("c", "n")), 2 * kThreads * kPerThread);
  EXPECT_EQ(WriteBatch::decode_counter(this->must_get("c", "bytes")), 10 * kThreads * kPerThread);
  WriteBatch failing;
  failing.require({Condition::Kind::exists, "c", "absent", {}});
  failing.add("c", "n", 1000);
  EXPECT_TRUE(e.write(failing).conflict());
  EXPECT_EQ(WriteBatch::decode_counter(this->must_get("c", "n")), 2 * kThreads * kPerThread);
  WriteBatch neg;
  neg.add("c", "fresh", -5);
  ASSERT_TRUE(e.write(neg).ok());
  EXPECT_EQ(WriteBatch::decode_counter(this->must_get("c", "fresh")), -5);
}

// A conditional batch must be atomic against plain puts too. Claims succeed only against
// "none", which precedes the plain put, so once the put is acknowledged no claim can land after
// it: the final value must be the put's. A put slipping between a claim's check and its write
// would be overwritten by "claimed".
TYPED_TEST(StorageTest, ConditionalBatchAtomicAgainstPlainWrites) {
  auto& e = *this->engine_;
  for (int round = 0; round < 100; ++round) {
    const std::string key = "owner" + std::to_string(round);
    ASSERT_TRUE(e.put("t", key, "none").ok());
    std::atomic<bool> go{false};
    std::vector<std::thread> claimers;
    for (int c = 0; c < 2; ++c)
      claimers.emplace_back([&] {
        while (!go) std::this_thread::yield();
        for (int i = 0; i < 20; ++i) {
          WriteBatch b;
          b.require({Condition::Kind::equals, "t", key, "none"});
          b.put("t", key, "claimed");
          Status s = e.write(b);
          ASSERT_TRUE(s.ok() || s.conflict()) << s.message;
        }
      });
    go = true;
    ASSERT_TRUE(e.put("t", key, "plain").ok());
    for (auto& t : claimers) t.join();
    ASSERT_EQ(this->must_get("t", key), "plain") << "round " << round;
  }
}

TYPED_TEST(StorageTest, SnapshotIsolation) {
  auto& e = *this->engine_;
  ASSERT_TRUE(e.put("t", "a", "old").ok());
  ASSERT_TRUE(e.put("t", "b", "old").ok());
  auto snap = e.snapshot();
  ASSERT_TRUE(e.put("t", "a", "new").ok());
  ASSERT_TRUE(e.del("t", "b").ok());
  ASSERT_TRUE(e.put("t", "c", "new").ok());
  ASSERT_TRUE(e.put("fresh-keyspace", "k", "new").ok());

  EXPECT_EQ(this->must_get("t", "a", snap.get()), "old");
  EXPECT_EQ(this->must_get("t", "b", snap.get()), "old");
  EXPECT_TRUE(this->absent("t", "c", snap.get()));
  EXPECT_TRUE(this->absent("fresh-keyspace", "k", snap.get()));
  ScanOptions o;
  o.snapshot = snap.get();
  EXPECT_EQ(this->collect("t", o),
            (std::vector<std::pair<std::string, std::string>>{{"a", "old"}, {"b", "old"}}));
  auto it = e.prefix("t", "", snap.get());
  ASSERT_TRUE(it->valid());
  EXPECT_EQ(it->value(), "old");

  // The live view has moved on.
  EXPECT_EQ(this->must_get("t", "a"), "new");
  EXPECT_TRUE(this->absent("t", "b"));
  EXPECT_EQ(this->keys("t"), (std::vector<std::string>{"a", "c"}));
}

TYPED_TEST(StorageTest, ClearDeletesEverything) {
  auto& e = *this->engine_;
  ASSERT_TRUE(e.put("a", "k", "v").ok());
  ASSERT_TRUE(e.put("b", "\xff\xff", "v").ok());
  ASSERT_TRUE(e.put("\x7f", "k", "v").ok());
  auto snap = e.snapshot();
  ASSERT_TRUE(e.clear().ok());
  EXPECT_TRUE(this->absent("a", "k"));
  EXPECT_TRUE(this->keys("a").empty());
  EXPECT_TRUE(this->keys("b").empty());
  EXPECT_TRUE(this->keys("\x7f").empty());
  EXPECT_EQ(this->must_get("a", "k", snap.get()), "v");  // a snapshot predates the reset
  snap.reset();
  ASSERT_TRUE(e.put("a", "k", "after").ok());  // usable afterwards
  EXPECT_EQ(this->must_get("a", "k"), "after");
}

TYPED_TEST(StorageTest, IteratorStableUnderConcurrentWrites) {
  auto& e = *this->engine_;
  constexpr int kKeys = 2000;
  auto key = [](int i) {
    char buf[16];
    snprintf(buf, sizeof buf, "k%06d", i);
    return std::string(buf);
  };
  for (int i = 0; i < kKeys; i += 2) ASSERT_TRUE(e.put("t", key(i), "orig").ok());

  auto it = e.scan("t", {});
  std::atomic<bool> done{false};
  std::thread writer([&] {
    // Insert between, delete and overwrite existing keys while the iterator walks.
    for (int round = 0; !done && round < 20; ++round)
      for (int i = 0; i < kKeys; ++i) {
        if (i % 2) ASSERT_TRUE(e.put("t", key(i), "new").ok());
        else if (i % 4 == 0) ASSERT_TRUE(e.del("t", key(i)).ok());
        else ASSERT_TRUE(e.put("t", key(i), "changed").ok());
      }
  });
  int n = 0;
  for (; it->valid(); it->next(), ++n) {
    ASSERT_EQ(it->key(), key(2 * n));
    ASSERT_EQ(it->value(), "orig");
    if (n % 100 == 0) std::this_thread::yield();
  }
  done = true;
  writer.join();
  EXPECT_TRUE(it->status().ok());
  EXPECT_EQ(n, kKeys / 2);
}

TEST(StoragePrefixEnd, IncrementsLastByteAndSkipsFf) {
  EXPECT_EQ(prefix_end("abc"), "abd");
  EXPECT_EQ(prefix_end("a\xff"), "b");
  EXPECT_EQ(prefix_end("a\xfe\xff\xff"), "a\xff");
  EXPECT_EQ(prefix_end(std::string_view("\0", 1)), "\x01");
  EXPECT_EQ(prefix_end("\xff\xff"), "");
  EXPECT_EQ(prefix_end(""), "");
}

}  // namespace
}  // namespace stratus::storage
