// Amazon SNS: topics, subscriptions, and durable fan-out through events::Queue to SQS, HTTP,
// Lambda (held until Lambda exists) and people (email, email-json, SMS: the mailbox).
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include "core/arn.h"
#include "core/clock.h"
#include "core/permission.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "events/pattern/pattern.h"
#include "http/message.h"
#include "server/context.h"
#include "services/service.h"
#include "services/sns/http_client.h"
#include "services/sns/mailbox.h"
#include "services/sns/platform.h"
#include "services/sns/signing.h"
#include "services/sqs/api.h"

namespace stratus::sns {
namespace {

constexpr const char* kTopicsKs = "sns.topics";  // topic ARN -> JSON
constexpr const char* kSubsKs = "sns.subs";      // subscription ARN -> JSON
constexpr const char* kPublishTopic = "sns.publish";
constexpr const char* kHttpTopic = "sns.http";
constexpr const char* kLambdaTopic = "lambda.sns";  // consumed by Lambda once it exists
constexpr size_t kMaxMessageBytes = 262144;
constexpr int64_t kDedupWindowMs = 5 * 60 * 1000;
constexpr const char* kCertPath = "/_stratus/sns/SimpleNotificationService-stratus.pem";
constexpr const char* kMailSender = "no-reply@sns.amazonaws.com";

AwsError invalid(std::string what) { return AwsError("InvalidParameter", "Invalid parameter: " + what, 400); }
AwsError not_found(std::string what) { return AwsError("NotFound", std::move(what), 404); }
AwsError bad_value(std::string msg) { return AwsError("ParameterValueInvalid", std::move(msg), 400); }

std::string timestamp(int64_t ms) {
  std::string s = enc::iso8601(ms);
  if (s.find('.') == std::string::npos && !s.empty() && s.back() == 'Z') s.insert(s.size() - 1, ".000");
  return s;
}

bool valid_topic_name(std::string_view name, bool fifo) {
  std::string_view base = name;
  if (fifo) {
    if (name.size() < 6 || name.substr(name.size() - 5) != ".fifo") return false;
    base = name.substr(0, name.size() - 5);
  }
  if (name.empty() || name.size() > 256 || base.empty()) return false;
  for (char c : base) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// ---- message attributes ----------------------------------------------------------------------

struct MsgAttr {
  std::string name, type, value;  // value: string, or raw bytes for Binary
};

Result<std::vector<MsgAttr>> parse_message_attributes(const Doc* map) {
  std::vector<MsgAttr> out;
  if (!map || !map->is_map()) return out;
  if (map->size() > 10) return invalid("MessageAttributes: Too many message attributes (maximum 10)");
  for (const auto& [name, v] : map->as_map()) {
    MsgAttr a;
    a.name = name;
    a.type = v.str("DataType");
    if (name.empty() || name.size() > 256) return invalid("MessageAttributes: invalid attribute name");
    std::string_view base = std::string_view(a.type).substr(0, a.type.find('.'));
    if (a.type != "String.Array" && base != "String" && base != "Number" && base != "Binary") {
      return bad_value("The message attribute '" + name +
                       "' has an invalid message attribute type, the set of supported type prefixes is Binary, "
                       "Number, and String.");
    }
    if (base == "Binary") {
      const Doc* b = v.get("BinaryValue");
      if (!b || !b->is_blob()) {
        return bad_value("The message attribute '" + name + "' with type 'Binary' must use field 'Binary'.");
      }
      a.value = b->as_blob().bytes;
    } else {
      const Doc* s = v.get("StringValue");
      if (!s || !s->is_string()) {
        return bad_value("The message attribute '" + name + "' must contain non-empty message attribute value for "
                         "message attribute type '" + std::string(base) + "'.");
      }
      a.value = s->as_string();
      // Only XML characters travel: a string SQS or an HTTP subscriber cannot decode would
      // poison every queue it is delivered to.
      if (enc::first_non_xml_char(a.value) || enc::first_non_xml_char(a.type)) {
        return bad_value("The message attribute '" + name +
                         "' contains characters outside the allowed set.");
      }
      if (base == "Number") {
        double d = 0;
        auto r = std::from_chars(a.value.data(), a.value.data() + a.value.size(), d);
        if (r.ec != std::errc() || r.ptr != a.value.data() + a.value.size()) {
          return bad_value("Could not cast message attribute '" + name + "' value to number.");
        }
      } else if (a.type == "String.Array") {
        try {
          if (!json::parse(a.value).is_list()) throw AwsError();
        } catch (const AwsError&) {
          return bad_value("Invalid parameter: MessageAttributes: String.Array value of '" + name +
                           "' must be a JSON array");
        }
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

Doc attrs_to_doc(const std::vector<MsgAttr>& attrs) {
  Doc l = Doc::list();
  for (const auto& a : attrs) {
    Doc d = Doc::map();
    d.set("n", a.name);
    d.set("t", a.type);
    d.set("v", a.type.rfind("Binary", 0) == 0 ? enc::base64_encode(a.value) : a.value);
    l.push(std::move(d));
  }
  return l;
}

std::vector<MsgAttr> attrs_from_doc(const Doc* l) {
  std::vector<MsgAttr> out;
  if (!l || !l->is_list()) return out;
  for (const auto& d : l->as_list()) {
    MsgAttr a{d.str("n"), d.str("t"), d.str("v")};
    if (a.type.rfind("Binary", 0) == 0) a.value = enc::base64_decode(a.value).value_or("");
    out.push_back(std::move(a));
  }
  return out;
}

// The document a MessageAttributes-scope filter policy sees.
Doc filter_view(const std::vector<MsgAttr>& attrs) {
  Doc d = Doc::map();
  for (const auto& a : attrs) {
    if (a.type.rfind("Binary", 0) == 0) continue;
    if (a.type.rfind("Number", 0) == 0) {
      double v = 0;
      std::from_chars(a.value.data(), a.value.data() + a.value.size(), v);
      d.set(a.name, v);
    } else if (a.type == "String.Array") {
      try {
        d.set(a.name, json::parse(a.value));
      } catch (const AwsError&) {
      }
    } else {
      d.set(a.name, a.value);
    }
  }
  return d;
}

// ---- state ------------------------------------------------------------------------------------

struct Topic {
  std::string arn, account, region, name;
  bool fifo = false;
  std::map<std::string, std::string> attributes;  // settable attributes as set
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::string> subs;  // subscription ARNs, in subscription order
  int64_t deleted_subs = 0;
  std::unordered_map<std::string, std::pair<int64_t, std::pair<std::string, uint64_t>>> dedup;  // key -> (expiry, (id, seq))
  uint64_t next_seq = 1;
};

struct Sub {
  std::string arn, topic_arn, protocol, endpoint, owner, token;
  bool confirmed = false;
  std::map<std::string, std::string> attributes;
  std::optional<events::pattern::Pattern> filter;
  bool raw() const {
    auto it = attributes.find("RawMessageDelivery");
    return it != attributes.end() && it->second == "true";
  }
  bool body_scope() const {
    auto it = attributes.find("FilterPolicyScope");
    return it != attributes.end() && it->second == "MessageBody";
  }
};

const char* const kTopicAttributes[] = {"Policy", "DisplayName", "DeliveryPolicy", "KmsMasterKeyId", "TracingConfig",
                                        "SignatureVersion", "ContentBasedDeduplication", "ArchivePolicy",
                                        "FifoThroughputScope", "FifoTopic", "DataProtectionPolicy"};
bool settable_topic_attribute(const std::string& n) {
  for (const char* a : kTopicAttributes)
    if (n == a) return true;
  // Delivery status logging: <Protocol>SuccessFeedbackRoleArn, ...FailureFeedbackRoleArn, ...SuccessFeedbackSampleRate
  for (const char* p : {"HTTP", "SQS", "Lambda", "Application", "Firehose"})
    for (const char* s : {"SuccessFeedbackRoleArn", "FailureFeedbackRoleArn", "SuccessFeedbackSampleRate"})
      if (n == std::string(p) + s) return true;
  return false;
}

std::string default_policy(const Topic& t) {
  return R"({"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID",)"
         R"("Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes",)"
         R"("SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe",)"
         R"("SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":")" +
         t.arn + R"(","Condition":{"StringEquals":{"AWS:SourceOwner":")" + t.account + R"("}}}]})";
}

constexpr const char* kDefaultDeliveryPolicy =
    R"({"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,)"
    R"("numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},)"
    R"("disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}})";

// AWS's JSON layout for SNS envelopes: two-space indent, " : " separators.
class Envelope {
 public:
  void add(std::string_view k, std::string_view v) {
    key(k);
    out_ += '"';
    json::escape_into(out_, v);
    out_ += '"';
  }
  void add_raw(std::string_view k, std::string_view raw_json) {
    key(k);
    out_ += raw_json;
  }
  std::string finish() {
    out_ += "\n}";
    return std::move(out_);
  }

 private:
  void key(std::string_view k) {
    if (out_.empty()) out_.reserve(1024);
    out_ += out_.empty() ? "{\n  \"" : ",\n  \"";
    json::escape_into(out_, k);
    out_ += "\" : ";
  }
  std::string out_;
};

// One published message, as stored in the durable publish event.
struct Published {
  std::string topic_arn, message_id, subject, structure, group_id, dedup_id, host;
  Doc message;  // the string, or the per-protocol map for MessageStructure=json
  std::vector<MsgAttr> attrs;
  int64_t timestamp_ms = 0;
  uint64_t sequence = 0;
  std::set<std::string> done;  // subscriptions already delivered with the publish itself
  // Signatures by (protocol text, version): one RSA signature per distinct text, not per
  // subscription (the signed string has no subscription in it).
  mutable std::map<std::pair<std::string, int>, std::string> signatures;
  mutable std::string attrs_json;  // MessageAttributes of the envelopes, once made
  // What the SQS copies share, by signature version 1/2 (see sqs_envelope).
  struct Stored {
    std::string prefix;
    size_t size = 0;
  };
  mutable Stored stored[2];

