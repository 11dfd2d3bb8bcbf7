// Fuzz Cognito's JWT verification (services/cognito-idp/api.h: Api::verify_jwt, the port API
// Gateway's COGNITO_USER_POOLS authorizer and the identity pools call with tokens from the
// network). Any input is fine as an answer (claims or an error); crashes, hangs and leaks are not.
// The first bytes pick the pool id, whether revocation is checked and the clock; bit 4 checks the
// input instead as a token of a named key (Api::verify_signed: cognito-identity's OpenID tokens).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/json.h"
#include "services/cognito-idp/common.h"
#include "services/cognito-idp/schema.h"
#include "storage/engine.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<storage::Engine> engine = storage::open_memory();
  static cognitoidp::State* st = [] {
    auto* s = new cognitoidp::State(*engine, std::string(32, 'k'));
    Doc pool = Doc::map();
    pool.set("Id", "us-east-1_fuzz");
    pool.set("_account", "000000000000");
    pool.set("_region", "us-east-1");
    s->store.put(cognitoidp::kPools.name, cognitoidp::Store::pool_key("us-east-1_fuzz"), pool);
    return s;
  }();
  if (size < 1) return 0;
  bool revoked = data[0] & 1;
  std::string pool = (data[0] & 2) ? "us-east-1_fuzz" : "us-east-1_none";
  std::string_view jwt(reinterpret_cast<const char*>(data + 1), size - 1);
  auto v = (data[0] & 4) ? cognitoidp::verify_with_key(*st, "cognito-identity", jwt, 1'700'000'000'000)
                         : cognitoidp::verify_token(*st, pool, jwt, 1'700'000'000'000, revoked);
  if (!v.claims && v.error.empty()) __builtin_trap();
  return 0;
}
