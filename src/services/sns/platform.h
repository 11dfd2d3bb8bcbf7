// SNS mobile push and SMS account operations: platform applications and endpoints (stored; a
// "push" is a mailbox entry addressed to the endpoint ARN, channel "application"), SMS
// attributes, opted-out numbers, the SMS sandbox (the one-time password arrives in the mailbox)
// and origination numbers. State lives in keyspace "sns.platform".
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/doc.h"
#include "core/result.h"
#include "services/service.h"
#include "storage/engine.h"

namespace stratus::sns {

class Platform {
 public:
  void start(storage::Engine& engine) { engine_ = &engine; }

  Result<Doc> create_platform_application(OpContext&, const Doc&);
  Result<Doc> get_platform_application_attributes(OpContext&, const Doc&);
  Result<Doc> set_platform_application_attributes(OpContext&, const Doc&);
  Result<Doc> list_platform_applications(OpContext&, const Doc&);
  Result<Doc> delete_platform_application(OpContext&, const Doc&);
  Result<Doc> create_platform_endpoint(OpContext&, const Doc&);
  Result<Doc> get_endpoint_attributes(OpContext&, const Doc&);
  Result<Doc> set_endpoint_attributes(OpContext&, const Doc&);
  Result<Doc> list_endpoints_by_platform_application(OpContext&, const Doc&);
  Result<Doc> delete_endpoint(OpContext&, const Doc&);

  Result<Doc> get_sms_attributes(OpContext&, const Doc&);
  Result<Doc> set_sms_attributes(OpContext&, const Doc&);
  Result<Doc> check_if_phone_number_is_opted_out(OpContext&, const Doc&);
  Result<Doc> list_phone_numbers_opted_out(OpContext&, const Doc&);
  Result<Doc> opt_in_phone_number(OpContext&, const Doc&);
  Result<Doc> get_sms_sandbox_account_status(OpContext&, const Doc&);
  Result<Doc> create_sms_sandbox_phone_number(OpContext&, const Doc&);
  Result<Doc> verify_sms_sandbox_phone_number(OpContext&, const Doc&);
  Result<Doc> delete_sms_sandbox_phone_number(OpContext&, const Doc&);
  Result<Doc> list_sms_sandbox_phone_numbers(OpContext&, const Doc&);
  Result<Doc> list_origination_numbers(OpContext&, const Doc&);

  // Marks a number opted out (as a recipient answering STOP would): POST /_stratus/sns/opt-out.
  storage::Status opt_out(const std::string& account, const std::string& phone);
  bool opted_out(const std::string& account, const std::string& phone);

  // The platform of an endpoint ARN ("GCM", "APNS", ...), or "" when it is not one.
  static std::string platform_of(const std::string& endpoint_arn);
  // Delivers a push to an endpoint: a mailbox entry for the endpoint. NotFound when the endpoint
  // does not exist, EndpointDisabled when its Enabled attribute is false.
  Result<std::string> push(const std::string& endpoint_arn, const std::string& text, const std::string& source,
                           std::string message_id = {});

 private:
  std::optional<Doc> load(const std::string& key);
  // Merges attributes into a stored record's "attributes" (Enabled must be true/false).
  Result<Doc> update_attributes(const std::string& key, const char* missing, const Doc* given,
                                const std::function<bool(const std::string&)>& known);
  storage::Status save(const std::string& key, const Doc& d);
  storage::Engine* engine_ = nullptr;
};

}  // namespace stratus::sns
