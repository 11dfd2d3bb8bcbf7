#include <gtest/gtest.h>

#include "core/encoding.h"
#include "http/message.h"
#include "http/server.h"

namespace stratus::http {
namespace {

TEST(Http, ParsesRequestLineHeadersAndChunkedBody) {
  ServerOptions o;
  std::string err;
  auto r = parse_request(
      "POST /a%20b/c?x=1&y HTTP/1.1\r\nHost: h\r\nX-Amz-Target: T.Op\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
      o, &err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->path, "/a%20b/c");
  EXPECT_EQ(r->query, "x=1&y");
  EXPECT_EQ(r->headers.get("x-amz-target"), "T.Op");
  EXPECT_EQ(r->body, "abcde");
}

TEST(Http, AbsoluteFormTargetKeepsPath) {
  ServerOptions o;
  auto r = parse_request("GET http://bucket.s3.localhost:4566/key?acl HTTP/1.1\r\nHost: h\r\n\r\n", o, nullptr);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, "/key");
  EXPECT_EQ(r->query, "acl");
}

TEST(Http, RejectsGarbageAndTooManyHeaders) {
  ServerOptions o;
  o.max_header_count = 3;
  std::string err;
  EXPECT_FALSE(parse_request("NOT HTTP\r\n\r\n", o, &err));
  EXPECT_FALSE(parse_request("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", o, &err));
  EXPECT_FALSE(parse_request("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", o, &err));
}

// Request smuggling shapes: framing a proxy in front could read differently is refused.
TEST(Http, RefusesAmbiguousFraming) {
  ServerOptions o;
  const std::string post = "POST / HTTP/1.1\r\nHost: h\r\n";
  for (std::string head : {
           "Transfer-Encoding: xchunked\r\n",
           "Transfer-Encoding: chunked, identity\r\n",
           "Transfer-Encoding: identity\r\n",
           "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
           "Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n",
           "Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n",
           "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
           "Content-Length: 5\r\nContent-Length: 6\r\n",
           "Content-Length: 5, 6\r\n",
           "Content-Length: -5\r\n",
           "Content-Length: 5\r\nX-A: a\r\n b\r\n",
           "Content-Length: 5\r\nX-A: a\r\n\tb\r\n",
       }) {
    std::string err;
    EXPECT_FALSE(parse_request(post + head + "\r\n0\r\n\r\n", o, &err)) << head;
  }
  std::string err;
  EXPECT_FALSE(
      parse_request("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", o, &err));
}

TEST(Http, FramingChecks) {
  auto check = [](std::vector<std::pair<std::string, std::string>> hs, unsigned version = 11,
                  std::string_view raw = "GET / HTTP/1.1\r\n\r\n") {
    Headers h;
    for (auto& [k, v] : hs) h.add(k, v);
    return check_framing(h, version, raw);
  };
  EXPECT_FALSE(check({{"transfer-encoding", "chunked"}}));
  EXPECT_FALSE(check({{"transfer-encoding", "CHUNKED"}}));  // codings are case-insensitive
  EXPECT_FALSE(check({{"content-length", "5"}, {"content-length", "5"}}));
  EXPECT_FALSE(check({{"content-length", "5, 5"}}));
  auto gz = check({{"transfer-encoding", "gzip, chunked"}});
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->status, 501);
  auto fold = check({}, 11, "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n");
  ASSERT_TRUE(fold);
  EXPECT_EQ(fold->status, 400);
  EXPECT_TRUE(check({{"transfer-encoding", "chunked"}}, 10));
  EXPECT_TRUE(check({{"transfer-encoding", ""}}));
  EXPECT_TRUE(check({{"transfer-encoding", "chunked,"}}) ==
              std::nullopt);  // empty list elements are ignored
}

TEST(Http, ChunkedInCapitalsIsValid) {
  ServerOptions o;
  std::string err;
  auto r = parse_request(
      "POST / HTTP/1.1\r\nTransfer-Encoding: CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n", o, &err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(r->body, "abc");
}

TEST(Http, DefaultConnectionCapLeavesHeadroom) {
  EXPECT_EQ(default_max_connections(1u << 20), 10000u);
  EXPECT_EQ(default_max_connections(4096), 4096u - 512u);
  EXPECT_EQ(default_max_connections(1024), 512u);
  EXPECT_EQ(default_max_connections(64), 32u);
  EXPECT_EQ(default_max_connections(1), 1u);
}

TEST(Http, HeaderLookupIsCaseInsensitive) {
  Headers h;
  h.add("Content-Type", "a");
  h.add("X-Amz-Date", "b");
  EXPECT_EQ(h.get("content-type"), "a");
  h.set("CONTENT-TYPE", "c");
  EXPECT_EQ(h.get("content-type"), "c");
  EXPECT_EQ(h.size(), 2u);
}

TEST(Http, QueryAndFormDecoding) {
  auto q = parse_query("a=1&b=x%2Fy&c&d=e+f&=g");
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q[1].second, "x/y");
  EXPECT_EQ(q[2].first, "c");
  EXPECT_EQ(q[3].second, "e f");
}

