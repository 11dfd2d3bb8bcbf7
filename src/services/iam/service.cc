// AWS Identity and Access Management: roles, managed and inline policies, users and their access
// keys. State is per account (IAM is global: no region). Policy documents are stored as given and
// returned URL-encoded, as IAM's Query API does (SDKs decode them). Enforcement comes later;
// access keys created here already sign requests (they go into the KeyStore).
//
// Layout: the operation table is here; handlers in ops/*.cc (ops.h); records in store.h.
#include <memory>

#include "services/iam/ops.h"
#include "services/iam/schema.h"
#include "services/service.h"

namespace stratus::iam {
namespace {

class IamService final : public Service {
 public:
  IamService() : Service("iam") {
    add("CreateRole", create_role);
    add("GetRole", get_role);
    add("ListRoles", list_roles);
    add("DeleteRole", delete_role);
    add("UpdateRole", update_role);
    add("UpdateAssumeRolePolicy", update_assume_role_policy);
    add("CreatePolicy", create_policy);
    add("GetPolicy", get_policy);
    add("GetPolicyVersion", get_policy_version);
    add("CreatePolicyVersion", create_policy_version);
    add("ListPolicyVersions", list_policy_versions);
    add("DeletePolicyVersion", delete_policy_version);
    add("SetDefaultPolicyVersion", set_default_policy_version);
    add("ListPolicies", list_policies);
    add("DeletePolicy", delete_policy);
    add("AttachRolePolicy", attach_role_policy);
    add("DetachRolePolicy", detach_role_policy);
    add("ListAttachedRolePolicies", list_attached_role_policies);
    add("PutRolePolicy", put_role_policy);
    add("GetRolePolicy", get_role_policy);
    add("DeleteRolePolicy", delete_role_policy);
    add("ListRolePolicies", list_role_policies);
    add("CreateUser", create_user);
    add("GetUser", get_user);
    add("ListUsers", list_users);
    add("DeleteUser", delete_user);
    add("AttachUserPolicy", attach_user_policy);
    add("DetachUserPolicy", detach_user_policy);
    add("ListAttachedUserPolicies", list_attached_user_policies);
    add("CreateAccessKey", create_access_key);
    add("ListAccessKeys", list_access_keys);
    add("DeleteAccessKey", delete_access_key);
    add("CreateInstanceProfile", create_instance_profile);
    add("GetInstanceProfile", get_instance_profile);
    add("DeleteInstanceProfile", delete_instance_profile);
    add("ListInstanceProfiles", list_instance_profiles);
    add("AddRoleToInstanceProfile", add_role_to_instance_profile);
    add("RemoveRoleFromInstanceProfile", remove_role_from_instance_profile);
    add("ListInstanceProfilesForRole", list_instance_profiles_for_role);
    add("TagInstanceProfile", tag_instance_profile);
    add("UntagInstanceProfile", untag_instance_profile);
    add("ListInstanceProfileTags", list_instance_profile_tags);
    add("CreateOpenIDConnectProvider", create_open_id_connect_provider);
    add("GetOpenIDConnectProvider", get_open_id_connect_provider);
    add("ListOpenIDConnectProviders", list_open_id_connect_providers);
    add("DeleteOpenIDConnectProvider", delete_open_id_connect_provider);
    gap("Identity policies",
        "the policies of roles and users (managed, inline, permissions boundaries) are stored and returned but "
        "not evaluated: a request signed by an account's key may do what the account's root may. Resource "
        "policies are evaluated by S3, KMS (key policies, grants), Secrets Manager, EventBridge (cross-account "
        "PutEvents), API Gateway and Logs subscription filters; SQS queue, SNS topic and Lambda function "
        "policies are stored, not evaluated, for callers of the owning account");
  }

  std::span<const storage::Keyspace> keyspaces() const override { return kKeyspaces; }
};

}  // namespace

std::unique_ptr<Service> make_service() { return std::make_unique<IamService>(); }

}  // namespace stratus::iam
