// Fuzz API Gateway's request-model validator and the authorizer policy matcher: the first line
// is a JSON Schema (or policy), the rest the instance (or method ARN). Malformed JSON is fine;
// crashes, hangs and leaks are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/json.h"
#include "services/apigateway/json_schema.h"
#include "services/apigateway/policy.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  size_t cut = in.find('\n');
  std::string first = in.substr(0, cut);
  std::string rest = cut == std::string::npos ? "" : in.substr(cut + 1);
  (void)apigateway::wildcard_match(first, rest);
  try {
    Doc schema = json::parse(first);
    (void)apigateway::evaluate_policy(schema, rest);
    Doc value = json::parse(rest.empty() ? "null" : rest);
    (void)apigateway::validate_schema(schema, value, [&](const std::string&) { return &schema; });
  } catch (const AwsError&) {
  }
  return 0;
}
