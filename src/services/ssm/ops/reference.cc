// Secrets Manager secrets read as parameters: /aws/reference/secretsmanager/<secret id>, through
// Secrets Manager's GetSecretValue as the caller (ServerContext::call_sync).
#include <algorithm>

#include "core/encoding.h"
#include "core/json.h"
#include "server/context.h"
#include "services/ssm/ops.h"

namespace stratus::ssm {

namespace {
constexpr std::string_view kPrefix = "/aws/reference/secretsmanager/";
}

bool is_secret_reference(std::string_view name) {
  return name.starts_with(kPrefix);
}

void require_decryption(bool decrypt) {
  if (!decrypt)
    throw stratus::errors::validation("WithDecryption flag must be True for retrieving a Secret Manager secret.");
}

std::optional<Doc> secret_reference(OpContext& ctx, const std::string& name) {
  std::string id = name.substr(kPrefix.size());
  Doc in = Doc::map();
  // Secret names hold no ':', so "name:x" selects a version: a version id (32-64 characters with
  // dashes, as Secrets Manager makes them) or a staging label.
  if (auto colon = id.rfind(':'); colon != std::string::npos && !id.starts_with("arn:")) {
    std::string sel = id.substr(colon + 1);
    id.resize(colon);
    bool version_id = sel.size() >= 32 && sel.size() <= 64 && std::count(sel.begin(), sel.end(), '-') == 4;
    in.set(version_id ? "VersionId" : "VersionStage", sel);
  }
  if (id.empty()) return std::nullopt;
  in.set("SecretId", id);
  auto r = ctx.server.call_sync("secretsmanager", "GetSecretValue", std::move(in), ctx.caller);
  if (!r) {
    const AwsError& e = r.error();
    if (e.code == "ResourceNotFoundException" || e.code == "ValidationException" ||
        e.code == "InvalidParameterException" || e.code == "ServiceUnavailableException")
      return std::nullopt;
    throw e;
  }
  const Doc& v = *r;
  Doc p = Doc::map();
  p.set("Name", name);
  p.set("Type", "SecureString");
  const Doc* bin = v.get("SecretBinary");
  p.set("Value", bin && bin->is_blob() ? enc::base64_encode(bin->as_blob().bytes) : v.str("SecretString"));
  p.set("Version", int64_t{0});
  p.set("SourceResult", json::write(v));
  if (const Doc* c = v.get("CreatedDate")) p.set("LastModifiedDate", *c);
  p.set("ARN", v.str("ARN"));
  p.set("DataType", "text");
  return p;
}

}  // namespace stratus::ssm
