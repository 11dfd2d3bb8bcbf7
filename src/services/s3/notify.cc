// S3 event notifications (notify.h): configuration rules, event records, durable delivery.
#include "services/s3/notify.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <set>

#include "auth/policy.h"
#include "core/arn.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "events/queue.h"
#include "server/context.h"
#include "services/events/api.h"
#include "services/lambda/invoke.h"
#include "services/s3/s3_errors.h"
#include "services/sqs/api.h"
#include "storage/engine.h"

namespace stratus::s3 {
namespace {

constexpr std::string_view kTopic = "s3.notify";
constexpr uint32_t kMaxAttempts = 10;

// The configurable event names (the model's Event enum).
const std::set<std::string, std::less<>>& known_events() {
  static const std::set<std::string, std::less<>> k = {
      "s3:ReducedRedundancyLostObject",
      "s3:ObjectCreated:*",
      "s3:ObjectCreated:Put",
      "s3:ObjectCreated:Post",
      "s3:ObjectCreated:Copy",
      "s3:ObjectCreated:CompleteMultipartUpload",
      "s3:ObjectRemoved:*",
      "s3:ObjectRemoved:Delete",
      "s3:ObjectRemoved:DeleteMarkerCreated",
      "s3:ObjectRestore:*",
      "s3:ObjectRestore:Post",
      "s3:ObjectRestore:Completed",
      "s3:ObjectRestore:Delete",
      "s3:Replication:*",
      "s3:Replication:OperationFailedReplication",
      "s3:Replication:OperationNotTracked",
      "s3:Replication:OperationMissedThreshold",
      "s3:Replication:OperationReplicatedAfterThreshold",
      "s3:LifecycleTransition",
      "s3:IntelligentTiering",
      "s3:ObjectAcl:Put",
      "s3:LifecycleExpiration:*",
      "s3:LifecycleExpiration:Delete",
      "s3:LifecycleExpiration:DeleteMarkerCreated",
      "s3:ObjectTagging:*",
      "s3:ObjectTagging:Put",
      "s3:ObjectTagging:Delete",
  };
  return k;
}

// Two configured event names share an event type ("s3:ObjectCreated:*" and "s3:ObjectCreated:Put").
bool events_overlap(std::string_view a, std::string_view b) {
  if (a == b) return true;
  auto covers = [](std::string_view wild, std::string_view other) {
    return wild.ends_with(":*") && other.starts_with(wild.substr(0, wild.size() - 1));
  };
  return covers(a, b) || covers(b, a);
}

// Prefixes overlap when one starts the other; suffixes when one ends the other ("" overlaps all).
bool filters_overlap(const NotificationTarget& x, const NotificationTarget& y) {
  bool prefixes = x.prefix.starts_with(y.prefix) || y.prefix.starts_with(x.prefix);
  bool suffixes = x.suffix.ends_with(y.suffix) || y.suffix.ends_with(x.suffix);
  return prefixes && suffixes;
}

std::string time_ms(int64_t ms) {
  std::string t = enc::iso8601(ms);
  if (t.find('.') == std::string::npos && !t.empty() && t.back() == 'Z') t.insert(t.size() - 1, ".000");
  return t;
}

std::string sequencer(uint64_t seq) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(seq));
  return buf;
}

std::string host_id(std::string_view request_id) {
  return enc::base64_encode(std::string(request_id) + std::string(request_id));
}

// The request facts every record carries.
struct Origin {
  std::string principal, request_id, account;
  std::string source_ip = "127.0.0.1";
};

Origin origin_of(const OpContext* ctx, std::string_view requester) {
  Origin o;
  if (!ctx && !requester.empty()) {
    o.principal = o.account = std::string(requester);
    o.request_id = ids::random_upper_alnum(16);
    return o;
  }
  if (!ctx) {
    o.principal = "s3.amazonaws.com";
    o.account = "s3.amazonaws.com";
    o.request_id = ids::random_upper_alnum(16);
    return o;
  }
  o.request_id = ctx->request_id;
  o.account = ctx->caller.account;
  if (ctx->caller.account.empty())
    o.principal = "anonymous";
  else if (!ctx->caller.user_id.empty() && ctx->caller.user_id != ctx->caller.account)
    o.principal = "AWS:" + ctx->caller.user_id;
  else
    o.principal = ctx->caller.account;
  return o;
}

