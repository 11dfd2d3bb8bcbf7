// Fuzz the VTL engine: parse and render arbitrary mapping templates against an arbitrary JSON
// request body. ParseError and RenderError are acceptable answers; crashes, leaks, hangs and
// unbounded memory are not (the Limits bound loops, recursion and output).
//
// Input layout: template bytes, then optionally "\0" and the request body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "services/apigateway/vtl/aws.h"
#include "services/apigateway/vtl/vtl.h"

using namespace stratus::apigateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view tpl = in, body;
  if (auto nul = in.find('\0'); nul != std::string_view::npos) {
    tpl = in.substr(0, nul);
    body = in.substr(nul + 1);
  }
  vtl::Limits lim;
  lim.max_output = 1 << 20;
  lim.max_steps = 200000;
  lim.max_depth = 32;
  lim.max_regex_subject = 2048;
  try {
    auto t = vtl::parse(tpl);
    vtl::Context ctx;
    vtl::InputData d;
    d.body = std::string(body);
    d.path = {{"id", "1"}};
    d.querystring = {{"q", "x y"}};
    d.header = {{"Content-Type", "application/json"}};
    ctx.vars["input"] = vtl::make_input(std::move(d));
    ctx.vars["util"] = vtl::make_util();
    vtl::Value c = vtl::Value::new_map();
    c.map().put("requestId", vtl::Value("r"));
    ctx.vars["context"] = c;
    ctx.vars["stageVariables"] = vtl::Value::new_map();
    (void)vtl::render(*t, ctx, lim);
  } catch (const vtl::ParseError&) {
  } catch (const vtl::RenderError&) {
  }
  return 0;
}