TEST(Encoding, TimestampsRoundTrip) {
  EXPECT_EQ(enc::iso8601(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(enc::iso8601(1700000000000), "2023-11-14T22:13:20Z");
  EXPECT_EQ(enc::iso8601_basic(1700000000000), "20231114T221320Z");
  EXPECT_EQ(enc::http_date(1700000000000), "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_EQ(enc::clf_date(1700000000000), "14/Nov/2023:22:13:20 +0000");
  EXPECT_EQ(enc::clf_date(1704067199999), "31/Dec/2023:23:59:59 +0000");
  EXPECT_EQ(enc::parse_iso8601("2023-11-14T22:13:20.123Z"), 1700000000123);
  EXPECT_EQ(enc::parse_iso8601("20231114T221320Z"), 1700000000000);
  EXPECT_EQ(enc::parse_iso8601("2023-11-14T23:13:20+01:00"), 1700000000000);
  EXPECT_EQ(enc::parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT"), 1700000000000);
  EXPECT_EQ(enc::parse_timestamp("1700000000.5"), 1700000000500);
  EXPECT_FALSE(enc::parse_iso8601("2023-13-14T22:13:20Z"));
  EXPECT_FALSE(enc::parse_iso8601("garbage"));
}

TEST(Encoding, Base64AndPercent) {
  EXPECT_EQ(enc::base64_encode("hello"), "aGVsbG8=");
  EXPECT_EQ(enc::base64_decode("aGVsbG8="), "hello");
  EXPECT_EQ(enc::base64_decode("aGVsbG8"), "hello");
  EXPECT_FALSE(enc::base64_decode("a$=="));
  EXPECT_EQ(enc::uri_encode("a b/c~"), "a%20b%2Fc~");
  EXPECT_EQ(enc::uri_encode("a b/c", true), "a%20b/c");
  EXPECT_EQ(enc::uri_decode("a%20b%zz%2"), "a b%zz%2");
}

}  // namespace
}  // namespace stratus::http

#include "server/hosts.h"

namespace stratus {
namespace {
TEST(Hosts, VirtualHostedS3Buckets) {
  EXPECT_EQ(virtual_host_bucket("my-bucket.s3.localhost:4566"), "my-bucket");
  EXPECT_EQ(virtual_host_bucket("my.dotted.bucket.s3.localhost"), "my.dotted.bucket");
  EXPECT_EQ(virtual_host_bucket("b.s3.us-east-1.amazonaws.com"), "b");
  EXPECT_EQ(virtual_host_bucket("b.s3-us-west-2.amazonaws.com"), "b");
  EXPECT_FALSE(virtual_host_bucket("s3.localhost:4566"));
  EXPECT_FALSE(virtual_host_bucket("localhost:4566"));
  EXPECT_FALSE(virtual_host_bucket("127.0.0.1:4566"));
  EXPECT_FALSE(virtual_host_bucket("sqs.us-east-1.localhost:4566"));
}
}  // namespace
}  // namespace stratus

TEST(Encoding, XmlCharacterSetAndUtf8) {
  using stratus::enc::first_non_xml_char;
  EXPECT_FALSE(first_non_xml_char("plain\t\r\n text"));
  EXPECT_FALSE(first_non_xml_char("\xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBD"));  // € 😀 U+FFFD
  auto bad = first_non_xml_char("ab\x01");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->value, 1u);
  EXPECT_FALSE(bad->malformed);
  EXPECT_EQ(bad->offset, 2u);
  bad = first_non_xml_char("\xEF\xBF\xBE");  // U+FFFE: UTF-8, but not an XML character
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->value, 0xFFFEu);
  EXPECT_FALSE(bad->malformed);
  // Not UTF-8: a lone byte, a truncated sequence, a bad continuation, an overlong '/', a
  // surrogate, a code point past U+10FFFF, a stray continuation byte.
  for (std::string_view s :
       {"\xFF", "x\xE2\x82", "\xC3\x28", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80"}) {
    bad = first_non_xml_char(s);
    ASSERT_TRUE(bad) << s;
    EXPECT_TRUE(bad->malformed) << s;
  }
  EXPECT_EQ(stratus::enc::replace_non_xml_chars("a\xFF"
                                                "b\x01\xE2\x82\xAC"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xE2\x82\xAC");
}
