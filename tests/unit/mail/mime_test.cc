#include "mail/mime.h"

#include <gtest/gtest.h>

using namespace stratus;

TEST(Mime, ParsesNestedMultipartWithAttachment) {
  std::string raw =
      "From: Bank <bank@b.test>\r\nTo: \"Doe, J\" <j@x.test>, k@y.test\r\nSubject: hi\r\n"
      "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\npreamble\r\n--outer\r\n"
      "Content-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\n"
      "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
      "a=3Db=\r\nc\r\n--inner\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--inner--\r\n--outer\r\n"
      "Content-Type: application/pdf; name=\"s.pdf\"\r\nContent-Disposition: attachment; filename=\"s.pdf\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nJVBE\r\nRi0x\r\n--outer--\r\nepilogue";
  mime::Message m = mime::parse(raw);
  EXPECT_EQ(m.header("subject"), "hi");
  EXPECT_EQ(m.content_type, "multipart/mixed");
  ASSERT_EQ(m.parts.size(), 2u);
  EXPECT_EQ(m.text(), "a=bc");
  EXPECT_EQ(m.html(), "<p>x</p>");
  auto atts = m.attachments();
  ASSERT_EQ(atts.size(), 1u);
  EXPECT_EQ(atts[0].filename, "s.pdf");
  EXPECT_EQ(atts[0].content_type, "application/pdf");
  EXPECT_EQ(atts[0].size, 6u);  // "%PDF-1"
  auto to = mime::addresses(m.header("To"));
  ASSERT_EQ(to.size(), 2u);
  EXPECT_EQ(mime::bare(to[0]), "j@x.test");
  EXPECT_EQ(to[1], "k@y.test");
}

TEST(Mime, UnfoldsHeadersAndAcceptsLf) {
  mime::Message m = mime::parse("Subject: a\n  folded\nFrom: x@y.z\n\nbody\n");
  EXPECT_EQ(m.header("Subject"), "a folded");
  EXPECT_EQ(m.text(), "body\n");
}

TEST(Mime, MalformedMessagesAreErrors) {
  EXPECT_THROW(mime::parse(""), mime::Error);
  EXPECT_THROW(mime::parse(" leading continuation\r\n\r\n"), mime::Error);
  EXPECT_THROW(mime::parse("no colon here\r\n\r\nbody"), mime::Error);
  EXPECT_THROW(mime::parse("Content-Type: multipart/mixed\r\n\r\nx"), mime::Error);
  EXPECT_THROW(mime::parse("Content-Type: multipart/mixed; boundary=b\r\n\r\nno delimiter"), mime::Error);
  // Deep nesting is bounded.
  std::string deep;
  for (int i = 0; i < 40; ++i)
    deep +=
        "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" + std::to_string(i) + "\r\n";
  EXPECT_THROW(mime::parse(deep), mime::Error);
}

TEST(Mime, AddressProblems) {
  EXPECT_EQ(mime::address_problem("a@b.test"), "");
  EXPECT_EQ(mime::address_problem("Name <a@b.test>"), "");
  EXPECT_EQ(mime::address_problem("nobody"), "Missing final '@domain'");
  EXPECT_EQ(mime::address_problem("a b@c.test"), "Local address contains control or whitespace");
  EXPECT_EQ(mime::address_problem("a@b..test"), "Domain contains dot-dot");
}

TEST(Mime, BuildsAlternativeAndEncodesHeaders) {
  mime::Simple s;
  s.headers = {{"From", "a@b.test"}, {"Subject", "Grüße"}};
  s.text = "t\nline";
  s.html = "<b>h</b>";
  std::string out = mime::build(s);
  EXPECT_NE(out.find("Subject: =?UTF-8?B?"), std::string::npos);
  mime::Message back = mime::parse(out);
  EXPECT_EQ(back.content_type, "multipart/alternative");
  EXPECT_EQ(back.text(), "t\r\nline");
  EXPECT_EQ(back.html(), "<b>h</b>");
}

TEST(Mime, BuildsMixedWithAttachmentsThatParseBack) {
  mime::Simple s;
  s.headers = {{"From", "a@b.test"}};
  s.text = "body";
  s.html = "<p>body</p>";
  mime::OutAttachment a;
  a.filename = "r\xC3\xA9sum\xC3\xA9.pdf";
  a.content_type = "application/pdf";
  a.data = std::string(200, '\x01');
  s.attachments.push_back(a);
  mime::Message m = mime::parse(mime::build(s));
  EXPECT_EQ(m.content_type, "multipart/mixed");
  EXPECT_EQ(m.text(), "body");
  EXPECT_EQ(m.html(), "<p>body</p>");
  auto atts = m.attachments();
  ASSERT_EQ(atts.size(), 1u);
  EXPECT_EQ(atts[0].size, 200u);
  EXPECT_EQ(atts[0].content_type, "application/pdf");
  EXPECT_NE(mime::build_text({{"Subject", "x"}}, "t").find("\r\nContent-Type: text/plain"), std::string::npos);
}
