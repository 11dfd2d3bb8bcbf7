// POST Object (browser form uploads), served through the InvokeRouter hook: the S3 model has
// no operation for a multipart/form-data POST to a bucket.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.h"
#include "services/s3/store.h"

namespace stratus {
class ServerContext;
}

namespace stratus::s3 {

// POST /bucket (path style, or a bucket.s3.* host) with a multipart/form-data body, no query.
bool is_post_object(const http::Request& req);
// Parses the form, checks its policy and signature, stores the file as the object: AWS's answer
// (204 / 200 / 201 PostResponse / 303 to success_action_redirect) or its XML error.
http::Response serve_post_object(ServerContext& server, Store& store, const http::Request& req);
// The form's `tagging` field: <Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>
// (MalformedXML, InvalidTag, BadRequest over 10 tags). Fuzzed by fuzz_s3_parsers.
std::vector<std::pair<std::string, std::string>> parse_tagging_xml(std::string_view xml);

}  // namespace stratus::s3
