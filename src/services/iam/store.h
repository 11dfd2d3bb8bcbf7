// IAM's records of one account: roles, managed policies, attachments, inline policies, users
// and access keys. IAM is global: no region.
//
// Storage: keyspace "iam" (schema.h), key "<account>/<kind>/<name>", value a JSON record. Kinds and names
// (on disk: never change):
//   role           <role name>                          the Role (CreateDate epoch ms)
//   policy         "policy" <path> <name> (ARN resource) the Policy, with its "Versions" list
//   role-attached  <role name> "\n" <policy ARN>         {PolicyArn, PolicyName}
//   role-inline    <role name> "\n" <policy name>        {PolicyName, PolicyDocument}
//   user           <user name>                          the User
//   user-attached  <user name> "\n" <policy ARN>         {PolicyArn, PolicyName}
//   access-key     <user name> "\n" <access key id>      {UserName, AccessKeyId, Status, CreateDate}
//   instance-profile <profile name>                     {Path, InstanceProfileName, InstanceProfileId, Arn,
//                                                        CreateDate, RoleName (at most one role), Tags}
//   oidc-provider  <url without https://>               {Url, ClientIDList, ThumbprintList, CreateDate, Tags}
// Storage errors are thrown as InternalFailure. Thread safe (the engine is; nothing in memory).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/doc.h"
#include "storage/engine.h"

namespace stratus::iam {

class Store {
 public:
  Store(storage::Engine& engine, std::string account) : engine_(engine), account_(std::move(account)) {}

  const std::string& account() const { return account_; }

  std::optional<Doc> load(std::string_view kind, std::string_view name);
  void put(std::string_view kind, std::string_view name, const Doc& d);
  void erase(std::string_view kind, std::string_view name);
  // Every record of a kind, in name order; `within` narrows to names starting with it.
  std::vector<std::pair<std::string, Doc>> scan(std::string_view kind, std::string_view within = {});

 private:
  std::string key(std::string_view kind, std::string_view name) const;

  storage::Engine& engine_;
  std::string account_;
};

}  // namespace stratus::iam
