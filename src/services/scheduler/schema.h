// EventBridge Scheduler's keyspaces, declared once (storage/keys.h). Layouts are on disk: they never
// change; a new layout gets a new keyspace. JSON records without a version member are v1.
#pragma once

#include "storage/keys.h"

namespace stratus::scheduler::schema {

// Schedule groups ("default" is written on first use of an account and region).
inline constexpr storage::Keyspace kGroups{"scheduler.groups", "scope(account, region) str(group)",
                                           "{Name, Arn, State, CreationDate, LastModificationDate (ms), Tags, "
                                           "ClientToken}, JSON v1"};
// Schedules: GetSchedule's members (dates in ms) plus the firing state: Next (the next fire time in
// ms, absent when it will not fire again) and Anchor (what rate() counts from).
inline constexpr storage::Keyspace kSchedules{
    "scheduler.schedules", "scope(account, region) str(group) str(name)",
    "{Name, GroupName, Arn, ScheduleExpression, ..., Target, Next, Anchor, ClientToken}, JSON v1"};
// Fire times: one entry per enabled schedule that fires again, at its Next. The entry is removed,
// the next one written and the invocation stored (kInvocations) in one batch.
inline constexpr storage::Keyspace kDue{"scheduler.due", "u64(fire ms) str(account) str(region) str(group) str(name)",
                                        "empty"};
// Invocations waiting for their (next) attempt: written when a schedule fires, removed once the target
// took it or it was dead-lettered/dropped; a retry rewrites it under its new due time.
inline constexpr storage::Keyspace kInvocations{
    "scheduler.invocations", "u64(due ms) str(execution id)",
    "{Account, Region, Group, Name, Arn, Target, ScheduledTime, Attempt, DeleteAfter}, JSON v1"};

inline constexpr storage::Keyspace kKeyspaces[] = {kGroups, kSchedules, kDue, kInvocations};

}  // namespace stratus::scheduler::schema
