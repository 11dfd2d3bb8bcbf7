// DynamoDB attribute values and items: validation (as AWS validates them), conversion from and
// to the decoded request Doc ({"S": "x"}, {"N": "1"}, …), a compact binary encoding for storage,
// item size as AWS counts it, comparison, and the order-preserving key encoding.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/doc.h"
#include "core/result.h"
#include "services/dynamodb/decimal.h"

namespace stratus::dynamodb {

// The values are on disk (encode_item's type bytes, in every stored item, index entry, stream and
// change record): never reorder, only append.
enum class Type : uint8_t { S = 1, N, B, BOOL, NUL, M, L, SS, NS, BS };

// "S", "N", …, "NULL".
std::string_view type_name(Type t);
// False for unknown names.
bool type_from_name(std::string_view name, Type& out);

struct Value;
using Item = std::map<std::string, Value, std::less<>>;

struct Value {
  Type type = Type::NUL;
  bool boolean = true;              // BOOL (NULL is always true)
  std::string scalar;               // S (UTF-8), N (normalised text), B (raw bytes)
  std::vector<std::string> set;     // SS, NS (normalised text), BS; no duplicates
  std::vector<Value> list;          // L
  Item map;                         // M

  static Value str(std::string s) { Value v; v.type = Type::S; v.scalar = std::move(s); return v; }
  static Value num(const Decimal& d) { Value v; v.type = Type::N; v.scalar = d.str(); return v; }
  static Value bin(std::string b) { Value v; v.type = Type::B; v.scalar = std::move(b); return v; }
  static Value boolean_of(bool b) { Value v; v.type = Type::BOOL; v.boolean = b; return v; }

  bool is_set() const { return type == Type::SS || type == Type::NS || type == Type::BS; }
  bool is_scalar_key_type() const { return type == Type::S || type == Type::N || type == Type::B; }
  Decimal number() const { return Decimal::must(scalar); }
};

// The scalar type of a set's elements (SS -> S) and back.
Type element_type(Type set);
Type set_type(Type element);

// AWS's ValidationException "One or more parameter values were invalid: <what>".
AwsError invalid_values(std::string what);

// Converts an AttributeValue Doc, validating it as AWS does; throws AwsError (ValidationException).
Value from_doc(const Doc& av, int depth = 0);
// An item (map of name -> AttributeValue Doc). Throws AwsError.
Item item_from_doc(const Doc& m);
Doc to_doc(const Value& v);
Doc item_to_doc(const Item& item);

// Deep equality with DynamoDB semantics (sets compare as sets, numbers numerically).
bool equal(const Value& a, const Value& b);
// Ordering of two values of the same scalar type (S and B bytewise unsigned, N numerically).
int compare_scalar(const Value& a, const Value& b);

// Bytes AWS counts for the value / for an attribute (name + value) / for an item.
size_t value_size(const Value& v);
size_t item_size(const Item& item);
constexpr size_t kMaxItemSize = 400 * 1024;

// Compact binary encoding used for stored items.
void encode_item(const Item& item, std::string& out);
// False when the bytes are not a valid encoding.
bool decode_item(std::string_view in, Item& out);

// Order-preserving, prefix-free encoding of a key attribute value (S, N or B).
void encode_key_value(const Value& v, std::string& out);
bool decode_key_value(std::string_view& in, Type type, Value& out);

}  // namespace stratus::dynamodb
