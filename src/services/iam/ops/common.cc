#include "services/iam/ops/common.h"

#include "core/ids.h"
#include "core/json.h"
#include "services/iam/errors.h"

namespace stratus::iam {

Store store_of(OpContext& ctx) { return Store(ctx.storage, ctx.account()); }

std::string unique_id(std::string_view prefix) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string id(prefix);
  std::string r = ids::random_upper_alnum(17);
  for (char c : r) id += kAlphabet[static_cast<unsigned char>(c) % 32];
  return id;
}

Doc with_dates(Doc d, std::initializer_list<const char*> fields) {
  for (const char* f : fields)
    if (const Doc* v = d.get(f); v && v->is_int()) d.set(f, Timestamp{v->as_int()});
  return d;
}

std::string normalize_path(const Doc& in) {
  std::string path = in.str("Path", "/");
  if (path.empty() || path.front() != '/' || path.back() != '/')
    throw AwsError("ValidationError",  // a common error: no factory yet
                   "The specified value for path is invalid. It must begin and end with / and contain only "
                   "alphanumeric characters and/or / characters.",
                   400);
  return path;
}

void check_policy_document(const std::string& doc) {
  Doc d;
  try {
    d = json::parse(doc);
  } catch (const AwsError&) {
    throw errors::malformed_policy_document("Syntax errors in policy.");
  }
  if (!d.is_map()) throw errors::malformed_policy_document("Syntax errors in policy.");
  if (!d.has("Statement")) throw errors::malformed_policy_document("Policy document must contain a Statement.");
}

bool path_matches(const Doc& rec, const Doc& in) {
  std::string prefix = in.str("PathPrefix", "/");
  return rec.str("Path").rfind(prefix, 0) == 0;
}

}  // namespace stratus::iam
