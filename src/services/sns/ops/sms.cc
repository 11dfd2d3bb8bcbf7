// SMS account operations: attributes, opted-out numbers, the SMS sandbox (the one-time password
// arrives in the mailbox) and origination numbers (state in platform.h).
#include <random>

#include "mail/mailbox.h"
#include "services/sns/checks.h"
#include "services/sns/errors.h"
#include "services/sns/ops.h"
#include "services/sns/ops/common.h"
#include "services/sns/state.h"
#include "storage/written.h"

namespace stratus::sns {
namespace {

const char* const kSmsAttributes[] = {"DefaultSenderID",        "MonthlySpendLimit",   "DeliveryStatusIAMRole",
                                      "DeliveryStatusSuccessSamplingRate", "DefaultSMSType", "UsageReportS3Bucket"};

bool valid_phone(const std::string& p) {
  size_t i = p.size() > 0 && p[0] == '+' ? 1 : 0;
  if (p.size() - i < 2 || p.size() - i > 15 || p[i] == '0') return false;
  return p.find_first_not_of("0123456789", i) == std::string::npos;
}

}  // namespace

Doc get_sms_attributes(OpContext& ctx, const Doc& in) {
  auto rec = state(ctx).platform.load(Platform::account_key('m', ctx.account(), ctx.region()));
  Doc all = rec ? *rec : Doc::map();
  Doc out = Doc::map(), attrs = Doc::map();
  const Doc* want = in.get("attributes");
  for (const auto& [k, v] : all.as_map()) {
    bool wanted = !want || !want->is_list() || want->as_list().empty();
    if (!wanted)
      for (const auto& w : want->as_list()) wanted = wanted || (w.is_string() && w.as_string() == k);
    if (wanted) attrs.set(k, v);
  }
  out.set("attributes", std::move(attrs));
  return out;
}

Doc set_sms_attributes(OpContext& ctx, const Doc& in) {
  Platform& pf = state(ctx).platform;
  std::string key = Platform::account_key('m', ctx.account(), ctx.region());
  auto rec = pf.load(key);
  Doc all = rec ? *rec : Doc::map();
  Doc given = Platform::string_map(in.get("attributes"));
  for (const auto& [k, v] : given.as_map()) {
    bool known = false;
    for (const char* a : kSmsAttributes) known = known || k == a;
    if (!known) throw invalid_parameter(k);
    const std::string& s = v.as_string();
    if (k == "DefaultSMSType" && s != "Promotional" && s != "Transactional") throw invalid_parameter("DefaultSMSType");
    if ((k == "MonthlySpendLimit" || k == "DeliveryStatusSuccessSamplingRate") &&
        (s.empty() || s.find_first_not_of("0123456789") != std::string::npos))
      throw invalid_parameter(k);
    if (k == "DeliveryStatusSuccessSamplingRate" && (s.size() > 3 || std::stoi(s) > 100)) throw invalid_parameter(k);
    // A sender ID: 1-11 letters and digits, at least one letter.
    if (k == "DefaultSenderID" &&
        (s.empty() || s.size() > 11 ||
         s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != std::string::npos ||
         s.find_first_not_of("0123456789") == std::string::npos))
      throw invalid_parameter(k);
    all.set(k, s);
  }
  storage::written(pf.save(key, all));
  return Doc::map();
}

Doc check_if_phone_number_is_opted_out(OpContext& ctx, const Doc& in) {
  std::string phone = in.str("phoneNumber");
  if (!valid_phone(phone)) throw invalid_parameter("phoneNumber");
  return answer("isOptedOut", state(ctx).platform.opted_out(ctx.account(), phone));
}

Doc list_phone_numbers_opted_out(OpContext& ctx, const Doc& in) {
  auto phones = state(ctx).platform.opted_out_numbers(ctx.account());
  return page_by("nextToken", phones.size(), in, 100, "phoneNumbers", [&](size_t i) { return Doc(phones[i]); });
}

Doc opt_in_phone_number(OpContext& ctx, const Doc& in) {
  std::string phone = in.str("phoneNumber");
  if (!valid_phone(phone)) throw invalid_parameter("phoneNumber");
  auto st = state(ctx).platform.erase(Platform::account_key('o', ctx.account(), phone));
  if (!st.ok() && !st.not_found()) throw stratus::errors::internal(st.message);
  return Doc::map();
}

Doc get_sms_sandbox_account_status(OpContext&, const Doc&) {
  Doc out = Doc::map();
  out.set("IsInSandbox", false);  // Stratus sends to any number (into the mailbox)
  return out;
}

Doc create_sms_sandbox_phone_number(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  std::string phone = in.str("PhoneNumber");
  if (!valid_phone(phone) || phone[0] != '+') throw invalid_parameter("PhoneNumber");
  if (s.platform.opted_out(ctx.account(), phone)) throw errors::opted_out("Phone number is opted out.");
  thread_local std::mt19937 gen{std::random_device{}()};
  std::string otp = std::to_string(100000 + gen() % 900000);
  Doc rec = Doc::map();
  rec.set("status", "Pending");
  rec.set("otp", otp);
  storage::written(s.platform.save(Platform::account_key('s', ctx.account(), phone), rec));
  mailbox::Mail m;
  m.channel = "sms";
  m.recipient = phone;
  m.sender = "AWS SNS";
  m.body = "Your Amazon SNS SMS sandbox verification code is " + otp + ".";
  m.source = "sns:CreateSMSSandboxPhoneNumber";
  storage::written(mailbox::deliver(s.engine, std::move(m)));
  return Doc::map();
}

Doc verify_sms_sandbox_phone_number(OpContext& ctx, const Doc& in) {
  Platform& pf = state(ctx).platform;
  std::string key = Platform::account_key('s', ctx.account(), in.str("PhoneNumber"));
  auto rec = pf.load(key);
  if (!rec) throw errors::resource_not_found("Phone number does not exist in the sandbox.");
  if (rec->str("status") != "Verified") {
    if (rec->str("otp") != in.str("OneTimePassword"))
      throw errors::verification("Invalid one-time password.");
    rec->set("status", "Verified");
    storage::written(pf.save(key, *rec));
  }
  return Doc::map();
}

Doc delete_sms_sandbox_phone_number(OpContext& ctx, const Doc& in) {
  Platform& pf = state(ctx).platform;
  std::string key = Platform::account_key('s', ctx.account(), in.str("PhoneNumber"));
  if (!pf.load(key)) throw errors::resource_not_found("Phone number does not exist in the sandbox.");
  storage::written(pf.erase(key));
  return Doc::map();
}

Doc list_sms_sandbox_phone_numbers(OpContext& ctx, const Doc& in) {
  auto numbers = state(ctx).platform.sandbox_numbers(ctx.account());
  size_t max = 100;
  if (const Doc* m = in.get("MaxResults"); m && m->is_number() && m->as_int() >= 1) max = m->as_int();
  return page(numbers.size(), in, max, "PhoneNumbers", [&](size_t i) {
    Doc x = Doc::map();
    x.set("PhoneNumber", numbers[i].first);
    x.set("Status", numbers[i].second.str("status"));
    return x;
  });
}

Doc list_origination_numbers(OpContext&, const Doc& in) {
  if (const Doc* m = in.get("MaxResults"); m && m->is_number() && (m->as_int() < 1 || m->as_int() > 30))
    throw errors::validation("MaxResults must be between 1 and 30");
  return answer("PhoneNumbers", Doc::list());
}

}  // namespace stratus::sns
