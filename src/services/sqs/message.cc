#include "services/sqs/message.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "core/encoding.h"
#include "core/env.h"
#include "services/sqs/common.h"
#include "services/sqs/record.h"

namespace stratus::sqs {
namespace {

// Version 1 records begin with be64(1) and have fixed 8-byte integers and lengths; version 2
// (written now) begins with the byte 2 and has varints: a tenth smaller per SNS fan-out copy.
constexpr char kRecordVersion = 2;

void put_attrs(std::string& out, const Attributes& attrs) {
  put_var(out, attrs.size());
  for (const auto& a : attrs) {
    put_var_str(out, a.name);
    put_var_str(out, a.data_type);
    put_var_str(out, a.value);
  }
}

Attributes read_attrs(Reader& r, bool v1) {
  uint64_t n = v1 ? r.u64() : r.var();
  if (n > 1024) throw std::runtime_error("sqs: bad attribute count in record");
  Attributes attrs(n);
  for (auto& a : attrs) {
    a.name = v1 ? r.str() : r.var_str();
    a.data_type = v1 ? r.str() : r.var_str();
    a.value = v1 ? r.str() : r.var_str();
  }
  return attrs;
}

void put_be32(std::string& out, size_t n) {
  for (int i = 3; i >= 0; --i) out += static_cast<char>((n >> (i * 8)) & 0xff);
}

bool valid_attribute_name(std::string_view n) {
  if (n.empty() || n.size() > 256) return false;
  for (char c : n) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.';
    if (!ok) return false;
  }
  if (n.front() == '.' || n.back() == '.' || n.find("..") != std::string_view::npos) return false;
  auto lower = [](std::string_view s) {
    std::string o(s);
    for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
  };
  std::string l = lower(n);
  return l.rfind("aws.", 0) != 0 && l.rfind("amazon.", 0) != 0;
}

// A Number attribute value as SQS takes it (Java BigDecimal syntax): [+-] digits [. digits]
// [e [+-] digits], with at most 38 significant digits and a magnitude of 10^-128..10^+126 (or 0).
bool is_number(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::string digits;  // every mantissa digit, in order
  int64_t point = -1;  // digits before the decimal point
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == '.' && point < 0) {
      point = static_cast<int64_t>(digits.size());
    } else {
      break;
    }
  }
  if (digits.empty()) return false;
  if (point < 0) point = static_cast<int64_t>(digits.size());
  int64_t exp = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool neg = i < s.size() && s[i] == '-';
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i == s.size()) return false;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      if (exp < 100000) exp = exp * 10 + (s[i] - '0');
    }
    if (neg) exp = -exp;
  }
  if (i != s.size()) return false;
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return true;  // zero
  size_t last = digits.find_last_not_of('0');
  if (last - first + 1 > 38) return false;
  // The value is 0.d(first)... x 10^magnitude.
  int64_t magnitude = point - static_cast<int64_t>(first) + exp;
  return magnitude - 1 >= -128 && magnitude - 1 <= 126;
}

}  // namespace

namespace {
std::atomic<int64_t> g_payload_bytes{0};

// 32 MB; STRATUS_SQS_RESIDENT_BYTES overrides it (tests set 0 to read every payload back).
int64_t resident_budget() {
  static const int64_t budget = env_int("STRATUS_SQS_RESIDENT_BYTES", int64_t{32} << 20);
  return budget;
}
}  // namespace

Payload::Payload(const Payload& o)
    : id(o.id),
      body(o.body),
      md5_body(o.md5_body),
      md5_attrs(o.md5_attrs),
      md5_sys(o.md5_sys),
      attrs(o.attrs),
      trace_header(o.trace_header),
      sender_id(o.sender_id),
      dedup_id(o.dedup_id),
      sequence_number(o.sequence_number) {}

Payload::~Payload() {
  if (charged_)
    g_payload_bytes.fetch_sub(static_cast<int64_t>(charged_), std::memory_order_relaxed);
}

