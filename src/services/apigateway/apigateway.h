// API Gateway (REST APIs): shared declarations of the service's parts.
//
//  store.h        one JSON document per REST API
//  management.cc  the control-plane operations (rest-json, model "apigateway")
//  invoke.cc      the data plane: invoke URLs → route → method → integration → response;
//                 TestInvokeMethod runs the same path on the API's current resources
//  openapi.cc     ImportRestApi / PutRestApi / GetExport: OpenAPI 3 and Swagger 2 documents
//  integrations   how an integration reaches another Stratus service: see invoke.h
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "core/doc.h"
#include "core/error.h"
#include "services/apigateway/store.h"
#include "services/service.h"

namespace stratus::apigateway {

// AWS's error shapes for API Gateway (message member "message").
inline AwsError not_found(std::string m) { return {"NotFoundException", std::move(m), 404}; }
inline AwsError conflict(std::string m) { return {"ConflictException", std::move(m), 409}; }
inline AwsError bad_request(std::string m) { return {"BadRequestException", std::move(m), 400}; }

// Adds the management operations to svc's operation table.
void register_management(Service& svc, Store& store);

// Adds ImportRestApi, PutRestApi and GetExport (openapi.cc).
void register_import_export(Service& svc, Store& store);
// Helpers shared by the management files (management.cc, usage.cc).
Doc out(Doc d);  // output_dates applied
void copy_members(const Doc& in, Doc& to, std::initializer_list<const char*> names);
Doc items(std::vector<Doc> list);  // {"items": [...]} with dates converted
// Applies the input's patchOperations (JSON-pointer paths, AWS's add/remove/replace/copy/move).
void apply_patch(Doc& target, const Doc& in, bool is_stage = false);

// Converts stored epoch-millisecond dates (createdDate, lastUpdatedDate) into Timestamps,
// recursively, for output.
void output_dates(Doc& d);

}  // namespace stratus::apigateway
