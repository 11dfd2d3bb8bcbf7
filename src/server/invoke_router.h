// A hook for services that answer requests which are not AWS API calls: API Gateway's invoke
// URLs ("/restapis/{id}/{stage}/_user_request_/..." and "{id}.execute-api.localhost"), Lambda
// function URLs ("{url-id}.lambda-url.{region}.localhost").
//
// A Service that also derives from InvokeRouter is found by the FrontDoor at construction
// (dynamic_cast). For every request, before AWS routing, the FrontDoor asks claims(); the first
// router that claims the request serves it. The FrontDoor still adds Date and x-amzn-RequestId
// and logs the request; the request id it uses is passed in the "x-stratus-request-id" header.
#pragma once

#include "http/server.h"

namespace stratus {

class InvokeRouter {
 public:
  virtual ~InvokeRouter() = default;
  // A cheap look at the request line and headers. Called on I/O threads for every request.
  virtual bool claims(const http::Request& req) const = 0;
  // Answers the request by calling respond exactly once, from any thread, now or later.
  virtual void serve(http::Request req, http::Responder respond) = 0;
  // The front door, so that integrations can send requests to other services along the path a
  // client's request takes (routing, SigV4, codecs, handlers). Called once, before any serve().
  virtual void set_front_door(http::Handler& front_door) {}
  // The name the access log gives these requests.
  virtual const char* log_service() const { return "execute-api"; }
};

}  // namespace stratus
