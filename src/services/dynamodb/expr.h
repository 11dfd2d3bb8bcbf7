// DynamoDB expressions: ConditionExpression, FilterExpression, KeyConditionExpression,
// ProjectionExpression and UpdateExpression, with ExpressionAttributeNames/Values.
//
// Parsing resolves #names and :values through an ExprContext, which records what was used so
// that the request can fail the way AWS fails for unused names/values. Every error is an
// AwsError (ValidationException) worded as AWS words it. Evaluation never throws for conditions
// (a type mismatch makes a comparison false, as on AWS); applying an update throws AWS's
// ValidationException when an operand has the wrong type or a path can't be updated.
#pragma once

#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/doc.h"
#include "services/dynamodb/value.h"

namespace stratus::dynamodb {

struct PathElem {
  std::string name;  // map key (when index < 0)
  int index = -1;    // list index
  bool is_index() const { return index >= 0; }
};
using Path = std::vector<PathElem>;
// "[a, b, [2]]"-like text as AWS prints paths in messages.
std::string path_text(const Path& p);

struct Operand {
  enum class Kind { path, value, size, if_not_exists, list_append, plus, minus };
  Kind kind = Kind::value;
  Path path;
  Value value;
  std::vector<Operand> args;

  static Operand of_path(Path p) {
    Operand o;
    o.kind = Kind::path;
    o.path = std::move(p);
    return o;
  }
  static Operand of_value(Value v) {
    Operand o;
    o.kind = Kind::value;
    o.value = std::move(v);
    return o;
  }
  // `kind` (plus, minus, list_append, ...) over `args`.
  static Operand of(Kind kind, std::vector<Operand> args) {
    Operand o;
    o.kind = kind;
    o.args = std::move(args);
    return o;
  }
};

struct Condition {
  enum class Kind {
    eq,
    ne,
    lt,
    le,
    gt,
    ge,
    between,
    in,
    and_,
    or_,
    not_,
    exists,
    not_exists,
    type,
    begins_with,
    contains
  };
  Kind kind = Kind::eq;
  std::vector<Operand> operands;
  std::vector<Condition> children;

  // and_/or_ over two conditions, or not_ over one: the parsers' and the legacy forms' one way
  // to combine conditions.
  static Condition both(Kind kind, Condition left, Condition right) {
    Condition c;
    c.kind = kind;
    c.children.push_back(std::move(left));
    c.children.push_back(std::move(right));
    return c;
  }
  static Condition negation(Condition inner) {
    Condition c;
    c.kind = Kind::not_;
    c.children.push_back(std::move(inner));
    return c;
  }
};

struct UpdateAction {
  enum class Kind { set, remove, add, del };
  Kind kind;
  Path path;
  Operand value;  // set: the new value; add/del: the operand
};

// Names and values of one request; tracks which are used by its expressions.
class ExprContext {
 public:
  // names/values: the request's ExpressionAttributeNames / ExpressionAttributeValues (or
  // nullptr). Validates them (empty maps, key syntax, value validity). Throws AwsError.
  ExprContext(const Doc* names, const Doc* values);
  const std::string& name(const std::string& ref, const std::string& expr_kind);
  const Value& value(const std::string& ref, const std::string& expr_kind);
  // Throws AWS's error for names/values no expression used, or for names/values given
  // without any expression.
  void check_all_used(bool any_expression) const;

 private:
  std::map<std::string, std::string> names_;
  std::map<std::string, Value> values_;
  std::set<std::string> used_names_, used_values_;
  bool has_names_ = false, has_values_ = false;
};

// AWS's limits on one expression, checked without parsing it (linear in its length, nothing
// recursive): at most 4 KB, at most 300 operators and functions, document paths at most 32
// levels deep, no redundant parentheses ("((a = :v))"). Throws AWS's ValidationException
// ("Invalid <kind>Expression: ..."). The parse_* functions check the same first; the commit
// lane's callers check it on the I/O thread so nothing unbounded is queued on the lane.
void check_expression_limits(const std::string& text, const std::string& kind);

// kind is the parameter's name without "Expression": "Condition", "Filter", "KeyCondition".
Condition parse_condition(const std::string& text, const std::string& kind, ExprContext& ctx);
std::vector<UpdateAction> parse_update(const std::string& text, ExprContext& ctx);
std::vector<Path> parse_projection(const std::string& text, ExprContext& ctx);

// nullptr when the path does not resolve.
const Value* resolve(const Item& item, const Path& path);
bool evaluate(const Condition& c, const Item& item);
// Applies the actions to `item` (AWS semantics: operands read the item as it was before).
// Throws AwsError.
void apply_update(const std::vector<UpdateAction>& actions, Item& item);
// The item reduced to the projected paths (nested maps and lists keep only what was asked).
Item project(const Item& item, const std::vector<Path>& paths);

}  // namespace stratus::dynamodb
