// CBOR reader/writer (protocol/cbor) and the rpc-v2-cbor codec: round trips through every
// major type, and hostile input that must fail cleanly rather than crash or over-allocate.
#include "protocol/cbor/cbor.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "model/model.h"
#include "protocol/codec.h"

namespace stratus {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

void expect_malformed(const std::string& in) {
  try {
    cbor::decode(in);
    ADD_FAILURE() << "accepted malformed input of size " << in.size();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "SerializationException");
  }
}

TEST(Cbor, RoundTripsEveryType) {
  Doc d = Doc::map();
  d.set("u", int64_t{0});
  d.set("u24", int64_t{24});
  d.set("u64", int64_t{INT64_MAX});
  d.set("neg", int64_t{-1});
  d.set("negbig", int64_t{INT64_MIN});
  d.set("dbl", 1.1);
  d.set("t", true);
  d.set("f", false);
  d.set("s", "ünïcode ✓");
  d.set("empty", "");
  d.set("blob", Blob{std::string("\x00\xff", 2)});
  d.set("ts", Timestamp{1700000000123});
  d.set("ts_whole", Timestamp{1700000000000});
  Doc l = Doc::list();
  l.push(1);
  l.push(Doc::list());
  l.push(Doc::map());
  d.set("list", l);
  std::string enc = cbor::encode(d);
  EXPECT_EQ(cbor::decode(enc), d);
}

TEST(Cbor, KnownEncodings) {
  // RFC 8949 Appendix A examples.
  EXPECT_EQ(cbor::encode(Doc{int64_t{100}}), bytes({0x18, 0x64}));
  EXPECT_EQ(cbor::encode(Doc{int64_t{1000000}}), bytes({0x1a, 0x00, 0x0f, 0x42, 0x40}));
  EXPECT_EQ(cbor::encode(Doc{int64_t{-1000}}), bytes({0x39, 0x03, 0xe7}));
  EXPECT_EQ(cbor::encode(Doc{"a"}), bytes({0x61, 0x61}));
  EXPECT_EQ(cbor::decode(bytes({0xf9, 0x3c, 0x00})).as_double(), 1.0);            // half 1.0
  EXPECT_EQ(cbor::decode(bytes({0xf9, 0xc4, 0x00})).as_double(), -4.0);           // half -4.0
  EXPECT_EQ(cbor::decode(bytes({0xf9, 0x00, 0x01})).as_double(), std::ldexp(1, -24));  // subnormal
  EXPECT_TRUE(std::isinf(cbor::decode(bytes({0xf9, 0x7c, 0x00})).as_double()));
  EXPECT_TRUE(std::isnan(cbor::decode(bytes({0xf9, 0x7e, 0x00})).as_double()));
  EXPECT_EQ(cbor::decode(bytes({0xfa, 0x47, 0xc3, 0x50, 0x00})).as_double(), 100000.0);
  EXPECT_TRUE(cbor::decode(bytes({0xf7})).is_null());  // undefined
  EXPECT_EQ(cbor::decode(bytes({0xc1, 0x1a, 0x51, 0x4b, 0x67, 0xb0})), Doc{Timestamp{1363896240000}});
  EXPECT_EQ(cbor::decode(bytes({0xc1, 0xfb, 0x41, 0xd4, 0x52, 0xd9, 0xec, 0x20, 0x00, 0x00})),
            Doc{Timestamp{1363896240500}});
}

TEST(Cbor, IndefiniteLengths) {
  // (_ h'0102', h'030405')
  EXPECT_EQ(cbor::decode(bytes({0x5f, 0x42, 0x01, 0x02, 0x43, 0x03, 0x04, 0x05, 0xff})),
            Doc{Blob{bytes({1, 2, 3, 4, 5})}});
  // (_ "strea", "ming")
  EXPECT_EQ(cbor::decode(bytes({0x7f, 0x65, 's', 't', 'r', 'e', 'a', 0x64, 'm', 'i', 'n', 'g', 0xff})),
            Doc{"streaming"});
  // {_ "a": 1, "b": [_ 2, 3]}
  Doc d = cbor::decode(bytes({0xbf, 0x61, 'a', 0x01, 0x61, 'b', 0x9f, 0x02, 0x03, 0xff, 0xff}));
  EXPECT_EQ(d.integer("a"), 1);
  EXPECT_EQ(d.get("b")->as_list().size(), 2u);
}

