// The Parameters and Secrets extension's request mapping (services/lambda/params_secrets.h): any
// bytes as the query string of both paths (and as a path), and as cache variables. Must plan a
// call or an answer, never crash; a planned call's input is JSON that parses.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "core/json.h"
#include "services/lambda/params_secrets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (std::string_view path :
       {std::string_view("/systemsmanager/parameters/get"), std::string_view("/secretsmanager/get"), in}) {
    auto c = stratus::lambda::plan_extension_call("GET", path, in);
    if (c.status == 0) (void)stratus::json::parse(c.input);
  }
  std::map<std::string, std::string> env{{"SSM_PARAMETER_STORE_TTL", std::string(in)},
                                         {"PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE", std::string(in)},
                                         {"PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED", std::string(in)}};
  auto cfg = stratus::lambda::extension_cache_config(env);
  if (cfg.ssm_ttl_s < 0 || cfg.ssm_ttl_s > 300 || cfg.size > 1000) __builtin_trap();
  return 0;
}
