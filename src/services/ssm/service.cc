// AWS Systems Manager Parameter Store: parameters with versions, labels, tiers, policies and tags;
// SecureString values encrypted through KMS (kms/api.h); public parameters under /aws/service/
// from a built-in table. Handlers in ops/*.cc (ops.h), storage in store.h, the pure rules in
// rules.h. Other SSM features (documents, Run Command, ...) are not implemented.
#include <cstdlib>

#include "core/clock.h"
#include "core/env.h"
#include "server/context.h"
#include "services/events/api.h"
#include "services/kms/api.h"
#include "services/ssm/ops.h"
#include "services/ssm/schema.h"

namespace stratus::ssm {
namespace {

int64_t sweep_ms() {
  return env_positive("STRATUS_SSM_SWEEP_MS", 5000);
}

class SsmService final : public Service {
 public:
  SsmService() : Service("ssm") {
    add("PutParameter", put_parameter);
    add("GetParameter", get_parameter);
    add("GetParameters", get_parameters);
    add("GetParametersByPath", get_parameters_by_path);
    add("DescribeParameters", describe_parameters);
    add("GetParameterHistory", get_parameter_history);
    add("LabelParameterVersion", label_parameter_version);
    add("UnlabelParameterVersion", unlabel_parameter_version);
    add("DeleteParameter", delete_parameter);
    add("DeleteParameters", delete_parameters);
    add("AddTagsToResource", add_tags_to_resource);
    add("RemoveTagsFromResource", remove_tags_from_resource);
    add("ListTagsForResource", list_tags_for_resource);
    gap("Events",
        "Parameter Store Change and Parameter Store Policy Action events go to EventBridge when it runs (in the "
        "batch of the write they report); the policy events' action-reason texts are ours (AWS does not document "
        "them)");
    gap("AddTagsToResource", "ResourceType Parameter only; other SSM resources (documents, ...) do not exist");
    gap("/aws/reference/secretsmanager/",
        "GetParameter(s) only (not GetParametersByPath or DescribeParameters); a ':' suffix selects a version id "
        "or staging label");
    gap("DescribeParameters", "Shared (RAM-shared parameters) is ignored: nothing is shared across accounts");
    gap("DataType aws:ec2:image", "the value's ami- format is checked; whether the image exists is not");
  }
  void attach(ServerContext& ctx) override { ctx.provide<Ports>(&ports_); }
  void start(ServerContext& ctx) override {
    ports_.kms = ctx.port<kms::Api>();
    ports_.events = ctx.port<events::Api>();
    storage::Engine* db = &ctx.storage();
    events::Api* bus = ports_.events;
    events::Queue* queue = &ctx.events();
    ctx.scheduler("ssm").every("ssm.expire", sweep_ms(),
                               [db, queue, bus] { expire_due(*db, *queue, now_millis(), bus); });
  }
  std::span<const storage::Keyspace> keyspaces() const override { return schema::kKeyspaces; }

 private:
  Ports ports_;
};

}  // namespace

std::unique_ptr<Service> make_service() {
  return std::make_unique<SsmService>();
}

}  // namespace stratus::ssm
