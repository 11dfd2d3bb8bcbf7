// AssumeRole and GetSessionToken: temporary credentials (ASIA... key ids) that then sign
// requests as the role's session or as the caller.
#include <functional>

#include "auth/keystore.h"
#include "core/arn.h"
#include "core/ids.h"
#include "server/context.h"
#include "services/sts/ops.h"

namespace stratus::sts {
namespace {

// Issues temporary credentials for the principal and stores them so that requests signed with
// them authenticate as that principal.
Doc issue(OpContext& ctx, auth::Credential cred, int64_t duration_s) {
  cred.access_key = "ASIA" + ids::random_upper_alnum(16);
  cred.secret_key = ids::random_base64(30);
  cred.session_token = "IQoJb3JpZ2luX2VjE" + ids::random_base64(180);
  cred.expires_ms = ctx.now_ms + duration_s * 1000;
  if (!ctx.server.keys().put(cred)) throw stratus::errors::internal("could not store the credentials");
  Doc c = Doc::map();
  c.set("AccessKeyId", cred.access_key);
  c.set("SecretAccessKey", cred.secret_key);
  c.set("SessionToken", cred.session_token);
  c.set("Expiration", Timestamp{cred.expires_ms});
  return c;
}

}  // namespace

std::string role_unique_id(const std::string& role_arn) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  uint64_t h = std::hash<std::string>{}(role_arn);
  std::string id = "AROA";
  for (int i = 0; i < 17; ++i) {
    id += kAlphabet[h % 32];
    h = h / 32 + 0x9e3779b97f4a7c15ULL * (i + 1);
  }
  return id;
}

Doc assume_role(OpContext& ctx, const Doc& in) {
  std::string role_arn = in.str("RoleArn");
  std::string session = in.str("RoleSessionName");
  auto arn = Arn::parse(role_arn);
  if (!arn || arn->service != "iam" || arn->resource.rfind("role/", 0) != 0) {
    throw AwsError("ValidationError", role_arn + " is invalid", 400);  // a common error: no factory yet
  }
  std::string role_name = arn->resource.substr(arn->resource.rfind('/') + 1);
  std::string account = arn->account.empty() ? ctx.account() : arn->account;
  auth::Credential cred;
  cred.account = account;
  cred.principal_arn = "arn:aws:sts::" + account + ":assumed-role/" + role_name + "/" + session;
  cred.user_id = role_unique_id(role_arn) + ":" + session;
  Doc out = Doc::map();
  out.set("Credentials", issue(ctx, cred, in.integer("DurationSeconds", 3600)));
  Doc user = Doc::map();
  user.set("AssumedRoleId", cred.user_id);
  user.set("Arn", cred.principal_arn);
  out.set("AssumedRoleUser", std::move(user));
  out.set("PackedPolicySize", 0);
  if (in.has("SourceIdentity")) out.set("SourceIdentity", in.str("SourceIdentity"));
  return out;
}

Doc get_session_token(OpContext& ctx, const Doc& in) {
  // Session credentials act as the caller's own long-term identity.
  auth::Credential cred;
  cred.account = ctx.account();
  cred.principal_arn = ctx.caller.arn;
  cred.user_id = ctx.caller.user_id;
  Doc out = Doc::map();
  out.set("Credentials", issue(ctx, cred, in.integer("DurationSeconds", 43200)));
  return out;
}

}  // namespace stratus::sts
