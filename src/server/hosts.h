// Facts the Host header carries for some services (virtual-hosted S3 buckets, API ids).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stratus {

// The bucket of a virtual-hosted-style S3 request: "my.bucket.s3.localhost:4566" → "my.bucket",
// also "b.s3.us-east-1.amazonaws.com", "b.s3-us-west-2.amazonaws.com". nullopt for path-style
// hosts ("s3.localhost", "localhost:4566", "127.0.0.1").
std::optional<std::string> virtual_host_bucket(std::string_view host);

}  // namespace stratus
