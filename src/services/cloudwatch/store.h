// CloudWatch's persistence over storage::Engine: metric datapoints and the metric catalog,
// alarm records, alarm history, dashboards, anomaly detectors, tags (keyspaces in schema.h).
// Alarm and dashboard records are JSON Docs; read-modify-writes go under `mu`.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/doc.h"
#include "services/cloudwatch/metrics.h"
#include "storage/engine.h"

namespace stratus::cloudwatch {

class Store {
 public:
  explicit Store(storage::Engine& db) : db_(db) {}
  storage::Engine& db() { return db_; }

  struct Write {
    std::string series;  // series_key()
    Datum datum;
  };
  // Stores datapoints and bumps their metrics' catalog entries, in one batch. False: write failed.
  bool put_data(const std::string& account, const std::string& region, const std::vector<Write>& writes,
                int64_t now_ms);
  // Datapoints of a metric with start <= ts < end.
  std::vector<Datum> read(const std::string& account, const std::string& region, const std::string& series,
                          int64_t start_ms, int64_t end_ms);
  // Catalog: (series key, last data ms), sorted by series key.
  std::vector<std::pair<std::string, int64_t>> metrics(const std::string& account, const std::string& region);
  // The retention sweep: merges high-resolution points older than 3 hours into minutes, minutes
  // older than 15 days into 5 minutes, those older than 63 days into hours, drops data older
  // than 455 days and catalog entries without data for 15 months... (see service docs).
  void retain(int64_t now_ms);

  // JSON records by (account, region, name) in a keyspace.
  std::optional<Doc> get(std::string_view ks, const std::string& account, const std::string& region,
                         const std::string& name);
  bool put(std::string_view ks, const std::string& account, const std::string& region, const std::string& name,
           const Doc& record);
  bool del(std::string_view ks, const std::string& account, const std::string& region, const std::string& name);
  std::vector<std::pair<std::string, Doc>> list(std::string_view ks, const std::string& account,
                                                const std::string& region);
  // Every alarm of every account and region: (account, region, name, record).
  struct Located {
    std::string account, region, name;
    Doc record;
  };
  std::vector<Located> all(std::string_view ks);

  void add_history(const std::string& account, const std::string& region, const std::string& alarm, int64_t ms,
                   const Doc& item);
  std::vector<Doc> history(const std::string& account, const std::string& region, const std::string& alarm);
  void drop_history(const std::string& account, const std::string& region, const std::string& alarm);

  std::mutex mu;  // alarm read-modify-writes (API and evaluator)

 private:
  uint64_t next_seq();
  storage::Engine& db_;
  std::atomic<uint64_t> seq_{0};
};

}  // namespace stratus::cloudwatch
