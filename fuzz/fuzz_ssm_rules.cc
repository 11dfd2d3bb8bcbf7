// Fuzz Parameter Store's parsers: parameter policies (JSON), selectors (name:version,
// name:label, ARNs), names, paths, labels and AllowedPattern regexes. The first line goes to the
// name rules, the rest to the policy parser and, split at the first tab, to pattern matching.
// Errors thrown as AwsError are fine; crashes, hangs and leaks are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "services/ssm/rules.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  size_t cut = in.find('\n');
  std::string first = in.substr(0, cut);
  std::string rest = cut == std::string::npos ? "" : in.substr(cut + 1);
  auto sel = ssm::parse_selector(first);
  (void)ssm::name_key(sel.name);
  (void)ssm::levels(first);
  (void)ssm::valid_label(first);
  try {
    (void)ssm::validate_put_name(first, "000000000000", "us-east-1");
  } catch (const AwsError&) {
  }
  try {
    ssm::validate_path(first);
  } catch (const AwsError&) {
  }
  try {
    (void)ssm::parse_policies(rest);
  } catch (const AwsError&) {
  }
  size_t tab = rest.find('\t');
  if (tab != std::string::npos) (void)ssm::matches_pattern(rest.substr(0, tab), rest.substr(tab + 1));
  return 0;
}