void Payload::charge() {
  if (charged_) return;
  // Heap bytes: strings past the small-string buffer, attribute entries, the object itself.
  auto heap = [](const std::string& s) { return s.size() > 15 ? s.capacity() + 1 : 0; };
  size_t n = sizeof(Payload) + 16 + heap(id) + heap(body) + heap(md5_body) + heap(md5_attrs) +
             heap(md5_sys) + heap(trace_header) + heap(sender_id) + heap(dedup_id);
  for (const auto& a : attrs)
    n += sizeof(Attribute) + heap(a.name) + heap(a.data_type) + heap(a.value);
  charged_ = n;
  g_payload_bytes.fetch_add(static_cast<int64_t>(n), std::memory_order_relaxed);
}

PayloadPtr seal(std::shared_ptr<Payload> p) {
  p->charge();
  return p;
}

int64_t payload_bytes() {
  return g_payload_bytes.load(std::memory_order_relaxed);
}
bool payload_resident_ok() {
  return payload_bytes() < resident_budget();
}

namespace {

// A message record's fields in their order, once for the writer and the reader: `f` has
// str(s...), attrs(a) and num(n...), and either writes or reads each argument in turn.
template <typename M, typename P, typename F>
void message_fields(M& m, P& p, F& f) {
  f.str(p.id, p.body, p.md5_body, p.md5_attrs, p.md5_sys);
  f.attrs(p.attrs);
  f.str(p.trace_header, p.sender_id, m.group_id, p.dedup_id, m.dlq_source_arn);
  f.num(p.sequence_number, m.sent_ms, m.visible_at);  // visible_at: initial visibility (delay)
}

struct FieldWriter {
  std::string& out;
  template <typename... S>
  void str(const S&... s) {
    (put_var_str(out, s), ...);
  }
  void attrs(const Attributes& a) { put_attrs(out, a); }
  template <typename... N>
  void num(N... n) {
    (put_var(out, static_cast<uint64_t>(n)), ...);
  }
};

struct FieldReader {
  Reader& r;
  bool v1;
  template <typename... S>
  void str(S&... s) {
    ((s = v1 ? r.str() : r.var_str()), ...);
  }
  void attrs(Attributes& a) { a = read_attrs(r, v1); }
  template <typename... N>
  void num(N&... n) {
    ((n = static_cast<N>(v1 ? r.u64() : r.var())), ...);
  }
};

}  // namespace

std::string encode_message(const Message& m, const Payload& p) {
  std::string out;
  out.reserve(p.body.size() + p.id.size() + p.sender_id.size() + 64);
  out += kRecordVersion;
  FieldWriter w{out};
  message_fields(m, p, w);
  return out;
}

MessagePtr decode_message(std::string_view data) {
  bool v1 = !data.empty() && data[0] == '\0';
  if (!v1 && (data.empty() || data[0] != kRecordVersion))
    throw std::runtime_error("sqs: unknown message record version");
  Reader r(data.substr(v1 ? 0 : 1));
  if (v1 && r.u64() != 1) throw std::runtime_error("sqs: unknown message record version");
  auto m = std::make_shared<Message>();
  auto p = std::make_shared<Payload>();
  FieldReader f{r, v1};
  message_fields(*m, *p, f);
  m->payload = seal(std::move(p));
  return m;
}

std::string encode_state(const Message& m) {
  std::string out;
  put_u64(out, static_cast<uint64_t>(m.visible_at));
  put_u64(out, static_cast<uint64_t>(m.first_receive_ms));
  put_u64(out, m.receive_count);
  put_u64(out, m.nonce);
  return out;
}

void decode_state(std::string_view data, Message& m) {
  Reader r(data);
  m.visible_at = r.i64();
  m.first_receive_ms = r.i64();
  m.receive_count = static_cast<uint32_t>(r.u64());
  m.nonce = static_cast<uint32_t>(r.u64());
}

std::string md5_hex(std::string_view data) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  // Fetched once: OpenSSL 3 looks an implicitly named digest up (under a lock) on every call.
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  EVP_Digest(data.data(), data.size(), d, &n, md5 ? md5 : EVP_md5(), nullptr);
  return enc::hex(std::string_view(reinterpret_cast<const char*>(d), n));
}