  std::string payload() const {
    Doc d = Doc::map();
    d.set("topic", topic_arn);
    d.set("id", message_id);
    d.set("subject", subject);
    d.set("message", message);
    d.set("attrs", attrs_to_doc(attrs));
    d.set("group", group_id);
    d.set("dedup", dedup_id);
    d.set("ts", timestamp_ms);
    d.set("seq", static_cast<int64_t>(sequence));
    d.set("host", host);
    if (!done.empty()) {
      Doc l = Doc::list();
      for (const auto& a : done) l.push(a);
      d.set("done", std::move(l));
    }
    return json::write(d);
  }
  static Published from(const std::string& payload) {
    Doc d = json::parse(payload);
    Published p;
    p.topic_arn = d.str("topic");
    p.message_id = d.str("id");
    p.subject = d.str("subject");
    if (const Doc* m = d.get("message")) p.message = *m;
    p.attrs = attrs_from_doc(d.get("attrs"));
    p.group_id = d.str("group");
    p.dedup_id = d.str("dedup");
    p.timestamp_ms = d.integer("ts");
    p.sequence = static_cast<uint64_t>(d.integer("seq"));
    p.host = d.str("host");
    if (const Doc* l = d.get("done"); l && l->is_list())
      for (const auto& a : l->as_list()) p.done.insert(a.as_string());
    return p;
  }
  // The message text for a protocol (MessageStructure=json picks the protocol's entry).
  std::string text_for(const std::string& protocol) const {
    if (message.is_string()) return message.as_string();
    if (const Doc* v = message.get(protocol); v && v->is_string()) return v->as_string();
    return message.str("default");
  }
};

class SnsService final : public Service {
 public:
  SnsService() : Service("sns") {
    bind("CreateTopic", &SnsService::create_topic);
    bind("DeleteTopic", &SnsService::delete_topic);
    bind("ListTopics", &SnsService::list_topics);
    bind("GetTopicAttributes", &SnsService::get_topic_attributes);
    bind("SetTopicAttributes", &SnsService::set_topic_attributes);
    bind("Subscribe", &SnsService::subscribe);
    bind("ConfirmSubscription", &SnsService::confirm_subscription);
    bind("Unsubscribe", &SnsService::unsubscribe);
    bind("ListSubscriptions", &SnsService::list_subscriptions);
    bind("ListSubscriptionsByTopic", &SnsService::list_subscriptions_by_topic);
    bind("GetSubscriptionAttributes", &SnsService::get_subscription_attributes);
    bind("SetSubscriptionAttributes", &SnsService::set_subscription_attributes);
    bind("Publish", &SnsService::publish);
    bind("PublishBatch", &SnsService::publish_batch);
    bind("TagResource", &SnsService::tag_resource);
    bind("UntagResource", &SnsService::untag_resource);
    bind("ListTagsForResource", &SnsService::list_tags_for_resource);
    bind("AddPermission", &SnsService::add_permission);
    bind("RemovePermission", &SnsService::remove_permission);
    bind("GetDataProtectionPolicy", &SnsService::get_data_protection_policy);
    bind("PutDataProtectionPolicy", &SnsService::put_data_protection_policy);
    platform("CreatePlatformApplication", &Platform::create_platform_application);
    platform("GetPlatformApplicationAttributes", &Platform::get_platform_application_attributes);
    platform("SetPlatformApplicationAttributes", &Platform::set_platform_application_attributes);
    platform("ListPlatformApplications", &Platform::list_platform_applications);
    platform("DeletePlatformApplication", &Platform::delete_platform_application);
    platform("CreatePlatformEndpoint", &Platform::create_platform_endpoint);
    platform("GetEndpointAttributes", &Platform::get_endpoint_attributes);
    platform("SetEndpointAttributes", &Platform::set_endpoint_attributes);
    platform("ListEndpointsByPlatformApplication", &Platform::list_endpoints_by_platform_application);
    platform("DeleteEndpoint", &Platform::delete_endpoint);
    platform("GetSMSAttributes", &Platform::get_sms_attributes);
    platform("SetSMSAttributes", &Platform::set_sms_attributes);
    platform("CheckIfPhoneNumberIsOptedOut", &Platform::check_if_phone_number_is_opted_out);
    platform("ListPhoneNumbersOptedOut", &Platform::list_phone_numbers_opted_out);
    platform("OptInPhoneNumber", &Platform::opt_in_phone_number);
    platform("GetSMSSandboxAccountStatus", &Platform::get_sms_sandbox_account_status);
    platform("CreateSMSSandboxPhoneNumber", &Platform::create_sms_sandbox_phone_number);
    platform("VerifySMSSandboxPhoneNumber", &Platform::verify_sms_sandbox_phone_number);
    platform("DeleteSMSSandboxPhoneNumber", &Platform::delete_sms_sandbox_phone_number);
    platform("ListSMSSandboxPhoneNumbers", &Platform::list_sms_sandbox_phone_numbers);
    platform("ListOriginationNumbers", &Platform::list_origination_numbers);
  }

  void start(ServerContext& ctx) override {
    server_ = &ctx;
    engine_ = &ctx.storage();
    load();
    storage::Engine* engine = engine_;
    ctx.add_internal_route("/_stratus/mailbox", [engine](const http::Request& req, http::Response& res) {
      mailbox::serve(*engine, req, res);
    });
    ctx.add_internal_route(kCertPath, [this](const http::Request&, http::Response& res) {
      res.headers.set("content-type", "application/x-pem-file");
      res.body = signer().certificate_pem();
    });
    mailbox::enable_relay(ctx.events(), ctx.config().smtp_relay);
    platform_.start(*engine_);
    // A recipient answering STOP, for tests: POST /_stratus/sns/opt-out?phoneNumber=+1555...
    ctx.add_internal_route("/_stratus/sns/opt-out", [this](const http::Request& req, http::Response& res) {
      std::string phone, account = "000000000000";
      for (const auto& [k, v] : http::parse_query(req.query)) {
        if (k == "phoneNumber") phone = v;
        else if (k == "account") account = v;
      }
      res.headers.set("content-type", "application/json");
      if (req.method != "POST" || phone.empty()) {
        res.status = 400;
        res.body = "{\"message\":\"POST with ?phoneNumber=\"}";
        return;
      }
      auto st = platform_.opt_out(account, phone);
      res.status = st.ok() ? 200 : 500;
      res.body = st.ok() ? "{}" : "{\"message\":\"" + json::escape(st.message) + "\"}";
    });
    if (sqs::Api* api = sqs::api(ctx)) api->set_body_finisher([this](std::string_view b) { return finish_envelope(b); });
    ctx.events().subscribe(kPublishTopic, [this](const events::Delivery& d) { return fan_out(d); });
    ctx.events().subscribe(kHttpTopic, [this](const events::Delivery& d) { return deliver_http(d); });
  }

  void reset() override {
    std::unique_lock lk(mu_);
    topics_.clear();
    subs_.clear();
    {
      std::lock_guard lk(signer_mu_);
      signer_.reset();  // the key was wiped with the storage; the next signature makes a new one
    }
    std::lock_guard slk(signed_mu_);
    signed_.clear();
  }

 private:
  using Method = Result<Doc> (SnsService::*)(OpContext&, const Doc&);
  void bind(const char* op, Method m) {
    add(op, [this, m](OpContext& c, const Doc& in) { return (this->*m)(c, in); });
  }
  using PlatformMethod = Result<Doc> (Platform::*)(OpContext&, const Doc&);
  void platform(const char* op, PlatformMethod m) {
    add(op, [this, m](OpContext& c, const Doc& in) { return (platform_.*m)(c, in); });
  }

  static std::string host_of(const OpContext& ctx) {
    std::string h = ctx.http ? ctx.http->host() : std::string();
    return h.empty() ? "localhost:4566" : h;
  }

  // ---- persistence --------------------------------------------------------------------------

  void save(const Topic& t) {  // REQUIRES(mu_)
    Doc d = Doc::map();
    d.set("account", t.account);
    d.set("region", t.region);
    d.set("name", t.name);
    d.set("fifo", t.fifo);
    Doc a = Doc::map();
    for (const auto& [k, v] : t.attributes) a.set(k, v);
    d.set("attributes", std::move(a));
    Doc tags = Doc::list();
    for (const auto& [k, v] : t.tags) {
      Doc e = Doc::map();
      e.set("Key", k);
      e.set("Value", v);
      tags.push(std::move(e));
    }
    d.set("tags", std::move(tags));
    d.set("subs", [&] {
      Doc l = Doc::list();
      for (const auto& s : t.subs) l.push(s);
      return l;
    }());
    d.set("deleted_subs", t.deleted_subs);
    (void)engine_->put(kTopicsKs, t.arn, json::write(d));
  }

  void save(const Sub& s) {  // REQUIRES(mu_)
    Doc d = Doc::map();
    d.set("topic", s.topic_arn);
    d.set("protocol", s.protocol);
    d.set("endpoint", s.endpoint);
    d.set("owner", s.owner);
    d.set("token", s.token);
    d.set("confirmed", s.confirmed);
    Doc a = Doc::map();
    for (const auto& [k, v] : s.attributes) a.set(k, v);
    d.set("attributes", std::move(a));
    (void)engine_->put(kSubsKs, s.arn, json::write(d));
  }

