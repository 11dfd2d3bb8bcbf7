#include "services/iam/ops/common.h"

#include "core/arn.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/lookup.h"
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
    throw stratus::errors::validation_error(
        "The specified value for path is invalid. It must begin and end with / and contain only "
        "alphanumeric characters and/or / characters.");
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

Doc new_path_entity(OpContext& ctx, Store& store, const Doc& in, const PathEntity& e, const std::string& exists) {
  std::string name = in.str(e.name_member);
  std::string path = normalize_path(in);
  if (store.load(e.kind, name)) throw errors::entity_already_exists(exists);
  Doc rec = Doc::map();
  rec.set("Path", path);
  rec.set(e.name_member, name);
  rec.set(e.id_member, unique_id(e.id_prefix));
  rec.set("Arn", Arn::make("iam", "", ctx.account(), std::string(e.arn_kind) + path + name));
  rec.set("CreateDate", ctx.now_ms);
  return rec;
}

Doc load_or_no_such_entity(Store& store, const char* kind, const std::string& name, const std::string& message) {
  return found_or(store.load(kind, name), [&] { return errors::no_such_entity(message); });
}

bool path_matches(const Doc& rec, const Doc& in) {
  std::string prefix = in.str("PathPrefix", "/");
  return rec.str("Path").rfind(prefix, 0) == 0;
}

}  // namespace stratus::iam
