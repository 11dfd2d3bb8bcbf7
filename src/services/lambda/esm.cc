// Event source mappings (see esm.h for the contracts).
#include "services/lambda/esm.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "core/arn.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/thread.h"
#include "events/pattern/pattern.h"
#include "server/context.h"
#include "services/dynamodb/streams.h"
#include "services/lambda/api.h"
#include "services/lambda/destinations.h"
#include "services/lambda/invoke.h"
#include "services/service.h"
#include "services/sqs/sqs.h"

namespace stratus::lambda {
namespace {

constexpr std::string_view kMappings = "lambda.esm";
constexpr std::string_view kPositions = "lambda.esm_pos";
constexpr const char* kStartTopic = "lambda.esm_start";

AwsError invalid(const std::string& msg) { return {"InvalidParameterValueException", msg, 400}; }
AwsError not_found() {
  return {"ResourceNotFoundException", "The resource you requested does not exist.", 404};
}

// ---- executor: one thread running posted tasks and timers ----

class Executor {
 public:
  void start() {
    std::lock_guard lk(mu_);
    stopping_ = false;
    if (!thread_.joinable())
      thread_ = std::thread([this] { run_restarting("lambda-esm", [this] { run(); }); });
  }
  void stop() {
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
      due_.clear();
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void post(std::function<void()> f) { at(0, std::move(f)); }
  // Runs f on the executor at when_ms (epoch ms); dropped when the executor stops first.
  void at(int64_t when_ms, std::function<void()> f) {
    {
      std::lock_guard lk(mu_);
      if (stopping_) return;
      due_.emplace(std::make_pair(when_ms, seq_++), std::move(f));
    }
    cv_.notify_one();
  }

 private:
  void run() {
    std::unique_lock lk(mu_);
    while (!stopping_) {
      if (due_.empty()) {
        cv_.wait(lk);
        continue;
      }
      auto it = due_.begin();
      int64_t now = now_millis();
      if (it->first.first > now) {
        cv_.wait_for(lk, std::chrono::milliseconds(it->first.first - now));
        continue;
      }
      auto f = std::move(it->second);
      due_.erase(it);
      lk.unlock();
      try {
        f();
      } catch (const std::exception& e) {
        spdlog::error("lambda: event source mapping step failed: {}", e.what());
      }
      lk.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::pair<int64_t, uint64_t>, std::function<void()>> due_;  // GUARDED_BY(mu_)
  uint64_t seq_ = 0;                                                    // GUARDED_BY(mu_)
  bool stopping_ = false;                                               // GUARDED_BY(mu_)
  std::thread thread_;
};

// ---- a mapping's settings, parsed from its stored record ----

enum class Kind { sqs, dynamodb };

struct Settings {
  Kind kind = Kind::sqs;
  std::string uuid, account, region, function_arn, source_arn;
  int64_t batch_size = 10, window_s = 0, max_concurrency = 0, max_retries = -1, max_age_s = -1;
  bool bisect = false, report_failures = false, enabled = true;
  std::string on_failure;
  std::vector<events::pattern::Pattern> filters;
};

Kind kind_of(const std::string& source_arn) {
  auto a = Arn::parse(source_arn);
  return a && a->service == "dynamodb" ? Kind::dynamodb : Kind::sqs;
}

Settings settings_of(const Doc& rec) {
  Settings s;
  s.uuid = rec.str("UUID");
  s.account = rec.str("_account");
  s.region = rec.str("_region");
  s.function_arn = rec.str("FunctionArn");
  s.source_arn = rec.str("EventSourceArn");
  s.kind = kind_of(s.source_arn);
  s.batch_size = rec.integer("BatchSize", s.kind == Kind::sqs ? 10 : 100);
  s.window_s = rec.integer("MaximumBatchingWindowInSeconds", 0);
  if (const Doc* sc = rec.get("ScalingConfig")) s.max_concurrency = sc->integer("MaximumConcurrency", 0);
  s.max_retries = rec.integer("MaximumRetryAttempts", -1);
  s.max_age_s = rec.integer("MaximumRecordAgeInSeconds", -1);
  s.bisect = rec.flag("BisectBatchOnFunctionError");
  if (const Doc* t = rec.get("FunctionResponseTypes"); t && t->is_list())
    for (const auto& x : t->as_list())
      if (x.is_string() && x.as_string() == "ReportBatchItemFailures") s.report_failures = true;
  s.enabled = rec.str("State") != "Disabled";
  if (const Doc* d = rec.get("DestinationConfig"); d && d->get("OnFailure"))
    s.on_failure = d->get("OnFailure")->str("Destination");
  if (const Doc* f = rec.get("FilterCriteria"); f && f->get("Filters")) {
    for (const auto& x : f->get("Filters")->as_list()) {
      std::string err;
      if (auto p = events::pattern::Pattern::parse(x.str("Pattern"), &err)) s.filters.push_back(std::move(*p));
    }
  }
  return s;
}

bool passes(const Settings& s, const Doc& record) {
  if (s.filters.empty()) return true;
  for (const auto& f : s.filters)
    if (f.match(record)) return true;
  return false;
}

std::string iso_seconds(int64_t ms) { return enc::iso8601((ms / 1000) * 1000); }

// ---- per-mapping runtime state: touched only on the executor thread ----

struct Runner {
  Settings s;
  bool active = false;
  bool gone = false;  // deleted (or reset): never runs again
  // SQS
  int pollers = 0;
  // DynamoDB stream
  uint64_t stream_id = 0;
  uint64_t position = 0;
  bool running = false, again = false;
  uint64_t listener = 0;
  std::atomic<bool> wake_pending{false};
  uint64_t attempt_pos = 0;
  int attempts = 0;
  size_t limit = 0;  // bisected batch size (0: BatchSize)
  int64_t window_until = 0;
};
using RunnerPtr = std::shared_ptr<Runner>;

// Messages collected by one SQS poller for one invocation.
struct SqsBatch {
  std::vector<Doc> records;  // the event records
  int64_t deadline_ms = 0;   // end of the batching window (0: not started)
};
using SqsBatchPtr = std::shared_ptr<SqsBatch>;

class Esm final : public EventSourceMappings {
 public:
  void start(ServerContext& server) override {
    server_ = &server;
    if (const char* v = std::getenv("STRATUS_LAMBDA_ESM_RETRY_MS")) retry_ms_ = std::atoll(v);
    server.events().subscribe(kSnsTopic, [this](const events::Delivery& d) { return sns_delivery(d); });
    // Pollers start once every service has started (SQS loads its queues in its own start()):
    // the events queue dispatches only then. Installing twice is harmless.
    server.events().subscribe(kStartTopic, [this](const events::Delivery&) {
      install_all();
      return events::Verdict::done();
    });
    exec_->start();
    (void)server.events().enqueue(kStartTopic, "{}");
  }

  void install_all() {
    std::vector<Doc> recs;
    for (auto it = server_->storage().scan(kMappings, {}); it->valid(); it->next()) {
      try {
        recs.push_back(json::parse(it->value()));
      } catch (const std::exception& e) {
        spdlog::error("lambda: unreadable event source mapping record: {}", e.what());
      }
    }
    for (const auto& rec : recs) install(rec);
  }

  void stop() override {
    exec_->stop();
    std::lock_guard lk(mu_);
    for (auto& [_, r] : runners_)
      if (r->listener) dynamodb::remove_stream_listener(r->listener), r->listener = 0;
  }

  void reset() override {
    std::lock_guard lk(mu_);
    for (auto& [_, r] : runners_) {
      RunnerPtr runner = r;
      exec_->post([this, runner] { deactivate(runner, true); });
    }
    runners_.clear();
    std::lock_guard lk2(result_mu_);
    results_.clear();
  }

 private:
  // ---- records ----

  std::optional<Doc> load(const std::string& uuid) {
    std::string v;
    if (!server_->storage().get(kMappings, uuid, &v).ok()) return std::nullopt;
    return json::parse(v);
  }

  Doc public_view(const Doc& rec, const std::string& state = "") {
    Doc out = Doc::map();
    for (const auto& [k, v] : rec.as_map())
      if (!k.empty() && k[0] != '_') out.set(k, v);
    out.set("LastModified", Timestamp{rec.integer("LastModified")});
    if (!state.empty()) out.set("State", state);
    if (kind_of(rec.str("EventSourceArn")) == Kind::dynamodb) {
      std::lock_guard lk(result_mu_);
      auto it = results_.find(rec.str("UUID"));
      out.set("LastProcessingResult", it == results_.end() ? std::string("No records processed") : it->second);
    }
    return out;
  }

  void set_result(const std::string& uuid, std::string r) {
    std::lock_guard lk(result_mu_);
    results_[uuid] = std::move(r);
  }

  // Checks a complete configuration (defaults filled in) against the source kind's rules.
  std::optional<AwsError> check(Doc& rec) {
    std::string source = rec.str("EventSourceArn");
    auto arn = Arn::parse(source);
    bool sqs = arn && arn->service == "sqs";
    bool ddb = arn && arn->service == "dynamodb" && arn->resource.find("/stream/") != std::string::npos;
    if (!sqs && !ddb) {
      if (arn && arn->service == "kinesis")
        return invalid("Stratus does not emulate Kinesis: event source mappings read SQS queues and DynamoDB streams.");
      return invalid("Unrecognized event source, must be kinesis, dynamodb stream or sqs. Unsupported source arn : " +
                     source);
    }
    int64_t batch = rec.integer("BatchSize");
    int64_t window = rec.integer("MaximumBatchingWindowInSeconds");
    if (const Doc* t = rec.get("FunctionResponseTypes"); t && t->is_list())
      for (const auto& x : t->as_list())
        if (!x.is_string() || x.as_string() != "ReportBatchItemFailures")
          return invalid("Unsupported FunctionResponseType: " + (x.is_string() ? x.as_string() : json::write(x)));
    if (const Doc* f = rec.get("FilterCriteria")) {
      const Doc* filters = f->get("Filters");
      if (filters && filters->size() > 5) return invalid("The number of filters exceeds the limit of 5.");
      if (filters)
        for (const auto& x : filters->as_list()) {
          std::string err;
          if (!events::pattern::Pattern::parse(x.str("Pattern"), &err))
            return invalid("Invalid filter pattern definition. " + err);
        }
    }
    if (sqs) {
      sqs::Api* api = sqs::api(*server_);
      auto info = api ? api->info(source) : std::nullopt;
      if (!info)
        return invalid("Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
                       "SQS Error Message: The specified queue does not exist or you do not have access to it.");
      for (const char* k : {"StartingPosition", "StartingPositionTimestamp"})
        if (rec.has(k)) return invalid(std::string(k) + " is not valid for SQS event sources.");
      for (const char* k : {"DestinationConfig", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds",
                            "BisectBatchOnFunctionError", "ParallelizationFactor", "TumblingWindowInSeconds"})
        if (rec.has(k)) return invalid(std::string("Unsupported ") + k + " parameter for given event source mapping type.");
      if (info->fifo && batch > 10) return invalid("Batch size must be between 1 and 10 for FIFO queues.");
      if (batch > 10 && window < 1)
        return invalid("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10");
      if (const Doc* sc = rec.get("ScalingConfig"); sc && sc->has("MaximumConcurrency")) {
        int64_t mc = sc->integer("MaximumConcurrency");
        if (mc < 2 || mc > 1000)
          return AwsError("ValidationException",
                          "1 validation error detected: Value '" + std::to_string(mc) +
                              "' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have "
                              "value greater than or equal to 2 and less than or equal to 1000",
                          400);
      }
      return std::nullopt;
    }
    if (!dynamodb::find_stream(server_->storage(), source)) return invalid("Stream not found: " + source);
    std::string start = rec.str("StartingPosition");
    if (start.empty()) return invalid("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.");
    if (start == "AT_TIMESTAMP") return invalid("Unsupported starting position for arn: " + source + " : AT_TIMESTAMP");
    if (rec.has("ScalingConfig")) return invalid("Unsupported ScalingConfig parameter for given event source mapping type.");
    int64_t age = rec.integer("MaximumRecordAgeInSeconds", -1);
    if (age != -1 && age < 60)
      return invalid("MaximumRecordAgeInSeconds must be -1 (infinite) or between 60 and 604800.");
    if (const Doc* d = rec.get("DestinationConfig")) {
      if (const Doc* s = d->get("OnFailure"); s && s->has("Destination")) {
        auto dest = Arn::parse(s->str("Destination"));
        if (!dest || (dest->service != "sqs" && dest->service != "sns"))
          return invalid("Unsupported on-failure destination: " + s->str("Destination") +
                         ". Stratus delivers to SQS queues and SNS topics.");
      }
      if (d->get("OnSuccess") && d->get("OnSuccess")->has("Destination"))
        return invalid("Unsupported DestinationConfig parameter for given event source mapping type.");
    }
    return std::nullopt;
  }

  // Members a Create/Update request may set (FunctionName and Enabled are handled apart).
  static constexpr const char* kSettable[] = {
      "BatchSize",           "MaximumBatchingWindowInSeconds", "FilterCriteria",
      "FunctionResponseTypes", "ScalingConfig",               "DestinationConfig",
      "MaximumRetryAttempts", "MaximumRecordAgeInSeconds",    "BisectBatchOnFunctionError",
      "ParallelizationFactor", "TumblingWindowInSeconds",     "StartingPosition",
      "StartingPositionTimestamp"};

  static void normalise(Doc& rec) {
    if (Doc* f = rec.get("FilterCriteria"); f && (!f->get("Filters") || f->get("Filters")->size() == 0))
      rec.as_map().erase("FilterCriteria");
    if (Doc* sc = rec.get("ScalingConfig"); sc && sc->size() == 0) rec.as_map().erase("ScalingConfig");
  }

  std::optional<AwsError> duplicate(const Doc& rec) {
    for (auto it = server_->storage().scan(kMappings, {}); it->valid(); it->next()) {
      Doc other = json::parse(it->value());
      if (other.str("UUID") == rec.str("UUID")) continue;
      if (other.str("FunctionArn") == rec.str("FunctionArn") && other.str("EventSourceArn") == rec.str("EventSourceArn")) {
        std::string fn = rec.str("FunctionArn").substr(rec.str("FunctionArn").find(":function:") + 10);
        if (kind_of(rec.str("EventSourceArn")) == Kind::sqs)
          return AwsError("ResourceConflictException",
                          "An event source mapping with SQS arn (\" " + rec.str("EventSourceArn") +
                              " \") and function (\" " + fn +
                              " \") already exists. Please update or delete the existing mapping with UUID " +
                              other.str("UUID"),
                          409);
        return AwsError("ResourceConflictException",
                        "The event source arn (\" " + rec.str("EventSourceArn") + " \") and function (\" " + fn +
                            " \") provided mapping already exists. Please update or delete the existing mapping "
                            "with UUID " + other.str("UUID"),
                        409);
      }
    }
    return std::nullopt;
  }

 public:
  // ---- operations ----

  Result<Doc> create(OpContext& ctx, const Doc& in) override {
    auto fn = function_arn(ctx.server, ctx.account(), ctx.region(), in.str("FunctionName"));
    if (!fn) return fn.error();
    Doc rec = Doc::map();
    std::string source = in.str("EventSourceArn");
    if (source.empty()) {
      if (in.has("Topics") || in.has("Queues") || in.has("SelfManagedEventSource"))
        return invalid("Stratus event source mappings read SQS queues and DynamoDB streams only.");
      return invalid("Unrecognized event source, must be kinesis, dynamodb stream or sqs. Unsupported source arn : null");
    }
    rec.set("EventSourceArn", source);
    rec.set("FunctionArn", fn.value());
    Kind kind = kind_of(source);
    rec.set("BatchSize", kind == Kind::sqs ? 10 : 100);
    rec.set("MaximumBatchingWindowInSeconds", 0);
    for (const char* k : kSettable)
      if (const Doc* v = in.get(k)) rec.set(k, *v);
    normalise(rec);
    if (auto e = check(rec)) return *e;
    if (kind == Kind::dynamodb) {
      if (!rec.has("ParallelizationFactor")) rec.set("ParallelizationFactor", 1);
      if (!rec.has("DestinationConfig")) {
        Doc d = Doc::map();
        d.set("OnFailure", Doc::map());
        rec.set("DestinationConfig", d);
      }
      if (!rec.has("MaximumRecordAgeInSeconds")) rec.set("MaximumRecordAgeInSeconds", -1);
      if (!rec.has("BisectBatchOnFunctionError")) rec.set("BisectBatchOnFunctionError", false);
      if (!rec.has("MaximumRetryAttempts")) rec.set("MaximumRetryAttempts", -1);
      if (!rec.has("TumblingWindowInSeconds")) rec.set("TumblingWindowInSeconds", 0);
    }
    if (!rec.has("FunctionResponseTypes")) rec.set("FunctionResponseTypes", Doc::list());
    std::string uuid = ids::uuid4();
    rec.set("UUID", uuid);
    rec.set("EventSourceMappingArn",
            "arn:aws:lambda:" + ctx.region() + ":" + ctx.account() + ":event-source-mapping:" + uuid);
    rec.set("LastModified", ctx.now_ms);
    rec.set("State", in.flag("Enabled", true) ? "Enabled" : "Disabled");
    rec.set("StateTransitionReason", kind == Kind::sqs ? "USER_INITIATED" : "User action");
    rec.set("_account", ctx.account());
    rec.set("_region", ctx.region());
    std::lock_guard lk(write_mu_);
    if (auto e = duplicate(rec)) return *e;
    storage::WriteBatch b;
    b.put(kMappings, uuid, json::write(rec));
    if (kind == Kind::dynamodb) {
      // LATEST: records written after the mapping was created; TRIM_HORIZON: all stored records.
      auto ref = dynamodb::find_stream(server_->storage(), source);
      uint64_t pos = rec.str("StartingPosition") == "LATEST" && ref ? dynamodb::last_sequence(server_->storage(), ref->stream_id) : 0;
      b.put(kPositions, uuid, std::to_string(pos));
    }
    auto st = server_->storage().write(b);
    if (!st.ok()) return errors::internal(st.message);
    install(rec);
    return public_view(rec, "Creating");
  }

  Result<Doc> get(OpContext&, const Doc& in) override {
    auto rec = load(in.str("UUID"));
    if (!rec) return not_found();
    return public_view(*rec);
  }

  Result<Doc> list(OpContext& ctx, const Doc& in) override {
    std::string source = in.str("EventSourceArn");
    std::string fn;
    if (in.has("FunctionName")) {
      // A name or ARN; mappings of any qualifier of that function match an unqualified name.
      std::string f = in.str("FunctionName");
      auto arn = function_arn(ctx.server, ctx.account(), ctx.region(), f);
      fn = arn ? arn.value() : "arn:aws:lambda:" + ctx.region() + ":" + ctx.account() + ":function:" + f;
    }
    std::string after = in.str("Marker");
    int64_t max = in.integer("MaxItems", 100);
    Doc items = Doc::list();
    std::string next;
    for (auto it = server_->storage().scan(kMappings, {}); it->valid(); it->next()) {
      Doc rec = json::parse(it->value());
      if (rec.str("_account") != ctx.account() || rec.str("_region") != ctx.region()) continue;
      if (!source.empty() && rec.str("EventSourceArn") != source) continue;
      if (!fn.empty()) {
        std::string f = rec.str("FunctionArn");
        if (f != fn && f.rfind(fn + ":", 0) != 0) continue;
      }
      if (!after.empty() && std::string(it->key()) <= after) continue;
      if (static_cast<int64_t>(items.size()) >= max) {
        next = after;
        break;
      }
      items.push(public_view(rec));
      after = std::string(it->key());
    }
    Doc out = Doc::map();
    out.set("EventSourceMappings", std::move(items));
    if (!next.empty()) out.set("NextMarker", next);
    return out;
  }

  Result<Doc> update(OpContext& ctx, const Doc& in) override {
    std::lock_guard lk(write_mu_);
    auto found = load(in.str("UUID"));
    if (!found) return not_found();
    Doc rec = std::move(*found);
    if (in.has("FunctionName")) {
      auto fn = function_arn(ctx.server, rec.str("_account"), rec.str("_region"), in.str("FunctionName"));
      if (!fn) return fn.error();
      rec.set("FunctionArn", fn.value());
    }
    for (const char* k : kSettable) {
      if (std::string_view(k).rfind("StartingPosition", 0) == 0) continue;
      if (const Doc* v = in.get(k)) rec.set(k, *v);
    }
    normalise(rec);
    // The stream-only defaults stored at creation are not "set by the user" for SQS checks.
    if (auto e = check(rec)) return *e;
    if (auto e = duplicate(rec)) return *e;
    std::string shown = "Updating";
    if (in.has("Enabled")) {
      bool was = rec.str("State") != "Disabled";
      bool now = in.flag("Enabled");
      if (was != now) shown = now ? "Enabling" : "Disabling";
      rec.set("State", now ? "Enabled" : "Disabled");
    }
    rec.set("LastModified", ctx.now_ms);
    auto st = server_->storage().put(kMappings, rec.str("UUID"), json::write(rec));
    if (!st.ok()) return errors::internal(st.message);
    install(rec);
    return public_view(rec, shown);
  }

  Result<Doc> remove(OpContext&, const Doc& in) override {
    std::lock_guard lk(write_mu_);
    std::string uuid = in.str("UUID");
    auto rec = load(uuid);
    if (!rec) return not_found();
    storage::WriteBatch b;
    b.del(kMappings, uuid);
    b.del(kPositions, uuid);
    auto st = server_->storage().write(b);
    if (!st.ok()) return errors::internal(st.message);
    {
      std::lock_guard lk2(mu_);
      if (auto it = runners_.find(uuid); it != runners_.end()) {
        RunnerPtr r = it->second;
        exec_->post([this, r] { deactivate(r, true); });
        runners_.erase(it);
      }
    }
    Doc out = public_view(*rec, "Deleting");
    std::lock_guard lk3(result_mu_);
    results_.erase(uuid);
    return out;
  }

 private:
  // ---- runners ----

  // Creates or reconfigures the runner of a stored mapping.
  void install(const Doc& rec) {
    Settings s = settings_of(rec);
    RunnerPtr r;
    {
      std::lock_guard lk(mu_);
      auto& slot = runners_[s.uuid];
      if (!slot) slot = std::make_shared<Runner>();
      r = slot;
    }
    exec_->post([this, r, s = std::move(s)]() mutable { configure(r, std::move(s)); });
  }

  void configure(const RunnerPtr& r, Settings s) {
    if (r->gone) return;
    bool was_active = r->active;
    r->s = std::move(s);
    r->active = r->s.enabled;
    if (!r->active) {
      deactivate(r, false);
      return;
    }
    if (r->s.kind == Kind::sqs) {
      for (int i = r->pollers; i < desired_pollers(r->s); ++i) {
        ++r->pollers;
        sqs_poll(r, std::make_shared<SqsBatch>());
      }
      return;
    }
    if (!was_active || !r->listener) start_stream(r);
    kick(r);
  }

  void deactivate(const RunnerPtr& r, bool gone) {
    r->active = false;
    if (gone) r->gone = true;
    if (r->listener) {
      dynamodb::remove_stream_listener(r->listener);
      r->listener = 0;
    }
  }

  static int desired_pollers(const Settings& s) {
    // AWS starts five pollers per queue; MaximumConcurrency caps concurrent invocations.
    return s.max_concurrency > 0 ? static_cast<int>(std::min<int64_t>(s.max_concurrency, 32)) : 5;
  }

  // ---- SQS ----

  void sqs_poll(const RunnerPtr& r, const SqsBatchPtr& b) {
    if (!r->active || r->pollers > desired_pollers(r->s)) {
      release(r, b);
      --r->pollers;
      return;
    }
    sqs::Api* api = sqs::api(*server_);
    if (!api) {
      --r->pollers;
      return;
    }
    const Settings& s = r->s;
    int64_t now = now_millis();
    int64_t want = std::min<int64_t>(10, s.batch_size - static_cast<int64_t>(b->records.size()));
    int64_t wait = 20;
    if (!b->records.empty()) {
      int64_t remaining = b->deadline_ms - now;
      if (want <= 0 || remaining <= 0) return sqs_dispatch(r, b);
      wait = std::min<int64_t>(20, (remaining + 999) / 1000);
    }
    Doc req = Doc::map();
    req.set("MaxNumberOfMessages", want);
    req.set("WaitTimeSeconds", wait);
    Doc all = Doc::list();
    all.push("All");
    req.set("AttributeNames", all);
    req.set("MessageAttributeNames", all);
    std::shared_ptr<Executor> ex = exec_;
    api->receive(s.source_arn, req, [this, ex, r, b](Result<Doc> res) {
      ex->post([this, r, b, res = std::move(res)]() mutable { sqs_received(r, b, std::move(res)); });
    });
  }

  // Lambda's SQS record for one received message.
  static Doc sqs_record(const Doc& m, const Settings& s) {
    Doc rec = Doc::map();
    rec.set("messageId", m.str("MessageId"));
    rec.set("receiptHandle", m.str("ReceiptHandle"));
    rec.set("body", m.str("Body"));
    rec.set("attributes", m.get("Attributes") ? *m.get("Attributes") : Doc::map());
    Doc attrs = Doc::map();
    if (const Doc* ma = m.get("MessageAttributes")) {
      for (const auto& [name, v] : ma->as_map()) {
        Doc a = Doc::map();
        if (const Doc* sv = v.get("StringValue")) a.set("stringValue", *sv);
        if (const Doc* bv = v.get("BinaryValue"))
          a.set("binaryValue", bv->is_blob() ? enc::base64_encode(bv->as_blob().bytes) : bv->as_string());
        a.set("stringListValues", Doc::list());
        a.set("binaryListValues", Doc::list());
        a.set("dataType", v.str("DataType"));
        attrs.set(name, std::move(a));
      }
    }
    rec.set("messageAttributes", std::move(attrs));
    if (m.has("MD5OfMessageAttributes")) rec.set("md5OfMessageAttributes", m.str("MD5OfMessageAttributes"));
    rec.set("md5OfBody", m.str("MD5OfBody"));
    rec.set("eventSource", "aws:sqs");
    rec.set("eventSourceARN", s.source_arn);
    rec.set("awsRegion", s.region);
    return rec;
  }

  void sqs_received(const RunnerPtr& r, const SqsBatchPtr& b, Result<Doc> res) {
    if (!res) {
      // The queue is gone or refused: try again later, keeping what was collected.
      set_result(r->s.uuid, "PROBLEM: " + res.error().message);
      return exec_->at(now_millis() + 1000, [this, r, b] { sqs_poll(r, b); });
    }
    if (const Doc* msgs = res->get("Messages"))
      for (const auto& m : msgs->as_list()) b->records.push_back(sqs_record(m, r->s));
    if (!r->active) return sqs_poll(r, b);  // releases and ends the poller
    if (b->records.empty()) return sqs_poll(r, b);
    if (r->s.window_s <= 0) return sqs_dispatch(r, b);
    int64_t now = now_millis();
    if (!b->deadline_ms) b->deadline_ms = now + r->s.window_s * 1000;
    if (static_cast<int64_t>(b->records.size()) >= r->s.batch_size || now >= b->deadline_ms) return sqs_dispatch(r, b);
    sqs_poll(r, b);
  }

  // Makes collected messages visible again (the mapping was disabled meanwhile).
  void release(const RunnerPtr& r, const SqsBatchPtr& b) {
    sqs::Api* api = sqs::api(*server_);
    if (!api) return;
    for (const auto& rec : b->records) (void)api->change_visibility(r->s.source_arn, rec.str("receiptHandle"), 0);
    b->records.clear();
  }

  void sqs_dispatch(const RunnerPtr& r, const SqsBatchPtr& b) {
    sqs::Api* api = sqs::api(*server_);
    auto batch = std::make_shared<std::vector<Doc>>(std::move(b->records));
    b->records.clear();
    b->deadline_ms = 0;
    // Messages no filter matches are deleted, as Lambda does for SQS.
    if (!r->s.filters.empty()) {
      std::vector<std::string> dropped;
      std::vector<Doc> kept;
      for (auto& rec : *batch) {
        Doc view = rec;
        try {
          view.set("body", json::parse(rec.str("body")));
        } catch (const AwsError&) {
        }
        if (passes(r->s, view)) kept.push_back(std::move(rec));
        else dropped.push_back(rec.str("receiptHandle"));
      }
      if (!dropped.empty() && api) (void)api->remove(r->s.source_arn, dropped);
      *batch = std::move(kept);
    }
    if (batch->empty()) return sqs_poll(r, b);
    Doc event = Doc::map();
    Doc list = Doc::list();
    for (const auto& rec : *batch) list.push(rec);
    event.set("Records", std::move(list));
    InvokeCall call;
    call.account = r->s.account;
    call.region = r->s.region;
    call.function = r->s.function_arn;
    call.payload = json::write(event);
    std::shared_ptr<Executor> ex = exec_;
    invoke(*server_, std::move(call), [this, ex, r, b, batch](InvokeOutcome out) {
      ex->post([this, r, b, batch, out = std::move(out)] { sqs_invoked(r, b, *batch, out); });
    });
  }

  void sqs_invoked(const RunnerPtr& r, const SqsBatchPtr& b, const std::vector<Doc>& batch, const InvokeOutcome& out) {
    sqs::Api* api = sqs::api(*server_);
    if (out.error) {
      // Throttled or the function is gone: the messages come back after their visibility timeout.
      spdlog::warn("lambda: event source mapping {} could not invoke {}: {}", r->s.uuid, r->s.function_arn,
                   out.error->message);
      return exec_->at(now_millis() + 1000, [this, r, b] { sqs_poll(r, b); });
    }
    if (!out.function_error.empty()) return sqs_poll(r, b);
    std::vector<std::string> done;
    std::set<std::string> failed;
    bool whole_batch_failed = false;
    if (r->s.report_failures) {
      try {
        Doc resp = json::parse(out.payload);
        const Doc* items = resp.is_map() ? resp.get("batchItemFailures") : nullptr;
        if (items && items->is_list()) {
          std::set<std::string> ids;
          for (const auto& rec : batch) ids.insert(rec.str("messageId"));
          for (const auto& it : items->as_list()) {
            std::string id = it.is_map() ? it.str("itemIdentifier") : std::string();
            // An unknown or empty identifier fails the whole batch, as on AWS.
            if (id.empty() || !ids.count(id)) whole_batch_failed = true;
            failed.insert(id);
          }
        }
      } catch (const AwsError&) {
      }
    }
    if (!whole_batch_failed)
      for (const auto& rec : batch)
        if (!failed.count(rec.str("messageId"))) done.push_back(rec.str("receiptHandle"));
    if (!done.empty() && api) {
      auto res = api->remove(r->s.source_arn, done);
      if (!res) spdlog::warn("lambda: deleting processed messages from {} failed: {}", r->s.source_arn, res.error().message);
    }
    sqs_poll(r, b);
  }

  // ---- DynamoDB streams ----

  void start_stream(const RunnerPtr& r) {
    auto ref = dynamodb::find_stream(server_->storage(), r->s.source_arn);
    if (!ref) {
      set_result(r->s.uuid, "PROBLEM: Stream not found: " + r->s.source_arn);
      return;
    }
    r->stream_id = ref->stream_id;
    std::string v;
    if (server_->storage().get(kPositions, r->s.uuid, &v).ok()) r->position = std::stoull(v);
    uint64_t sid = ref->stream_id;
    std::shared_ptr<Executor> ex = exec_;
    std::weak_ptr<Runner> weak = r;
    r->listener = dynamodb::add_stream_listener([this, ex, weak, sid](uint64_t stream_id, uint64_t) {
      if (stream_id != sid) return;
      auto runner = weak.lock();
      if (!runner || runner->wake_pending.exchange(true)) return;
      ex->post([this, runner] {
        runner->wake_pending = false;
        kick(runner);
      });
    });
  }

  void kick(const RunnerPtr& r) {
    if (!r->active || !r->stream_id) return;
    if (r->running) {
      r->again = true;
      return;
    }
    r->running = true;
    stream_step(r);
  }

  void idle(const RunnerPtr& r) {
    r->running = false;
    if (r->again) {
      r->again = false;
      exec_->post([this, r] { kick(r); });
    }
  }

  void advance(const RunnerPtr& r, uint64_t seq) {
    r->position = seq;
    r->attempts = 0;
    r->limit = 0;
    auto st = server_->storage().put(kPositions, r->s.uuid, std::to_string(seq));
    if (!st.ok()) spdlog::error("lambda: storing the position of mapping {} failed: {}", r->s.uuid, st.message);
  }

  void stream_step(const RunnerPtr& r) {
    if (!r->active) return idle(r);
    const Settings& s = r->s;
    auto ref = dynamodb::find_stream(server_->storage(), s.source_arn);
    if (!ref || ref->stream_id != r->stream_id) {
      set_result(s.uuid, "PROBLEM: Stream not found: " + s.source_arn);
      return idle(r);
    }
    size_t limit = r->limit ? r->limit : static_cast<size_t>(s.batch_size);
    auto recs = dynamodb::read_stream(server_->storage(), r->stream_id, r->position, limit);
    if (recs.empty()) return idle(r);
    int64_t now = now_millis();
    if (s.window_s > 0 && recs.size() < limit && !r->limit) {
      if (!r->window_until) r->window_until = now + s.window_s * 1000;
      if (now < r->window_until) return exec_->at(r->window_until, [this, r] { stream_step(r); });
    }
    r->window_until = 0;
    if (r->attempt_pos != r->position) {
      r->attempt_pos = r->position;
      r->attempts = 0;
    }
    if (s.max_age_s >= 0 && now - recs.front().created_ms > s.max_age_s * 1000) {
      give_up(r, *ref, recs, "RecordAgeExceeded", nullptr);
      return exec_->post([this, r] { stream_step(r); });
    }
    Doc list = Doc::list();
    for (const auto& rec : recs) {
      Doc d = dynamodb::record_to_doc(rec, *ref, /*lambda_event=*/true);
      d.set("eventSourceARN", s.source_arn);
      Doc plain = json::parse(json::write(d));  // Lambda's JSON form (timestamps as epoch seconds)
      if (passes(s, plain)) list.push(std::move(plain));
    }
    if (list.size() == 0) {
      advance(r, recs.back().sequence);
      return exec_->post([this, r] { stream_step(r); });
    }
    Doc event = Doc::map();
    event.set("Records", std::move(list));
    InvokeCall call;
    call.account = s.account;
    call.region = s.region;
    call.function = s.function_arn;
    call.payload = json::write(event);
    std::shared_ptr<Executor> ex = exec_;
    auto batch = std::make_shared<std::vector<dynamodb::StreamRecord>>(std::move(recs));
    auto sref = std::make_shared<dynamodb::StreamRef>(*ref);
    invoke(*server_, std::move(call), [this, ex, r, batch, sref](InvokeOutcome out) {
      ex->post([this, r, batch, sref, out = std::move(out)] { stream_invoked(r, *sref, *batch, out); });
    });
  }

  void stream_invoked(const RunnerPtr& r, const dynamodb::StreamRef& ref,
                      const std::vector<dynamodb::StreamRecord>& batch, const InvokeOutcome& out) {
    if (!r->active) return idle(r);  // the batch runs again when the mapping is enabled again
    const Settings& s = r->s;
    if (out.ok()) {
      uint64_t first_failed = 0;
      if (s.report_failures) {
        try {
          Doc resp = json::parse(out.payload);
          const Doc* items = resp.is_map() ? resp.get("batchItemFailures") : nullptr;
          if (items && items->is_list())
            for (const auto& it : items->as_list()) {
              std::string id = it.is_map() ? it.str("itemIdentifier") : std::string();
              uint64_t seq = 0;
              try {
                seq = std::stoull(id);
              } catch (const std::exception&) {
                seq = batch.front().sequence;  // unreadable identifier: the whole batch failed
              }
              if (seq < batch.front().sequence || seq > batch.back().sequence) seq = batch.front().sequence;
              if (!first_failed || seq < first_failed) first_failed = seq;
            }
        } catch (const AwsError&) {
        }
      }
      if (!first_failed) {
        set_result(s.uuid, "OK");
        advance(r, batch.back().sequence);
        return exec_->post([this, r] { stream_step(r); });
      }
      // Checkpoint before the first reported failure; retry from it.
      uint64_t before = 0;
      for (const auto& rec : batch)
        if (rec.sequence < first_failed) before = rec.sequence;
      if (before) {
        advance(r, before);
        r->attempt_pos = r->position;
      }
    }
    set_result(s.uuid, "PROBLEM: Function call failed");
    std::vector<dynamodb::StreamRecord> failed;
    for (const auto& rec : batch)
      if (rec.sequence > r->position) failed.push_back(rec);
    if (failed.empty()) return exec_->post([this, r] { stream_step(r); });
    if (s.bisect && failed.size() > 1) {
      r->limit = failed.size() / 2;  // splitting does not count against the retry quota
    } else {
      ++r->attempts;
      if (s.max_retries >= 0 && r->attempts > s.max_retries) {
        give_up(r, ref, failed, "RetryAttemptsExhausted", &out);
        return exec_->post([this, r] { stream_step(r); });
      }
    }
    int64_t delay = std::min<int64_t>(retry_ms_ << std::min(r->attempts, 6), 30'000);
    exec_->at(now_millis() + delay, [this, r] { stream_step(r); });
  }

  // Skips a batch after its retries or age ran out, sending AWS's record to OnFailure.
  void give_up(const RunnerPtr& r, const dynamodb::StreamRef& ref, const std::vector<dynamodb::StreamRecord>& batch,
               const char* condition, const InvokeOutcome* out) {
    const Settings& s = r->s;
    spdlog::warn("lambda: event source mapping {} skips {} stream records ({})", s.uuid, batch.size(), condition);
    if (!s.on_failure.empty()) {
      Doc rc = Doc::map();
      rc.set("requestId", out ? out->request_id : ids::uuid4());
      rc.set("functionArn", s.function_arn);
      rc.set("condition", condition);
      rc.set("approximateInvokeCount", r->attempts);
      Doc info = Doc::map();
      info.set("shardId", dynamodb::stream_shard_id(ref));
      info.set("startSequenceNumber", dynamodb::sequence_text(batch.front().sequence));
      info.set("endSequenceNumber", dynamodb::sequence_text(batch.back().sequence));
      info.set("approximateArrivalOfFirstRecord", iso_seconds(batch.front().created_ms));
      info.set("approximateArrivalOfLastRecord", iso_seconds(batch.back().created_ms));
      info.set("batchSize", static_cast<int64_t>(batch.size()));
      info.set("streamArn", s.source_arn);
      Doc rec = Doc::map();
      rec.set("requestContext", std::move(rc));
      if (out) {
        Doc resp = Doc::map();
        resp.set("statusCode", out->error ? out->error->http_status : out->status);
        resp.set("executedVersion", out->executed_version.empty() ? "$LATEST" : out->executed_version);
        if (!out->function_error.empty()) resp.set("functionError", out->function_error);
        rec.set("responseContext", std::move(resp));
      }
      rec.set("version", "1.0");
      rec.set("timestamp", enc::iso8601(now_millis()));
      rec.set("DDBStreamBatchInfo", std::move(info));
      send_to_destination(*server_, s.account, s.on_failure, json::write(rec));
    }
    advance(r, batch.back().sequence);
  }

  // ---- SNS subscriptions with protocol lambda ----

  // SNS holds a delivery (api.h) until Lambda takes it: the function is invoked asynchronously
  // (Event), as SNS does, with Lambda's spelling of the record.
  events::Verdict sns_delivery(const events::Delivery& d) {
    SnsDelivery job;
    try {
      job = decode(d.payload);
    } catch (const AwsError& e) {
      spdlog::error("lambda: dropping unreadable SNS delivery: {}", e.message);
      return events::Verdict::drop();
    }
    std::string fn = job.function;
    auto arn = Arn::parse(fn);
    if (!arn) return events::Verdict::drop();
    Doc event = std::move(job.event);
    if (Doc* recs = event.get("Records"); recs && recs->is_list()) {
      for (auto& rec : recs->as_list()) {
        Doc* sns = rec.get("Sns");
        if (!sns || !sns->is_map()) continue;
        Doc fixed = Doc::map();
        for (const char* k : {"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
                              "Signature"})
          fixed.set(k, sns->get(k) ? *sns->get(k) : Doc());
        fixed.set("SigningCertUrl", sns->str("SigningCertURL"));
        fixed.set("UnsubscribeUrl", sns->str("UnsubscribeURL"));
        fixed.set("MessageAttributes", sns->get("MessageAttributes") ? *sns->get("MessageAttributes") : Doc::map());
        *sns = std::move(fixed);
      }
    }
    InvokeCall call;
    call.account = arn->account;
    call.region = arn->region;
    call.function = fn;
    call.payload = json::write(event);
    call.type = InvocationType::event;
    bool retry = false;
    invoke(*server_, std::move(call), [&retry, fn](InvokeOutcome out) {
      if (!out.error) return;
      spdlog::warn("lambda: SNS delivery to {} failed: {}", fn, out.error->message);
      retry = out.error->http_status >= 500;
    });
    // Event invocations are queued inline; only a storage failure asks the queue to retry.
    return retry ? events::Verdict::retry_after(events::backoff_ms(d.attempt)) : events::Verdict::done();
  }

  ServerContext* server_ = nullptr;
  std::shared_ptr<Executor> exec_ = std::make_shared<Executor>();
  int64_t retry_ms_ = 500;
  std::mutex write_mu_;  // serialises read-modify-write of mapping records
  std::mutex mu_;
  std::unordered_map<std::string, RunnerPtr> runners_;  // GUARDED_BY(mu_)
  std::mutex result_mu_;
  std::unordered_map<std::string, std::string> results_;  // GUARDED_BY(result_mu_) LastProcessingResult
};

}  // namespace

std::string encode(const SnsDelivery& d) {
  Doc payload = Doc::map();
  payload.set("function", d.function);
  payload.set("event", d.event);
  return json::write(payload);
}

SnsDelivery decode(std::string_view payload) {
  Doc job = json::parse(payload);
  SnsDelivery d;
  d.function = job.str("function");
  if (const Doc* e = job.get("event")) d.event = *e;
  return d;
}

std::unique_ptr<EventSourceMappings> make_event_source_mappings() {
  return std::make_unique<Esm>();
}

}  // namespace stratus::lambda
