// Event source mappings (see esm.h for the contracts).
#include "services/lambda/esm.h"
#include "services/lambda/esm_poller.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "core/arn.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/env.h"
#include "core/ids.h"
#include "core/json.h"
#include "events/pattern/pattern.h"
#include "server/context.h"
#include "services/dynamodb/api.h"
#include "services/lambda/api.h"
#include "services/lambda/destinations.h"
#include "services/lambda/errors.h"
#include "services/lambda/esm_settings.h"
#include "services/lambda/invoke.h"
#include "services/lambda/schema.h"
#include "services/service.h"
#include "services/sqs/api.h"

namespace stratus::lambda {
namespace {

constexpr std::string_view kMappings = schema::kMappings;
constexpr std::string_view kPositions = schema::kPositions;
constexpr const char* kStartTopic = "lambda.esm_start";

using esm::Kind;
using esm::kind_of;
using esm::passes;
using esm::Settings;
using esm::settings_of;

std::string iso_seconds(int64_t ms) { return enc::iso8601((ms / 1000) * 1000); }

}  // namespace

using esm::Poller;
using esm::RunnerPtr;
using esm::SqsBatch;
using esm::SqsBatchPtr;

void Poller::start(ServerContext& server) {
  server_ = &server;
  retry_ms_ = env_int("STRATUS_LAMBDA_ESM_RETRY_MS", retry_ms_);
  server.events().subscribe(kSnsTopic, [this](const events::Delivery& d) { return sns_delivery(d); });
  // Pollers start once every service has started (SQS loads its queues in its own start()):
  // the events queue dispatches only then. Installing twice is harmless.
  server.events().subscribe(kStartTopic, [this](const events::Delivery&) {
    install_all();
    return events::Verdict::done();
  });
  sched_ = &server.scheduler("lambda-esm");
  sqs_ = sqs_port(server);
  alive_->store(true);
  (void)server.events().enqueue(kStartTopic, "{}");
}

void Poller::install_all() {
  std::vector<Doc> recs;
  for (auto it = server_->storage().scan(kMappings, {}); it->valid(); it->next()) {
    try {
      recs.push_back(json::parse(it->value()));
    } catch (const std::exception& e) {
      spdlog::error("lambda: unreadable event source mapping record: {}", e.what());
    }
  }
  for (const auto& rec : recs) install_runner(rec);
}

// The ServerContext has stopped the "lambda-esm" scheduler already (pending steps dropped).
void Poller::stop() {
  alive_->store(false);
  std::lock_guard lk(mu_);
  for (auto& [_, r] : runners_)
    if (r->listener) dynamodb::remove_stream_listener(r->listener), r->listener = 0;
}

void Poller::reset() {
  std::lock_guard lk(mu_);
  for (auto& [_, r] : runners_) {
    RunnerPtr runner = r;
    post([this, runner] { deactivate(runner, true); });
  }
  runners_.clear();
  std::lock_guard lk2(result_mu_);
  results_.clear();
}

std::optional<Doc> Poller::load(const std::string& uuid) {
  std::string v;
  if (!server_->storage().get(kMappings, uuid, &v).ok()) return std::nullopt;
  return json::parse(v);
}

Doc Poller::public_view(const Doc& rec, const std::string& state) {
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

void Poller::set_result(const std::string& uuid, std::string r) {
  std::lock_guard lk(result_mu_);
  results_[uuid] = std::move(r);
}

void Poller::check(Doc& rec) {
  std::string source = rec.str("EventSourceArn");
  auto arn = Arn::parse(source);
  bool sqs = arn && arn->service == "sqs";
  bool ddb = arn && arn->service == "dynamodb" && arn->resource.find("/stream/") != std::string::npos;
  if (!sqs && !ddb) {
    if (arn && arn->service == "kinesis")
      throw errors::invalid_parameter_value(
          "Stratus does not emulate Kinesis: event source mappings read SQS queues and DynamoDB streams.");
    throw errors::invalid_parameter_value(
        "Unrecognized event source, must be kinesis, dynamodb stream or sqs. Unsupported source arn : " + source);
  }
  int64_t batch = rec.integer("BatchSize");
  int64_t window = rec.integer("MaximumBatchingWindowInSeconds");
  if (const Doc* t = rec.get("FunctionResponseTypes"); t && t->is_list())
    for (const auto& x : t->as_list())
      if (!x.is_string() || x.as_string() != "ReportBatchItemFailures")
        throw errors::invalid_parameter_value("Unsupported FunctionResponseType: " +
                                              (x.is_string() ? x.as_string() : json::write(x)));
  if (const Doc* f = rec.get("FilterCriteria")) {
    const Doc* filters = f->get("Filters");
    if (filters && filters->size() > 5)
      throw errors::invalid_parameter_value("The number of filters exceeds the limit of 5.");
    if (filters)
      for (const auto& x : filters->as_list()) {
        std::string err;
        if (!events::pattern::Pattern::parse(x.str("Pattern"), &err))
          throw errors::invalid_parameter_value("Invalid filter pattern definition. " + err);
      }
  }
  if (sqs) {
    sqs::Api* api = sqs_;
    auto info = api ? api->info(source) : std::nullopt;
    if (!info)
      throw errors::invalid_parameter_value(
          "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
          "SQS Error Message: The specified queue does not exist or you do not have access to it.");
    for (const char* k : {"StartingPosition", "StartingPositionTimestamp"})
      if (rec.has(k)) throw errors::invalid_parameter_value(std::string(k) + " is not valid for SQS event sources.");
    for (const char* k : {"DestinationConfig", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds",
                          "BisectBatchOnFunctionError", "ParallelizationFactor", "TumblingWindowInSeconds"})
      if (rec.has(k))
        throw errors::invalid_parameter_value(std::string("Unsupported ") + k +
                                              " parameter for given event source mapping type.");
    if (info->fifo && batch > 10)
      throw errors::invalid_parameter_value("Batch size must be between 1 and 10 for FIFO queues.");
    if (batch > 10 && window < 1)
      throw errors::invalid_parameter_value(
          "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10");
    if (const Doc* sc = rec.get("ScalingConfig"); sc && sc->has("MaximumConcurrency")) {
      int64_t mc = sc->integer("MaximumConcurrency");
      if (mc < 2 || mc > 1000)
        throw stratus::errors::validation(
            "1 validation error detected: Value '" + std::to_string(mc) +
            "' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have "
            "value greater than or equal to 2 and less than or equal to 1000");
    }
    return;
  }
  if (!dynamodb::find_stream(server_->storage(), source))
    throw errors::invalid_parameter_value("Stream not found: " + source);
  std::string start = rec.str("StartingPosition");
  if (start.empty())
    throw errors::invalid_parameter_value(
        "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not "
        "be null.");
  if (start == "AT_TIMESTAMP")
    throw errors::invalid_parameter_value("Unsupported starting position for arn: " + source + " : AT_TIMESTAMP");
  if (rec.has("ScalingConfig"))
    throw errors::invalid_parameter_value("Unsupported ScalingConfig parameter for given event source mapping type.");
  int64_t age = rec.integer("MaximumRecordAgeInSeconds", -1);
  if (age != -1 && age < 60)
    throw errors::invalid_parameter_value("MaximumRecordAgeInSeconds must be -1 (infinite) or between 60 and 604800.");
  if (const Doc* d = rec.get("DestinationConfig")) {
    if (const Doc* s = d->get("OnFailure"); s && s->has("Destination")) {
      auto dest = Arn::parse(s->str("Destination"));
      if (!dest || (dest->service != "sqs" && dest->service != "sns"))
        throw errors::invalid_parameter_value("Unsupported on-failure destination: " + s->str("Destination") +
                                              ". Stratus delivers to SQS queues and SNS topics.");
    }
    if (d->get("OnSuccess") && d->get("OnSuccess")->has("Destination"))
      throw errors::invalid_parameter_value(
          "Unsupported DestinationConfig parameter for given event source mapping type.");
  }
  return;
}

void Poller::check_unique(const Doc& rec) {
  for (auto it = server_->storage().scan(kMappings, {}); it->valid(); it->next()) {
    Doc other = json::parse(it->value());
    if (other.str("UUID") == rec.str("UUID")) continue;
    if (other.str("FunctionArn") == rec.str("FunctionArn") &&
        other.str("EventSourceArn") == rec.str("EventSourceArn")) {
      std::string fn = rec.str("FunctionArn").substr(rec.str("FunctionArn").find(":function:") + 10);
      if (kind_of(rec.str("EventSourceArn")) == Kind::sqs)
        throw errors::resource_conflict(
            "An event source mapping with SQS arn (\" " + rec.str("EventSourceArn") + " \") and function (\" " + fn +
            " \") already exists. Please update or delete the existing mapping with UUID " + other.str("UUID"));
      throw errors::resource_conflict(
          "The event source arn (\" " + rec.str("EventSourceArn") + " \") and function (\" " + fn +
          " \") provided mapping already exists. Please update or delete the existing mapping "
          "with UUID " +
          other.str("UUID"));
    }
  }
  return;
}

void Poller::uninstall(const std::string& uuid) {
  {
    std::lock_guard lk2(mu_);
    if (auto it = runners_.find(uuid); it != runners_.end()) {
      RunnerPtr r = it->second;
      post([this, r] { deactivate(r, true); });
      runners_.erase(it);
    }
  }
  std::lock_guard lk3(result_mu_);
  results_.erase(uuid);
}

// ---- runners ----
// Creates or reconfigures the runner of a stored mapping.
void Poller::install_runner(const Doc& rec) {
  Settings s = settings_of(rec);
  RunnerPtr r;
  {
    std::lock_guard lk(mu_);
    auto& slot = runners_[s.uuid];
    if (!slot) slot = std::make_shared<Runner>();
    r = slot;
  }
  post([this, r, s = std::move(s)]() mutable { configure(r, std::move(s)); });
}

void Poller::configure(const RunnerPtr& r, Settings s) {
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

void Poller::deactivate(const RunnerPtr& r, bool gone) {
  r->active = false;
  if (gone) r->gone = true;
  if (r->listener) {
    dynamodb::remove_stream_listener(r->listener);
    r->listener = 0;
  }
}

int Poller::desired_pollers(const Settings& s) {
  // AWS starts five pollers per queue; MaximumConcurrency caps concurrent invocations.
  return s.max_concurrency > 0 ? static_cast<int>(std::min<int64_t>(s.max_concurrency, 32)) : 5;
}

// ---- SQS ----
void Poller::sqs_poll(const RunnerPtr& r, const SqsBatchPtr& b) {
  if (!r->active || r->pollers > desired_pollers(r->s)) {
    release(r, b);
    --r->pollers;
    return;
  }
  sqs::Api* api = sqs_;
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
  api->receive(s.source_arn, req, [this, alive = alive_, r, b](Result<Doc> res) {
    if (!*alive) return;
    post([this, r, b, res = std::move(res)]() mutable { sqs_received(r, b, std::move(res)); });
  });
}

// Lambda's SQS record for one received message.
Doc Poller::sqs_record(const Doc& m, const Settings& s) {
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

void Poller::sqs_received(const RunnerPtr& r, const SqsBatchPtr& b, Result<Doc> res) {
  if (!res) {
    // The queue is gone or refused: try again later, keeping what was collected.
    set_result(r->s.uuid, "PROBLEM: " + res.error().message);
    return at(now_millis() + 1000, [this, r, b] { sqs_poll(r, b); });
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
void Poller::release(const RunnerPtr& r, const SqsBatchPtr& b) {
  sqs::Api* api = sqs_;
  if (!api) return;
  for (const auto& rec : b->records) (void)api->change_visibility(r->s.source_arn, rec.str("receiptHandle"), 0);
  b->records.clear();
}

void Poller::sqs_dispatch(const RunnerPtr& r, const SqsBatchPtr& b) {
  sqs::Api* api = sqs_;
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
      if (passes(r->s, view))
        kept.push_back(std::move(rec));
      else
        dropped.push_back(rec.str("receiptHandle"));
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
  invoke(*server_, std::move(call), [this, alive = alive_, r, b, batch](InvokeOutcome out) {
    if (!*alive) return;
    post([this, r, b, batch, out = std::move(out)] { sqs_invoked(r, b, *batch, out); });
  });
}

std::vector<std::string> Poller::sqs_processed(const std::vector<Doc>& batch, const std::string& payload,
                                               bool report_failures) {
  std::vector<std::string> done;
  std::set<std::string> failed;
  bool whole_batch_failed = false;
  if (report_failures) {
    try {
      Doc resp = json::parse(payload);
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
  return done;
}

void Poller::sqs_invoked(const RunnerPtr& r, const SqsBatchPtr& b, const std::vector<Doc>& batch,
                         const InvokeOutcome& out) {
  sqs::Api* api = sqs_;
  if (out.error) {
    // Throttled or the function is gone: the messages come back after their visibility timeout.
    spdlog::warn("lambda: event source mapping {} could not invoke {}: {}", r->s.uuid, r->s.function_arn,
                 out.error->message);
    return at(now_millis() + 1000, [this, r, b] { sqs_poll(r, b); });
  }
  if (!out.function_error.empty()) return sqs_poll(r, b);
  std::vector<std::string> done = sqs_processed(batch, out.payload, r->s.report_failures);
  if (!done.empty() && api) {
    auto res = api->remove(r->s.source_arn, done);
    if (!res)
      spdlog::warn("lambda: deleting processed messages from {} failed: {}", r->s.source_arn, res.error().message);
  }
  sqs_poll(r, b);
}

// ---- DynamoDB streams ----
void Poller::start_stream(const RunnerPtr& r) {
  auto ref = dynamodb::find_stream(server_->storage(), r->s.source_arn);
  if (!ref) {
    set_result(r->s.uuid, "PROBLEM: Stream not found: " + r->s.source_arn);
    return;
  }
  r->stream_id = ref->stream_id;
  std::string v;
  if (server_->storage().get(kPositions, r->s.uuid, &v).ok()) r->position = std::stoull(v);
  uint64_t sid = ref->stream_id;
  std::weak_ptr<Runner> weak = r;
  r->listener = dynamodb::add_stream_listener([this, alive = alive_, weak, sid](uint64_t stream_id, uint64_t) {
    if (stream_id != sid || !*alive) return;
    auto runner = weak.lock();
    if (!runner || runner->wake_pending.exchange(true)) return;
    post([this, runner] {
      runner->wake_pending = false;
      kick(runner);
    });
  });
}

void Poller::kick(const RunnerPtr& r) {
  if (!r->active || !r->stream_id) return;
  if (r->running) {
    r->again = true;
    return;
  }
  r->running = true;
  stream_step(r);
}

void Poller::idle(const RunnerPtr& r) {
  r->running = false;
  if (r->again) {
    r->again = false;
    post([this, r] { kick(r); });
  }
}

void Poller::advance(const RunnerPtr& r, uint64_t seq) {
  r->position = seq;
  r->attempts = 0;
  r->limit = 0;
  auto st = server_->storage().put(kPositions, r->s.uuid, std::to_string(seq));
  if (!st.ok()) spdlog::error("lambda: storing the position of mapping {} failed: {}", r->s.uuid, st.message);
}

void Poller::stream_step(const RunnerPtr& r) {
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
    if (now < r->window_until) return at(r->window_until, [this, r] { stream_step(r); });
  }
  r->window_until = 0;
  if (r->attempt_pos != r->position) {
    r->attempt_pos = r->position;
    r->attempts = 0;
  }
  if (s.max_age_s >= 0 && now - recs.front().created_ms > s.max_age_s * 1000) {
    give_up(r, *ref, recs, "RecordAgeExceeded", nullptr);
    return post([this, r] { stream_step(r); });
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
    return post([this, r] { stream_step(r); });
  }
  Doc event = Doc::map();
  event.set("Records", std::move(list));
  InvokeCall call;
  call.account = s.account;
  call.region = s.region;
  call.function = s.function_arn;
  call.payload = json::write(event);
  auto batch = std::make_shared<std::vector<dynamodb::StreamRecord>>(std::move(recs));
  auto sref = std::make_shared<dynamodb::StreamRef>(*ref);
  invoke(*server_, std::move(call), [this, alive = alive_, r, batch, sref](InvokeOutcome out) {
    if (!*alive) return;
    post([this, r, batch, sref, out = std::move(out)] { stream_invoked(r, *sref, *batch, out); });
  });
}

uint64_t Poller::stream_first_failure(const std::string& payload, uint64_t first, uint64_t last) {
  uint64_t first_failed = 0;
  try {
    Doc resp = json::parse(payload);
    const Doc* items = resp.is_map() ? resp.get("batchItemFailures") : nullptr;
    if (items && items->is_list())
      for (const auto& it : items->as_list()) {
        std::string id = it.is_map() ? it.str("itemIdentifier") : std::string();
        uint64_t seq = 0;
        try {
          seq = std::stoull(id);
        } catch (const std::exception&) {
          seq = first;  // unreadable identifier: the whole batch failed
        }
        if (seq < first || seq > last) seq = first;
        if (!first_failed || seq < first_failed) first_failed = seq;
      }
  } catch (const AwsError&) {
  }
  return first_failed;
}

void Poller::stream_invoked(const RunnerPtr& r, const dynamodb::StreamRef& ref,
                            const std::vector<dynamodb::StreamRecord>& batch, const InvokeOutcome& out) {
  if (!r->active) return idle(r);  // the batch runs again when the mapping is enabled again
  const Settings& s = r->s;
  if (out.ok()) {
    uint64_t first_failed =
        s.report_failures ? stream_first_failure(out.payload, batch.front().sequence, batch.back().sequence) : 0;
    if (!first_failed) {
      set_result(s.uuid, "OK");
      advance(r, batch.back().sequence);
      return post([this, r] { stream_step(r); });
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
  if (failed.empty()) return post([this, r] { stream_step(r); });
  if (s.bisect && failed.size() > 1) {
    r->limit = failed.size() / 2;  // splitting does not count against the retry quota
  } else {
    ++r->attempts;
    if (s.max_retries >= 0 && r->attempts > s.max_retries) {
      give_up(r, ref, failed, "RetryAttemptsExhausted", &out);
      return post([this, r] { stream_step(r); });
    }
  }
  int64_t delay = std::min<int64_t>(retry_ms_ << std::min(r->attempts, 6), 30'000);
  at(now_millis() + delay, [this, r] { stream_step(r); });
}

// Skips a batch after its retries or age ran out, sending AWS's record to OnFailure.
void Poller::give_up(const RunnerPtr& r, const dynamodb::StreamRef& ref,
                     const std::vector<dynamodb::StreamRecord>& batch, const char* condition,
                     const InvokeOutcome* out) {
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

Doc Poller::lambda_sns_event(Doc event) {
  if (Doc* recs = event.get("Records"); recs && recs->is_list()) {
    for (auto& rec : recs->as_list()) {
      Doc* sns = rec.get("Sns");
      if (!sns || !sns->is_map()) continue;
      Doc fixed = Doc::map();
      for (const char* k :
           {"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion", "Signature"})
        fixed.set(k, sns->get(k) ? *sns->get(k) : Doc());
      fixed.set("SigningCertUrl", sns->str("SigningCertURL"));
      fixed.set("UnsubscribeUrl", sns->str("UnsubscribeURL"));
      fixed.set("MessageAttributes", sns->get("MessageAttributes") ? *sns->get("MessageAttributes") : Doc::map());
      *sns = std::move(fixed);
    }
  }
  return event;
}

// SNS holds a delivery (api.h) until Lambda takes it: the function is invoked asynchronously
// (Event), as SNS does, with Lambda's spelling of the record.
events::Verdict Poller::sns_delivery(const events::Delivery& d) {
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
  Doc event = lambda_sns_event(std::move(job.event));
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

// Every mapping step runs on the "lambda-esm" scheduler, one at a time: runner state is touched
// only there. Steps posted before start() or after stop() are dropped.
void Poller::post(Scheduler::Task f) {
  if (sched_) sched_->post("lambda.esm-step", std::move(f));
}

void Poller::at(int64_t when_ms, Scheduler::Task f) {
  if (sched_) sched_->at("lambda.esm-timer", when_ms, std::move(f));
}

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
  return std::make_unique<Poller>();
}

}  // namespace stratus::lambda
