#include "services/s3/access.h"

#include <openssl/evp.h>

#include <algorithm>
#include <map>
#include <set>

#include "auth/keystore.h"
#include "auth/policy.h"
#include "core/encoding.h"
#include "core/json.h"
#include "services/s3/ops/common.h"
#include "services/s3/s3_errors.h"
#include "services/s3/web.h"

namespace stratus::s3 {
namespace {

constexpr std::string_view kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
constexpr std::string_view kAuthenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
constexpr std::string_view kLogDelivery = "http://acs.amazonaws.com/groups/s3/LogDelivery";

AwsError access_denied() {
  return s3_error("AccessDenied", "Access Denied", 403);
}

Doc grant(std::string_view type, std::string_view who, std::string_view permission) {
  Doc g = Doc::map();
  g.set("type", std::string(type));
  g.set(type == "Group" ? "uri" : "id", std::string(who));
  g.set("permission", std::string(permission));
  return g;
}

Doc owner_full_control(std::string_view owner) {
  Doc acl = Doc::map();
  acl.set("owner", std::string(owner));
  Doc grants = Doc::list();
  grants.as_list().push_back(grant("CanonicalUser", auth::canonical_user_id(owner), "FULL_CONTROL"));
  acl.set("grants", std::move(grants));
  return acl;
}

// The permission an operation needs from an ACL; "" when only the owner (or a policy) may.
struct AclNeed {
  std::string permission;
  bool object = false;  // the object's ACL (else the bucket's)
};

AclNeed acl_need(std::string_view action) {
  static const std::map<std::string_view, AclNeed, std::less<>> table = {
      {"s3:GetObject", {"READ", true}},
      {"s3:GetObjectVersion", {"READ", true}},
      {"s3:GetObjectAttributes", {"READ", true}},
      {"s3:GetObjectVersionAttributes", {"READ", true}},
      {"s3:GetObjectAcl", {"READ_ACP", true}},
      {"s3:GetObjectVersionAcl", {"READ_ACP", true}},
      {"s3:PutObjectAcl", {"WRITE_ACP", true}},
      {"s3:PutObjectVersionAcl", {"WRITE_ACP", true}},
      {"s3:ListBucket", {"READ", false}},
      {"s3:ListBucketVersions", {"READ", false}},
      {"s3:ListBucketMultipartUploads", {"READ", false}},
      {"s3:PutObject", {"WRITE", false}},
      {"s3:DeleteObject", {"WRITE", false}},
      {"s3:DeleteObjectVersion", {"WRITE", false}},
      {"s3:AbortMultipartUpload", {"WRITE", false}},
      {"s3:ListMultipartUploadParts", {"WRITE", false}},
      {"s3:GetBucketAcl", {"READ_ACP", false}},
      {"s3:PutBucketAcl", {"WRITE_ACP", false}},
  };
  auto it = table.find(action);
  return it == table.end() ? AclNeed{} : it->second;
}

bool acl_grants(const Doc* acl, std::string_view owner, const std::string& permission, bool anonymous,
                const std::string& requester, bool ignore_public) {
  Doc fallback;
  if (!acl || !acl->is_map()) {
    fallback = owner_full_control(owner);
    acl = &fallback;
  }
  const Doc* grants = acl->get("grants");
  if (!grants || !grants->is_list()) return false;
  std::string canonical = anonymous ? "" : auth::canonical_user_id(requester);
  for (const Doc& g : grants->as_list()) {
    std::string perm = g.str("permission");
    if (perm != permission && perm != "FULL_CONTROL") continue;
    std::string type = g.str("type");
    if (type == "CanonicalUser" && !canonical.empty() && g.str("id") == canonical) return true;
    if (type == "Group" && !ignore_public) {
      if (g.str("uri") == kAllUsers) return true;
      if (g.str("uri") == kAuthenticatedUsers && !anonymous) return true;
    }
  }
  return false;
}

// A parsed bucket policy, cached by text (policies change rarely; parsing is per request
// otherwise).
std::shared_ptr<const auth::policy::Policy> bucket_policy(const Store& st, std::string_view bucket) {
  auto text = st.config(bucket, "policy");
  if (!text) return nullptr;
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const auth::policy::Policy>> cache;
  std::lock_guard lk(mu);
  if (auto it = cache.find(*text); it != cache.end()) return it->second;
  auto parsed = auth::policy::parse(*text, {.principal = auth::policy::PrincipalRule::required});
  if (!parsed.ok()) return nullptr;
  if (cache.size() > 256) cache.clear();
  auto p = std::make_shared<const auth::policy::Policy>(std::move(*parsed.policy));
  cache.emplace(*text, p);
  return p;
}

bool is_policy_action(std::string_view action) {
  return action == "s3:PutBucketPolicy" || action == "s3:GetBucketPolicy" || action == "s3:DeleteBucketPolicy";
}

// The input of the operation running on this thread (set by guard_operations around each
// handler): condition keys and ExpectedBucketOwner come from it.
thread_local const Doc* current_input = nullptr;
// Points current_input at a handler's input for as long as the handler runs on this thread (an
// async handler: until it defers), then restores the outer value.
struct InputScope {
  const Doc* saved = current_input;
  explicit InputScope(const Doc& in) { current_input = &in; }
  ~InputScope() { current_input = saved; }
  InputScope(const InputScope&) = delete;
  InputScope& operator=(const InputScope&) = delete;
};

auth::policy::Request policy_request(const OpContext::Caller& caller, int64_t now_ms, std::string_view action,
                                     const std::string& bucket, std::string_view key, const Doc& in, bool anonymous) {
  auth::policy::Request r;
  if (!anonymous) {
    r.principal.account = caller.account;
    r.principal.arn = caller.arn.empty() ? "arn:aws:iam::" + caller.account + ":root" : caller.arn;
    r.principal.canonical_id = auth::canonical_user_id(caller.account);
    r.set("aws:PrincipalAccount", caller.account);
    r.set("aws:PrincipalArn", r.principal.arn);
    r.set("aws:userid", caller.user_id.empty() ? caller.account : caller.user_id);
    r.set("aws:PrincipalType", r.principal.arn.ends_with(":root")                            ? "Account"
                               : r.principal.arn.find(":assumed-role/") != std::string::npos ? "AssumedRole"
                                                                                             : "User");
    if (auto slash = r.principal.arn.find(":user/"); slash != std::string::npos)
      r.set("aws:username", r.principal.arn.substr(r.principal.arn.rfind('/') + 1));
    r.set("s3:signatureversion", "AWS4-HMAC-SHA256");
  } else {
    r.set("aws:PrincipalType", "Anonymous");
  }
  r.action = std::string(action);
  r.resource = "arn:aws:s3:::" + bucket + (key.empty() ? "" : "/" + std::string(key));
  r.set("aws:SecureTransport", "false");
  r.set("aws:CurrentTime", enc::iso8601(now_ms));
  r.set("aws:EpochTime", std::to_string(now_ms / 1000));
  for (auto [member, key_name] : {std::pair{"Prefix", "s3:prefix"},
                                  {"Delimiter", "s3:delimiter"},
                                  {"ACL", "s3:x-amz-acl"},
                                  {"ServerSideEncryption", "s3:x-amz-server-side-encryption"},
                                  {"SSEKMSKeyId", "s3:x-amz-server-side-encryption-aws-kms-key-id"},
                                  {"VersionId", "s3:VersionId"},
                                  {"StorageClass", "s3:x-amz-storage-class"},
                                  {"CopySource", "s3:x-amz-copy-source"},
                                  {"MetadataDirective", "s3:x-amz-metadata-directive"},
                                  {"ObjectLockMode", "s3:object-lock-mode"}}) {
    if (const Doc* v = in.get(member); v && v->is_string()) r.set(key_name, v->as_string());
  }
  if (const Doc* mk = in.get("MaxKeys"); mk && mk->is_number()) r.set("s3:max-keys", std::to_string(mk->as_int()));
  return r;
}

}  // namespace

void authorize(const Store& st, const OpContext::Caller& caller, int64_t now_ms, const Bucket& b,
               std::string_view action, std::string_view key, const Doc* in) {
  static const Doc kEmpty = Doc::map();
  const Doc& input = in ? *in : kEmpty;
  if (const Doc* expected = input.get("ExpectedBucketOwner");
      expected && expected->is_string() && expected->as_string() != b.account)
    throw access_denied();
  bool anonymous = caller.access_key.empty();
  bool owner = !anonymous && caller.account == b.account;
  auto policy = bucket_policy(st, b.name);
  auth::policy::Decision decision = auth::policy::Decision::implicit_deny;
  if (policy)
    decision = auth::policy::evaluate(*policy, policy_request(caller, now_ms, action, b.name, key, input, anonymous));
  if (owner) {
    if (decision == auth::policy::Decision::explicit_deny && !is_policy_action(action)) throw access_denied();
    return;
  }
  if (decision == auth::policy::Decision::explicit_deny) throw access_denied();
  PublicAccessBlock pab = public_access_block(st, b.name);
  if (decision == auth::policy::Decision::allow && !(pab.restrict_public_buckets && auth::policy::is_public(*policy)))
    return;
  // ACLs.
  if (object_ownership(st, b.name) == "BucketOwnerEnforced") throw access_denied();
  AclNeed need = acl_need(action);
  if (need.permission.empty()) throw access_denied();
  if (need.object && !key.empty()) {
    std::optional<ObjectVersion> v;
    if (const Doc* vid = input.get("VersionId"); vid && vid->is_string())
      v = st.version(b.name, key, vid->as_string());
    else
      v = st.current(b.name, key);
    if (!v || v->delete_marker) {
      // Without the object, S3 answers as the bucket's ACL allows listing (403 otherwise).
      if (acl_grants(b.extra.get("acl"), b.account, "READ", anonymous, caller.account, pab.ignore_public_acls)) return;
      throw access_denied();
    }
    std::string obj_owner = v->extra.get("acl") ? v->extra.get("acl")->str("owner", v->owner) : v->owner;
    if (obj_owner.empty()) obj_owner = b.account;
    if (!anonymous && obj_owner == caller.account) return;
    if (acl_grants(v->extra.get("acl"), obj_owner, need.permission, anonymous, caller.account, pab.ignore_public_acls))
      return;
    throw access_denied();
  }
  if (acl_grants(b.extra.get("acl"), b.account, need.permission, anonymous, caller.account, pab.ignore_public_acls))
    return;
  throw access_denied();
}

void install_authorizer(Store& st) {
  st.set_authorizer([&st](const OpContext& ctx, const Bucket& b, std::string_view action, std::string_view key) {
    authorize(st, ctx.caller, ctx.now_ms, b, action, key, current_input);
  });
}

namespace {

std::string md5_base64(std::string_view bytes) {
  unsigned char md[16];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_md5(), nullptr);
  return enc::base64_encode(std::string_view(reinterpret_cast<const char*>(md), n));
}

// SSE-C: the key's MD5 given with a read must be the one the object was written with.
void check_sse_c(const Store& st, const Doc& in) {
  std::string bucket = in.str("Bucket"), key = in.str("Key");
  if (bucket.empty() || key.empty()) return;
  bool given = in.has("SSECustomerAlgorithm") || in.has("SSECustomerKey");
  if (!given && !in.has("VersionId")) {
    // The common case, on every GET: no key given and none stored (the member's name is not in
    // the record), decided without decoding it.
    auto text = st.current_text(bucket, key);
    if (!text || text->find("customer_key_md5") == std::string::npos) return;
  }
  std::optional<ObjectVersion> v;
  if (const Doc* vid = in.get("VersionId"); vid && vid->is_string())
    v = st.version(bucket, key, vid->as_string());
  else
    v = st.current(bucket, key);
  if (!v) return;
  const Doc* sse = v->extra.get("sse");
  std::string stored = sse ? sse->str("customer_key_md5") : "";
  if (stored.empty()) {
    if (given) throw s3_error("InvalidRequest", "The encryption parameters are not applicable to this object.", 400);
    return;
  }
  if (!given)
    throw s3_error("InvalidRequest",
                   "The object was stored using a form of Server Side Encryption. The correct parameters must "
                   "be provided to retrieve the object.",
                   400);
  auto key_bytes = enc::base64_decode(in.str("SSECustomerKey"));
  if (!key_bytes || md5_base64(*key_bytes) != stored)
    throw s3_error("AccessDenied",
                   "Requests specifying Server Side Encryption with Customer provided keys must provide the "
                   "correct secret key.",
                   403);
}

// SSE-C on a write: algorithm AES256, a 256-bit key whose MD5 matches when given.
std::optional<std::string> sse_c_of_write(const Doc& in) {
  bool alg = in.has("SSECustomerAlgorithm"), key = in.has("SSECustomerKey");
  if (!alg && !key) return std::nullopt;
  if (!alg || !key)
    throw s3_error("InvalidArgument",
                   "Requests specifying Server Side Encryption with Customer provided keys must provide both "
                   "the encryption key and the algorithm.",
                   400);
  if (in.str("SSECustomerAlgorithm") != "AES256")
    throw s3_error("InvalidEncryptionAlgorithmError",
                   "The Encryption request you specified is not valid. Supported value: AES256.", 400);
  auto bytes = enc::base64_decode(in.str("SSECustomerKey"));
  if (!bytes || bytes->size() != 32)
    throw s3_error("InvalidArgument", "The secret key was invalid for the specified algorithm.", 400);
  std::string md5 = md5_base64(*bytes);
  if (in.has("SSECustomerKeyMD5") && in.str("SSECustomerKeyMD5") != md5)
    throw s3_error("InvalidArgument", "The calculated MD5 hash of the key did not match the hash that was provided.",
                   400);
  return md5;
}

std::string acl_given(const Doc& in) {
  for (const char* m : {"ACL", "GrantFullControl", "GrantRead", "GrantReadACP", "GrantWrite", "GrantWriteACP"})
    if (in.has(m)) return m;
  return "";
}

Doc lock_from_request(const Doc& in, const Store& st, const Bucket& b, int64_t now_ms) {
  Doc lock = Doc::map();
  if (const Doc* mode = in.get("ObjectLockMode"); mode && mode->is_string()) lock.set("mode", mode->as_string());
  if (const Doc* until = in.get("ObjectLockRetainUntilDate")) {
    if (until->is_timestamp()) lock.set("until_ms", until->as_timestamp().millis);
  }
  if (const Doc* hold = in.get("ObjectLockLegalHoldStatus"); hold && hold->is_string())
    lock.set("legal_hold", hold->as_string());
  if (!lock.has("mode")) {
    if (auto cfg = st.config(b.name, "object-lock")) {
      Doc c = json::parse(*cfg);
      const Doc* dr = c.get("Rule") ? c.get("Rule")->get("DefaultRetention") : nullptr;
      if (dr && dr->is_map() && dr->has("Mode")) {
        int64_t days = std::min<int64_t>(dr->integer("Days"), 36500 * 100),
                years = std::min<int64_t>(dr->integer("Years"), 100 * 100);  // no overflow below
        int64_t ms = days ? days * 86400000LL : years * 365LL * 86400000LL;
        lock.set("mode", dr->str("Mode"));
        lock.set("until_ms", now_ms + ms);
      }
    }
  }
  return lock;
}

void set_lock_headers(Doc& headers, const Doc& lock) {
  if (lock.has("mode")) {
    headers.set("ObjectLockMode", lock.str("mode"));
    headers.set("ObjectLockRetainUntilDate", Doc(Timestamp{lock.integer("until_ms")}));
  }
  if (lock.has("legal_hold")) headers.set("ObjectLockLegalHoldStatus", lock.str("legal_hold"));
}

// The default encryption a new object gets from its bucket (SSE-S3 unless configured).
Doc bucket_sse(const Store& st, std::string_view bucket) {
  Doc sse = Doc::map();
  sse.set("algorithm", "AES256");
  if (auto cfg = st.config(bucket, "encryption")) {
    Doc c = json::parse(*cfg);
    const Doc* rules = c.get("Rules");
    if (rules && rules->is_list() && !rules->as_list().empty()) {
      const Doc& r = rules->as_list()[0];
      if (const Doc* d = r.get("ApplyServerSideEncryptionByDefault"); d && d->is_map()) {
        sse.set("algorithm", d->str("SSEAlgorithm", "AES256"));
        if (d->has("KMSMasterKeyID")) sse.set("kms_key", d->str("KMSMasterKeyID"));
      }
      if (r.flag("BucketKeyEnabled")) sse.set("bucket_key", true);
    }
  }
  return sse;
}

// After a successful object write: store what this file owns (ACL, SSE, object lock) in the
// version's record and report it in the answer.
}  // namespace

