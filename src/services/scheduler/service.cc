// Amazon EventBridge Scheduler: schedule groups and schedules (at(), rate(), cron() in a time zone,
// events/schedule.h), fired durably on the "scheduler" scheduler into templated and universal
// targets (runner.h). Handlers in ops/ (ops.h), storage in store.h, keyspaces in schema.h.
#include "server/context.h"
#include "services/scheduler/ops.h"
#include "services/scheduler/runner.h"
#include "services/scheduler/schema.h"

namespace stratus::scheduler {
namespace {

class SchedulerService final : public Service {
 public:
  SchedulerService() : Service("scheduler") {
    op("CreateSchedule", create_schedule);
    op("GetSchedule", get_schedule);
    op("UpdateSchedule", update_schedule);
    op("DeleteSchedule", delete_schedule);
    op("ListSchedules", list_schedules);
    op("CreateScheduleGroup", create_schedule_group);
    op("GetScheduleGroup", get_schedule_group);
    op("DeleteScheduleGroup", delete_schedule_group);
    op("ListScheduleGroups", list_schedule_groups);
    op("TagResource", tag_resource);
    op("UntagResource", untag_resource);
    op("ListTagsForResource", list_tags_for_resource);
    gap("Targets",
        "ECS RunTask, Kinesis, Firehose, SageMaker, CodeBuild, CodePipeline and Inspector templated "
        "targets fail at invocation (dead-lettered): those services do not exist in Stratus; Step "
        "Functions targets wait for the stepfunctions service, EventBridge targets for the events "
        "service (retried until then)");
    gap("Target.Input",
        "when Input is omitted the target receives \"{}\" (AWS's default notification is not "
        "documented)");
    gap("KmsKeyArn", "stored and returned; nothing is encrypted with it");
    gap("RoleArn",
        "checked when the schedule is written (exists, trusts scheduler.amazonaws.com; not when IAM is not "
        "running) but not assumed at invocation: targets are called as the role's principal without evaluating "
        "its permission policies");
    gap("DeleteScheduleGroup", "schedules are deleted at once (no DELETING state is observable)");
    gap("DeleteSchedule, DeleteScheduleGroup", "ClientToken is accepted but not used for idempotency");
    gap("ValidationException",
        "messages for invalid expressions, time zones, windows, dates and targets are "
        "Stratus' wording where AWS's exact texts are not documented (the model's constraint messages "
        "and the execution role's are AWS's)");
  }
  void attach(ServerContext& ctx) override {
    store_ = std::make_unique<Store>(ctx.storage());
    state_.store = store_.get();
    runner_ = std::make_unique<Runner>(ctx, *store_);
    ctx.provide<State>(&state_);
  }
  void start(ServerContext&) override { runner_->start(); }
  void reset() override { runner_->reset(); }
  std::span<const storage::Keyspace> keyspaces() const override { return schema::kKeyspaces; }

 private:
  // Every operation checks the model's patterns first (ops/patterns.cc).
  void op(std::string name, HandlerFn* fn) {
    add(std::move(name), [fn](OpContext& ctx, const Doc& in) {
      check_patterns(ctx, in);
      return fn(ctx, in);
    });
  }
  std::unique_ptr<Store> store_;
  std::unique_ptr<Runner> runner_;
  State state_;
};

}  // namespace

std::unique_ptr<Service> make_service() {
  return std::make_unique<SchedulerService>();
}

}  // namespace stratus::scheduler
