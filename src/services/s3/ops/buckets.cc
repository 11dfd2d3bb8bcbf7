// Buckets: create (naming rules, location constraints), head, delete, list, location,
// versioning.
#include <algorithm>
#include <cctype>

#include "core/encoding.h"
#include "core/paging.h"
#include "services/s3/multipart.h"
#include "services/s3/notify.h"
#include "services/s3/ops.h"
#include "services/s3/ops/common.h"

namespace stratus::s3 {
namespace {

bool valid_bucket_name(std::string_view n) {
  if (n.size() < 3 || n.size() > 63) return false;
  for (char c : n)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
          c == '-'))
      return false;
  auto alnum = [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
  };
  if (!alnum(n.front()) || !alnum(n.back())) return false;
  if (n.find("..") != std::string_view::npos || n.find(".-") != std::string_view::npos ||
      n.find("-.") != std::string_view::npos)
    return false;
  for (std::string_view p : {"xn--", "sthree-", "amzn-s3-demo-"})
    if (n.substr(0, p.size()) == p) return false;
  for (std::string_view s : {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"})
    if (n.size() >= s.size() && n.substr(n.size() - s.size()) == s) return false;
  // Not an IP address (four dot-separated numbers).
  int dots = 0;
  bool digits_only = true;
  for (char c : n) {
    if (c == '.')
      ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c)))
      digits_only = false;
  }
  return !(digits_only && dots == 3);
}

std::string region_of(OpContext& ctx) {
  return ctx.region().empty() ? std::string("us-east-1") : ctx.region();
}

}  // namespace

Doc create_bucket(OpContext& ctx, const Doc& in) {
  std::string name = in.str("Bucket");
  if (!valid_bucket_name(name))
    throw s3_error("InvalidBucketName", "The specified bucket is not valid.", 400, {{"BucketName", name}});
  std::string region = region_of(ctx);
  std::string lc;
  if (const Doc* cfg = in.get("CreateBucketConfiguration"); cfg && cfg->is_map()) lc = cfg->str("LocationConstraint");
  if (region == "us-east-1") {
    if (lc == "us-east-1" || (!lc.empty() && lc != "EU"))
      throw s3_error("InvalidLocationConstraint", "The specified location-constraint is not valid", 400,
                     {{"LocationConstraint", lc}});
  } else if (lc.empty()) {
    throw s3_error("IllegalLocationConstraintException",
                   "The unspecified location constraint is incompatible for the region specific endpoint this "
                   "request was sent to.",
                   400);
  } else if (lc != region && !(lc == "EU" && region == "eu-west-1")) {
    throw s3_error(
        "IllegalLocationConstraintException",
        "The " + lc + " location constraint is incompatible for the region specific endpoint this request was sent to.",
        400);
  }
  Store& st = store(ctx);
  Bucket b;
  b.name = name;
  b.account = ctx.account();
  b.region = region;
  b.created_ms = ctx.now_ms;
  b.object_lock = in.flag("ObjectLockEnabledForBucket");
  if (b.object_lock) b.versioning = "Enabled";
  if (!st.create_bucket(b)) {
    auto existing = st.bucket(name);
    if (existing && existing->account == ctx.account()) {
      // us-east-1 answers a repeated CreateBucket of one's own bucket with success (legacy).
      if (existing->region != "us-east-1" || region != "us-east-1")
        throw s3_error("BucketAlreadyOwnedByYou",
                       "Your previous request to create the named bucket succeeded and you already own it.", 409,
                       {{"BucketName", name}});
    } else {
      throw s3_error("BucketAlreadyExists",
                     "The requested bucket name is not available. The bucket namespace is shared by all users of the "
                     "system. Please select a different name and try again.",
                     409, {{"BucketName", name}});
    }
  }
  Doc out = Doc::map();
  out.set("Location", "/" + name);
  out.set("BucketArn", "arn:aws:s3:::" + name);
  return out;
}

Doc head_bucket(OpContext& ctx, const Doc& in) {
  Bucket b = bucket_for(ctx, in.str("Bucket"), "s3:ListBucket");
  Doc out = Doc::map();
  out.set("BucketRegion", b.region);
  out.set("BucketArn", "arn:aws:s3:::" + b.name);
  return out;
}