std::string record_json(const Bucket& b, const ObjectEvent& e, const Origin& o, const std::string& config_id,
                        int64_t now_ms) {
  std::string j;
  j.reserve(768);
  auto str = [&j](std::string_view name, std::string_view value) {
    j += '"';
    j += name;
    j += "\":\"";
    json::escape_into(j, value);
    j += '"';
  };
  j += "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",";
  str("awsRegion", b.region);
  j += ',';
  str("eventTime", time_ms(now_ms));
  j += ',';
  str("eventName", e.name);
  j += ",\"userIdentity\":{";
  str("principalId", o.principal);
  j += "},\"requestParameters\":{";
  str("sourceIPAddress", o.source_ip);
  j += "},\"responseElements\":{";
  str("x-amz-request-id", o.request_id);
  j += ',';
  str("x-amz-id-2", host_id(o.request_id));
  j += "},\"s3\":{\"s3SchemaVersion\":\"1.0\",";
  str("configurationId", config_id);
  j += ",\"bucket\":{";
  str("name", b.name);
  j += ",\"ownerIdentity\":{";
  str("principalId", b.account);
  j += "},";
  str("arn", "arn:aws:s3:::" + b.name);
  j += "},\"object\":{";
  str("key", event_key(e.key));
  if (e.has_size) {
    j += ",\"size\":" + std::to_string(e.size) + ',';
    str("eTag", e.etag);
  }
  if (!e.version_id.empty()) {
    j += ',';
    str("versionId", e.version_id);
  }
  j += ',';
  str("sequencer", sequencer(e.seq));
  j += '}';
  if (!e.restore_expiry_ms.empty()) {
    j += "},\"glacierEventData\":{\"restoreEventData\":{";
    str("lifecycleRestorationExpiryTime", e.restore_expiry_ms);
    j += ',';
    str("lifecycleRestoreStorageClass", e.storage_class);
    j += '}';
  }
  j += "}}]}";
  return j;
}

// EventBridge: detail-type and reason of an event ("" when S3 sends none to EventBridge).
std::string detail_type(std::string_view name) {
  if (name.starts_with("ObjectCreated:")) return "Object Created";
  if (name.starts_with("ObjectRemoved:") || name.starts_with("LifecycleExpiration:")) return "Object Deleted";
  if (name == "ObjectRestore:Post") return "Object Restore Initiated";
  if (name == "ObjectRestore:Completed") return "Object Restore Completed";
  if (name == "ObjectRestore:Delete") return "Object Restore Expired";
  if (name == "LifecycleTransition") return "Object Storage Class Changed";
  if (name == "IntelligentTiering") return "Object Access Tier Changed";
  if (name == "ObjectTagging:Put") return "Object Tags Added";
  if (name == "ObjectTagging:Delete") return "Object Tags Deleted";
  if (name == "ObjectAcl:Put") return "Object ACL Updated";
  return "";
}

std::string reason(std::string_view name) {
  if (name == "ObjectCreated:Put") return "PutObject";
  if (name == "ObjectCreated:Post") return "POST Object";
  if (name == "ObjectCreated:Copy") return "CopyObject";
  if (name == "ObjectCreated:CompleteMultipartUpload") return "CompleteMultipartUpload";
  if (name.starts_with("ObjectRemoved:")) return "DeleteObject";
  if (name.starts_with("LifecycleExpiration:")) return "Lifecycle Expiration";
  return "";
}

