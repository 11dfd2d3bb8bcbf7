// Placeholder until validation lands: accepts everything.
#include "protocol/validate.h"

namespace stratus::protocol {
std::optional<AwsError> validate(const model::ServiceModel&, const model::Shape&, const Doc&,
                                 const std::string&) {
  return std::nullopt;
}
}  // namespace stratus::protocol
