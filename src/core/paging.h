// Pagination of List operations over records sorted by key: the one implementation services
// share (IAM's Marker/MaxItems/IsTruncated today; KMS's Marker/Limit/Truncated/NextMarker, SSM's
// and Secrets Manager's NextToken/MaxResults are the same walk with other member names).
//
// The marker handed to the client is the key of the first record not returned, so a page
// resumes exactly there even when records were added or removed in between; a marker matching
// no record resumes at the next key after it.
//
//   return paging::paginate(store.scan("role"), in, "Roles", {}, [&](const Doc& r) -> std::optional<Doc> {
//     if (!path_matches(r, in)) return std::nullopt;   // left out, not counted
//     return role_out(r);
//   });
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/doc.h"

namespace stratus::paging {

// The request's and the answer's member names.
struct Style {
  const char* marker_in = "Marker";           // the request's continuation member
  const char* max_in = "MaxItems";            // the request's page size member
  int64_t default_max = 100;                  // page size when the request names none
  const char* marker_out = "Marker";          // the answer's continuation member (set when more remain)
  const char* truncated_out = "IsTruncated";  // the answer's "more remain" flag, or nullptr for none
};

// One page of `items` (sorted by key) as {list_name: [...], marker_out?, truncated_out?}:
// render(record) gives the list entry, or nullopt to leave the record out (not counted).
template <typename Record, typename Render>
Doc paginate(const std::vector<std::pair<std::string, Record>>& items, const Doc& in, const char* list_name,
             const Style& style, Render&& render) {
  int64_t max_items = in.integer(style.max_in, style.default_max);
  std::string marker = in.str(style.marker_in);
  size_t i = 0;
  if (!marker.empty()) {
    auto it = std::lower_bound(items.begin(), items.end(), marker,
                               [](const auto& p, const std::string& m) { return p.first < m; });
    i = static_cast<size_t>(it - items.begin());
  }
  Doc list = Doc::list();
  for (; i < items.size() && static_cast<int64_t>(list.size()) < max_items; ++i) {
    if (auto r = render(items[i].second)) list.push(std::move(*r));
  }
  Doc out = Doc::map();
  out.set(list_name, std::move(list));
  if (style.truncated_out) out.set(style.truncated_out, i < items.size());
  if (i < items.size()) out.set(style.marker_out, items[i].first);
  return out;
}

}  // namespace stratus::paging
