#include "services/events/state.h"

#include <spdlog/spdlog.h>

#include "core/arn.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/json.h"
#include "events/queue.h"
#include "server/context.h"
#include "services/cloudwatch/api.h"
#include "services/events/schema.h"
#include "services/events/transform.h"
#include "storage/keys.h"

namespace stratus::events {

std::optional<Doc> load(storage::Engine& db, std::string_view ks, std::string_view key) {
  std::string raw;
  auto st = db.get(ks, key, &raw);
  if (st.not_found()) return std::nullopt;
  if (!st.ok()) throw errors::internal(st.message);
  return json::parse(raw);
}

void save(storage::Engine& db, std::string_view ks, std::string_view key, const Doc& rec) {
  auto st = db.put(ks, key, json::write(rec));
  if (!st.ok()) throw errors::internal(st.message);
}

std::vector<std::pair<std::string, Doc>> scan(storage::Engine& db, std::string_view ks, std::string_view prefix) {
  std::vector<std::pair<std::string, Doc>> out;
  auto it = db.prefix(ks, prefix);
  for (; it->valid(); it->next()) {
    try {
      out.emplace_back(std::string(it->key()), json::parse(it->value()));
    } catch (const AwsError&) {
      spdlog::warn("events: unreadable record in {}", ks);
    }
  }
  return out;
}

std::string bus_key(std::string_view account, std::string_view region, std::string_view bus) {
  return storage::KeyBuilder().scope(account, region).str(bus).take();
}
std::string rule_key(std::string_view account, std::string_view region, std::string_view bus, std::string_view rule) {
  return storage::KeyBuilder().scope(account, region).str(bus).str(rule).take();
}
std::string bus_arn(std::string_view account, std::string_view region, std::string_view bus) {
  return Arn::make("events", region, account, "event-bus/" + std::string(bus));
}
std::string rule_arn(std::string_view account, std::string_view region, std::string_view bus, std::string_view rule) {
  if (bus == "default") return Arn::make("events", region, account, "rule/" + std::string(rule));
  return Arn::make("events", region, account, "rule/" + std::string(bus) + "/" + std::string(rule));
}
std::string bus_name_of(std::string_view s) {
  if (s.empty()) return "default";
  if (s.rfind("arn:", 0) == 0) {
    auto p = s.find("event-bus/");
    if (p != std::string_view::npos) return std::string(s.substr(p + 10));
  }
  return std::string(s);
}
Entry entry_of(const std::string& event_json, std::string bus) {
  Doc ev = json::parse(event_json);
  Entry e;
  e.source = ev.str("source");
  e.detail_type = ev.str("detail-type");
  e.time = ev.str("time");
  if (const Doc* r = ev.get("resources"); r && r->is_list())
    for (const Doc& x : r->as_list()) e.resources.push_back(x.is_string() ? x.as_string() : "");
  e.detail = transform::extract(event_json, "$.detail").value_or("{}");
  e.bus = std::move(bus);
  return e;
}

std::string rfc3339(int64_t ms) {
  return enc::iso8601(ms - ((ms % 1000) + 1000) % 1000);
}

std::optional<Doc> State::bus(const std::string& account, const std::string& region, const std::string& name) {
  if (auto rec = load(db_, schema::kBuses.name, bus_key(account, region, name))) return rec;
  if (name != "default") return std::nullopt;
  Doc d = Doc::map();
  d.set("Name", "default");
  d.set("Arn", bus_arn(account, region, "default"));
  return d;
}

std::shared_ptr<const pattern::Pattern> State::compile(const std::string& text, std::string* error) {
  {
    std::lock_guard lk(cache_mu_);
    auto it = patterns_.find(text);
    if (it != patterns_.end()) return it->second;
  }
  auto p = pattern::Pattern::parse(text, error);
  if (!p) return nullptr;
  auto sp = std::make_shared<const pattern::Pattern>(std::move(*p));
  std::lock_guard lk(cache_mu_);
  if (patterns_.size() > 10'000) patterns_.clear();
  patterns_.emplace(text, sp);
  return sp;
}

std::string State::envelope(const std::string& id, const std::string& account, const std::string& region,
                            const Entry& e, const std::string& detail, const std::string& replay_name) {
  std::string s;
  s.reserve(256 + detail.size());
  auto str = [&s](std::string_view v) {
    s.push_back('"');
    json::escape_into(s, v);
    s.push_back('"');
  };
  s += R"({"version":"0","id":)";
  str(id);
  s += R"(,"detail-type":)";
  str(e.detail_type);
  s += R"(,"source":)";
  str(e.source);
  s += R"(,"account":)";
  str(account);
  s += R"(,"time":)";
  str(e.time);
  s += R"(,"region":)";
  str(region);
  s += R"(,"resources":[)";
  for (size_t i = 0; i < e.resources.size(); ++i) {
    if (i) s.push_back(',');
    str(e.resources[i]);
  }
  s += R"(],"detail":)";
  s += detail;
  if (!replay_name.empty()) {
    s += R"(,"replay-name":)";
    str(replay_name);
  }
  s.push_back('}');
  return s;
}

void State::metric(const std::string& account, const std::string& region, std::string_view name, std::string_view rule,
                   double value, std::string_view unit) {
  if (!metrics) return;
  const cloudwatch::Dimension dims[] = {{"RuleName", rule}};
  metrics->put(account, region, "AWS/Events", name,
               rule.empty() ? std::span<const cloudwatch::Dimension>() : std::span<const cloudwatch::Dimension>(dims),
               value, unit);
}

Result<std::string> State::put(const std::string& account, const std::string& region, Entry entry) {
  return publish(account, region, std::move(entry));
}

Result<std::string> State::publish(const std::string& account, const std::string& region, Entry entry,
                                   const std::string& replay_name, const std::vector<std::string>& only_rules) {
  std::string bus_name = bus_name_of(entry.bus);
  std::string bus_account = account, bus_region = region;
  if (auto arn = Arn::parse(entry.bus); arn && arn->service == "events") {
    if (!arn->account.empty()) bus_account = arn->account;
    if (!arn->region.empty()) bus_region = arn->region;
  }
  size_t size = entry.source.size() + entry.detail_type.size() + entry.detail.size();
  for (const auto& r : entry.resources) size += r.size();
  if (size >= 256 * 1024)
    return AwsError("ValidationException", "Total size of the entries in the request is over the limit.");
  auto detail = transform::minify(entry.detail);
  if (!detail || (*detail)[0] != '{') return AwsError("ValidationException", "Detail is malformed.");
  try {
    if (!bus(bus_account, bus_region, bus_name))
      return AwsError("ResourceNotFoundException", "Event bus " + bus_name + " does not exist.");
    int64_t now = now_millis();
    if (entry.time.empty()) entry.time = rfc3339(now);
    std::string id = ids::uuid4();
    std::string event = envelope(id, account, bus_region, entry, *detail, replay_name);
    Doc ev = json::parse(event);

    storage::WriteBatch batch;
    std::vector<Queue::Ticket> tickets;
    std::vector<std::string> triggered;  // AWS/Events TriggeredRules, once the batch is written
    auto& queue = server_.events();
    for (auto& [key, rule] : scan(db_, schema::kRules.name, bus_key(bus_account, bus_region, bus_name))) {
      std::string state = rule.str("State", "ENABLED");
      if (state == "DISABLED") continue;
      std::string pattern_text = rule.str("EventPattern");
      if (pattern_text.empty()) continue;
      std::string arn = rule.str("Arn");
      if (!only_rules.empty() && std::find(only_rules.begin(), only_rules.end(), arn) == only_rules.end()) continue;
      std::string err;
      auto p = compile(pattern_text, &err);
      if (!p || !p->match(ev)) continue;
      triggered.push_back(rule.str("Name"));
      const Doc* targets = rule.get("Targets");
      if (!targets || !targets->is_list()) continue;
      for (const Doc& t : targets->as_list()) {
        Doc d = Doc::map();
        d.set("account", bus_account);
        d.set("region", bus_region);
        d.set("rule_arn", arn);
        d.set("rule_name", rule.str("Name"));
        d.set("target", t);
        d.set("event", event);
        d.set("ingested", now);
        tickets.push_back(queue.add(batch, kDeliverTopic, json::write(d)));
      }
    }
    if (replay_name.empty()) {
      std::string source_arn = bus_arn(bus_account, bus_region, bus_name);
      for (auto& [key, ar] : scan(db_, schema::kArchives.name, storage::scope_prefix(bus_account, bus_region))) {
        if (ar.str("EventSourceArn") != source_arn || ar.str("State", "ENABLED") != "ENABLED") continue;
        std::string pt = ar.str("EventPattern");
        if (!pt.empty()) {
          std::string err;
          auto p = compile(pt, &err);
          if (!p || !p->match(ev)) continue;
        }
        int64_t t = enc::parse_iso8601(entry.time).value_or(now);
        static std::atomic<uint64_t> seq{0};
        batch.put(schema::kArchived.name,
                  storage::KeyBuilder()
                      .scope(bus_account, bus_region)
                      .str(ar.str("ArchiveName"))
                      .u64(static_cast<uint64_t>(t))
                      .u64((static_cast<uint64_t>(now) << 16) + (seq++ & 0xffff))
                      .take(),
                  event);
      }
    }
    if (!batch.empty()) {
      auto st = db_.write(batch);
      if (!st.ok()) return errors::internal(st.message);
      for (const auto& t : tickets) queue.published(t);
    }
    if (!triggered.empty()) metric(bus_account, bus_region, "MatchedEvents", "");
    for (const auto& r : triggered) metric(bus_account, bus_region, "TriggeredRules", r);
    return id;
  } catch (const AwsError& e) {
    return e;
  }
}

State& state_of(ServerContext& server) {
  return *server.port<State>();
}

}  // namespace stratus::events
