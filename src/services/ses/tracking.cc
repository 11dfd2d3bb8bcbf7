#include "services/ses/tracking.h"

#include <cctype>

#include "core/encoding.h"
#include "mail/mime.h"

namespace stratus::ses {
namespace {

using enc::ascii_lower;

bool iequal_at(std::string_view s, size_t at, std::string_view w) {
  if (at + w.size() > s.size()) return false;
  for (size_t i = 0; i < w.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[at + i])) != w[i]) return false;
  return true;
}

struct Attr {
  std::string name;
  size_t value_at = 0, value_len = 0;  // within the tag
  bool has_value = false;
};

// The attributes of the tag text `t` ("<a href=... >" without the closing '>').
std::vector<Attr> attributes(std::string_view t) {
  std::vector<Attr> out;
  size_t i = 0;
  while (i < t.size() && t[i] != ' ' && t[i] != '\t' && t[i] != '\r' && t[i] != '\n') ++i;  // "<a"
  while (i < t.size()) {
    while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
    size_t st = i;
    while (i < t.size() && !std::isspace(static_cast<unsigned char>(t[i])) && t[i] != '=' && t[i] != '/') ++i;
    if (i == st) {
      ++i;
      continue;
    }
    Attr a;
    a.name = ascii_lower(t.substr(st, i - st));
    while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
    if (i < t.size() && t[i] == '=') {
      ++i;
      while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
      a.has_value = true;
      if (i < t.size() && (t[i] == '"' || t[i] == '\'')) {
        char q = t[i++];
        a.value_at = i;
        while (i < t.size() && t[i] != q) ++i;
        a.value_len = i - a.value_at;
        if (i < t.size()) ++i;
      } else {
        a.value_at = i;
        while (i < t.size() && !std::isspace(static_cast<unsigned char>(t[i]))) ++i;
        a.value_len = i - a.value_at;
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::string unescape_amp(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v.substr(i, 5) == "&amp;") {
      out.push_back('&');
      i += 4;
    } else {
      out.push_back(v[i]);
    }
  }
  return out;
}

// The end of the tag starting at `at` ('<'), honouring quoted attribute values; npos if unclosed.
size_t tag_end(std::string_view s, size_t at) {
  char q = 0;
  for (size_t i = at + 1; i < s.size(); ++i) {
    if (q) {
      if (s[i] == q) q = 0;
    } else if (s[i] == '"' || s[i] == '\'') {
      q = s[i];
    } else if (s[i] == '>') {
      return i;
    }
  }
  return std::string_view::npos;
}

void rewrite_leaves(const mime::Part& p, std::string_view raw, size_t& cursor, std::string& out,
                    const std::function<std::string(std::string)>& f) {
  if (!p.parts.empty()) {
    for (const auto& c : p.parts) rewrite_leaves(c, raw, cursor, out, f);
    return;
  }
  if (p.content_type != "text/html" || p.disposition == "attachment" || p.body.empty()) return;
  size_t at = raw.find(p.body, cursor);
  if (at == std::string_view::npos) return;
  std::string html = f(mime::decode_body(p));
  std::string cte = ascii_lower(p.header("Content-Transfer-Encoding"));
  while (!cte.empty() && std::isspace(static_cast<unsigned char>(cte.back()))) cte.pop_back();
  std::string encoded;
  if (cte == "base64") {
    std::string b64 = enc::base64_encode(html);
    for (size_t i = 0; i < b64.size(); i += 76) encoded += b64.substr(i, 76) + "\r\n";
  } else if (cte == "quoted-printable") {
    encoded = encode_qp(html);
  } else {
    encoded = std::move(html);
  }
  out.append(raw.substr(cursor, at - cursor));
  out += encoded;
  cursor = at + p.body.size();
}

}  // namespace

std::string encode_qp(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  size_t col = 0;
  auto put = [&](std::string_view piece) {
    if (col + piece.size() > 75) {
      out += "=\r\n";
      col = 0;
    }
    out += piece;
    col += piece.size();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    if (c == '\n') {
      out += "\r\n";
      col = 0;
      continue;
    }
    bool at_eol = i + 1 == s.size() || s[i + 1] == '\n' || s[i + 1] == '\r';
    if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol)) {
      char one[1] = {static_cast<char>(c)};
      put(std::string_view(one, 1));
    } else {
      char three[3] = {'=', hex[c >> 4], hex[c & 15]};
      put(std::string_view(three, 3));
    }
  }
  return out;
}