void apply_write_extra(OpContext& ctx, const Doc& in, const Bucket& b, ObjectVersion& v) {
  Store& st = store(ctx);
  std::optional<std::string> sse_c_md5 = sse_c_of_write(in);
  std::optional<Doc> acl = acl_from_request(in, ctx.account(), b.account);
  Doc sse = Doc::map();
  if (sse_c_md5) {
    sse.set("customer_algorithm", "AES256");
    sse.set("customer_key_md5", *sse_c_md5);
  } else if (in.has("ServerSideEncryption")) {
    sse.set("algorithm", in.str("ServerSideEncryption"));
    if (in.has("SSEKMSKeyId")) sse.set("kms_key", in.str("SSEKMSKeyId"));
    if (in.flag("BucketKeyEnabled")) sse.set("bucket_key", true);
  } else {
    sse = bucket_sse(st, b.name);
  }
  if (sse.str("algorithm").starts_with("aws:kms") && !sse.has("kms_key"))
    sse.set("kms_key", "arn:aws:kms:" + (ctx.region().empty() ? std::string("us-east-1") : ctx.region()) + ":" +
                           b.account + ":alias/aws/s3");
  Doc lock = b.object_lock ? lock_from_request(in, st, b, ctx.now_ms) : Doc::map();
  Doc headers = Doc::map();
  if (sse.has("customer_key_md5")) {
    headers.set("SSECustomerAlgorithm", "AES256");
    headers.set("SSECustomerKeyMD5", sse.str("customer_key_md5"));
  } else {
    headers.set("ServerSideEncryption", sse.str("algorithm"));
    if (sse.has("kms_key")) headers.set("SSEKMSKeyId", sse.str("kms_key"));
    if (sse.flag("bucket_key")) headers.set("BucketKeyEnabled", true);
  }
  set_lock_headers(headers, lock);
  if (acl) {
    v.extra.set("acl", *acl);
  } else {
    v.extra.as_map().erase("acl");
  }
  v.extra.set("sse", sse);
  if (lock.size()) v.extra.set("lock", lock);
  Doc h = v.extra.get("headers") && v.extra.get("headers")->is_map() ? *v.extra.get("headers") : Doc::map();
  for (const auto& [k, val] : headers.as_map()) h.set(k, val);
  v.extra.set("headers", std::move(h));
}

