#include <algorithm>

#include <tuple>

#include "core/arn.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "services/secretsmanager/ops.h"
#include "services/secretsmanager/password.h"

namespace stratus::secretsmanager {

namespace {

constexpr int64_t kDay = 24 * 3600 * 1000LL;

// The version GetSecretValue names: VersionId and/or VersionStage (default AWSCURRENT).
std::string pick_version(const Doc& secret, const Doc& in) {
  std::string id = in.str("VersionId");
  std::string stage = in.str("VersionStage");
  const Doc* vs = secret.get("Versions");
  if (!id.empty()) {
    if (!vs || !vs->has(id))
      throw errors::resource_not_found("Secrets Manager can't find the specified secret value for VersionId: " + id);
    if (!stage.empty()) {
      bool ok = false;
      Doc stages = stages_of(secret, id);
      for (const auto& s : stages.as_list()) ok = ok || s.as_string() == stage;
      if (!ok)
        throw errors::invalid_request("You provided a VersionStage that is not associated to the provided VersionId.");
    }
    return id;
  }
  if (stage.empty()) stage = kCurrent;
  std::string v = version_with(secret, stage);
  if (v.empty())
    throw errors::resource_not_found("Secrets Manager can't find the specified secret value for staging label: " +
                                     stage);
  return v;
}

// AWS keeps the last access as a date (midnight UTC); storing it once per day keeps reads
// read-only.
void touch(OpContext& ctx, const Doc& secret, const std::string& version) {
  if (secret.flag("_Replica")) return;
  auto& st = state(ctx);
  int64_t today = st.now() / kDay * kDay;
  const Doc* ver = secret.get("Versions") ? secret.get("Versions")->get(version) : nullptr;
  if (secret.integer("LastAccessedDate") == today && ver && ver->integer("LastAccessed") == today) return;
  std::lock_guard lock(SecretStore::mu());
  SecretStore store = st.store();
  auto cur = store.load(ctx.account(), ctx.region(), secret.str("Name"));
  if (!cur || cur->str("ARN") != secret.str("ARN")) return;
  cur->set("LastAccessedDate", today);
  if (Doc* v = (*cur)["Versions"].get(version)) v->set("LastAccessed", today);
  storage::WriteBatch batch;
  store.save(batch, ctx.account(), ctx.region(), *cur);
  store.commit(batch);
}

Doc value_doc(OpContext& ctx, const Doc& secret, const Doc& in) {
  check_live(secret);
  std::string version = pick_version(secret, in);
  std::string owner = owner_account(secret);
  auto v = state(ctx).store().get_value(owner.empty() ? ctx.account() : owner, ctx.region(), secret, version);
  if (!v) {
    if (!in.str("VersionId").empty())
      throw errors::resource_not_found("Secrets Manager can't find the specified secret value for VersionId: " +
                                       version);
    throw errors::resource_not_found("Secrets Manager can't find the specified secret value for staging label: " +
                                     in.str("VersionStage", kCurrent));
  }
  Doc out = Doc::map();
  out.set("ARN", secret.str("ARN"));
  out.set("Name", secret.str("Name"));
  out.set("VersionId", version);
  out = value_member(*v, std::move(out));
  out.set("VersionStages", stages_of(secret, version));
  out.set("CreatedDate", Timestamp{(*secret.get("Versions")->get(version)).integer("Created")});
  touch(ctx, secret, version);
  return out;
}

}  // namespace

Doc get_secret_value(OpContext& ctx, const Doc& in) {
  return value_doc(ctx, resolve(ctx, in.str("SecretId"), true), in);
}

Doc put_secret_value(OpContext& ctx, const Doc& in) {
  bool has_value = false;
  Value v = input_value(in, has_value);
  if (!has_value) throw errors::invalid_request("You must provide either SecretString or SecretBinary.");
  std::string token = in.str("ClientRequestToken");
  if (token.empty()) token = ids::uuid4();
  std::vector<std::string> stages;
  if (const Doc* s = in.get("VersionStages"))
    for (const auto& x : s->as_list()) stages.push_back(x.as_string());
  else
    stages.push_back(std::string(kCurrent));
  auto& st = state(ctx);
  return update(ctx, in, [&](Doc& secret, storage::WriteBatch& batch, SecretStore& store) {
    int64_t now = st.now();
    Doc out = Doc::map();
    out.set("ARN", secret.str("ARN"));
    out.set("Name", secret.str("Name"));
    out.set("VersionId", token);
    Doc* ver = secret["Versions"].get(token);
    if (ver && ver->flag("HasValue")) {
      auto old = store.get_value(ctx.account(), ctx.region(), secret, token);
      if (!old || !(*old == v))
        throw errors::resource_exists("You can't modify an existing version, you can only create a new version.");
      out.set("VersionStages", stages_of(secret, token));
      return out;
    }
    if (ver) {
      // The empty version a rotation created (AWSPENDING): the rotation function fills it.
      store.put_value(batch, ctx.account(), ctx.region(), secret, token, v);
      for (const auto& s : stages) move_stage(secret, s, token);
      secret.set("LastChangedDate", now);
    } else {
      add_version(ctx, store, batch, secret, token, v, stages, now);
    }
    out.set("VersionStages", stages_of(secret, token));
    return out;
  });
}

Doc batch_get_secret_value(OpContext& ctx, const Doc& in) {
  const Doc* ids = in.get("SecretIdList");
  const Doc* filters = in.get("Filters");
  if (ids && filters)
    throw errors::invalid_parameter("Either 'SecretIdList' or 'Filters' must be provided, but not both.");
  if (!ids && !filters) throw errors::invalid_parameter("Either 'SecretIdList' or 'Filters' must be provided.");
  if (ids && in.has("MaxResults"))
    throw errors::invalid_parameter("'MaxResults' is only valid when 'Filters' are provided.");
  Doc values = Doc::list(), errs = Doc::list();
  Doc out = Doc::map();
  auto one = [&](const Doc& secret, const std::string& id) {
    try {
      authorize(ctx, secret, "GetSecretValue");
      Doc v = value_doc(ctx, secret, Doc::map());
      values.push(std::move(v));
    } catch (const AwsError& e) {
      Doc err = Doc::map();
      err.set("SecretId", id);
      err.set("ErrorCode", e.code);
      err.set("Message", e.message);
      errs.push(std::move(err));
    }
  };
  if (ids) {
    for (const auto& id : ids->as_list()) {
      std::string account = ctx.account();
      if (auto arn = Arn::parse(id.as_string()); arn && arn->account.size() == 12) account = arn->account;
      auto raw = state(ctx).store().find(account, ctx.region(), id.as_string());
      auto s = raw ? view_of(ctx, std::move(*raw)) : std::nullopt;
      if (!s) {
        Doc err = Doc::map();
        err.set("SecretId", id.as_string());
        err.set("ErrorCode", "ResourceNotFoundException");
        err.set("Message", "Secrets Manager can't find the specified secret.");
        errs.push(std::move(err));
        continue;
      }
      one(*s, id.as_string());
    }
  } else {
    int64_t max = in.integer("MaxResults", 20);
    std::vector<Doc> all;
    for (auto& raw : state(ctx).store().all(ctx.account(), ctx.region()))
      if (auto s = view_of(ctx, std::move(raw)); s && !s->has("DeletedDate") && filters_match(*s, filters))
        all.push_back(std::move(*s));
    size_t start = page_start(in);
    size_t i = start;
    for (; i < all.size() && static_cast<int64_t>(i - start) < max; ++i) one(all[i], all[i].str("ARN"));
    if (i < all.size()) out.set("NextToken", page_token(i));
  }
  out.set("SecretValues", std::move(values));
  out.set("Errors", std::move(errs));
  return out;
}

Doc update_secret_version_stage(OpContext& ctx, const Doc& in) {
  std::string stage = in.str("VersionStage");
  std::string move_to = in.str("MoveToVersionId");
  std::string remove_from = in.str("RemoveFromVersionId");
  auto& st = state(ctx);
  return update(ctx, in, [&](Doc& secret, storage::WriteBatch&, SecretStore&) {
    const Doc* vs = secret.get("Versions");
    for (const std::string* v : {&move_to, &remove_from})
      if (!v->empty() && (!vs || !vs->has(*v)))
        throw errors::invalid_parameter("The version " + *v + " doesn't exist for the secret " + secret.str("Name") +
                                        ".");
    std::string holder = version_with(secret, stage);
    if (!move_to.empty()) {
      if (!holder.empty() && holder != move_to && holder != remove_from)
        throw errors::invalid_parameter("The parameter RemoveFromVersionId can't be empty. Staging label " + stage +
                                        " is currently attached to version " + holder +
                                        ", so you must explicitly reference that version in RemoveFromVersionId.");
      if (holder == move_to) return Doc::map();
      move_stage(secret, stage, move_to);
    } else if (!remove_from.empty()) {
      if (holder != remove_from)
        throw errors::invalid_parameter("The staging label " + stage + " is not attached to version " + remove_from +
                                        ".");
      remove_stage(secret, stage, remove_from);
    } else {
      throw errors::invalid_parameter("You must specify MoveToVersionId or RemoveFromVersionId.");
    }
    int labels = 0;
    if (const Doc* vv = secret.get("Versions"))
      for (auto it = vv->as_map().begin(); it != vv->as_map().end(); ++it)
        labels += static_cast<int>(stages_of(secret, it->first).size());
    if (labels > 20)
      throw errors::limit_exceeded("You have exceeded the maximum number of staging labels (20) for this secret.");
    secret.set("LastChangedDate", st.now());
    Doc out = Doc::map();
    out.set("ARN", secret.str("ARN"));
    out.set("Name", secret.str("Name"));
    return out;
  });
}

Doc list_secret_version_ids(OpContext& ctx, const Doc& in) {
  Doc secret = resolve(ctx, in.str("SecretId"), true);
  bool deprecated = in.flag("IncludeDeprecated");
  int64_t max = in.integer("MaxResults", 100);
  std::vector<std::pair<int64_t, std::string>> versions;
  if (const Doc* vs = secret.get("Versions"); vs && vs->is_map())
    for (auto it = vs->as_map().begin(); it != vs->as_map().end(); ++it) {
      if (!deprecated && stages_of(secret, it->first).size() == 0) continue;
      versions.emplace_back(-it->second.integer("Created"), it->first);
    }
  std::sort(versions.begin(), versions.end());
  size_t start = page_start(in);
  Doc list = Doc::list();
  size_t i = start;
  for (; i < versions.size() && static_cast<int64_t>(i - start) < max; ++i) {
    const Doc& ver = *secret.get("Versions")->get(versions[i].second);
    Doc e = Doc::map();
    e.set("VersionId", versions[i].second);
    Doc stages = stages_of(secret, versions[i].second);
    if (stages.size() > 0) e.set("VersionStages", std::move(stages));
    e.set("CreatedDate", Timestamp{ver.integer("Created")});
    if (ver.has("LastAccessed")) e.set("LastAccessedDate", Timestamp{ver.integer("LastAccessed")});
    Doc keys = Doc::list();
    if (ver.flag("HasValue")) keys.push(ver.str("KmsKeyArn").empty() ? "DefaultEncryptionKey" : ver.str("KmsKeyArn"));
    e.set("KmsKeyIds", std::move(keys));
    list.push(std::move(e));
  }
  Doc out = Doc::map();
  out.set("Versions", std::move(list));
  if (i < versions.size()) out.set("NextToken", page_token(i));
  out.set("ARN", secret.str("ARN"));
  out.set("Name", secret.str("Name"));
  return out;
}

Doc get_random_password(OpContext&, const Doc& in) {
  // The input's flags, each with its default.
  static constexpr std::tuple<const char*, bool PasswordOptions::*, bool> kFlags[] = {
      {"ExcludeNumbers", &PasswordOptions::exclude_numbers, false},
      {"ExcludeUppercase", &PasswordOptions::exclude_uppercase, false},
      {"ExcludeLowercase", &PasswordOptions::exclude_lowercase, false},
      {"ExcludePunctuation", &PasswordOptions::exclude_punctuation, false},
      {"IncludeSpace", &PasswordOptions::include_space, false},
      {"RequireEachIncludedType", &PasswordOptions::require_each, true}};
  PasswordOptions o;
  o.length = in.integer("PasswordLength", 32);
  o.exclude_characters = in.str("ExcludeCharacters");
  for (const auto& [name, member, dflt] : kFlags) o.*member = in.flag(name, dflt);
  Doc out = Doc::map();
  out.set("RandomPassword", random_password(o));
  return out;
}

}  // namespace stratus::secretsmanager
