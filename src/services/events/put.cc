// Durable puts (api.h: add_put, kPutTopic): the producer's batch carries the entry; EventBridge
// consumes the topic with State::put.
#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "core/json.h"
#include "server/context.h"
#include "services/events/state.h"

namespace stratus::events {

std::string encode_put(const PutRequest& p) {
  Doc d = Doc::map();
  d.set("account", p.account);
  d.set("region", p.region);
  d.set("source", p.entry.source);
  d.set("detail_type", p.entry.detail_type);
  d.set("detail", p.entry.detail);
  Doc res = Doc::list();
  for (const auto& r : p.entry.resources) res.push(r);
  d.set("resources", std::move(res));
  d.set("time", p.entry.time);
  d.set("bus", p.entry.bus);
  return json::write(d);
}

std::optional<PutRequest> decode_put(std::string_view payload) {
  Doc d;
  try {
    d = json::parse(payload);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!d.is_map()) return std::nullopt;
  PutRequest p;
  p.account = d.str("account");
  p.region = d.str("region");
  p.entry.source = d.str("source");
  p.entry.detail_type = d.str("detail_type");
  p.entry.detail = d.str("detail");
  p.entry.time = d.str("time");
  p.entry.bus = d.str("bus");
  if (const Doc* r = d.get("resources"); r && r->is_list())
    for (const Doc& x : r->as_list())
      if (x.is_string()) p.entry.resources.push_back(x.as_string());
  if (p.account.empty() || p.region.empty() || p.entry.source.empty()) return std::nullopt;
  return p;
}

Queue::Ticket add_put(Queue& queue, storage::WriteBatch& batch, const std::string& account, const std::string& region,
                      Entry entry) {
  if (entry.time.empty()) entry.time = rfc3339(now_millis());
  return queue.add(batch, kPutTopic, encode_put(PutRequest{account, region, std::move(entry)}));
}

void subscribe_puts(ServerContext& server, State& st) {
  server.events().subscribe(kPutTopic, [&st](const events::Delivery& d) {
    auto p = decode_put(d.payload);
    if (!p) {
      spdlog::warn("events: bad put record dropped");
      return Verdict::drop();
    }
    std::string what = p->entry.source + " " + p->entry.detail_type;
    auto r = st.put(p->account, p->region, std::move(p->entry));
    if (!r) spdlog::warn("events: {} not put: {}: {}", what, r.error().code, r.error().message);
    return Verdict::done();
  });
}

}  // namespace stratus::events
