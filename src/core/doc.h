// Doc: the decoded, protocol-neutral document that handlers receive and return.
//
// Every codec (json, rest-json, rest-xml, query, rpc-v2-cbor) decodes a request into a Doc shaped
// like the operation's input structure in the service model, and encodes a Doc shaped like the
// output structure. Handlers therefore never see HTTP, XML, JSON or CBOR.
//
// Types follow the Smithy/botocore data model: structure and map -> Map, list -> List,
// string/enum -> String, integer/long -> Int, float/double -> Double, boolean -> Bool,
// blob -> Blob (raw bytes, never base64), timestamp -> Timestamp (epoch milliseconds).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/variant_value.h"

namespace stratus {

class Doc;
using DocList = std::vector<Doc>;
using DocMap = std::map<std::string, Doc, std::less<>>;

struct Blob {
  std::string bytes;
  bool operator==(const Blob&) const = default;
};

// Milliseconds since the Unix epoch; AWS timestamps carry at most millisecond precision.
struct Timestamp {
  int64_t millis = 0;
  bool operator==(const Timestamp&) const = default;
};

class Doc : public VariantValue<Doc> {
 public:
  enum class Type { null, boolean, integer, floating, string, blob, timestamp, list, map };

  Doc() = default;
  Doc(std::nullptr_t) {}
  Doc(bool b) : v_(b) {}
  Doc(int i) : v_(int64_t{i}) {}
  Doc(int64_t i) : v_(i) {}
  Doc(uint32_t i) : v_(int64_t{i}) {}
  Doc(double d) : v_(d) {}
  Doc(std::string s) : v_(std::move(s)) {}
  Doc(std::string_view s) : v_(std::string(s)) {}
  Doc(const char* s) : v_(std::string(s)) {}
  Doc(Blob b) : v_(std::move(b)) {}
  Doc(Timestamp t) : v_(t) {}
  Doc(DocList l) : v_(std::move(l)) {}
  Doc(DocMap m) : v_(std::move(m)) {}

  static Doc map() { return Doc(DocMap{}); }
  static Doc list() { return Doc(DocList{}); }

  // type(), is_null() ... is_map(), as_bool(), as_int(), as_double(), as_string(): VariantValue.
  bool is_blob() const { return type() == Type::blob; }
  bool is_timestamp() const { return type() == Type::timestamp; }

  // Accessors assume the type; callers check first (codecs validate against the model).
  const Blob& as_blob() const { return std::get<Blob>(v_); }
  Timestamp as_timestamp() const { return std::get<Timestamp>(v_); }
  const DocList& as_list() const { return std::get<DocList>(v_); }
  DocList& as_list() { return std::get<DocList>(v_); }
  const DocMap& as_map() const { return std::get<DocMap>(v_); }
  DocMap& as_map() { return std::get<DocMap>(v_); }

  // Map helpers. get() returns nullptr when absent or when this is not a map.
  const Doc* get(std::string_view key) const;
  Doc* get(std::string_view key);
  bool has(std::string_view key) const { return get(key) != nullptr; }
  // Inserts or replaces; turns a null Doc into a map first.
  Doc& set(std::string key, Doc value);
  Doc& operator[](std::string_view key);  // creates null member (and map) when missing
  void push(Doc value);                   // turns a null Doc into a list first

  // Convenience for optional members.
  std::string str(std::string_view key, std::string_view dflt = {}) const;
  int64_t integer(std::string_view key, int64_t dflt = 0) const;
  bool flag(std::string_view key, bool dflt = false) const;

  size_t size() const;
  bool operator==(const Doc& o) const { return v_ == o.v_; }

 private:
  friend class VariantValue<Doc>;
  std::variant<std::monostate, bool, int64_t, double, std::string, Blob, Timestamp, DocList, DocMap> v_;
};

}  // namespace stratus
