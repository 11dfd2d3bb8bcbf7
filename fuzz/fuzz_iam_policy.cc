// Fuzz the IAM policy language (auth/policy.h): the input up to the first newline is a policy
// document, parsed under each PrincipalRule; a valid one is evaluated against a request whose
// action, resource and condition keys come from the rest of the input. Malformed documents are
// fine; crashes, hangs and leaks are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "auth/policy.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  size_t cut = in.find('\n');
  std::string doc = in.substr(0, cut);
  std::string rest = cut == std::string::npos ? "" : in.substr(cut + 1);
  auth::policy::Request r;
  r.principal.account = "111122223333";
  r.principal.arn = "arn:aws:sts::111122223333:assumed-role/R/" + rest.substr(0, 16);
  r.action = "s3:" + rest.substr(0, 32);
  r.resource = "arn:aws:s3:::bucket/" + rest;
  r.set("aws:username", rest);
  r.set("aws:SourceIp", rest.substr(0, 40));
  r.set("aws:CurrentTime", rest.substr(0, 30));
  r.add("aws:TagKeys", rest);
  r.add("aws:TagKeys", "x");
  for (auto rule : {auth::policy::PrincipalRule::optional, auth::policy::PrincipalRule::required,
                    auth::policy::PrincipalRule::forbidden}) {
    auto parsed = auth::policy::parse(doc, {.principal = rule});
    if (!parsed.ok()) continue;
    (void)auth::policy::evaluate(*parsed.policy, r);
    (void)auth::policy::is_public(*parsed.policy);
    r.principal = {};
    (void)auth::policy::evaluate(*parsed.policy, r);
  }
  return 0;
}
