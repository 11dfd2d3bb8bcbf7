// The DynamoDB service: its operation table (tables.cc, items.cc, query.cc) and the table catalog.
#include <spdlog/spdlog.h>

#include "server/context.h"
#include "services/dynamodb/common.h"
#include "storage/lane.h"

namespace stratus::dynamodb {
namespace {

// The item writes of the data plane. They run on the service's commit lane (storage/lane.h)
// instead of the I/O thread that read the request: one writer, one WAL sync per group of writes
// under --fsync, the I/O threads never asleep in the storage engine's write queue.
constexpr const char* kLaneOps[] = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                                    "TransactWriteItems"};

class DynamoDbService final : public Service {
 public:
  DynamoDbService() : Service("dynamodb") {
    Adder a = [this](const char* op, Handler h) { add(op, std::move(h)); };
    add_table_ops(a, catalog_);
    add_item_ops(a, catalog_);
    add_query_ops(a, catalog_);
    add_backup_ops(a, catalog_);
    add_partiql_ops(a, catalog_);
    for (const char* op : kLaneOps) add_async(op, on_lane(op, handler(op)->sync));
  }
  void start(ServerContext& ctx) override {
    lane_ = std::make_unique<storage::CommitLane>(ctx.storage(), "ddb-writer");
    sweeper_ = std::make_unique<Sweeper>(ctx.storage(), catalog_);
  }
  void stop() override {
    sweeper_.reset();
    lane_.reset();  // runs what is queued
  }
  void reset() override { catalog_.clear(); }

 private:
  // `h` run as a lane task; its answer is given once the group's writes are in the log.
  AsyncHandler on_lane(const char* op, Handler h) {
    return [this, op, h = std::move(h)](OpContext& c, const Doc& in, Done done) {
      // Expression limits are checked here, on the I/O thread: a request past them is answered
      // at once and never waits in (or holds up) the lane.
      try {
        check_request_expressions(in);
      } catch (const AwsError& e) {
        return done(Result<Doc>(e));
      }
      auto task = [op, &h, &c, &in, done = std::move(done)]() mutable -> storage::CommitLane::Then {
        auto run = [&]() -> Result<Doc> {
          try {
            return h(c, in);
          } catch (const AwsError& e) {
            return e;
          } catch (const std::exception& e) {
            spdlog::error("internal error id={} service=dynamodb op={}: {}", c.request_id, op,
                          e.what());
            return errors::internal();
          }
        };
        return [out = run(), done = std::move(done)](const storage::Status& logged) mutable {
          if (!logged.ok() && out.ok())
            out = Result<Doc>(errors::internal("storage: " + logged.message));
          done(std::move(out));
        };
      };
      if (lane_) return lane_->submit(std::move(task));
      task()(storage::Status::OK());  // not started (no lane): inline, each write logged by itself
    };
  }

  Catalog catalog_;
  std::unique_ptr<Sweeper> sweeper_;
  std::unique_ptr<storage::CommitLane> lane_;
};

}  // namespace

std::unique_ptr<Service> make_service() {
  return std::make_unique<DynamoDbService>();
}

}  // namespace stratus::dynamodb
