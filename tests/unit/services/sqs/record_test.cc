// SQS's stored message records: what is written reads back whole, and records of the former
// layout (version 1: fixed 8-byte integers and lengths) still read.
#include <gtest/gtest.h>

#include "services/sqs/message.h"
#include "services/sqs/record.h"

namespace stratus::sqs {
namespace {

// A message and its payload, as one flat value for the tests.
struct Flat : Message, Payload {};

Flat sample() {
  Flat m;
  m.id = "3f1c2a9e-8d7b-4c6a-9e5f-1a2b3c4d5e6f";
  static constexpr char kBinary[] = "body with \0 and \xff bytes";  // NUL and 0xff inside
  m.body = std::string(kBinary, sizeof(kBinary) - 1) + std::string(300, 'x');
  m.md5_body = md5_hex(m.body);
  m.attrs = {Attribute{"a", "String", "v"}, Attribute{"b", "Binary", std::string("\0\1", 2)}};
  m.md5_attrs = md5_of_attributes(m.attrs);
  m.trace_header = "Root=1-5759e988-bd862e3fe1be46a994272793";
  m.md5_sys = "abc";
  m.sender_id = "AIDAIT2UOQQY3AUEKVGXU";
  m.group_id = "g";
  m.dedup_id = "d";
  m.dlq_source_arn = "arn:aws:sqs:us-east-1:000000000000:src";
  m.sequence_number = 18'000'000'000'000'000'123ULL;
  m.sent_ms = 1'795'328'293'157;
  m.visible_at = m.sent_ms + 900'000;
  return m;
}

std::string encode(const Flat& f) {
  return encode_message(f, f);
}

void expect_same(const MessagePtr& got, const Flat& b) {
  ASSERT_TRUE(got->payload);
  const Message& am = *got;
  const Payload& a = *got->payload;
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.md5_body, b.md5_body);
  EXPECT_EQ(a.md5_attrs, b.md5_attrs);
  EXPECT_EQ(a.md5_sys, b.md5_sys);
  ASSERT_EQ(a.attrs.size(), b.attrs.size());
  for (size_t i = 0; i < a.attrs.size(); ++i) {
    EXPECT_EQ(a.attrs[i].name, b.attrs[i].name);
    EXPECT_EQ(a.attrs[i].data_type, b.attrs[i].data_type);
    EXPECT_EQ(a.attrs[i].value, b.attrs[i].value);
  }
  EXPECT_EQ(a.trace_header, b.trace_header);
  EXPECT_EQ(a.sender_id, b.sender_id);
  EXPECT_EQ(am.group_id, b.group_id);
  EXPECT_EQ(a.dedup_id, b.dedup_id);
  EXPECT_EQ(am.dlq_source_arn, b.dlq_source_arn);
  EXPECT_EQ(a.sequence_number, b.sequence_number);
  EXPECT_EQ(am.sent_ms, b.sent_ms);
  EXPECT_EQ(am.visible_at, b.visible_at);
}

TEST(SqsRecord, RoundTrip) {
  Flat m = sample();
  expect_same(decode_message(encode(m)), m);
  Flat empty;
  expect_same(decode_message(encode(empty)), empty);
}

TEST(SqsRecord, ReadsVersion1Records) {
  Flat m = sample();
  std::string v1;
  put_u64(v1, 1);
  for (const std::string* s : {&m.id, &m.body, &m.md5_body, &m.md5_attrs, &m.md5_sys})
    put_str(v1, *s);
  put_u64(v1, m.attrs.size());
  for (const auto& a : m.attrs) {
    put_str(v1, a.name);
    put_str(v1, a.data_type);
    put_str(v1, a.value);
  }
  for (const std::string* s :
       {&m.trace_header, &m.sender_id, &m.group_id, &m.dedup_id, &m.dlq_source_arn})
    put_str(v1, *s);
  put_u64(v1, m.sequence_number);
  put_u64(v1, static_cast<uint64_t>(m.sent_ms));
  put_u64(v1, static_cast<uint64_t>(m.visible_at));
  expect_same(decode_message(v1), m);
  EXPECT_LT(encode(m).size(), v1.size());
}

TEST(SqsRecord, CorruptRecordsThrow) {
  std::string good = encode(sample());
  EXPECT_THROW(decode_message(""), std::runtime_error);
  EXPECT_THROW(decode_message("\x07garbage"), std::runtime_error);
  for (size_t n : {size_t{1}, size_t{10}, good.size() / 2, good.size() - 1})
    EXPECT_THROW(decode_message(good.substr(0, n)), std::runtime_error) << n;
}

// Every live payload is counted while it lives and no longer: the resident budget of the
// queues' indexes is measured with this.
TEST(SqsRecord, PayloadsAreCountedWhileTheyLive) {
  int64_t before = payload_bytes();
  std::string record = encode(sample());
  {
    MessagePtr m = decode_message(record);
    EXPECT_GT(payload_bytes() - before, 300);  // at least the body
    PayloadPtr kept = m->payload;
    m.reset();
    EXPECT_GT(payload_bytes() - before, 300);  // still referenced
  }
  EXPECT_EQ(payload_bytes(), before);
  auto copy = std::make_shared<Payload>(*decode_message(record)->payload);
  EXPECT_EQ(payload_bytes(), before);  // a copy counts once sealed
  PayloadPtr sealed = seal(copy);
  EXPECT_GT(payload_bytes(), before);
  sealed.reset();
  copy.reset();
  EXPECT_EQ(payload_bytes(), before);
}

}  // namespace
}  // namespace stratus::sqs
