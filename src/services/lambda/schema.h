// Lambda's keyspaces, declared once (storage/keys.h). The layouts are on disk: existing data must
// keep reading back, so a layout never changes; a new one gets a new keyspace.
// JSON records without a version member are v1.
#pragma once

#include "storage/keys.h"

namespace stratus::lambda::schema {

inline constexpr storage::Keyspace kFunctions{
    "lambda.functions", "scope(account, region) raw(function name)",
    "function record ($LATEST config, versions, aliases, tags, policy, concurrency, provisioned, invoke_config, "
    "urls, next_version; store.h), JSON v1"};
inline constexpr storage::Keyspace kUrlIds{"lambda.url_ids", "raw(url id)",
                                           "{a: account, r: region, f: function, q: qualifier}, JSON v1"};
inline constexpr storage::Keyspace kInflight{"lambda.async_inflight", "raw(request id \":\" attempt)",
                                             "the running Event invocation's lambda.async payload, JSON v1"};
inline constexpr storage::Keyspace kMappings{"lambda.esm", "raw(mapping UUID)",
                                             "event source mapping configuration + _account, _region, JSON v1"};
inline constexpr storage::Keyspace kPositions{"lambda.esm_pos", "raw(mapping UUID)",
                                              "last acknowledged stream sequence number, decimal text"};
inline constexpr storage::Keyspace kLayers{"lambda.layers", "scope(account, region) str(layer name) raw(version, 10 digits)",
                                           "layer version (description, policy, _code), JSON v1"};
inline constexpr storage::Keyspace kLayerNames{"lambda.layer_names", "scope(account, region) raw(layer name)",
                                               "{next: the next version number}, JSON v1"};

inline constexpr storage::Keyspace kKeyspaces[] = {kFunctions, kUrlIds, kInflight, kMappings, kPositions, kLayers,
                                                   kLayerNames};

}  // namespace stratus::lambda::schema
