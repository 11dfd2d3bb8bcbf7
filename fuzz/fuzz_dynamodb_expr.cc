// Fuzzes the DynamoDB expression parsers and evaluator: any text must either parse or fail with
// an AwsError, and evaluating/applying what parses must never crash. Text that is JSON also goes
// through the legacy-parameter translation (Expected, filters, KeyConditions, AttributeUpdates).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/json.h"
#include "services/dynamodb/expr.h"
#include "services/dynamodb/legacy.h"

using namespace stratus;
using namespace stratus::dynamodb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  Doc names = Doc::map();
  names.set("#a", "a");
  names.set("#b", "b");
  Doc values = Doc::map();
  Doc n = Doc::map();
  n.set("N", "1");
  values.set(":n", n);
  Doc s = Doc::map();
  s.set("S", "x");
  values.set(":s", s);
  Doc l = Doc::map();
  l.set("L", DocList{n, s});
  values.set(":l", l);
  Doc ss = Doc::map();
  ss.set("SS", DocList{"x", "y"});
  values.set(":ss", ss);
  Item item;
  item["a"] = Value::num(Decimal::must("5"));
  item["b"] = Value::str("xyz");
  Value list;
  list.type = Type::L;
  list.list.push_back(Value::str("e"));
  item["c"] = list;
  try {
    ExprContext ctx(&names, &values);
    Condition c = parse_condition(text, "Condition", ctx);
    (void)evaluate(c, item);
  } catch (const AwsError&) {
  }
  try {
    ExprContext ctx(&names, &values);
    auto actions = parse_update(text, ctx);
    Item copy = item;
    apply_update(actions, copy);
  } catch (const AwsError&) {
  }
  try {
    ExprContext ctx(&names, &values);
    auto paths = parse_projection(text, ctx);
    (void)project(item, paths);
  } catch (const AwsError&) {
  }
  try {
    Doc legacy = json::parse(text);
    for (const char* param : {"Expected", "ScanFilter", "KeyConditions"}) {
      try {
        if (auto c = legacy_condition(legacy, param, "OR")) (void)evaluate(*c, item);
      } catch (const AwsError&) {
      }
    }
    auto actions = legacy_updates(legacy);
    Item copy = item;
    apply_update(actions, copy);
  } catch (const AwsError&) {
  }
  return 0;
}