  void load() {
    std::unique_lock lk(mu_);
    for (auto it = engine_->scan(kTopicsKs, {}); it->valid(); it->next()) {
      try {
        Doc d = json::parse(it->value());
        auto t = std::make_shared<Topic>();
        t->arn = std::string(it->key());
        t->account = d.str("account");
        t->region = d.str("region");
        t->name = d.str("name");
        t->fifo = d.flag("fifo");
        if (const Doc* a = d.get("attributes"))
          for (const auto& [k, v] : a->as_map()) t->attributes[k] = v.as_string();
        if (const Doc* tags = d.get("tags"))
          for (const auto& e : tags->as_list()) t->tags.emplace_back(e.str("Key"), e.str("Value"));
        if (const Doc* subs = d.get("subs"))
          for (const auto& s : subs->as_list()) t->subs.push_back(s.as_string());
        t->deleted_subs = d.integer("deleted_subs");
        topics_[t->arn] = t;
      } catch (const std::exception& e) {
        spdlog::error("sns: unreadable topic record: {}", e.what());
      }
    }
    for (auto it = engine_->scan(kSubsKs, {}); it->valid(); it->next()) {
      try {
        Doc d = json::parse(it->value());
        auto s = std::make_shared<Sub>();
        s->arn = std::string(it->key());
        s->topic_arn = d.str("topic");
        s->protocol = d.str("protocol");
        s->endpoint = d.str("endpoint");
        s->owner = d.str("owner");
        s->token = d.str("token");
        s->confirmed = d.flag("confirmed");
        if (const Doc* a = d.get("attributes"))
          for (const auto& [k, v] : a->as_map()) s->attributes[k] = v.as_string();
        if (auto f = s->attributes.find("FilterPolicy"); f != s->attributes.end())
          s->filter = events::pattern::Pattern::parse(f->second, nullptr);
        subs_[s->arn] = s;
      } catch (const std::exception& e) {
        spdlog::error("sns: unreadable subscription record: {}", e.what());
      }
    }
  }

  // ---- lookup --------------------------------------------------------------------------------

  std::shared_ptr<Topic> topic(const std::string& arn) {  // REQUIRES(mu_) shared
    auto it = topics_.find(arn);
    return it == topics_.end() ? nullptr : it->second;
  }

  Result<std::shared_ptr<Topic>> topic_for(const Doc& in, const char* member = "TopicArn") {
    std::string arn = in.str(member);
    auto parsed = Arn::parse(arn);
    if (!parsed || parsed->service != "sns") return invalid(member);
    auto t = topic(arn);
    if (!t) return not_found("Topic does not exist");
    return t;
  }

  // ---- topics ---------------------------------------------------------------------------------

  Result<Doc> create_topic(OpContext& ctx, const Doc& in) {
    std::string name = in.str("Name");
    std::map<std::string, std::string> attrs;
    if (const Doc* a = in.get("Attributes"); a && a->is_map())
      for (const auto& [k, v] : a->as_map()) attrs[k] = v.is_string() ? v.as_string() : "";
    bool fifo = attrs.count("FifoTopic") && attrs["FifoTopic"] == "true";
    bool fifo_name = name.size() > 5 && name.substr(name.size() - 5) == ".fifo";
    if (!valid_topic_name(name, fifo) || fifo != fifo_name) {
      if (fifo_name && !fifo) return invalid("Topic Name");
      return invalid(fifo ? "Fifo Topic names must end with .fifo and must be made up of only uppercase and "
                            "lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and "
                            "256 characters long."
                          : "Topic Name");
    }
    for (const auto& [k, v] : attrs) {
      if (!settable_topic_attribute(k)) return invalid("Attributes Reason: Unknown attribute " + k);
      if (k == "ContentBasedDeduplication" && !fifo)
        return invalid("Attributes Reason: Content-based deduplication can only be set for FIFO topics");
    }
    std::vector<std::pair<std::string, std::string>> tags;
    if (const Doc* t = in.get("Tags"); t && t->is_list())
      for (const auto& e : t->as_list()) tags.emplace_back(e.str("Key"), e.str("Value"));
    std::string arn = "arn:aws:sns:" + ctx.region() + ":" + ctx.account() + ":" + name;
    std::unique_lock lk(mu_);
    if (auto t = topic(arn)) {
      for (const auto& [k, v] : attrs) {
        if (k == "FifoTopic") continue;
        auto cur = t->attributes.find(k);
        if (cur == t->attributes.end() || cur->second != v)
          return invalid("Attributes Reason: Topic already exists with different attributes");
      }
      if (!tags.empty() && tags != t->tags) return invalid("Tags Reason: Topic already exists with different tags");
    } else {
      auto nt = std::make_shared<Topic>();
      nt->arn = arn;
      nt->account = ctx.account();
      nt->region = ctx.region();
      nt->name = name;
      nt->fifo = fifo;
      nt->attributes = attrs;
      nt->attributes.erase("FifoTopic");
      nt->tags = std::move(tags);
      topics_[arn] = nt;
      save(*nt);
    }
    Doc out = Doc::map();
    out.set("TopicArn", arn);
    return out;
  }

  Result<Doc> delete_topic(OpContext&, const Doc& in) {
    std::string arn = in.str("TopicArn");
    if (!Arn::parse(arn)) return invalid("TopicArn");
    std::unique_lock lk(mu_);
    auto t = topic(arn);
    if (!t) return Doc::map();  // deleting a missing topic succeeds, as on AWS
    storage::WriteBatch b;
    for (const auto& s : t->subs) {
      subs_.erase(s);
      b.del(kSubsKs, s);
    }
    b.del(kTopicsKs, arn);
    topics_.erase(arn);
    auto st = engine_->write(b);
    if (!st.ok()) return errors::internal(st.message);
    return Doc::map();
  }

  // Index-based paging over a list built on each call (NextToken = base64 of the offset).
  template <typename F>
  static Result<Doc> page(size_t total, const Doc& in, size_t page_size, const char* member, F&& item) {
    size_t start = 0;
    std::string token = in.str("NextToken");
    if (!token.empty()) {
      auto dec = enc::base64_decode(token);
      size_t v = 0;
      if (!dec || std::from_chars(dec->data(), dec->data() + dec->size(), v).ec != std::errc())
        return invalid("NextToken");
      start = v;
    }
    Doc list = Doc::list();
    size_t i = start;
    for (; i < total && list.size() < page_size; ++i) list.push(item(i));
    Doc out = Doc::map();
    out.set(member, std::move(list));
    if (i < total) out.set("NextToken", enc::base64_encode(std::to_string(i)));
    return out;
  }

  Result<Doc> list_topics(OpContext& ctx, const Doc& in) {
    std::vector<std::string> arns;
    {
      std::shared_lock lk(mu_);
      for (const auto& [arn, t] : topics_)
        if (t->account == ctx.account() && t->region == ctx.region()) arns.push_back(arn);
    }
    return page(arns.size(), in, 100, "Topics", [&](size_t i) {
      Doc d = Doc::map();
      d.set("TopicArn", arns[i]);
      return d;
    });
  }

  Result<Doc> get_topic_attributes(OpContext&, const Doc& in) {
    std::shared_lock lk(mu_);
    auto t = topic_for(in);
    if (!t) return t.error();
    const Topic& tp = **t;
    Doc a = Doc::map();
    a.set("TopicArn", tp.arn);
    a.set("Owner", tp.account);
    a.set("Policy", default_policy(tp));
    a.set("DisplayName", "");
    a.set("EffectiveDeliveryPolicy", kDefaultDeliveryPolicy);
    int64_t confirmed = 0, pending = 0;
    for (const auto& s : tp.subs) {
      auto it = subs_.find(s);
      if (it == subs_.end()) continue;
      (it->second->confirmed ? confirmed : pending)++;
    }
    a.set("SubscriptionsConfirmed", std::to_string(confirmed));
    a.set("SubscriptionsPending", std::to_string(pending));
    a.set("SubscriptionsDeleted", std::to_string(tp.deleted_subs));
    if (tp.fifo) {
      a.set("FifoTopic", "true");
      a.set("ContentBasedDeduplication", "false");
    }
    for (const auto& [k, v] : tp.attributes) a.set(k, v);
    if (auto dp = tp.attributes.find("DeliveryPolicy"); dp != tp.attributes.end()) a.set("EffectiveDeliveryPolicy", dp->second);
    Doc out = Doc::map();
    out.set("Attributes", std::move(a));
    return out;
  }

  Result<Doc> set_topic_attributes(OpContext&, const Doc& in) {
    std::string name = in.str("AttributeName");
    std::string value = in.str("AttributeValue");
    std::unique_lock lk(mu_);
    auto t = topic_for(in);
    if (!t) return t.error();
    if (!settable_topic_attribute(name) || name == "FifoTopic") return invalid("AttributeName");
    if (name == "ContentBasedDeduplication" && !(*t)->fifo)
      return invalid("AttributeName Reason: Content-based deduplication can only be set for FIFO topics");
    if ((name == "Policy" || name == "DeliveryPolicy") && !value.empty()) {
      try {
        if (!json::parse(value).is_map()) throw AwsError();
      } catch (const AwsError&) {
        return invalid("AttributeValue");
      }
    }
    if (name == "SignatureVersion" && value != "1" && value != "2") return invalid("SignatureVersion");
    (*t)->attributes[name] = value;
    save(**t);
    return Doc::map();
  }

  // ---- subscriptions ---------------------------------------------------------------------------

