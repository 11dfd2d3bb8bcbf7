// Identifiers shaped like AWS's: request ids, resource ids, random tokens.
#pragma once

#include <cstdint>
#include <string>

namespace stratus::ids {

std::string uuid4();                     // 8-4-4-4-12 lower-case hex (x-amzn-RequestId)
// The version-4-shaped UUID of 128 given bits (the version and variant bits overwritten): ids that
// must be the same every time for the same input, drawn from a keyed hash.
std::string uuid4_of(uint64_t high, uint64_t low);
std::string random_upper_alnum(int n);   // e.g. access key id suffixes, S3 request ids
std::string random_lower_alnum(int n);   // e.g. API Gateway rest api ids
std::string random_base64(int bytes);    // e.g. x-amz-id-2, secret keys

}  // namespace stratus::ids
