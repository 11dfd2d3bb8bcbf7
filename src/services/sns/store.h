// SNS topics and subscriptions: the records in storage and their in-memory index.
//
// Storage (JSON values, read back by load()):
//   "sns.topics"  key: topic ARN         {account, region, name, fifo, attributes{}, tags[{Key,Value}],
//                                          subs[ARN...] (subscription order), deleted_subs}
//   "sns.subs"    key: subscription ARN  {topic, protocol, endpoint, owner, token, confirmed, attributes{}}
//   "sns.dedup"   key: topic ARN, dedup key  {e: expiry ms, id, seq} (FIFO deduplication windows,
//                                          written with their publish: dedup_record())
// A topic's sequence counter is in memory: after a restart it goes on from the stored windows and
// never below the clock.
//
// Locking: mutex() guards the index and every Topic in it (callers hold it shared to read,
// exclusive to change; the methods below say which they need). Subscriptions are copy-on-write:
// a Sub is never changed once in the index (replace() swaps in a new one), so deliveries keep a
// shared_ptr and read it without the lock.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "events/pattern/pattern.h"
#include "storage/engine.h"

namespace stratus::sns {

struct Topic {
  std::string arn, account, region, name;
  bool fifo = false;
  std::map<std::string, std::string> attributes;  // settable attributes as set
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::string> subs;  // subscription ARNs, in subscription order
  int64_t deleted_subs = 0;
  std::unordered_map<std::string, std::pair<int64_t, std::pair<std::string, uint64_t>>> dedup;  // key -> (expiry, (id, seq))
  uint64_t next_seq = 1;
};

struct Sub {
  std::string arn, topic_arn, protocol, endpoint, owner, token;
  bool confirmed = false;
  std::map<std::string, std::string> attributes;
  std::optional<events::pattern::Pattern> filter;  // the parsed FilterPolicy attribute
  bool raw() const {
    auto it = attributes.find("RawMessageDelivery");
    return it != attributes.end() && it->second == "true";
  }
  bool body_scope() const {
    auto it = attributes.find("FilterPolicyScope");
    return it != attributes.end() && it->second == "MessageBody";
  }
};

// The confirmed subscriptions of a topic and what their envelopes need.
struct Fanout {
  std::vector<std::shared_ptr<const Sub>> subs;
  std::string display_name;
  int version = 1;  // SignatureVersion
};

class Store {
 public:
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  std::shared_mutex& mutex() const { return mu_; }

  // Reads every record from `engine` into the index (unreadable records are logged and
  // skipped). Call once, before any other method. Takes the lock.
  void open(storage::Engine& engine);
  // Empties the index (storage was wiped). Takes the lock.
  void clear();

  // ---- reading: REQUIRES(mutex()) shared ----
  std::shared_ptr<Topic> topic(const std::string& arn) const;  // nullptr when none
  std::shared_ptr<const Sub> sub(const std::string& arn) const;
  const std::map<std::string, std::shared_ptr<Topic>>& topics() const { return topics_; }  // by ARN
  Fanout fanout_of(const Topic& t) const;
  // The number of FIFO or standard topics an account has in a region (CreateTopic's limits).
  size_t topic_count(const std::string& account, const std::string& region, bool fifo) const;

  // ---- changing: REQUIRES(mutex()) exclusive; each writes its records through ----
  void add(std::shared_ptr<Topic> t);
  // A new subscription, appended to its topic's list.
  void add(Topic& t, std::shared_ptr<const Sub> s);
  // Swaps in a changed copy of a subscription (copy-on-write).
  void replace(std::shared_ptr<const Sub> s);
  // Removes a topic and all its subscriptions, in one write.
  storage::Status erase(const Topic& t);
  // Removes a subscription (its topic counts it as deleted). false when there is none.
  bool erase_sub(const std::string& arn);
  // Writes a topic changed in place (attributes, tags). Write errors are ignored, as before:
  // the index stays the truth until restart.
  void save(const Topic& t);

  // Adds to `b` the durable record of a FIFO deduplication entry (the publish writes it in its
  // own batch). Static: no lock needed.
  static void dedup_record(storage::WriteBatch& b, const Topic& t, const std::string& key, int64_t expiry,
                           const std::string& message_id, uint64_t seq);
  // Adds to `b` the removal of an expired entry's record.
  static void dedup_forget(storage::WriteBatch& b, const Topic& t, const std::string& key);

  // ---- taking the lock themselves ----
  // The topic's SignatureVersion (1 for a missing topic).
  int signature_version(const std::string& topic_arn) const;

 private:
  void save(const Sub& s);

  storage::Engine* engine_ = nullptr;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<Topic>> topics_;            // GUARDED_BY(mu_) by ARN
  std::unordered_map<std::string, std::shared_ptr<const Sub>> subs_;  // GUARDED_BY(mu_) by ARN
  // GUARDED_BY(mu_) topics by account "\0" region: [standard, FIFO]
  std::unordered_map<std::string, std::array<size_t, 2>> counts_;
  void count(const Topic& t, int delta);
};

}  // namespace stratus::sns
