// Fuzz EventBridge's target input: the input is "template \n path \n event"; InputTransformer
// rendering, JSON paths and minifying must never crash or hang, whatever the three are. The whole
// input is also a put record of the events queue (api.h: decode_put), which must round-trip.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/events/api.h"
#include "services/events/transform.h"

using namespace stratus::events;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  size_t a = in.find('\n');
  std::string tmpl = in.substr(0, a);
  std::string rest = a == std::string::npos ? "" : in.substr(a + 1);
  size_t b = rest.find('\n');
  std::string path = rest.substr(0, b);
  std::string event = b == std::string::npos ? "{}" : rest.substr(b + 1);
  (void)transform::valid_path(path);
  (void)transform::extract(event, path);
  (void)transform::minify(event);
  (void)transform::without_detail(event);
  (void)transform::render(tmpl, {{"v", path}, {"d", "$.detail"}}, event, {"arn", "name", "time"});
  if (auto p = decode_put(in)) {
    auto again = decode_put(encode_put(*p));
    if (!again || again->account != p->account || again->entry.detail != p->entry.detail ||
        again->entry.resources != p->entry.resources)
      __builtin_trap();
  }
  return 0;
}
