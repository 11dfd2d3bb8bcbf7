// Fuzz SES's template renderer (services/ses/template.h): the input is split at the first NUL
// into a template and its JSON data. Bad templates and data are fine (an error text); crashes,
// hangs and leaks are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/json.h"
#include "services/ses/template.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  std::string tmpl = in.substr(0, nul);
  Doc d = Doc::map();
  if (nul != std::string::npos) {
    try {
      d = json::parse(in.substr(nul + 1));
    } catch (const std::exception&) {
    }
  }
  auto r = ses::render_template(tmpl, d);
  if (r.error.empty() && !r.missing.empty()) __builtin_trap();
  return 0;
}