std::string eventbridge_detail(const Bucket& b, const ObjectEvent& e, const Origin& o) {
  Doc object = Doc::map();
  object.set("key", e.key);
  if (e.has_size) {
    object.set("size", static_cast<int64_t>(e.size));
    object.set("etag", e.etag);
  }
  if (!e.version_id.empty()) object.set("version-id", e.version_id);
  object.set("sequencer", sequencer(e.seq));
  Doc bucket = Doc::map();
  bucket.set("name", b.name);
  Doc d = Doc::map();
  d.set("version", "0");
  d.set("bucket", std::move(bucket));
  d.set("object", std::move(object));
  d.set("request-id", o.request_id);
  d.set("requester", o.account);
  if (o.account != "s3.amazonaws.com") d.set("source-ip-address", o.source_ip);
  if (std::string r = reason(e.name); !r.empty()) d.set("reason", r);
  if (e.name.ends_with(":DeleteMarkerCreated"))
    d.set("deletion-type", "Delete Marker Created");
  else if (e.name.ends_with("Delete") && detail_type(e.name) == "Object Deleted")
    d.set("deletion-type", "Permanently Deleted");
  if (!e.restore_expiry_ms.empty()) {
    d.set("restore-expiry-time", e.restore_expiry_ms);
    d.set("source-storage-class", e.storage_class);
  }
  return json::write(d);
}

// A queued delivery: where to and what.
std::string delivery(std::string_view kind, std::string_view arn, const Bucket& b, std::string body,
                     std::string_view dtype = {}) {
  Doc p = Doc::map();
  p.set("kind", std::string(kind));
  p.set("arn", std::string(arn));
  p.set("account", b.account);
  p.set("region", b.region);
  p.set("body", std::move(body));
  if (!dtype.empty()) p.set("detail_type", std::string(dtype));
  return json::write(p);
}

std::string_view kind_name(NotificationTarget::Kind k) {
  switch (k) {
    case NotificationTarget::Kind::queue:
      return "sqs";
    case NotificationTarget::Kind::topic:
      return "sns";
    case NotificationTarget::Kind::lambda:
      return "lambda";
  }
  return "";
}

OpContext::Caller owner_of(const std::string& account, const std::string& region) {
  OpContext::Caller c;
  c.account = account;
  c.region = region;
  c.arn = root_arn(account);
  return c;
}

}  // namespace

// ---------------------------------------------------------------- configuration

bool event_matches(std::string_view pattern, std::string_view event) {
  if (pattern.starts_with("s3:")) pattern.remove_prefix(3);
  if (pattern.ends_with(":*")) return event.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == event;
}

std::string event_key(std::string_view key) {
  std::string enc = enc::uri_encode(key, true);
  std::string out;
  out.reserve(enc.size());
  for (size_t i = 0; i < enc.size(); ++i) {
    if (enc.compare(i, 3, "%20") == 0) {
      out += '+';
      i += 2;
    } else {
      out += enc[i];
    }
  }
  return out;
}

bool NotificationTarget::matches(std::string_view event, std::string_view key) const {
  bool any = false;
  for (const auto& p : events)
    if (event_matches(p, event)) {
      any = true;
      break;
    }
  if (!any) return false;
  if (prefix.empty() && suffix.empty()) return true;
  std::string k = event_key(key);
  return std::string_view(k).starts_with(prefix) && std::string_view(k).ends_with(suffix);
}

