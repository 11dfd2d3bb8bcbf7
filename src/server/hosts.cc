#include "server/hosts.h"

#include <vector>

namespace stratus {

std::optional<std::string> virtual_host_bucket(std::string_view host) {
  if (auto colon = host.rfind(':'); colon != std::string_view::npos && host.find(']') == std::string_view::npos)
    host = host.substr(0, colon);
  std::vector<std::string_view> labels;
  while (!host.empty()) {
    auto dot = host.find('.');
    labels.push_back(host.substr(0, dot));
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  // The first "s3" / "s3-<region>" / "s3-website..." label after at least one bucket label.
  for (size_t i = 1; i < labels.size(); ++i) {
    std::string_view l = labels[i];
    if (l == "s3" || l.substr(0, 3) == "s3-") {
      std::string bucket;
      for (size_t j = 0; j < i; ++j) {
        if (j) bucket += '.';
        bucket += labels[j];
      }
      return bucket;
    }
  }
  return std::nullopt;
}

}  // namespace stratus
