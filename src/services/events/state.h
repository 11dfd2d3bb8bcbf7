// EventBridge's state as handlers and the delivery path reach it: records in storage (schema.h;
// nothing but compiled patterns is cached in memory, so a restart or reset loses nothing), the
// PutEvents pipeline (match the bus's rules and archives, enqueue one durable delivery per
// matching target) and the events::Api port other services put their events through.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/doc.h"
#include "core/result.h"
#include "core/workers.h"
#include "events/pattern/pattern.h"
#include "events/queue.h"
#include "services/events/api.h"

namespace stratus {
class ServerContext;
namespace storage {
class Engine;
}
namespace sqs {
class Api;
}
namespace cloudwatch {
class Api;
}
}  // namespace stratus

namespace stratus::events {

// The durable delivery topic: one event for one target of one rule (consumer: delivery.cc).
inline constexpr const char* kDeliverTopic = "events.deliver";
// The schedule-rule tick topic (a periodic queue schedule per scheduled rule).
inline constexpr const char* kScheduleTopic = "events.schedule";
// Replays run as steps on this topic.
inline constexpr const char* kReplayTopic = "events.replay";

// A JSON record's storage helpers.
std::optional<Doc> load(storage::Engine& db, std::string_view ks, std::string_view key);
void save(storage::Engine& db, std::string_view ks, std::string_view key, const Doc& rec);
// Every record under a key prefix, with its key, in key order.
std::vector<std::pair<std::string, Doc>> scan(storage::Engine& db, std::string_view ks, std::string_view prefix);

std::string bus_key(std::string_view account, std::string_view region, std::string_view bus);
std::string rule_key(std::string_view account, std::string_view region, std::string_view bus, std::string_view rule);
std::string bus_arn(std::string_view account, std::string_view region, std::string_view bus);
std::string rule_arn(std::string_view account, std::string_view region, std::string_view bus, std::string_view rule);
// "name" or a bus ARN -> the bus name ("" input: "default").
std::string bus_name_of(std::string_view name_or_arn);
// The entry an event (its JSON text) was put as, to put it again onto `bus` (bus targets, replays).
Entry entry_of(const std::string& event_json, std::string bus);
// RFC 3339 UTC with seconds ("2026-12-06T12:00:00Z").
std::string rfc3339(int64_t ms);

class State final : public Api {
 public:
  State(ServerContext& server, storage::Engine& db) : server_(server), db_(db) {}
  ServerContext& server() { return server_; }
  storage::Engine& db() { return db_; }
  std::mutex& mu() { return mu_; }  // serialises read-modify-writes of records
  // Deliveries to HTTP targets (API destinations, API Gateway stages) wait here, not on the
  // shared events dispatcher (delivery.cc).
  Workers& http_workers() { return http_workers_; }

  // The bus record ("default" exists always); nullopt when there is no such bus.
  std::optional<Doc> bus(const std::string& account, const std::string& region, const std::string& name);

  // A compiled pattern (cached by text); nullptr with *error set when it is not valid.
  std::shared_ptr<const pattern::Pattern> compile(const std::string& text, std::string* error);

  // PutEvents for one entry: validated by the caller. Writes the deliveries (and archive copies)
  // durably and returns the event id. `replay_name` marks a replayed event (not archived again);
  // `only_rules` (replay FilterArns) limits the rules considered when not empty.
  Result<std::string> publish(const std::string& account, const std::string& region, Entry entry,
                              const std::string& replay_name = {}, const std::vector<std::string>& only_rules = {});

  // events::Api
  Result<std::string> put(const std::string& account, const std::string& region, Entry entry) override;

  // The event JSON text of an entry (AWS's envelope, member order as AWS writes it).
  static std::string envelope(const std::string& id, const std::string& account, const std::string& region,
                              const Entry& e, const std::string& detail_compact, const std::string& replay_name);

  // Writes a rule record; an enabled rule with a ScheduleExpression gets a new schedule chain in
  // the same batch (its first tick on the events queue, ScheduleGen in the record), which ends
  // the previous chain: a tick runs only while its generation is the rule's.
  void save_rule(const std::string& account, const std::string& region, const std::string& key, Doc& rule,
                 int64_t now_ms);
  // The schedule rule tick (delivery.cc): fires the rule and enqueues its next tick.
  Verdict tick(const Delivery& d);

  // AWS/Events metrics (cloudwatch/api.h; nullptr without CloudWatch), set in start(). The port
  // aggregates per metric and minute, so one call per event costs a counter bump. `rule` names the
  // RuleName dimension ("" = no dimension: MatchedEvents, IngestionToInvocationStartLatency).
  cloudwatch::Api* metrics = nullptr;
  void metric(const std::string& account, const std::string& region, std::string_view name, std::string_view rule,
              double value = 1, std::string_view unit = "Count");

 private:
  ServerContext& server_;
  storage::Engine& db_;
  std::mutex mu_;
  std::mutex cache_mu_;
  Workers http_workers_{"events-http", 16};
  std::map<std::string, std::shared_ptr<const pattern::Pattern>, std::less<>> patterns_;
};

// The running state (handlers): ctx.server.port<State>().
State& state_of(ServerContext& server);

// The delivery consumer (delivery.cc): subscribed in start().
void subscribe_delivery(ServerContext& server, State& state);
// Consumes api.h's kPutTopic (put.cc).
void subscribe_puts(ServerContext& server, State& state);

// The next fire time (epoch ms) of a rule's schedule expression after `after_ms` (rate: counted from
// `anchor_ms`), or nullopt when the expression is not valid or never fires again (rules.cc). A
// minute lasts STRATUS_EVENTS_MINUTE_MS for rate() in tests.
std::optional<int64_t> next_fire(std::string_view expr, int64_t after_ms, int64_t anchor_ms);
// Whether `expr` is a valid schedule expression of a rule (rate or cron, not at).
bool valid_schedule(std::string_view expr);

}  // namespace stratus::events
