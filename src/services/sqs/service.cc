// Amazon SQS: the service and its operation table. Queues and messages live in storage with
// in-memory indexes (store.h, queue.h); the message flow is state.h's; handlers are in ops/.
#include "core/env.h"
#include "server/context.h"
#include "services/cloudwatch/api.h"
#include "services/sqs/ops.h"
#include "services/sqs/port.h"
#include "services/sqs/query_names.h"
#include "services/sqs/schema.h"
#include "services/sqs/state.h"

namespace stratus::sqs {
namespace {

class SqsService final : public Service {
 public:
  SqsService() : Service("sqs") {
    register_query_names();
    add("CreateQueue", create_queue);
    add("GetQueueUrl", get_queue_url);
    add("ListQueues", list_queues);
    add("DeleteQueue", delete_queue);
    add("GetQueueAttributes", get_queue_attributes);
    add("SetQueueAttributes", set_queue_attributes);
    add("SendMessage", send_message);
    add("SendMessageBatch", send_message_batch);
    add_async("ReceiveMessage", receive_message);
    add("DeleteMessage", delete_message);
    add("DeleteMessageBatch", delete_message_batch);
    add("ChangeMessageVisibility", change_message_visibility);
    add("ChangeMessageVisibilityBatch", change_message_visibility_batch);
    add("PurgeQueue", purge_queue);
    add("TagQueue", tag_queue);
    add("UntagQueue", untag_queue);
    add("ListQueueTags", list_queue_tags);
    add("ListDeadLetterSourceQueues", list_dead_letter_source_queues);
    add("AddPermission", add_permission);
    add("RemovePermission", remove_permission);
    add("StartMessageMoveTask", start_message_move_task);
    add("ListMessageMoveTasks", list_message_move_tasks);
    add("CancelMessageMoveTask", cancel_message_move_task);
    gap("ChangeMessageVisibility",
        "the 12-hour limit counts from the receive only while the server runs "
        "(receive times are not stored): after a restart it is not checked");
    gap("AWSTraceHeader", "its format is not validated");
    gap("Error texts",
        "several texts come from other emulators' recordings, not AWS pages: the "
        "RedriveAllowPolicy, AddPermission principal/action and tag-rule messages");
  }

  void attach(ServerContext& ctx) override {
    ctx.provide<Api>(&port_);
    ctx.provide<State>(&state_);  // for the handlers: state(OpContext&)
  }
  void start(ServerContext& ctx) override {
    state_.metrics = ctx.port<cloudwatch::Api>();
    state_.start(ctx.storage(), ctx.scheduler("sqs"));
    if (state_.metrics)
      ctx.scheduler("sqs").every("sqs.metrics", env_positive("STRATUS_SQS_METRICS_MS", 60'000),
                                 [this] { state_.publish_gauges(); });
  }
  void reset() override { state_.reset(); }
  std::span<const storage::Keyspace> keyspaces() const override { return kKeyspaces; }
  // SQS words its own errors for names outside its enums (InvalidAttributeName, ...) and
  // ReceiveMessage's AttributeNames takes message attribute names (ops/input.cc, state.cc).
  bool validates_enums() const override { return false; }
  void complete_input(const model::Operation& op, const http::Request& req, Doc& input) const override {
    sqs::complete_input(op, req, input);
  }

 private:
  State state_;
  Port port_{state_};
};

}  // namespace

State& state(OpContext& ctx) { return *ctx.server.port<State>(); }

std::unique_ptr<Service> make_service() { return std::make_unique<SqsService>(); }

}  // namespace stratus::sqs
