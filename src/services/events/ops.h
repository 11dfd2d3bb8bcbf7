// EventBridge's operation handlers, one per operation and named after it (service.cc holds the
// table). State: records in storage through State (state.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/doc.h"
#include "core/error.h"
#include "core/paging.h"
#include "services/events/errors.h"
#include "services/events/state.h"
#include "services/service.h"

namespace stratus::events {

namespace errors {
using stratus::errors::validation;
}

// ---- shared (ops/common.cc) ----
State& state(OpContext& ctx);
// "Event bus NAME does not exist."
AwsError no_bus(std::string_view name);
// "Rule NAME does not exist on EventBus BUS."
AwsError no_rule(std::string_view name, std::string_view bus);
// InvalidEventPatternException "Event pattern is not valid. Reason: ..." unless `text` compiles.
void check_pattern(State& st, const std::string& text);
// ValidationException unless `value` matches [\.\-_A-Za-z0-9]+ (with '/' when `slash`), as the
// model's patterns say (the codec checks lengths, not patterns).
void check_name(const std::string& value, std::string_view member, bool slash = false);
// The bus named by the request member (name or ARN; "default" when absent); throws no_bus.
std::string existing_bus(OpContext& ctx, const Doc& in, std::string_view member = "EventBusName");

// EventBridge's List paging: NextToken (the first name not yet returned), Limit (100), no flag.
inline constexpr paging::Style kNamePaging{"NextToken", "Limit", 100, "NextToken", nullptr};

// One page of a List operation over records in name order: those whose `name_member` starts with
// the request's NamePrefix, from its NextToken (the first name not yet returned) on, that `keep`
// accepts, at most Limit (100) of them, rendered; NextToken when more remain.
template <class Keep, class Render>
Doc name_page(const std::vector<std::pair<std::string, Doc>>& recs, const Doc& in, const char* name_member,
              const char* list_name, Keep&& keep, Render&& render) {
  std::string prefix = in.str("NamePrefix");
  std::vector<std::pair<std::string, const Doc*>> named;  // the records kept, by name (keys are in name order)
  for (const auto& kv : recs) {
    std::string name = kv.second.str(name_member);
    if (name.rfind(prefix, 0) == 0 && keep(kv.second)) named.emplace_back(std::move(name), &kv.second);
  }
  return paging::paginate(named, in, list_name, kNamePaging,
                          [&](const Doc* rec) -> std::optional<Doc> { return render(*rec); });
}

// ---- buses (ops/buses.cc) ----
HandlerFn create_event_bus, describe_event_bus, delete_event_bus, list_event_buses, update_event_bus, put_permission,
    remove_permission;
// ---- rules and targets (ops/rules.cc) ----
HandlerFn put_rule, describe_rule, delete_rule, list_rules, enable_rule, disable_rule, list_rule_names_by_target,
    put_targets, remove_targets, list_targets_by_rule, tag_resource, untag_resource, list_tags_for_resource;
// ---- events (ops/put_events.cc) ----
HandlerFn put_events, test_event_pattern;
// ---- archives and replays (ops/archives.cc) ----
HandlerFn create_archive, describe_archive, list_archives, update_archive, delete_archive, start_replay,
    describe_replay, list_replays, cancel_replay;
// ---- connections and API destinations (ops/connections.cc) ----
HandlerFn create_connection, describe_connection, list_connections, update_connection, delete_connection,
    deauthorize_connection, create_api_destination, describe_api_destination, list_api_destinations,
    update_api_destination, delete_api_destination;

// Whether the bus' resource policy lets `account` put events onto it (ops/put_events.cc).
bool policy_allows_put(const Doc& bus, const std::string& bus_account, const std::string& account);
// Deletes archived events older than their archive's RetentionDays (ops/archives.cc).
void sweep_archives(State& st, int64_t now_ms, int64_t day_ms);
// A replay step (ops/archives.cc): replays the archive's events into the bus, then completes.
void run_replay(State& st, const std::string& account, const std::string& region, const std::string& name);

}  // namespace stratus::events
