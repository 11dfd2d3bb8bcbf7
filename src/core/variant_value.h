// VariantValue: the type tests and scalar accessors shared by Stratus' dynamic values that
// hold a std::variant (Doc, API Gateway's VTL Value), written once.
//
// Contract for `Self` (CRTP: `class Doc : public VariantValue<Doc>`):
//  - an `enum class Type` whose enumerators include null, boolean, integer, floating, string,
//    list and map, in the order of the variant's alternatives, which begin with
//    std::monostate, bool, int64_t, double, std::string;
//  - the variant is the member `v_`, reachable by `friend class VariantValue<Self>;`.
// Accessors assume the type (callers check first); as_int/as_double convert between the two
// number alternatives.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace stratus {

template <typename Self>
class VariantValue {
 public:
  auto type() const { return static_cast<typename Self::Type>(self().v_.index()); }
  bool is_null() const { return type() == Self::Type::null; }
  bool is_bool() const { return type() == Self::Type::boolean; }
  bool is_int() const { return type() == Self::Type::integer; }
  bool is_double() const { return type() == Self::Type::floating; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return type() == Self::Type::string; }
  bool is_list() const { return type() == Self::Type::list; }
  bool is_map() const { return type() == Self::Type::map; }

  bool as_bool() const { return std::get<bool>(self().v_); }
  int64_t as_int() const {
    return is_double() ? static_cast<int64_t>(std::get<double>(self().v_)) : std::get<int64_t>(self().v_);
  }
  double as_double() const {
    return is_int() ? static_cast<double>(std::get<int64_t>(self().v_)) : std::get<double>(self().v_);
  }
  const std::string& as_string() const { return std::get<std::string>(self().v_); }
  std::string& as_string() { return std::get<std::string>(static_cast<Self&>(*this).v_); }

 private:
  const Self& self() const { return static_cast<const Self&>(*this); }
};

}  // namespace stratus
