// Fuzz Logs Insights queries: the first line is a query, each further line an event. Malformed
// queries are fine; crashes, hangs and leaks are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "services/logs/insights.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  size_t cut = in.find('\n');
  std::string err;
  auto q = logs::insights::Query::parse(in.substr(0, cut), &err);
  if (!q) return 0;
  logs::insights::Run run(*q, 100);
  int64_t ts = 0;
  while (cut != std::string::npos) {
    size_t next = in.find('\n', cut + 1);
    std::string line = in.substr(cut + 1, next == std::string::npos ? std::string::npos : next - cut - 1);
    logs::insights::Event e;
    e.timestamp = ts++ * 1000;
    e.message = line;
    try {
      run.add(e);
    } catch (const AwsError&) {
    }
    cut = next;
  }
  try {
    (void)run.finish();
  } catch (const AwsError&) {
  }
  return 0;
}
