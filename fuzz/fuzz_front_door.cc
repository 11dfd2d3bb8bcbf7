// Fuzzes everything behind the HTTP parser at once: routing, SigV4 parsing, every codec's
// decode, validation and the handlers, with an in-memory engine. Input layout: lines
// "METHOD TARGET", then "name: value" header lines, an empty line, then the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "fuzz_rest_common.h"
#include "server/context.h"
#include "server/front_door.h"
#include "storage/engine.h"

namespace {
stratus::FrontDoor& door() {
  static stratus::ServerContext* ctx = [] {
    spdlog::set_level(spdlog::level::off);  // one access-log line per input would dominate the run
    stratus::Config cfg;
    cfg.ephemeral = true;  // memory engine: no data directory, key file or spool dir in the cwd
    auto* c = new stratus::ServerContext(cfg, stratus::storage::open_memory());
    for (auto& s : stratus::make_services(cfg)) c->add_service(std::move(s));
    c->start_services();  // ports and opened stores, as the server has them before serving
    return c;
  }();
  static stratus::FrontDoor* d = new stratus::FrontDoor(*ctx);
  return *d;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stratus::http::Request req =
      stratus::fuzz::request_from(std::string_view(reinterpret_cast<const char*>(data), size));
  if (req.path.rfind("/_stratus/reset", 0) == 0) return 0;  // would wipe the corpus' state each time
  door().handle(std::move(req), [](stratus::http::Response) {});
  return 0;
}
