// SNS's JSON envelopes (Notification, SubscriptionConfirmation) as AWS lays them out, what is
// signed in them, and the compact form SQS stores Notification copies in.
//
// Compact form: SQS copies of a Notification are stored without the envelope's boilerplate and
// signature ("sns1:" then length-prefixed fields "<len>:<bytes>": MessageId, TopicArn, Subject,
// Message, host, MessageAttributes JSON, SequenceNumber, timestamp ms, SignatureVersion, and last
// the subscription: its id when its ARN is the topic's plus ":id", else the whole ARN), and are
// rendered and signed when received (Envelopes::finish, SQS's body finisher): a publish costs no
// RSA signature, and a tenth of the bytes in storage. This form is on disk in SQS messages:
// never change it, only add a new prefix.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "services/sns/message.h"
#include "services/sns/signing.h"
#include "storage/engine.h"

namespace stratus::sns {

// Where Stratus serves the signing certificate (SigningCertURL).
constexpr const char* kCertPath = "/_stratus/sns/SimpleNotificationService-stratus.pem";

// ISO 8601 with milliseconds always present ("...T12:00:00.000Z"), as SNS writes Timestamp.
std::string timestamp(int64_t ms);

// AWS's JSON layout for SNS envelopes: two-space indent, " : " separators, keys in call order.
class Envelope {
 public:
  void add(std::string_view k, std::string_view v);
  void add_raw(std::string_view k, std::string_view raw_json);  // raw_json is inserted as is
  std::string finish();

 private:
  void key(std::string_view k);
  std::string out_;
};

// The links an envelope carries, on the host the publisher called.
std::string subscribe_url(const std::string& topic_arn, const std::string& token, const std::string& host);
std::string unsubscribe_url(const std::string& sub_arn, const std::string& host);
std::string cert_url(const std::string& host);

// The string a Notification's signature is over (Subject only when not empty).
std::string notification_to_sign(std::string_view text, std::string_view id, std::string_view subject,
                                  std::string_view ts, std::string_view topic_arn);
// The MessageAttributes of an envelope: {"name":{"Type":"...","Value":"..."}}, binary base64.
std::string attributes_json(const std::vector<MsgAttr>& attrs);

// The fields of a Notification envelope.
struct Notice {
  std::string_view id, topic_arn, subject, text, host, sub_arn, attrs_json;  // attrs_json: "" for none
  uint64_t sequence = 0;
  int64_t ts_ms = 0;
  int version = 1;
};
// The envelope of a notice with its Timestamp text and signature.
std::string render(const Notice& n, const std::string& ts, std::string_view signature);

// Envelopes that need the signing key. Thread safe: deliveries, the SQS body finisher (any SQS
// receive thread) and confirmations all sign.
class Envelopes {
 public:
  explicit Envelopes(storage::Engine& engine) : engine_(engine) {}

  // The signing key is loaded (or made) on first use: start-up stays fast and small when no
  // message is ever signed.
  Signer& signer();
  // After storage was wiped: the key went with it (the next signature makes a new one), and so
  // do the cached signatures.
  void reset();

  // The signed Notification for one subscription (signatures shared through p.signatures).
  std::string notification(const Published& p, const std::string& sub_arn, const std::string& text, int version);

  // The compact form of the Notification for an SQS copy (see the top of this file), and the
  // length of the envelope it finishes into (the queue checks its size limit against that).
  struct Compact {
    std::string body;
    size_t finished_size = 0;
  };
  Compact compact(const Published& p, const std::string& sub_arn, const std::string& text, int version);
  // SQS's body finisher: the envelope of a compact body (other bodies are returned as they are).
  // Signing needs only the envelope's own fields, so this works after a restart too (the key is
  // stored, and RSA PKCS#1 v1.5 signatures are deterministic). The copies of one publish share
  // one signature, kept by MessageId for a while (4096 entries).
  std::string finish(std::string_view body);

 private:
  Notice notice(const Published& p, std::string_view sub_arn, const std::string& text, int version);

  storage::Engine& engine_;
  std::mutex signer_mu_;
  std::unique_ptr<Signer> signer_;  // GUARDED_BY(signer_mu_)
  std::mutex signed_mu_;
  std::unordered_map<std::string, std::string> signed_;  // GUARDED_BY(signed_mu_) finish's, by MessageId/version
};

}  // namespace stratus::sns
