// S3 access control: bucket policies (auth/policy.h), ACLs, Block Public Access and Object
// Ownership, applied to every S3 operation before its handler runs.
//
// Usage (service.cc):
//   guard_operations(*this);      // after the operation table: checks and follow-ups of writes
//   install_authorizer(store);    // in attach(): handlers' bucket_for() ask authorize()
//
// Contract
// - Every handler asks Store::authorize (through bucket_for / resolve_version) with the IAM
//   action it performs; install_authorizer() makes that authorize() below.
// - The bucket owner's account is allowed everything its bucket policy does not explicitly deny
//   (IAM is not enforced); Put/Get/DeleteBucketPolicy stay allowed to it even then (AWS's
//   lock-out rule). Another account or an anonymous caller (no signature) is allowed when the
//   bucket policy allows and does not deny, or else when an ACL grants the permission the
//   operation needs (READ, WRITE, READ_ACP, WRITE_ACP, FULL_CONTROL; to the canonical user, to
//   AuthenticatedUsers or to AllUsers); otherwise AccessDenied (403).
// - ACLs count only while the bucket's ObjectOwnership is not BucketOwnerEnforced (the default);
//   IgnorePublicAcls drops grants to AllUsers/AuthenticatedUsers; RestrictPublicBuckets makes a
//   public policy grant nothing to other accounts and anonymous callers.
// - Stored forms: a bucket's ACL is Bucket::extra["acl"], an object version's
//   ObjectVersion::extra["acl"]: {"owner": ACCOUNT, "grants": [{"type": "CanonicalUser"|"Group",
//   "id"|"uri": ..., "permission": ...}]}; none stored means the owner's FULL_CONTROL.
//   The configuration records (Store::config) this file reads: "policy" (the policy text),
//   "public-access-block" and "ownership" (JSON; "none" after a Delete; absent means AWS's
//   defaults for new buckets: all four blocks on, BucketOwnerEnforced).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/doc.h"
#include "services/s3/store.h"
#include "services/service.h"

namespace stratus::s3 {

// Wraps every operation of the S3 table with access control and the ACL / object-lock work
// that follows writes (x-amz-acl, x-amz-grant-* on PutObject, CopyObject, CreateBucket...).
void guard_operations(stratus::Service& service);

// Refuses (AccessDenied) a caller the bucket's policy, ACLs and settings do not allow `action`
// on the bucket (key "") or one of its objects. `in` (may be null): the operation's input, for
// condition keys (s3:prefix, s3:x-amz-acl, ...), VersionId and ExpectedBucketOwner. An empty
// caller.access_key is an anonymous caller.
void authorize(const Store& st, const OpContext::Caller& caller, int64_t now_ms, const Bucket& bucket,
               std::string_view action, std::string_view key, const Doc* in);
// Checks of a write that carries an ACL (x-amz-acl / x-amz-grant-* members of `in`), before it
// runs: AccessControlListNotSupported under BucketOwnerEnforced, AccessDenied for a public ACL
// under BlockPublicAcls (CreateBucket: InvalidBucketAclWithObjectOwnership). b null: CreateBucket.
void check_request_acl(const Store& st, std::string_view op, const Doc& in, const Bucket* b,
                       std::string_view requester);
// The members a new version takes from its write request (PutObject, CopyObject), set in
// v.extra before the commit: ACL (x-amz-acl / grants), encryption (the request's, SSE-C's key MD5,
// or the bucket default: SSE-S3 unless configured), object lock (explicit or the bucket
// default), and the answer members they make in extra["headers"].
void apply_write_extra(OpContext& ctx, const Doc& in, const Bucket& b, ObjectVersion& v);
// The encryption members of those headers into a write's answer.
void write_extra_out(const ObjectVersion& v, Doc& out);
// Object lock on a delete by version id: AccessDenied "Access Denied because object protected
// by object lock." while the version (in.Bucket, key, in.VersionId) is under a legal hold or
// retention (GOVERNANCE bypassed by in.BypassGovernanceRetention). DeleteObject and each key of
// DeleteObjects.
void check_object_lock_delete(const Store& st, const Doc& in, int64_t now_ms, const std::string& key);
// Makes authorize() the store's authorizer (Store::set_authorizer): every handler's
// bucket_for() / resolve_version() asks it. Call once, before serving.
void install_authorizer(Store& st);

// The IAM action an operation needs ("s3:GetObjectVersion" for GetObject with a VersionId).
std::string action_of(std::string_view op, const Doc& in);

// ---- Block Public Access and ownership (with AWS's defaults when never set)
struct PublicAccessBlock {
  bool block_public_acls = true, ignore_public_acls = true, block_public_policy = true, restrict_public_buckets = true;
  bool configured = true;  // false after DeletePublicAccessBlock (all four off)
};
PublicAccessBlock public_access_block(const Store& st, std::string_view bucket);
// "BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter", or "" after a Delete (ACLs on,
// object writer owns).
std::string object_ownership(const Store& st, std::string_view bucket);

// ---- ACLs
// The ACL an operation's canned ACL / x-amz-grant-* members describe (nullopt: none given), for
// a resource owned by `owner`; InvalidArgument on malformed grant headers.
std::optional<Doc> acl_from_request(const Doc& in, std::string_view owner, std::string_view bucket_owner);
// The ACL of an AccessControlPolicy body (MalformedACLError when malformed).
Doc acl_from_policy(const Doc& policy, std::string_view owner);
// The stored ACL as GetBucketAcl / GetObjectAcl report it: {Owner, Grants}.
Doc acl_output(const Doc* stored, std::string_view owner);
// Grants to AllUsers or AuthenticatedUsers.
bool acl_is_public(const Doc& acl);
// Whether a non-default ACL is being set (AccessControlListNotSupported on enforced buckets):
// only the owner's full control / bucket-owner-full-control pass.
bool acl_is_owner_only(const Doc& acl, std::string_view bucket_owner);

}  // namespace stratus::s3
