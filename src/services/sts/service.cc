// AWS Security Token Service: who am I, and temporary credentials that then sign requests.
//
// Layout: the operation table is here; handlers in ops/*.cc (ops.h).
#include <memory>

#include "services/service.h"
#include "services/sts/ops.h"

namespace stratus::sts {
namespace {

class StsService final : public Service {
 public:
  StsService() : Service("sts") {
    add("GetCallerIdentity", get_caller_identity);
    add("AssumeRole", assume_role);
    add("AssumeRoleWithWebIdentity", assume_role_with_web_identity);
    add("GetSessionToken", get_session_token);
    add("GetAccessKeyInfo", get_access_key_info);
  }
};

}  // namespace

std::unique_ptr<Service> make_service() { return std::make_unique<StsService>(); }

}  // namespace stratus::sts
