// Public parameters: the read-only /aws/service/... values tools read (CDK and SAM templates'
// latest AMIs, the global infrastructure listing). A small built-in table: the AMI ids are fixed
// placeholders in AWS's format, not the current images.
#include <algorithm>
#include <map>

#include "services/ssm/ops.h"

namespace stratus::ssm {
namespace {

struct Region {
  const char* code;
  const char* name;
};
constexpr Region kRegions[] = {
    {"af-south-1", "Africa (Cape Town)"},
    {"ap-east-1", "Asia Pacific (Hong Kong)"},
    {"ap-northeast-1", "Asia Pacific (Tokyo)"},
    {"ap-northeast-2", "Asia Pacific (Seoul)"},
    {"ap-northeast-3", "Asia Pacific (Osaka)"},
    {"ap-south-1", "Asia Pacific (Mumbai)"},
    {"ap-south-2", "Asia Pacific (Hyderabad)"},
    {"ap-southeast-1", "Asia Pacific (Singapore)"},
    {"ap-southeast-2", "Asia Pacific (Sydney)"},
    {"ap-southeast-3", "Asia Pacific (Jakarta)"},
    {"ap-southeast-4", "Asia Pacific (Melbourne)"},
    {"ca-central-1", "Canada (Central)"},
    {"ca-west-1", "Canada West (Calgary)"},
    {"eu-central-1", "Europe (Frankfurt)"},
    {"eu-central-2", "Europe (Zurich)"},
    {"eu-north-1", "Europe (Stockholm)"},
    {"eu-south-1", "Europe (Milan)"},
    {"eu-south-2", "Europe (Spain)"},
    {"eu-west-1", "Europe (Ireland)"},
    {"eu-west-2", "Europe (London)"},
    {"eu-west-3", "Europe (Paris)"},
    {"il-central-1", "Israel (Tel Aviv)"},
    {"me-central-1", "Middle East (UAE)"},
    {"me-south-1", "Middle East (Bahrain)"},
    {"sa-east-1", "South America (Sao Paulo)"},
    {"us-east-1", "US East (N. Virginia)"},
    {"us-east-2", "US East (Ohio)"},
    {"us-west-1", "US West (N. California)"},
    {"us-west-2", "US West (Oregon)"},
};

const std::map<std::string, std::string, std::less<>>& table() {
  static const auto* t = [] {
    auto* m = new std::map<std::string, std::string, std::less<>>;
    const std::string amzn = "/aws/service/ami-amazon-linux-latest/";
    (*m)[amzn + "al2023-ami-kernel-default-x86_64"] = "ami-0a3c3a20c09d6f377";
    (*m)[amzn + "al2023-ami-kernel-default-arm64"] = "ami-0c101f26f147fa7fd";
    (*m)[amzn + "al2023-ami-kernel-6.1-x86_64"] = "ami-0a3c3a20c09d6f377";
    (*m)[amzn + "al2023-ami-kernel-6.1-arm64"] = "ami-0c101f26f147fa7fd";
    (*m)[amzn + "al2023-ami-minimal-kernel-default-x86_64"] = "ami-0d7a109bf30624c99";
    (*m)[amzn + "amzn2-ami-hvm-x86_64-gp2"] = "ami-0e731c8a588258d0d";
    (*m)[amzn + "amzn2-ami-hvm-x86_64-ebs"] = "ami-0b8d7a2b6a1f2a5c8";
    (*m)[amzn + "amzn2-ami-hvm-arm64-gp2"] = "ami-0f3b53a1b3e7c4c1e";
    (*m)[amzn + "amzn2-ami-kernel-5.10-hvm-x86_64-gp2"] = "ami-0e731c8a588258d0d";
    (*m)[amzn + "amzn2-ami-kernel-5.10-hvm-arm64-gp2"] = "ami-0f3b53a1b3e7c4c1e";
    (*m)[amzn + "amzn-ami-hvm-x86_64-gp2"] = "ami-0ff8a91507f77f867";
    (*m)["/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id"] = "ami-0bc7e8a8e2c2b3f1d";
    (*m)["/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"] = "ami-0c3a1e2d4b5f6a7b8";
    (*m)["/aws/service/eks/optimized-ami/1.29/amazon-linux-2/recommended/image_id"] = "ami-0d1e2f3a4b5c6d7e8";
    (*m)["/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id"] =
        "ami-0e83be366243f524a";
    (*m)["/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"] =
        "ami-04b70fa74e45c3917";
    const std::string gi = "/aws/service/global-infrastructure/";
    for (const auto& r : kRegions) {
      (*m)[gi + "regions/" + r.code] = r.code;
      (*m)[gi + "regions/" + r.code + "/longName"] = r.name;
      (*m)[gi + "regions/" + r.code + "/partition"] = "aws";
      (*m)[gi + "regions/" + r.code + "/domain"] = "amazonaws.com";
    }
    for (const char* svc : {"lambda", "dynamodb", "sqs", "sns", "s3", "ssm", "kms", "secretsmanager", "apigateway",
                            "logs", "iam", "sts", "cognito-idp", "events", "states"}) {
      (*m)[gi + "services/" + svc] = svc;
      for (const auto& r : kRegions) (*m)[gi + "regions/" + r.code + "/services/" + svc] = svc;
    }
    return m;
  }();
  return *t;
}

bool ami(std::string_view name) {
  return name.find("ami") != std::string_view::npos && name.find("/regions/") == std::string_view::npos;
}

}  // namespace

bool is_public(std::string_view name) {
  return name.starts_with("/aws/");
}

std::optional<Doc> public_record(std::string_view name, std::string_view region) {
  auto it = table().find(name);
  if (it == table().end()) return std::nullopt;
  Doc v = Doc::map();
  v.set("Version", 1);
  v.set("Type", "String");
  v.set("Value", it->second);
  v.set("Tier", "Standard");
  v.set("DataType", ami(name) ? "aws:ec2:image" : "text");
  v.set("LastModifiedDate", int64_t{1700000000000});
  v.set("LastModifiedUser", "arn:aws:iam::aws:root");
  Doc r = Doc::map();
  r.set("Name", std::string(name));
  // Public parameters are AWS's: their ARNs name no account.
  r.set("ARN", "arn:aws:ssm:" + std::string(region) + "::parameter" + std::string(name));
  DocList versions;
  versions.push_back(std::move(v));
  r.set("Versions", Doc(std::move(versions)));
  return r;
}

std::vector<std::string> public_names(std::string_view path, bool recursive) {
  std::string prefix(path);
  if (!prefix.ends_with('/')) prefix += '/';
  std::vector<std::string> out;
  for (auto it = table().lower_bound(prefix); it != table().end() && it->first.starts_with(prefix); ++it) {
    if (!recursive && it->first.find('/', prefix.size()) != std::string::npos) continue;
    out.push_back(it->first);
  }
  return out;
}

}  // namespace stratus::ssm
