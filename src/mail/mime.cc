#include "mail/mime.h"

#include <cctype>

#include "core/encoding.h"
#include "core/ids.h"

namespace stratus::mime {
namespace {

constexpr int kMaxDepth = 32;
constexpr size_t kMaxParts = 1000;

std::string lower(std::string_view s) {
  return enc::ascii_lower(s);
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
  return std::string(s.substr(b, e - b));
}

// Lines without their terminators (CRLF or LF).
std::vector<std::string_view> lines_of(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t nl = s.find('\n', i);
    size_t end = nl == std::string_view::npos ? s.size() : nl;
    size_t e = end;
    if (e > i && s[e - 1] == '\r') --e;
    out.push_back(s.substr(i, e - i));
    if (nl == std::string_view::npos) break;
    i = nl + 1;
  }
  return out;
}

// Splits at the first empty line: {header block, body}.
std::pair<std::string_view, std::string_view> split_head(std::string_view raw) {
  size_t i = 0;
  while (i <= raw.size()) {
    size_t nl = raw.find('\n', i);
    if (nl == std::string_view::npos) return {raw, {}};
    std::string_view line = raw.substr(i, nl - i);
    if (line.empty() || line == "\r") return {raw.substr(0, i), raw.substr(nl + 1)};
    i = nl + 1;
  }
  return {raw, {}};
}

bool header_name_ok(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127 || c == ':') return false;
  }
  return true;
}

std::vector<std::pair<std::string, std::string>> parse_headers(std::string_view block) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::string_view line : lines_of(block)) {
    if (line.empty()) continue;
    if (line[0] == ' ' || line[0] == '\t') {
      if (out.empty()) throw Error("Illegal header in message: a continuation line comes first");
      out.back().second += " " + trim(line);
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !header_name_ok(line.substr(0, colon)))
      throw Error("Illegal header in message: '" + std::string(line.substr(0, 60)) + "'");
    out.emplace_back(std::string(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return out;
}

// "type/sub; a=b; c=\"d;e\"" -> value and lower-case parameters.
std::pair<std::string, std::vector<std::pair<std::string, std::string>>> parse_params(std::string_view v) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t i = v.find(';');
  std::string value = lower(trim(v.substr(0, i)));
  while (i != std::string_view::npos && i < v.size()) {
    ++i;
    size_t eq = v.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string key = lower(trim(v.substr(i, eq - i)));
    size_t j = eq + 1;
    while (j < v.size() && (v[j] == ' ' || v[j] == '\t')) ++j;
    std::string val;
    if (j < v.size() && v[j] == '"') {
      ++j;
      while (j < v.size() && v[j] != '"') {
        if (v[j] == '\\' && j + 1 < v.size()) ++j;
        val.push_back(v[j++]);
      }
      i = v.find(';', j);
    } else {
      size_t semi = v.find(';', j);
      val = trim(v.substr(j, semi == std::string_view::npos ? std::string_view::npos : semi - j));
      i = semi;
    }
    params.emplace_back(std::move(key), std::move(val));
  }
  return {value, params};
}

std::string param(const std::vector<std::pair<std::string, std::string>>& ps, std::string_view k) {
  for (const auto& [key, v] : ps)
    if (key == k) return v;
  return {};
}

void parse_part(std::string_view raw, Part& p, int depth, size_t& count) {
  if (depth > kMaxDepth) throw Error("Message nesting is too deep");
  if (++count > kMaxParts) throw Error("Message has too many MIME parts");
  auto [head, body] = split_head(raw);
  p.headers = parse_headers(head);
  auto [ct, params] = parse_params(p.header("Content-Type"));
  p.content_type = ct.empty() ? "text/plain" : ct;
  p.charset = param(params, "charset");
  p.boundary = param(params, "boundary");
  p.filename = param(params, "name");
  if (p.has_header("Content-Disposition")) {
    auto [disp, dparams] = parse_params(p.header("Content-Disposition"));
    p.disposition = disp;
    if (std::string f = param(dparams, "filename"); !f.empty()) p.filename = f;
  }
  if (p.content_type.rfind("multipart/", 0) != 0) {
    p.body = std::string(body);
    return;
  }
  if (p.boundary.empty()) throw Error("Missing start boundary");
  const std::string open = "--" + p.boundary, close = open + "--";
  // Walk the body's lines, cutting parts at the delimiter lines.
  size_t i = 0, part_start = std::string_view::npos;
  bool started = false, closed = false;
  while (i < body.size() && !closed) {
    size_t nl = body.find('\n', i);
    size_t end = nl == std::string_view::npos ? body.size() : nl;
    std::string_view line = body.substr(i, end - i);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    bool is_close = line == close, is_open = line == open;
    if (is_open || is_close) {
      if (started && part_start != std::string_view::npos) {
        // The CRLF before the delimiter belongs to the delimiter.
        size_t stop = i;
        if (stop > part_start && body[stop - 1] == '\n') --stop;
        if (stop > part_start && body[stop - 1] == '\r') --stop;
        p.parts.emplace_back();
        parse_part(body.substr(part_start, stop - part_start), p.parts.back(), depth + 1, count);
      }
      started = true;
      closed = is_close;
      part_start = nl == std::string_view::npos ? body.size() : nl + 1;
    }
    if (nl == std::string_view::npos) break;
    i = nl + 1;
  }
  if (!started) throw Error("Missing start boundary");
  if (!closed && part_start != std::string_view::npos && part_start < body.size()) {
    // No closing delimiter: the rest is the last part (javax.mail is as lenient).
    p.parts.emplace_back();
    parse_part(body.substr(part_start), p.parts.back(), depth + 1, count);
  }
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string decode_qp(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '\n') {
      i += 1;
    } else if (i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') {
      i += 2;
    } else if (i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
      i += 2;
    } else {
      out.push_back('=');
    }
  }
  return out;
}

