// Function URLs over plain HTTP: "http://<url-id>.lambda-url.<region>.localhost:<port>/...".
// The Lambda service claims these hosts through the InvokeRouter hook (server/invoke_router.h)
// and keeps the URL configurations; this file holds the HTTP side that needs no storage: the
// payload format 2.0 event, the mapping of the function's answer to an HTTP response, and CORS.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/doc.h"
#include "http/message.h"

namespace stratus::lambda::urls {

// The url id of a function URL host ("abc.lambda-url.us-east-1.localhost:4566" → "abc"),
// nullopt for other hosts.
std::optional<std::string> url_id(std::string_view host);

// A fresh url id: 32 lower-case letters and digits, as AWS's.
std::string new_url_id();

// The request as the payload format 2.0 event. `account` is the caller's account ("anonymous"
// for AuthType NONE); `iam` the requestContext.authorizer.iam member for AWS_IAM (or null).
std::string event(const http::Request& req, const std::string& url_id, const std::string& account, const Doc& iam,
                  const std::string& request_id, int64_t now_ms);

// The function's answer as an HTTP response: a structured {"statusCode", "headers", "cookies",
// "body", "isBase64Encoded"} object, or any other JSON value as a 200 application/json body.
http::Response response(const std::string& payload);

// A streamed answer (response streaming): with the content type
// application/vnd.awslambda.http-integration-response (awslambda.HttpResponseStream.from), a
// JSON prelude {"statusCode", "headers", "cookies"}, 8 NUL bytes, then the body; otherwise the
// bytes as a 200 body of their content type.
http::Response streamed_response(const std::string& content_type, const std::string& bytes);

// An HTTP error of the function URL front end, e.g. 403 {"Message":"Forbidden"}.
http::Response error(int status, const std::string& message);

// CORS from the URL's Cors configuration: answers a preflight (OPTIONS with Origin and
// Access-Control-Request-Method) when a Cors configuration exists; adds the allow headers to a
// function's response when the request's Origin is allowed.
std::optional<http::Response> preflight(const http::Request& req, const Doc* cors);
void add_cors(const http::Request& req, const Doc* cors, http::Response& res);

}  // namespace stratus::lambda::urls
