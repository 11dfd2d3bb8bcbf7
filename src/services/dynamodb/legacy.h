// DynamoDB's legacy (non-expression) parameters, which current SDKs still send: Expected with
// ConditionalOperator, AttributesToGet, AttributeUpdates, KeyConditions, QueryFilter, ScanFilter.
// They are translated into the expression AST of expr.h, so one evaluator serves both forms.
// Every error is AWS's ValidationException, worded as AWS words it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/doc.h"
#include "services/dynamodb/expr.h"

namespace stratus::dynamodb {

// Throws when a request mixes expression and non-expression parameters, or gives a
// ConditionalOperator without conditions to combine.
void check_expression_mix(const Doc& in);

// A map of attribute name -> condition (ExpectedAttributeValue for "Expected", Condition for
// "KeyConditions", "QueryFilter" and "ScanFilter") combined with ConditionalOperator ("AND" when
// empty). nullopt for an empty map.
std::optional<Condition> legacy_condition(const Doc& conditions, const std::string& param,
                                          const std::string& conditional_operator);

// AttributeUpdates (attribute name -> {Value, Action}) as update actions.
std::vector<UpdateAction> legacy_updates(const Doc& attribute_updates);

// AttributesToGet as projection paths.
std::vector<Path> legacy_attributes_to_get(const Doc& names);

}  // namespace stratus::dynamodb