void write_extra_out(const ObjectVersion& v, Doc& out) {
  const Doc* h = v.extra.get("headers");
  if (!h || !h->is_map()) return;
  for (const auto& [k, val] : h->as_map()) {
    if (k.starts_with("ObjectLock")) continue;  // not members of the write answers
    if (k == "ServerSideEncryption" || k == "SSEKMSKeyId" || k == "BucketKeyEnabled" || k == "SSECustomerAlgorithm" ||
        k == "SSECustomerKeyMD5")
      out.set(k, val);
  }
}

namespace {

void before(OpContext& ctx, const std::string& op, const Doc& in) {
  Store& st = store(ctx);
  if (op == "CreateBucket") {
    check_request_acl(st, op, in, nullptr, ctx.account());
    return;
  }
  std::string bucket = in.str("Bucket");
  if (bucket.empty()) return;
  if (op == "PutObject" || op == "CopyObject" || op == "CreateMultipartUpload") {
    auto b = st.bucket(bucket);
    if (b) {
      check_request_acl(st, op, in, &*b, ctx.account());
      if ((in.has("ObjectLockMode") || in.has("ObjectLockRetainUntilDate") || in.has("ObjectLockLegalHoldStatus")) &&
          !b->object_lock)
        throw s3_error("InvalidRequest", "Bucket is missing Object Lock Configuration", 400);
      if (in.has("ObjectLockMode") != in.has("ObjectLockRetainUntilDate"))
        throw s3_error("InvalidArgument",
                       "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied", 400);
    }
  } else if (op == "GetObject" || op == "HeadObject") {
    check_sse_c(st, in);
  } else if (op == "DeleteObject") {
    check_object_lock_delete(st, in, ctx.now_ms, in.str("Key"));
  }
}

void after(OpContext& ctx, const std::string& op, const Doc& in, Doc& out, const std::optional<std::string>& sse_c) {
  if (op == "CreateBucket") {
    Store& st = store(ctx);
    auto b = st.bucket(in.str("Bucket"));
    if (!b || b->account != ctx.account()) return;
    if (const Doc* own = in.get("ObjectOwnership"); own && own->is_string()) {
      Doc c = Doc::map();
      c.set("ObjectOwnership", own->as_string());
      st.put_config(b->name, "ownership", json::write(c));
    }
    if (auto acl = acl_from_request(in, ctx.account(), ctx.account())) {
      b->extra.set("acl", *acl);
      st.update_bucket(*b);
    }
    return;
  }
  (void)in;
  (void)out;
  (void)sse_c;  // PutObject / CopyObject apply their extra members in the commit (apply_write_extra)
}

}  // namespace

