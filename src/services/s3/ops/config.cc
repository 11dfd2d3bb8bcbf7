// Bucket configuration: policy, Public Access Block, ownership controls, ACLs, CORS, lifecycle,
// default encryption, object lock (configuration, retention, legal hold), tagging, request
// payment, accelerate, logging, website. Each is one record in s3.config (Store::config) named
// after its subresource, holding the configuration as the decoded document's JSON.
#include <algorithm>
#include <cmath>
#include <set>

#include "auth/policy.h"
#include "core/encoding.h"
#include "core/json.h"
#include "services/s3/access.h"
#include "services/s3/config_ops.h"
#include "services/s3/lifecycle.h"
#include "services/s3/notify.h"
#include "services/s3/ops/common.h"

namespace stratus::s3 {
namespace {

constexpr size_t kMaxPolicyBytes = 20 * 1024;

// The bucket of a configuration request, once access control allowed the operation's action.
Bucket owned_bucket(OpContext& ctx, const Doc& in) {
  return bucket_for(ctx, in.str("Bucket"), action_of(ctx.op.name, Doc::map()));
}

std::string action(OpContext& ctx) {
  return action_of(ctx.op.name, Doc::map());
}

std::optional<Doc> read_config(OpContext& ctx, const Bucket& b, std::string_view name) {
  auto text = store(ctx).config(b.name, name);
  if (!text || *text == "none") return std::nullopt;
  return json::parse(*text);
}

void write_config(OpContext& ctx, const Bucket& b, std::string_view name, const Doc& value) {
  store(ctx).put_config(b.name, name, json::write(value));
}

AwsError malformed_xml() {
  return s3_error("MalformedXML",
                  "The XML you provided was not well-formed or did not validate against our published schema", 400);
}

const Doc& require_member(const Doc& in, std::string_view name) {
  const Doc* d = in.get(name);
  if (!d || !d->is_map()) throw malformed_xml();
  return *d;
}

// Timestamps inside stored configurations come back from JSON as epoch seconds.
void restore_timestamp(Doc& parent, std::string_view member) {
  Doc* d = parent.get(member);
  if (d && d->is_number() && std::abs(d->as_double()) < 9.2e15)
    *d = Doc(Timestamp{static_cast<int64_t>(d->as_double() * 1000)});
}

void check_tags(const Doc* tagset, size_t max, const char* too_many) {
  if (!tagset || !tagset->is_list()) return;
  if (tagset->as_list().size() > max) throw s3_error("InvalidTag", too_many, 400);
  std::set<std::string> keys;
  for (const Doc& t : tagset->as_list()) {
    std::string k = t.str("Key"), v = t.str("Value");
    if (k.empty() || k.size() > 128) throw s3_error("InvalidTag", "The TagKey you have provided is invalid", 400);
    if (v.size() > 256) throw s3_error("InvalidTag", "The TagValue you have provided is invalid", 400);
    if (k.starts_with("aws:")) throw s3_error("InvalidTag", "System tags cannot be added/updated by requester", 400);
    if (!keys.insert(k).second) throw s3_error("InvalidTag", "Cannot provide multiple Tags with the same key", 400);
  }
}

}  // namespace

// ---------------------------------------------------------------- policy

Doc put_bucket_policy(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  std::string text = in.str("Policy");
  if (text.size() > kMaxPolicyBytes) throw s3_error("MalformedPolicy", "Policies must be less than 20 KB", 400);
  auto parsed = auth::policy::parse(text, {.principal = auth::policy::PrincipalRule::required});
  if (!parsed.ok()) throw s3_error("MalformedPolicy", parsed.error.message, 400);
  // Every action an S3 action, every resource this bucket or inside it.
  std::string arn = "arn:aws:s3:::" + b.name;
  for (const auto& st : parsed.policy->statements) {
    for (const auto& a : st.actions) {
      std::string lower = a;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (a != "*" && !lower.starts_with("s3:") && !lower.starts_with("s3*"))
        throw s3_error("MalformedPolicy", "Policy has invalid action", 400);
    }
    if (!st.has_resource) throw s3_error("MalformedPolicy", "Missing required field Resource", 400);
    for (const auto& r : st.resources) {
      if (r == "*") continue;
      if (!auth::policy::wildcard_match(r, arn) && !(r.size() > arn.size() && r.starts_with(arn + "/")) &&
          !auth::policy::wildcard_match(r, arn + "/x"))
        throw s3_error("MalformedPolicy", "Policy has invalid resource", 400);
    }
  }
  if (public_access_block(store(ctx), b.name).block_public_policy && auth::policy::is_public(*parsed.policy))
    throw s3_error("AccessDenied",
                   "User: " + (ctx.caller.arn.empty() ? "arn:aws:iam::" + ctx.account() + ":root" : ctx.caller.arn) +
                       " is not authorized to perform: s3:PutBucketPolicy on resource: \"" + arn +
                       "\" because public policies are blocked by the BlockPublicPolicy block public access setting.",
                   403);
  store(ctx).put_config(b.name, "policy", text);
  return Doc::map();
}

Doc get_bucket_policy(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  auto text = store(ctx).config(b.name, "policy");
  if (!text) throw s3_error("NoSuchBucketPolicy", "The bucket policy does not exist", 404, {{"BucketName", b.name}});
  Doc out = Doc::map();
  out.set("Policy", *text);
  return out;
}

Doc delete_bucket_policy(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  store(ctx).delete_config(b.name, "policy");
  return Doc::map();
}

Doc get_bucket_policy_status(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  auto text = store(ctx).config(b.name, "policy");
  if (!text) throw s3_error("NoSuchBucketPolicy", "The bucket policy does not exist", 404, {{"BucketName", b.name}});
  auto parsed = auth::policy::parse(*text, {.principal = auth::policy::PrincipalRule::required});
  Doc status = Doc::map();
  status.set("IsPublic", parsed.ok() && auth::policy::is_public(*parsed.policy));
  Doc out = Doc::map();
  out.set("PolicyStatus", std::move(status));
  return out;
}

// ---------------------------------------------------------------- public access block, ownership

Doc put_public_access_block(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  const Doc& c = require_member(in, "PublicAccessBlockConfiguration");
  Doc v = Doc::map();
  for (const char* k : {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"})
    v.set(k, c.flag(k));
  write_config(ctx, b, "public-access-block", v);
  return Doc::map();
}

Doc get_public_access_block(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  PublicAccessBlock p = public_access_block(store(ctx), b.name);
  if (!p.configured)
    throw s3_error("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", 404,
                   {{"BucketName", b.name}});
  Doc c = Doc::map();
  c.set("BlockPublicAcls", p.block_public_acls);
  c.set("IgnorePublicAcls", p.ignore_public_acls);
  c.set("BlockPublicPolicy", p.block_public_policy);
  c.set("RestrictPublicBuckets", p.restrict_public_buckets);
  Doc out = Doc::map();
  out.set("PublicAccessBlockConfiguration", std::move(c));
  return out;
}

Doc delete_public_access_block(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  store(ctx).put_config(b.name, "public-access-block", "none");
  return Doc::map();
}

Doc put_bucket_ownership_controls(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  const Doc& c = require_member(in, "OwnershipControls");
  const Doc* rules = c.get("Rules");
  if (!rules || !rules->is_list() || rules->as_list().size() != 1) throw malformed_xml();
  std::string own = rules->as_list()[0].str("ObjectOwnership");
  if (own == "BucketOwnerEnforced") {
    Doc acl = b.extra.get("acl") ? *b.extra.get("acl") : Doc::map();
    if (acl.is_map() && acl.has("grants") && !acl_is_owner_only(acl, b.account))
      throw s3_error("InvalidBucketAclWithObjectOwnership",
                     "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting", 400);
  }
  Doc v = Doc::map();
  v.set("ObjectOwnership", own);
  write_config(ctx, b, "ownership", v);
  return Doc::map();
}

Doc get_bucket_ownership_controls(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  std::string own = object_ownership(store(ctx), b.name);
  if (own.empty())
    throw s3_error("OwnershipControlsNotFoundError", "The bucket ownership controls were not found", 404,
                   {{"BucketName", b.name}});
  Doc rule = Doc::map();
  rule.set("ObjectOwnership", own);
  Doc rules = Doc::list();
  rules.as_list().push_back(std::move(rule));
  Doc c = Doc::map();
  c.set("Rules", std::move(rules));
  Doc out = Doc::map();
  out.set("OwnershipControls", std::move(c));
  return out;
}

Doc delete_bucket_ownership_controls(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  store(ctx).put_config(b.name, "ownership", "none");
  return Doc::map();
}

// ---------------------------------------------------------------- ACLs

namespace {

Doc acl_to_store(OpContext& ctx, const Doc& in, std::string_view owner, std::string_view bucket_owner) {
  bool body = in.has("AccessControlPolicy");
  auto from_headers = acl_from_request(in, owner, bucket_owner);
  if (body && from_headers) throw s3_error("UnexpectedContent", "This request does not support content", 400);
  if (from_headers) return *from_headers;
  if (!body)
    throw s3_error("MissingSecurityHeader", "Your request was missing a required header", 400,
                   {{"MissingHeaderName", "x-amz-acl"}});
  (void)ctx;
  return acl_from_policy(*in.get("AccessControlPolicy"), owner);
}

void check_acl_allowed(OpContext& ctx, const Bucket& b, const Doc& acl) {
  if (object_ownership(store(ctx), b.name) == "BucketOwnerEnforced" && !acl_is_owner_only(acl, b.account))
    throw s3_error("AccessControlListNotSupported", "The bucket does not allow ACLs", 400);
  if (public_access_block(store(ctx), b.name).block_public_acls && acl_is_public(acl))
    throw s3_error("AccessDenied", "Access Denied", 403);
}

}  // namespace

Doc get_bucket_acl(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  return acl_output(b.extra.get("acl"), b.account);
}

Doc put_bucket_acl(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  Doc acl = acl_to_store(ctx, in, b.account, b.account);
  check_acl_allowed(ctx, b, acl);
  b.extra.set("acl", std::move(acl));
  store(ctx).update_bucket(b);
  return Doc::map();
}

Doc get_object_acl(OpContext& ctx, const Doc& in) {
  Bucket b;
  ObjectVersion v = resolve_version(ctx, in, "GET", action(ctx), &b);
  std::string owner = v.owner.empty() ? b.account : v.owner;
  if (object_ownership(store(ctx), b.name) == "BucketOwnerEnforced") owner = b.account;
  Doc out = acl_output(v.extra.get("acl"), owner);
  if (object_ownership(store(ctx), b.name) == "BucketOwnerEnforced") out = acl_output(nullptr, b.account);
  return out;
}

Doc put_object_acl(OpContext& ctx, const Doc& in) {
  Bucket b;
  ObjectVersion v = resolve_version(ctx, in, "PUT", action(ctx), &b);
  std::string owner = v.owner.empty() ? b.account : v.owner;
  Doc acl = acl_to_store(ctx, in, owner, b.account);
  check_acl_allowed(ctx, b, acl);
  std::optional<std::string> vid;
  if (const Doc* x = in.get("VersionId"); x && x->is_string()) vid = x->as_string();
  bool changed = false;
  ObjectVersion w = store(ctx).update_version(b.name, in.str("Key"), vid, [&](ObjectVersion& x) {
    const Doc* old = x.extra.get("acl");
    changed = !old || json::write(*old) != json::write(acl);
    x.extra.set("acl", acl);
  });
  // S3 sends ObjectAcl:Put only when the ACL changed.
  if (changed) {
    ObjectEvent e = object_event("ObjectAcl:Put", in.str("Key"), w, b);
    e.seq = store(ctx).next_seq(ctx.now_ms);
    notifier(ctx).emit(&ctx, b, e);
  }
  return Doc::map();
}

// ---------------------------------------------------------------- CORS

Doc put_bucket_cors(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  const Doc& c = require_member(in, "CORSConfiguration");
  const Doc* rules = c.get("CORSRules");
  if (!rules || !rules->is_list() || rules->as_list().empty()) throw malformed_xml();
  if (rules->as_list().size() > 100)
    throw s3_error("InvalidRequest", "The number of CORS rules should not exceed allowed limit of 100 rules.", 400);
  for (const Doc& r : rules->as_list()) {
    const Doc* methods = r.get("AllowedMethods");
    const Doc* origins = r.get("AllowedOrigins");
    if (!methods || !methods->is_list() || methods->as_list().empty() || !origins || !origins->is_list() ||
        origins->as_list().empty())
      throw malformed_xml();
    for (const Doc& m : methods->as_list()) {
      std::string s = m.is_string() ? m.as_string() : "";
      if (s != "GET" && s != "PUT" && s != "POST" && s != "DELETE" && s != "HEAD")
        throw s3_error("InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is " + s,
                       400);
    }
    for (const Doc& o : origins->as_list()) {
      std::string s = o.is_string() ? o.as_string() : "";
      if (std::count(s.begin(), s.end(), '*') > 1)
        throw s3_error("InvalidRequest", "AllowedOrigin \"" + s + "\" can not have more than one wildcard.", 400);
    }
    if (const Doc* headers = r.get("AllowedHeaders"); headers && headers->is_list())
      for (const Doc& h : headers->as_list()) {
        std::string s = h.is_string() ? h.as_string() : "";
        if (std::count(s.begin(), s.end(), '*') > 1)
          throw s3_error("InvalidRequest", "AllowedHeader \"" + s + "\" can not have more than one wildcard.", 400);
      }
  }
  write_config(ctx, b, "cors", c);
  return Doc::map();
}

Doc get_bucket_cors(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  auto c = read_config(ctx, b, "cors");
  if (!c)
    throw s3_error("NoSuchCORSConfiguration", "The CORS configuration does not exist", 404, {{"BucketName", b.name}});
  return *c;
}

Doc delete_bucket_cors(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  store(ctx).delete_config(b.name, "cors");
  return Doc::map();
}

// ---------------------------------------------------------------- lifecycle

Doc put_bucket_lifecycle_configuration(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  const Doc& c = require_member(in, "LifecycleConfiguration");
  validate_lifecycle(c);
  Doc stored = c;
  if (in.has("TransitionDefaultMinimumObjectSize"))
    stored.set("TransitionDefaultMinimumObjectSize", in.str("TransitionDefaultMinimumObjectSize"));
  write_config(ctx, b, "lifecycle", stored);
  Doc out = Doc::map();
  out.set("TransitionDefaultMinimumObjectSize",
          in.str("TransitionDefaultMinimumObjectSize", "all_storage_classes_128K"));
  return out;
}

Doc get_bucket_lifecycle_configuration(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  auto c = read_config(ctx, b, "lifecycle");
  if (!c)
    throw s3_error("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", 404,
                   {{"BucketName", b.name}});
  Doc out = Doc::map();
  if (Doc* rules = c->get("Rules"); rules && rules->is_list()) {
    for (Doc& r : rules->as_list()) {
      if (Doc* e = r.get("Expiration"); e && e->is_map()) restore_timestamp(*e, "Date");
      if (Doc* ts = r.get("Transitions"); ts && ts->is_list())
        for (Doc& t : ts->as_list()) restore_timestamp(t, "Date");
    }
    out.set("Rules", *rules);
  }
  out.set("TransitionDefaultMinimumObjectSize",
          c->str("TransitionDefaultMinimumObjectSize", "all_storage_classes_128K"));
  return out;
}

Doc delete_bucket_lifecycle(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  store(ctx).delete_config(b.name, "lifecycle");
  return Doc::map();
}

// ---------------------------------------------------------------- default encryption

Doc put_bucket_encryption(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  const Doc& c = require_member(in, "ServerSideEncryptionConfiguration");
  const Doc* rules = c.get("Rules");
  if (!rules || !rules->is_list() || rules->as_list().empty()) throw malformed_xml();
  for (const Doc& r : rules->as_list()) {
    const Doc* d = r.get("ApplyServerSideEncryptionByDefault");
    if (!d || !d->is_map()) continue;
    std::string alg = d->str("SSEAlgorithm");
    if (d->has("KMSMasterKeyID") && !alg.starts_with("aws:kms"))
      throw s3_error("InvalidArgument",
                     "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse",
                     400);
  }
  write_config(ctx, b, "encryption", c);
  return Doc::map();
}

Doc get_bucket_encryption(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  auto c = read_config(ctx, b, "encryption");
  if (!c) {
    // Every bucket encrypts with SSE-S3 by default (since January 2023).
    c = json::parse(
        R"({"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"},"BucketKeyEnabled":false}]})");
  }
  Doc out = Doc::map();
  out.set("ServerSideEncryptionConfiguration", std::move(*c));
  return out;
}

Doc delete_bucket_encryption(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  store(ctx).delete_config(b.name, "encryption");
  return Doc::map();
}

// ---------------------------------------------------------------- object lock

Doc put_object_lock_configuration(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  const Doc& c = require_member(in, "ObjectLockConfiguration");
  if (!b.object_lock) {
    if (b.versioning != "Enabled")
      throw s3_error("InvalidBucketState",
                     "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration", 409);
  }
  if (c.str("ObjectLockEnabled") != "Enabled") throw malformed_xml();
  if (const Doc* rule = c.get("Rule"); rule && rule->is_map()) {
    const Doc* dr = rule->get("DefaultRetention");
    if (!dr || !dr->is_map() || !dr->has("Mode")) throw malformed_xml();
    bool days = dr->has("Days"), years = dr->has("Years");
    if (days == years) throw malformed_xml();
    if ((days && dr->integer("Days") <= 0) || (years && dr->integer("Years") <= 0))
      throw s3_error("InvalidArgument", "Default retention period must be a positive integer value", 400);
  }
  write_config(ctx, b, "object-lock", c);
  if (!b.object_lock) {
    b.object_lock = true;
    store(ctx).update_bucket(b);
  }
  return Doc::map();
}

Doc get_object_lock_configuration(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  auto c = read_config(ctx, b, "object-lock");
  if (!c && !b.object_lock)
    throw s3_error("ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket",
                   404, {{"BucketName", b.name}});
  if (!c) c = json::parse(R"({"ObjectLockEnabled":"Enabled"})");
  Doc out = Doc::map();
  out.set("ObjectLockConfiguration", std::move(*c));
  return out;
}

namespace {

Bucket lock_bucket(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  if (!b.object_lock) throw s3_error("InvalidRequest", "Bucket is missing Object Lock Configuration", 400);
  return b;
}

std::optional<std::string> version_of(const Doc& in) {
  if (const Doc* v = in.get("VersionId"); v && v->is_string()) return v->as_string();
  return std::nullopt;
}

void update_lock(OpContext& ctx, const Bucket& b, const Doc& in, const std::function<void(Doc& lock)>& fn) {
  resolve_version(ctx, in, "PUT", action(ctx));
  store(ctx).update_version(b.name, in.str("Key"), version_of(in), [&](ObjectVersion& v) {
    Doc lock = v.extra.get("lock") && v.extra.get("lock")->is_map() ? *v.extra.get("lock") : Doc::map();
    fn(lock);
    Doc headers = v.extra.get("headers") && v.extra.get("headers")->is_map() ? *v.extra.get("headers") : Doc::map();
    headers.as_map().erase("ObjectLockMode");
    headers.as_map().erase("ObjectLockRetainUntilDate");
    headers.as_map().erase("ObjectLockLegalHoldStatus");
    if (lock.has("mode")) {
      headers.set("ObjectLockMode", lock.str("mode"));
      headers.set("ObjectLockRetainUntilDate", Doc(Timestamp{lock.integer("until_ms")}));
    }
    if (lock.has("legal_hold")) headers.set("ObjectLockLegalHoldStatus", lock.str("legal_hold"));
    v.extra.set("lock", std::move(lock));
    v.extra.set("headers", std::move(headers));
  });
}

}  // namespace

Doc put_object_retention(OpContext& ctx, const Doc& in) {
  Bucket b = lock_bucket(ctx, in);
  const Doc& r = require_member(in, "Retention");
  std::string mode = r.str("Mode");
  const Doc* until = r.get("RetainUntilDate");
  if (mode.empty() || !until || !until->is_timestamp()) throw malformed_xml();
  int64_t until_ms = until->as_timestamp().millis;
  if (until_ms <= ctx.now_ms) throw s3_error("InvalidArgument", "The retain until date must be in the future!", 400);
  update_lock(ctx, b, in, [&](Doc& lock) {
    // Shortening or removing a retention: COMPLIANCE never, GOVERNANCE only with the bypass.
    std::string old_mode = lock.str("mode");
    int64_t old_until = lock.integer("until_ms");
    bool active = !old_mode.empty() && old_until > ctx.now_ms;
    bool weaker = until_ms < old_until || (old_mode == "COMPLIANCE" && mode == "GOVERNANCE");
    if (active && weaker && (old_mode == "COMPLIANCE" || !in.flag("BypassGovernanceRetention")))
      throw s3_error("AccessDenied", "Access Denied because object protected by object lock.", 403);
    lock.set("mode", mode);
    lock.set("until_ms", until_ms);
  });
  return Doc::map();
}

Doc get_object_retention(OpContext& ctx, const Doc& in) {
  lock_bucket(ctx, in);
  ObjectVersion v = resolve_version(ctx, in, "GET", action(ctx));
  const Doc* lock = v.extra.get("lock");
  if (!lock || !lock->is_map() || !lock->has("mode"))
    throw s3_error("NoSuchObjectLockConfiguration", "The specified object does not have a ObjectLock configuration",
                   404);
  Doc r = Doc::map();
  r.set("Mode", lock->str("mode"));
  r.set("RetainUntilDate", Doc(Timestamp{lock->integer("until_ms")}));
  Doc out = Doc::map();
  out.set("Retention", std::move(r));
  return out;
}

Doc put_object_legal_hold(OpContext& ctx, const Doc& in) {
  Bucket b = lock_bucket(ctx, in);
  const Doc& h = require_member(in, "LegalHold");
  std::string status = h.str("Status");
  if (status != "ON" && status != "OFF") throw malformed_xml();
  update_lock(ctx, b, in, [&](Doc& lock) { lock.set("legal_hold", status); });
  return Doc::map();
}

Doc get_object_legal_hold(OpContext& ctx, const Doc& in) {
  lock_bucket(ctx, in);
  ObjectVersion v = resolve_version(ctx, in, "GET", action(ctx));
  const Doc* lock = v.extra.get("lock");
  if (!lock || !lock->is_map() || !lock->has("legal_hold"))
    throw s3_error("NoSuchObjectLockConfiguration", "The specified object does not have a ObjectLock configuration",
                   404);
  Doc h = Doc::map();
  h.set("Status", lock->str("legal_hold"));
  Doc out = Doc::map();
  out.set("LegalHold", std::move(h));
  return out;
}

// ---------------------------------------------------------------- tagging, payment, accelerate, logging

Doc put_bucket_tagging(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  const Doc& t = require_member(in, "Tagging");
  const Doc* set = t.get("TagSet");
  if (!set || !set->is_list()) throw malformed_xml();
  check_tags(set, 50, "Bucket tag count cannot be greater than 50");
  write_config(ctx, b, "tagging", t);
  return Doc::map();
}

Doc get_bucket_tagging(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  auto t = read_config(ctx, b, "tagging");
  if (!t) throw s3_error("NoSuchTagSet", "The TagSet does not exist", 404, {{"BucketName", b.name}});
  return *t;
}

Doc delete_bucket_tagging(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  store(ctx).delete_config(b.name, "tagging");
  return Doc::map();
}

Doc put_bucket_request_payment(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  const Doc& c = require_member(in, "RequestPaymentConfiguration");
  if (!c.has("Payer")) throw malformed_xml();
  write_config(ctx, b, "request-payment", c);
  return Doc::map();
}

Doc get_bucket_request_payment(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  auto c = read_config(ctx, b, "request-payment");
  Doc out = Doc::map();
  out.set("Payer", c ? c->str("Payer", "BucketOwner") : std::string("BucketOwner"));
  return out;
}

Doc put_bucket_accelerate_configuration(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  const Doc& c = require_member(in, "AccelerateConfiguration");
  if (!c.has("Status")) throw malformed_xml();
  if (b.name.find('.') != std::string::npos)
    throw s3_error("InvalidRequest",
                   "S3 Transfer Acceleration is not supported for buckets with periods (.) in their names", 400);
  write_config(ctx, b, "accelerate", c);
  return Doc::map();
}

Doc get_bucket_accelerate_configuration(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  auto c = read_config(ctx, b, "accelerate");
  Doc out = Doc::map();
  if (c && c->has("Status")) out.set("Status", c->str("Status"));
  return out;
}

Doc put_bucket_logging(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  const Doc& c = require_member(in, "BucketLoggingStatus");
  if (const Doc* le = c.get("LoggingEnabled"); le && le->is_map()) {
    std::string target = le->str("TargetBucket");
    auto tb = store(ctx).bucket(target);
    if (!tb)
      throw s3_error("InvalidTargetBucketForLogging", "The target bucket for logging does not exist", 400,
                     {{"TargetBucket", target}});
    if (tb->account != b.account)
      throw s3_error("InvalidTargetBucketForLogging",
                     "The owner for the bucket to be logged and the target bucket must be the same.", 400,
                     {{"TargetBucket", target}});
    if (tb->region != b.region)
      throw s3_error("CrossLocationLoggingProhibited", "Cross S3 location logging not allowed. ", 403,
                     {{"TargetBucketLocation", tb->region}});
    write_config(ctx, b, "logging", c);
  } else {
    store(ctx).delete_config(b.name, "logging");
  }
  return Doc::map();
}

Doc get_bucket_logging(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  auto c = read_config(ctx, b, "logging");
  return c ? *c : Doc::map();
}

// ---------------------------------------------------------------- website

Doc put_bucket_website(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  const Doc& c = require_member(in, "WebsiteConfiguration");
  const Doc* redirect_all = c.get("RedirectAllRequestsTo");
  const Doc* index = c.get("IndexDocument");
  if (redirect_all) {
    if (index || c.has("ErrorDocument") || c.has("RoutingRules"))
      throw s3_error("InvalidArgument",
                     "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.", 400);
    if (redirect_all->str("HostName").empty()) throw malformed_xml();
  } else {
    if (!index || !index->is_map())
      throw s3_error("InvalidArgument",
                     "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty", 400);
    std::string suffix = index->str("Suffix");
    if (suffix.empty() || suffix.find('/') != std::string::npos)
      throw s3_error("InvalidArgument", "The IndexDocument Suffix is not well formed", 400,
                     {{"ArgumentName", "IndexDocument"}, {"ArgumentValue", suffix}});
  }
  if (const Doc* rules = c.get("RoutingRules"); rules && rules->is_list()) {
    if (rules->as_list().size() > 50)
      throw s3_error("InvalidRequest", "The number of routing rules must not exceed 50", 400);
    for (const Doc& r : rules->as_list()) {
      const Doc* redirect = r.get("Redirect");
      if (!redirect || !redirect->is_map()) throw malformed_xml();
      if (redirect->has("ReplaceKeyWith") && redirect->has("ReplaceKeyPrefixWith"))
        throw s3_error("InvalidRequest", "You can only define ReplaceKeyPrefix or ReplaceKey but not both.", 400);
      std::string code = redirect->str("HttpRedirectCode");
      if (!code.empty() && (code.size() != 3 || code[0] != '3'))
        throw s3_error("InvalidRequest",
                       "The provided HTTP redirect code (" + code + ") is not valid. Valid codes are 3XX except 300.",
                       400);
    }
  }
  write_config(ctx, b, "website", c);
  return Doc::map();
}

Doc get_bucket_website(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  auto c = read_config(ctx, b, "website");
  if (!c)
    throw s3_error("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration", 404,
                   {{"BucketName", b.name}});
  return *c;
}

Doc delete_bucket_website(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  store(ctx).delete_config(b.name, "website");
  return Doc::map();
}

// ---------------------------------------------------------------- event notifications (notify.h)

Doc put_bucket_notification_configuration(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  const Doc* given = in.get("NotificationConfiguration");
  Doc c = given && given->is_map() ? *given : Doc::map();
  NotificationConfig parsed = parse_notification(c);
  bool skip = in.flag("SkipDestinationValidation");
  Notifier& n = notifier(ctx);
  if (!skip) n.validate_destinations(ctx, b, parsed);
  write_config(ctx, b, "notification", c);
  n.forget(b.name);
  if (!skip) n.test_event(ctx, b, parsed);
  return Doc::map();
}

Doc get_bucket_notification_configuration(OpContext& ctx, const Doc& in) {
  Bucket b = owned_bucket(ctx, in);
  auto c = read_config(ctx, b, "notification");
  return c ? *c : Doc::map();
}

void add_config_operations(stratus::Service& s) {
  s.add("PutBucketNotificationConfiguration", put_bucket_notification_configuration);
  s.add("GetBucketNotificationConfiguration", get_bucket_notification_configuration);
  s.add("PutBucketPolicy", put_bucket_policy);
  s.add("GetBucketPolicy", get_bucket_policy);
  s.add("DeleteBucketPolicy", delete_bucket_policy);
  s.add("GetBucketPolicyStatus", get_bucket_policy_status);
  s.add("PutPublicAccessBlock", put_public_access_block);
  s.add("GetPublicAccessBlock", get_public_access_block);
  s.add("DeletePublicAccessBlock", delete_public_access_block);
  s.add("PutBucketOwnershipControls", put_bucket_ownership_controls);
  s.add("GetBucketOwnershipControls", get_bucket_ownership_controls);
  s.add("DeleteBucketOwnershipControls", delete_bucket_ownership_controls);
  s.add("GetBucketAcl", get_bucket_acl);
  s.add("PutBucketAcl", put_bucket_acl);
  s.add("GetObjectAcl", get_object_acl);
  s.add("PutObjectAcl", put_object_acl);
  s.add("PutBucketCors", put_bucket_cors);
  s.add("GetBucketCors", get_bucket_cors);
  s.add("DeleteBucketCors", delete_bucket_cors);
  s.add("PutBucketLifecycleConfiguration", put_bucket_lifecycle_configuration);
  s.add("GetBucketLifecycleConfiguration", get_bucket_lifecycle_configuration);
  s.add("DeleteBucketLifecycle", delete_bucket_lifecycle);
  s.add("PutBucketEncryption", put_bucket_encryption);
  s.add("GetBucketEncryption", get_bucket_encryption);
  s.add("DeleteBucketEncryption", delete_bucket_encryption);
  s.add("PutObjectLockConfiguration", put_object_lock_configuration);
  s.add("GetObjectLockConfiguration", get_object_lock_configuration);
  s.add("PutObjectRetention", put_object_retention);
  s.add("GetObjectRetention", get_object_retention);
  s.add("PutObjectLegalHold", put_object_legal_hold);
  s.add("GetObjectLegalHold", get_object_legal_hold);
  s.add("PutBucketTagging", put_bucket_tagging);
  s.add("GetBucketTagging", get_bucket_tagging);
  s.add("DeleteBucketTagging", delete_bucket_tagging);
  s.add("PutBucketRequestPayment", put_bucket_request_payment);
  s.add("GetBucketRequestPayment", get_bucket_request_payment);
  s.add("PutBucketAccelerateConfiguration", put_bucket_accelerate_configuration);
  s.add("GetBucketAccelerateConfiguration", get_bucket_accelerate_configuration);
  s.add("PutBucketLogging", put_bucket_logging);
  s.add("GetBucketLogging", get_bucket_logging);
  s.add("PutBucketWebsite", put_bucket_website);
  s.add("GetBucketWebsite", get_bucket_website);
  s.add("DeleteBucketWebsite", delete_bucket_website);
}

}  // namespace stratus::s3