NotificationConfig parse_notification(Doc& doc) {
  NotificationConfig out;
  if (!doc.is_map()) return out;
  struct Group {
    const char* member;
    const char* arn_member;
    NotificationTarget::Kind kind;
  };
  static constexpr Group kGroups[] = {
      {"TopicConfigurations", "TopicArn", NotificationTarget::Kind::topic},
      {"QueueConfigurations", "QueueArn", NotificationTarget::Kind::queue},
      {"LambdaFunctionConfigurations", "LambdaFunctionArn", NotificationTarget::Kind::lambda},
  };
  std::set<std::string> ids;
  for (const Group& g : kGroups) {
    Doc* list = doc.get(g.member);
    if (!list || !list->is_list()) continue;
    for (Doc& c : list->as_list()) {
      if (!c.is_map()) continue;
      NotificationTarget t;
      t.kind = g.kind;
      t.arn = c.str(g.arn_member);
      if (t.arn.empty())
        throw s3_error("MalformedXML",
                       "The XML you provided was not well-formed or did not validate against our published schema",
                       400);
      const Doc* events = c.get("Events");
      if (!events || !events->is_list() || events->as_list().empty())
        throw s3_error("MalformedXML",
                       "The XML you provided was not well-formed or did not validate against our published schema",
                       400);
      for (const Doc& e : events->as_list()) {
        std::string name = e.is_string() ? e.as_string() : "";
        if (!known_events().contains(name))
          throw invalid_argument("The event is not supported for notifications", "Event", name);
        t.events.push_back(name);
      }
      if (const Doc* f = c.get("Filter"); f && f->is_map()) {
        const Doc* key = f->get("Key");
        const Doc* rules = key && key->is_map() ? key->get("FilterRules") : nullptr;
        bool has_prefix = false, has_suffix = false;
        if (rules && rules->is_list())
          for (const Doc& r : rules->as_list()) {
            std::string name = enc::ascii_lower(r.str("Name"));
            std::string value = r.str("Value");
            if (value.size() > 1024)
              throw invalid_argument("The filter rule value is too long", "FilterRule", value.substr(0, 64));
            if (name == "prefix") {
              if (has_prefix)
                throw invalid_argument("Cannot specify more than one prefix rule in a filter.", "FilterRule", "prefix");
              has_prefix = true;
              t.prefix = value;
            } else if (name == "suffix") {
              if (has_suffix)
                throw invalid_argument("Cannot specify more than one suffix rule in a filter.", "FilterRule", "suffix");
              has_suffix = true;
              t.suffix = value;
            } else {
              throw invalid_argument("filter rule name must be either prefix or suffix", "FilterRule.Name",
                                     r.str("Name"));
            }
          }
      }
      t.id = c.str("Id");
      if (t.id.empty()) {
        // S3 names unnamed configurations itself.
        t.id = enc::base64_encode(ids::uuid4()).substr(0, 48);
        c.set("Id", t.id);
      }
      if (!ids.insert(t.id).second) throw invalid_argument("Duplicate ID (" + t.id + ") is not allowed", "Id", t.id);
      out.targets.push_back(std::move(t));
    }
  }
  // Configurations of a common event type must not match a common key.
  for (size_t i = 0; i < out.targets.size(); ++i)
    for (size_t j = i + 1; j < out.targets.size(); ++j) {
      const auto& x = out.targets[i];
      const auto& y = out.targets[j];
      if (!filters_overlap(x, y)) continue;
      for (const auto& ex : x.events)
        for (const auto& ey : y.events)
          if (events_overlap(ex, ey))
            throw invalid_argument(
                "Configurations overlap. Configurations on the same bucket cannot share a common event type.", "Event",
                ex);
    }
  out.eventbridge = doc.has("EventBridgeConfiguration");
  return out;
}

ObjectEvent object_event(std::string name, std::string_view key, const ObjectVersion& v, const Bucket& b) {
  ObjectEvent e;
  e.name = std::move(name);
  e.key = std::string(key);
  e.size = v.size;
  e.etag = v.etag;
  if (!b.versioning.empty()) e.version_id = v.version_id;
  e.seq = v.seq;
  e.storage_class = v.storage_class;
  return e;
}

ObjectEvent removal_event(std::string_view prefix, std::string_view key, const Store::Deleted& d, bool marker_created,
                          const Bucket& b) {
  ObjectEvent e;
  e.name = std::string(prefix) + (marker_created ? ":DeleteMarkerCreated" : ":Delete");
  e.key = std::string(key);
  e.has_size = false;
  if (!b.versioning.empty()) e.version_id = d.version_id;
  e.seq = d.seq;
  return e;
}

// ---------------------------------------------------------------- notifier