// Checks of a write that carries an ACL, before it runs.
void check_request_acl(const Store& st, std::string_view op, const Doc& in, const Bucket* b,
                       std::string_view requester) {
  if (acl_given(in).empty()) return;
  std::string bucket_owner = b ? b->account : std::string(requester);
  auto acl = acl_from_request(in, requester, bucket_owner);
  if (!acl) return;
  if (op == "CreateBucket") {
    std::string own = in.str("ObjectOwnership", "BucketOwnerEnforced");
    if (own == "BucketOwnerEnforced" && !acl_is_owner_only(*acl, bucket_owner))
      throw s3_error("InvalidBucketAclWithObjectOwnership",
                     "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting", 400);
    if (acl_is_public(*acl)) throw s3_error("AccessDenied", "Access Denied", 403);  // new buckets block public ACLs
    return;
  }
  if (!b) return;
  if (object_ownership(st, b->name) == "BucketOwnerEnforced" && !acl_is_owner_only(*acl, bucket_owner))
    throw s3_error("AccessControlListNotSupported", "The bucket does not allow ACLs", 400);
  if (public_access_block(st, b->name).block_public_acls && acl_is_public(*acl)) throw access_denied();
}

// Object lock: a version under retention or legal hold cannot be deleted by version id.
void check_object_lock_delete(const Store& st, const Doc& in, int64_t now_ms, const std::string& key) {
  const Doc* vid = in.get("VersionId");
  if (!vid || !vid->is_string()) return;
  auto v = st.version(in.str("Bucket"), key, vid->as_string());
  if (!v) return;
  const Doc* lock = v->extra.get("lock");
  if (!lock || !lock->is_map()) return;
  bool held = lock->str("legal_hold") == "ON";
  std::string mode = lock->str("mode");
  int64_t until = lock->integer("until_ms");
  bool retained = !mode.empty() && until > now_ms;
  if (retained && mode == "GOVERNANCE" && in.flag("BypassGovernanceRetention")) retained = false;
  if (held || retained) throw s3_error("AccessDenied", "Access Denied because object protected by object lock.", 403);
}

