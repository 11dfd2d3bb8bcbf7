// API Gateway's mapping-template variables: $input, $util, and the JSONPath subset their
// methods take. $context and $stageVariables are plain maps the caller builds.
//
// Reproduced AWS behaviours (https://docs.aws.amazon.com/apigateway/latest/developerguide/
// api-gateway-mapping-template-reference.html):
//  - $input.body is the raw payload; $input.json(p) the JSON text of what p selects;
//    $input.path(p) the object itself (a map prints as Java's {k=v}).
//  - $input.params(x) searches path, then query string, then headers; a missing name gives "".
//  - A path that selects nothing gives "" from both json() and path().
//  - $util.escapeJavaScript escapes as commons-lang's StringEscapeUtils (so ' becomes \').
//  - $util.urlEncode/urlDecode are java.net.URLEncoder/URLDecoder (space <-> '+').
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "services/apigateway/vtl/value.h"

namespace stratus::apigateway::vtl {

struct InputData {
  std::string body;
  std::vector<std::pair<std::string, std::string>> path;         // path parameters
  std::vector<std::pair<std::string, std::string>> querystring;  // last value wins
  std::vector<std::pair<std::string, std::string>> header;       // names as the client sent them
};

// $input for a request.
Value make_input(InputData data);
// $util.
Value make_util();

// Evaluates a JSONPath ($, .name, ['name'], [n], [*], .*, ..name, [a,b]) against root.
// Definite paths give the selected value (nullopt when absent); others a list of matches.
// Throws RenderError on a malformed path.
std::optional<Value> json_path(const Value& root, std::string_view path);

// Helpers the invoker shares.
std::string escape_javascript(std::string_view s);
std::string url_encode(std::string_view s);
std::string url_decode(std::string_view s);

}  // namespace stratus::apigateway::vtl
