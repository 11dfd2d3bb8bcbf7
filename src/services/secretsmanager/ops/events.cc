// Secrets Manager's EventBridge events through events/api.h (ops.h: Trail, service_event), in the
// batches of the writes they report.
#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "server/context.h"
#include "services/secretsmanager/ops.h"

namespace stratus::secretsmanager {
namespace {

// CloudTrail's rendering of request and response members: lowerCamelCase names, timestamps as
// RFC 3339 text, blobs left out, and never a secret value.
Doc trail_members(const Doc& d) {
  if (d.is_map()) {
    Doc out = Doc::map();
    for (const auto& [k, v] : d.as_map()) {
      if (k == "SecretString" || k == "SecretBinary" || v.type() == Doc::Type::blob || k.empty()) continue;
      std::string name = k;
      if (name[0] >= 'A' && name[0] <= 'Z') name[0] = static_cast<char>(name[0] - 'A' + 'a');
      out.set(name, trail_members(v));
    }
    return out;
  }
  if (d.is_list()) {
    Doc out = Doc::list();
    for (const Doc& v : d.as_list()) out.push(trail_members(v));
    return out;
  }
  if (d.is_timestamp()) return Doc(enc::iso8601(d.as_timestamp().millis));
  return d;
}

std::string event_time(int64_t ms) {
  return enc::iso8601(ms - ((ms % 1000) + 1000) % 1000);
}

std::optional<events::Queue::Ticket> put(ServerContext& server, storage::WriteBatch& b, const std::string& account,
                                         const std::string& region, std::string detail_type, const Doc& detail) {
  State* st = server.port<State>();
  if (!st || !st->events) return std::nullopt;
  events::Entry e;
  e.source = "aws.secretsmanager";
  e.detail_type = std::move(detail_type);
  e.detail = json::write(detail);
  e.time = detail.str("eventTime");
  return events::add_put(server.events(), b, account, region, std::move(e));
}

}  // namespace

void Trail::add(storage::WriteBatch& b, const Doc& out) {
  const auto& c = ctx_.caller;
  Doc who = Doc::map();
  bool root = c.arn.ends_with(":root");
  bool assumed = c.arn.find(":assumed-role/") != std::string::npos;
  who.set("type", root ? "Root" : assumed ? "AssumedRole" : "IAMUser");
  who.set("principalId", c.user_id.empty() ? c.account : c.user_id);
  who.set("arn", c.arn);
  who.set("accountId", c.account);
  if (!c.access_key.empty()) who.set("accessKeyId", c.access_key);
  Doc d = Doc::map();
  d.set("eventVersion", "1.08");
  d.set("userIdentity", std::move(who));
  d.set("eventTime", event_time(now_millis()));
  d.set("eventSource", "secretsmanager.amazonaws.com");
  d.set("eventName", ctx_.op.name);
  d.set("awsRegion", ctx_.region());
  d.set("sourceIPAddress", "127.0.0.1");
  d.set("userAgent", "stratus");
  Doc req = trail_members(in_);
  d.set("requestParameters", req.size() ? std::move(req) : Doc());
  Doc res = trail_members(out);
  d.set("responseElements", res.size() ? std::move(res) : Doc());
  d.set("requestID", ctx_.request_id);
  d.set("eventID", ids::uuid4());
  d.set("readOnly", false);
  d.set("eventType", "AwsApiCall");
  d.set("managementEvent", true);
  d.set("recipientAccountId", ctx_.account());
  d.set("eventCategory", "Management");
  ticket_ = put(ctx_.server, b, ctx_.account(), ctx_.region(), "AWS API Call via CloudTrail", d);
}

void Trail::published() {
  if (ticket_) ctx_.server.events().published(*ticket_);
  ticket_.reset();
}

std::optional<events::Queue::Ticket> service_event(ServerContext& server, storage::WriteBatch& b,
                                                   const std::string& account, const std::string& region,
                                                   const std::string& event_name, const std::string& secret_arn) {
  Doc who = Doc::map();
  who.set("accountId", account);
  who.set("invokedBy", "secretsmanager.amazonaws.com");
  Doc extra = Doc::map();
  extra.set("SecretId", secret_arn);
  Doc d = Doc::map();
  d.set("eventVersion", "1.08");
  d.set("userIdentity", std::move(who));
  d.set("eventTime", event_time(now_millis()));
  d.set("eventSource", "secretsmanager.amazonaws.com");
  d.set("eventName", event_name);
  d.set("awsRegion", region);
  d.set("sourceIPAddress", "secretsmanager.amazonaws.com");
  d.set("userAgent", "secretsmanager.amazonaws.com");
  d.set("requestParameters", Doc());
  d.set("responseElements", Doc());
  d.set("requestID", ids::uuid4());
  d.set("eventID", ids::uuid4());
  d.set("readOnly", false);
  d.set("eventType", "AwsServiceEvent");
  d.set("managementEvent", true);
  d.set("recipientAccountId", account);
  d.set("serviceEventDetails", Doc());
  d.set("additionalEventData", std::move(extra));
  d.set("eventCategory", "Management");
  return put(server, b, account, region, "AWS Service Event via CloudTrail", d);
}

}  // namespace stratus::secretsmanager
