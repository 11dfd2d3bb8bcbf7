// S3's operation handlers (bodies in ops/), one per operation of the table in service.cc.
#pragma once

#include "core/doc.h"
#include "services/service.h"

namespace stratus::s3 {

// ops/buckets.cc
Doc create_bucket(OpContext& ctx, const Doc& in);
Doc head_bucket(OpContext& ctx, const Doc& in);
Doc delete_bucket(OpContext& ctx, const Doc& in);
Doc list_buckets(OpContext& ctx, const Doc& in);
Doc get_bucket_location(OpContext& ctx, const Doc& in);
Doc put_bucket_versioning(OpContext& ctx, const Doc& in);
Doc get_bucket_versioning(OpContext& ctx, const Doc& in);

// ops/objects.cc
Doc put_object(OpContext& ctx, const Doc& in);
Doc get_object(OpContext& ctx, const Doc& in);
Doc head_object(OpContext& ctx, const Doc& in);
Doc delete_object(OpContext& ctx, const Doc& in);
Doc delete_objects(OpContext& ctx, const Doc& in);
Doc copy_object(OpContext& ctx, const Doc& in);
Doc restore_object(OpContext& ctx, const Doc& in);
Doc get_object_attributes(OpContext& ctx, const Doc& in);

// ops/tagging.cc
Doc get_object_tagging(OpContext& ctx, const Doc& in);
Doc put_object_tagging(OpContext& ctx, const Doc& in);
Doc delete_object_tagging(OpContext& ctx, const Doc& in);

// ops/list.cc
Doc list_objects_v2(OpContext& ctx, const Doc& in);
Doc list_objects(OpContext& ctx, const Doc& in);
Doc list_object_versions(OpContext& ctx, const Doc& in);

// ops/multipart.cc
Doc create_multipart_upload(OpContext& ctx, const Doc& in);
Doc upload_part(OpContext& ctx, const Doc& in);
Doc upload_part_copy(OpContext& ctx, const Doc& in);
Doc complete_multipart_upload(OpContext& ctx, const Doc& in);
Doc abort_multipart_upload(OpContext& ctx, const Doc& in);
Doc list_parts(OpContext& ctx, const Doc& in);
Doc list_multipart_uploads(OpContext& ctx, const Doc& in);

}  // namespace stratus::s3
