// Amazon S3: the service and its operation table. Buckets, versions and configuration records
// live in storage, object data in files under <data-dir>/s3 (store.h); handlers are in ops/.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>

#include "auth/sigv4.h"
#include "server/context.h"
#include "server/invoke_router.h"
#include "services/s3/ops.h"
#include "services/s3/ops/common.h"
#include "services/s3/post_object.h"
#include "services/s3/schema.h"
#include "services/s3/store.h"

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

class S3Service final : public Service, public InvokeRouter {
 public:
  S3Service() : Service("s3") {
    add("CreateBucket", create_bucket);
    add("HeadBucket", head_bucket);
    add("DeleteBucket", delete_bucket);
    add("ListBuckets", list_buckets);
    add("GetBucketLocation", get_bucket_location);
    add("PutBucketVersioning", put_bucket_versioning);
    add("GetBucketVersioning", get_bucket_versioning);
    add("PutObject", put_object);
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
    gap("Access control", "only the bucket's own account is allowed (bucket policies and ACLs not evaluated yet)");
    gap("POST Object",
        "browser form uploads store the object with its content headers and metadata; the acl and "
        "tagging fields are accepted but not applied");
    gap("Event notifications",
        "Put/GetBucketNotificationConfiguration and deliveries to SQS/SNS/Lambda are not "
        "implemented");
    gap("CompleteMultipartUpload", "answers are not streamed with keep-alive whitespace while the parts are assembled");
    gap("Data durability", "object data files are fsynced only with --fsync, like the metadata");
  }

  // POST Object: browser form uploads (post_object.h).
  bool claims(const http::Request& req) const override { return is_post_object(req); }
  void serve(http::Request req, http::Responder respond) override { respond(serve_post_object(*ctx_, *store_, req)); }
  const char* log_service() const override { return "s3"; }

  void attach(ServerContext& ctx) override {
    ctx_ = &ctx;
    root_ = data_root(ctx.config());
    store_ = std::make_unique<Store>(ctx.storage(), root_, ctx.config().fsync);
    ctx.provide<Store>(store_.get());
    ephemeral_ = ctx.config().ephemeral;
    strict_ = ctx.config().auth == AuthMode::strict;
  }
  void start(ServerContext&) override { store_->start(); }
  void stop() override {
    if (ephemeral_) {
      std::error_code ec;
      std::filesystem::remove_all(root_, ec);
    }
  }
  void reset() override { store_->reset(); }
  std::span<const storage::Keyspace> keyspaces() const override { return kKeyspaces; }
  // S3 answers values outside its enums with its own errors (InvalidStorageClass,
  // InvalidLocationConstraint, ...): the handlers check them.
  bool validates_enums() const override { return false; }

  // A hex x-amz-content-sha256 must match the body in every mode (strict mode checked it with the
  // signature already): XAmzContentSHA256Mismatch.
  // x-amz-expected-bucket-owner: a bucket of another account answers 403 AccessDenied.
  void complete_input(const model::Operation&, const http::Request& req, Doc& input) const override {
    if (const Doc* owner = input.get("ExpectedBucketOwner"); owner && owner->is_string()) {
      auto b = store_->bucket(input.str("Bucket"));
      if (b && b->account != owner->as_string()) throw s3_error("AccessDenied", "Access Denied", 403);
    }
    if (strict_ || (req.body.empty() && !req.body_file)) return;
    if (auto e = auth::check_payload_hash(req)) throw *e;
  }

 private:
  std::string root_;
  std::unique_ptr<Store> store_;
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