const Part* first_leaf(const Part& p, std::string_view type) {
  if (p.parts.empty()) return p.content_type == type && p.disposition != "attachment" ? &p : nullptr;
  for (const auto& c : p.parts)
    if (const Part* f = first_leaf(c, type)) return f;
  return nullptr;
}

void collect(const Part& p, std::vector<Attachment>& out) {
  if (!p.parts.empty()) {
    for (const auto& c : p.parts) collect(c, out);
    return;
  }
  if (p.disposition == "attachment" || (!p.filename.empty() && p.disposition != "inline") ||
      (p.disposition == "inline" && !p.filename.empty()))
    out.push_back({p.filename, p.content_type, decode_body(p).size()});
}

bool printable_ascii(std::string_view v) {
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 127 || (u < 32 && c != '\t')) return false;
  }
  return true;
}

}  // namespace

std::string Part::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (lower(k) == lower(name)) return v;
  return {};
}

bool Part::has_header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (lower(k) == lower(name)) return true;
  return false;
}

std::string decode_body(const Part& p) {
  std::string cte = lower(trim(p.header("Content-Transfer-Encoding")));
  if (cte == "base64") {
    std::string compact;
    for (char c : p.body)
      if (!std::isspace(static_cast<unsigned char>(c))) compact.push_back(c);
    if (auto d = enc::base64_decode(compact)) return *d;
    return p.body;
  }
  if (cte == "quoted-printable") return decode_qp(p.body);
  return p.body;
}

std::string Message::text() const {
  const Part* p = first_leaf(*this, "text/plain");
  return p ? decode_body(*p) : std::string();
}

std::string Message::html() const {
  const Part* p = first_leaf(*this, "text/html");
  return p ? decode_body(*p) : std::string();
}

std::vector<Attachment> Message::attachments() const {
  std::vector<Attachment> out;
  collect(*this, out);
  return out;
}

Message parse(std::string_view raw) {
  if (trim(raw).empty()) throw Error("Empty message");
  Message m;
  size_t count = 0;
  parse_part(raw, m, 0, count);
  return m;
}

std::vector<std::string> addresses(std::string_view list) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  int angle = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    char c = list[i];
    if (c == '\\' && quoted && i + 1 < list.size()) {
      cur.push_back(c);
      cur.push_back(list[++i]);
      continue;
    }
    if (c == '"')
      quoted = !quoted;
    else if (!quoted && c == '<')
      ++angle;
    else if (!quoted && c == '>' && angle > 0)
      --angle;
    if ((c == ',' || c == ';') && !quoted && angle == 0) {
      if (std::string t = trim(cur); !t.empty()) out.push_back(t);
      cur.clear();
      continue;
    }
    cur.push_back(c);
  }
  if (std::string t = trim(cur); !t.empty()) out.push_back(t);
  return out;
}

