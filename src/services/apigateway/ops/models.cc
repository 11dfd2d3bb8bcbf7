// Models (JSON schemas) and request validators, used by the guard at invoke time.
#include <algorithm>

#include "core/ids.h"
#include "server/context.h"
#include "services/apigateway/apigateway.h"
#include "services/apigateway/ops.h"
#include "services/apigateway/state.h"
#include "services/apigateway/tx.h"

namespace stratus::apigateway {

namespace {

constexpr Section kModel{"models", "modelName", "Invalid model name specified"};
constexpr Section kRequestValidator{"validators", "requestValidatorId", "Invalid Request Validator identifier specified"};

}  // namespace

Doc create_model(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  std::string name = in.str("name");
  if (name.empty()) throw errors::bad_request("Model name must be non-empty");
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) throw errors::bad_request("Model name must be alphanumeric");
  if (tx.section("models").has(name)) throw errors::conflict("Model name already exists for this REST API");
  Doc m = Doc::map();
  m.set("id", ids::random_lower_alnum(6));
  m.set("name", name);
  copy_members(in, m, {"description", "schema", "contentType"});
  tx.section("models").set(name, m);
  tx.save();
  return m;
}

Doc create_request_validator(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  Doc v = Doc::map();
  v.set("id", ids::random_lower_alnum(6));
  v.set("name", in.str("name"));
  v.set("validateRequestBody", in.flag("validateRequestBody"));
  v.set("validateRequestParameters", in.flag("validateRequestParameters"));
  tx.section("validators").set(v.str("id"), v);
  tx.save();
  return v;
}

Doc get_model(OpContext& ctx, const Doc& in) { return get_entry(ctx, store(ctx), in, kModel); }
Doc get_models(OpContext& ctx, const Doc& in) { return list_entries(ctx, store(ctx), in, kModel); }
Doc update_model(OpContext& ctx, const Doc& in) { return update_entry(ctx, store(ctx), in, kModel); }
Doc delete_model(OpContext& ctx, const Doc& in) { return delete_entry(ctx, store(ctx), in, kModel); }

Doc get_request_validator(OpContext& ctx, const Doc& in) { return get_entry(ctx, store(ctx), in, kRequestValidator); }
Doc get_request_validators(OpContext& ctx, const Doc& in) { return list_entries(ctx, store(ctx), in, kRequestValidator); }
Doc update_request_validator(OpContext& ctx, const Doc& in) { return update_entry(ctx, store(ctx), in, kRequestValidator); }
Doc delete_request_validator(OpContext& ctx, const Doc& in) { return delete_entry(ctx, store(ctx), in, kRequestValidator); }

}  // namespace stratus::apigateway
