// Event source mapping operations: Create/Get/List/Update/DeleteEventSourceMapping. The
// mappings' records, checks and pollers are in esm.h: a handler validates and stores the record,
// then has the mappings install (or uninstall) its poller before answering.
#include "services/lambda/esm.h"
#include "core/arn.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/lookup.h"
#include "core/paging.h"
#include "services/dynamodb/api.h"
#include "services/lambda/esm_settings.h"
#include "services/lambda/invoke.h"
#include "services/lambda/ops.h"
#include "services/lambda/schema.h"
#include "services/lambda/state.h"
#include "storage/engine.h"
#include "storage/written.h"

namespace stratus::lambda::ops {

// Members a Create/Update request may set (FunctionName and Enabled are handled apart).
constexpr const char* kSettable[] = {
    "BatchSize",           "MaximumBatchingWindowInSeconds", "FilterCriteria",
    "FunctionResponseTypes", "ScalingConfig",               "DestinationConfig",
    "MaximumRetryAttempts", "MaximumRecordAgeInSeconds",    "BisectBatchOnFunctionError",
    "ParallelizationFactor", "TumblingWindowInSeconds",     "StartingPosition",
    "StartingPositionTimestamp"};

static AwsError not_found() { return errors::resource_not_found("The resource you requested does not exist."); }

static void normalise(Doc& rec) {
  if (Doc* f = rec.get("FilterCriteria"); f && (!f->get("Filters") || f->get("Filters")->size() == 0))
    rec.as_map().erase("FilterCriteria");
  if (Doc* sc = rec.get("ScalingConfig"); sc && sc->size() == 0) rec.as_map().erase("ScalingConfig");
}

Doc create_event_source_mapping(OpContext& ctx, const Doc& in) {
  EventSourceMappings& m = state(ctx).esm();
  auto fn = function_arn(ctx.server, ctx.account(), ctx.region(), in.str("FunctionName"));
  if (!fn) throw fn.error();
  Doc rec = Doc::map();
  std::string source = in.str("EventSourceArn");
  if (source.empty()) {
    if (in.has("Topics") || in.has("Queues") || in.has("SelfManagedEventSource"))
      throw errors::invalid_parameter_value("Stratus event source mappings read SQS queues and DynamoDB streams only.");
    throw errors::invalid_parameter_value("Unrecognized event source, must be kinesis, dynamodb stream or sqs. Unsupported source arn : null");
  }
  rec.set("EventSourceArn", source);
  rec.set("FunctionArn", fn.value());
  esm::Kind kind = esm::kind_of(source);
  rec.set("BatchSize", kind == esm::Kind::sqs ? 10 : 100);
  rec.set("MaximumBatchingWindowInSeconds", 0);
  for (const char* k : kSettable)
    if (const Doc* v = in.get(k)) rec.set(k, *v);
  normalise(rec);
  m.check(rec);
  if (kind == esm::Kind::dynamodb) {
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
  rec.set("EventSourceMappingArn", Arn::make("lambda", ctx.region(), ctx.account(), "event-source-mapping:" + uuid));
  rec.set("LastModified", ctx.now_ms);
  rec.set("State", in.flag("Enabled", true) ? "Enabled" : "Disabled");
  rec.set("StateTransitionReason", kind == esm::Kind::sqs ? "USER_INITIATED" : "User action");
  rec.set("_account", ctx.account());
  rec.set("_region", ctx.region());
  std::lock_guard lk(m.write_mu());
  m.check_unique(rec);
  storage::WriteBatch b;
  b.put(schema::kMappings, uuid, json::write(rec));
  if (kind == esm::Kind::dynamodb) {
    // LATEST: records written after the mapping was created; TRIM_HORIZON: all stored records.
    auto ref = dynamodb::find_stream(ctx.storage, source);
    uint64_t pos = rec.str("StartingPosition") == "LATEST" && ref ? dynamodb::last_sequence(ctx.storage, ref->stream_id) : 0;
    b.put(schema::kPositions, uuid, std::to_string(pos));
  }
  storage::written(ctx.storage.write(b));
  m.install(rec);
  return m.public_view(rec, "Creating");
}

Doc get_event_source_mapping(OpContext& ctx, const Doc& in) {
  EventSourceMappings& m = state(ctx).esm();
  return m.public_view(found_or(m.load(in.str("UUID")), [] { return not_found(); }), "");
}

Doc list_event_source_mappings(OpContext& ctx, const Doc& in) {
  EventSourceMappings& m = state(ctx).esm();
  std::string source = in.str("EventSourceArn");
  std::string fn;
  if (in.has("FunctionName")) {
    // A name or ARN; mappings of any qualifier of that function match an unqualified name.
    std::string f = in.str("FunctionName");
    auto arn = function_arn(ctx.server, ctx.account(), ctx.region(), f);
    fn = arn ? arn.value() : Arn::make("lambda", ctx.region(), ctx.account(), "function:" + f);
  }
  paging::After page(in.integer("MaxItems", 100), in.str("Marker"));
  for (auto it = ctx.storage.scan(schema::kMappings, {}); it->valid(); it->next()) {
    Doc rec = json::parse(it->value());
    if (rec.str("_account") != ctx.account() || rec.str("_region") != ctx.region()) continue;
    if (!source.empty() && rec.str("EventSourceArn") != source) continue;
    if (!fn.empty()) {
      std::string f = rec.str("FunctionArn");
      if (f != fn && f.rfind(fn + ":", 0) != 0) continue;
    }
    if (page.seen(it->key())) continue;
    if (page.full()) break;
    page.add(std::string(it->key()), m.public_view(rec, ""));
  }
  return page.answer("EventSourceMappings", "NextMarker");
}

Doc update_event_source_mapping(OpContext& ctx, const Doc& in) {
  EventSourceMappings& m = state(ctx).esm();
  std::lock_guard lk(m.write_mu());
  Doc rec = found_or(m.load(in.str("UUID")), [] { return not_found(); });
  if (in.has("FunctionName")) {
    auto fn = function_arn(ctx.server, rec.str("_account"), rec.str("_region"), in.str("FunctionName"));
    if (!fn) throw fn.error();
    rec.set("FunctionArn", fn.value());
  }
  for (const char* k : kSettable) {
    if (std::string_view(k).rfind("StartingPosition", 0) == 0) continue;
    if (const Doc* v = in.get(k)) rec.set(k, *v);
  }
  normalise(rec);
  // The stream-only defaults stored at creation are not "set by the user" for SQS checks.
  m.check(rec);
  m.check_unique(rec);
  std::string shown = "Updating";
  if (in.has("Enabled")) {
    bool was = rec.str("State") != "Disabled";
    bool now = in.flag("Enabled");
    if (was != now) shown = now ? "Enabling" : "Disabling";
    rec.set("State", now ? "Enabled" : "Disabled");
  }
  rec.set("LastModified", ctx.now_ms);
  storage::written(ctx.storage.put(schema::kMappings, rec.str("UUID"), json::write(rec)));
  m.install(rec);
  return m.public_view(rec, shown);
}

Doc delete_event_source_mapping(OpContext& ctx, const Doc& in) {
  EventSourceMappings& m = state(ctx).esm();
  std::lock_guard lk(m.write_mu());
  std::string uuid = in.str("UUID");
  Doc rec = found_or(m.load(uuid), [] { return not_found(); });
  storage::WriteBatch b;
  b.del(schema::kMappings, uuid);
  b.del(schema::kPositions, uuid);
  storage::written(ctx.storage.write(b));
  Doc out = m.public_view(rec, "Deleting");
  m.uninstall(uuid);
  return out;
}

}  // namespace stratus::lambda::ops
