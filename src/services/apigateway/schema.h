// API Gateway's keyspaces, declared once (storage/keys.h), and the keys in them.
//
// These layouts predate storage::KeyBuilder's NUL-terminated components: their parts are joined
// with '/', and they are on disk, so they stay as they are. The keys are built with
// KeyBuilder::raw and the '/' separators written out (KeyBuilder::str would write NULs); they
// are read back by splitting on '/', which is unambiguous because an account is 12 digits, a
// region has no '/', and Store::load refuses an API id containing '/'.
// The keyspace names do not follow "<service>.<what>" for the same reason ("apigateway" is
// the REST API documents).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "storage/keys.h"

namespace stratus::apigateway {

// Records are JSON; a record without a version is v1 (no version member is stored).
inline constexpr storage::Keyspace kApis{"apigateway", "account '/' region '/' restApiId (raw, '/'-joined)",
                                         "one REST API document (store.h), JSON v1"};
inline constexpr storage::Keyspace kApiIds{"apigateway.ids", "restApiId (raw)",
                                           "the owner, \"account/region\" (text)"};
inline constexpr storage::Keyspace kUsage{"apigateway.usage", "account '/' region (raw, '/'-joined)",
                                          "the API keys, usage plans and plan keys of one account and region "
                                          "(guard.h), JSON v1"};
inline constexpr storage::Keyspace kKeyspaces[] = {kApis, kApiIds, kUsage};

// "account/region": the kUsage key, and the kApiIds value.
inline std::string scope_key(std::string_view account, std::string_view region) {
  return storage::KeyBuilder(account.size() + region.size() + 1).raw(account).raw("/").raw(region).take();
}
// kApis: every API of an account and region starts with this.
inline std::string api_prefix(std::string_view account, std::string_view region) {
  return storage::KeyBuilder().raw(scope_key(account, region)).raw("/").take();
}
inline std::string api_key(std::string_view account, std::string_view region, std::string_view api_id) {
  return storage::KeyBuilder().raw(api_prefix(account, region)).raw(api_id).take();
}
// Reads a scope_key() back: {account, region}; nullopt when there is no '/'.
inline std::optional<std::pair<std::string, std::string>> read_scope(std::string_view v) {
  auto slash = v.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return std::make_pair(std::string(v.substr(0, slash)), std::string(v.substr(slash + 1)));
}

}  // namespace stratus::apigateway
