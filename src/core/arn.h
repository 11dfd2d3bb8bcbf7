// ARNs: arn:partition:service:region:account-id:resource
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stratus {

struct Arn {
  std::string partition, service, region, account, resource;
  std::string str() const {
    return "arn:" + partition + ":" + service + ":" + region + ":" + account + ":" + resource;
  }
  // nullopt unless s has the six colon-separated parts with "arn" first.
  static std::optional<Arn> parse(std::string_view s) {
    Arn a;
    std::string* parts[] = {&a.partition, &a.service, &a.region, &a.account};
    if (s.substr(0, 4) != "arn:") return std::nullopt;
    s.remove_prefix(4);
    for (auto* p : parts) {
      auto c = s.find(':');
      if (c == std::string_view::npos) return std::nullopt;
      *p = std::string(s.substr(0, c));
      s.remove_prefix(c + 1);
    }
    if (a.partition.empty() || a.service.empty()) return std::nullopt;
    a.resource = std::string(s);
    return a;
  }
};

}  // namespace stratus
