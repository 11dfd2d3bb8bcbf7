// EventBridge's keyspaces, declared once (storage/keys.h). The layouts are on disk: a layout never
// changes; a new one gets a new keyspace. JSON records without a version member are v1.
#pragma once

#include "storage/keys.h"

namespace stratus::events::schema {

// Event buses other than an untouched "default" (which exists without a record).
inline constexpr storage::Keyspace kBuses{"events.buses", "scope(account, region) str(bus name)",
                                          "{Name, Arn, Description, Policy, Tags, CreationTime}, JSON v1"};
// Rules with their targets.
inline constexpr storage::Keyspace kRules{
    "events.rules", "scope(account, region) str(bus name) str(rule name)",
    "{Name, Arn, EventBusName, EventPattern, ScheduleExpression, State, Description, RoleArn, Tags, "
    "CreatedBy, Targets: [Target as PutTargets takes it]}, JSON v1"};
// Archives (the record) and their events (time-ordered).
inline constexpr storage::Keyspace kArchives{"events.archives", "scope(account, region) str(archive name)",
                                             "{ArchiveName, ArchiveArn, EventSourceArn, EventPattern, ...}, JSON v1"};
inline constexpr storage::Keyspace kArchived{
    "events.archived", "scope(account, region) str(archive name) u64(event ms) u64(seq)", "event JSON text"};
inline constexpr storage::Keyspace kReplays{"events.replays", "scope(account, region) str(replay name)",
                                            "{ReplayName, ReplayArn, State, ...}, JSON v1"};
// Connections and API destinations.
inline constexpr storage::Keyspace kConnections{
    "events.connections", "scope(account, region) str(name)",
    "{Name, ConnectionArn, AuthorizationType, AuthParameters, ...}, JSON v1"};
inline constexpr storage::Keyspace kApiDestinations{"events.apidestinations", "scope(account, region) str(name)",
                                                    "{Name, ApiDestinationArn, ConnectionArn, ...}, JSON v1"};

inline constexpr storage::Keyspace kKeyspaces[] = {kBuses,   kRules,       kArchives,       kArchived,
                                                   kReplays, kConnections, kApiDestinations};

}  // namespace stratus::events::schema
