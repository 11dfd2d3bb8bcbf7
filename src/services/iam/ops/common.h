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
#include "core/paging.h"
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

// Pagination with Marker / MaxItems / IsTruncated over a sorted list of records (core/paging.h):
// render(record) gives the list entry, or nullopt to leave the record out.
template <typename F>
Doc paginate(const std::vector<std::pair<std::string, Doc>>& items, const Doc& in, const char* list_name, F render) {
  return paging::paginate(items, in, list_name, {}, render);
}

// A new path-named entity's record (roles, users, instance profiles): Path (the request's),
// <name_member>, <id_member> (unique_id(id_prefix)), Arn ("arn:aws:iam::ACCOUNT:<arn_kind>PATHNAME")
// and CreateDate. Throws EntityAlreadyExists `exists` when `kind` has a record of that name.
struct PathEntity {
  const char* kind;         // the Store kind, "role"
  const char* name_member;  // "RoleName"
  const char* id_member;    // "RoleId"
  const char* id_prefix;    // "AROA"
  const char* arn_kind;     // "role"
};
Doc new_path_entity(OpContext& ctx, Store& store, const Doc& in, const PathEntity& e, const std::string& exists);

// The record of `kind` named `name`; NoSuchEntity `message` when there is none.
Doc load_or_no_such_entity(Store& store, const char* kind, const std::string& name, const std::string& message);

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
