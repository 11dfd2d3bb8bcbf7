// OpenAPI 3 / Swagger 2 documents <-> the stored REST API document (store.h).
//
// Import reads paths, operations, parameters, request bodies, responses, components/schemas
// (definitions), securitySchemes (securityDefinitions) with x-amazon-apigateway-authorizer, and
// the x-amazon-apigateway-* extensions (integration, request validators, binary media types,
// api key source, gateway responses, policy, minimum compression size). Export writes the
// deployed snapshot of a stage back in either dialect, with or without the extensions.
// Pure functions (no storage), so unit tests and the fuzzer drive them directly.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/doc.h"

namespace stratus::apigateway::openapi {

// JSON or YAML text → Doc. YAML plain scalars become bool/int/double/null as YAML 1.2's core
// schema reads them; quoted scalars stay strings. Throws AwsError(BadRequestException).
Doc parse_text(std::string_view text);
// Doc → YAML text (block style).
std::string to_yaml(const Doc& d);

struct Imported {
  Doc api = Doc::map();        // RestApi members from the document (name, description, version, ...)
  Doc resources = Doc::map();  // id → Resource (with resourceMethods), root included
  Doc models = Doc::map();     // name → Model
  Doc authorizers = Doc::map();
  Doc validators = Doc::map();
  Doc gateway_responses = Doc::map();
  std::vector<std::string> warnings;
  std::vector<std::string> errors;
};

struct ImportOptions {
  std::string api_id;          // for model $ref URLs
  std::string root_id;         // id the root resource gets
  std::string basepath = "ignore";  // parameters basepath=ignore|prepend|split
  // id generator for new resources/authorizers/validators/models
  std::string (*new_id)(size_t) = nullptr;
};

// Reads a parsed document. Structural problems go to errors/warnings as AWS words them.
Imported import_document(const Doc& spec, const ImportOptions& opt);

struct ExportOptions {
  std::string type;            // "oas30" | "swagger"
  bool integrations = false;   // x-amazon-apigateway-integration
  bool authorizers = false;    // x-amazon-apigateway-authorizer / authtype
  bool apigateway = false;     // every x-amazon-apigateway-* extension
  std::string host;            // "{id}.execute-api.{region}.amazonaws.com"
  std::string stage;
};

// `stored` is the whole API document (store.h); `resources` the stage's deployed snapshot.
Doc export_document(const Doc& stored, const Doc& resources, const ExportOptions& opt);

}  // namespace stratus::apigateway::openapi
