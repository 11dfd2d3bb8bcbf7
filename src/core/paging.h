// Pagination of List/Describe operations: the one implementation services share. Three walks,
// each keeping the token format its service has always handed out (tokens are opaque to clients,
// but a client may hold one across an upgrade):
//
// 1. paginate(): records sorted by key, the marker is the key of the first record not returned
//    (IAM's Marker/MaxItems/IsTruncated; EventBridge, CloudWatch, Cognito Identity, SES,
//    Scheduler with other member names). A page resumes exactly there even when records were
//    added or removed in between; a marker matching no record resumes at the next key after it.
//
//      return paging::paginate(store.scan("role"), in, "Roles", {}, [&](const Doc& r) -> std::optional<Doc> {
//        if (!path_matches(r, in)) return std::nullopt;   // left out, not counted
//        return role_out(r);
//      });
//
// 2. After: a page filled while walking a storage iterator (or any key-ordered sequence); the
//    token is the key of the LAST record returned (raw or base64: the caller encodes it), and
//    the next page skips keys up to it (Lambda's Marker/NextMarker, Logs' nextToken, S3
//    ListBuckets, Cognito user pools, SSM).
//
//      paging::After page(in.integer("limit", 50), after);
//      for (auto it = ...; it->valid(); it->next()) {
//        std::string name = ...;
//        if (page.seen(name) || !wanted(name)) continue;
//        if (page.full()) break;                    // a record that qualifies: more remain
//        page.add(name, render(name));
//      }
//      return page.answer("items", "nextToken", paging::Token::base64);
//
// 3. slice(): a list built (and sorted) on each call, the token is the base64 of the decimal
//    offset of the next item (SQS, SNS, Logs streams and queries, Secrets Manager, SSM history):
//    offset_token() / parse_offset() for the token, slice() for the page (KMS and EventBridge
//    ListTargetsByRule slice with their own tokens).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/doc.h"
#include "core/encoding.h"

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

// How After hands out its token: the last key as it is, or its base64.
enum class Token { raw, base64 };

// A page filled in key order that resumes after the last key of the previous page (walk 2).
class After {
 public:
  // `max`: the page size; `after`: the decoded token ("" on the first page).
  explicit After(int64_t max, std::string after = {}) : max_(max), after_(std::move(after)) {}

  // True for a key an earlier page returned (key <= the token's key).
  bool seen(std::string_view key) const { return !after_.empty() && key <= std::string_view(after_); }
  // True when the page holds `max` items. Ask it for a record that qualifies, just before adding
  // it: true then means that record starts the next page (more() turns true).
  bool full() {
    if (static_cast<int64_t>(list_.size()) < max_) return false;
    more_ = true;
    return true;
  }
  void add(std::string key, Doc item) {
    list_.push(std::move(item));
    last_ = std::move(key);
  }
  bool more() const { return more_; }
  // The key of the last record returned: the next page's token (the caller encodes it).
  const std::string& last() const { return last_; }
  Doc take() { return std::move(list_); }
  // {list_name: the items, token_member: last() encoded (only when more remain)}.
  Doc answer(const char* list_name, const char* token_member, Token token = Token::raw) {
    Doc out = Doc::map();
    if (more_) out.set(token_member, token == Token::base64 ? enc::base64_encode(last_) : last_);
    out.set(list_name, take());
    return out;
  }

 private:
  int64_t max_;
  std::string after_, last_;
  Doc list_ = Doc::list();
  bool more_ = false;
};

// Offset tokens (walk 3): the base64 of the decimal offset of the next item.
inline std::string offset_token(size_t next) {
  return enc::base64_encode(std::to_string(next));
}
// The offset a token stands for; nullopt when it is not base64 of 1 to 18 decimal digits.
inline std::optional<size_t> parse_offset(std::string_view token) {
  auto raw = enc::base64_decode(token);
  if (!raw || raw->empty() || raw->size() > 18 || raw->find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return static_cast<size_t>(std::stoull(*raw));
}

// One page of a list built on each call (walk 3): item(i) for i in [start, total) until `max`
// items; `next` is the offset the next page starts at (== total: no more).
struct Slice {
  Doc list;
  size_t next;
  size_t total;
  bool more() const { return next < total; }
  // {list_name: the items, token_member: token(next) (only when more remain)}; the token is
  // offset_token() unless the service hands out another.
  template <typename Token>
  Doc answer(const char* list_name, const char* token_member, Token&& token) {
    Doc out = Doc::map();
    out.set(list_name, std::move(list));
    if (more()) out.set(token_member, token(next));
    return out;
  }
  Doc answer(const char* list_name, const char* token_member) { return answer(list_name, token_member, offset_token); }
};
template <typename Item>
Slice slice(size_t start, size_t total, int64_t max, Item&& item) {
  Slice s{Doc::list(), start, total};
  for (; s.next < total && static_cast<int64_t>(s.list.size()) < max; ++s.next) s.list.push(item(s.next));
  return s;
}

}  // namespace stratus::paging