Notifier::Notifier(ServerContext& server, Store& store) : server_(server), store_(store) {}

std::shared_ptr<const NotificationConfig> Notifier::config(const Bucket& b) {
  uint64_t gen;
  {
    std::lock_guard lk(mu_);
    auto it = cache_.find(b.name);
    if (it != cache_.end() && it->second.created_ms == b.created_ms) return it->second.config;
    gen = gen_;
  }
  std::shared_ptr<const NotificationConfig> c;
  if (auto text = store_.config(b.name, "notification"); text && *text != "none") {
    try {
      Doc d = json::parse(*text);
      auto parsed = std::make_shared<NotificationConfig>(parse_notification(d));
      if (!parsed->empty()) c = std::move(parsed);
    } catch (const std::exception& e) {
      spdlog::warn("s3: notification configuration of {} unreadable: {}", b.name, e.what());
    }
  }
  std::lock_guard lk(mu_);
  // Not when the configuration was written meanwhile (what was read may be the old one).
  if (gen == gen_) cache_[b.name] = Cached{b.created_ms, c};
  return c;
}

void Notifier::forget(std::string_view bucket) {
  std::lock_guard lk(mu_);
  ++gen_;
  cache_.erase(std::string(bucket));
}

void Notifier::reset() {
  std::lock_guard lk(mu_);
  ++gen_;
  cache_.clear();
}

void Notifier::enqueue(std::vector<std::string> payloads) {
  if (payloads.empty()) return;
  auto& q = server_.events();
  storage::WriteBatch batch;
  std::vector<events::Queue::Ticket> tickets;
  tickets.reserve(payloads.size());
  for (const auto& p : payloads) tickets.push_back(q.add(batch, kTopic, p));
  auto st = server_.storage().write(batch);
  if (!st.ok()) {
    spdlog::error("s3: notification not recorded: {}", st.message);
    throw internal_error();
  }
  for (const auto& t : tickets) q.published(t);
}

void Notifier::emit(const OpContext* ctx, const Bucket& b, const ObjectEvent& e, std::string_view requester) {
  auto c = config(b);
  if (!c) return;
  Origin o = origin_of(ctx, requester);
  int64_t now = ctx ? ctx->now_ms : now_millis();
  std::vector<std::string> payloads;
  for (const auto& t : c->targets)
    if (t.matches(e.name, e.key))
      payloads.push_back(delivery(kind_name(t.kind), t.arn, b, record_json(b, e, o, t.id, now)));
  if (c->eventbridge)
    if (std::string dt = detail_type(e.name); !dt.empty())
      payloads.push_back(delivery("events", "", b, eventbridge_detail(b, e, o), dt));
  enqueue(std::move(payloads));
}

void Notifier::test_event(const OpContext& ctx, const Bucket& b, const NotificationConfig& c) {
  Doc msg = Doc::map();
  msg.set("Service", "Amazon S3");
  msg.set("Event", "s3:TestEvent");
  msg.set("Time", time_ms(ctx.now_ms));
  msg.set("Bucket", b.name);
  msg.set("RequestId", ctx.request_id);
  msg.set("HostId", host_id(ctx.request_id));
  std::string body = json::write(msg);
  std::set<std::string> sent;
  std::vector<std::string> payloads;
  for (const auto& t : c.targets) {
    if (t.kind == NotificationTarget::Kind::lambda || !sent.insert(t.arn).second) continue;
    payloads.push_back(delivery(kind_name(t.kind), t.arn, b, body));
  }
  enqueue(std::move(payloads));
}

