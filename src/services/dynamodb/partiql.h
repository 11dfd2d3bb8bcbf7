// DynamoDB's PartiQL dialect: SELECT, INSERT, UPDATE and DELETE statements parsed into the
// expression engine's own structures (Condition, UpdateAction, Path, Value), so that statements
// run through the same evaluator and item write path as the expression-based operations.
//
// `?` parameters are bound while parsing (in order). Every error is an AwsError worded as AWS
// words it ("Statement wasn't well formed, can't be processed: ..." for syntax errors).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/doc.h"
#include "services/dynamodb/expr.h"
#include "services/dynamodb/value.h"

namespace stratus::dynamodb::partiql {

struct Statement {
  enum class Kind { select, insert, update, del };
  Kind kind = Kind::select;
  std::string table, index;                     // FROM "table"."index"
  std::optional<std::vector<Path>> projection;  // SELECT list; nullopt for *
  std::optional<Condition> where;
  std::optional<Path> order_by;  // ORDER BY path [ASC|DESC]
  bool descending = false;
  Item item;                          // INSERT ... VALUE {...}
  std::vector<UpdateAction> actions;  // UPDATE SET/REMOVE
  // RETURNING: "", "ALL_OLD", "ALL_NEW", "MODIFIED_OLD", "MODIFIED_NEW".
  std::string returning;
};

// params: the request's Parameters (AttributeValue Docs) or nullptr. Throws AwsError.
Statement parse(std::string_view text, const DocList* params);

// The conjuncts of a top-level AND chain (the condition itself when it is no AND).
std::vector<const Condition*> conjuncts(const Condition& c);
// The value `attr = value` (either side) fixes in a conjunct, or nullptr.
const Value* equality_on(const Condition& c, std::string_view attr);
// AND of the given conditions (nullopt when empty).
std::optional<Condition> conjunction(const std::vector<const Condition*>& parts);

}  // namespace stratus::dynamodb::partiql
