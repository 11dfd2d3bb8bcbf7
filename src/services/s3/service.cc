// Amazon S3: the service and its operation table. Buckets, versions and configuration records
// live in storage, object data in files under <data-dir>/s3 (store.h); handlers are in ops/.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>

#include "auth/sigv4.h"
#include "core/clock.h"
#include "core/env.h"
#include "server/context.h"
#include "services/s3/access.h"
#include "services/s3/api.h"
#include "services/s3/config_ops.h"
#include "services/s3/lifecycle.h"
#include "services/s3/notify.h"
#include "services/s3/ops.h"
#include "services/s3/ops/common.h"
#include "services/s3/post_object.h"
#include "services/s3/schema.h"
#include "services/s3/store.h"
#include "services/s3/web.h"
#include "storage/lane.h"

namespace stratus::s3 {
namespace {

// Where object data lives: <data-dir>/s3, or a private temporary folder with --ephemeral.
std::string data_root(const Config& cfg) {
  if (!cfg.ephemeral) return cfg.data_dir + "/s3";
  const char* t = std::getenv("TMPDIR");
  std::string base = std::string(t && *t ? t : "/tmp") + "/stratus-s3-XXXXXX";
  if (!::mkdtemp(base.data())) throw std::runtime_error("s3: cannot create a temporary data folder");
  return base;
}

// The read port (api.h): an object's bytes as the caller's GetObject would see them.
class ReadPort final : public Api {
 public:
  explicit ReadPort(Store& st) : st_(st) {}
  Result<std::string> read(const OpContext::Caller& caller, const std::string& region, const std::string& bucket,
                           const std::string& key, const std::string& version_id, uint64_t max_bytes) override {
    try {
      auto b = st_.bucket(bucket);
      if (!b) return no_such_bucket(bucket);
      if (!region.empty() && b->region != region)
        return s3_error("PermanentRedirect",
                        "The bucket is in this region: " + b->region + ". Please use this region to retry the request",
                        301);
      Doc in = Doc::map();
      if (!version_id.empty()) in.set("VersionId", version_id);
      authorize(st_, caller, now_millis(), *b, version_id.empty() ? "s3:GetObject" : "s3:GetObjectVersion", key, &in);
      std::optional<ObjectVersion> v =
          version_id.empty() ? st_.current(bucket, key) : st_.version(bucket, key, version_id);
      if (!v) return version_id.empty() ? no_such_key(key) : no_such_version(key, version_id);
      if (v->delete_marker) return version_id.empty() ? no_such_key(key) : method_not_allowed("GET");
      if ((v->storage_class == "GLACIER" || v->storage_class == "DEEP_ARCHIVE") &&
          v->restore.find("ongoing-request=\"false\"") == std::string::npos)
        return s3_error("InvalidObjectState", "The operation is not valid for the object's storage class", 403);
      if (v->size > max_bytes)
        return s3_error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400);
      return st_.read_all(*v);
    } catch (const AwsError& e) {
      return e;
    }
  }

