// rest-json codec fuzzer (Lambda, API Gateway v1/v2, SES v2). The first byte picks the service.
#include "fuzz_rest_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const kServices[] = {"lambda", "apigateway", "apigatewayv2", "sesv2"};
  if (size == 0) return 0;
  const auto* svc = stratus::model::Models::get(kServices[data[0] % 4]);
  stratus::fuzz::run(*svc, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
