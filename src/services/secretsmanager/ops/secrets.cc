#include <algorithm>
#include <cctype>
#include <sstream>

#include "core/encoding.h"
#include "core/ids.h"
#include "core/paging.h"
#include "core/tags.h"
#include "services/secretsmanager/ops.h"

namespace stratus::secretsmanager {

namespace {

AwsError version_exists() {
  return errors::resource_exists("You can't modify an existing version, you can only create a new version.");
}

void check_kms_key_id(const Doc& in) {
  (void)in;  // the key is checked when the first value is encrypted (KMS answers for it)
}

void check_tags(const Doc& tags) {
  if (!tags.is_list()) return;
  for (const auto& t : tags.as_list()) {
    std::string k = t.str("Key");
    if (k.rfind("aws:", 0) == 0)
      throw errors::invalid_parameter("Invalid tag key. Tag keys can't start with the reserved prefix aws:.");
  }
}

void merge_tags(Doc& secret, const Doc& tags) {
  Doc& cur = secret["Tags"];
  Doc add = Doc::list();  // {Key, Value} with Value "" when absent, as stored before
  if (tags.is_list())
    for (const auto& t : tags.as_list()) {
      Doc e = Doc::map();
      e.set("Key", t.str("Key"));
      e.set("Value", t.str("Value"));
      add.push(std::move(e));
    }
  tags::merge_list(cur, &add);
  if (cur.size() > 50) throw errors::invalid_parameter("The number of tags exceeds the limit of 50 per secret.");
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool starts(const std::string& s, const std::string& p) {
  return s.rfind(p, 0) == 0;
}

// One filter value against a secret (without the ! negation).
bool matches(const Doc& secret, const std::string& key, const std::string& value) {
  const Doc* tags = secret.get("Tags");
  auto any_tag = [&](const char* member, bool ci) {
    if (tags && tags->is_list())
      for (const auto& t : tags->as_list())
        if (ci ? starts(lower(t.str(member)), lower(value)) : starts(t.str(member), value)) return true;
    return false;
  };
  if (key == "name") return starts(secret.str("Name"), value);
  if (key == "description") return starts(lower(secret.str("Description")), lower(value));
  if (key == "tag-key") return any_tag("Key", false);
  if (key == "tag-value") return any_tag("Value", false);
  if (key == "primary-region") return starts(secret.str("PrimaryRegion"), value);
  if (key == "owning-service") return starts(secret.str("OwningService"), value);
  // all: every word of the value, prefix of a word of any attribute, not case-sensitive.
  std::vector<std::string> attrs = {secret.str("Name"), secret.str("Description"), secret.str("PrimaryRegion"),
                                    secret.str("OwningService")};
  if (tags && tags->is_list())
    for (const auto& t : tags->as_list()) {
      attrs.push_back(t.str("Key"));
      attrs.push_back(t.str("Value"));
    }
  std::stringstream ws(value);
  for (std::string word; ws >> word;) {
    bool hit = false;
    for (const auto& a : attrs) {
      std::string la = lower(a);
      for (size_t pos = 0; !hit && pos < la.size(); ++pos) {
        bool word_start = pos == 0 || std::string_view("/_+=.@- ").find(la[pos - 1]) != std::string_view::npos;
        if (word_start && la.compare(pos, word.size(), lower(word)) == 0) hit = true;
      }
    }
    if (!hit) return false;
  }
  return true;
}

}  // namespace

// A new version with `stages` (or AWSCURRENT) holding v.
void add_version(OpContext& ctx, SecretStore& store, storage::WriteBatch& batch, Doc& secret,
                 const std::string& version, const Value& v, const std::vector<std::string>& stages, int64_t now) {
  Doc ver = Doc::map();
  ver.set("Created", now);
  ver.set("Stages", Doc::list());
  secret["Versions"].set(version, std::move(ver));
  store.put_value(batch, ctx.account(), ctx.region(), secret, version, v);
  for (const auto& s : stages) move_stage(secret, s, version);
  for (const auto& dropped : prune_versions(secret, now))
    batch.del(SecretStore::kValues, SecretStore::value_key(ctx.account(), ctx.region(), secret.str("Name"), dropped));
  secret.set("LastChangedDate", now);
}

bool filters_match(const Doc& secret, const Doc* filters) {
  if (!filters || !filters->is_list()) return true;
  for (const auto& f : filters->as_list()) {
    std::string key = f.str("Key");
    const Doc* values = f.get("Values");
    if (!values || !values->is_list() || values->size() == 0) {
      if (key == "all") continue;
      throw errors::invalid_parameter("Invalid filter values for key: " + key);
    }
    bool any_positive = false, pos_hit = false, neg_fail = false;
    for (const auto& v : values->as_list()) {
      std::string s = v.as_string();
      if (!s.empty() && s[0] == '!') {
        if (matches(secret, key, s.substr(1))) neg_fail = true;
      } else {
        any_positive = true;
        if (matches(secret, key, s)) pos_hit = true;
      }
    }
    if (neg_fail || (any_positive && !pos_hit)) return false;
  }
  return true;
}

Doc create_secret(OpContext& ctx, const Doc& in) {
  std::string name = in.str("Name");
  if (!valid_name(name))
    throw errors::invalid_parameter(
        "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!");
  bool has_value = false;
  Value v = input_value(in, has_value);
  std::string token = in.str("ClientRequestToken");
  if (token.empty()) token = ids::uuid4();
  if (const Doc* t = in.get("Tags")) check_tags(*t);
  check_kms_key_id(in);
  auto& st = state(ctx);
  std::lock_guard lock(SecretStore::mu());
  SecretStore store = st.store();
  if (auto existing = store.load(ctx.account(), ctx.region(), name)) {
    if (existing->has("DeletedDate"))
      throw errors::invalid_request(
          "You can't create this secret because a secret with this name is already scheduled for deletion.");
    // A retry with the same token and the same value answers as the first call did.
    if (has_value && existing->get("Versions") && existing->get("Versions")->has(token)) {
      auto old = store.get_value(ctx.account(), ctx.region(), *existing, token);
      if (old && *old == v) {
        Doc out = Doc::map();
        out.set("ARN", existing->str("ARN"));
        out.set("Name", name);
        out.set("VersionId", token);
        return out;
      }
      throw version_exists();
    }
    throw errors::resource_exists("The operation failed because the secret " + name + " already exists.");
  }
  int64_t now = st.now();
  Doc secret = Doc::map();
  secret.set("v", 1);
  secret.set("ARN", make_arn(ctx.account(), ctx.region(), name));
  secret.set("Name", name);
  if (in.has("Description")) secret.set("Description", in.str("Description"));
  if (!in.str("KmsKeyId").empty()) secret.set("KmsKeyId", in.str("KmsKeyId"));
  if (in.has("Type")) secret.set("Type", in.str("Type"));
  secret.set("CreatedDate", now);
  secret.set("LastChangedDate", now);
  secret.set("Versions", Doc::map());
  if (const Doc* t = in.get("Tags")) merge_tags(secret, *t);
  storage::WriteBatch batch;
  if (has_value) add_version(ctx, store, batch, secret, token, v, {std::string(kCurrent)}, now);
  if (const Doc* regions = in.get("AddReplicaRegions")) {
    secret.set("PrimaryRegion", ctx.region());
    secret.set("Replicas", Doc::list());
    for (const auto& r : regions->as_list())
      if (r.str("Region") == ctx.region()) throw errors::invalid_parameter("Invalid replica region.");
    for (const auto& r : regions->as_list())
      add_replica(ctx, store, batch, secret, r, in.flag("ForceOverwriteReplicaSecret"));
  }
  store.save(batch, ctx.account(), ctx.region(), secret);
  Doc out = Doc::map();
  out.set("ARN", secret.str("ARN"));
  out.set("Name", name);
  if (has_value) out.set("VersionId", token);
  if (secret.has("Replicas")) out.set("ReplicationStatus", replication_status(secret));
  Trail trail(ctx, in);
  trail.add(batch, out);
  store.commit(batch);
  trail.published();
  return out;
}

Doc describe_secret(OpContext& ctx, const Doc& in) {
  return describe(resolve(ctx, in.str("SecretId"), true), false);
}

Doc list_secrets(OpContext& ctx, const Doc& in) {
  const Doc* filters = in.get("Filters");
  bool planned = in.flag("IncludePlannedDeletion");
  int64_t max = in.integer("MaxResults", 100);
  std::string sort_by = in.str("SortBy", "created-date");
  bool desc = in.str("SortOrder", "asc") == "desc";
  std::vector<Doc> secrets;
  for (auto& raw : state(ctx).store().all(ctx.account(), ctx.region())) {
    auto v = view_of(ctx, std::move(raw));
    if (!v) continue;
    Doc& s = *v;
    if (s.has("DeletedDate") && !planned) continue;
    if (!filters_match(s, filters)) continue;
    secrets.push_back(std::move(s));
  }
  auto key_of = [&](const Doc& s) -> std::pair<int64_t, std::string> {
    if (sort_by == "name") return {0, s.str("Name")};
    const char* m = sort_by == "last-accessed-date"  ? "LastAccessedDate"
                    : sort_by == "last-changed-date" ? "LastChangedDate"
                                                     : "CreatedDate";
    return {s.integer(m), s.str("Name")};
  };
  std::stable_sort(secrets.begin(), secrets.end(),
                   [&](const Doc& a, const Doc& b) { return desc ? key_of(b) < key_of(a) : key_of(a) < key_of(b); });
  return paging::slice(page_start(in), secrets.size(), max, [&](size_t i) { return describe(secrets[i], true); })
      .answer("SecretList", "NextToken");
}

Doc update_secret(OpContext& ctx, const Doc& in) {
  bool has_value = false;
  Value v = input_value(in, has_value);
  std::string token = in.str("ClientRequestToken");
  if (token.empty()) token = ids::uuid4();
  auto& st = state(ctx);
  return update(ctx, in, [&](Doc& secret, storage::WriteBatch& batch, SecretStore& store) {
    int64_t now = st.now();
    if (in.has("Description")) secret.set("Description", in.str("Description"));
    if (in.has("KmsKeyId")) {
      if (in.str("KmsKeyId").empty())
        secret.as_map().erase("KmsKeyId");
      else
        secret.set("KmsKeyId", in.str("KmsKeyId"));
    }
    if (in.has("Type")) secret.set("Type", in.str("Type"));
    Doc out = Doc::map();
    if (has_value) {
      if (const Doc* vs = secret.get("Versions"); vs && vs->has(token)) {
        auto old = store.get_value(ctx.account(), ctx.region(), secret, token);
        if (old && *old == v) {
          out.set("ARN", secret.str("ARN"));
          out.set("Name", secret.str("Name"));
          out.set("VersionId", token);
          return out;
        }
        throw version_exists();
      }
      add_version(ctx, store, batch, secret, token, v, {std::string(kCurrent)}, now);
      out.set("VersionId", token);
    }
    secret.set("LastChangedDate", now);
    out.set("ARN", secret.str("ARN"));
    out.set("Name", secret.str("Name"));
    return out;
  });
}

Doc delete_secret(OpContext& ctx, const Doc& in) {
  bool force = in.flag("ForceDeleteWithoutRecovery");
  bool has_window = in.has("RecoveryWindowInDays");
  int64_t days = in.integer("RecoveryWindowInDays", 30);
  if (force && has_window)
    throw errors::invalid_parameter(
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
  if (days < 7 || days > 30)
    throw errors::invalid_parameter("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
  auto& st = state(ctx);
  std::lock_guard lock(SecretStore::mu());
  SecretStore store = st.store();
  auto secret = store.find(ctx.account(), ctx.region(), in.str("SecretId"));
  int64_t now = st.now();
  Doc out = Doc::map();
  if (!secret) {
    if (!force) throw secret_not_found();
    // Force-deleting a secret that doesn't exist is not an error.
    std::string id = in.str("SecretId");
    out.set("ARN", id.rfind("arn:", 0) == 0 ? id : make_arn(ctx.account(), ctx.region(), id));
    out.set("Name", id.rfind("arn:", 0) == 0 ? id.substr(id.rfind(':') + 1) : id);
    out.set("DeletionDate", Timestamp{now});
    return out;
  }
  check_primary(*secret);
  if (const Doc* r = secret->get("Replicas"); r && r->size() > 0)
    throw errors::invalid_request("You can't delete secret " + secret->str("Name") +
                                  " that still has replica regions. Remove the replica regions first.");
  out.set("ARN", secret->str("ARN"));
  out.set("Name", secret->str("Name"));
  Trail trail(ctx, in);
  if (force) {
    out.set("DeletionDate", Timestamp{now});
    store.erase(ctx.account(), ctx.region(), secret->str("Name"), [&](storage::WriteBatch& b) { trail.add(b, out); });
    trail.published();
    return out;
  }
  if (secret->has("DeletedDate")) throw marked_for_deletion();
  int64_t when = now + days * 24 * 3600 * 1000;
  secret->set("DeletedDate", when);
  storage::WriteBatch batch;
  store.save(batch, ctx.account(), ctx.region(), *secret);
  out.set("DeletionDate", Timestamp{when});
  trail.add(batch, out);
  store.commit(batch);
  trail.published();
  return out;
}

Doc restore_secret(OpContext& ctx, const Doc& in) {
  auto& st = state(ctx);
  std::lock_guard lock(SecretStore::mu());
  SecretStore store = st.store();
  auto secret = store.find(ctx.account(), ctx.region(), in.str("SecretId"));
  if (!secret) throw secret_not_found();
  check_primary(*secret);
  storage::WriteBatch batch;
  if (secret->has("DeletedDate")) {
    secret->as_map().erase("DeletedDate");
    store.save(batch, ctx.account(), ctx.region(), *secret);
  }
  Doc out = Doc::map();
  out.set("ARN", secret->str("ARN"));
  out.set("Name", secret->str("Name"));
  Trail trail(ctx, in);
  trail.add(batch, out);
  if (!batch.empty()) store.commit(batch);
  trail.published();
  return out;
}

Doc tag_resource(OpContext& ctx, const Doc& in) {
  check_tags(*in.get("Tags"));
  return update(ctx, in, [&](Doc& secret, storage::WriteBatch&, SecretStore&) {
    merge_tags(secret, *in.get("Tags"));
    return Doc::map();
  });
}

Doc untag_resource(OpContext& ctx, const Doc& in) {
  return update(ctx, in, [&](Doc& secret, storage::WriteBatch&, SecretStore&) {
    if (Doc* cur = secret.get("Tags")) tags::remove_from_list(*cur, in.get("TagKeys"));
    return Doc::map();
  });
}

}  // namespace stratus::secretsmanager
