#include "core/json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <vector>

#include "core/encoding.h"
#include "core/error.h"

namespace stratus::json {
namespace {

// SAX handler building a Doc directly (no intermediate DOM), with a depth limit so hostile
// input can't exhaust the stack.
struct Builder {
  std::vector<Doc*> stack;
  std::vector<std::string> keys;
  Doc root;
  bool have_root = false;

  Doc* place(Doc v) {
    if (stack.empty()) {
      root = std::move(v);
      have_root = true;
      return &root;
    }
    Doc* top = stack.back();
    if (top->is_list()) {
      top->as_list().push_back(std::move(v));
      return &top->as_list().back();
    }
    std::string k = std::move(keys.back());
    keys.pop_back();
    return &top->set(std::move(k), std::move(v));
  }
  bool Null() { place(Doc{}); return true; }
  bool Bool(bool b) { place(Doc{b}); return true; }
  bool Int(int i) { place(Doc{int64_t{i}}); return true; }
  bool Uint(unsigned u) { place(Doc{int64_t{u}}); return true; }
  bool Int64(int64_t i) { place(Doc{i}); return true; }
  bool Uint64(uint64_t u) {
    place(u > static_cast<uint64_t>(INT64_MAX) ? Doc{static_cast<double>(u)} : Doc{static_cast<int64_t>(u)});
    return true;
  }
  bool Double(double d) { place(Doc{d}); return true; }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return false; }
  bool String(const char* s, rapidjson::SizeType n, bool) { place(Doc{std::string(s, n)}); return true; }
  bool Key(const char* s, rapidjson::SizeType n, bool) { keys.emplace_back(s, n); return true; }
  bool StartObject() {
    if (stack.size() >= 256) return false;
    stack.push_back(place(Doc::map()));
    return true;
  }
  bool EndObject(rapidjson::SizeType) { stack.pop_back(); return true; }
  bool StartArray() {
    if (stack.size() >= 256) return false;
    stack.push_back(place(Doc::list()));
    return true;
  }
  bool EndArray(rapidjson::SizeType) { stack.pop_back(); return true; }
};

template <typename W>
void emit(W& w, const Doc& d) {
  switch (d.type()) {
    case Doc::Type::null: w.Null(); break;
    case Doc::Type::boolean: w.Bool(d.as_bool()); break;
    case Doc::Type::integer: w.Int64(d.as_int()); break;
    case Doc::Type::floating: w.Double(d.as_double()); break;
    case Doc::Type::string: w.String(d.as_string().data(), static_cast<rapidjson::SizeType>(d.as_string().size())); break;
    case Doc::Type::blob: {
      auto b = enc::base64_encode(d.as_blob().bytes);
      w.String(b.data(), static_cast<rapidjson::SizeType>(b.size()));
      break;
    }
    case Doc::Type::timestamp: {
      int64_t ms = d.as_timestamp().millis;
      if (ms % 1000 == 0) w.Int64(ms / 1000); else w.Double(static_cast<double>(ms) / 1000.0);
      break;
    }
    case Doc::Type::list:
      w.StartArray();
      for (const auto& e : d.as_list()) emit(w, e);
      w.EndArray();
      break;
    case Doc::Type::map:
      w.StartObject();
      for (const auto& [k, v] : d.as_map()) {
        w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
        emit(w, v);
      }
      w.EndObject();
      break;
  }
}

}  // namespace

Doc parse(std::string_view text) {
  Builder b;
  rapidjson::Reader reader;
  rapidjson::MemoryStream ms(text.data(), text.size());
  auto r = reader.Parse<rapidjson::kParseStopWhenDoneFlag | rapidjson::kParseValidateEncodingFlag>(ms, b);
  if (r.IsError()) {
    throw errors::serialization(std::string("Malformed JSON: ") + rapidjson::GetParseError_En(r.Code()));
  }
  // Anything but whitespace after the value is malformed.
  for (size_t i = ms.Tell(); i < text.size(); ++i) {
    char c = text[i];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') throw errors::serialization("Malformed JSON: trailing data");
  }
  return std::move(b.root);
}

std::string write(const Doc& d) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  emit(w, d);
  return std::string(sb.GetString(), sb.GetSize());
}

namespace {
// The escape of each byte: 0 none, 'u' for \u00XX, else the character after the backslash.
constexpr std::array<char, 256> kEscapes = [] {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['\b'] = 'b';
  t['\t'] = 't';
  t['\n'] = 'n';
  t['\f'] = 'f';
  t['\r'] = 'r';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}();
char escape_of(char c) { return kEscapes[static_cast<unsigned char>(c)]; }
}  // namespace

size_t escaped_size(std::string_view s) {
  size_t n = s.size();
  for (char c : s)
    if (char e = escape_of(c)) n += e == 'u' ? 5 : 1;
  return n;
}

void escape_into(std::string& out, std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  size_t plain = 0;  // start of the run of bytes copied as they are
  for (size_t i = 0; i < s.size(); ++i) {
    char e = escape_of(s[i]);
    if (!e) continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    out.push_back('\\');
    out.push_back(e);
    if (e == 'u') {
      unsigned char c = static_cast<unsigned char>(s[i]);
      out.append("00");
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  out.append(s.data() + plain, s.size() - plain);
}

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(escaped_size(s));
  escape_into(out, s);
  return out;
}

}  // namespace stratus::json
