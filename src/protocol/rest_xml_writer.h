// A minimal streaming XML writer for responses: appends to one string, escapes text and
// attribute values. Element names come from the model and are trusted; text is not.
//
//   w.open("A"); w.xmlns("", ns); w.attr("k", v); w.open_end(); w.text(t); w.close("A");
#pragma once

#include <string>
#include <string_view>

namespace stratus::protocol::xml {

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
    escape(uri, true);
    out_ += '"';
  }
  void attr(std::string_view name, std::string_view value) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    escape(value, true);
    out_ += '"';
  }
  void open_end() { out_ += '>'; }
  void text(std::string_view t) { escape(t, false); }
  void close(std::string_view name) {
    out_ += "</";
    out_ += name;
    out_ += '>';
  }
  std::string take() { return std::move(out_); }

 private:
  // Escapes markup characters, and CR/LF/TAB in attributes (so parsers don't normalise them
  // away) and CR in text (XML parsers turn a bare CR into LF).
  void escape(std::string_view s, bool attr) {
    for (char c : s) {
      switch (c) {
        case '&': out_ += "&amp;"; break;
        case '<': out_ += "&lt;"; break;
        case '>': out_ += "&gt;"; break;
        case '"': out_ += attr ? "&quot;" : "\""; break;
        case '\r': out_ += "&#xD;"; break;
        case '\n': out_ += attr ? "&#xA;" : "\n"; break;
        case '\t': out_ += attr ? "&#x9;" : "\t"; break;
        default: out_ += c;
      }
    }
  }
  std::string out_;
};

}  // namespace stratus::protocol::xml