  // Validates subscription attributes (Subscribe, SetSubscriptionAttributes).
  static std::optional<AwsError> check_sub_attribute(const std::string& k, const std::string& v,
                                                     const std::string& protocol) {
    if (k == "RawMessageDelivery") {
      if (v != "true" && v != "false") return invalid("Attributes Reason: RawMessageDelivery: Invalid value [" + v + "]. Must be true or false.");
      if (protocol == "email" || protocol == "email-json" || protocol == "sms" || protocol == "application")
        return invalid("Attributes Reason: Delivery protocol [" + protocol + "] does not support raw message delivery.");
      return std::nullopt;
    }
    if (k == "FilterPolicy") {
      if (v.empty()) return std::nullopt;
      std::string err;
      auto p = events::pattern::Pattern::parse(v, &err);
      if (!p) return invalid("FilterPolicy: " + err);
      if (p->complexity() > 150) return invalid("FilterPolicy: Filter policy is too complex");
      return std::nullopt;
    }
    if (k == "FilterPolicyScope") {
      if (v != "MessageAttributes" && v != "MessageBody")
        return invalid("Attributes Reason: FilterPolicyScope: Invalid value [" + v +
                       "]. Please use either MessageBody or MessageAttributes");
      return std::nullopt;
    }
    if (k == "RedrivePolicy") {
      try {
        Doc d = json::parse(v);
        auto arn = Arn::parse(d.str("deadLetterTargetArn"));
        if (!arn || arn->service != "sqs") throw AwsError();
      } catch (const AwsError&) {
        return invalid("RedrivePolicy: Redrive policy must be a JSON object with a deadLetterTargetArn of an SQS queue");
      }
      return std::nullopt;
    }
    if (k == "DeliveryPolicy") {
      try {
        if (!json::parse(v).is_map()) throw AwsError();
      } catch (const AwsError&) {
        return invalid("DeliveryPolicy: Invalid JSON");
      }
      return std::nullopt;
    }
    if (k == "SubscriptionRoleArn" || k == "ReplayPolicy") return std::nullopt;
    return invalid("AttributeName");
  }

  static std::optional<AwsError> check_endpoint(const std::string& protocol, const std::string& endpoint, bool fifo) {
    static const char* const kProtocols[] = {"http", "https", "email", "email-json", "sms", "sqs",
                                             "application", "lambda", "firehose"};
    if (std::find_if(std::begin(kProtocols), std::end(kProtocols), [&](const char* p) { return protocol == p; }) ==
        std::end(kProtocols))
      return invalid("Invalid protocol type: " + protocol);
    if (fifo && protocol != "sqs" && protocol != "lambda" && protocol != "firehose")
      return invalid("Invalid protocol type: " + protocol);
    if (protocol == "sqs" || protocol == "lambda" || protocol == "application" || protocol == "firehose") {
      auto arn = Arn::parse(endpoint);
      std::string want = protocol == "application" ? "sns" : protocol;
      if (!arn || arn->service != want) {
        if (protocol == "sqs") return invalid("SQS endpoint ARN");
        if (protocol == "lambda") return invalid("Lambda endpoint ARN");
        return invalid("Endpoint");
      }
    } else if (protocol == "http" || protocol == "https") {
      if (endpoint.rfind(protocol + "://", 0) != 0) return invalid("Endpoint must match the specified protocol");
    } else if (protocol == "email" || protocol == "email-json") {
      auto at = endpoint.find('@');
      if (at == std::string::npos || at == 0 || at + 1 >= endpoint.size()) return invalid("Email address");
    } else if (protocol == "sms") {
      std::string digits;
      for (char c : endpoint)
        if (c != '+' && c != '-' && c != ' ' && c != '(' && c != ')') digits += c;
      if (digits.empty() || digits.size() > 15 || digits.find_first_not_of("0123456789") != std::string::npos)
        return invalid("Invalid SMS endpoint: " + endpoint);
    }
    return std::nullopt;
  }

  Result<Doc> subscribe(OpContext& ctx, const Doc& in) {
    std::string protocol = in.str("Protocol");
    std::string endpoint = in.str("Endpoint");
    std::map<std::string, std::string> attrs;
    if (const Doc* a = in.get("Attributes"); a && a->is_map())
      for (const auto& [k, v] : a->as_map()) attrs[k] = v.is_string() ? v.as_string() : "";
    std::shared_ptr<Sub> created;
    bool return_arn = in.flag("ReturnSubscriptionArn");
    Doc out = Doc::map();
    {
      std::unique_lock lk(mu_);
      auto t = topic_for(in);
      if (!t) return t.error();
      if (auto e = check_endpoint(protocol, endpoint, (*t)->fifo)) return *e;
      for (const auto& [k, v] : attrs)
        if (auto e = check_sub_attribute(k, v, protocol)) return *e;
      for (const auto& s : (*t)->subs) {
        auto it = subs_.find(s);
        if (it == subs_.end()) continue;
        const Sub& sub = *it->second;
        if (sub.protocol == protocol && sub.endpoint == endpoint) {
          for (const auto& [k, v] : attrs) {
            auto cur = sub.attributes.find(k);
            if (cur == sub.attributes.end() || cur->second != v)
              return invalid("Attributes Reason: Subscription already exists with different attributes");
          }
          out.set("SubscriptionArn", sub.confirmed || return_arn ? sub.arn : "pending confirmation");
          return out;
        }
      }
      auto s = std::make_shared<Sub>();
      s->arn = (*t)->arn + ":" + ids::uuid4();
      s->topic_arn = (*t)->arn;
      s->protocol = protocol;
      s->endpoint = endpoint;
      s->owner = ctx.account();
      for (const auto& [k, v] : attrs)
        if (!v.empty()) s->attributes[k] = v;
      if (auto f = s->attributes.find("FilterPolicy"); f != s->attributes.end())
        s->filter = events::pattern::Pattern::parse(f->second, nullptr);
      // Same-account queues, functions and SMS need no confirmation; people and web hooks do.
      s->confirmed = !(protocol == "http" || protocol == "https" || protocol == "email" || protocol == "email-json");
      if (!s->confirmed) s->token = enc::hex(ids::random_base64(96)).substr(0, 256);
      subs_[s->arn] = s;
      (*t)->subs.push_back(s->arn);
      save(*s);
      save(**t);
      created = s;
    }
    if (!created->confirmed) send_confirmation(*created, host_of(ctx));
    out.set("SubscriptionArn", created->confirmed || return_arn ? created->arn : "pending confirmation");
    return out;
  }

  std::string subscribe_url(const Sub& s, const std::string& host) const {
    return "http://" + host + "/?Action=ConfirmSubscription&TopicArn=" + s.topic_arn +
           "&Token=" + s.token;
  }
  std::string unsubscribe_url(const std::string& sub_arn, const std::string& host) const {
    return "http://" + host + "/?Action=Unsubscribe&SubscriptionArn=" + sub_arn;
  }
  std::string cert_url(const std::string& host) const { return "http://" + host + kCertPath; }

  int signature_version(const std::string& topic_arn) {
    std::shared_lock lk(mu_);
    auto t = topic(topic_arn);
    if (!t) return 1;
    auto it = t->attributes.find("SignatureVersion");
    return it != t->attributes.end() && it->second == "2" ? 2 : 1;
  }

  void send_confirmation(const Sub& s, const std::string& host) {
    int64_t now = now_millis();
    std::string msg_id = ids::uuid4();
    std::string message = "You have chosen to subscribe to the topic " + s.topic_arn +
                          ".\nTo confirm the subscription, visit the SubscribeURL included in this message.";
    std::string url = subscribe_url(s, host);
    std::string ts = timestamp(now);
    int version = signature_version(s.topic_arn);
    std::string to_sign = "Message\n" + message + "\nMessageId\n" + msg_id + "\nSubscribeURL\n" + url +
                          "\nTimestamp\n" + ts + "\nToken\n" + s.token + "\nTopicArn\n" + s.topic_arn +
                          "\nType\nSubscriptionConfirmation\n";
    Envelope e;
    e.add("Type", "SubscriptionConfirmation");
    e.add("MessageId", msg_id);
    e.add("Token", s.token);
    e.add("TopicArn", s.topic_arn);
    e.add("Message", message);
    e.add("SubscribeURL", url);
    e.add("Timestamp", ts);
    e.add("SignatureVersion", std::to_string(version));
    e.add("Signature", signer().sign(to_sign, version));
    e.add("SigningCertURL", cert_url(host));
    std::string body = e.finish();
    if (s.protocol == "http" || s.protocol == "https") {
      enqueue_http(s, body, "SubscriptionConfirmation", msg_id, true);
      return;
    }
    mailbox::Mail m;
    m.channel = s.protocol;
    m.recipient = s.endpoint;
    m.sender = "AWS Notifications <" + std::string(kMailSender) + ">";
    m.subject = "AWS Notification - Subscription Confirmation";
    m.body = s.protocol == "email-json"
                 ? body
                 : "You have chosen to subscribe to the topic: \n" + s.topic_arn +
                       "\n\nTo confirm this subscription, click or visit the link below (If this was in error no "
                       "action is necessary): \nConfirm subscription: " + url + "\n";
    m.source = s.topic_arn;
    auto st = mailbox::deliver(*engine_, std::move(m));
    if (!st.ok()) spdlog::error("sns: mailbox write failed: {}", st.message);
  }

  Result<Doc> confirm_subscription(OpContext&, const Doc& in) {
    std::string token = in.str("Token");
    std::unique_lock lk(mu_);
    auto t = topic_for(in);
    if (!t) return t.error();
    for (const auto& arn : (*t)->subs) {
      auto it = subs_.find(arn);
      if (it == subs_.end() || it->second->token != token || token.empty()) continue;
      // Subscriptions are copy-on-write: deliveries read them without the lock.
      auto copy = std::make_shared<Sub>(*it->second);
      copy->confirmed = true;
      it->second = copy;
      save(*copy);
      Doc out = Doc::map();
      out.set("SubscriptionArn", arn);
      return out;
    }
    return invalid("Token");
  }

