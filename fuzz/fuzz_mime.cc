// Fuzz the MIME parser (mail/mime.h) SendRawEmail and the SMTP endpoint read messages with, and
// the address helpers. Malformed messages are fine (mime::Error); crashes, hangs and leaks are
// not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "mail/mime.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  try {
    mime::Message m = mime::parse(in);
    (void)m.text();
    (void)m.html();
    (void)m.attachments();
    for (const auto& a : mime::addresses(m.header("To"))) (void)mime::address_problem(a);
  } catch (const mime::Error&) {
  }
  for (const auto& a : mime::addresses(in)) (void)mime::bare(a);
  return 0;
}
