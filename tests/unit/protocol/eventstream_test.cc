// vnd.amazon.eventstream framing (protocol/eventstream.h): a known answer (bytes botocore's
// EventStreamBuffer reads back), and rest-json's event-stream payloads.
#include "protocol/eventstream.h"

#include <gtest/gtest.h>

#include "auth/checksum.h"
#include "core/doc.h"
#include "http/message.h"
#include "model/model.h"
#include "protocol/codec.h"

namespace stratus {
namespace {

std::string hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

uint32_t be32(std::string_view s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) | (uint32_t(uint8_t(s[at + 2])) << 8) |
         uint32_t(uint8_t(s[at + 3]));
}

TEST(EventStream, KnownAnswer) {
  std::string m = protocol::eventstream::event("PayloadChunk", "application/octet-stream", "hello");
  EXPECT_EQ(hex(m),
            "0000006f0000005af5fe871f0b3a6576656e742d7479706507000c5061796c6f61644368756e6b0d3a636f6e74656e742d74797065"
            "0700186170706c69636174696f6e2f6f637465742d73747265616d0d3a6d6573736167652d747970650700056576656e7468656c6c"
            "6f29e71260");
}

TEST(EventStream, LengthsAndChecksums) {
  std::string payload(100000, 'x');
  std::string m = protocol::eventstream::encode({{":message-type", "event"}}, payload);
  ASSERT_EQ(be32(m, 0), m.size());
  EXPECT_EQ(be32(m, 8), auth::crc32(std::string_view(m).substr(0, 8)));
  EXPECT_EQ(be32(m, m.size() - 4), auth::crc32(std::string_view(m).substr(0, m.size() - 4)));
  EXPECT_EQ(std::string_view(m).substr(12 + be32(m, 4), payload.size()), payload);
  // An empty payload and no headers: the 16-byte minimum.
  EXPECT_EQ(protocol::eventstream::encode({}, "").size(), 16u);
}

constexpr const char* kModel = R"({
  "version": "2.0",
  "metadata": {"protocol": "rest-json", "apiVersion": "2020-01-01", "endpointPrefix": "t"},
  "operations": {
    "Watch": {"name": "Watch", "http": {"method": "POST", "requestUri": "/watch"}, "output": {"shape": "Out"}}
  },
  "shapes": {
    "S": {"type": "string"},
    "B": {"type": "blob"},
    "Out": {"type": "structure", "payload": "Events", "members": {
      "Version": {"shape": "S", "location": "header", "locationName": "X-Version"},
      "Events": {"shape": "Ev"}}},
    "Ev": {"type": "structure", "eventstream": true, "members": {
      "Chunk": {"shape": "ChunkEv"}, "Done": {"shape": "DoneEv"}}},
    "ChunkEv": {"type": "structure", "event": true, "members": {"Payload": {"shape": "B", "eventpayload": true}}},
    "DoneEv": {"type": "structure", "event": true, "members": {"Code": {"shape": "S"}}}
  }
})";

TEST(EventStream, RestJsonPayload) {
  // Kept for the whole run: the codecs index models by address (rest_binding.cc).
  static auto svc = model::parse_model("t", kModel);
  const model::Operation* op = svc->find_operation("Watch");
  ASSERT_NE(op, nullptr);
  Doc chunk = Doc::map();
  chunk.set("Payload", Blob{"abc"});
  Doc e1 = Doc::map();
  e1.set("Chunk", std::move(chunk));
  Doc fin = Doc::map();
  fin.set("Code", "X");
  Doc e2 = Doc::map();
  e2.set("Done", std::move(fin));
  Doc events = Doc::list();
  events.push(std::move(e1));
  events.push(std::move(e2));
  Doc out = Doc::map();
  out.set("Version", "1");
  out.set("Events", std::move(events));
  http::Response res;
  protocol::codec_for("rest-json")->encode(*svc, *op, out, res);
  EXPECT_EQ(*res.headers.find("content-type"), "application/vnd.amazon.eventstream");
  EXPECT_EQ(*res.headers.find("x-version"), "1");
  std::string want = protocol::eventstream::event("Chunk", "application/octet-stream", "abc") +
                     protocol::eventstream::event("Done", "application/json", R"({"Code":"X"})");
  EXPECT_EQ(hex(res.body), hex(want));
}

}  // namespace
}  // namespace stratus
