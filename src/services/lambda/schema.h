// Lambda's keyspaces, declared once (storage/keys.h). The layouts are on disk: existing data must
// keep reading back, so a layout never changes; a new one gets a new keyspace.
// JSON records without a version member are v1.
#pragma once

#include <string_view>

#include "storage/keys.h"

namespace stratus::lambda::schema {

// Engine keyspace names.
inline constexpr std::string_view kFunctions = "lambda.functions";
inline constexpr std::string_view kUrlIds = "lambda.url_ids";
inline constexpr std::string_view kInflight = "lambda.async_inflight";
inline constexpr std::string_view kMappings = "lambda.esm";
inline constexpr std::string_view kPositions = "lambda.esm_pos";
inline constexpr std::string_view kLayers = "lambda.layers";
inline constexpr std::string_view kLayerNames = "lambda.layer_names";

inline constexpr storage::Keyspace kKeyspaces[] = {
    {kFunctions, "scope(account, region) raw(function name)",
     "function record ($LATEST config, versions, aliases, tags, policy, concurrency, provisioned, invoke_config, "
     "urls, next_version; store.h), JSON v1"},
    {kUrlIds, "raw(url id)", "{a: account, r: region, f: function, q: qualifier}, JSON v1"},
    {kInflight, "raw(request id \":\" attempt)", "the running Event invocation's lambda.async payload, JSON v1"},
    {kMappings, "raw(mapping UUID)", "event source mapping configuration + _account, _region, JSON v1"},
    {kPositions, "raw(mapping UUID)", "last acknowledged stream sequence number, decimal text"},
    {kLayers, "scope(account, region) str(layer name) raw(version, 10 digits)",
     "layer version (description, policy, _code), JSON v1"},
    {kLayerNames, "scope(account, region) raw(layer name)", "{next: the next version number}, JSON v1"},
};

}  // namespace stratus::lambda::schema
