// The KMS ciphertext blob parser and the decrypt path behind it (services/kms/blob.h, state.h):
// arbitrary bytes as a CiphertextBlob, with and without an encryption context, against a store
// holding one known key (the seeds are blobs of that key). Must answer an AwsError or the
// plaintext, never crash; a blob that parses re-encodes to the same header.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/kms/blob.h"
#include "services/kms/state.h"
#include "storage/engine.h"

namespace {

constexpr const char* kKeyId = "11111111-2222-3333-4444-555555555555";

stratus::kms::State& state() {
  static auto engine = stratus::storage::open_memory();
  static stratus::kms::State* st = [] {
    auto* s = new stratus::kms::State(*engine, std::string(32, 'm'));
    stratus::kms::Key k;
    k.account = "000000000000";
    k.region = "us-east-1";
    k.id = kKeyId;
    k.arn = "arn:aws:kms:us-east-1:000000000000:key/" + k.id;
    for (uint32_t v = 1; v <= 2; ++v) {
      stratus::kms::Material m;
      m.version = v;
      m.secret = std::string(32, static_cast<char>('a' + v));  // seeds: 'b'*32 (v1), 'c'*32 (v2)
      k.materials.push_back(m);
    }
    s->store.put(k);
    return s;
  }();
  return *st;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto p = stratus::kms::blob::parse(in)) {
    if (stratus::kms::blob::header(p->key_id, p->version) != p->header) __builtin_trap();
  }
  auto& st = state();
  (void)st.decrypt("000000000000", "us-east-1", in, {});
  (void)st.decrypt("000000000000", "us-east-1", in, {{"k", "v"}}, kKeyId);
  (void)st.decrypt("000000000000", "us-east-1", in, {}, "alias/none");
  return 0;
}
