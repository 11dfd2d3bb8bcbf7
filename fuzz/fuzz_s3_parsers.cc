// Fuzz S3's own parsers: the Range header (against a size taken from the input), ListObjectsV2
// continuation tokens, POST Object's tagging field and the listing's scanner of stored version
// records (which must agree with the whole decode on what it reads). Any input must give an answer; a parsed
// range must lie inside the object.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "core/json.h"
#include "services/s3/post_object.h"
#include "services/s3/range.h"
#include "services/s3/store.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  uint64_t object_size = in.empty() ? 0 : static_cast<unsigned char>(in[0]) * 7919ull;
  s3::ByteRange r;
  if (s3::parse_range(in, object_size, &r) == s3::RangeKind::ok && (r.first > r.last || r.last >= object_size))
    std::abort();
  if (auto t = s3::decode_token(in)) {
    auto back = s3::decode_token(s3::encode_token(*t));
    if (!back || back->value != t->value || back->after_prefix != t->after_prefix) std::abort();
  }
  try {
    if (s3::parse_tagging_xml(in).size() > 10) std::abort();
  } catch (const AwsError&) {
  }
  try {
    s3::ObjectVersion summary;
    s3::read_summary(in, summary);
    Doc doc = json::parse(in);
    s3::ObjectVersion whole = s3::ObjectVersion::from_doc(doc);
    // Stored records are json::write's text (members sorted, "x" last): there the two agree.
    if (doc.is_map() && json::write(doc) == in &&
        (summary.etag != whole.etag || summary.size != whole.size || summary.seq != whole.seq ||
         summary.delete_marker != whole.delete_marker || summary.data.id != whole.data.id))
      std::abort();
    s3::ListedVersion listed;
    s3::read_listed(in, listed);
    if (doc.is_map() && json::write(doc) == in &&
        (listed.etag != whole.etag || listed.size != whole.size || listed.version_id != whole.version_id ||
         listed.delete_marker != whole.delete_marker || listed.storage_class != whole.storage_class ||
         listed.last_modified_ms != whole.last_modified_ms || listed.restored != !whole.restore.empty()))
      std::abort();
  } catch (const AwsError&) {
  }
  return 0;
}
