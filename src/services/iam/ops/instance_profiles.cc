// Instance profiles: CreateInstanceProfile, GetInstanceProfile, DeleteInstanceProfile,
// ListInstanceProfiles, Add/RemoveRoleFromInstanceProfile, ListInstanceProfilesForRole and the
// profile's tags. A profile holds at most one role (AWS's InstanceSessionsPerInstanceProfile).
#include <algorithm>
#include <mutex>

#include "core/tags.h"
#include "services/iam/errors.h"
#include "services/iam/ops.h"
#include "services/iam/ops/common.h"

namespace stratus::iam {
namespace {

constexpr size_t kMaxTags = 50;

// Serialises instance profiles' read-modify-writes (the one-role rule is a check then a write).
std::mutex& profiles_mu() {
  static std::mutex mu;
  return mu;
}

Doc load_profile(Store& store, const std::string& name) {
  return load_or_no_such_entity(store, "instance-profile", name, "Instance Profile " + name + " cannot be found.");
}

// The wire shape: the record's members, CreateDate as a timestamp, Roles as full Role shapes.
Doc profile_out(Store& store, const Doc& rec) {
  Doc p = with_dates(rec, {"CreateDate"});
  p.as_map().erase("RoleName");
  Doc roles = Doc::list();
  if (std::string role = rec.str("RoleName"); !role.empty()) {
    if (auto r = store.load("role", role)) roles.push(role_out(*r));
  }
  p.set("Roles", std::move(roles));
  if (const Doc* t = rec.get("Tags"); !t || t->size() == 0) p.as_map().erase("Tags");
  return p;
}

// Tags merged by key (a new value replaces the old one), at most kMaxTags.
Doc merge_tags(const Doc* old, const Doc* add) {
  Doc out = old && old->is_list() ? *old : Doc::list();
  tags::merge_list(out, add);
  if (out.size() > kMaxTags)
    throw errors::limit_exceeded("The number of tags has reached the maximum limit of " + std::to_string(kMaxTags) +
                                 ".");
  return out;
}

}  // namespace

Doc create_instance_profile(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("InstanceProfileName");
  std::lock_guard lock(profiles_mu());
  Doc rec = new_path_entity(
      ctx, store, in, {"instance-profile", "InstanceProfileName", "InstanceProfileId", "AIPA", "instance-profile"},
      "Instance Profile " + name + " already exists.");
  if (const Doc* t = in.get("Tags"); t && t->size()) rec.set("Tags", merge_tags(nullptr, t));
  store.put("instance-profile", name, rec);
  return answer("InstanceProfile", profile_out(store, rec));
}

Doc get_instance_profile(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  return answer("InstanceProfile", profile_out(store, load_profile(store, in.str("InstanceProfileName"))));
}

Doc delete_instance_profile(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("InstanceProfileName");
  std::lock_guard lock(profiles_mu());
  Doc rec = load_profile(store, name);
  if (!rec.str("RoleName").empty())
    throw errors::delete_conflict("Cannot delete entity, must remove roles from instance profile first.");
  store.erase("instance-profile", name);
  return Doc::map();
}

Doc list_instance_profiles(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  return paginate(store.scan("instance-profile"), in, "InstanceProfiles", [&](const Doc& p) -> std::optional<Doc> {
    if (!path_matches(p, in)) return std::nullopt;
    return profile_out(store, p);
  });
}

Doc add_role_to_instance_profile(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("InstanceProfileName"), role = in.str("RoleName");
  std::lock_guard lock(profiles_mu());
  Doc rec = load_profile(store, name);
  load_role(store, role);
  if (!rec.str("RoleName").empty())
    throw errors::limit_exceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1");
  rec.set("RoleName", role);
  store.put("instance-profile", name, rec);
  return Doc::map();
}

Doc remove_role_from_instance_profile(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("InstanceProfileName"), role = in.str("RoleName");
  std::lock_guard lock(profiles_mu());
  Doc rec = load_profile(store, name);
  load_role(store, role);
  if (rec.str("RoleName") != role)
    throw errors::no_such_entity("The role with name " + role + " cannot be found in instance profile " + name + ".");
  rec.as_map().erase("RoleName");
  store.put("instance-profile", name, rec);
  return Doc::map();
}

Doc list_instance_profiles_for_role(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string role = in.str("RoleName");
  load_role(store, role);
  return paginate(store.scan("instance-profile"), in, "InstanceProfiles", [&](const Doc& p) -> std::optional<Doc> {
    if (p.str("RoleName") != role) return std::nullopt;
    return profile_out(store, p);
  });
}

Doc tag_instance_profile(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("InstanceProfileName");
  std::lock_guard lock(profiles_mu());
  Doc rec = load_profile(store, name);
  rec.set("Tags", merge_tags(rec.get("Tags"), in.get("Tags")));
  store.put("instance-profile", name, rec);
  return Doc::map();
}

Doc untag_instance_profile(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("InstanceProfileName");
  std::lock_guard lock(profiles_mu());
  Doc rec = load_profile(store, name);
  const Doc* tags = rec.get("Tags");
  Doc kept = tags && tags->is_list() ? *tags : Doc::list();
  tags::remove_from_list(kept, in.get("TagKeys"));
  rec.set("Tags", std::move(kept));
  store.put("instance-profile", name, rec);
  return Doc::map();
}

Doc list_instance_profile_tags(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  Doc rec = load_profile(store, in.str("InstanceProfileName"));
  std::vector<std::pair<std::string, Doc>> tags;
  if (const Doc* t = rec.get("Tags"); t && t->is_list())
    for (const auto& tag : t->as_list()) tags.emplace_back(tag.str("Key"), tag);
  std::sort(tags.begin(), tags.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return paginate(tags, in, "Tags", [](const Doc& t) -> std::optional<Doc> { return t; });
}

}  // namespace stratus::iam
