// AssumeRole and GetSessionToken: temporary credentials (ASIA... key ids) that then sign
// requests as the role's session or as the caller.
#include <algorithm>
#include <functional>

#include "auth/keystore.h"
#include "core/arn.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "server/context.h"
#include "services/iam/api.h"
#include "services/sts/errors.h"
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

// The role session AssumeRole and AssumeRoleWithWebIdentity answer with: Credentials,
// AssumedRoleUser, PackedPolicySize, SourceIdentity.
static Doc role_session(OpContext& ctx, const Doc& in) {
  std::string role_arn = in.str("RoleArn");
  std::string session = in.str("RoleSessionName");
  auto arn = Arn::parse(role_arn);
  if (!arn || arn->service != "iam" || arn->resource.rfind("role/", 0) != 0) {
    throw stratus::errors::validation_error(role_arn + " is invalid");
  }
  if (in.has("Policy")) {
    Doc policy;
    try {
      policy = json::parse(in.str("Policy"));
    } catch (const AwsError&) {
      throw errors::malformed_policy_document("The policy is not in the valid JSON format.");
    }
    if (!policy.is_map()) throw errors::malformed_policy_document("The policy is not in the valid JSON format.");
  }
  std::string role_name = arn->resource.substr(arn->resource.rfind('/') + 1);
  std::string account = arn->account.empty() ? ctx.account() : arn->account;
  auth::Credential cred;
  cred.account = account;
  cred.principal_arn = Arn::make("sts", "", account, "assumed-role/" + role_name + "/" + session);
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

Doc assume_role(OpContext& ctx, const Doc& in) {
  return role_session(ctx, in);
}

static std::optional<Doc> decode_jwt_part(std::string_view part) {
  std::string b64(part);
  for (char& c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
  auto raw = enc::base64_decode(b64);
  if (!raw) return std::nullopt;
  try {
    Doc d = json::parse(*raw);
    if (d.is_map()) return d;
  } catch (const AwsError&) {
  }
  return std::nullopt;
}

// An OpenID Connect ID token's claims: header.payload.signature, base64url JSON; nullopt when
// the token is not shaped so.
static std::optional<Doc> jwt_claims(const std::string& token) {
  size_t a = token.find('.');
  size_t b = a == std::string::npos ? a : token.find('.', a + 1);
  if (b == std::string::npos || token.find('.', b + 1) != std::string::npos || b + 1 >= token.size())
    return std::nullopt;
  auto header = decode_jwt_part(std::string_view(token).substr(0, a));
  if (!header || !header->get("alg") || !header->get("alg")->is_string()) return std::nullopt;
  return decode_jwt_part(std::string_view(token).substr(a + 1, b - a - 1));
}

Doc assume_role_with_web_identity(OpContext& ctx, const Doc& in) {
  auto claims = jwt_claims(in.str("WebIdentityToken"));
  if (!claims)
    throw errors::invalid_identity_token(
        "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)");
  auto number = [&](const char* k) -> std::optional<int64_t> {
    const Doc* v = claims->get(k);
    if (!v || !v->is_number()) return std::nullopt;
    return v->as_int();
  };
  auto exp = number("exp");
  int64_t now_s = ctx.now_ms / 1000;
  if (claims->has("exp") && !exp)
    throw errors::invalid_identity_token(
        "Timestamps in the token must be formatted as either an integer or a long integer.");
  if (exp && *exp <= now_s)
    throw errors::expired_token("Token expired: current date/time " + std::to_string(now_s) +
                                " must be before the expiration date/time " + std::to_string(*exp));
  std::string iss = claims->str("iss"), sub = claims->str("sub");
  if (iss.empty())
    throw errors::invalid_identity_token(
        "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)");
  if (sub.empty()) throw errors::invalid_identity_token("The ID Token provided has no subject (sub) claim.");
  std::string aud;
  if (const Doc* a = claims->get("aud")) {
    if (a->is_string())
      aud = a->as_string();
    else if (a->is_list() && a->size() > 0 && a->as_list()[0].is_string())
      aud = a->as_list()[0].as_string();
  }
  // A provider registered in IAM (the role's account) for the issuer: the audience must be one
  // of its client ids. Without one the token is accepted (AWS would refuse it).
  if (auto arn = Arn::parse(in.str("RoleArn"))) {
    std::string account = arn->account.empty() ? ctx.account() : arn->account;
    if (auto ids = iam::oidc_client_ids(ctx.storage, account, iss)) {
      std::vector<std::string> auds;
      if (const Doc* a = claims->get("aud"); a && a->is_list()) {
        for (const auto& x : a->as_list())
          if (x.is_string()) auds.push_back(x.as_string());
      } else if (!aud.empty()) {
        auds.push_back(aud);
      }
      bool ok = false;
      for (const auto& x : auds) ok = ok || std::find(ids->begin(), ids->end(), x) != ids->end();
      if (!ok) throw errors::invalid_identity_token("Incorrect token audience");
    }
  }
  Doc out = role_session(ctx, in);
  out.set("SubjectFromWebIdentityToken", sub);
  out.set("Provider", in.has("ProviderId") ? in.str("ProviderId") : iss);
  if (!aud.empty()) out.set("Audience", aud);
  return out;
}

Doc get_session_token(OpContext& ctx, const Doc& in) {
  // Session credentials act as the caller's own long-term identity.
  auth::Credential cred;
  cred.account = ctx.account();
  cred.principal_arn = ctx.caller.arn;
  cred.user_id = ctx.caller.user_id;
  return answer("Credentials", issue(ctx, cred, in.integer("DurationSeconds", 43200)));
}

}  // namespace stratus::sts
