// Values of the Velocity Template Language as API Gateway's Java renderer holds them.
//
// Velocity works on Java objects; mapping templates see Strings, Integers/Longs, Doubles,
// Booleans, ArrayLists and LinkedHashMaps (from JSON and literals), and a few host objects
// ($input, $util, $foreach). Value reproduces exactly that: lists and maps are shared by
// reference (as Java references are: `#set($b = $a)` then `$b.add(1)` changes $a), maps keep
// insertion order, and to_string() answers what Java's toString() answers ("[a, b]",
// "{k=v, k2=v2}", "1.0E10").
//
// Thread safety: a Value graph belongs to one rendering; nothing here is shared across threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/variant_value.h"

namespace stratus::apigateway::vtl {

class Value;
class Object;
using List = std::vector<Value>;

// An insertion-ordered map (Java's LinkedHashMap): re-putting a key keeps its position.
class Map {
 public:
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  // Returns the previous value (null Value when the key was new), as Map.put does.
  Value put(std::string key, Value v);
  Value remove(std::string_view key);
  size_t size() const;
  const std::vector<std::pair<std::string, Value>>& items() const { return items_; }
  void clear();

 private:
  std::vector<std::pair<std::string, Value>> items_;
};

// Lists and maps are shared (Java references), so a template can build a cycle
// (`$l.add($l)`), which reference counting never frees. While a CycleCollector is alive on a
// thread it tracks the containers created there; when it ends it empties those that still
// reach themselves, so every render frees what it made.
class CycleCollector {
 public:
  CycleCollector();
  ~CycleCollector();
  CycleCollector(const CycleCollector&) = delete;
  CycleCollector& operator=(const CycleCollector&) = delete;
  static void track(const std::shared_ptr<List>& l);
  static void track(const std::shared_ptr<Map>& m);

 private:
  std::vector<std::weak_ptr<List>> lists_;
  std::vector<std::weak_ptr<Map>> maps_;
  CycleCollector* previous_;
};

class Value : public VariantValue<Value> {
 public:
  enum class Type { null, boolean, integer, floating, string, list, map, object };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(int64_t{i}) {}
  Value(int64_t i) : v_(i) {}
  Value(double d) : v_(d) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::shared_ptr<List> l) : v_(std::move(l)) {}
  Value(std::shared_ptr<Map> m) : v_(std::move(m)) {}
  Value(std::shared_ptr<Object> o) : v_(std::move(o)) {}
  Value(const Value&) = default;
  Value(Value&&) noexcept = default;
  Value& operator=(const Value&) = default;
  Value& operator=(Value&&) noexcept = default;
  // Frees nested lists and maps without recursion: a template can nest them in a loop
  // (`#set($a = [$a])`) far deeper than the stack could unwind one level per call.
  ~Value();
  static Value new_list() {
    auto l = std::make_shared<List>();
    CycleCollector::track(l);
    return Value(std::move(l));
  }
  static Value new_map() {
    auto m = std::make_shared<Map>();
    CycleCollector::track(m);
    return Value(std::move(m));
  }

  // type(), is_null() ... is_map(), as_bool(), as_int(), as_double(), as_string(): VariantValue.
  bool is_object() const { return type() == Type::object; }

  List& list() const { return *std::get<std::shared_ptr<List>>(v_); }
  Map& map() const { return *std::get<std::shared_ptr<Map>>(v_); }
  Object& object() const { return *std::get<std::shared_ptr<Object>>(v_); }
  // Identity of a list or map (for cycle checks while printing).
  const void* identity() const;

  // Java's String.valueOf(value): "null", "true", "12", "1.5", "[a, b]", "{k=v}".
  std::string to_string() const;
  // Velocity's equality (ASTEQNode): numbers numerically, same types by equals(), otherwise the
  // toString() forms.
  bool equals(const Value& o) const;

 private:
  friend class VariantValue<Value>;
  std::variant<std::monostate, bool, int64_t, double, std::string, std::shared_ptr<List>,
               std::shared_ptr<Map>, std::shared_ptr<Object>>
      v_;
};

inline size_t Map::size() const {
  return items_.size();
}

// A host object ($input, $util, $foreach): properties and methods answered natively.
class Object {
 public:
  virtual ~Object() = default;
  // $obj.name: false when the object has no such property.
  virtual bool property(std::string_view name, Value& out) { return false; }
  // $obj.name(args): false when there is no such method (for these arguments).
  virtual bool call(std::string_view name, const std::vector<Value>& args, Value& out) {
    return false;
  }
  virtual std::string to_string() const { return "{}"; }
};

// Java's Double.toString(d).
std::string java_double(double d);

// JSON text <-> Value. parse_json keeps member order, makes integers Integer/Long and other
// numbers Double, and throws std::runtime_error on malformed text or nesting deeper than 256.
Value parse_json(std::string_view text);
// Compact JSON of v (objects' members in order; host objects as their to_string()).
std::string write_json(const Value& v);
void write_json_string(std::string_view s, std::string& out);

}  // namespace stratus::apigateway::vtl