 private:
  Store& st_;
};

// Also the router of the requests that are not API calls: POST Object form uploads, static
// websites and CORS preflights (web.h).
class S3Service final : public Service, public WebRouter {
 public:
  S3Service() : Service("s3") {
    add("CreateBucket", create_bucket);
    add("HeadBucket", head_bucket);
    add("DeleteBucket", delete_bucket);
    add("ListBuckets", list_buckets);
    add("GetBucketLocation", get_bucket_location);
    add("PutBucketVersioning", put_bucket_versioning);
    add("GetBucketVersioning", get_bucket_versioning);
    // On the commit lane (below): the I/O thread checks the request and writes the data.
    add_async("PutObject", [this](OpContext& c, const Doc& in, Done done) {
      on_lane(c, in, prepare_put_object(c, in), std::move(done));
    });
    add("GetObject", get_object);
    add("HeadObject", head_object);
    add("DeleteObject", delete_object);
    add("DeleteObjects", delete_objects);
    add("CopyObject", copy_object);
    add("RestoreObject", restore_object);
    add("GetObjectAttributes", get_object_attributes);
    add("GetObjectTagging", get_object_tagging);
    add("PutObjectTagging", put_object_tagging);
    add("DeleteObjectTagging", delete_object_tagging);
    add("ListObjectsV2", list_objects_v2);
    add("ListObjects", list_objects);
    add("ListObjectVersions", list_object_versions);
    add("CreateMultipartUpload", create_multipart_upload);
    add("UploadPart", upload_part);
    add("UploadPartCopy", upload_part_copy);
    add("CompleteMultipartUpload", complete_multipart_upload);
    add("AbortMultipartUpload", abort_multipart_upload);
    add("ListParts", list_parts);
    add("ListMultipartUploads", list_multipart_uploads);
    add_config_operations(*this);
    gap("Access control",
        "bucket policies, ACLs, Block Public Access and ownership are enforced; IAM identity policies are not "
        "(a bucket owner's users may do anything the bucket policy does not deny); aws:SourceIp, aws:Referer "
        "and aws:UserAgent are not in the policy context");
    gap("Static website", "no x-amz-website-redirect-location on folders");
    gap("Event notifications",
        "records carry 127.0.0.1 as sourceIPAddress; s3:Replication:*, s3:LifecycleTransition, "
        "s3:IntelligentTiering and s3:ReducedRedundancyLostObject are accepted but never sent");
    gap("CompleteMultipartUpload", "answers are not streamed with keep-alive whitespace while the parts are assembled");
    // Last: every operation above runs behind access control (access.h).
    guard_operations(*this);
    gap("Data durability", "object data files are fsynced only with --fsync, like the metadata");
  }

  // POST Object: browser form uploads (post_object.h); the rest is WebRouter's.
  bool claims(const http::Request& req) const override { return is_post_object(req) || WebRouter::claims(req); }
  void serve(http::Request req, http::Responder respond) override {
    if (is_post_object(req)) return respond(serve_post_object(*ctx_, *store_, req));
    WebRouter::serve(std::move(req), std::move(respond));
  }

