// S3 bucket configuration operations (ops/config.cc): added to the operation table by
// add_config_operations() before guard_operations() wraps the table (access.h).
#pragma once

namespace stratus {
class Service;
}

namespace stratus::s3 {

void add_config_operations(stratus::Service& s);

}  // namespace stratus::s3
