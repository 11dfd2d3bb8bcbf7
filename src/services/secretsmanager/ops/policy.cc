#include "core/json.h"
#include "core/lookup.h"
#include "services/secretsmanager/ops.h"

namespace stratus::secretsmanager {

Doc get_resource_policy(OpContext& ctx, const Doc& in) {
  Doc secret = resolve(ctx, in.str("SecretId"), true);
  Doc out = Doc::map();
  out.set("ARN", secret.str("ARN"));
  out.set("Name", secret.str("Name"));
  if (!secret.str("Policy").empty()) out.set("ResourcePolicy", secret.str("Policy"));
  return out;
}

Doc put_resource_policy(OpContext& ctx, const Doc& in) {
  std::string text = in.str("ResourcePolicy");
  bool broad = policy_is_public(text);
  if (in.flag("BlockPublicPolicy") && broad)
    throw errors::public_policy(
        "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the "
        "secret.");
  return update(ctx, in, [&](Doc& secret, storage::WriteBatch&, SecretStore&) {
    secret.set("Policy", text);
    Doc out = Doc::map();
    out.set("ARN", secret.str("ARN"));
    out.set("Name", secret.str("Name"));
    return out;
  });
}

Doc delete_resource_policy(OpContext& ctx, const Doc& in) {
  return update(ctx, in, [&](Doc& secret, storage::WriteBatch&, SecretStore&) {
    secret.as_map().erase("Policy");
    Doc out = Doc::map();
    out.set("ARN", secret.str("ARN"));
    out.set("Name", secret.str("Name"));
    return out;
  });
}

Doc validate_resource_policy(OpContext& ctx, const Doc& in) {
  if (in.has("SecretId")) resolve(ctx, in.str("SecretId"));
  bool broad = policy_is_public(in.str("ResourcePolicy"));
  Doc out = Doc::map();
  Doc errs = Doc::list();
  if (broad) {
    Doc e = Doc::map();
    e.set("CheckName", "BROAD_ACCESS");
    e.set("ErrorMessage", "The resource policy grants broad access to the secret.");
    errs.push(std::move(e));
  }
  out.set("PolicyValidationPassed", errs.size() == 0);
  out.set("ValidationErrors", std::move(errs));
  return out;
}

void add_replica(OpContext& ctx, SecretStore& store, storage::WriteBatch& batch, Doc& secret, const Doc& entry,
                 bool force) {
  std::string region = entry.str("Region");
  Doc& reps = secret["Replicas"];
  if (!reps.is_list()) reps = Doc::list();
  Doc* existing_entry = nullptr;
  for (auto& e : reps.as_list())
    if (e.str("Region") == region) existing_entry = &e;
  if (existing_entry && !force) return;
  Doc e = Doc::map();
  e.set("Region", region);
  if (!entry.str("KmsKeyId").empty()) e.set("KmsKeyId", entry.str("KmsKeyId"));
  const std::string name = secret.str("Name");
  auto there = store.load(ctx.account(), region, name);
  if (there && there->str("ReplicaOf") != ctx.region() && !force) {
    e.set("Status", "Failed");
    e.set("StatusMessage", "Replication failed: Secret name already exists in Region: " + region + ".");
  } else {
    if (there && there->str("ReplicaOf") != ctx.region()) store.erase(ctx.account(), region, name);
    Doc rep = Doc::map();
    rep.set("v", 1);
    rep.set("Name", name);
    rep.set("ARN", replica_arn(secret.str("ARN"), ctx.region(), region));
    rep.set("ReplicaOf", ctx.region());
    rep.set("CreatedDate", state(ctx).now());
    store.save(batch, ctx.account(), region, rep);
    e.set("Status", "InSync");
    e.set("StatusMessage", "Replication succeeded");
  }
  if (existing_entry)
    *existing_entry = std::move(e);
  else
    reps.push(std::move(e));
}

Doc replicate_secret_to_regions(OpContext& ctx, const Doc& in) {
  return update(ctx, in, [&](Doc& secret, storage::WriteBatch& batch, SecretStore& store) {
    for (const auto& r : in.get("AddReplicaRegions")->as_list())
      if (r.str("Region") == ctx.region()) throw errors::invalid_parameter("Invalid replica region.");
    for (const auto& r : in.get("AddReplicaRegions")->as_list())
      add_replica(ctx, store, batch, secret, r, in.flag("ForceOverwriteReplicaSecret"));
    secret.set("PrimaryRegion", ctx.region());
    Doc out = Doc::map();
    out.set("ARN", secret.str("ARN"));
    out.set("ReplicationStatus", replication_status(secret));
    return out;
  });
}

Doc remove_regions_from_replication(OpContext& ctx, const Doc& in) {
  return update(ctx, in, [&](Doc& secret, storage::WriteBatch& batch, SecretStore&) {
    Doc* reps = secret.get("Replicas");
    for (const auto& r : in.get("RemoveReplicaRegions")->as_list()) {
      bool found = false;
      if (reps && reps->is_list()) {
        auto& l = reps->as_list();
        for (auto it = l.begin(); it != l.end();)
          if (it->str("Region") == r.as_string()) {
            if (it->str("Status") != "Failed")
              batch.del(SecretStore::kSecrets,
                        SecretStore::secret_key(ctx.account(), r.as_string(), secret.str("Name")));
            it = l.erase(it);
            found = true;
          } else {
            ++it;
          }
      }
      if (!found) throw errors::invalid_parameter("The secret isn't replicated to the Region " + r.as_string() + ".");
    }
    Doc out = Doc::map();
    out.set("ARN", secret.str("ARN"));
    out.set("ReplicationStatus", replication_status(secret));
    return out;
  });
}

Doc stop_replication_to_replica(OpContext& ctx, const Doc& in) {
  auto& st = state(ctx);
  std::lock_guard lock(SecretStore::mu());
  SecretStore store = st.store();
  auto raw = found_or(store.find(ctx.account(), ctx.region(), in.str("SecretId")), secret_not_found);
  std::string primary_region = raw.str("ReplicaOf");
  if (primary_region.empty())
    throw errors::invalid_request("The secret isn't a replica secret. You can only promote a replica secret.");
  const std::string name = raw.str("Name");
  auto primary = found_or(store.load(ctx.account(), primary_region, name), secret_not_found);
  // The replica becomes a primary of its own: the primary's versions, values re-encrypted here.
  Doc own = primary;
  own.set("ARN", raw.str("ARN"));
  own.as_map().erase("Replicas");
  own.as_map().erase("PrimaryRegion");
  own.as_map().erase("Rotation");
  own.as_map().erase("KmsKeyId");
  Doc* reps = primary.get("Replicas");
  if (reps && reps->is_list()) {
    auto& l = reps->as_list();
    for (auto it = l.begin(); it != l.end();)
      if (it->str("Region") == ctx.region()) {
        if (!it->str("KmsKeyId").empty()) own.set("KmsKeyId", it->str("KmsKeyId"));
        it = l.erase(it);
      } else {
        ++it;
      }
  }
  storage::WriteBatch batch;
  Doc view = primary;
  view.set("_PrimaryRegion", primary_region);
  if (Doc* vs = own.get("Versions"); vs && vs->is_map())
    for (auto it = vs->as_map().begin(); it != vs->as_map().end(); ++it) {
      if (!it->second.flag("HasValue")) continue;
      auto v = store.get_value(ctx.account(), ctx.region(), view, it->first);
      if (v) store.put_value(batch, ctx.account(), ctx.region(), own, it->first, *v);
    }
  store.save(batch, ctx.account(), ctx.region(), own);
  store.save(batch, ctx.account(), primary_region, primary);
  Doc out = Doc::map();
  out.set("ARN", own.str("ARN"));
  Trail trail(ctx, in);
  trail.add(batch, out);
  store.commit(batch);
  trail.published();
  return out;
}

}  // namespace stratus::secretsmanager
