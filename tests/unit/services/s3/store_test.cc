// The S3 object store over the memory engine: buckets, versioning semantics (null versions,
// delete markers, promotion), data references and the start-up sweep of unreferenced files.
#include "services/s3/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <tuple>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "services/s3/multipart.h"
#include "services/s3/range.h"
#include "services/s3/schema.h"
#include "storage/engine.h"

namespace stratus::s3 {
namespace {

namespace fs = std::filesystem;

class S3StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("s3-store-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    engine_ = storage::open_memory();
    store_ = std::make_unique<Store>(*engine_, root_.string(), false);
    store_->start();
    Bucket b;
    b.name = "bkt";
    b.account = "123456789012";
    b.region = "us-east-1";
    ASSERT_TRUE(store_->create_bucket(b));
  }
  void TearDown() override { fs::remove_all(root_); }

  Bucket bucket() { return store_->require_bucket("bkt"); }
  ObjectVersion put(std::string_view key, std::string_view bytes) {
    ObjectVersion v;
    v.size = bytes.size();
    v.etag = "e";
    v.data = store_->write_data(bytes);
    return store_->put_object(bucket(), key, std::move(v), 1000);
  }
  size_t data_files() {
    size_t n = 0;
    for (auto& e : fs::recursive_directory_iterator(root_ / "data"))
      if (e.is_regular_file()) ++n;
    return n;
  }

  fs::path root_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<Store> store_;
};

TEST_F(S3StoreTest, BucketsAreGlobalAndMustBeEmptyToDelete) {
  Bucket again = bucket();
  again.account = "210987654321";
  EXPECT_FALSE(store_->create_bucket(again));
  put("k", "x");
  try {
    store_->delete_bucket("bkt");
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "BucketNotEmpty");
  }
  store_->delete_object(bucket(), "k", std::nullopt, 2000);
  store_->put_config("bkt", "cors", "{}");
  store_->delete_bucket("bkt");
  EXPECT_FALSE(store_->bucket("bkt"));
  EXPECT_FALSE(store_->config("bkt", "cors"));
}

TEST_F(S3StoreTest, UnversionedReplacesAndFreesData) {
  std::string big(Store::kInlineMax + 1, 'a');
  put("k", big);
  EXPECT_EQ(data_files(), 1u);
  put("k", big);
  EXPECT_EQ(data_files(), 1u);  // the replaced file is gone
  EXPECT_EQ(store_->current("bkt", "k")->version_id, "null");
  store_->delete_object(bucket(), "k", std::nullopt, 3000);
  EXPECT_EQ(data_files(), 0u);
  EXPECT_FALSE(store_->current("bkt", "k"));
}

TEST_F(S3StoreTest, VersioningKeepsVersionsAndMarkers) {
  put("k", "null one");
  Bucket b = bucket();
  b.versioning = "Enabled";
  store_->update_bucket(b);
  ObjectVersion v1 = put("k", "one");
  ObjectVersion v2 = put("k", "two");
  EXPECT_NE(v1.version_id, v2.version_id);
  EXPECT_EQ(store_->read_all(*store_->version("bkt", "k", "null")), "null one");
  Store::Deleted d = store_->delete_object(bucket(), "k", std::nullopt, 5000);
  EXPECT_TRUE(d.delete_marker);
  EXPECT_TRUE(store_->current("bkt", "k")->delete_marker);
  std::vector<std::string> order;
  store_->scan_versions("bkt", "", "", [&](std::string_view, const ObjectVersion& v, bool) {
    order.push_back(v.delete_marker ? "marker" : store_->read_all(v));
    return true;
  });
  EXPECT_EQ(order, (std::vector<std::string>{"marker", "two", "one", "null one"}));
  // Removing the marker makes the newest version current again.
  store_->delete_object(bucket(), "k", d.version_id, 6000);
  EXPECT_EQ(store_->read_all(*store_->current("bkt", "k")), "two");
  store_->delete_object(bucket(), "k", v2.version_id, 7000);
  EXPECT_EQ(store_->read_all(*store_->current("bkt", "k")), "one");
}

