// Resource tags, the one implementation every service's Tag/Untag/ListTags operations share.
//
// On the wire AWS carries tags either as a list of {Key, Value} structures (SNS, DynamoDB, IAM,
// KMS, SSM, Secrets Manager, Cognito...) or as a map (SQS, Lambda, API Gateway). A service keeps
// them in its record in one of those forms (a Doc list or map) or as key/value pairs; these
// functions merge, remove and render them. Limits and key/value checks stay with the service
// (their numbers and messages differ per service): check the result's size() after merging.
//
//   Doc tags = rec.has("Tags") ? *rec.get("Tags") : Doc::list();
//   tags::merge_list(tags, in.get("Tags"));            // TagResource: add or replace by Key
//   if (tags.size() > 50) throw errors::limit_exceeded("...");
//   tags::remove_from_list(tags, in.get("TagKeys"));   // UntagResource
//   tags::merge_map(rec["tags"], in.get("Tags"));      // the same for tags kept as a map
//   out.set("Tags", tags::to_list(record.tag_pairs));  // ListTags from pairs or a map
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/doc.h"

namespace stratus::tags {

// Adds the {Key, Value} entries of `add` (a list; anything else adds nothing) to the list
// `tags` (made a list when it is not one): a Key already there gets the new Value in place,
// new Keys are appended in order.
inline void merge_list(Doc& tags, const Doc* add) {
  if (!tags.is_list()) tags = Doc::list();
  if (!add || !add->is_list()) return;
  for (const auto& t : add->as_list()) {
    bool replaced = false;
    for (auto& o : tags.as_list())
      if (o.str("Key") == t.str("Key")) {
        o.set("Value", t.str("Value"));
        replaced = true;
      }
    if (!replaced) tags.push(t);
  }
}

// Removes from the list `tags` the entries whose Key is one of the strings in `keys`.
inline void remove_from_list(Doc& tags, const Doc* keys) {
  if (!tags.is_list() || !keys || !keys->is_list()) return;
  auto& l = tags.as_list();
  l.erase(std::remove_if(l.begin(), l.end(),
                         [&](const Doc& t) {
                           std::string k = t.str("Key");
                           return std::any_of(keys->as_list().begin(), keys->as_list().end(),
                                              [&](const Doc& d) { return d.is_string() && d.as_string() == k; });
                         }),
          l.end());
}

// Tags kept as a map (Lambda, CloudWatch Logs, ...): adds or replaces the members of `add` (a
// map of strings; anything else adds nothing); `tags` is made a map when it is not one.
inline void merge_map(Doc& tags, const Doc* add) {
  if (!tags.is_map()) tags = Doc::map();
  if (!add || !add->is_map()) return;
  for (const auto& [k, v] : add->as_map()) tags.set(k, v);
}

// Removes from the map `tags` the members named by the strings in `keys`.
inline void remove_from_map(Doc& tags, const Doc* keys) {
  if (!tags.is_map() || !keys || !keys->is_list()) return;
  for (const auto& k : keys->as_list())
    if (k.is_string()) tags.as_map().erase(k.as_string());
}

// Key/value pairs (a DocMap, std::map, or vector of pairs) as a list of {Key, Value}, in order.
template <typename Pairs>
Doc to_list(const Pairs& pairs) {
  Doc list = Doc::list();
  for (const auto& [k, v] : pairs) {
    Doc e = Doc::map();
    e.set("Key", k);
    e.set("Value", v);
    list.push(std::move(e));
  }
  return list;
}

// The same operations over tags kept as a vector of (key, value) pairs.
using Pairs = std::vector<std::pair<std::string, std::string>>;
inline void merge_pairs(Pairs& tags, const Doc* add) {
  if (!add || !add->is_list()) return;
  for (const auto& e : add->as_list()) {
    std::string k = e.str("Key"), v = e.str("Value");
    auto it = std::find_if(tags.begin(), tags.end(), [&](const auto& p) { return p.first == k; });
    if (it != tags.end())
      it->second = v;
    else
      tags.emplace_back(k, v);
  }
}
inline void remove_pairs(Pairs& tags, const Doc* keys) {
  if (!keys || !keys->is_list()) return;
  for (const auto& k : keys->as_list())
    tags.erase(std::remove_if(tags.begin(), tags.end(), [&](const auto& p) { return p.first == k.as_string(); }),
               tags.end());
}

}  // namespace stratus::tags
