#include "services/ses/tracking.h"

#include <gtest/gtest.h>

#include "mail/mime.h"

using namespace stratus;

TEST(SesTracking, LinksAndPixel) {
  std::vector<ses::TrackedLink> links;
  std::string out = ses::add_tracking(
      "<html><body><a class=\"b\" href=\"https://x.test/o?a=1&amp;b=2\" ses:tags=\"c:spring;slot:top\">o</a>"
      "<a href='mailto:m@x.test'>m</a><a ses:no-track href=\"https://x.test/n\">n</a><A HREF=http://x.test/u>u</A>"
      "<abbr href=\"https://x.test/no\">a</abbr></body></html>",
      "http://h:1", "ID", true, true, links);
  EXPECT_EQ(out,
            "<html><body><a class=\"b\" href=\"http://h:1/_stratus/ses/click?id=ID&amp;n=0\" "
            "ses:tags=\"c:spring;slot:top\">o</a><a href='mailto:m@x.test'>m</a><a ses:no-track "
            "href=\"https://x.test/n\">n</a><A HREF=http://h:1/_stratus/ses/click?id=ID&amp;n=1>u</A>"
            "<abbr href=\"https://x.test/no\">a</abbr><img alt=\"\" src=\"http://h:1/_stratus/ses/open?id=ID\" "
            "style=\"display: none; width: 1px; height: 1px;\"></body></html>");
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].url, "https://x.test/o?a=1&b=2");
  EXPECT_EQ(links[0].tags, (std::vector<std::pair<std::string, std::string>>{{"c", "spring"}, {"slot", "top"}}));
  EXPECT_EQ(links[1].url, "http://x.test/u");
  // Opens only: links untouched, pixel appended when there is no </body>.
  links.clear();
  EXPECT_EQ(ses::add_tracking("<a href=\"https://x\">", "http://h", "I", true, false, links),
            "<a href=\"https://x\"><img alt=\"\" src=\"http://h/_stratus/ses/open?id=I\" style=\"display: none; "
            "width: 1px; height: 1px;\">");
  // An unclosed tag is left as is.
  EXPECT_EQ(ses::add_tracking("<a href=\"https://x", "http://h", "I", false, true, links), "<a href=\"https://x");
}

TEST(SesTracking, QuotedPrintableRoundTrip) {
  std::string s = "Caf\xC3\xA9 = ok \n" + std::string(200, 'x') + " end \n";
  std::string qp = ses::encode_qp(s);
  for (size_t at = 0, nl; at < qp.size(); at = nl + 2) {
    nl = qp.find("\r\n", at);
    if (nl == std::string::npos) nl = qp.size();
    EXPECT_LE(nl - at, 76u);
  }
  mime::Part p;
  p.headers = {{"Content-Transfer-Encoding", "quoted-printable"}};
  p.body = qp;
  EXPECT_EQ(mime::decode_body(p).substr(0, 6), "Caf\xC3\xA9 ");
  EXPECT_NE(qp.find("=3D"), std::string::npos);
  EXPECT_NE(qp.find("end=20\r\n"), std::string::npos);  // trailing space encoded
}

TEST(SesTracking, RewritesEncodedHtmlParts) {
  std::string raw =
      "From: a@b.test\r\nContent-Type: multipart/alternative; boundary=\"B\"\r\n\r\n--B\r\n"
      "Content-Type: text/plain\r\n\r\n<a href=\"https://plain\">\r\n--B\r\nContent-Type: text/html\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nPGEgaHJlZj0iaHR0cHM6Ly94LnRlc3QiPng8L2E+\r\n--B--\r\n";
  std::vector<ses::TrackedLink> links;
  std::string out = ses::rewrite_html(
      raw, [&](std::string html) { return ses::add_tracking(html, "http://h", "I", false, true, links); });
  mime::Message m = mime::parse(out);
  EXPECT_EQ(m.html(), "<a href=\"http://h/_stratus/ses/click?id=I&amp;n=0\">x</a>");
  EXPECT_EQ(m.text(), "<a href=\"https://plain\">");  // text parts stay
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].url, "https://x.test");
  EXPECT_EQ(out.substr(0, 16), "From: a@b.test\r\n");
  // Not MIME at all / no HTML: unchanged.
  EXPECT_EQ(ses::rewrite_html("no header end", [](std::string h) { return h + "!"; }), "no header end");
}
