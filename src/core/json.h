// Untyped JSON <-> Doc conversion (RapidJSON). Model-driven codecs live in protocol/; this is
// for internal documents: health answers, stored records, tests.
#pragma once

#include <string>
#include <string_view>

#include "core/doc.h"

namespace stratus::json {

// Parses JSON text into a Doc (numbers without fraction/exponent become Int, others Double).
// Throws AwsError(SerializationException) on malformed input or nesting deeper than 256.
Doc parse(std::string_view text);
// Writes a Doc as compact JSON. Blob is written base64, Timestamp as epoch seconds.
std::string write(const Doc& d);
// JSON string escaping of s (without surrounding quotes).
std::string escape(std::string_view s);

}  // namespace stratus::json