void Notifier::validate_destinations(const OpContext& ctx, const Bucket& b, const NotificationConfig& c) {
  std::vector<std::pair<std::string, std::string>> failures;
  std::set<std::string> seen;
  for (const auto& t : c.targets) {
    if (!seen.insert(t.arn).second) continue;
    auto arn = Arn::parse(t.arn);
    std::string policy;
    bool exists = false;
    const char* what = t.kind == NotificationTarget::Kind::queue   ? "queue"
                       : t.kind == NotificationTarget::Kind::topic ? "topic"
                                                                   : "function";
    if (arn && !arn->account.empty()) {
      OpContext::Caller owner = owner_of(arn->account, arn->region.empty() ? b.region : arn->region);
      if (t.kind == NotificationTarget::Kind::queue && arn->service == "sqs") {
        auto* sqs = server_.port<sqs::Api>();
        auto info = sqs ? sqs->info(t.arn) : std::nullopt;
        if (info && info->fifo) {
          failures.emplace_back(t.arn, "FIFO SQS queues are not supported as S3 event notification destinations");
          continue;
        }
        if (info) {
          exists = true;
          Doc in = Doc::map();
          in.set("QueueName", arn->resource);
          in.set("QueueOwnerAWSAccountId", arn->account);
          auto url = server_.call_sync("sqs", "GetQueueUrl", std::move(in), owner);
          if (url) {
            Doc q = Doc::map();
            q.set("QueueUrl", url->str("QueueUrl"));
            Doc names = Doc::list();
            names.push(Doc("Policy"));
            q.set("AttributeNames", std::move(names));
            auto attrs = server_.call_sync("sqs", "GetQueueAttributes", std::move(q), owner);
            if (attrs)
              if (const Doc* a = attrs->get("Attributes"); a && a->is_map()) policy = a->str("Policy");
          }
        }
      } else if (t.kind == NotificationTarget::Kind::topic && arn->service == "sns") {
        Doc in = Doc::map();
        in.set("TopicArn", t.arn);
        auto attrs = server_.call_sync("sns", "GetTopicAttributes", std::move(in), owner);
        if (attrs) {
          exists = true;
          if (const Doc* a = attrs->get("Attributes"); a && a->is_map()) policy = a->str("Policy");
        }
      } else if (t.kind == NotificationTarget::Kind::lambda && arn->service == "lambda") {
        auto fn = lambda::function_arn(server_, arn->account, owner.region, t.arn);
        if (fn) {
          exists = true;
          Doc in = Doc::map();
          in.set("FunctionName", t.arn);
          auto r = server_.call_sync("lambda", "GetPolicy", std::move(in), owner);
          if (r) policy = r->str("Policy");
        }
      }
    }
    if (!exists) {
      failures.emplace_back(t.arn, t.kind == NotificationTarget::Kind::lambda
                                       ? "The destination Lambda function does not exist"
                                       : std::string("The destination ") + what + " does not exist");
      continue;
    }
    bool allowed = false;
    if (!policy.empty()) {
      auto parsed = auth::policy::parse(
          policy,
          {.principal = auth::policy::PrincipalRule::optional, .require_resource = false, .check_resources = false});
      if (parsed.ok()) {
        auth::policy::Request r;
        r.principal.service = "s3.amazonaws.com";
        r.action = t.kind == NotificationTarget::Kind::queue   ? "sqs:SendMessage"
                   : t.kind == NotificationTarget::Kind::topic ? "sns:Publish"
                                                               : "lambda:InvokeFunction";
        r.resource = t.arn;
        r.set("aws:SourceArn", "arn:aws:s3:::" + b.name);
        r.set("aws:SourceAccount", b.account);
        allowed = auth::policy::evaluate(*parsed.policy, r) == auth::policy::Decision::allow;
      }
    }
    if (!allowed)
      failures.emplace_back(t.arn, t.kind == NotificationTarget::Kind::lambda
                                       ? "Not authorized to invoke function [" + t.arn + "]"
                                       : std::string("Permissions on the destination ") + what +
                                             " do not allow S3 to publish notifications from this bucket");
  }
  if (failures.empty()) return;
  AwsError e("InvalidArgument", "Unable to validate the following destination configurations", 400, true);
  std::string j = "{";
  for (size_t i = 0; i < failures.size(); ++i) {
    if (i) j += ',';
    std::string n = std::to_string(i + 1);
    j += "\"ArgumentName" + n + "\":\"" + json::escape(failures[i].first) + "\",\"ArgumentValue" + n + "\":\"" +
         json::escape(failures[i].second) + "\"";
  }
  e.extra_json = j + "}";
  (void)ctx;
  throw e;
}

