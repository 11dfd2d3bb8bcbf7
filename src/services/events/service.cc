// Amazon EventBridge: event buses with resource policies, PutEvents, rules (event patterns through
// src/events/pattern, schedule expressions), targets delivered durably through the events queue
// (delivery.cc), archives and replays; the events::Api port (api.h) AWS services emit through.
// Handlers in ops/*.cc (ops.h), records and the PutEvents pipeline in state.h.
#include "core/clock.h"
#include "core/env.h"
#include "server/context.h"
#include "services/cloudwatch/api.h"
#include "services/events/ops.h"
#include "services/events/schema.h"

namespace stratus::events {
namespace {

class EventsService final : public Service {
 public:
  EventsService() : Service("events") {
    add("CreateEventBus", create_event_bus);
    add("DescribeEventBus", describe_event_bus);
    add("UpdateEventBus", update_event_bus);
    add("DeleteEventBus", delete_event_bus);
    add("ListEventBuses", list_event_buses);
    add("PutPermission", put_permission);
    add("RemovePermission", remove_permission);
    add("PutRule", put_rule);
    add("DescribeRule", describe_rule);
    add("DeleteRule", delete_rule);
    add("ListRules", list_rules);
    add("EnableRule", enable_rule);
    add("DisableRule", disable_rule);
    add("ListRuleNamesByTarget", list_rule_names_by_target);
    add("PutTargets", put_targets);
    add("RemoveTargets", remove_targets);
    add("ListTargetsByRule", list_targets_by_rule);
    add("TagResource", tag_resource);
    add("UntagResource", untag_resource);
    add("ListTagsForResource", list_tags_for_resource);
    add("PutEvents", put_events);
    add("TestEventPattern", test_event_pattern);
    add("CreateArchive", create_archive);
    add("DescribeArchive", describe_archive);
    add("ListArchives", list_archives);
    add("UpdateArchive", update_archive);
    add("DeleteArchive", delete_archive);
    add("StartReplay", start_replay);
    add("DescribeReplay", describe_replay);
    add("ListReplays", list_replays);
    add("CancelReplay", cancel_replay);
    add("CreateConnection", create_connection);
    add("DescribeConnection", describe_connection);
    add("ListConnections", list_connections);
    add("UpdateConnection", update_connection);
    add("DeleteConnection", delete_connection);
    add("DeauthorizeConnection", deauthorize_connection);
    add("CreateApiDestination", create_api_destination);
    add("DescribeApiDestination", describe_api_destination);
    add("ListApiDestinations", list_api_destinations);
    add("UpdateApiDestination", update_api_destination);
    add("DeleteApiDestination", delete_api_destination);
    gap("PutTargets",
        "targets deliver to SQS (FIFO with MessageGroupId), Lambda (async), SNS, event buses (same and "
        "cross-account, checked against the bus policy), CloudWatch Logs, API Gateway REST stages and "
        "API destinations; other target types (Step Functions, Kinesis, ECS, ...) are accepted and their "
        "deliveries fail (NO_RESOURCE, dead-lettered when configured); RoleArn is not assumed or checked");
    gap("PutEvents",
        "resource policies are checked for cross-account PutEvents only as Allow/Deny by principal "
        "account and action (Conditions are stored, not evaluated)");
    gap("Partner event sources, global endpoints", "not implemented");
    gap("EventPattern", "exact matching of numbers compares values (300 matches 300.0; the 2023 user guide compares "
                        "their text); the error reasons follow event-ruler's wording, without Jackson's "
                        "\" at [Source: ...; line, column]\" suffix");
    gap("InputTransformer", "a path that names nothing renders as \"\" inside a JSON string and null outside "
                            "(AWS leaves the variable out; its rendering of that case is not documented)");
    gap("Delivery",
        "API destination and API Gateway targets are called from a pool of 16 threads: more than 16 slow "
        "endpoint calls at once (up to 5 s / 29 s each) queue behind each other, not behind other targets");
    gap("CreateApiDestination",
        "http:// endpoints are accepted too (AWS requires HTTPS), so that local servers can "
        "be targets; connection secrets are kept in the EventBridge record (and mirrored "
        "into Secrets Manager when it runs), not only in the secret");
  }
  void attach(ServerContext& ctx) override {
    state_ = std::make_unique<State>(ctx, ctx.storage());
    ctx.provide<State>(state_.get());
    ctx.provide<Api>(state_.get());
  }
  void start(ServerContext& ctx) override {
    state_->metrics = ctx.port<cloudwatch::Api>();
    state_->http_workers().start();
    subscribe_delivery(ctx, *state_);
    subscribe_puts(ctx, *state_);
    State* st = state_.get();
    int64_t day = env_positive("STRATUS_EVENTS_DAY_MS", 86'400'000);
    ctx.scheduler("events").every("events.archive-retention", env_positive("STRATUS_EVENTS_SWEEP_MS", 60'000),
                                  [st, day] { sweep_archives(*st, now_millis(), day); });
  }
  void stop() override { state_->http_workers().stop(); }
  std::span<const storage::Keyspace> keyspaces() const override { return schema::kKeyspaces; }

 private:
  std::unique_ptr<State> state_;
};

}  // namespace

std::unique_ptr<Service> make_service() {
  return std::make_unique<EventsService>();
}

}  // namespace stratus::events
