#include "services/dynamodb/value.h"

#include <algorithm>
#include <set>

#include "core/encoding.h"

namespace stratus::dynamodb {
namespace {

constexpr int kMaxDepth = 32;

const char* const kNames[] = {"", "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"};


void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

bool get_varint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    unsigned char b = static_cast<unsigned char>(in[0]);
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

bool get_bytes(std::string_view& in, std::string& s) {
  uint64_t n;
  if (!get_varint(in, n) || n > in.size()) return false;
  s.assign(in.data(), n);
  in.remove_prefix(n);
  return true;
}

std::string set_text(const std::vector<std::string>& elems, Type t) {
  std::string s = "[";
  for (size_t i = 0; i < elems.size(); ++i) {
    if (i) s += ", ";
    s += t == Type::BS ? enc::base64_encode(elems[i]) : elems[i];
  }
  return s + "]";
}

void encode_value(const Value& v, std::string& out);
bool decode_value(std::string_view& in, Value& v, int depth);

}  // namespace

std::string_view type_name(Type t) { return kNames[static_cast<int>(t)]; }

bool type_from_name(std::string_view name, Type& out) {
  for (int i = 1; i <= 10; ++i) {
    if (name == kNames[i]) {
      out = static_cast<Type>(i);
      return true;
    }
  }
  return false;
}

Type element_type(Type set) {
  return set == Type::SS ? Type::S : set == Type::NS ? Type::N : Type::B;
}
Type set_type(Type element) {
  return element == Type::S ? Type::SS : element == Type::N ? Type::NS : Type::BS;
}

Value from_doc(const Doc& av, int depth) {
  if (depth > kMaxDepth) throw errors::validation("Nesting Levels have exceeded supported limits");
  if (!av.is_map()) throw errors::validation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  const Doc* member = nullptr;
  Type t = Type::NUL;
  int count = 0;
  for (const auto& [k, d] : av.as_map()) {
    if (d.is_null()) continue;
    Type kt;
    if (!type_from_name(k, kt)) continue;
    ++count;
    member = &d;
    t = kt;
  }
  if (count == 0) throw errors::validation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  if (count > 1) throw errors::validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
  const Doc& d = *member;
  Value v;
  v.type = t;
  switch (t) {
    case Type::S:
      if (!d.is_string()) throw errors::serialization("Unexpected value type in payload");
      v.scalar = d.as_string();
      break;
    case Type::N:
      if (!d.is_string()) throw errors::serialization("Unexpected value type in payload");
      v.scalar = Decimal::must(d.as_string()).str();
      break;
    case Type::B:
      if (d.is_blob()) v.scalar = d.as_blob().bytes;
      else if (d.is_string()) v.scalar = d.as_string();
      else throw errors::serialization("Unexpected value type in payload");
      break;
    case Type::BOOL:
      if (!d.is_bool()) throw errors::serialization("Unexpected value type in payload");
      v.boolean = d.as_bool();
      break;
    case Type::NUL:
      if (!d.is_bool()) throw errors::serialization("Unexpected value type in payload");
      if (!d.as_bool()) throw invalid_values("Null attribute value types must have the value of true");
      break;
    case Type::M:
      if (!d.is_map()) throw errors::serialization("Unexpected value type in payload");
      for (const auto& [k, e] : d.as_map()) v.map.emplace(k, from_doc(e, depth + 1));
      break;
    case Type::L:
      if (!d.is_list()) throw errors::serialization("Unexpected value type in payload");
      v.list.reserve(d.as_list().size());
      for (const auto& e : d.as_list()) v.list.push_back(from_doc(e, depth + 1));
      break;
    case Type::SS:
    case Type::NS:
    case Type::BS: {
      if (!d.is_list()) throw errors::serialization("Unexpected value type in payload");
      if (d.as_list().empty()) {
        if (t == Type::SS) throw invalid_values("An string set  may not be empty");
        if (t == Type::NS) throw invalid_values("An number set  may not be empty");
        throw invalid_values("Binary sets should not be empty");
      }
      std::vector<std::string> raw;
      for (const auto& e : d.as_list()) {
        if (t == Type::BS && e.is_blob()) raw.push_back(e.as_blob().bytes);
        else if (e.is_string()) raw.push_back(e.as_string());
        else throw errors::serialization("Unexpected value type in payload");
      }
      std::set<std::string> seen;
      for (const auto& r : raw) {
        std::string norm = t == Type::NS ? Decimal::must(r).str() : r;
        if (!seen.insert(norm).second) throw invalid_values("Input collection " + set_text(raw, t) + " contains duplicates.");
        v.set.push_back(std::move(norm));
      }
      break;
    }
  }
  return v;
}

Item item_from_doc(const Doc& m) {
  Item item;
  if (!m.is_map()) return item;
  for (const auto& [k, d] : m.as_map()) item.emplace(k, from_doc(d));
  return item;
}

Doc to_doc(const Value& v) {
  DocMap m;
  switch (v.type) {
    case Type::S: m.emplace("S", Doc(v.scalar)); break;
    case Type::N: m.emplace("N", Doc(v.scalar)); break;
    case Type::B: m.emplace("B", Doc(Blob{v.scalar})); break;
    case Type::BOOL: m.emplace("BOOL", Doc(v.boolean)); break;
    case Type::NUL: m.emplace("NULL", Doc(true)); break;
    case Type::M: m.emplace("M", item_to_doc(v.map)); break;
    case Type::L: {
      DocList l;
      l.reserve(v.list.size());
      for (const auto& e : v.list) l.push_back(to_doc(e));
      m.emplace("L", Doc(std::move(l)));
      break;
    }
    case Type::SS:
    case Type::NS:
    case Type::BS: {
      DocList l;
      l.reserve(v.set.size());
      for (const auto& e : v.set) l.push_back(v.type == Type::BS ? Doc(Blob{e}) : Doc(e));
      m.emplace(std::string(type_name(v.type)), Doc(std::move(l)));
      break;
    }
  }
  return Doc(std::move(m));
}

Doc item_to_doc(const Item& item) {
  DocMap m;
  for (const auto& [k, v] : item) m.emplace_hint(m.end(), k, to_doc(v));
  return Doc(std::move(m));
}

bool equal(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case Type::S:
    case Type::B: return a.scalar == b.scalar;
    case Type::N: return a.scalar == b.scalar;  // both normalised
    case Type::BOOL: return a.boolean == b.boolean;
    case Type::NUL: return true;
    case Type::M:
      if (a.map.size() != b.map.size()) return false;
      for (auto i = a.map.begin(), j = b.map.begin(); i != a.map.end(); ++i, ++j)
        if (i->first != j->first || !equal(i->second, j->second)) return false;
      return true;
    case Type::L:
      if (a.list.size() != b.list.size()) return false;
      for (size_t i = 0; i < a.list.size(); ++i)
        if (!equal(a.list[i], b.list[i])) return false;
      return true;
    default: {
      if (a.set.size() != b.set.size()) return false;
      std::vector<std::string> x = a.set, y = b.set;
      std::sort(x.begin(), x.end());
      std::sort(y.begin(), y.end());
      return x == y;
    }
  }
}

