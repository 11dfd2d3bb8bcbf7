// EventBridge Scheduler's operation handlers, one per operation and named after it (service.cc
// holds the table), and what they share. State is in storage (store.h); firing is runner.h's.
#pragma once

#include <string>
#include <string_view>

#include "core/doc.h"
#include "services/scheduler/errors.h"
#include "services/scheduler/store.h"
#include "services/service.h"

namespace stratus::scheduler {

// What handlers reach through ctx.server.port<State>().
struct State {
  Store* store = nullptr;
};
Store& store_of(OpContext& ctx);

HandlerFn create_schedule, get_schedule, update_schedule, delete_schedule, list_schedules;
HandlerFn create_schedule_group, get_schedule_group, delete_schedule_group, list_schedule_groups;
HandlerFn tag_resource, untag_resource, list_tags_for_resource;

// The model's pattern constraints on the input (ops/patterns.cc): ValidationException.
void check_patterns(OpContext& ctx, const Doc& in);

// A stored record (dates in ms) as the API answers it (dates as timestamps, no internal members).
Doc render(const Doc& rec);
AwsError schedule_not_found(std::string_view name);
AwsError group_not_found(std::string_view name);

}  // namespace stratus::scheduler
