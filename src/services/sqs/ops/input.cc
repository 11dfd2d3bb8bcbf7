// What SQS's requests carry outside the decoded document, and the checks AWS makes before the
// model's validation (Service::complete_input).
#include "services/sqs/ops.h"

#include "http/message.h"
#include "services/sqs/attributes.h"
#include "services/sqs/common.h"

namespace stratus::sqs {
namespace {

// The Query API addresses a queue by posting to its URL ("/ACCOUNT/NAME"); QueueUrl may then
// be left out, as older SDKs and API Gateway's path integrations do.
void complete_queue_url(const model::Operation& op, const http::Request& req, Doc& input) {
  if (!op.input->find_member("QueueUrl") || input.has("QueueUrl")) return;
  std::string_view path = req.path;
  if (path.size() < 15 || path[0] != '/' || path[13] != '/') return;
  std::string_view account = path.substr(1, 12);
  if (account.find_first_not_of("0123456789") != std::string_view::npos) return;
  if (path.find('/', 14) != std::string_view::npos) return;
  std::string host = req.headers.get("host", "localhost:4566");
  input.set("QueueUrl", "http://" + host + std::string(path));
}

}  // namespace

void complete_input(const model::Operation& op, const http::Request& req, Doc& input) {
  if (!op.input) return;
  bool query = req.headers.get("x-amz-target", "").empty();
  complete_queue_url(op, req, input);
  // Unknown attribute names are InvalidAttributeName on AWS (before the model's enum check).
  if (const Doc* names = input.get("AttributeNames"); names && names->is_list() && op.name == "GetQueueAttributes")
    for (const auto& n : names->as_list())
      if (n.is_string() && n.as_string() != "All" && !find_spec(n.as_string()) && !read_only_attribute(n.as_string()))
        throw unknown_attr(n.as_string());
  if (const Doc* attrs = input.get("Attributes"); attrs && attrs->is_map() && op.name != "ReceiveMessage")
    for (const auto& [k, _] : attrs->as_map())
      if (!find_spec(k)) throw unknown_attr(k);
  // The Query API names a missing required parameter MissingParameter (not ValidationError).
  if (query)
    for (const auto& m : op.input->members)
      if (m.required && !input.has(m.name)) throw missing(m.name);
}

}  // namespace stratus::sqs
