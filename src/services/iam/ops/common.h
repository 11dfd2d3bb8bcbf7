// What several IAM operations share: ids, dates, paths, policy documents,
// Marker/MaxItems paging, and managed-policy attachments (roles and users share their shape).
#pragma once

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/doc.h"
#include "core/error.h"
#include "services/iam/store.h"
#include "services/service.h"

namespace stratus::iam {

// The caller's account's records.
Store store_of(OpContext& ctx);

// Unique ids: a 4-letter prefix per entity type (AROA roles, ANPA policies, AIDA users) and 17
// characters from IAM's alphabet.
std::string unique_id(std::string_view prefix);

// Records keep dates as epoch milliseconds; the wire wants timestamps.
Doc with_dates(Doc d, std::initializer_list<const char*> fields);

// The request's Path ("/" when absent); throws ValidationError unless it begins and ends with "/".
std::string normalize_path(const Doc& in);

// Throws MalformedPolicyDocument unless `doc` is a JSON object with a Statement.
void check_policy_document(const std::string& doc);

// Whether a record's Path starts with the request's PathPrefix ("/" when absent).
bool path_matches(const Doc& rec, const Doc& in);

// Pagination with Marker / MaxItems over a sorted list of records: render(record) gives the
// list entry, or nullopt to leave the record out.
template <typename F>
Doc paginate(const std::vector<std::pair<std::string, Doc>>& items, const Doc& in, const char* list_name, F render) {
  int64_t max_items = in.integer("MaxItems", 100);
  std::string marker = in.str("Marker");
  Doc out = Doc::map();
  Doc list = Doc::list();
  size_t i = 0;
  if (!marker.empty()) {
    auto it = std::lower_bound(items.begin(), items.end(), marker,
                               [](const auto& p, const std::string& m) { return p.first < m; });
    i = static_cast<size_t>(it - items.begin());
  }
  for (; i < items.size() && static_cast<int64_t>(list.size()) < max_items; ++i) {
    if (auto r = render(items[i].second)) list.push(std::move(*r));
  }
  out.set(list_name, std::move(list));
  out.set("IsTruncated", i < items.size());
  if (i < items.size()) out.set("Marker", items[i].first);
  return out;
}

// ---- roles (ops/roles.cc) ----
// A stored role as the wire shows it (dates, URL-encoded trust policy).
Doc role_out(const Doc& rec);
// The role's record; throws NoSuchEntity "The role with name X cannot be found.".
Doc load_role(Store& store, const std::string& name);

// ---- managed-policy attachments (ops/policies.cc) ----
// `kind` is "role-attached" or "user-attached"; `owner` the role or user name. Attaching twice
// is a no-op; attaching keeps the policy's AttachmentCount (AWS managed policies are accepted
// by ARN without a record).
// Throws NoSuchEntity for a missing policy (attach) or attachment (detach), InvalidInput for an
// ARN that is not a policy's.
void attach(Store& store, const std::string& kind, const std::string& owner, const std::string& arn);
void detach(Store& store, const std::string& kind, const std::string& owner, const std::string& arn);
Doc list_attached(Store& store, const std::string& kind, const std::string& owner, const Doc& in);

// The principals managed policies attach to (roles, users): their attachment kind, the request
// member naming them and their loader (NoSuchEntity when absent). The Attach/Detach/ListAttached
// <Principal>Policies operations are these three over one of them.
struct Attachments {
  const char* kind;         // "role-attached" | "user-attached"
  const char* name_member;  // "RoleName" | "UserName"
  Doc (*load)(Store&, const std::string&);
};
Doc attach_policy(OpContext& ctx, const Doc& in, const Attachments& a);
Doc detach_policy(OpContext& ctx, const Doc& in, const Attachments& a);
Doc list_attached_policies(OpContext& ctx, const Doc& in, const Attachments& a);

}  // namespace stratus::iam
