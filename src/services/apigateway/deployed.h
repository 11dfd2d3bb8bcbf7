// A REST API as deployed to a stage: the routing tree of its resources with each method's
// templates parsed and selection patterns compiled once, so a warm invocation parses nothing.
// Built from a deployment's snapshot (Invoker caches one per API and stage until the store's
// generation moves) or from the API's current resources (TestInvokeMethod). Immutable once
// built: shared between I/O threads through shared_ptr<const Deployed>.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/doc.h"
#include "core/regex.h"
#include "services/apigateway/guard.h"
#include "services/apigateway/vtl/vtl.h"

namespace stratus::apigateway {

using TemplatePtr = std::shared_ptr<const vtl::Template>;

// A method as deployed: its stored document plus parsed templates and compiled patterns.
struct DMethod {
  Doc doc;
  std::map<std::string, TemplatePtr> request_templates;  // nullptr: empty template
  struct Response {
    Doc doc;
    std::shared_ptr<Regex> pattern;  // nullptr: the default response
    std::map<std::string, TemplatePtr> templates;
  };
  std::vector<Response> responses;
  std::string broken;  // a template or pattern that failed to parse (500 on use)
};

struct DResource {
  std::string id, path, part, param;
  enum Kind { literal, param_part, greedy } kind = literal;
  std::vector<DResource*> children;
  std::map<std::string, DMethod> methods;
};

struct Deployed {
  uint64_t generation = 0;
  std::string account, region, api_id, stage;
  Doc stage_doc;
  std::vector<std::string> binary_types;  // the API's binaryMediaTypes, lower-case
  Doc api_doc;  // api, authorizers, models, validators, gatewayResponses as deployed
  std::vector<std::unique_ptr<DResource>> all;
  DResource* root = nullptr;
};

// The routing tree and parsed templates of one set of resources. `doc` is the whole API
// document (store.h; its api.binaryMediaTypes is read), `resources` id -> Resource. nullptr when
// resources is not a map or has no root. A template or pattern that fails to parse does not fail
// the build: it is named in the method's `broken` (the method answers 500 when used).
std::shared_ptr<Deployed> build_deployed(const Doc& doc, const Doc& resources, const Doc& stage_doc);

// The resource the path segments (URI-decoded) address below r, starting at segs[i]: literal
// children first, then a {param} child, then a {param+} child (which takes the rest of the
// path). Appends the path parameters it bound to params. nullptr when nothing matches.
const DResource* match(const DResource* r, const std::vector<std::string>& segs, size_t i, Pairs& params);

}  // namespace stratus::apigateway
