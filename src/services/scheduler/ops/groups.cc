// Schedule groups (CreateScheduleGroup, GetScheduleGroup, DeleteScheduleGroup,
// ListScheduleGroups) and their tags (TagResource, UntagResource, ListTagsForResource: AWS tags
// schedule groups only).
#include "core/json.h"
#include "core/paging.h"
#include "core/tags.h"
#include "services/scheduler/ops.h"
#include "services/scheduler/schema.h"

namespace stratus::scheduler {

namespace {

Doc group_out(const Doc& g) {
  Doc out = render(g);
  out.as_map().erase("ClientToken");
  return out;
}

// The group a schedule-group ARN names, in the caller's account and region.
std::string group_of_arn(OpContext& ctx, const std::string& arn) {
  const std::string prefix = group_arn(ctx.account(), ctx.region(), "");
  if (arn.rfind(prefix, 0) != 0 || arn.size() == prefix.size())
    throw errors::resource_not_found("Schedule group " + arn + " does not exist.");
  return arn.substr(prefix.size());
}

Doc load_group(OpContext& ctx, std::string_view name) {
  Store& st = store_of(ctx);
  st.ensure_default(ctx.account(), ctx.region(), ctx.now_ms);
  auto g = st.group(ctx.account(), ctx.region(), name);
  if (!g) throw group_not_found(name);
  return *g;
}

void put_group(OpContext& ctx, const Doc& g) {
  storage::WriteBatch b;
  b.put(schema::kGroups.name, Store::group_key(ctx.account(), ctx.region(), g.str("Name")), json::write(g));
  store_of(ctx).write(b);
}

}  // namespace

Doc create_schedule_group(OpContext& ctx, const Doc& in) {
  Store& st = store_of(ctx);
  const std::string name = in.str("Name");
  std::lock_guard lk(st.mu());
  st.ensure_default(ctx.account(), ctx.region(), ctx.now_ms);
  if (auto old = st.group(ctx.account(), ctx.region(), name)) {
    if (in.has("ClientToken") && old->str("ClientToken") == in.str("ClientToken"))
      return answer("ScheduleGroupArn", old->str("Arn"));
    throw errors::conflict("Schedule group " + name + " already exists.");
  }
  Doc g = Doc::map();
  g.set("Name", name);
  g.set("Arn", group_arn(ctx.account(), ctx.region(), name));
  g.set("State", "ACTIVE");
  g.set("CreationDate", ctx.now_ms);
  g.set("LastModificationDate", ctx.now_ms);
  Doc tags = Doc::list();
  tags::merge_list(tags, in.get("Tags"));
  g.set("Tags", std::move(tags));
  if (const Doc* t = in.get("ClientToken")) g.set("ClientToken", *t);
  put_group(ctx, g);
  return answer("ScheduleGroupArn", g.str("Arn"));
}

Doc get_schedule_group(OpContext& ctx, const Doc& in) {
  Store& st = store_of(ctx);
  std::lock_guard lk(st.mu());
  return group_out(load_group(ctx, in.str("Name")));
}

Doc delete_schedule_group(OpContext& ctx, const Doc& in) {
  Store& st = store_of(ctx);
  const std::string name = in.str("Name");
  std::lock_guard lk(st.mu());
  load_group(ctx, name);
  if (name == kDefaultGroup) throw errors::validation("The default schedule group cannot be deleted.");
  // AWS deletes the group's schedules with it (the group is DELETING meanwhile); here at once.
  storage::WriteBatch b;
  Id base{ctx.account(), ctx.region(), name, ""};
  for (const Doc& rec : st.schedules(ctx.account(), ctx.region(), name)) {
    Id id = base;
    id.name = rec.str("Name");
    Store::stage_delete(b, id, rec);
  }
  b.del(schema::kGroups.name, Store::group_key(ctx.account(), ctx.region(), name));
  st.write(b);
  return Doc::map();
}

Doc list_schedule_groups(OpContext& ctx, const Doc& in) {
  Store& st = store_of(ctx);
  const std::string prefix = in.str("NamePrefix");
  std::vector<std::pair<std::string, Doc>> items;
  for (Doc& g : st.groups(ctx.account(), ctx.region(), ctx.now_ms)) {
    if (!prefix.empty() && g.str("Name").rfind(prefix, 0) != 0) continue;
    std::string key = g.str("Name");
    items.emplace_back(std::move(key), std::move(g));
  }
  paging::Style style{"NextToken", "MaxResults", 100, "NextToken", nullptr};
  return paging::paginate(items, in, "ScheduleGroups", style, [](const Doc& g) -> std::optional<Doc> {
    Doc out = group_out(g);
    return out;
  });
}

namespace {
// Tag/UntagResource: `change` edits the schedule group's tag list, which is saved.
template <class Change>
Doc edit_tags(OpContext& ctx, const Doc& in, Change&& change) {
  Store& st = store_of(ctx);
  std::lock_guard lk(st.mu());
  Doc g = load_group(ctx, group_of_arn(ctx, in.str("ResourceArn")));
  Doc tags = g.has("Tags") ? *g.get("Tags") : Doc::list();
  change(tags);
  g.set("Tags", std::move(tags));
  put_group(ctx, g);
  return Doc::map();
}
}  // namespace

Doc tag_resource(OpContext& ctx, const Doc& in) {
  return edit_tags(ctx, in, [&](Doc& tags) {
    tags::merge_list(tags, in.get("Tags"));
    if (tags.size() > 200) throw errors::validation("A schedule group can have at most 200 tags.");
  });
}

Doc untag_resource(OpContext& ctx, const Doc& in) {
  return edit_tags(ctx, in, [&](Doc& tags) { tags::remove_from_list(tags, in.get("TagKeys")); });
}

Doc list_tags_for_resource(OpContext& ctx, const Doc& in) {
  Store& st = store_of(ctx);
  std::lock_guard lk(st.mu());
  Doc g = load_group(ctx, group_of_arn(ctx, in.str("ResourceArn")));
  return answer("Tags", g.has("Tags") ? *g.get("Tags") : Doc::list());
}

}  // namespace stratus::scheduler
