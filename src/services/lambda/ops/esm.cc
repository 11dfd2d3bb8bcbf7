// Event source mapping operations. A mapping's record and its poller are one piece of state
// (esm.h): validating a configuration, storing it and (re)configuring the poller happen together
// there, so these handlers hand the request to it.
#include "services/lambda/esm.h"
#include "services/lambda/ops.h"
#include "services/lambda/state.h"

namespace stratus::lambda::ops {

Doc create_event_source_mapping(OpContext& ctx, const Doc& in) { return state(ctx).esm().create(ctx, in); }

Doc get_event_source_mapping(OpContext& ctx, const Doc& in) { return state(ctx).esm().get(ctx, in); }

Doc list_event_source_mappings(OpContext& ctx, const Doc& in) { return state(ctx).esm().list(ctx, in); }

Doc update_event_source_mapping(OpContext& ctx, const Doc& in) { return state(ctx).esm().update(ctx, in); }

Doc delete_event_source_mapping(OpContext& ctx, const Doc& in) { return state(ctx).esm().remove(ctx, in); }

}  // namespace stratus::lambda::ops