Doc delete_bucket(OpContext& ctx, const Doc& in) {
  bucket_for(ctx, in.str("Bucket"), "s3:DeleteBucket");
  // Uploads in progress do not keep a bucket from being deleted: they go with it (their parts'
  // data too), once the bucket is known to hold no object.
  if (store(ctx).bucket_empty(in.str("Bucket"))) {
    Multipart mp(ctx.storage, store(ctx));
    std::vector<Upload> uploads;
    mp.scan(in.str("Bucket"), "", "", "", [&](const Upload& u) {
      uploads.push_back(u);
      return true;
    });
    for (const Upload& u : uploads) {
      try {
        mp.abort(u.bucket, u.key, u.upload_id);
      } catch (const AwsError& e) {
        if (e.code != "NoSuchUpload") throw;
      }
    }
  }
  store(ctx).delete_bucket(in.str("Bucket"));
  notifier(ctx).forget(in.str("Bucket"));
  return Doc::map();
}

Doc list_buckets(OpContext& ctx, const Doc& in) {
  std::string prefix = in.str("Prefix"), region = in.str("BucketRegion");
  int64_t max = in.integer("MaxBuckets", 10000);
  if (in.has("MaxBuckets") && (max < 1 || max > 10000))
    throw invalid_argument("Argument max-buckets must be an integer between 1 and 10000", "max-buckets",
                           std::to_string(max));
  std::string after;
  if (const Doc* t = in.get("ContinuationToken"); t && t->is_string()) {
    auto raw = enc::base64_decode(t->as_string());
    if (!raw || raw->empty())
      throw invalid_argument("The continuation token provided is incorrect", "continuation-token", t->as_string());
    after = *raw;
  }
  paging::After page(max, std::move(after));
  for (const Bucket& b : store(ctx).buckets()) {
    if (b.account != ctx.account()) continue;
    if (b.name.substr(0, prefix.size()) != prefix) continue;
    if (!region.empty() && b.region != region) continue;
    if (page.seen(b.name)) continue;
    if (page.full()) break;
    Doc e = Doc::map();
    e.set("Name", b.name);
    e.set("CreationDate", Timestamp{b.created_ms / 1000 * 1000});
    e.set("BucketRegion", b.region);
    e.set("BucketArn", "arn:aws:s3:::" + b.name);
    page.add(b.name, std::move(e));
  }
  Doc out = Doc::map();
  out.set("Buckets", page.take());
  out.set("Owner", owner_doc(ctx.account()));
  if (!prefix.empty()) out.set("Prefix", prefix);
  if (page.more()) out.set("ContinuationToken", enc::base64_encode(page.last()));
  return out;
}

Doc get_bucket_location(OpContext& ctx, const Doc& in) {
  Bucket b = bucket_for(ctx, in.str("Bucket"), "s3:GetBucketLocation");
  Doc out = Doc::map();
  if (b.region != "us-east-1") out.set("LocationConstraint", b.region);
  return out;
}

Doc put_bucket_versioning(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  Bucket b = bucket_for(ctx, in.str("Bucket"), "s3:PutBucketVersioning");
  const Doc* cfg = in.get("VersioningConfiguration");
  std::string status = cfg ? cfg->str("Status") : "";
  if (status != "Enabled" && status != "Suspended") {
    if (status.empty() && cfg && cfg->has("MFADelete")) {
      // MFADelete alone: stored and reported.
    } else {
      throw s3_error("IllegalVersioningConfigurationException", "The Versioning element must be specified", 400);
    }
  }
  if (status == "Suspended" && b.object_lock)
    throw invalid_request(
        "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.");
  if (!status.empty()) b.versioning = status;
  if (cfg && cfg->has("MFADelete")) b.mfa_delete = cfg->str("MFADelete");
  st.update_bucket(b);
  return Doc::map();
}

Doc get_bucket_versioning(OpContext& ctx, const Doc& in) {
  Bucket b = bucket_for(ctx, in.str("Bucket"), "s3:GetBucketVersioning");
  Doc out = Doc::map();
  if (!b.versioning.empty()) out.set("Status", b.versioning);
  if (!b.mfa_delete.empty()) out.set("MFADelete", b.mfa_delete);
  return out;
}

}  // namespace stratus::s3
