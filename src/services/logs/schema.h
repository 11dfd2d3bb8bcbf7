// CloudWatch Logs' keyspaces, declared once (storage/keys.h). The layouts are on disk: existing
// data must keep reading back, so a layout never changes; a new one gets a new keyspace.
// JSON records without a version member are v1.
#pragma once

#include "storage/keys.h"

namespace stratus::logs::schema {

inline constexpr storage::Keyspace kGroups{"logs.groups", "scope(account, region) raw(group name)",
                                           "{creationTime, retentionInDays, tags, logGroupClass}, JSON v1"};
inline constexpr storage::Keyspace kStreams{
    "logs.streams", "scope(account, region) str(group name) raw(stream name)",
    "{creationTime, firstEventTimestamp, lastEventTimestamp, lastIngestionTime, storedBytes}, JSON v1"};
inline constexpr storage::Keyspace kEvents{
    "logs.events", "scope(account, region) str(group name) text(stream name) u64(timestamp ms) u64(sequence)",
    "u64(ingestion ms) then the message bytes"};

inline constexpr storage::Keyspace kMetricFilters{
    "logs.metricfilters", "scope(account, region) str(group name) raw(filter name)",
    "{filterName, filterPattern, metricTransformations, creationTime, applyOnTransformedLogs, "
    "fieldSelectionCriteria, emitSystemFieldDimensions}, JSON v1"};
inline constexpr storage::Keyspace kQueries{
    "logs.queries", "scope(account, region) raw(query id)",
    "{queryString, logGroupNames, startTime, endTime, limit, createTime, status, results, statistics}, JSON v1"};

inline constexpr storage::Keyspace kSubscriptions{
    "logs.subscriptions", "scope(account, region) str(group name) raw(filter name)",
    "{filterName, filterPattern, destinationArn, roleArn, distribution, creationTime, applyOnTransformedLogs, "
    "fieldSelectionCriteria, emitSystemFields}, JSON v1"};

inline constexpr storage::Keyspace kKeyspaces[] = {kGroups,        kStreams, kEvents,
                                                   kMetricFilters, kQueries, kSubscriptions};

}  // namespace stratus::logs::schema