std::string action_of(std::string_view op, const Doc& in) {
  static const std::map<std::string_view, std::string_view, std::less<>> table = {
      {"HeadBucket", "s3:ListBucket"},
      {"ListObjects", "s3:ListBucket"},
      {"ListObjectsV2", "s3:ListBucket"},
      {"ListObjectVersions", "s3:ListBucketVersions"},
      {"HeadObject", "s3:GetObject"},
      {"GetObjectAttributes", "s3:GetObjectAttributes"},
      {"CopyObject", "s3:PutObject"},
      {"DeleteObjects", "s3:DeleteObject"},
      {"CreateMultipartUpload", "s3:PutObject"},
      {"UploadPart", "s3:PutObject"},
      {"UploadPartCopy", "s3:PutObject"},
      {"CompleteMultipartUpload", "s3:PutObject"},
      {"ListParts", "s3:ListMultipartUploadParts"},
      {"ListMultipartUploads", "s3:ListBucketMultipartUploads"},
      {"PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration"},
      {"GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration"},
      {"DeleteBucketLifecycle", "s3:PutLifecycleConfiguration"},
      {"PutBucketCors", "s3:PutBucketCORS"},
      {"GetBucketCors", "s3:GetBucketCORS"},
      {"DeleteBucketCors", "s3:PutBucketCORS"},
      {"PutBucketEncryption", "s3:PutEncryptionConfiguration"},
      {"GetBucketEncryption", "s3:GetEncryptionConfiguration"},
      {"DeleteBucketEncryption", "s3:PutEncryptionConfiguration"},
      {"PutObjectLockConfiguration", "s3:PutBucketObjectLockConfiguration"},
      {"GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration"},
      {"PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock"},
      {"GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"},
      {"DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock"},
      {"DeleteBucketOwnershipControls", "s3:PutBucketOwnershipControls"},
      {"DeleteBucketTagging", "s3:PutBucketTagging"},
      {"PutBucketAccelerateConfiguration", "s3:PutAccelerateConfiguration"},
      {"GetBucketAccelerateConfiguration", "s3:GetAccelerateConfiguration"},
      {"PutBucketNotificationConfiguration", "s3:PutBucketNotification"},
      {"GetBucketNotificationConfiguration", "s3:GetBucketNotification"},
      {"DeleteBucketWebsite", "s3:DeleteBucketWebsite"},
  };
  bool versioned = in.has("VersionId");
  if (versioned) {
    if (op == "GetObject" || op == "HeadObject") return "s3:GetObjectVersion";
    if (op == "DeleteObject") return "s3:DeleteObjectVersion";
    if (op == "GetObjectAcl") return "s3:GetObjectVersionAcl";
    if (op == "PutObjectAcl") return "s3:PutObjectVersionAcl";
    if (op == "GetObjectTagging") return "s3:GetObjectVersionTagging";
    if (op == "PutObjectTagging") return "s3:PutObjectVersionTagging";
    if (op == "DeleteObjectTagging") return "s3:DeleteObjectVersionTagging";
  }
  if (auto it = table.find(op); it != table.end()) return std::string(it->second);
  return "s3:" + std::string(op);
}