TEST_F(S3StoreTest, SuspendedWritesOneNullVersion) {
  Bucket b = bucket();
  b.versioning = "Enabled";
  store_->update_bucket(b);
  ObjectVersion v1 = put("k", "v1");
  b.versioning = "Suspended";
  store_->update_bucket(b);
  put("k", "n1");
  put("k", "n2");
  int nulls = 0, all = 0;
  store_->scan_versions("bkt", "", "", [&](std::string_view, const ObjectVersion& v, bool) {
    nulls += v.version_id == "null";
    ++all;
    return true;
  });
  EXPECT_EQ(nulls, 1);
  EXPECT_EQ(all, 2);
}

TEST_F(S3StoreTest, ChecksRunBeforeCommitAndDiscardData) {
  put("k", "x");
  std::string big(Store::kInlineMax + 10, 'z');
  ObjectVersion v;
  v.data = store_->write_data(big);
  EXPECT_EQ(data_files(), 1u);
  EXPECT_THROW(store_->put_object(bucket(), "k", v, 1,
                                  [](const std::optional<ObjectVersion>& cur) {
                                    if (cur) throw AwsError("PreconditionFailed", "", 412);
                                  }),
               AwsError);
  EXPECT_EQ(data_files(), 0u);  // the refused upload's data is gone
}

// DeleteBucket racing PUTs: a PUT lands before the emptiness check (BucketNotEmpty, the deleter
// removes it and tries again) or finds no bucket; never an object left in a deleted bucket.
TEST_F(S3StoreTest, DeleteBucketRacingPutsLeavesNoObject) {
  for (int round = 0; round < 100; ++round) {
    if (round) {
      Bucket b;
      b.name = "bkt";
      b.account = "123456789012";
      b.region = "us-east-1";
      ASSERT_TRUE(store_->create_bucket(b));
    }
    Bucket b = bucket();
    std::atomic<bool> gone{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 3; ++w)
      writers.emplace_back([&, w] {
        for (int i = 0; i < 40 && !gone; ++i) {
          try {
            ObjectVersion v;
            v.size = 1;
            v.data = store_->write_data("x");
            store_->put_object(b, "k" + std::to_string(w) + "-" + std::to_string(i % 3), std::move(v), 1000);
          } catch (const AwsError& e) {
            EXPECT_EQ(e.code, "NoSuchBucket");
          }
        }
      });
    for (;;) {
      try {
        store_->delete_bucket("bkt");
        gone = true;
        break;
      } catch (const AwsError& e) {
        ASSERT_EQ(e.code, "BucketNotEmpty");
      }
      std::vector<std::string> keys;
      store_->scan_listing("bkt", "", "", false, [&](std::string_view k, const ListedVersion&) {
        keys.emplace_back(k);
        return true;
      });
      for (const auto& k : keys) store_->delete_object(b, k, std::nullopt, 2000);
    }
    for (auto& t : writers) t.join();
    size_t left = 0;
    store_->scan_listing("bkt", "", "", false, [&](std::string_view, const ListedVersion&) {
      ++left;
      return true;
    });
    ASSERT_EQ(left, 0u) << "round " << round;
  }
}

TEST_F(S3StoreTest, SweepRemovesUnreferencedFiles) {
  std::string big(Store::kInlineMax + 1, 'b');
  put("kept", big);
  int fd = store_->new_data_file().second;  // written, never committed (a crash before commit)
  ::close(fd);
  EXPECT_EQ(data_files(), 2u);
  Store again(*engine_, root_.string(), false);
  again.start();
  EXPECT_EQ(data_files(), 1u);
  EXPECT_EQ(again.read_all(*again.current("bkt", "kept")), big);
}

