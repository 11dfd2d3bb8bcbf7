// The DynamoDB service: its operation table (handlers in ops/, declared in ops.h), the table
// catalog, the commit lane of the data plane's writes and the background sweep.
#include "core/clock.h"
#include "core/env.h"
#include "server/context.h"
#include "services/cloudwatch/api.h"
#include "services/dynamodb/api.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/ops.h"
#include "services/dynamodb/schema.h"
#include "storage/lane.h"

namespace stratus::dynamodb {
namespace {

class DynamoDbService final : public Service, public Api {
 public:
  DynamoDbService() : Service("dynamodb") {
    add("CreateTable", create_table);
    add("DescribeTable", describe_table);
    add("ListTables", list_tables);
    add("DeleteTable", delete_table);
    add("UpdateTable", update_table);
    add("TagResource", tag_resource);
    add("UntagResource", untag_resource);
    add("ListTagsOfResource", list_tags_of_resource);
    add("PutResourcePolicy", put_resource_policy);
    add("GetResourcePolicy", get_resource_policy);
    add("DeleteResourcePolicy", delete_resource_policy);
    add("UpdateTimeToLive", update_time_to_live);
    add("DescribeTimeToLive", describe_time_to_live);
    add("DescribeLimits", describe_limits);
    add("DescribeEndpoints", describe_endpoints);

    add_on_lane("PutItem", put_item);
    add("GetItem", get_item);
    add_on_lane("UpdateItem", update_item);
    add_on_lane("DeleteItem", delete_item);
    add("BatchGetItem", batch_get_item);
    add_on_lane("BatchWriteItem", batch_write_item);
    add_on_lane("TransactWriteItems", transact_write_items);
    add("TransactGetItems", transact_get_items);

    add("Query", query);
    add("Scan", scan);

    add("CreateBackup", create_backup);
    add("DescribeBackup", describe_backup);
    add("ListBackups", list_backups);
    add("DeleteBackup", delete_backup);
    add("RestoreTableFromBackup", restore_table_from_backup);
    add("UpdateContinuousBackups", update_continuous_backups);
    add("DescribeContinuousBackups", describe_continuous_backups);
    add("RestoreTableToPointInTime", restore_table_to_point_in_time);
    gap("ImportTable, ExportTableToPointInTime", "not yet: they need S3 (issue 16)");
    gap("Global tables, Kinesis streaming destinations", "not implemented");
    gap("Multi-attribute GSI keys",
        "the messages refusing an invalid multi-attribute KeySchema are ours (AWS does not document its wording); "
        "the sizes of multi-attribute index key values are not limited");
    gap("Resource-based policies",
        "stored and returned with their revision ids, not evaluated: IAM permissions are not enforced yet");
    gap("Table ARNs of another account or region", "answer ResourceNotFoundException (no cross-account access yet)");
    gap("Error texts",
        "not confirmed on AWS pages, worded after AWS's style: tag rules, resource-policy documents and revision "
        "mismatches, OnDemandThroughput/WarmThroughput values, index quotas, the 2 MB substitution-variable limit, "
        "a CreateTable ARN of another account");

    add_on_lane("ExecuteStatement", execute_statement);  // SELECTs answer at once
    add_on_lane("BatchExecuteStatement", batch_execute_statement);
    add_on_lane("ExecuteTransaction", execute_transaction);
  }
  void attach(ServerContext& ctx) override {
    engine_ = &ctx.storage();
    ctx.provide<Api>(this);
  }
  void start(ServerContext& ctx) override {
    lane_ = std::make_unique<storage::CommitLane>(ctx.storage(), "ddb-writer");
    set_metrics_port(ctx.port<cloudwatch::Api>());
    // TTL deletions, stream trimming, history pruning (background.cc). The scheduler is stopped
    // before stop(), so no sweep outlives the lane or the catalog.
    storage::Engine& engine = ctx.storage();
    ctx.scheduler("dynamodb").every("ddb.sweep", env_positive("STRATUS_DYNAMODB_SWEEP_MS", 5000), [this, &engine] {
      sweep(engine, catalog_, now_millis());
    });
  }
  void stop() override {
    lane_.reset();  // runs what is queued
  }
  void reset() override { catalog_.clear(); }
  std::span<const storage::Keyspace> keyspaces() const override { return kKeyspaces; }

  // The port (api.h): streams, for Lambda's event source mappings.
  std::optional<StreamRef> find_stream(const std::string& arn) override { return dynamodb::find_stream(*engine_, arn); }
  std::vector<StreamRecord> read_stream(uint64_t stream_id, uint64_t after, size_t limit) override {
    return dynamodb::read_stream(*engine_, stream_id, after, limit);
  }
  uint64_t last_sequence(uint64_t stream_id) override { return dynamodb::last_sequence(*engine_, stream_id); }
  uint64_t add_stream_listener(StreamListener l) override { return dynamodb::add_stream_listener(std::move(l)); }
  void remove_stream_listener(uint64_t token) override { dynamodb::remove_stream_listener(token); }

 private:
  using Op = Doc (*)(Catalog&, OpContext&, const Doc&);
  // An operation run whole on the I/O thread.
  void add(const char* name, Op op) {
    Service::add(name, [this, op](OpContext& c, const Doc& in) -> Doc { return op(catalog_, c, in); });
  }

  // A write of the data plane (ops.h): `prepare` parses and validates the request on the I/O
  // thread (its errors are thrown there, answered by the front door at once, and never wait in
  // the lane); the prepared write is moved into the lane task, which applies it. The writes run
  // on the service's commit lane (storage/lane.h) instead of the I/O thread that read the
  // request: one writer, one WAL sync per group of writes under --fsync, the I/O threads never
  // asleep in the storage engine's write queue. The prepared write lives inside the task's own
  // closure: no allocation beyond the task's.
  template <class Write>
  void add_on_lane(const char* name, Write (*prepare)(Catalog&, OpContext&, const Doc&)) {
    Service::add_async(name, [this, prepare](OpContext& c, const Doc& in, Done done) {
      Write w = prepare(catalog_, c, in);
      if constexpr (requires { w.on_lane(); }) {
        if (!w.on_lane()) return done(apply(w, c));
      }
      auto task = [this, &c, w = std::move(w), done = std::move(done)]() mutable -> storage::CommitLane::Then {
        return [out = apply(w, c), done = std::move(done)](const storage::Status& logged) mutable {
          if (!logged.ok() && out.ok()) out = Result<Doc>(errors::internal("storage: " + logged.message));
          done(std::move(out));
        };
      };
      if (lane_) return lane_->submit(std::move(task));
      task()(storage::Status::OK());  // not started (no lane): inline, each write logged by itself
    });
  }

  // The deferred half of an operation, through the kit's one catch-all (the front door's does
  // not reach the lane thread). The Handler holds two pointers: stored inline, no allocation.
  template <class Write>
  Result<Doc> apply(Write& w, OpContext& c) {
    Handler h = [this, &w](OpContext& ctx, const Doc&) -> Doc { return w.apply(catalog_, ctx); };
    return invoke_handler(h, c, *w.in);
  }

  storage::Engine* engine_ = nullptr;  // set by attach()
  Catalog catalog_;
  std::unique_ptr<storage::CommitLane> lane_;
};

}  // namespace

std::unique_ptr<Service> make_service() {
  return std::make_unique<DynamoDbService>();
}

}  // namespace stratus::dynamodb
