// Lambda layers: PublishLayerVersion, Get/List/Delete, the layer version resource policy, and the
// check of a function's Layers list.
//
// Storage: "lambda.layers" (account \0 region \0 name \0 version as 10 digits -> the version's
// description as JSON, its policy and the content hash "_code"), "lambda.layer_names" (account
// \0 region \0 name -> the next version number; numbers are never reused, as on AWS). Layer zips
// share the functions' content-addressed store (code.h); a function keeps the content hashes of
// its layers in its configuration, so deleting a layer version does not break functions using it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/doc.h"

namespace stratus {
class Service;
struct OpContext;
}  // namespace stratus

namespace stratus::lambda {

class Layers {
 public:
  virtual ~Layers() = default;
  // code_root: the content store (store_zip's root); location(hex): URL of a stored zip.
  virtual void start(std::string code_root, std::function<std::string(const std::string& hex)> location) = 0;

  struct Resolved {
    Doc config = Doc::list();        // [{Arn, CodeSize}] in the order given (the function's Layers)
    std::vector<std::string> code;   // content hashes, same order
  };
  // Checks a function's Layers member (at most 5 layer version ARNs that exist and the caller may
  // use, no layer twice). Throws AwsError as Lambda answers.
  virtual Resolved resolve(OpContext& ctx, const Doc& arns) = 0;
};

// Registers the layer operations on the Lambda service.
std::unique_ptr<Layers> add_layers(Service& lambda);

}  // namespace stratus::lambda