void Notifier::subscribe() {
  ServerContext* server = &server_;
  server_.events().subscribe(std::string(kTopic), [server](const events::Delivery& del) -> events::Verdict {
    Doc p;
    try {
      p = json::parse(del.payload);
    } catch (const std::exception&) {
      return events::Verdict::drop();
    }
    std::string kind = p.str("kind"), arn = p.str("arn"), account = p.str("account"), region = p.str("region");
    std::string body = p.str("body");
    auto retry = [&](const std::string& why) {
      if (del.attempt + 1 >= kMaxAttempts) {
        spdlog::warn("s3: notification to {} dropped after {} attempts: {}", arn, del.attempt + 1, why);
        return events::Verdict::drop();
      }
      return events::Verdict::retry_after(events::backoff_ms(del.attempt, 1000, 60'000));
    };
    auto gone = [&](const std::string& why) {
      spdlog::warn("s3: notification to {} dropped: {}", arn, why);
      return events::Verdict::drop();
    };
    if (kind == "sqs") {
      auto* sqs = server->port<sqs::Api>();
      if (!sqs) return retry("SQS is not running");
      sqs::Delivery d;
      d.body = std::move(body);
      auto r = sqs->deliver(arn, std::move(d));
      if (r) return events::Verdict::done();
      if (r.error().http_status >= 500) return retry(r.error().message);
      return gone(r.error().code + ": " + r.error().message);
    }
    if (kind == "sns") {
      auto a = Arn::parse(arn);
      Doc in = Doc::map();
      in.set("TopicArn", arn);
      in.set("Message", std::move(body));
      in.set("Subject", "Amazon S3 Notification");
      auto r = server->call_sync(
          "sns", "Publish", std::move(in),
          owner_of(a && !a->account.empty() ? a->account : account, a && !a->region.empty() ? a->region : region));
      if (r) return events::Verdict::done();
      if (r.error().http_status >= 500) return retry(r.error().message);
      return gone(r.error().code + ": " + r.error().message);
    }
    if (kind == "lambda") {
      auto a = Arn::parse(arn);
      lambda::InvokeCall call;
      call.account = a && !a->account.empty() ? a->account : account;
      call.region = a && !a->region.empty() ? a->region : region;
      call.function = arn;
      call.payload = std::move(body);
      call.type = lambda::InvocationType::event;
      auto promise = std::make_shared<std::promise<std::optional<AwsError>>>();
      auto fut = promise->get_future();
      lambda::invoke(*server, std::move(call), [promise](lambda::InvokeOutcome out) { promise->set_value(out.error); });
      if (fut.wait_for(std::chrono::seconds(30)) != std::future_status::ready) return retry("Lambda did not answer");
      auto err = fut.get();
      if (!err) return events::Verdict::done();
      if (err->code == "ResourceNotFoundException") return gone(err->message);
      return retry(err->code + ": " + err->message);
    }
    if (kind == "events") {
      auto* bus = server->port<events::Api>();
      if (!bus) return gone("EventBridge is not running");
      events::Entry e;
      e.source = "aws.s3";
      e.detail_type = p.str("detail_type");
      e.detail = std::move(body);
      Doc d = json::parse(e.detail);
      const Doc* bk = d.get("bucket");
      if (bk && bk->is_map()) e.resources.push_back("arn:aws:s3:::" + bk->str("name"));
      auto r = bus->put(account, region, std::move(e));
      if (r) return events::Verdict::done();
      if (r.error().http_status >= 500) return retry(r.error().message);
      return gone(r.error().code + ": " + r.error().message);
    }
    return events::Verdict::drop();
  });
}

Notifier& notifier(OpContext& ctx) {
  return *ctx.server.port<Notifier>();
}

}  // namespace stratus::s3
