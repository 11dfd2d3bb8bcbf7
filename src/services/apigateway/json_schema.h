// A small JSON Schema (draft 4) validator for API Gateway request models.
//
// Supported keywords: type (string or list; "integer" accepts integral numbers), properties,
// required, additionalProperties (bool or schema), patternProperties, items (schema or tuple),
// additionalItems (bool), minItems/maxItems, uniqueItems, enum, minimum/maximum with draft 4's
// boolean exclusiveMinimum/exclusiveMaximum, multipleOf, minLength/maxLength (code points),
// pattern (searched, not anchored, with the VTL regex engine and its work budget),
// minProperties/maxProperties, allOf/anyOf/oneOf/not, $ref ("#/definitions/..." inside the
// document, anything else through the resolver — API Gateway's
// "https://apigateway.amazonaws.com/restapis/{api}/models/{Model}" names another model).
// Unknown keywords (format, title, description, $schema, ...) are ignored, as draft 4 allows.
//
// The first violation found is reported as a short text in AWS's style
// ("object has missing required properties ([\"name\"])"), with its JSON pointer.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/doc.h"

namespace stratus::apigateway {

// Finds the schema a non-local $ref names (nullptr: unresolvable, a validation error).
using SchemaResolver = std::function<const Doc*(const std::string& ref)>;

// nullopt when `value` satisfies `schema`; otherwise the first violation.
std::optional<std::string> validate_schema(const Doc& schema, const Doc& value, const SchemaResolver& resolve = {});

}  // namespace stratus::apigateway
