// GetCallerIdentity and GetAccessKeyInfo: who signed, and whose a key is.
#include "server/context.h"
#include "services/sts/ops.h"

namespace stratus::sts {

Doc get_caller_identity(OpContext& ctx, const Doc&) {
  Doc out = Doc::map();
  out.set("UserId", ctx.caller.user_id);
  out.set("Account", ctx.account());
  out.set("Arn", ctx.caller.arn);
  return out;
}

Doc get_access_key_info(OpContext& ctx, const Doc& in) {
  std::string key = in.str("AccessKeyId");
  std::string account = ctx.server.config().default_account;
  if (auto cred = ctx.server.keys().find(key)) account = cred->account;
  return answer("Account", account);
}

}  // namespace stratus::sts
