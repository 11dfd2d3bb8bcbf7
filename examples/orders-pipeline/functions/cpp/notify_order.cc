// POC-Lambda-2 in C++: reads new orders from the table's stream and announces each on the SNS
// topic. Same behaviour as ../python/notify_order.py; build with ./build.sh OUTDIR.
#include <string>

#include "stratus_aws.hpp"  // first: it makes RapidJSON throw instead of abort on bad input
#include "stratus_lambda_runtime.hpp"

using stratus_aws::json::at;

int main() {
  stratus_aws::SNS sns;  // one keep-alive connection, reused by every invocation

  return stratus_lambda::run([&](const std::string& event, const stratus_lambda::Context&) {
    const std::string topic_arn = stratus_aws::env("TOPIC_ARN");
    if (topic_arn.empty()) throw stratus_lambda::Error("ConfigurationError", "TOPIC_ARN is not set");
    rapidjson::Document doc;
    doc.Parse(event.c_str());
    size_t published = 0;
    for (const auto& record : at(doc, "Records").GetArray()) {
      if (std::string(at(record, "eventName").GetString()) != "INSERT") continue;
      // The new item in DynamoDB JSON: {"orderID": {"S": "o-1"}, "quantity": {"N": "2"}, ...}
      const rapidjson::Value& image = at(at(record, "dynamodb"), "NewImage");
      sns.publish(topic_arn,
                  stratus_aws::dynamodb::item_to_json(image),  // {"orderID": "o-1", "quantity": 2}
                  "New order " + stratus_aws::dynamodb::value_to_text(at(image, "orderID")));
      ++published;
    }
    return "{\"published\": " + std::to_string(published) + "}";
  });
}
