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
// JSON string escaping of s (without surrounding quotes): '"', '\\' and control characters
// (\b \t \n \f \r, others \u00XX); everything else, UTF-8 included, as it is.
std::string escape(std::string_view s);
// Appends escape(s) to out.
void escape_into(std::string& out, std::string_view s);
// escape(s).size(), without making it.
size_t escaped_size(std::string_view s);

}  // namespace stratus::json
