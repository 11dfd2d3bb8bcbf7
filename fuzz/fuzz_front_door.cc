// Fuzzes everything behind the HTTP parser at once: routing, SigV4 parsing, every codec's
// decode, validation and the handlers, with an in-memory engine. Input layout: lines
// "METHOD TARGET", then "name: value" header lines, an empty line, then the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "server/context.h"
#include "server/front_door.h"
#include "storage/engine.h"

namespace {
stratus::FrontDoor& door() {
  static stratus::ServerContext* ctx = [] {
    spdlog::set_level(spdlog::level::off);  // one access-log line per input would dominate the run
    stratus::Config cfg;
    auto* c = new stratus::ServerContext(cfg, stratus::storage::open_memory());
    for (auto& s : stratus::make_services(cfg)) c->add_service(std::move(s));
    return c;
  }();
  static stratus::FrontDoor* d = new stratus::FrontDoor(*ctx);
  return *d;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  stratus::http::Request req;
  auto eol = in.find('\n');
  std::string_view line = in.substr(0, eol);
  auto sp = line.find(' ');
  req.method = std::string(line.substr(0, sp));
  req.target = sp == std::string_view::npos ? "/" : std::string(line.substr(sp + 1));
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  in = eol == std::string_view::npos ? std::string_view() : in.substr(eol + 1);
  while (!in.empty()) {
    eol = in.find('\n');
    line = in.substr(0, eol);
    in = eol == std::string_view::npos ? std::string_view() : in.substr(eol + 1);
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view v = line.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    req.headers.add(line.substr(0, colon), v);
  }
  req.body = std::string(in);
  if (req.path.rfind("/_stratus/reset", 0) == 0) return 0;  // would wipe the corpus' state each time
  door().handle(std::move(req), [](stratus::http::Response) {});
  return 0;
}
