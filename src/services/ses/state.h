// SES's state, shared by the v1 ("ses") and v2 ("sesv2") services: the records (schema.h) and the
// one send path every way of sending takes (v1 SendEmail/SendRawEmail/SendTemplatedEmail/
// SendBulkTemplatedEmail, v2 SendEmail/SendBulkEmail, the SMTP endpoint). Whichever of the two
// services attaches first makes it and publishes it as a port (ServerContext::provide<State>).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/doc.h"
#include "http/message.h"
#include "services/service.h"
#include "storage/engine.h"

namespace stratus {
class ServerContext;
namespace cloudwatch {
class Api;
}
namespace events {
class Api;
struct Delivery;
struct Verdict;
}  // namespace events
}  // namespace stratus

namespace stratus::ses {

// Which API is asking: the errors differ (v1 Query codes, v2 REST exceptions).
enum class Api { v1, v2 };

struct State {
  explicit State(ServerContext& c);
  ServerContext& ctx;
  storage::Engine& engine;
  std::mutex mu;  // read-modify-writes of records
  events::Api* bus = nullptr;
  cloudwatch::Api* metrics = nullptr;  // AWS/SES Send, Delivery, Bounce, Complaint, Reject (account level)

  // Records of one account and region, by name (keyspaces of schema.h).
  std::optional<Doc> get(std::string_view ks, std::string_view account, std::string_view region, std::string_view name);
  void put(std::string_view ks, std::string_view account, std::string_view region, std::string_view name, const Doc& d);
  void del(std::string_view ks, std::string_view account, std::string_view region, std::string_view name);
  std::vector<std::pair<std::string, Doc>> scan(std::string_view ks, std::string_view account, std::string_view region);

  // The account's settings, with defaults (sandbox, sending enabled).
  Doc account(std::string_view account, std::string_view region);
  void put_account(std::string_view account, std::string_view region, const Doc& d);
  // Recipients counted against the daily quota in the last 24 hours (mailbox simulator addresses
  // are not); the statistics per 15-minute slot of the last two weeks.
  int64_t sent_last_24h(std::string_view account, std::string_view region, int64_t now_ms);
  std::vector<Doc> statistics(std::string_view account, std::string_view region, int64_t now_ms);

  // Whether `address` may be used as a sender: the address, the address without its +label, or
  // its domain is a verified identity.
  bool verified(std::string_view account, std::string_view region, std::string_view address);
  // The verified identity record that covers `address`, if any.
  std::optional<Doc> verified_identity(std::string_view account, std::string_view region, std::string_view address);

  // Starts an email identity's verification: a token and the mail with its link to the mailbox.
  void send_verification(const OpContext& op, const std::string& identity);
  // GET /_stratus/ses/verify?token=: the verification link.
  void serve_verify(const http::Request& req, http::Response& res);
};

State& state(OpContext& ctx);

// A message on its way out, whatever API it came from.
struct Outgoing {
  Api api = Api::v1;
  std::string source;                   // Source / FromEmailAddress ("Name <a@b>" allowed)
  std::vector<std::string> recipients;  // every envelope recipient
  std::string raw;                      // the message as composed or sent raw (no Message-ID needed)
  std::string config_set;
  std::vector<std::pair<std::string, std::string>> tags;  // MessageTag name/value
  std::string template_name;                              // templated sends: for Rendering Failure events
  std::string render_error;                               // set: rendering failed (no mail, a Rendering Failure event)
  bool raw_api = false;                                   // SendRawEmail / v2 Raw / SMTP: the 10 MB (v1) size limit
  std::string endpoint;  // "http://host:port" the tracking links point at (empty: localhost and --port)
};

// Checks and sends: account and configuration set state, recipient count (50) and address
// syntax, size, sandbox and verified senders (MessageRejected with AWS's text); then writes one
// mailbox message per delivered recipient, the statistics and the configuration set's events
// (Send, Delivery, Bounce, Complaint, Reject, Rendering Failure; mailbox simulator addresses and
// the account suppression list). Returns the MessageId. Throws AwsError.
std::string send(State& st, const OpContext::Caller& caller, int64_t now_ms, Outgoing m);

// GET /_stratus/ses/open?id= and /_stratus/ses/click?id=&n=: publish the Open / Click event of a
// tracked copy (tracking.h); the click answers 302 to the original link. Unknown ids: 404.
void serve_tracking(State& st, bool click, const http::Request& req, http::Response& res);

// Configuration set events on their way to a destination (durable: events::Queue).
inline constexpr const char* kEventsTopic = "ses.events";
events::Verdict deliver_event(State& st, const events::Delivery& d);

// A MessageId as SES forms them: 0100 + 12 hex digits of the time in ms, '-', a UUID, '-000000'.
std::string message_id(int64_t now_ms);

}  // namespace stratus::ses
