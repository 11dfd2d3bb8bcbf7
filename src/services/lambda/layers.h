// Lambda layers: the layer store and the check of a function's Layers list. The operations
// (PublishLayerVersion, Get/List/Delete, the layer version resource policy) are in ops/layers.cc.
//
// Storage (schema.h): "lambda.layers" (account \0 region \0 name \0 version as 10 digits -> the version's
// description as JSON, its policy and the content hash "_code"), "lambda.layer_names" (account
// \0 region \0 name -> {"next": the next version number}; numbers are never reused, as on AWS).
// Layer zips share the functions' content-addressed store (code.h); a function keeps the content
// hashes of its layers in its configuration, so deleting a layer version does not break functions
// using it.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/arn.h"
#include "core/doc.h"
#include "services/lambda/schema.h"

namespace stratus {
struct OpContext;
}  // namespace stratus

namespace stratus::lambda {

// A layer as named by LayerName (a name or a layer ARN) or by a layer version ARN.
struct LayerRef {
  std::string account, region, name;
  int64_t version = 0;
  std::string layer_arn() const { return Arn::make("lambda", region, account, "layer:" + name); }
  std::string version_arn() const { return layer_arn() + ":" + std::to_string(version); }
  // Key prefix of the layer's versions: scope(account, region) str(name).
  std::string prefix() const;
  // Key of this version: prefix() + the version as 10 digits.
  std::string key() const;
};

// LayerName: a name (the caller's account and region) or a layer ARN.
LayerRef parse_layer_name(const OpContext& ctx, const std::string& s);
// arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME:VERSION (at most 140 characters), or nullopt.
std::optional<LayerRef> parse_layer_version_arn(const std::string& s);

class Layers {
 public:
  static constexpr std::string_view kLayers = schema::kLayers;
  static constexpr std::string_view kNames = schema::kLayerNames;

  // code_root: the content store (store_zip's root); location(hex): URL of a stored zip.
  void start(std::string code_root, std::function<std::string(const std::string& hex)> location);
  const std::string& code_root() const { return root_; }
  // Serialises read-modify-write of layer records.
  std::mutex& mu() { return mu_; }

  struct Resolved {
    Doc config = Doc::list();        // [{Arn, CodeSize}] in the order given (the function's Layers)
    std::vector<std::string> code;   // content hashes, same order
  };
  // Checks a function's Layers member (at most 5 layer version ARNs that exist and the caller may
  // use, no layer twice). Throws AwsError as Lambda answers.
  Resolved resolve(OpContext& ctx, const Doc& arns);

  static std::optional<Doc> load(OpContext& ctx, const LayerRef& r);
  // Throws InternalFailure when the write fails.
  static void save(OpContext& ctx, const LayerRef& r, const Doc& d);
  // Another account's layer version: its policy must allow the caller's account
  // (AccessDeniedException otherwise).
  static void check_access(const OpContext& ctx, const LayerRef& r, const Doc& v);
  // The version named by LayerName + VersionNumber; must exist (ResourceNotFoundException) and be
  // readable by the caller.
  std::pair<LayerRef, Doc> must_load(OpContext& ctx, const Doc& in);
  // A stored version as the API shows it (Content.Location, no policy or content hash).
  Doc present(const Doc& v) const;
  // Allocates the layer's next version number (under mu()).
  int64_t next_version(OpContext& ctx, const LayerRef& ref);

 private:
  std::string root_;
  std::function<std::string(const std::string&)> location_;
  std::mutex mu_;  // read-modify-write of layer records
};

}  // namespace stratus::lambda