  Result<Doc> unsubscribe(OpContext&, const Doc& in) {
    std::string arn = in.str("SubscriptionArn");
    auto parsed = Arn::parse(arn);
    if (!parsed || parsed->service != "sns") return invalid("SubscriptionArn");
    std::unique_lock lk(mu_);
    auto it = subs_.find(arn);
    if (it == subs_.end()) return not_found("Subscription does not exist");
    if (auto t = topic(it->second->topic_arn)) {
      t->subs.erase(std::remove(t->subs.begin(), t->subs.end(), arn), t->subs.end());
      t->deleted_subs++;
      save(*t);
    }
    subs_.erase(it);
    (void)engine_->del(kSubsKs, arn);
    return Doc::map();
  }

  static Doc sub_doc(const Sub& s) {
    Doc d = Doc::map();
    d.set("SubscriptionArn", s.confirmed ? s.arn : "PendingConfirmation");
    d.set("Owner", s.owner);
    d.set("Protocol", s.protocol);
    d.set("Endpoint", s.endpoint);
    d.set("TopicArn", s.topic_arn);
    return d;
  }

  Result<Doc> list_subscriptions(OpContext& ctx, const Doc& in) {
    std::vector<Doc> all;
    {
      std::shared_lock lk(mu_);
      for (const auto& [arn, t] : topics_) {
        if (t->account != ctx.account() || t->region != ctx.region()) continue;
        for (const auto& s : t->subs)
          if (auto it = subs_.find(s); it != subs_.end()) all.push_back(sub_doc(*it->second));
      }
    }
    return page(all.size(), in, 100, "Subscriptions", [&](size_t i) { return all[i]; });
  }

  Result<Doc> list_subscriptions_by_topic(OpContext&, const Doc& in) {
    std::vector<Doc> all;
    {
      std::shared_lock lk(mu_);
      auto t = topic_for(in);
      if (!t) return t.error();
      for (const auto& s : (*t)->subs)
        if (auto it = subs_.find(s); it != subs_.end()) all.push_back(sub_doc(*it->second));
    }
    return page(all.size(), in, 100, "Subscriptions", [&](size_t i) { return all[i]; });
  }

  Result<std::shared_ptr<const Sub>> sub_for(const Doc& in) {  // REQUIRES(mu_)
    std::string arn = in.str("SubscriptionArn");
    auto parsed = Arn::parse(arn);
    if (!parsed || parsed->service != "sns") return invalid("SubscriptionArn");
    auto it = subs_.find(arn);
    if (it == subs_.end()) return not_found("Subscription does not exist");
    return it->second;
  }

  Result<Doc> get_subscription_attributes(OpContext&, const Doc& in) {
    std::shared_lock lk(mu_);
    auto s = sub_for(in);
    if (!s) return s.error();
    const Sub& sub = **s;
    Doc a = Doc::map();
    a.set("SubscriptionArn", sub.arn);
    a.set("TopicArn", sub.topic_arn);
    a.set("Owner", sub.owner);
    a.set("Protocol", sub.protocol);
    a.set("Endpoint", sub.endpoint);
    a.set("ConfirmationWasAuthenticated", sub.confirmed ? "true" : "false");
    a.set("PendingConfirmation", sub.confirmed ? "false" : "true");
    a.set("RawMessageDelivery", "false");
    if (sub.protocol == "http" || sub.protocol == "https") a.set("EffectiveDeliveryPolicy", kDefaultDeliveryPolicy);
    for (const auto& [k, v] : sub.attributes) a.set(k, v);
    if (sub.attributes.count("FilterPolicy") && !sub.attributes.count("FilterPolicyScope"))
      a.set("FilterPolicyScope", "MessageAttributes");
    Doc out = Doc::map();
    out.set("Attributes", std::move(a));
    return out;
  }

  Result<Doc> set_subscription_attributes(OpContext&, const Doc& in) {
    std::string name = in.str("AttributeName");
    std::string value = in.str("AttributeValue");
    std::unique_lock lk(mu_);
    auto s = sub_for(in);
    if (!s) return s.error();
    if (auto e = check_sub_attribute(name, value, (*s)->protocol)) return *e;
    auto copy = std::make_shared<Sub>(**s);  // copy-on-write: deliveries read without the lock
    subs_[copy->arn] = copy;
    Sub& sub = *copy;
    if (value.empty() && name != "RawMessageDelivery") sub.attributes.erase(name);
    else sub.attributes[name] = value;
    if (name == "FilterPolicy") {
      sub.filter.reset();
      if (!value.empty()) sub.filter = events::pattern::Pattern::parse(value, nullptr);
    }
    save(sub);
    return Doc::map();
  }

  // ---- publishing -----------------------------------------------------------------------------

  // Checks one message (Publish or a PublishBatch entry) and fills `p`; no I/O.
  std::optional<AwsError> check_publish(const Topic& t, const Doc& in, Published& p) {
    const Doc* msg = in.get("Message");
    if (!msg || !msg->is_string() || msg->as_string().empty()) return invalid("Empty message");
    const std::string& text = msg->as_string();
    // Messages are UTF-8 text of XML characters (what SQS stores and every subscriber decodes).
    if (enc::first_non_xml_char(text))
      return invalid("Message Reason: Message contains invalid characters");
    auto attrs = parse_message_attributes(in.get("MessageAttributes"));
    if (!attrs) return attrs.error();
    size_t size = text.size();
    for (const auto& a : attrs.value()) size += a.name.size() + a.type.size() + a.value.size();
    if (size > kMaxMessageBytes) return invalid("Message too long");
    std::string structure = in.str("MessageStructure");
    if (!structure.empty()) {
      if (structure != "json") return invalid("MessageStructure");
      Doc parsed;
      try {
        parsed = json::parse(text);
      } catch (const AwsError&) {
        return invalid("Message Structure - JSON message body failed to parse");
      }
      if (!parsed.is_map()) return invalid("Message Structure - JSON message body failed to parse");
      const Doc* def = parsed.get("default");
      if (!def || !def->is_string()) return invalid("Message Structure - No default entry in JSON message body");
      p.message = std::move(parsed);
    } else {
      p.message = text;
    }
    std::string subject = in.str("Subject");
    if (in.has("Subject")) {
      if (subject.empty() || subject.size() > 100) return invalid("Subject");
      for (unsigned char c : subject)
        if (c < 32) return invalid("Subject");
      if (enc::first_non_xml_char(subject)) return invalid("Subject");
    }
    p.subject = subject;
    p.attrs = std::move(attrs.value());
    p.group_id = in.str("MessageGroupId");
    p.dedup_id = in.str("MessageDeduplicationId");
    if (t.fifo) {
      if (p.group_id.empty()) return invalid("The MessageGroupId parameter is required for FIFO topics");
      if (p.dedup_id.empty()) {
        auto cbd = t.attributes.find("ContentBasedDeduplication");
        if (cbd == t.attributes.end() || cbd->second != "true")
          return invalid("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
                         "provided explicitly");
        p.dedup_id = sha256_hex(text);
      }
    } else if (!p.dedup_id.empty()) {
      return invalid("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is "
                     "not valid for this topic type");
    }
    return std::nullopt;
  }

  static std::string sha256_hex(std::string_view s) {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(s.data(), s.size(), d, &n, EVP_sha256(), nullptr);
    return enc::hex(std::string_view(reinterpret_cast<const char*>(d), n));
  }

  struct PublishOutcome {
    std::string message_id;
    uint64_t sequence = 0;
  };

  // Stores the publish event (durable) unless a FIFO duplicate. REQUIRES(mu_) exclusive for FIFO.
  Result<PublishOutcome> enqueue_publish(Topic& t, Published& p, const std::string& host) {
    int64_t now = now_millis();
    p.topic_arn = t.arn;
    p.timestamp_ms = now;
    p.host = host;
    if (t.fifo) {
      std::string key = p.dedup_id;
      auto it = t.dedup.find(key);
      if (it != t.dedup.end() && it->second.first > now) return PublishOutcome{it->second.second.first, it->second.second.second};
      p.sequence = 10'000'000'000'000'000'000ULL + t.next_seq++;
      p.message_id = ids::uuid4();
      t.dedup[key] = {now + kDedupWindowMs, {p.message_id, p.sequence}};
      if (t.dedup.size() > 1024)
        for (auto d = t.dedup.begin(); d != t.dedup.end();) d = d->second.first <= now ? t.dedup.erase(d) : std::next(d);
    } else {
      p.message_id = ids::uuid4();
    }
    auto st = store_publish(p, fanout_of(t));
    if (!st.ok()) {
      if (t.fifo) t.dedup.erase(p.dedup_id);
      return errors::internal("could not store the message: " + st.message);
    }
    return PublishOutcome{p.message_id, p.sequence};
  }

  // The confirmed subscriptions of a topic and what their envelopes need. REQUIRES(mu_) shared.
  struct Fanout {
    std::vector<std::shared_ptr<const Sub>> subs;
    std::string display_name;
    int version = 1;
  };
  Fanout fanout_of(const Topic& t) {
    Fanout f;
    for (const auto& arn : t.subs)
      if (auto it = subs_.find(arn); it != subs_.end() && it->second->confirmed) f.subs.push_back(it->second);
    if (auto dn = t.attributes.find("DisplayName"); dn != t.attributes.end()) f.display_name = dn->second;
    if (auto sv = t.attributes.find("SignatureVersion"); sv != t.attributes.end() && sv->second == "2") f.version = 2;
    return f;
  }

