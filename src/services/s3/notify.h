// S3 event notifications: the bucket's notification configuration (parsed, validated and
// cached in memory) and the delivery of event records to SQS, SNS, Lambda and EventBridge.
//
// Usage (a handler, after its change committed):
//
//   notifier(ctx).emit(&ctx, b, ObjectEvent{.name = "ObjectCreated:Put", .key = key, .size = v.size,
//                                           .etag = v.etag, .version_id = ..., .seq = v.seq});
//
// Contract
// - Configuration: PutBucketNotificationConfiguration's document is checked as S3 does
//   (`parse_notification`: event names, filter rules, overlapping configurations) and stored as
//   the "notification" record in s3.config (its JSON). `config(bucket)` answers the parsed form
//   from an in-memory cache keyed by bucket name and creation time, read from storage once;
//   `forget(bucket)` drops the entry (configuration written, bucket deleted). A bucket without
//   configuration costs one hash lookup per emit: nothing is read or written.
// - Durability: `emit` writes one events-queue delivery per matching destination (topic
//   "s3.notify") in one batch before it returns, so an event whose request was answered is
//   delivered after a kill -9 (at least once). The dispatcher sends the record through SQS's
//   port, SNS's Publish (ctx.call_sync), Lambda's Event invoke (lambda/invoke.h) or
//   events::Api (EventBridge; dropped with a warning while EventBridge is not running), and
//   retries with backoff while the destination's service is unavailable (10 attempts).
// - Records are shaped as AWS's (eventVersion 2.1, eventSource aws:s3, eventName without the
//   "s3:" prefix, the key URL-encoded with '+' for spaces, sequencer as hex); EventBridge
//   events as "aws.s3" with AWS's detail-types.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/doc.h"
#include "services/s3/store.h"

namespace stratus {
class ServerContext;
struct OpContext;
}  // namespace stratus

namespace stratus::s3 {

// One destination of the configuration.
struct NotificationTarget {
  enum class Kind { queue, topic, lambda } kind = Kind::queue;
  std::string id, arn;
  std::vector<std::string> events;  // as configured, "s3:ObjectCreated:*"
  std::string prefix, suffix;
  // Whether an event ("ObjectCreated:Put") on key matches this target.
  bool matches(std::string_view event, std::string_view key) const;
};

struct NotificationConfig {
  std::vector<NotificationTarget> targets;
  bool eventbridge = false;
  bool empty() const { return targets.empty() && !eventbridge; }
};

// Parses and validates the NotificationConfiguration member (InvalidArgument as S3 answers it:
// unknown events, bad filter rules, overlapping configurations). Ids missing from the document
// are generated (and written back into `doc`, which is then stored).
NotificationConfig parse_notification(Doc& doc);
// Whether configured event `pattern` ("s3:ObjectCreated:*") covers `event` ("ObjectCreated:Put").
bool event_matches(std::string_view pattern, std::string_view event);
// The key as S3 writes it into event records (URL-encoded, '+' for spaces).
std::string event_key(std::string_view key);

struct ObjectEvent {
  std::string name;  // "ObjectCreated:Put", "ObjectRemoved:DeleteMarkerCreated", ...
  std::string key;
  uint64_t size = 0;
  bool has_size = true;  // removal events carry no size/eTag
  std::string etag;
  std::string version_id;         // "" for unversioned buckets
  uint64_t seq = 0;               // the sequencer
  std::string restore_expiry_ms;  // ObjectRestore:Completed: lifecycleRestorationExpiryTime (ISO)
  std::string storage_class;
};

// The event of a version just written (versionId only in buckets that ever had versioning).
ObjectEvent object_event(std::string name, std::string_view key, const ObjectVersion& v, const Bucket& b);
// The event of a delete: "<prefix>:DeleteMarkerCreated" when `marker_created`, else
// "<prefix>:Delete" (prefix "ObjectRemoved" or "LifecycleExpiration").
ObjectEvent removal_event(std::string_view prefix, std::string_view key, const Store::Deleted& d, bool marker_created,
                          const Bucket& b);

class Notifier {
 public:
  Notifier(ServerContext& server, Store& store);
  // Subscribes the delivery topic (before the events queue starts).
  void subscribe();
  // The bucket's configuration (nullptr: none), from the cache.
  std::shared_ptr<const NotificationConfig> config(const Bucket& b);
  void forget(std::string_view bucket);
  void reset();
  // Records an event for the matching destinations (durably; see the contract). ctx is the
  // request's (nullptr for S3's own work: lifecycle; or for POST Object, which names its
  // `requester` account).
  void emit(const OpContext* ctx, const Bucket& b, const ObjectEvent& e, std::string_view requester = {});
  // Sends s3:TestEvent to the SQS and SNS destinations of a configuration just written.
  void test_event(const OpContext& ctx, const Bucket& b, const NotificationConfig& c);
  // Checks that each destination exists and its policy lets S3 send from this bucket
  // (InvalidArgument "Unable to validate the following destination configurations").
  void validate_destinations(const OpContext& ctx, const Bucket& b, const NotificationConfig& c);

 private:
  struct Cached {
    int64_t created_ms = 0;
    std::shared_ptr<const NotificationConfig> config;
  };
  void enqueue(std::vector<std::string> payloads);

  ServerContext& server_;
  Store& store_;
  std::mutex mu_;
  std::unordered_map<std::string, Cached> cache_;  // GUARDED_BY(mu_)
  uint64_t gen_ = 0;                               // GUARDED_BY(mu_) bumped by forget()
};

// The running notifier (ops reach it like the store).
Notifier& notifier(OpContext& ctx);

}  // namespace stratus::s3
