// A minimal streaming XML writer for responses: appends to one string, escapes text and
// attribute values. Element names come from the model and are trusted; text is not.
//
//   w.open("A"); w.xmlns("", ns); w.attr("k", v); w.open_end(); w.text(t); w.close("A");
#pragma once

#include <string>
#include <string_view>

namespace stratus::protocol::xml {

// Appends text content escaped as Writer::text does: markup characters, and CR (XML parsers
// turn a bare CR into LF); runs of plain bytes are copied at once.
inline void append_text(std::string& out, std::string_view s) {
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char* rep;
    switch (s[i]) {
      case '&':
        rep = "&amp;";
        break;
      case '<':
        rep = "&lt;";
        break;
      case '>':
        rep = "&gt;";
        break;
      case '\r':
        rep = "&#xD;";
        break;
      default:
        continue;
    }
    out.append(s.data() + run, i - run);
    out += rep;
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
}

class Writer {
 public:
  void declaration() { out_ += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"; }
  // Starts a start tag; attributes may follow until open_end().
  void open(std::string_view name) {
    out_ += '<';
    out_ += name;
  }
  void xmlns(std::string_view prefix, std::string_view uri) {
    if (uri.empty()) return;
    out_ += prefix.empty() ? " xmlns" : " xmlns:";
    out_ += prefix;
    out_ += "=\"";
    escape_attr(uri);
    out_ += '"';
  }
  void attr(std::string_view name, std::string_view value) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    escape_attr(value);
    out_ += '"';
  }
  void open_end() { out_ += '>'; }
  void text(std::string_view t) { append_text(out_, t); }
  void close(std::string_view name) {
    out_ += "</";
    out_ += name;
    out_ += '>';
  }
  std::string take() { return std::move(out_); }

 private:
  // Attribute values: markup characters and quotes, and CR/LF/TAB (so parsers don't normalise
  // them away).
  void escape_attr(std::string_view s) {
    for (char c : s) {
      switch (c) {
        case '&': out_ += "&amp;"; break;
        case '<': out_ += "&lt;"; break;
        case '>': out_ += "&gt;"; break;
        case '"':
          out_ += "&quot;";
          break;
        case '\r': out_ += "&#xD;"; break;
        case '\n':
          out_ += "&#xA;";
          break;
        case '\t':
          out_ += "&#x9;";
          break;
        default: out_ += c;
      }
    }
  }
  std::string out_;
};

}  // namespace stratus::protocol::xml
