// A minimal streaming XML writer for response bodies (awsQuery, rest-xml): appends to a
// string, escapes text and attribute values, no DOM. Callers keep elements balanced.
#pragma once

#include <string>
#include <string_view>

namespace stratus::protocol {

// Appends s with &, <, >, ", ' and carriage returns escaped (a raw \r would be normalised away
// by XML parsers) and other C0 control characters written as character references.
inline void xml_escape(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    const char* rep = nullptr;
    switch (c) {
      case '&': rep = "&amp;"; break;
      case '<': rep = "&lt;"; break;
      case '>': rep = "&gt;"; break;
      case '"': rep = "&quot;"; break;
      case '\'': rep = "&apos;"; break;
      default: break;
    }
    if (!rep && (c >= 0x20 || c == '\n' || c == '\t')) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    if (rep) {
      out += rep;
    } else {
      out += "&#x";
      if (c >= 16) out += kHex[c >> 4];
      out += kHex[c & 15];
      out += ';';
    }
  }
  out.append(s.data() + run, s.size() - run);
}

class XmlWriter {
 public:
  explicit XmlWriter(std::string& out) : out_(out) {}
  void declaration() { out_ += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"; }
  void open(std::string_view name) {
    out_ += '<';
    out_ += name;
    out_ += '>';
  }
  // <name xmlns="ns">
  void open_ns(std::string_view name, std::string_view ns) {
    out_ += '<';
    out_ += name;
    if (!ns.empty()) {
      out_ += " xmlns=\"";
      xml_escape(out_, ns);
      out_ += '"';
    }
    out_ += '>';
  }
  void close(std::string_view name) {
    out_ += "</";
    out_ += name;
    out_ += '>';
  }
  void text(std::string_view s) { xml_escape(out_, s); }
  // Unescaped text the caller knows is safe (numbers, booleans, base64, timestamps).
  void raw(std::string_view s) { out_ += s; }
  void element(std::string_view name, std::string_view value) {
    open(name);
    text(value);
    close(name);
  }
  std::string& buffer() { return out_; }

 private:
  std::string& out_;
};

}  // namespace stratus::protocol