TEST(Cbor, RejectsMalformed) {
  expect_malformed("");
  expect_malformed(bytes({0x18}));                    // truncated argument
  expect_malformed(bytes({0x62, 'a'}));               // truncated string
  expect_malformed(bytes({0x82, 0x01}));              // truncated array
  expect_malformed(bytes({0xbf, 0x61, 'a', 0x01}));   // indefinite map without break
  expect_malformed(bytes({0xff}));                    // stray break
  expect_malformed(bytes({0x1c}));                    // reserved additional info
  expect_malformed(bytes({0x1f}));                    // indefinite integer
  expect_malformed(bytes({0xe0}));                    // simple value 0
  expect_malformed(bytes({0xf8, 0x20}));              // one-byte simple value
  expect_malformed(bytes({0x5f, 0x61, 'a', 0xff}));   // text chunk inside a byte string
  expect_malformed(bytes({0x5f, 0x5f, 0xff, 0xff}));  // nested indefinite chunk
  expect_malformed(bytes({0x62, 0xc3, 0x28}));        // invalid UTF-8
  expect_malformed(bytes({0xa1, 0x01, 0x02}));        // non-text map key
  expect_malformed(bytes({0x01, 0x02}));              // trailing data
  expect_malformed(bytes({0xc1, 0x61, 'x'}));         // tag 1 on a string
}

TEST(Cbor, HugeDeclaredLengthsDoNotAllocate) {
  // Lengths near 2^64 must be refused by comparison with the remaining input, not by trying.
  expect_malformed(bytes({0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  expect_malformed(bytes({0x9b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}));
  expect_malformed(bytes({0xbb, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}));
  expect_malformed(bytes({0x9a, 0x00, 0x01, 0x00, 0x00, 0x01}));
}

TEST(Cbor, DeepNestingIsRefused) {
  std::string deep(100000, static_cast<char>(0x81));  // [[[[...
  deep.push_back(0x00);
  expect_malformed(deep);
  std::string deep_indef(100000, static_cast<char>(0x9f));
  expect_malformed(deep_indef);
  std::string tags(100000, static_cast<char>(0xc6));
  tags.push_back(0x00);
  expect_malformed(tags);
}

TEST(CborCodec, DecodesByShapeAndSkipsUnknownMembers) {
  const auto* svc = model::Models::get("cloudwatch");
  ASSERT_NE(svc, nullptr);
  const protocol::Codec* c = protocol::codec_for("smithy-rpc-v2-cbor");
  http::Request req;
  req.method = "POST";
  req.path = "/service/GraniteServiceVersion20100801/operation/PutMetricData";
  req.headers.add("smithy-protocol", "rpc-v2-cbor");
  const model::Operation* op = c->resolve(*svc, req);
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->name, "PutMetricData");
  std::string body;
  cbor::Writer w(body);
  w.map(3);
  w.text("Namespace");
  w.text("ns");
  w.text("Unknown");
  w.map(1);
  w.text("x");
  w.array(2);
  w.integer(1);
  w.null();
  w.text("MetricData");
  w.array(1);
  w.map(3);
  w.text("MetricName");
  w.text("m");
  w.text("Value");
  w.integer(3);  // an integer where a double is modeled
  w.text("Timestamp");
  w.timestamp(1700000000500);
  req.body = body;
  Doc in = c->decode(*svc, *op, req);
  EXPECT_EQ(in.str("Namespace"), "ns");
  EXPECT_FALSE(in.has("Unknown"));
  const Doc& datum = in.get("MetricData")->as_list()[0];
  EXPECT_TRUE(datum.get("Value")->is_double());
  EXPECT_EQ(datum.get("Timestamp")->as_timestamp().millis, 1700000000500);
}

TEST(CborCodec, TypeMismatchIsSerializationException) {
  const auto* svc = model::Models::get("cloudwatch");
  const protocol::Codec* c = protocol::codec_for("smithy-rpc-v2-cbor");
  const model::Operation* op = svc->find_operation("PutMetricData");
  http::Request req;
  req.body = bytes({0xa1, 0x69, 'N', 'a', 'm', 'e', 's', 'p', 'a', 'c', 'e', 0x05});
  EXPECT_THROW(c->decode(*svc, *op, req), AwsError);
}

}  // namespace
}  // namespace stratus
