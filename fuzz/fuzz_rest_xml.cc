// rest-xml codec fuzzer (S3): routing by method/path/query, headers, XML payload bodies.
#include "fuzz_rest_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* s3 = stratus::model::Models::get("s3");
  stratus::fuzz::run(*s3, std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
