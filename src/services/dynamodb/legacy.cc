#include "services/dynamodb/legacy.h"

#include <set>

#include "core/error.h"

namespace stratus::dynamodb {
namespace {


std::string tname(const Value& v) { return std::string(type_name(v.type)); }

Operand path_operand(const std::string& attr) {
  return Operand::of_path(Path{PathElem{attr, -1}});
}

Condition with_operands(Condition::Kind k, const std::string& attr, std::vector<Value> values) {
  Condition c;
  c.kind = k;
  c.operands.push_back(path_operand(attr));
  for (auto& v : values) c.operands.push_back(Operand::of_value(std::move(v)));
  return c;
}

// One ComparisonOperator with its AttributeValueList, checked as AWS checks it.
Condition comparison(const std::string& attr, const std::string& op, const Doc* list, bool key_conditions) {
  using K = Condition::Kind;
  std::vector<Value> values;
  if (list && list->is_list())
    for (const auto& d : list->as_list()) values.push_back(from_doc(d));
  size_t n = values.size();
  static const std::set<std::string> one = {"EQ", "NE", "LE", "LT", "GE", "GT", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH"};
  static const std::set<std::string> known = {"EQ", "NE", "LE", "LT", "GE", "GT", "CONTAINS", "NOT_CONTAINS",
                                              "BEGINS_WITH", "NULL", "NOT_NULL", "IN", "BETWEEN"};
  if (!known.count(op)) throw invalid_values("Unsupported ComparisonOperator: " + op);
  if (key_conditions) {
    static const std::set<std::string> indexable = {"EQ", "LE", "LT", "GE", "GT", "BEGINS_WITH", "BETWEEN"};
    if (!indexable.count(op)) throw errors::validation("Attempted conditional constraint is not an indexable operation");
  }
  bool count_ok = (op == "NULL" || op == "NOT_NULL") ? n == 0 : one.count(op) ? n == 1 : op == "BETWEEN" ? n == 2 : n >= 1;
  if (!count_ok) throw invalid_values("Invalid number of argument(s) for the " + op + " ComparisonOperator");
  for (const auto& v : values) {
    bool ok = true;
    if (op == "LE" || op == "LT" || op == "GE" || op == "GT" || op == "BETWEEN" || op == "IN")
      ok = v.is_scalar_key_type();
    else if (op == "BEGINS_WITH")
      ok = v.type == Type::S || v.type == Type::B;
    else if (op == "CONTAINS" || op == "NOT_CONTAINS")
      ok = !v.is_set() && v.type != Type::M && v.type != Type::L;
    if (!ok) throw invalid_values("ComparisonOperator " + op + " is not valid for " + tname(v) + " AttributeValue type");
  }
  if (op == "BETWEEN") {
    if (values[0].type != values[1].type) throw invalid_values("AttributeValues inside AttributeValueList must be of same type");
    if (compare_scalar(values[0], values[1]) > 0)
      throw errors::validation("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound");
  }
  if (op == "EQ") return with_operands(K::eq, attr, std::move(values));
  if (op == "NE") return with_operands(K::ne, attr, std::move(values));
  if (op == "LE") return with_operands(K::le, attr, std::move(values));
  if (op == "LT") return with_operands(K::lt, attr, std::move(values));
  if (op == "GE") return with_operands(K::ge, attr, std::move(values));
  if (op == "GT") return with_operands(K::gt, attr, std::move(values));
  if (op == "BETWEEN") return with_operands(K::between, attr, std::move(values));
  if (op == "IN") return with_operands(K::in, attr, std::move(values));
  if (op == "BEGINS_WITH") return with_operands(K::begins_with, attr, std::move(values));
  if (op == "NULL") return with_operands(K::not_exists, attr, {});
  if (op == "NOT_NULL") return with_operands(K::exists, attr, {});
  Condition c = with_operands(K::contains, attr, std::move(values));
  if (op == "CONTAINS") return c;
  return Condition::negation(std::move(c));
}

// One entry of Expected (ExpectedAttributeValue).
Condition expected(const std::string& attr, const Doc& e) {
  const Doc* value = e.get("Value");
  const Doc* list = e.get("AttributeValueList");
  const Doc* exists = e.get("Exists");
  if (value && list) throw invalid_values("Value and AttributeValueList cannot be used together for Attribute: " + attr);
  if (!e.has("ComparisonOperator")) {
    if (list) throw invalid_values("AttributeValueList can only be used with a ComparisonOperator for Attribute: " + attr);
    bool must_exist = !exists || !exists->is_bool() || exists->as_bool();
    if (must_exist && !value)
      throw invalid_values(std::string("Value must be provided when Exists is ") + (exists ? "true" : "null") +
                    " for Attribute: " + attr);
    if (!must_exist && value) throw invalid_values("Value cannot be used when Exists is false for Attribute: " + attr);
    if (!must_exist) return with_operands(Condition::Kind::not_exists, attr, {});
    return with_operands(Condition::Kind::eq, attr, {from_doc(*value)});
  }
  if (exists) throw invalid_values("Exists and ComparisonOperator cannot be used together for Attribute: " + attr);
  if (value) {
    Doc one = Doc::list();
    one.push(*value);
    return comparison(attr, e.str("ComparisonOperator"), &one, false);
  }
  return comparison(attr, e.str("ComparisonOperator"), list, false);
}

}  // namespace

void check_expression_mix(const Doc& in) {
  static const char* const expression[] = {"ProjectionExpression", "FilterExpression", "KeyConditionExpression",
                                           "ConditionExpression", "UpdateExpression"};
  static const char* const legacy[] = {"AttributesToGet", "QueryFilter", "ScanFilter", "ConditionalOperator",
                                       "KeyConditions", "Expected", "AttributeUpdates"};
  std::string e, l;
  for (const char* k : expression)
    if (in.has(k)) e += (e.empty() ? "" : ", ") + std::string(k);
  for (const char* k : legacy)
    if (in.has(k)) l += (l.empty() ? "" : ", ") + std::string(k);
  if (!e.empty() && !l.empty())
    throw errors::validation("Can not use both expression and non-expression parameters in the same request: "
                             "Non-expression parameters: {" + l + "} Expression parameters: {" + e + "}");
  if (in.has("ConditionalOperator") && !in.has("Expected") && !in.has("QueryFilter") && !in.has("ScanFilter"))
    throw invalid_values("ConditionalOperator can only be used when Filter or Expected conditions have been specified");
}

std::optional<Condition> legacy_condition(const Doc& conditions, const std::string& param,
                                          const std::string& conditional_operator) {
  if (!conditions.is_map() || conditions.as_map().empty()) return std::nullopt;
  bool key_conditions = param == "KeyConditions";
  if (key_conditions && conditions.as_map().size() > 2) throw errors::validation("Conditions can be of length 1 or 2 only");
  std::optional<Condition> out;
  for (const auto& [attr, spec] : conditions.as_map()) {
    Condition c = param == "Expected" ? expected(attr, spec)
                                      : comparison(attr, spec.str("ComparisonOperator"), spec.get("AttributeValueList"), key_conditions);
    if (!out) {
      out = std::move(c);
      continue;
    }
    out = Condition::both(conditional_operator == "OR" ? Condition::Kind::or_ : Condition::Kind::and_, std::move(*out),
                          std::move(c));
  }
  return out;
}

std::vector<UpdateAction> legacy_updates(const Doc& attribute_updates) {
  std::vector<UpdateAction> actions;
  if (!attribute_updates.is_map()) return actions;
  for (const auto& [attr, u] : attribute_updates.as_map()) {
    std::string action = u.str("Action", "PUT");
    const Doc* value = u.get("Value");
    UpdateAction a;
    a.path = Path{PathElem{attr, -1}};
    if (!value) {
      if (action != "DELETE") throw invalid_values("Only DELETE action is allowed when no attribute value is specified");
      a.kind = UpdateAction::Kind::remove;
      actions.push_back(std::move(a));
      continue;
    }
    Value v = from_doc(*value);
    if (action == "PUT") {
      a.kind = UpdateAction::Kind::set;
    } else if (action == "ADD") {
      if (v.type != Type::N && !v.is_set()) throw invalid_values("ADD action is not supported for the type " + tname(v));
      a.kind = UpdateAction::Kind::add;
    } else {
      if (!v.is_set()) throw invalid_values("DELETE action with value is not supported for the type " + tname(v));
      a.kind = UpdateAction::Kind::del;
    }
    a.value = Operand::of_value(std::move(v));
    actions.push_back(std::move(a));
  }
  return actions;
}

std::vector<Path> legacy_attributes_to_get(const Doc& names) {
  std::vector<Path> paths;
  std::set<std::string> seen;
  if (!names.is_list()) return paths;
  for (const auto& n : names.as_list()) {
    std::string name = n.is_string() ? n.as_string() : "";
    if (!seen.insert(name).second) throw invalid_values("Duplicate value in attribute name: " + name);
    paths.push_back(Path{PathElem{name, -1}});
  }
  return paths;
}

}  // namespace stratus::dynamodb
