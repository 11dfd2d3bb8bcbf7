// Lambda's function records and their indexes in storage, and the names that address them.
//
// Keyspaces (schema.h; the layout is on disk: existing data must keep reading back):
//   "lambda.functions"        account \0 region \0 name -> the function record, JSON: {"config" ($LATEST),
//                             "versions" {n: config}, "aliases" {name: alias}, "tags", "policy" {qualifier:
//                             [statement]}, "concurrency", "provisioned" {qualifier: {Requested, LastModified}},
//                             "invoke_config" {qualifier: config}, "urls" {qualifier: url config},
//                             "next_version"}
//   "lambda.url_ids"          url id -> {"a": account, "r": region, "f": function, "q": qualifier} (JSON), the
//                             index the function URL front end resolves hosts with
//   "lambda.async_inflight"   "<request id>:<attempt>" -> the Event invocation's queue payload while it runs
//                             (re-enqueued at start when a crash interrupted it)
// Event source mappings and layers keep their own keyspaces (esm.h, layers.h).
//
// FunctionStore does no locking: read-modify-write of a record is serialised by the caller
// (State::write_mu). Every method may be called from any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/doc.h"
#include "services/lambda/schema.h"
#include "storage/engine.h"

namespace stratus {
struct OpContext;
}

namespace stratus::lambda {

// A FunctionName member taken apart: the function's name and the qualifier ("" for none).
struct FnRef {
  std::string name, qualifier;
};

// FunctionName may be a name, "name:qualifier", a partial ARN (ACCOUNT:function:NAME[:Q]) or a
// full ARN; Qualifier (when the operation has one) must agree with a qualifier in the name.
// Throws InvalidParameterValueException (qualifiers disagree) or ValidationException (bad name).
FnRef parse_ref(const Doc& in);

// arn:aws:lambda:REGION:ACCOUNT:function:NAME (of the caller's account and region).
std::string function_arn(const std::string& account, const std::string& region, const std::string& name);
std::string function_arn(const OpContext& ctx, const std::string& name);

// Where a function URL id points.
struct UrlTarget {
  std::string account, region, function, qualifier;
};

class FunctionStore {
 public:
  static constexpr std::string_view kFunctions = schema::kFunctions;
  static constexpr std::string_view kUrlIds = schema::kUrlIds;
  static constexpr std::string_view kInflight = schema::kInflight;

  explicit FunctionStore(storage::Engine& db) : db_(db) {}

  // The key of a function record: account \0 region \0 name.
  static std::string key(const std::string& account, const std::string& region, const std::string& name);

  std::optional<Doc> get(const std::string& account, const std::string& region, const std::string& name);
  // Throws InternalFailure when the write fails.
  void put(const std::string& account, const std::string& region, const std::string& name, const Doc& rec);
  void del(const std::string& account, const std::string& region, const std::string& name);
  // Every record of an account and region, in name order.
  void each(const std::string& account, const std::string& region, const std::function<void(const Doc& rec)>& fn);
  // Every record of every account and region (start-up).
  void each_all(const std::function<void(const std::string& account, const std::string& region,
                                         const std::string& name, const Doc& rec)>& fn);

  // The function URL index. put_url throws InternalFailure when the write fails.
  void put_url(const std::string& id, const UrlTarget& t);
  std::optional<UrlTarget> url(const std::string& id);
  void del_url(const std::string& id);

  // Event invocations while they run.
  void put_inflight(const std::string& key, std::string_view payload);
  void del_inflight(const std::string& key);
  // Every in-flight entry (key, payload), in key order.
  std::vector<std::pair<std::string, std::string>> inflight();

 private:
  storage::Engine& db_;
};

}  // namespace stratus::lambda