  // Makes a publish durable. SQS subscriptions are delivered right here: their messages are
  // written in the same atomic batch as the publish event, which carries the other protocols
  // (and any SQS copy that could not be stored, to be retried and dead-lettered by fan_out).
  // No event is stored when every copy went in-line. Either way, once this returns ok, every
  // copy is durable or has a durable event that will produce it (kill -9 safe).
  storage::Status store_publish(Published& p, const Fanout& f) {
    sqs::Api* api = sqs::api(*server_);
    std::vector<sqs::Api::Target> targets;
    std::vector<const Sub*> inline_subs;
    bool others = false;
    for (const auto& s : f.subs) {
      if (!api || s->protocol != "sqs") {
        others = true;
        continue;
      }
      if (!passes_filter(*s, p)) continue;
      inline_subs.push_back(s.get());
      targets.push_back({s->endpoint, sqs_delivery(*s, p, p.text_for(s->protocol), f.version)});
    }
    std::optional<events::Queue::Ticket> ticket;
    auto staged = [&](const std::vector<Result<std::string>>& r, storage::WriteBatch& batch) {
      bool failed = false;
      for (size_t i = 0; i < r.size(); ++i) {
        if (r[i]) p.done.insert(inline_subs[i]->arn);
        else failed = true;
      }
      if (others || failed) ticket = server_->events().add(batch, kPublishTopic, p.payload());
    };
    storage::WriteBatch b;
    storage::Status st;
    if (targets.empty()) {
      staged({}, b);
      if (!b.empty()) st = engine_->write(b);
    } else {
      st = api->deliver_all(targets, b, staged);
    }
    if (st.ok() && ticket) server_->events().published(*ticket);
    return st;
  }

  Result<Doc> publish(OpContext& ctx, const Doc& in) {
    std::string phone = in.str("PhoneNumber");
    if (!phone.empty()) return publish_sms(ctx, in, phone);
    std::string member = in.has("TopicArn") ? "TopicArn" : "TargetArn";
    if (!in.has("TopicArn") && !in.has("TargetArn")) return invalid("TopicArn or TargetArn Reason: no value for required parameter");
    if (std::string platform = Platform::platform_of(in.str("TargetArn")); !platform.empty() && !in.has("TopicArn")) {
      std::string text = in.str("Message");
      if (text.empty()) return invalid("Empty message");
      if (in.str("MessageStructure") == "json") {
        try {
          Doc d = json::parse(text);
          text = d.has(platform) ? d.str(platform) : d.str("default");
        } catch (const AwsError&) {
          return invalid("Message Structure - JSON message body failed to parse");
        }
      }
      auto id = platform_.push(in.str("TargetArn"), text, "sns:Publish");
      if (!id) return id.error();
      Doc d = Doc::map();
      d.set("MessageId", *id);
      return d;
    }
    // FIFO topics publish under the exclusive lock (dedup state; copies stored in sequence order).
    std::shared_lock slk(mu_);
    std::unique_lock<std::shared_mutex> ulk;
    auto t = topic_for(in, member.c_str());
    if (!t) return t.error();
    if ((*t)->fifo) {
      slk.unlock();
      ulk = std::unique_lock(mu_);
      t = topic_for(in, member.c_str());
      if (!t) return t.error();
    }
    Published p;
    if (auto e = check_publish(**t, in, p)) return *e;
    auto out = enqueue_publish(**t, p, host_of(ctx));
    if (!out) return out.error();
    Doc d = Doc::map();
    d.set("MessageId", out->message_id);
    if ((*t)->fifo) d.set("SequenceNumber", std::to_string(out->sequence));
    return d;
  }

  Result<Doc> publish_sms(OpContext& ctx, const Doc& in, const std::string& phone) {
    if (auto e = check_endpoint("sms", phone, false)) return invalid("PhoneNumber Reason: " + phone + " is not valid to publish to");
    std::string text = in.str("Message");
    if (text.empty()) return invalid("Empty message");
    if (in.str("MessageStructure") == "json") {
      try {
        Doc d = json::parse(text);
        text = d.has("sms") ? d.str("sms") : d.str("default");
      } catch (const AwsError&) {
        return invalid("Message Structure - JSON message body failed to parse");
      }
    }
    if (platform_.opted_out(ctx.account(), phone)) {
      Doc d = Doc::map();  // accepted, not delivered (as AWS does for opted-out numbers)
      d.set("MessageId", ids::uuid4());
      return d;
    }
    mailbox::Mail m;
    m.id = ids::uuid4();
    m.channel = "sms";
    m.recipient = phone;
    m.sender = "AWS SNS";
    m.body = text;
    m.source = "sns:Publish";
    std::string id = m.id;
    auto st = mailbox::deliver(*engine_, std::move(m));
    if (!st.ok()) return errors::internal(st.message);
    Doc d = Doc::map();
    d.set("MessageId", id);
    return d;
  }

  Result<Doc> publish_batch(OpContext& ctx, const Doc& in) {
    const Doc* entries = in.get("PublishBatchRequestEntries");
    size_t n = entries && entries->is_list() ? entries->as_list().size() : 0;
    if (n == 0) return AwsError("EmptyBatchRequest", "The batch request doesn't contain any entries", 400);
    if (n > 10) return AwsError("TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible.", 400);
    std::set<std::string> ids;
    size_t total = 0;
    for (const auto& e : entries->as_list()) {
      std::string id = e.str("Id");
      bool ok_id = !id.empty() && id.size() <= 80 &&
                   id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
                       std::string::npos;
      if (!ok_id) return AwsError("InvalidBatchEntryId", "The Id of a batch entry in a batch request doesn't abide by the specification.", 400);
      if (!ids.insert(id).second) return AwsError("BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id.", 400);
      total += e.str("Message").size();
    }
    if (total > kMaxMessageBytes) return AwsError("BatchRequestTooLong", "The length of all the messages put together is more than the limit.", 400);
    std::unique_lock lk(mu_);
    auto t = topic_for(in);
    if (!t) return t.error();
    Doc ok = Doc::list(), failed = Doc::list();
    for (const auto& e : entries->as_list()) {
      Published p;
      std::optional<AwsError> err = check_publish(**t, e, p);
      Result<PublishOutcome> out = err ? Result<PublishOutcome>(*err) : enqueue_publish(**t, p, host_of(ctx));
      if (!out) {
        Doc f = Doc::map();
        f.set("Id", e.str("Id"));
        f.set("Code", out.error().code);
        f.set("Message", out.error().message);
        f.set("SenderFault", out.error().sender_fault);
        failed.push(std::move(f));
        continue;
      }
      Doc d = Doc::map();
      d.set("Id", e.str("Id"));
      d.set("MessageId", out->message_id);
      if ((*t)->fifo) d.set("SequenceNumber", std::to_string(out->sequence));
      ok.push(std::move(d));
    }
    Doc out = Doc::map();
    out.set("Successful", std::move(ok));
    out.set("Failed", std::move(failed));
    return out;
  }

  // ---- delivery ---------------------------------------------------------------------------------

  std::string attributes_json(const std::vector<MsgAttr>& attrs) {
    std::string out = "{";
    bool first = true;
    for (const auto& a : attrs) {
      if (!first) out += ",";
      first = false;
      std::string v = a.type.rfind("Binary", 0) == 0 ? enc::base64_encode(a.value) : a.value;
      out.append("\"").append(json::escape(a.name)).append("\":{\"Type\":\"").append(json::escape(a.type));
      out.append("\",\"Value\":\"").append(json::escape(v)).append("\"}");
    }
    return out + "}";
  }

  static std::string notification_to_sign(std::string_view text, std::string_view id, std::string_view subject,
                                          std::string_view ts, std::string_view topic_arn) {
    std::string out;
    out.reserve(text.size() + topic_arn.size() + 128);
    out.append("Message\n").append(text).append("\nMessageId\n").append(id).append("\n");
    if (!subject.empty()) out.append("Subject\n").append(subject).append("\n");
    out.append("Timestamp\n").append(ts).append("\nTopicArn\n").append(topic_arn).append("\nType\nNotification\n");
    return out;
  }

  // The fields of a Notification envelope.
  struct Notice {
    std::string_view id, topic_arn, subject, text, host, sub_arn, attrs_json;  // attrs_json: "" for none
    uint64_t sequence = 0;
    int64_t ts_ms = 0;
    int version = 1;
  };

  Notice notice(const Published& p, std::string_view sub_arn, const std::string& text, int version) {
    if (!p.attrs.empty() && p.attrs_json.empty()) p.attrs_json = attributes_json(p.attrs);
    return Notice{p.message_id, p.topic_arn, p.subject, text, p.host, sub_arn, p.attrs_json, p.sequence,
                  p.timestamp_ms, version};
  }

  std::string render(const Notice& n, const std::string& ts, std::string_view signature) {
    Envelope e;
    e.add("Type", "Notification");
    e.add("MessageId", n.id);
    if (n.sequence) e.add("SequenceNumber", std::to_string(n.sequence));
    e.add("TopicArn", n.topic_arn);
    if (!n.subject.empty()) e.add("Subject", n.subject);
    e.add("Message", n.text);
    e.add("Timestamp", ts);
    e.add("SignatureVersion", std::to_string(n.version));
    e.add("Signature", signature);
    e.add("SigningCertURL", cert_url(std::string(n.host)));
    e.add("UnsubscribeURL", unsubscribe_url(std::string(n.sub_arn), std::string(n.host)));
    if (!n.attrs_json.empty()) e.add_raw("MessageAttributes", n.attrs_json);
    return e.finish();
  }

  std::string notification(const Published& p, const std::string& sub_arn, const std::string& text, int version) {
    Notice n = notice(p, sub_arn, text, version);
    std::string ts = timestamp(p.timestamp_ms);
    auto& sig = p.signatures[{text, version}];
    if (sig.empty()) sig = signer().sign(notification_to_sign(text, p.message_id, p.subject, ts, p.topic_arn), version);
    return render(n, ts, sig);
  }