std::string md5_of_attributes(const Attributes& attrs) {
  if (attrs.empty()) return {};
  std::string buf;
  for (const auto& a : attrs) {
    put_be32(buf, a.name.size());
    buf += a.name;
    put_be32(buf, a.data_type.size());
    buf += a.data_type;
    buf += static_cast<char>(a.binary() ? 2 : 1);
    put_be32(buf, a.value.size());
    buf += a.value;
  }
  return md5_hex(buf);
}

long first_invalid_char(std::string_view s) {
  auto bad = enc::first_non_xml_char(s);
  return bad ? static_cast<long>(bad->value) : -1;
}

std::string char_ref(long cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "#x%lX", cp);
  return buf;
}

size_t message_size(std::string_view body, const Attributes& attrs) {
  size_t n = body.size();
  for (const auto& a : attrs) n += a.name.size() + a.data_type.size() + a.value.size();
  return n;
}

Attributes parse_attributes(const Doc* map) {
  Attributes out;
  if (!map || !map->is_map()) return out;
  if (map->size() > 10) {
    throw invalid("Number of message attributes [" + std::to_string(map->size()) +
                  "] exceeds the allowed maximum [10].");
  }
  for (const auto& [name, v] : map->as_map()) {
    if (!valid_attribute_name(name)) {
      throw invalid("Message (user) attribute name '" + name + "' is invalid. The attribute name can contain "
                    "A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters.");
    }
    Attribute a;
    a.name = name;
    a.data_type = v.str("DataType");
    if (a.data_type.empty()) {
      throw invalid("The message attribute '" + name + "' must contain non-empty message attribute type.");
    }
    std::string_view base = std::string_view(a.data_type).substr(0, a.data_type.find('.'));
    if (base != "String" && base != "Number" && base != "Binary") {
      throw invalid("The type of message (user) attribute '" + name +
                    "' is invalid. You must use only the following supported type prefixes: Binary, Number, String.");
    }
    if (a.data_type.size() > 256) {
      throw invalid("Message (user) attribute '" + name + "' type must be less than 256 characters.");
    }
    if (long cp = first_invalid_char(a.data_type);
        cp >= 0) {  // custom type labels: "String.<label>"
      throw errors::invalid_message_contents("Invalid binary character '" + char_ref(cp) +
                                             "' was found in the type of message attribute '" + name +
                                             "', the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | "
                                             "#xE000 to #xFFFD | #x10000 to #x10FFFF");
    }
    if (v.has("StringListValues") || v.has("BinaryListValues")) {
      throw errors::unsupported_operation("Message attribute list values in SendMessage operation are not supported.");
    }
    if (base == "Binary") {
      const Doc* b = v.get("BinaryValue");
      if (!b || !b->is_blob() || b->as_blob().bytes.empty()) {
        throw invalid("The message attribute '" + name + "' with type 'Binary' must use field 'Binary'.");
      }
      a.value = b->as_blob().bytes;
    } else {
      const Doc* s = v.get("StringValue");
      if (!s || !s->is_string()) {
        throw invalid("The message attribute '" + name + "' with type '" + std::string(base) +
                      "' must use field 'String'.");
      }
      if (s->as_string().empty()) {
        throw invalid("Message (user) attribute '" + name + "' must contain a non-empty value of type '" +
                      std::string(base) + "'.");
      }
      a.value = s->as_string();
      if (base == "Number" && !is_number(a.value)) {
        throw invalid("Can't cast the value of message (user) attribute '" + name + "' to a number.");
      }
      if (long cp = first_invalid_char(a.value); cp >= 0) {
        throw errors::invalid_message_contents("Invalid binary character '" + char_ref(cp) +
                                               "' was found in the message attribute '" + name +
                                               "', the set of allowed characters is #x9 | #xA | #xD | #x20 to "
                                               "#xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF");
      }
    }
    out.push_back(std::move(a));
  }
  std::sort(out.begin(), out.end(), [](const Attribute& x, const Attribute& y) { return x.name < y.name; });
  return out;
}

Doc attributes_doc(const Attributes& attrs) {
  Doc m = Doc::map();
  for (const auto& a : attrs) {
    Doc v = Doc::map();
    v.set("DataType", a.data_type);
    if (a.binary()) v.set("BinaryValue", Blob{a.value});
    else v.set("StringValue", a.value);
    m.set(a.name, std::move(v));
  }
  return m;
}

}  // namespace stratus::sqs
