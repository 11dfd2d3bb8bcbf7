// Fuzz SES's open/click tracking (services/ses/tracking.h): the HTML tag scanner (add_tracking),
// the MIME part rewriting (rewrite_html) and the quoted-printable encoder, on arbitrary HTML and
// raw messages. Crashes, hangs and leaks are not fine; the QP output must decode back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "services/ses/tracking.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  std::vector<ses::TrackedLink> links;
  (void)ses::add_tracking(in, "http://localhost:4566", "abc", true, true, links);
  (void)ses::rewrite_html(
      in, [&](std::string html) { return ses::add_tracking(html, "http://localhost:4566", "abc", true, true, links); });
  (void)ses::encode_qp(in);
  return 0;
}
