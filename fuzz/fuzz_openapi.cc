// Fuzz OpenAPI / Swagger import (services/apigateway/openapi.h): arbitrary JSON or YAML text is
// parsed, imported, exported in both dialects and written back as YAML. AwsError is an
// acceptable answer; crashes, leaks and hangs are not.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "services/apigateway/openapi.h"

using namespace stratus;
using namespace stratus::apigateway;

namespace {
std::string next_id(size_t n) {
  static uint64_t i = 0;
  std::string s = std::to_string(++i);
  s.resize(n, 'a');
  return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    Doc spec = openapi::parse_text(in);
    openapi::ImportOptions opt;
    opt.api_id = "fuzz";
    opt.root_id = "root";
    opt.new_id = next_id;
    opt.basepath = size % 3 == 0 ? "prepend" : "ignore";
    openapi::Imported im = openapi::import_document(spec, opt);
    Doc stored = Doc::map();
    stored.set("api", im.api);
    stored.set("models", im.models);
    stored.set("authorizers", im.authorizers);
    stored.set("validators", im.validators);
    stored.set("gatewayResponses", im.gateway_responses);
    for (const char* type : {"oas30", "swagger"}) {
      openapi::ExportOptions eo;
      eo.type = type;
      eo.apigateway = true;
      eo.stage = "s";
      eo.host = "h";
      Doc out = openapi::export_document(stored, im.resources, eo);
      (void)openapi::to_yaml(out);
    }
  } catch (const AwsError&) {
  }
  return 0;
}