TEST_F(S3StoreTest, ScanCurrentInByteOrder) {
  for (std::string k : {"b", "a/2", "a/1", "\xc3\xbc", "a", "Z"}) put(k, "x");
  std::vector<std::string> keys;
  store_->scan_listing("bkt", "", "", false, [&](std::string_view k, const ListedVersion&) {
    keys.emplace_back(k);
    return true;
  });
  EXPECT_EQ(keys, (std::vector<std::string>{"Z", "a", "a/1", "a/2", "b", "\xc3\xbc"}));
  keys.clear();
  store_->scan_listing("bkt", "a", "a/1", true, [&](std::string_view k, const ListedVersion&) {
    keys.emplace_back(k);
    return true;
  });
  EXPECT_EQ(keys, (std::vector<std::string>{"a/2"}));
}

// Listings read each record's scalar members with a scanner of json::write's text; a record
// with escapes, nested members, flags and a delete marker reads as the whole record does.
TEST_F(S3StoreTest, ScanSummariesMatchWholeRecords) {
  ObjectVersion v;
  v.size = 3;
  v.etag = "abc";
  v.owner = "123456789012";
  v.content_type = "text/\"odd\"\\ \u00e9";
  v.metadata = {{"a", "{\"]["}, {"b", "x\\"}};
  v.tags = {{"k", "v}"}};
  v.checksum_algorithm = "CRC32";
  v.checksum_value = "AAAA";
  v.storage_class = "GLACIER";
  v.restore = "ongoing-request=\"false\"";
  v.parts_count = 2;
  v.extra.set("acl", Doc("x"));
  v.data = store_->write_data("abc");
  store_->put_object(bucket(), "odd", std::move(v), 1000);
  put("plain", "");
  Bucket b = bucket();
  b.versioning = "Enabled";
  store_->update_bucket(b);
  put("marked", "m");
  store_->delete_object(bucket(), "marked", std::nullopt, 2000);
  size_t seen = 0;
  store_->scan_listing("bkt", "", "", false, [&](std::string_view key, const ListedVersion&) {
    auto whole = store_->current("bkt", key);
    EXPECT_TRUE(whole.has_value());
    ObjectVersion s;
    read_summary(*store_->current_text("bkt", key), s);
    auto fields = [](const ObjectVersion& v) {
      return std::make_tuple(v.version_id, v.seq, v.delete_marker, v.last_modified_ms, v.size, v.etag, v.owner,
                             v.content_type, v.checksum_algorithm, v.checksum_value, v.storage_class, v.restore,
                             v.parts_count, v.data.id, v.data.inline_blob);
    };
    EXPECT_EQ(fields(s), fields(*whole)) << key;
    ++seen;
    return true;
  });
  EXPECT_EQ(seen, 3u);
  // The listings' views read the same members.
  auto listed = [](const ListedVersion& v) {
    return std::make_tuple(std::string(v.version_id), v.delete_marker, v.last_modified_ms, v.size, std::string(v.etag),
                           std::string(v.owner), std::string(v.checksum_algorithm), std::string(v.checksum_type),
                           std::string(v.storage_class), v.restored);
  };
  auto of = [](const ObjectVersion& v) {
    return std::make_tuple(v.version_id, v.delete_marker, v.last_modified_ms, v.size, v.etag, v.owner,
                           v.checksum_algorithm, v.checksum_type, v.storage_class, !v.restore.empty());
  };
  seen = 0;
  store_->scan_listing("bkt", "", "", false, [&](std::string_view key, const ListedVersion& s) {
    EXPECT_EQ(listed(s), of(*store_->current("bkt", key))) << key;
    ++seen;
    return true;
  });
  EXPECT_EQ(seen, 3u);
  std::vector<ObjectVersion> whole;
  store_->scan_versions("bkt", "", "", [&](std::string_view, const ObjectVersion& v, bool) {
    whole.push_back(v);
    return true;
  });
  size_t at = 0;
  store_->scan_listed_versions("bkt", "", "", [&](std::string_view key, const ListedVersion& s, bool) {
    EXPECT_LT(at, whole.size());
    if (at < whole.size()) {
      EXPECT_EQ(listed(s), of(whole[at])) << key;
    }
    ++at;
    return true;
  });
  EXPECT_EQ(at, whole.size());
  EXPECT_EQ(at, 4u);  // "marked": its delete marker and the version before it
}