  // SQS copies of a Notification are stored compact, without the envelope's boilerplate and
  // signature ("sns1:" then length-prefixed fields, the subscription's id last), and rendered and
  // signed when received (finish_envelope): a publish costs no RSA signature, and a tenth of the
  // bytes in storage. The queue checks its size limit against the rendered envelope's length.
  sqs::Delivery sqs_envelope(const Published& p, const std::string& sub_arn, const std::string& text, int version) {
    auto& c = p.stored[version == 2 ? 1 : 0];
    auto put = [](std::string& out, std::string_view v) { out.append(std::to_string(v.size())).append(1, ':').append(v); };
    if (c.prefix.empty()) {
      // The envelope's length but for the subscription ARN in its UnsubscribeURL (escaping is
      // per character: each copy adds its ARN's escaped length).
      Notice n = notice(p, "", text, version);
      c.prefix = "sns1:";
      for (std::string_view v : {n.id, n.topic_arn, n.subject, n.text, n.host, n.attrs_json}) put(c.prefix, v);
      for (int64_t v : {static_cast<int64_t>(n.sequence), n.ts_ms, static_cast<int64_t>(version)}) put(c.prefix, std::to_string(v));
      std::string sig(signer().signature_chars(), 'x');
      c.size = render(n, timestamp(p.timestamp_ms), sig).size();
    }
    sqs::Delivery out;
    out.body.reserve(c.prefix.size() + sub_arn.size() + 8);
    out.body = c.prefix;
    // A subscription's ARN is its topic's plus ":id": only the id is kept then.
    std::string_view sub(sub_arn);
    if (sub.size() > p.topic_arn.size() + 1 && sub.compare(0, p.topic_arn.size(), p.topic_arn) == 0 &&
        sub[p.topic_arn.size()] == ':' && sub.compare(p.topic_arn.size() + 1, 4, "arn:") != 0)
      sub.remove_prefix(p.topic_arn.size() + 1);
    put(out.body, sub);
    out.finish_on_read = true;
    out.finished_size = c.size + json::escaped_size(sub_arn);
    return out;
  }

  // SQS's body finisher: the envelope of a copy stored by sqs_envelope. Signing needs only
  // the envelope's own fields, so this works after a restart too (the key is stored, and RSA
  // PKCS#1 v1.5 signatures are deterministic). The copies of one publish share one signature,
  // kept by MessageId for a while.
  std::string finish_envelope(std::string_view body) {
    std::string_view in = body;
    if (in.substr(0, 5) != "sns1:") return std::string(body);
    in.remove_prefix(5);
    std::string_view f[10];
    for (auto& x : f) {
      size_t colon = in.find(':'), len = 0;
      if (colon == std::string_view::npos) return std::string(body);
      auto r = std::from_chars(in.data(), in.data() + colon, len);
      if (r.ec != std::errc() || r.ptr != in.data() + colon || in.size() - colon - 1 < len) return std::string(body);
      x = in.substr(colon + 1, len);
      in.remove_prefix(colon + 1 + len);
    }
    int64_t num[3] = {0, 0, 0};
    for (int i = 0; i < 3; ++i) std::from_chars(f[6 + i].data(), f[6 + i].data() + f[6 + i].size(), num[i]);
    std::string sub_arn = f[9].substr(0, 4) == "arn:" ? std::string(f[9]) : std::string(f[1]) + ":" + std::string(f[9]);
    Notice n{f[0], f[1], f[2], f[3], f[4], sub_arn, f[5], static_cast<uint64_t>(num[0]), num[1], num[2] == 2 ? 2 : 1};
    std::string ts = timestamp(n.ts_ms);
    std::string key = std::string(n.id) + (n.version == 2 ? "/2" : "/1");
    std::string sig;
    {
      std::lock_guard lk(signed_mu_);
      if (auto it = signed_.find(key); it != signed_.end()) sig = it->second;
    }
    if (sig.empty()) {
      sig = signer().sign(notification_to_sign(n.text, n.id, n.subject, ts, n.topic_arn), n.version);
      std::lock_guard lk(signed_mu_);
      if (signed_.size() >= 4096) signed_.clear();
      signed_[key] = sig;
    }
    return render(n, ts, sig);
  }

  bool passes_filter(const Sub& s, const Published& p) {
    if (!s.filter) return true;
    if (s.body_scope()) {
      try {
        return s.filter->match(json::parse(p.text_for(s.protocol)));
      } catch (const AwsError&) {
        return false;
      }
    }
    return s.filter->match(filter_view(p.attrs));
  }

  // The events handler for one published message: deliver to every subscription of the topic.
  events::Verdict fan_out(const events::Delivery& d) {
    Published p;
    try {
      p = Published::from(d.payload);
    } catch (const std::exception& e) {
      spdlog::error("sns: dropping unreadable publish event: {}", e.what());
      return events::Verdict::drop();
    }
    Fanout f;
    {
      std::shared_lock lk(mu_);
      auto t = topic(p.topic_arn);
      if (!t) return events::Verdict::done();  // topic deleted since
      f = fanout_of(*t);
    }
    for (const auto& s : f.subs) {
      if (p.done.count(s->arn) || !passes_filter(*s, p)) continue;
      try {
        deliver_one(*s, p, f.display_name, f.version);
      } catch (const std::exception& e) {
        spdlog::error("sns: delivery to {} failed: {}", s->arn, e.what());
      }
    }
    return events::Verdict::done();
  }

