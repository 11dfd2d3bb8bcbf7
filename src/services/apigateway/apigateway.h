// API Gateway (REST APIs): shared declarations of the service's parts.
//
//  service.cc     the Service and its operation table; state.h what it keeps while running
//  ops.h, ops/    the control-plane operations (rest-json, model "apigateway"), one file per
//                 resource; tx.h their read-modify-writes; ops/common.cc the helpers below
//  store.h        one JSON document per REST API
//  invoke.cc      the data plane: invoke URLs → route → method → integration → response;
//                 TestInvokeMethod runs the same path on the API's current resources
//  guard.h        invoke-time checks, API keys and usage plans, gateway responses, access logs
//  openapi.cc     OpenAPI 3 and Swagger 2 documents (ImportRestApi / PutRestApi / GetExport)
//  integrations   how an integration reaches another Stratus service: see invoke.h
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "core/doc.h"
#include "core/error.h"
#include "services/apigateway/errors.h"  // AWS's error shapes: errors::not_found(...), ...

namespace stratus::apigateway {

// Helpers shared by the operation files (ops/common.cc).
Doc out(Doc d);  // output_dates applied
void copy_members(const Doc& in, Doc& to, std::initializer_list<const char*> names);
Doc items(std::vector<Doc> list);  // {"items": [...]} with dates converted
// Applies the input's patchOperations (JSON-pointer paths, AWS's add/remove/replace/copy/move).
void apply_patch(Doc& target, const Doc& in, bool is_stage = false);

// Converts stored epoch-millisecond dates (createdDate, lastUpdatedDate) into Timestamps,
// recursively, for output.
void output_dates(Doc& d);

// The input's httpMethod, upper-cased.
std::string verb_of(const Doc& in);

}  // namespace stratus::apigateway