// A record the scanner gives up on (escapes, a fraction) is read whole; its views point into the
// whole decode.
TEST(S3Records, ListedOfOddTexts) {
  ListedVersion v;
  read_listed(R"({"etag":"a\"b","mtime":2000,"owner":"o","sc":"GLACIER","size":2,"vid":"v1"})", v);
  EXPECT_EQ(v.etag, "a\"b");
  EXPECT_EQ(v.size, 2u);
  EXPECT_EQ(v.storage_class, "GLACIER");
  EXPECT_EQ(v.version_id, "v1");
  read_listed(R"({"ck_alg":"CRC32","restore":"x","size":3,"x":{"acl":1}})", v);
  EXPECT_EQ(v.etag, "");
  EXPECT_EQ(v.size, 3u);
  EXPECT_EQ(v.version_id, "null");
  EXPECT_EQ(v.storage_class, "STANDARD");
  EXPECT_EQ(v.checksum_algorithm, "CRC32");
  EXPECT_TRUE(v.restored);
  try {
    read_listed(R"({"size":12345678901234567890})", v);  // beyond int64: the whole decode's answer
  } catch (const AwsError&) {
  }
  read_listed(R"({"dm":true,"mtime":-5,"seq":1234567890123456789012})", v);
  EXPECT_TRUE(v.delete_marker);
  EXPECT_THROW(read_listed("{", v), AwsError);
}

// Bucket and upload records through json::Record: records written before (today's bytes) still
// read; uploads keep their bytes.
TEST_F(S3StoreTest, RecordsOnDiskStillRead) {
  ASSERT_TRUE(engine_
                  ->put(kBuckets.name, bucket_key("old1"),
                        R"({"account":"123456789012","created":1700000000000,"region":"eu-west-1","v":1})")
                  .ok());
  ASSERT_TRUE(engine_
                  ->put(kBuckets.name, bucket_key("old2"),
                        R"({"account":"210987654321","created":5,"mfa_delete":"Disabled","object_lock":true,)"
                        R"("region":"us-east-1","v":1,"versioning":"Enabled","x":{"acl":"private"}})")
                  .ok());
  auto a = store_->bucket("old1");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->name, "old1");
  EXPECT_EQ(a->account, "123456789012");
  EXPECT_EQ(a->region, "eu-west-1");
  EXPECT_EQ(a->created_ms, 1700000000000);
  EXPECT_EQ(a->versioning, "");
  EXPECT_FALSE(a->object_lock);
  auto b = store_->bucket("old2");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->versioning, "Enabled");
  EXPECT_EQ(b->mfa_delete, "Disabled");
  EXPECT_TRUE(b->object_lock);
  EXPECT_EQ(b->extra.str("acl"), "private");
  // A rewrite reads back the same.
  store_->update_bucket(*b);
  auto again = store_->bucket("old2");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->versioning, "Enabled");
  EXPECT_EQ(again->extra.str("acl"), "private");

  const std::string upload =
      R"({"bucket":"bkt","initiated":7,"key":"k","object":{"etag":"","mtime":0,"seq":0,"size":0,"v":1,)"
      R"("vid":"null"},"upload_id":"u1","v":1})";
  ASSERT_TRUE(engine_->put(kUploads.name, upload_key("bkt", "k", "u1"), upload).ok());
  Multipart mp(*engine_, *store_);
  Upload u = mp.require("bkt", "k", "u1");
  EXPECT_EQ(u.initiated_ms, 7);
  EXPECT_EQ(u.upload_id, "u1");
  Upload made = mp.create(bucket(), "k2", ObjectVersion{}, 9);
  std::string raw;
  ASSERT_TRUE(engine_->get(kUploads.name, upload_key("bkt", "k2", made.upload_id), &raw).ok());
  EXPECT_EQ(raw, R"({"bucket":"bkt","initiated":9,"key":"k2","object":{"mtime":0,"seq":0,"size":0,"v":1,)"
                 R"("vid":"null"},"upload_id":")" +
                     made.upload_id + R"(","v":1})");

  // Parts: today's bytes read, and a new part is written in the same form.
  ASSERT_TRUE(engine_
                  ->put(kParts.name, part_key("u1", 2),
                        R"({"checksum":"","data":{"id":"abc","inline":true},"etag":"e","lm":3,"n":2,"size":4,"v":1})")
                  .ok());
  auto parts = mp.parts("u1");
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].number, 2u);
  EXPECT_EQ(parts[0].size, 4u);
  EXPECT_EQ(parts[0].etag, "e");
  EXPECT_EQ(parts[0].last_modified_ms, 3);
  EXPECT_EQ(parts[0].data.id, "abc");
  EXPECT_TRUE(parts[0].data.inline_blob);
  Part p;
  p.number = 3;
  p.size = 1;
  p.etag = "x";
  p.last_modified_ms = 4;
  p.data = store_->write_data("x");
  Part stored = mp.put_part(made, p);
  ASSERT_TRUE(engine_->get(kParts.name, part_key(made.upload_id, 3), &raw).ok());
  EXPECT_EQ(raw, R"({"checksum":"","data":{"id":")" + stored.data.id +
                     R"(","inline":true},"etag":"x","lm":4,"n":3,"size":1,"v":1})");
}