int compare_scalar(const Value& a, const Value& b) {
  if (a.type == Type::N) return compare(a.number(), b.number());
  int c = a.scalar.compare(b.scalar);  // std::string compares as unsigned char
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

size_t value_size(const Value& v) {
  switch (v.type) {
    case Type::S:
    case Type::B: return v.scalar.size();
    case Type::N: return Decimal::must(v.scalar).storage_size();
    case Type::BOOL:
    case Type::NUL: return 1;
    case Type::M: {
      size_t n = 3;
      for (const auto& [k, e] : v.map) n += k.size() + value_size(e) + 1;
      return n;
    }
    case Type::L: {
      size_t n = 3;
      for (const auto& e : v.list) n += value_size(e) + 1;
      return n;
    }
    case Type::NS: {
      size_t n = 0;
      for (const auto& e : v.set) n += Decimal::must(e).storage_size();
      return n;
    }
    default: {
      size_t n = 0;
      for (const auto& e : v.set) n += e.size();
      return n;
    }
  }
}

size_t item_size(const Item& item) {
  size_t n = 0;
  for (const auto& [k, v] : item) n += k.size() + value_size(v);
  return n;
}

namespace {

void encode_value(const Value& v, std::string& out) {
  out += static_cast<char>(v.type);
  switch (v.type) {
    case Type::S:
    case Type::N:
    case Type::B: put_bytes(out, v.scalar); break;
    case Type::BOOL: out += v.boolean ? '\1' : '\0'; break;
    case Type::NUL: break;
    case Type::M: encode_item(v.map, out); break;
    case Type::L:
      put_varint(out, v.list.size());
      for (const auto& e : v.list) encode_value(e, out);
      break;
    default:
      put_varint(out, v.set.size());
      for (const auto& e : v.set) put_bytes(out, e);
  }
}

bool decode_map(std::string_view& in, Item& out, int depth) {
  uint64_t n;
  if (!get_varint(in, n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string name;
    Value v;
    if (!get_bytes(in, name) || !decode_value(in, v, depth + 1)) return false;
    out.emplace_hint(out.end(), std::move(name), std::move(v));
  }
  return true;
}

bool decode_value(std::string_view& in, Value& v, int depth) {
  if (in.empty() || depth > 64) return false;
  unsigned t = static_cast<unsigned char>(in[0]);
  if (t < 1 || t > 10) return false;
  in.remove_prefix(1);
  v.type = static_cast<Type>(t);
  switch (v.type) {
    case Type::S:
    case Type::N:
    case Type::B: return get_bytes(in, v.scalar);
    case Type::BOOL:
      if (in.empty()) return false;
      v.boolean = in[0] != 0;
      in.remove_prefix(1);
      return true;
    case Type::NUL: return true;
    case Type::M: return decode_map(in, v.map, depth);
    case Type::L: {
      uint64_t n;
      if (!get_varint(in, n) || n > in.size()) return false;
      v.list.resize(n);
      for (auto& e : v.list)
        if (!decode_value(in, e, depth + 1)) return false;
      return true;
    }
    default: {
      uint64_t n;
      if (!get_varint(in, n) || n > in.size()) return false;
      v.set.resize(n);
      for (auto& e : v.set)
        if (!get_bytes(in, e)) return false;
      return true;
    }
  }
}

}  // namespace

void encode_item(const Item& item, std::string& out) {
  put_varint(out, item.size());
  for (const auto& [k, v] : item) {
    put_bytes(out, k);
    encode_value(v, out);
  }
}

bool decode_item(std::string_view in, Item& out) {
  out.clear();
  return decode_map(in, out, 0) && in.empty();
}

void encode_key_value(const Value& v, std::string& out) {
  if (v.type == Type::N) {
    Decimal::must(v.scalar).encode_key(out);
    return;
  }
  // Bytes with 0x00 escaped as 00 ff, terminated by 00 01: order-preserving and prefix-free.
  for (char c : v.scalar) {
    out += c;
    if (c == '\0') out += '\xff';
  }
  out += '\0';
  out += '\1';
}

bool decode_key_value(std::string_view& in, Type type, Value& out) {
  out = Value();
  out.type = type;
  if (type == Type::N) {
    Decimal d;
    if (!Decimal::decode_key(in, d)) return false;
    out.scalar = d.str();
    return true;
  }
  while (!in.empty()) {
    char c = in[0];
    in.remove_prefix(1);
    if (c != '\0') {
      out.scalar += c;
      continue;
    }
    if (in.empty()) return false;
    char n = in[0];
    in.remove_prefix(1);
    if (n == '\1') return true;
    if (n != '\xff') return false;
    out.scalar += '\0';
  }
  return false;
}

AwsError invalid_values(std::string what) {
  return errors::validation("One or more parameter values were invalid: " + std::move(what));
}

}  // namespace stratus::dynamodb