PublicAccessBlock public_access_block(const Store& st, std::string_view bucket) {
  PublicAccessBlock p;
  auto text = st.config(bucket, "public-access-block");
  if (!text) return p;
  if (*text == "none") {
    p = {false, false, false, false, false};
    return p;
  }
  Doc d = json::parse(*text);
  p.block_public_acls = d.flag("BlockPublicAcls");
  p.ignore_public_acls = d.flag("IgnorePublicAcls");
  p.block_public_policy = d.flag("BlockPublicPolicy");
  p.restrict_public_buckets = d.flag("RestrictPublicBuckets");
  return p;
}

std::string object_ownership(const Store& st, std::string_view bucket) {
  auto text = st.config(bucket, "ownership");
  if (!text) return "BucketOwnerEnforced";
  if (*text == "none") return "";
  return json::parse(*text).str("ObjectOwnership", "BucketOwnerEnforced");
}

std::optional<Doc> acl_from_request(const Doc& in, std::string_view owner, std::string_view bucket_owner) {
  std::string canned = in.str("ACL");
  bool grants = false;
  for (const char* m : {"GrantFullControl", "GrantRead", "GrantReadACP", "GrantWrite", "GrantWriteACP"})
    grants = grants || in.has(m);
  if (canned.empty() && !grants) return std::nullopt;
  if (!canned.empty() && grants)
    throw s3_error("InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed", 400);
  Doc acl = owner_full_control(owner);
  auto& list = acl.as_map()["grants"].as_list();
  if (!canned.empty()) {
    if (canned == "public-read") {
      list.push_back(grant("Group", kAllUsers, "READ"));
    } else if (canned == "public-read-write") {
      list.push_back(grant("Group", kAllUsers, "READ"));
      list.push_back(grant("Group", kAllUsers, "WRITE"));
    } else if (canned == "authenticated-read") {
      list.push_back(grant("Group", kAuthenticatedUsers, "READ"));
    } else if (canned == "aws-exec-read") {
      list.push_back(grant("CanonicalUser", auth::canonical_user_id("000000000000"), "READ"));
    } else if (canned == "bucket-owner-read") {
      if (bucket_owner != owner) list.push_back(grant("CanonicalUser", auth::canonical_user_id(bucket_owner), "READ"));
    } else if (canned == "bucket-owner-full-control") {
      if (bucket_owner != owner)
        list.push_back(grant("CanonicalUser", auth::canonical_user_id(bucket_owner), "FULL_CONTROL"));
    } else if (canned == "log-delivery-write") {
      list.push_back(grant("Group", kLogDelivery, "WRITE"));
      list.push_back(grant("Group", kLogDelivery, "READ_ACP"));
    } else if (canned != "private") {
      throw s3_error("InvalidArgument", "", 400, {{"ArgumentName", "x-amz-acl"}, {"ArgumentValue", canned}});
    }
    return acl;
  }
  list.clear();
  for (auto [member, perm] : {std::pair{"GrantFullControl", "FULL_CONTROL"},
                              {"GrantRead", "READ"},
                              {"GrantReadACP", "READ_ACP"},
                              {"GrantWrite", "WRITE"},
                              {"GrantWriteACP", "WRITE_ACP"}}) {
    const Doc* v = in.get(member);
    if (!v || !v->is_string()) continue;
    // id="...", uri="...", emailAddress="..." separated by commas.
    std::string_view s = v->as_string();
    size_t at = 0;
    while (at < s.size()) {
      size_t comma = s.find(',', at);
      std::string_view item = s.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
      at = comma == std::string_view::npos ? s.size() : comma + 1;
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      size_t eq = item.find('=');
      if (eq == std::string_view::npos) throw s3_error("InvalidArgument", "Invalid grant header", 400);
      std::string_view kind = item.substr(0, eq), val = item.substr(eq + 1);
      if (val.size() >= 2 && val.front() == '"' && val.back() == '"') val = val.substr(1, val.size() - 2);
      if (kind == "id") {
        list.push_back(grant("CanonicalUser", val, perm));
      } else if (kind == "uri") {
        if (val != kAllUsers && val != kAuthenticatedUsers && val != kLogDelivery)
          throw s3_error("InvalidArgument", "Invalid group uri", 400,
                         {{"ArgumentName", "uri"}, {"ArgumentValue", val}});
        list.push_back(grant("Group", val, perm));
      } else if (kind == "emailAddress") {
        throw s3_error("UnresolvableGrantByEmailAddress",
                       "The e-mail address you provided does not match any account on record.", 400);
      } else {
        throw s3_error("InvalidArgument", "Argument format not recognized", 400,
                       {{"ArgumentName", member}, {"ArgumentValue", v->as_string()}});
      }
    }
  }
  return acl;
}

