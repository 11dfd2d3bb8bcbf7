// SQS's classic Query API (2012-11-05) as data for the Query codec: the element names its
// clients parse in responses (protocol/query_names.h) and the parameter names they send in
// requests (protocol/query_input_names.h), both differing from the JSON-era model.
#pragma once

namespace stratus::sqs {

// Registers both tables for "sqs" (idempotent; the first registration stays).
void register_query_names();

}  // namespace stratus::sqs