  void attach(ServerContext& ctx) override {
    ctx_ = &ctx;
    root_ = data_root(ctx.config());
    store_ = std::make_unique<Store>(ctx.storage(), root_, ctx.config().fsync);
    ctx.provide<Store>(store_.get());
    read_port_ = std::make_unique<ReadPort>(*store_);
    ctx.provide<Api>(read_port_.get());
    notifier_ = std::make_unique<Notifier>(ctx, *store_);
    ctx.provide<Notifier>(notifier_.get());
    set_store(store_.get());
    install_authorizer(*store_);
    ephemeral_ = ctx.config().ephemeral;
    strict_ = ctx.config().auth == AuthMode::strict;
  }
  void start(ServerContext& ctx) override {
    store_->start();
    lane_ = std::make_unique<storage::CommitLane>(ctx.storage(), "s3-writer");
    notifier_->subscribe();
    // Lifecycle rules, applied by a background sweep (lifecycle.h).
    int64_t period = env_positive("STRATUS_S3_LIFECYCLE_MS", 60'000);
    int64_t day = env_positive("STRATUS_S3_LIFECYCLE_DAY_MS", 86'400'000);
    Store* st = store_.get();
    Notifier* n = notifier_.get();
    ctx.scheduler("s3").every("s3.lifecycle", period, [st, n, day] { sweep_lifecycle(*st, now_millis(), day, n); });
  }
  void stop() override {
    lane_.reset();  // runs what is queued
    if (ephemeral_) {
      std::error_code ec;
      std::filesystem::remove_all(root_, ec);
    }
  }
  void reset() override {
    store_->reset();
    notifier_->reset();
  }
  std::span<const storage::Keyspace> keyspaces() const override { return kKeyspaces; }
  // S3 answers values outside its enums with its own errors (InvalidStorageClass,
  // InvalidLocationConstraint, ...): the handlers check them.
  bool validates_enums() const override { return false; }

  // A hex x-amz-content-sha256 must match the body in every mode (strict mode checked it with the
  // signature already): XAmzContentSHA256Mismatch.
  // x-amz-expected-bucket-owner: a bucket of another account answers 403 AccessDenied.
  // PutObject / UploadPart: every body that would become a data file is spooled (the spool file
  // is linked into the data folder), digested as it arrives with the ETag's MD5 and the checksum
  // the handler will want (declared_checksum: the one x-amz-checksum-* header, else CRC64NVME;
  // a trailer's is verified by the aws-chunked decoder, which hands its value over).
  void plan_streaming_body(const http::Request& head, uint64_t& spool_above,
                           http::BodyDigests& digests) const override {
    spool_above = Store::kInlineMax;
    digests.md5 = true;
    if (head.headers.get("x-amz-trailer").rfind("x-amz-checksum-", 0) == 0) return;
    digests.checksum = "crc64nvme";
    for (std::string_view alg : {"crc32", "crc32c", "crc64nvme", "sha1", "sha256"})
      if (head.headers.has("x-amz-checksum-" + std::string(alg))) digests.checksum = alg;
  }

  void complete_input(const model::Operation&, const http::Request& req, Doc& input) const override {
    if (const Doc* owner = input.get("ExpectedBucketOwner"); owner && owner->is_string()) {
      auto b = store_->bucket(input.str("Bucket"));
      if (b && b->account != owner->as_string()) throw s3_error("AccessDenied", "Access Denied", 403);
    }
    if (strict_ || (req.body.empty() && !req.body_file)) return;
    if (auto e = auth::check_payload_hash(req)) throw *e;
  }

 private:
  // PutObject's commit: on the I/O thread when the key's lock is free (no hand-off: the common
  // case of writers of different keys), else on S3's commit lane (storage/lane.h, thread
  // "s3-writer"): PUTs of one key queue there instead of sleeping on the key's lock in their
  // I/O threads (every connection of a sleeping I/O thread would wait with it). Measured with
  // bench/s3_put_cpu.py (one key): the lane alone cost more than it saved at 4 connections.
  // Errors of the commit (PreconditionFailed, NoSuchBucket...) go through invoke_handler.
  void on_lane(OpContext& c, const Doc& in, PreparedPut p, Done done) {
    if (lane_) {
      std::optional<Doc> now;
      Handler h = [&p, &now](OpContext& ctx, const Doc&) -> Doc {
        now = try_commit_put_object(ctx, p);
        return now ? std::move(*now) : Doc();
      };
      Result<Doc> out = invoke_handler(h, c, in);
      if (!out.ok() || now) return done(std::move(out));
    }
    auto task = [&c, &in, p = std::move(p), done = std::move(done)]() mutable -> storage::CommitLane::Then {
      Handler h = [&p](OpContext& ctx, const Doc&) -> Doc { return commit_put_object(ctx, p); };
      return [out = invoke_handler(h, c, in), done = std::move(done)](const storage::Status& logged) mutable {
        if (!logged.ok() && out.ok()) out = Result<Doc>(internal_error());
        done(std::move(out));
      };
    };
    if (lane_) return lane_->submit(std::move(task));
    task()(storage::Status::OK());  // not started: inline
  }

  std::unique_ptr<storage::CommitLane> lane_;
  std::string root_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Notifier> notifier_;
  std::unique_ptr<ReadPort> read_port_;
  ServerContext* ctx_ = nullptr;
  bool ephemeral_ = false, strict_ = false;
};

}  // namespace

Store& store(OpContext& ctx) {
  return *ctx.server.port<Store>();
}

std::unique_ptr<Service> make_service() {
  return std::make_unique<S3Service>();
}

}  // namespace stratus::s3
