// SNS mobile push and SMS account state: platform applications and endpoints (a "push" is a
// mailbox entry addressed to the endpoint ARN, channel "application"), SMS attributes,
// opted-out numbers and the SMS sandbox. The operations are in ops/platform.cc and ops/sms.cc.
//
// Storage: keyspace "sns.platform" (schema.h), JSON values (on disk: never change the key layouts):
//   "a\0" <application ARN>               {name, platform, attributes{}}
//   "e\0" <endpoint ARN>                  {app, attributes{}}
//   "m\0" <account> "\0" <region>          SMS attributes {name: value}
//   "o\0" <account> "\0" <phone>           opted-out number (empty value)
//   "s\0" <account> "\0" <phone>           sandbox number {status, otp}
// Every method is thread safe (the engine is; there is no in-memory state).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/doc.h"
#include "storage/engine.h"

namespace stratus::sns {

class Platform {
 public:
  void open(storage::Engine& engine) { engine_ = &engine; }

  static std::string app_key(const std::string& arn);
  static std::string endpoint_key(const std::string& arn);
  // kind 'm', 'o' or 's'; with rest empty, the prefix of the account's records of that kind.
  // Throws std::invalid_argument for an account with a NUL in it.
  static std::string account_key(char kind, const std::string& account, const std::string& rest = {});

  // A request's attribute map as stored: every value a string (non-strings become ""); empty
  // for nullptr or a non-map.
  static Doc string_map(const Doc* attributes);

  // A record, or nullopt when missing or unreadable.
  std::optional<Doc> load(const std::string& key);
  storage::Status save(const std::string& key, const Doc& d);
  storage::Status erase(const std::string& key);
  // Merges `given` (a map of strings) into a stored record's "attributes". Throws NotFound
  // (`missing`) when there is no record, InvalidParameter for a name `known` rejects or an
  // Enabled that is not true/false, InternalFailure when the write fails.
  void update_attributes(const std::string& key, const char* missing, const Doc* given,
                                const std::function<bool(const std::string&)>& known);

  // Readable records by ARN, in key order.
  struct Record {
    std::string arn;
    Doc doc;
  };
  std::vector<Record> applications(const std::string& arn_prefix);
  std::vector<Record> endpoints();
  // An application and its endpoints, in one write.
  storage::Status erase_application(const std::string& arn);

  // The account's numbers: opted out, and in the SMS sandbox (with their records).
  std::vector<std::string> opted_out_numbers(const std::string& account);
  std::vector<std::pair<std::string, Doc>> sandbox_numbers(const std::string& account);
  // Marks a number opted out (as a recipient answering STOP would): POST /_stratus/sns/opt-out.
  storage::Status opt_out(const std::string& account, const std::string& phone);
  bool opted_out(const std::string& account, const std::string& phone);

  // The platform of an endpoint ARN ("GCM", "APNS", ...), or "" when it is not one.
  static std::string platform_of(const std::string& endpoint_arn);
  // Delivers a push to an endpoint: a mailbox entry for the endpoint. Throws NotFound when the
  // endpoint does not exist, EndpointDisabled / PlatformApplicationDisabled when its Enabled
  // attribute, or its application's, is false. Returns the message id (`message_id`, or a new one).
  std::string push(const std::string& endpoint_arn, const std::string& text, const std::string& source,
                           std::string message_id = {});

 private:
  storage::Engine* engine_ = nullptr;
};

}  // namespace stratus::sns
