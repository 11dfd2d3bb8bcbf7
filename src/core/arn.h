// ARNs: arn:partition:service:region:account-id:resource. The one place ARNs are parsed and
// built: Arn::make(service, region, account, resource) for the "aws" partition (region "" for
// global services: IAM, STS), root_arn(account) for an account's root principal.
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
  // "arn:aws:<service>:<region>:<account>:<resource>".
  static std::string make(std::string_view service, std::string_view region, std::string_view account,
                          std::string_view resource) {
    std::string s;
    s.reserve(13 + service.size() + region.size() + account.size() + resource.size());
    s.append("arn:aws:").append(service).append(":").append(region).append(":").append(account).append(":");
    s.append(resource);
    return s;
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

// An account's root principal: "arn:aws:iam::<account>:root".
inline std::string root_arn(std::string_view account) {
  return Arn::make("iam", "", account, "root");
}

}  // namespace stratus