Doc acl_from_policy(const Doc& policy, std::string_view owner) {
  Doc acl = Doc::map();
  acl.set("owner", std::string(owner));
  Doc list = Doc::list();
  const Doc* grants = policy.get("Grants");
  if (grants && grants->is_list()) {
    for (const Doc& g : grants->as_list()) {
      const Doc* who = g.get("Grantee");
      std::string perm = g.str("Permission");
      static const std::set<std::string, std::less<>> perms = {"FULL_CONTROL", "READ", "WRITE", "READ_ACP",
                                                               "WRITE_ACP"};
      if (!who || !who->is_map() || !perms.count(perm))
        throw s3_error("MalformedACLError",
                       "The XML you provided was not well-formed or did not validate against our published schema",
                       400);
      std::string type = who->str("Type");
      if (type == "CanonicalUser" && who->has("ID")) {
        list.as_list().push_back(grant("CanonicalUser", who->str("ID"), perm));
      } else if (type == "Group" && who->has("URI")) {
        std::string uri = who->str("URI");
        if (uri != kAllUsers && uri != kAuthenticatedUsers && uri != kLogDelivery)
          throw s3_error("InvalidArgument", "Invalid group uri", 400,
                         {{"ArgumentName", "uri"}, {"ArgumentValue", uri}});
        list.as_list().push_back(grant("Group", uri, perm));
      } else if (type == "AmazonCustomerByEmail") {
        throw s3_error("UnresolvableGrantByEmailAddress",
                       "The e-mail address you provided does not match any account on record.", 400);
      } else {
        throw s3_error("MalformedACLError",
                       "The XML you provided was not well-formed or did not validate against our published schema",
                       400);
      }
    }
  }
  acl.set("grants", std::move(list));
  return acl;
}