// Object versions through json::Record keep today's sparse bytes, and today's bytes read back.
TEST(S3Records, ObjectVersionBytes) {
  const std::string sparse = R"({"mtime":5,"seq":7,"size":0,"v":1,"vid":"null"})";
  ObjectVersion a = ObjectVersion::from_doc(json::parse(sparse));
  EXPECT_EQ(a.version_id, "null");
  EXPECT_EQ(a.storage_class, "STANDARD");
  EXPECT_EQ(json::write(a.to_doc()), sparse);
  const std::string full =
      R"({"cc":"no-cache","cd":"inline","ce":"gzip","ck":"AAAA","ck_alg":"CRC32","ck_type":"FULL_OBJECT",)"
      R"("cl":"en","ct":"text/plain","data":"d1","dm":true,"etag":"e","exp":"Wed, 21 Oct 2015 07:28:00 GMT",)"
      R"("inline":true,"meta":{"a":"1","b":"2"},"mtime":5,"owner":"123456789012","parts":3,)"
      R"("redirect":"/x","restore":"ongoing-request=\"false\"","sc":"GLACIER","seq":1733500000000000,)"
      R"("size":9,"tags":[["k","v"]],"v":1,"vid":"abc","x":{"acl":"private"}})";
  ObjectVersion b = ObjectVersion::from_doc(json::parse(full));
  EXPECT_EQ(b.version_id, "abc");
  EXPECT_TRUE(b.delete_marker);
  EXPECT_EQ(b.metadata.at("b"), "2");
  ASSERT_EQ(b.tags.size(), 1u);
  EXPECT_EQ(b.tags[0].second, "v");
  EXPECT_EQ(b.storage_class, "GLACIER");
  EXPECT_EQ(b.parts_count, 3);
  EXPECT_EQ(b.data.id, "d1");
  EXPECT_TRUE(b.data.inline_blob);
  EXPECT_EQ(b.extra.str("acl"), "private");
  EXPECT_EQ(json::write(b.to_doc()), full);
  EXPECT_EQ(a.encode(), sparse);
  EXPECT_EQ(b.encode(), full);
}

