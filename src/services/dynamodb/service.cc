// The DynamoDB service: its operation table (tables.cc, items.cc, query.cc) and the table catalog.
#include "server/context.h"
#include "services/dynamodb/common.h"

namespace stratus::dynamodb {
namespace {

class DynamoDbService final : public Service {
 public:
  DynamoDbService() : Service("dynamodb") {
    Adder a = [this](const char* op, Handler h) { add(op, std::move(h)); };
    add_table_ops(a, catalog_);
    add_item_ops(a, catalog_);
    add_query_ops(a, catalog_);
    add_backup_ops(a, catalog_);
    add_partiql_ops(a, catalog_);
  }
  void start(ServerContext& ctx) override { sweeper_ = std::make_unique<Sweeper>(ctx.storage(), catalog_); }
  void stop() override { sweeper_.reset(); }
  void reset() override { catalog_.clear(); }

 private:
  Catalog catalog_;
  std::unique_ptr<Sweeper> sweeper_;
};

}  // namespace

std::unique_ptr<Service> make_service() { return std::make_unique<DynamoDbService>(); }

}  // namespace stratus::dynamodb
