// Parameter Store's EventBridge events through events/api.h, in the batches of the writes they
// report (ops.h: WriteEvents), and the sweep of policy actions (expire_due).
#include "core/json.h"
#include "server/context.h"
#include "services/events/api.h"
#include "services/ssm/ops.h"
#include "services/ssm/rules.h"
#include "services/ssm/store.h"

namespace stratus::ssm {
namespace {

const Doc* current_version(const Doc& record) {
  const Doc* v = record.get("Versions");
  return v && v->is_list() && !v->as_list().empty() ? &v->as_list().back() : nullptr;
}

}  // namespace

Doc change_detail(const Doc& record, std::string_view operation) {
  Doc d = Doc::map();
  d.set("operation", std::string(operation));
  d.set("name", record.str("Name"));
  const Doc* v = current_version(record);
  d.set("type", v ? v->str("Type") : std::string());
  if (v && !v->str("Description").empty()) d.set("description", v->str("Description"));
  return d;
}

Doc policy_detail(const Doc& record, const PolicyAction& a) {
  Doc d = Doc::map();
  d.set("parameter-name", record.str("Name"));
  const Doc* v = current_version(record);
  d.set("parameter-type", v ? v->str("Type") : std::string());
  d.set("action-status", "Finished");
  d.set("policy-type", a.type);
  std::string amount = std::to_string(a.amount) + " " + a.unit;
  if (a.type == "Expiration")
    d.set("action-reason", "The parameter expired and was deleted.");
  else if (a.type == "ExpirationNotification")
    d.set("action-reason", "The parameter will expire in " + amount + ".");
  else
    d.set("action-reason", "The parameter has not been modified for " + amount + ".");
  return d;
}

WriteEvents::WriteEvents(OpContext& ctx) : WriteEvents(nullptr, nullptr, ctx.account(), ctx.region()) {
  auto* ports = ctx.server.port<Ports>();
  bus_ = ports ? ports->events : nullptr;
  if (bus_) queue_ = &ctx.server.events();
}

void WriteEvents::add(storage::WriteBatch& b, std::string detail_type, const Doc& detail, const std::string& name) {
  if (!queue_ || !bus_) return;
  events::Entry e;
  e.source = "aws.ssm";
  e.detail_type = std::move(detail_type);
  e.detail = json::write(detail);
  e.resources = {parameter_arn(account_, region_, name)};
  tickets_.push_back(events::add_put(*queue_, b, account_, region_, std::move(e)));
}

void WriteEvents::change(storage::WriteBatch& b, const Doc& record, std::string_view operation) {
  add(b, "Parameter Store Change", change_detail(record, operation), record.str("Name"));
}

void WriteEvents::policy(storage::WriteBatch& b, const Doc& record, const PolicyAction& a) {
  add(b, "Parameter Store Policy Action", policy_detail(record, a), record.str("Name"));
}

void WriteEvents::published() {
  for (const auto& t : tickets_) queue_->published(t);
  tickets_.clear();
}

void expire_due(storage::Engine& db, events::Queue& queue, int64_t now_ms, events::Api* bus) {
  ParamStore store(db);
  const int64_t hour = ParamStore::hour_ms();
  for (const auto& d : store.due(now_ms, 1000)) {
    std::vector<std::pair<Doc, PolicyAction>> sent;
    WriteEvents ev(&queue, bus, d.account, d.region);
    auto send = [&](storage::WriteBatch& b) {
      for (const auto& [rec, a] : sent) ev.policy(b, rec, a);
    };
    {
      std::lock_guard lock(ParamStore::mu());
      std::optional<Doc> rec = store.load(d.account, d.region, d.name);
      if (!rec || ParamStore::expiration_of(*rec) != d.when) {
        store.drop_due(d);
        continue;
      }
      auto actions = pending_policy_actions(*rec, hour);
      int64_t expires = 0;
      for (const auto& a : actions)
        if (a.type == "Expiration") expires = a.when;
      const Doc* cur = current_version(*rec);
      int64_t modified = cur ? cur->integer("LastModifiedDate") : 0;
      bool expired = false;
      for (const auto& a : actions) {
        if (a.when > now_ms) continue;
        if (a.type == "Expiration") {
          expired = true;
          continue;
        }
        Doc& notified = (*rec)["Notified"];
        if (!notified.is_map()) notified = Doc::map();
        notified.set(a.type, a.type == "ExpirationNotification" ? expires : modified);
        sent.emplace_back(*rec, a);
      }
      if (expired) {
        // As AWS: the parameter is deleted at its Expiration, with the notifications due before.
        sent.emplace_back(*rec, PolicyAction{"Expiration", expires, 0, ""});
        if (!store.erase(d.account, d.region, d.name, d.when, ParamStore::tier_of(*rec), send).ok()) continue;
      } else if (!store
                      .save(d.account, d.region, *rec, ParamStore::expiration_of(*rec), d.when,
                            ParamStore::tier_of(*rec), send)
                      .ok()) {
        continue;
      }
    }
    ev.published();
  }
}

}  // namespace stratus::ssm
