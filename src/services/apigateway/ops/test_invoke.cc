// TestInvokeMethod: the method as it is now, through the invoke path (invoke.h).
#include "services/apigateway/invoke.h"
#include "services/apigateway/ops.h"
#include "services/apigateway/state.h"

namespace stratus::apigateway {

void test_invoke_method(OpContext& ctx, const Doc& in, Done done) { state(ctx).invoker->test_invoke(ctx, in, std::move(done)); }

}  // namespace stratus::apigateway
