// Amazon EventBridge: event buses with resource policies, PutEvents, rules (event patterns through
// src/events/pattern, schedule expressions), targets delivered durably through the events queue
// (delivery.cc), archives and replays; the events::Api port (api.h) AWS services emit through.
// Handlers in ops/*.cc (ops.h), records and the PutEvents pipeline in state.h.
#include "core/clock.h"
#include "core/env.h"
#include "server/context.h"
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
    gap("PutTargets",
        "targets deliver to SQS (FIFO with MessageGroupId), Lambda (async), SNS, event buses (same and "
        "cross-account, checked against the bus policy) and CloudWatch Logs; other target types are "
        "accepted and their deliveries fail (NO_RESOURCE, dead-lettered when configured)");
    gap("ScheduleExpression",
        "rate() and cron() every N minutes/hours fire; other cron() expressions are validated "
        "and stored but do not fire yet");
    gap("PutEvents",
        "resource policies are checked for cross-account PutEvents only as Allow/Deny by principal "
        "account and action (Conditions are stored, not evaluated)");
    gap("Partner event sources, endpoints, connections, API destinations", "not implemented");
  }
  void attach(ServerContext& ctx) override {
    state_ = std::make_unique<State>(ctx, ctx.storage());
    ctx.provide<State>(state_.get());
    ctx.provide<Api>(state_.get());
  }
  void start(ServerContext& ctx) override {
    subscribe_delivery(ctx, *state_);
    State* st = state_.get();
    int64_t day = env_positive("STRATUS_EVENTS_DAY_MS", 86'400'000);
    ctx.scheduler("events").every("events.archive-retention", env_positive("STRATUS_EVENTS_SWEEP_MS", 60'000),
                                  [st, day] { sweep_archives(*st, now_millis(), day); });
  }
  std::span<const storage::Keyspace> keyspaces() const override { return schema::kKeyspaces; }

 private:
  std::unique_ptr<State> state_;
};

}  // namespace

std::unique_ptr<Service> make_service() {
  return std::make_unique<EventsService>();
}

}  // namespace stratus::events
