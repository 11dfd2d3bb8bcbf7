#include "services/ssm/ops.h"

namespace stratus::ssm {

bool can_seal(OpContext&) { return false; }

std::string seal(OpContext&, std::string_view, std::string_view, std::string_view) {
  throw errors::invalid_key_id("KMS is not available.");
}

std::string unseal(OpContext&, std::string_view, std::string_view) {
  throw errors::invalid_key_id("KMS is not available.");
}

}  // namespace stratus::ssm
