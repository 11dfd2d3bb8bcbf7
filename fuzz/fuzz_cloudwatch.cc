// Fuzz CloudWatch's parsers: metric math (parsed, then evaluated over two small series), the
// composite alarm rule language, embedded metric format lines and statistic names. The first
// byte picks the parser. MathError/RuleError are fine; crashes, hangs and leaks are not.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "services/cloudwatch/alarm.h"
#include "services/cloudwatch/emf.h"
#include "services/cloudwatch/math.h"
#include "services/cloudwatch/metrics.h"

using namespace stratus::cloudwatch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      try {
        auto n = math::parse(in);
        math::Env env;
        env.grid = {0, 60'000, 120'000, 180'000, 240'000};
        double nan = std::numeric_limits<double>::quiet_NaN();
        math::Value a, b;
        a.kind = b.kind = math::Value::series;
        a.list.push_back({"a", "a", {1, 2, nan, 4, 5}});
        b.list.push_back({"b", "b", {0, nan, -3, 8, 1e300}});
        env.values["a"] = a;
        env.values["b"] = b;
        env.metric_ids = {"a", "b"};
        env.search = [&](const std::string&, const std::string&, int64_t) {
          return std::vector<math::Series>{a.list[0], b.list[0]};
        };
        (void)math::evaluate(*n, env);
      } catch (const math::MathError&) {
      }
      break;
    }
    case 1: {
      try {
        auto r = parse_rule(in);
        std::vector<std::string> names;
        rule_alarms(*r, names);
        (void)eval_rule(*r, [](const std::string& n) { return n.size() % 2 ? "ALARM" : "OK"; });
      } catch (const RuleError&) {
      }
      break;
    }
    case 2: {
      std::vector<EmfMetric> out;
      (void)parse_emf(in, out);
      break;
    }
    default: {
      Datum d;
      d.add(1);
      d.add(5, 3);
      d.add(100);
      (void)valid_statistic(in);
      (void)statistic(d, in);
      (void)statistic_percentile(in);
      Datum back;
      (void)decode(in, back);
      break;
    }
  }
  return 0;
}
