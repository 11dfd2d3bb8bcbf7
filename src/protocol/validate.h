// Input validation from the model: required members, types, enums, lengths, ranges, patterns
// are not checked by AWS for patterns in most services, so neither are they here.
#pragma once

#include <optional>
#include <string>

#include "core/doc.h"
#include "core/error.h"
#include "model/model.h"

namespace stratus::protocol {

// Checks `input` against `shape`. Returns nullopt when valid, else the AWS error:
// code `error_code` ("ValidationException" for JSON services, "ValidationError" for Query ones)
// and AWS's message, e.g.
//   "1 validation error detected: Value null at 'tableName' failed to satisfy constraint:
//    Member must not be null"
// Member paths use the wire name with a lower-case first letter, joined with '.', as AWS does.
std::optional<AwsError> validate(const model::ServiceModel& svc, const model::Shape& shape,
                                 const Doc& input, const std::string& error_code);

}  // namespace stratus::protocol
