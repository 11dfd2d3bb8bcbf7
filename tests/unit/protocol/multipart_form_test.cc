#include "protocol/multipart_form.h"

#include <gtest/gtest.h>

#include <random>

namespace stratus::protocol {
namespace {

std::string form_body(const std::string& boundary, const std::vector<std::pair<std::string, std::string>>& fields,
                      const std::string& file, const std::string& after = {}) {
  std::string b;
  for (const auto& [k, v] : fields)
    b += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n";
  b += "--" + boundary +
       "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a b.txt\"\r\n"
       "Content-Type: text/plain\r\n\r\n" +
       file + "\r\n";
  b += after;
  b += "--" + boundary + "--\r\n";
  return b;
}

struct Parsed {
  std::vector<std::pair<std::string, std::string>> fields;
  std::string file, filename, type;
  size_t fields_at_file = 0;
};

Parsed parse(const std::string& boundary, std::string_view body, size_t piece) {
  Parsed p;
  MultipartForm f(boundary, {.on_file = [&](const MultipartForm& m) { p.fields_at_file = m.fields().size(); },
                             .on_data = [&](std::string_view d) { p.file.append(d); }});
  for (size_t i = 0; i < body.size(); i += piece) f.feed(body.substr(i, piece));
  f.finish();
  p.fields = f.fields();
  p.filename = f.filename();
  p.type = f.file_content_type();
  EXPECT_EQ(f.file_bytes(), p.file.size());
  return p;
}

TEST(MultipartForm, BoundaryOfContentType) {
  EXPECT_EQ(MultipartForm::boundary_of("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(MultipartForm::boundary_of("Multipart/Form-Data;boundary=\"a b\""), "a b");
  EXPECT_EQ(MultipartForm::boundary_of("multipart/form-data; charset=utf-8; boundary=x--y"), "x--y");
  EXPECT_FALSE(MultipartForm::boundary_of("multipart/form-data"));
  EXPECT_FALSE(MultipartForm::boundary_of("application/x-www-form-urlencoded; boundary=a"));
  EXPECT_FALSE(MultipartForm::boundary_of("multipart/form-data; boundary=" + std::string(71, 'a')));
}

TEST(MultipartForm, FieldsThenStreamedFileInAnyPieces) {
  std::string file;
  for (int i = 0; i < 5000; ++i) file += static_cast<char>(i * 7 % 256);
  file += "\r\n--boundar";  // almost a delimiter, inside the data
  std::string body = form_body("boundary", {{"key", "u/${filename}"}, {"Content-Type", "image/png"}}, file,
                               "--boundary\r\nContent-Disposition: form-data; name=\"after\"\r\n\r\nx\r\n");
  for (size_t piece : {1, 2, 3, 7, 64, 1000, 100000}) {
    Parsed p = parse("boundary", body, piece);
    ASSERT_EQ(p.fields.size(), 2u) << piece;  // "after" follows the file: ignored
    EXPECT_EQ(p.fields_at_file, 2u);
    EXPECT_EQ(p.fields[0].first, "key");
    EXPECT_EQ(p.fields[0].second, "u/${filename}");
    EXPECT_EQ(p.fields[1].second, "image/png");
    EXPECT_EQ(p.file, file) << piece;
    EXPECT_EQ(p.filename, "a b.txt");
    EXPECT_EQ(p.type, "text/plain");
  }
}

TEST(MultipartForm, PreambleEmptyFileAndEpilogue) {
  std::string body = "preamble text\r\n" + form_body("xx", {{"key", ""}}, "") + "epilogue";
  Parsed p = parse("xx", body, 5);
  ASSERT_EQ(p.fields.size(), 1u);
  EXPECT_EQ(p.fields[0].second, "");
  EXPECT_EQ(p.file, "");
}

TEST(MultipartForm, TruncatedOrMalformedBodies) {
  std::string body = form_body("b", {{"key", "k"}}, "data");
  for (size_t cut : {size_t{0}, size_t{5}, body.size() / 2, body.size() - 5}) {
    MultipartForm f("b", {});
    f.feed(std::string_view(body).substr(0, cut));
    EXPECT_THROW(f.finish(), AwsError) << cut;
  }
  auto bad = [](const std::string& b) {
    MultipartForm f("b", {});
    try {
      f.feed(b);
      f.finish();
    } catch (const AwsError& e) {
      return e.code;
    }
    return std::string();
  };
  EXPECT_EQ(bad("--b\r\nContent-Disposition: attachment; name=\"k\"\r\n\r\nv\r\n--b--"), "MalformedPOSTRequest");
  EXPECT_EQ(bad("--b\r\nno colon\r\n\r\nv\r\n--b--"), "MalformedPOSTRequest");
  EXPECT_EQ(bad("--bXYZ\r\n"), "MalformedPOSTRequest");
  EXPECT_EQ(bad("--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--"), "MalformedPOSTRequest");
  EXPECT_EQ(bad("--b\r\nContent-Disposition: form-data; name=\"unterminated\r\n\r\nv\r\n--b--"),
            "MalformedPOSTRequest");
}

TEST(MultipartForm, FieldsBeforeTheFileAreBounded) {
  std::string body = form_body("b", {{"x-amz-meta-big", std::string(30000, 'a')}}, "data");
  MultipartForm f("b", {});
  try {
    f.feed(body);
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "MaxPostPreDataLengthExceededError");
  }
  // The file itself is not bounded.
  Parsed p = parse("b", form_body("b", {}, std::string(100000, 'z')), 4096);
  EXPECT_EQ(p.file.size(), 100000u);
}

TEST(MultipartForm, OnFileMayRefuse) {
  std::string body = form_body("b", {{"key", "k"}}, "data");
  bool data = false;
  MultipartForm f("b", {.on_file = [](const MultipartForm&) { throw AwsError("AccessDenied", "no", 403); },
                        .on_data = [&](std::string_view) { data = true; }});
  EXPECT_THROW(f.feed(body), AwsError);
  EXPECT_FALSE(data);
}

TEST(MultipartForm, RandomPiecesMatchWholeFeed) {
  std::mt19937 rng(7);
  std::string file(70000, '\0');
  for (char& c : file)
    c = static_cast<char>(rng() % 4 == 0 ? '\r' : rng() % 4 == 1 ? '\n' : rng() % 4 == 2 ? '-' : 'b');
  // The data is made of the boundary's own characters, but never the whole delimiter.
  std::string body = form_body("bq", {{"key", "k"}}, file);
  std::string got;
  MultipartForm g("bq", {.on_file = {}, .on_data = [&](std::string_view d) { got.append(d); }});
  size_t i = 0;
  while (i < body.size()) {
    size_t n = 1 + rng() % 300;
    g.feed(std::string_view(body).substr(i, n));
    i += n;
  }
  g.finish();
  EXPECT_EQ(got, file);
}

}  // namespace
}  // namespace stratus::protocol