std::string bare(std::string_view address) {
  size_t lt = address.rfind('<');
  if (lt != std::string_view::npos) {
    size_t gt = address.find('>', lt);
    if (gt != std::string_view::npos) return trim(address.substr(lt + 1, gt - lt - 1));
  }
  return trim(address);
}

std::string address_problem(std::string_view address) {
  std::string a = bare(address);
  if (a.empty()) return "Empty address";
  for (char c : a) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 128) return "Local address contains illegal characters";
    if (u <= 32) return "Local address contains control or whitespace";
  }
  size_t at = a.rfind('@');
  if (at == std::string::npos || at + 1 >= a.size()) return "Missing final '@domain'";
  if (at == 0) return "Missing local name";
  std::string_view domain = std::string_view(a).substr(at + 1);
  if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string_view::npos)
    return "Domain contains dot-dot";
  for (char c : domain)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '[' || c == ']' || c == ':'))
      return "Domain contains illegal character";
  return {};
}

std::string encode_header_value(std::string_view v) {
  if (printable_ascii(v)) return std::string(v);
  return "=?UTF-8?B?" + enc::base64_encode(v) + "?=";
}

namespace {
std::string crlf(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 40);
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out.push_back('\r');
    out.push_back(s[i]);
  }
  return out;
}
std::string leaf(std::string_view type, std::string_view charset, std::string_view body) {
  std::string out = "Content-Type: " + std::string(type) + "; charset=" + std::string(charset) + "\r\n";
  out += std::string("Content-Transfer-Encoding: ") + (printable_ascii(body) ? "7bit" : "8bit") + "\r\n\r\n";
  out += crlf(body);
  return out;
}
}  // namespace

std::string build_text(std::vector<std::pair<std::string, std::string>> headers, std::string text) {
  Simple s;
  s.headers = std::move(headers);
  s.text = std::move(text);
  return build(s);
}

namespace {
// The body part (headers from Content-Type on): text, html, or both as multipart/alternative.
std::string body_part(const Simple& s) {
  bool both = !s.text.empty() && !s.html.empty();
  if (!both)
    return s.html.empty() || !s.text.empty() ? leaf("text/plain", s.charset, s.text)
                                             : leaf("text/html", s.charset, s.html);
  std::string boundary = "----=_Part_" + ids::random_lower_alnum(24);
  std::string out = "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "--" + boundary + "\r\n" + leaf("text/plain", s.charset, s.text) + "\r\n";
  out += "--" + boundary + "\r\n" + leaf("text/html", s.charset, s.html) + "\r\n";
  out += "--" + boundary + "--\r\n";
  return out;
}

std::string quoted(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c != '\r' && c != '\n') out.push_back(c);
  }
  return out + "\"";
}
}  // namespace

std::string build(const Simple& s) {
  std::string out;
  for (const auto& [k, v] : s.headers) out += k + ": " + encode_header_value(v) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  if (s.attachments.empty()) return out + body_part(s);
  std::string boundary = "----=_Mixed_" + ids::random_lower_alnum(24);
  out += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "--" + boundary + "\r\n" + body_part(s) + "\r\n";
  for (const auto& a : s.attachments) {
    std::string name = a.filename.empty() ? "" : quoted(encode_header_value(a.filename));
    out += "--" + boundary + "\r\n";
    out += "Content-Type: " + a.content_type + (name.empty() ? "" : "; name=" + name) + "\r\n";
    out += "Content-Disposition: " + a.disposition + (name.empty() ? "" : "; filename=" + name) + "\r\n";
    if (!a.content_id.empty()) out += "Content-ID: " + a.content_id + "\r\n";
    if (!a.description.empty()) out += "Content-Description: " + encode_header_value(a.description) + "\r\n";
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    std::string b64 = enc::base64_encode(a.data);
    for (size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
  }
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace stratus::mime