std::string rewrite_html(std::string_view raw, const std::function<std::string(std::string)>& f) {
  mime::Message m;
  try {
    m = mime::parse(raw);
  } catch (const mime::Error&) {
    return std::string(raw);
  }
  // The head of the message is never an HTML body's text: start after the header block.
  size_t cursor = raw.find("\r\n\r\n");
  size_t lf = raw.find("\n\n");
  if (cursor == std::string_view::npos || (lf != std::string_view::npos && lf < cursor)) cursor = lf;
  if (cursor == std::string_view::npos) return std::string(raw);
  std::string out(raw.substr(0, cursor));
  out.reserve(raw.size() + 1024);
  rewrite_leaves(m, raw, cursor, out, f);
  out.append(raw.substr(cursor));
  return out;
}

std::string add_tracking(std::string_view html, std::string_view base, std::string_view id, bool opens, bool clicks,
                         std::vector<TrackedLink>& links) {
  std::string out;
  out.reserve(html.size() + 512);
  const std::string click = std::string(base) + "/_stratus/ses/click?id=" + std::string(id) + "&amp;n=";
  size_t i = 0;
  while (clicks && i < html.size()) {
    size_t lt = html.find('<', i);
    if (lt == std::string_view::npos) break;
    bool anchor =
        iequal_at(html, lt, "<a") && lt + 2 < html.size() && std::isspace(static_cast<unsigned char>(html[lt + 2]));
    size_t gt = anchor ? tag_end(html, lt) : std::string_view::npos;
    if (!anchor || gt == std::string_view::npos) {
      out.append(html.substr(i, lt + 1 - i));
      i = lt + 1;
      continue;
    }
    std::string_view tag = html.substr(lt, gt - lt);
    auto attrs = attributes(tag);
    const Attr* href = nullptr;
    bool no_track = false;
    std::string tags;
    for (const auto& a : attrs) {
      if (a.name == "href" && a.has_value && !href) href = &a;
      if (a.name == "ses:no-track") no_track = true;
      if (a.name == "ses:tags" && a.has_value) tags = std::string(tag.substr(a.value_at, a.value_len));
    }
    std::string url = href ? unescape_amp(tag.substr(href->value_at, href->value_len)) : "";
    bool web = iequal_at(url, 0, "http://") || iequal_at(url, 0, "https://");
    if (!href || no_track || !web) {
      out.append(html.substr(i, gt + 1 - i));
      i = gt + 1;
      continue;
    }
    TrackedLink link;
    link.url = url;
    size_t p = 0;
    while (p < tags.size()) {
      size_t semi = tags.find(';', p);
      if (semi == std::string::npos) semi = tags.size();
      std::string kv = tags.substr(p, semi - p);
      size_t colon = kv.find(':');
      if (colon != std::string::npos && colon > 0) link.tags.emplace_back(kv.substr(0, colon), kv.substr(colon + 1));
      p = semi + 1;
    }
    out.append(html.substr(i, lt - i));
    out.append(tag.substr(0, href->value_at));
    out += click + std::to_string(links.size());
    out.append(tag.substr(href->value_at + href->value_len));
    out.push_back('>');
    links.push_back(std::move(link));
    i = gt + 1;
  }
  out.append(html.substr(i));
  if (!opens) return out;
  std::string pixel = "<img alt=\"\" src=\"" + std::string(base) + "/_stratus/ses/open?id=" + std::string(id) +
                      "\" style=\"display: none; width: 1px; height: 1px;\">";
  std::string low = ascii_lower(out);
  size_t body = low.rfind("</body>");
  if (body == std::string::npos) return out + pixel;
  out.insert(body, pixel);
  return out;
}

}  // namespace stratus::ses