  // The SQS message for one subscription: the signed envelope, or the raw message.
  sqs::Delivery sqs_delivery(const Sub& s, const Published& p, const std::string& text, int version) {
    sqs::Delivery out;
    if (s.raw()) {
      out.body = text;
      for (const auto& a : p.attrs) {
        std::string type = a.type == "String.Array" ? "String" : a.type;
        out.attrs.push_back(sqs::Attribute{a.name, type, a.value});
      }
      std::sort(out.attrs.begin(), out.attrs.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
    } else {
      out = sqs_envelope(p, s.arn, text, version);
    }
    out.group_id = p.group_id;
    out.dedup_id = p.dedup_id;
    out.sender_id = "AIDAIT2UOQQY3AUEKVGXU";  // SNS's service principal id, as queues see it
    return out;
  }

  void deliver_one(const Sub& s, const Published& p, const std::string& display_name, int version) {
    std::string text = p.text_for(s.protocol);
    if (s.protocol == "sqs") {
      sqs::Api* api = sqs::api(*server_);
      if (!api) return;
      auto r = api->deliver(s.endpoint, sqs_delivery(s, p, text, version));
      if (!r) {
        spdlog::warn("sns: delivery to {} failed: {}", s.endpoint, r.error().message);
        redrive(s, p, text);
      }
      return;
    }
    if (s.protocol == "lambda") {
      Doc rec = Doc::map();
      rec.set("EventSource", "aws:sns");
      rec.set("EventVersion", "1.0");
      rec.set("EventSubscriptionArn", s.arn);
      Doc sns = json::parse(notification(p, s.arn, text, version));
      rec.set("Sns", std::move(sns));
      Doc records = Doc::list();
      records.push(std::move(rec));
      Doc event = Doc::map();
      event.set("Records", std::move(records));
      Doc payload = Doc::map();
      payload.set("function", s.endpoint);
      payload.set("event", std::move(event));
      (void)server_->events().enqueue(kLambdaTopic, json::write(payload));
      return;
    }
    if (s.protocol == "http" || s.protocol == "https") {
      enqueue_http(s, s.raw() ? text : notification(p, s.arn, text, version), "Notification", p.message_id, false);
      return;
    }
    if (s.protocol == "email" || s.protocol == "email-json" || s.protocol == "sms") {
      mailbox::Mail m;
      m.channel = s.protocol;
      m.recipient = s.endpoint;
      m.source = p.topic_arn;
      m.id = p.message_id + ":" + s.arn.substr(s.arn.rfind(':') + 1);
      if (s.protocol == "sms") {
        m.sender = display_name.empty() ? "AWS SNS" : display_name;
        m.body = display_name.empty() ? text : display_name + "> " + text;
      } else {
        m.sender = (display_name.empty() ? "AWS Notifications" : display_name) + " <" + kMailSender + ">";
        m.subject = p.subject.empty() ? "AWS Notification Message" : p.subject;
        m.body = s.protocol == "email-json"
                     ? notification(p, s.arn, text, version)
                     : text + "\n\n--\nIf you wish to stop receiving notifications from this topic, please click or "
                              "visit the link below to unsubscribe:\n" + unsubscribe_url(s.arn, p.host) +
                           "\n\nPlease do not reply directly to this email. If you have any questions or comments "
                           "regarding this email, please contact us at https://aws.amazon.com/support";
      }
      auto st = mailbox::deliver(*engine_, std::move(m));
      if (!st.ok()) throw std::runtime_error("mailbox write failed: " + st.message);
      return;
    }
    if (s.protocol == "application") {
      std::string platform = Platform::platform_of(s.endpoint);
      auto r = platform_.push(s.endpoint, p.message.is_string() ? text : p.text_for(platform), p.topic_arn,
                              p.message_id + ":" + s.arn.substr(s.arn.rfind(':') + 1));
      if (!r) spdlog::warn("sns: push to {} failed: {}", s.endpoint, r.error().message);
      return;
    }
    // firehose: accepted and stored only (no stream behind it yet).
  }

  // A failed delivery goes to the subscription's dead-letter queue, when it has one.
  void redrive(const Sub& s, const Published& p, const std::string& text) {
    auto it = s.attributes.find("RedrivePolicy");
    if (it == s.attributes.end()) return;
    try {
      std::string dlq = json::parse(it->second).str("deadLetterTargetArn");
      sqs::Delivery out = sqs_envelope(p, s.arn, text, 1);
      out.group_id = p.group_id;
      out.dedup_id = p.dedup_id;
      if (sqs::Api* api = sqs::api(*server_)) (void)api->deliver(dlq, std::move(out));
    } catch (const std::exception& e) {
      spdlog::warn("sns: redrive for {} failed: {}", s.arn, e.what());
    }
  }

  void enqueue_http(const Sub& s, const std::string& body, const std::string& type, const std::string& msg_id,
                    bool confirmation) {
    Doc d = Doc::map();
    d.set("sub", s.arn);
    d.set("topic", s.topic_arn);
    d.set("url", s.endpoint);
    d.set("body", body);
    d.set("type", type);
    d.set("id", msg_id);
    d.set("raw", s.raw() && !confirmation);
    auto st = server_->events().enqueue(kHttpTopic, json::write(d));
    if (!st.ok()) spdlog::error("sns: could not queue http delivery: {}", st.message);
  }

  // Retry policy of a subscription: its DeliveryPolicy, the topic's, or AWS's default
  // (3 retries, 20 s apart).
  std::pair<int, int64_t> retry_policy(const std::string& sub_arn, const std::string& topic_arn) {
    std::shared_lock lk(mu_);
    std::string policy;
    if (auto t = topic(topic_arn))
      if (auto it = t->attributes.find("DeliveryPolicy"); it != t->attributes.end()) policy = it->second;
    if (auto it = subs_.find(sub_arn); it != subs_.end())
      if (auto dp = it->second->attributes.find("DeliveryPolicy"); dp != it->second->attributes.end()) policy = dp->second;
    int retries = 3;
    int64_t delay_ms = 20000;
    if (!policy.empty()) {
      try {
        Doc d = json::parse(policy);
        const Doc* h = d.get("healthyRetryPolicy");
        if (!h) {
          if (const Doc* http = d.get("http")) h = http->get("defaultHealthyRetryPolicy");
        }
        if (h) {
          retries = static_cast<int>(h->integer("numRetries", retries));
          delay_ms = h->integer("minDelayTarget", 20) * 1000;
        }
      } catch (const AwsError&) {
      }
    }
    return {retries, delay_ms};
  }

  events::Verdict deliver_http(const events::Delivery& d) {
    Doc job;
    try {
      job = json::parse(d.payload);
    } catch (const AwsError&) {
      return events::Verdict::drop();
    }
    std::string sub = job.str("sub"), topic_arn = job.str("topic");
    {
      std::shared_lock lk(mu_);
      if (!subs_.count(sub)) return events::Verdict::done();  // unsubscribed meanwhile
    }
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "text/plain; charset=UTF-8"},
        {"User-Agent", "Amazon Simple Notification Service Agent"},
        {"x-amz-sns-message-type", job.str("type")},
        {"x-amz-sns-message-id", job.str("id")},
        {"x-amz-sns-topic-arn", topic_arn},
    };
    if (job.str("type") == "Notification") headers.emplace_back("x-amz-sns-subscription-arn", sub);
    if (job.flag("raw")) headers.emplace_back("x-amz-sns-rawdelivery", "true");
    HttpResult r = http_post(job.str("url"), headers, job.str("body"));
    if (r.status >= 200 && r.status < 300) return events::Verdict::done();
    auto [retries, delay] = retry_policy(sub, topic_arn);
    if (static_cast<int>(d.attempt) < retries) return events::Verdict::retry_after(delay);
    spdlog::warn("sns: giving up on {} after {} attempts (status {} {})", job.str("url"), d.attempt + 1, r.status,
                 r.error);
    return events::Verdict::drop();
  }

  // ---- tags and the rest --------------------------------------------------------------------

  Result<std::shared_ptr<Topic>> tagged(const Doc& in) {  // REQUIRES(mu_)
    std::string arn = in.str("ResourceArn");
    auto t = topic(arn);
    if (!t) return AwsError("ResourceNotFound", "Resource does not exist", 404);
    return t;
  }

  Result<Doc> tag_resource(OpContext&, const Doc& in) {
    std::unique_lock lk(mu_);
    auto t = tagged(in);
    if (!t) return t.error();
    auto tags = (*t)->tags;
    if (const Doc* l = in.get("Tags"); l && l->is_list()) {
      for (const auto& e : l->as_list()) {
        std::string k = e.str("Key"), v = e.str("Value");
        auto it = std::find_if(tags.begin(), tags.end(), [&](const auto& p) { return p.first == k; });
        if (it != tags.end()) it->second = v;
        else tags.emplace_back(k, v);
      }
    }
    if (tags.size() > 50) return AwsError("TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded", 400);
    (*t)->tags = std::move(tags);
    save(**t);
    return Doc::map();
  }

  Result<Doc> untag_resource(OpContext&, const Doc& in) {
    std::unique_lock lk(mu_);
    auto t = tagged(in);
    if (!t) return t.error();
    if (const Doc* l = in.get("TagKeys"); l && l->is_list()) {
      for (const auto& k : l->as_list()) {
        auto& tags = (*t)->tags;
        tags.erase(std::remove_if(tags.begin(), tags.end(), [&](const auto& p) { return p.first == k.as_string(); }),
                   tags.end());
      }
    }
    save(**t);
    return Doc::map();
  }

  Result<Doc> list_tags_for_resource(OpContext&, const Doc& in) {
    std::shared_lock lk(mu_);
    auto t = tagged(in);
    if (!t) return t.error();
    Doc l = Doc::list();
    for (const auto& [k, v] : (*t)->tags) {
      Doc e = Doc::map();
      e.set("Key", k);
      e.set("Value", v);
      l.push(std::move(e));
    }
    Doc out = Doc::map();
    out.set("Tags", std::move(l));
    return out;
  }

  // The topic's policy document (the default one until set). REQUIRES(mu_)
  static Doc policy_of(const Topic& t) {
    auto it = t.attributes.find("Policy");
    try {
      Doc d = json::parse(it == t.attributes.end() ? default_policy(t) : it->second);
      if (d.is_map()) return d;
    } catch (const AwsError&) {
    }
    return json::parse(default_policy(t));
  }

  Result<Doc> add_permission(OpContext&, const Doc& in) {
    std::string label = in.str("Label");
    if (label.empty()) return invalid("Label");
    std::unique_lock lk(mu_);
    auto t = topic_for(in);
    if (!t) return t.error();
    Doc policy = policy_of(**t);
    Doc& stmts = policy["Statement"];
    if (!stmts.is_list()) stmts = Doc::list();
    for (const auto& st : stmts.as_list())
      if (st.str("Sid") == label) return invalid("Statement already exists");
    const Doc* accounts = in.get("AWSAccountId");
    const Doc* actions = in.get("ActionName");
    if (!accounts || !accounts->is_list() || accounts->as_list().empty()) return invalid("AWSAccountId");
    if (!actions || !actions->is_list() || actions->as_list().empty()) return invalid("ActionName");
    Doc st = permission_statement(label, accounts, actions, "SNS", (*t)->arn);
    stmts.push(std::move(st));
    (*t)->attributes["Policy"] = json::write(policy);
    save(**t);
    return Doc::map();
  }

  Result<Doc> remove_permission(OpContext&, const Doc& in) {
    std::string label = in.str("Label");
    std::unique_lock lk(mu_);
    auto t = topic_for(in);
    if (!t) return t.error();
    Doc policy = policy_of(**t);
    if (Doc* stmts = policy.get("Statement"); stmts && stmts->is_list()) {
      auto& l = stmts->as_list();
      l.erase(std::remove_if(l.begin(), l.end(), [&](const Doc& st) { return st.str("Sid") == label; }), l.end());
    }
    (*t)->attributes["Policy"] = json::write(policy);
    save(**t);
    return Doc::map();
  }

  Result<Doc> get_data_protection_policy(OpContext&, const Doc& in) {
    std::shared_lock lk(mu_);
    auto t = topic_for(in, "ResourceArn");
    if (!t) return t.error();
    Doc out = Doc::map();
    auto it = (*t)->attributes.find("DataProtectionPolicy");
    out.set("DataProtectionPolicy", it == (*t)->attributes.end() ? std::string() : it->second);
    return out;
  }

  Result<Doc> put_data_protection_policy(OpContext&, const Doc& in) {
    std::string policy = in.str("DataProtectionPolicy");
    try {
      if (!json::parse(policy).is_map()) return invalid("DataProtectionPolicy");
    } catch (const AwsError&) {
      return invalid("DataProtectionPolicy Reason: the policy is not valid JSON");
    }
    std::unique_lock lk(mu_);
    auto t = topic_for(in, "ResourceArn");
    if (!t) return t.error();
    (*t)->attributes["DataProtectionPolicy"] = policy;
    save(**t);
    return Doc::map();
  }

  Platform platform_;

  ServerContext* server_ = nullptr;
  storage::Engine* engine_ = nullptr;
  // The signing key is loaded (or made) on first use: start-up stays fast and small when no
  // message is ever signed.
  Signer& signer() {
    std::lock_guard lk(signer_mu_);
    if (!signer_) signer_ = std::make_unique<Signer>(*engine_);
    return *signer_;
  }
  std::mutex signer_mu_;
  std::unique_ptr<Signer> signer_;  // GUARDED_BY(signer_mu_)
  std::mutex signed_mu_;
  std::unordered_map<std::string, std::string> signed_;  // GUARDED_BY(signed_mu_) finish_envelope's, by MessageId/version
  std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<Topic>> topics_;             // GUARDED_BY(mu_) by ARN
  std::unordered_map<std::string, std::shared_ptr<const Sub>> subs_;       // GUARDED_BY(mu_) by ARN
};

}  // namespace

std::unique_ptr<Service> make_service() { return std::make_unique<SnsService>(); }

}  // namespace stratus::sns
