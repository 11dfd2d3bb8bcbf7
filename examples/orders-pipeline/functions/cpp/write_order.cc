// POC-Lambda-1 in C++: reads orders from the SQS queue and writes each one to the `orders` table.
// Same behaviour as ../python/write_order.py; build with ./build.sh OUTDIR.
#include <string>

#include "stratus_aws.hpp"  // first: it makes RapidJSON throw instead of abort on bad input
#include "stratus_lambda_runtime.hpp"

int main() {
  const std::string table = stratus_aws::env("TABLE_NAME", "orders");
  stratus_aws::DynamoDB dynamodb;  // one keep-alive connection, reused by every invocation

  return stratus_lambda::run([&](const std::string& event, const stratus_lambda::Context&) {
    rapidjson::Document doc;
    doc.Parse(event.c_str());
    size_t written = 0;
    for (const auto& record : stratus_aws::json::at(doc, "Records").GetArray()) {
      // The message body is the order as JSON: {"orderID": "o-1", "quantity": 2, ...}
      std::string order = stratus_aws::json::at(record, "body").GetString();
      dynamodb.put_item(table, stratus_aws::dynamodb::item_from_json(order));
      ++written;
    }
    return "{\"written\": " + std::to_string(written) + "}";
  });
}