Doc acl_output(const Doc* stored, std::string_view owner) {
  Doc acl = stored && stored->is_map() ? *stored : owner_full_control(owner);
  std::string who = acl.str("owner", owner);
  Doc out = Doc::map();
  Doc o = Doc::map();
  o.set("DisplayName", auth::display_name(who));
  o.set("ID", auth::canonical_user_id(who));
  out.set("Owner", o);
  Doc grants = Doc::list();
  if (const Doc* list = acl.get("grants"); list && list->is_list()) {
    for (const Doc& g : list->as_list()) {
      Doc grantee = Doc::map();
      grantee.set("Type", g.str("type"));
      if (g.str("type") == "Group") {
        grantee.set("URI", g.str("uri"));
      } else {
        grantee.set("ID", g.str("id"));
        if (g.str("id") == auth::canonical_user_id(who)) grantee.set("DisplayName", auth::display_name(who));
      }
      Doc e = Doc::map();
      e.set("Grantee", std::move(grantee));
      e.set("Permission", g.str("permission"));
      grants.as_list().push_back(std::move(e));
    }
  }
  out.set("Grants", std::move(grants));
  return out;
}

bool acl_is_public(const Doc& acl) {
  const Doc* list = acl.get("grants");
  if (!list || !list->is_list()) return false;
  for (const Doc& g : list->as_list())
    if (g.str("type") == "Group" && (g.str("uri") == kAllUsers || g.str("uri") == kAuthenticatedUsers)) return true;
  return false;
}

bool acl_is_owner_only(const Doc& acl, std::string_view bucket_owner) {
  const Doc* list = acl.get("grants");
  if (!list || !list->is_list()) return true;
  std::string owner_id = auth::canonical_user_id(acl.str("owner"));
  std::string bucket_id = auth::canonical_user_id(bucket_owner);
  for (const Doc& g : list->as_list()) {
    if (g.str("type") != "CanonicalUser") return false;
    if (g.str("id") == bucket_id && g.str("permission") == "FULL_CONTROL") continue;
    if (g.str("id") == owner_id && g.str("permission") == "FULL_CONTROL") continue;
    return false;
  }
  return true;
}

void guard_operations(stratus::Service& service) {
  for (const std::string& name : service.implemented()) {
    const stratus::Service::Entry* e = service.handler(name);
    if (!e) continue;
    if (e->sync) {
      Handler h = e->sync;
      service.add(name, [name, h](OpContext& ctx, const Doc& in) {
        InputScope scope(in);
        apply_bucket_cors(ctx, store(ctx), in.str("Bucket"));
        before(ctx, name, in);
        std::optional<std::string> sse_c;
        if (name == "PutObject" || name == "CopyObject") sse_c = sse_c_of_write(in);
        Doc out = h(ctx, in);
        after(ctx, name, in, out, sse_c);
        return out;
      });
    } else if (e->async) {
      AsyncHandler h = e->async;
      service.add_async(name, [name, h](OpContext& ctx, const Doc& in, Done done) {
        InputScope scope(in);
        apply_bucket_cors(ctx, store(ctx), in.str("Bucket"));
        before(ctx, name, in);
        h(ctx, in, std::move(done));
      });
    }
  }
}

}  // namespace stratus::s3
