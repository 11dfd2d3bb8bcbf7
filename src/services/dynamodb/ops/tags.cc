// Tag operations: TagResource, UntagResource, ListTagsOfResource (tags live in the table's metadata).
#include <cctype>
#include <set>

#include "core/arn.h"
#include "core/tags.h"
#include "server/context.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/ops.h"

namespace stratus::dynamodb {

TablePtr table_by_arn(storage::Engine& e, Catalog& cat, OpContext& ctx, const std::string& arn) {
  auto slash = arn.find(":table/");
  auto parsed = Arn::parse(arn);
  if (slash == std::string::npos || !parsed)
    throw errors::validation("Invalid TableArn: Invalid ResourceArn provided as input " + arn);
  std::string name = arn.substr(slash + 7);
  name = name.substr(0, name.find('/'));
  TablePtr t = cat.find(e, parsed->account, parsed->region, name);
  if (!t) throw errors::resource_not_found("Requested resource not found: ResourcArn: " + arn + " not found");
  return t;
}

void check_tags(const Doc& tags, const Doc& existing) {
  if (!tags.is_list()) return;
  auto allowed = [](std::string_view v) {
    for (unsigned char c : v)  // bytes of multi-byte UTF-8 characters are letters of other scripts
      if (!(c >= 0x80 || std::isalnum(c) || std::isspace(c) ||
            std::string_view("+-=._:/@").find(static_cast<char>(c)) != std::string_view::npos))
        return false;
    return true;
  };
  std::set<std::string> keys;
  if (existing.is_map())
    for (const auto& [k, _] : existing.as_map()) keys.insert(k);
  for (const auto& tag : tags.as_list()) {
    std::string k = tag.str("Key"), v = tag.str("Value");
    if (k.empty() || k.size() > 128 * 4 || v.size() > 256 * 4 || !allowed(k) || !allowed(v))
      throw invalid_values(
          "Tag keys must be 1 to 128 and tag values 0 to 256 characters of letters, digits, white space and + - = . _ "
          ": / @");
    if (k.rfind("aws:", 0) == 0) throw invalid_values("Tag keys starting with 'aws:' are reserved for AWS use");
    keys.insert(k);
  }
  if (keys.size() > 50) throw errors::limit_exceeded("The number of tags on a resource exceeds the limit of 50");
}

Doc tag_resource(Catalog& cat, OpContext& ctx, const Doc& in) {
  TablePtr cur = table_by_arn(ctx.storage, cat, ctx, in.str("ResourceArn"));
  std::lock_guard lock(cat.write_lock(cur->id));  // metadata read-modify-write
  cur = table_by_arn(ctx.storage, cat, ctx, in.str("ResourceArn"));
  auto t = std::make_shared<TableInfo>(*cur);
  if (!t->tags.is_map()) t->tags = Doc::map();
  if (const Doc* tags = in.get("Tags"); tags && tags->is_list()) check_tags(*tags, t->tags);
  if (const Doc* tags = in.get("Tags"); tags && tags->is_list())
    for (const auto& tag : tags->as_list()) t->tags.set(tag.str("Key"), tag.str("Value"));
  store(ctx.storage, cat, *t);
  return Doc::map();
}

Doc untag_resource(Catalog& cat, OpContext& ctx, const Doc& in) {
  TablePtr cur = table_by_arn(ctx.storage, cat, ctx, in.str("ResourceArn"));
  std::lock_guard lock(cat.write_lock(cur->id));  // metadata read-modify-write
  cur = table_by_arn(ctx.storage, cat, ctx, in.str("ResourceArn"));
  auto t = std::make_shared<TableInfo>(*cur);
  tags::remove_from_map(t->tags, in.get("TagKeys"));
  store(ctx.storage, cat, *t);
  return Doc::map();
}

Doc list_tags_of_resource(Catalog& cat, OpContext& ctx, const Doc& in) {
  TablePtr t = table_by_arn(ctx.storage, cat, ctx, in.str("ResourceArn"));
  Doc tags = Doc::list();
  if (t->tags.is_map())
    for (const auto& [k, v] : t->tags.as_map()) {
      Doc tag = Doc::map();
      tag.set("Key", k);
      tag.set("Value", v);
      tags.push(tag);
    }
  return answer("Tags", tags);
}
}  // namespace stratus::dynamodb
