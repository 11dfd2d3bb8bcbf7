#include "services/secretsmanager/ops.h"

#include "core/arn.h"
#include "core/encoding.h"
#include "core/lookup.h"
#include "server/context.h"

namespace stratus::secretsmanager {

AwsError secret_not_found() {
  return errors::resource_not_found("Secrets Manager can't find the specified secret.");
}

AwsError marked_for_deletion() {
  return errors::invalid_request("You can't perform this operation on the secret because it was marked for deletion.");
}

size_t page_start(const Doc& in) {
  if (!in.has("NextToken")) return 0;
  auto t = enc::base64_decode(in.str("NextToken"));
  if (!t || t->empty() || t->find_first_not_of("0123456789") != std::string::npos || t->size() > 9)
    throw errors::invalid_next_token("The NextToken value is invalid.");
  return std::stoul(*t);
}

std::string page_token(size_t offset) {
  return enc::base64_encode(std::to_string(offset));
}

std::string owner_account(const Doc& secret) {
  auto arn = Arn::parse(secret.str("ARN"));
  return arn ? arn->account : std::string();
}

std::optional<Doc> view_of(OpContext& ctx, Doc raw) {
  std::string primary_region = raw.str("ReplicaOf");
  if (primary_region.empty()) return raw;
  std::string account = owner_account(raw);
  auto primary = state(ctx).store().load(account.empty() ? ctx.account() : account, primary_region, raw.str("Name"));
  if (!primary) return std::nullopt;
  Doc v = std::move(*primary);
  v.set("_PrimaryArn", v.str("ARN"));
  v.set("_PrimaryRegion", primary_region);
  v.set("_Replica", true);
  v.set("ARN", raw.str("ARN"));
  v.set("PrimaryRegion", primary_region);
  v.as_map().erase("Replicas");
  v.as_map().erase("Policy");
  return v;
}

Doc resolve(OpContext& ctx, const std::string& id, bool other_accounts) {
  std::string account = ctx.account();
  if (other_accounts && id.starts_with("arn:"))
    if (auto arn = Arn::parse(id); arn && arn->account.size() == 12) account = arn->account;
  Doc raw = found_or(state(ctx).store().find(account, ctx.region(), id), secret_not_found);
  return found_or(view_of(ctx, std::move(raw)), secret_not_found);
}

void check_primary(const Doc& secret) {
  if (secret.flag("_Replica") || secret.has("ReplicaOf"))
    throw errors::invalid_request(
        "Operation not permitted on a replica secret. Call must be made in primary secret's region.");
}

std::string replica_arn(const std::string& arn, const std::string& from, const std::string& to) {
  std::string needle = ":secretsmanager:" + from + ":";
  size_t pos = arn.find(needle);
  if (pos == std::string::npos) return arn;
  return arn.substr(0, pos) + ":secretsmanager:" + to + ":" + arn.substr(pos + needle.size());
}

void check_live(const Doc& secret) {
  if (secret.has("DeletedDate")) throw marked_for_deletion();
}

Value input_value(const Doc& in, bool& present) {
  const Doc* str = in.get("SecretString");
  const Doc* bin = in.get("SecretBinary");
  if (str && bin)
    throw errors::invalid_parameter(
        "You can't specify both a binary secret value and a string secret value in the same secret.");
  present = str || bin;
  Value v;
  if (str) v.bytes = str->as_string();
  if (bin) {
    v.binary = true;
    v.bytes = bin->as_blob().bytes;
  }
  return v;
}

Doc value_member(const Value& v, Doc out) {
  if (v.binary)
    out.set("SecretBinary", Blob{v.bytes});
  else
    out.set("SecretString", v.bytes);
  return out;
}

Doc stages_of(const Doc& secret, const std::string& version) {
  const Doc* vs = secret.get("Versions");
  const Doc* ver = vs ? vs->get(version) : nullptr;
  const Doc* st = ver ? ver->get("Stages") : nullptr;
  return st ? *st : Doc::list();
}

static void set_time(Doc& out, const Doc& secret, const char* member) {
  if (secret.has(member)) out.set(member, Timestamp{secret.integer(member)});
}

Doc replication_status(const Doc& secret) {
  Doc list = Doc::list();
  if (const Doc* r = secret.get("Replicas"); r && r->is_list())
    for (const auto& rep : r->as_list()) {
      Doc e = Doc::map();
      e.set("Region", rep.str("Region"));
      if (!rep.str("KmsKeyId").empty()) e.set("KmsKeyId", rep.str("KmsKeyId"));
      e.set("Status", rep.str("Status", "InSync"));
      e.set("StatusMessage", rep.str("StatusMessage", "Replication succeeded"));
      list.push(std::move(e));
    }
  return list;
}

Doc describe(const Doc& secret, bool list) {
  Doc out = Doc::map();
  out.set("ARN", secret.str("ARN"));
  out.set("Name", secret.str("Name"));
  for (const char* m : {"Description", "KmsKeyId", "RotationLambdaARN", "Type", "OwningService"})
    if (!secret.str(m).empty()) out.set(m, secret.str(m));
  if (secret.has("RotationEnabled")) out.set("RotationEnabled", secret.flag("RotationEnabled"));
  if (const Doc* r = secret.get("RotationRules")) out.set("RotationRules", *r);
  for (const char* m : {"CreatedDate", "LastChangedDate", "LastAccessedDate", "LastRotatedDate", "DeletedDate"})
    set_time(out, secret, m);
  if (secret.flag("RotationEnabled") && secret.has("NextRotationDate"))
    out.set("NextRotationDate", Timestamp{secret.integer("NextRotationDate")});
  if (const Doc* t = secret.get("Tags")) out.set("Tags", *t);
  Doc stages = Doc::map();
  if (const Doc* vs = secret.get("Versions"); vs && vs->is_map())
    for (auto it = vs->as_map().begin(); it != vs->as_map().end(); ++it) {
      const Doc* st = it->second.get("Stages");
      if (st && st->size() > 0) stages.set(it->first, *st);
    }
  if (stages.size() > 0 || !list) out.set(list ? "SecretVersionsToStages" : "VersionIdsToStages", std::move(stages));
  if (secret.has("Replicas") && secret.get("Replicas")->size() > 0) {
    out.set("PrimaryRegion", secret.str("PrimaryRegion"));
    if (!list) out.set("ReplicationStatus", replication_status(secret));
  } else if (!secret.str("PrimaryRegion").empty()) {
    out.set("PrimaryRegion", secret.str("PrimaryRegion"));
  }
  return out;
}

}  // namespace stratus::secretsmanager