// encode() writes what json::write(to_doc()) writes, escapes and member order included.
TEST(S3Records, EncodeIsTheDocumentsText) {
  const std::string odd = std::string("q\"b\\s\x01\x1f\n\t/\xc3\xa9\x7f", 13) + std::string(1, '\0') + "z";
  // Every content member set (bit 7), from a record's text.
  const ObjectVersion rich = ObjectVersion::from_doc(json::parse(
      R"({"cc":"no-cache","cd":"inline","ce":"gzip","cl":"en","ct":"text/plain","exp":"Wed, 21 Oct 2015 07:28:00 GMT",)"
      R"("parts":3,"redirect":"/x","restore":"ongoing-request=\"false\"","sc":"GLACIER","mtime":1,"seq":1,"size":1})"));
  for (int mask = 0; mask < (1 << 12); mask += 7) {
    auto on = [&](int bit) { return (mask >> bit) & 1; };
    ObjectVersion v = on(7) ? rich : ObjectVersion{};
    if (on(7)) v.content_type = odd;
    v.version_id = on(0) ? odd : "null";
    v.seq = on(1) ? 18446744073709551615ull : 3;
    v.delete_marker = on(2);
    v.last_modified_ms = on(3) ? -5 : 1733500000123;
    v.size = on(4) ? 0 : 1024;
    v.etag = on(5) ? "" : "0123456789abcdef0123456789abcdef-2";
    v.owner = on(6) ? odd : "123456789012";
    if (on(8)) {
      v.metadata[odd] = odd;
      v.metadata["a"] = "";
      v.metadata["\xff"] = "1";
    }
    if (on(9)) v.tags = {{"k", odd}, {"", "v"}};
    if (on(10)) {
      v.data.id = "d1";
      v.data.inline_blob = on(11);
    }
    if (on(11)) {
      v.checksum_algorithm = "CRC64NVME";
      v.checksum_value = "AAAAAAAAAAA=";
      v.checksum_type = "FULL_OBJECT";
      v.extra.set("sse", odd);
      v.extra.set("headers", Doc::map());
    }
    ASSERT_EQ(v.encode(), json::write(v.to_doc())) << "mask " << mask;
  }
}

// Whatever the text, a summary read answers or throws AwsError (fuzz_s3_parsers goes further).
TEST(S3Records, SummaryOfOddTexts) {
  for (std::string_view t :
       {"[1]", "5", "\"x\"", "{", "{\"etag\":", R"({"size":1.5,"etag":"a"})", R"({"etag":"a\"b","size":2})",
        R"({"size":99999999999999999999999})", R"({"dm":tru})", R"({"meta":{"a":"}"},"size":3})", " { \"size\" : 4 } ",
        R"({"meta":{"a":1},"tags":[1]})"}) {
    ObjectVersion v;
    try {
      read_summary(t, v);
    } catch (const AwsError&) {
    }
  }
  ObjectVersion v;
  read_summary(R"({"etag":"a\"b","size":2})", v);
  EXPECT_EQ(v.etag, "a\"b");
  EXPECT_EQ(v.size, 2u);
  read_summary(R"({"meta":{"a":"}"},"size":3})", v);
  EXPECT_EQ(v.size, 3u);
  EXPECT_EQ(v.etag, "");
  read_summary(" { \"size\" : 4 } ", v);
  EXPECT_EQ(v.size, 4u);
}

TEST(S3Range, ParsesAsS3Does) {
  ByteRange r;
  EXPECT_EQ(parse_range("bytes=0-9", 100, &r), RangeKind::ok);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 9u);
  EXPECT_EQ(parse_range("bytes=-10", 100, &r), RangeKind::ok);
  EXPECT_EQ(r.first, 90u);
  EXPECT_EQ(parse_range("bytes=90-", 100, &r), RangeKind::ok);
  EXPECT_EQ(r.last, 99u);
  EXPECT_EQ(parse_range("bytes=50-500", 100, &r), RangeKind::ok);
  EXPECT_EQ(r.last, 99u);
  EXPECT_EQ(parse_range("bytes=100-", 100, &r), RangeKind::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 100, &r), RangeKind::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=5-1", 100, &r), RangeKind::none);
  EXPECT_EQ(parse_range("bytes=0-1,5-6", 100, &r), RangeKind::none);
  EXPECT_EQ(parse_range("items=0-1", 100, &r), RangeKind::none);
  EXPECT_EQ(parse_range("bytes=99999999999999999999-", 100, &r), RangeKind::none);
}

TEST(S3Token, RoundTrips) {
  auto t = decode_token(encode_token({true, "a/"}));
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->after_prefix);
  EXPECT_EQ(t->value, "a/");
  EXPECT_FALSE(decode_token("garbage!"));
  EXPECT_FALSE(decode_token(""));
}

}  // namespace
}  // namespace stratus::s3
