// A service: its model, its operation table, and whatever state it keeps in storage.
//
// Handlers are plain functions `Doc op(OpContext&, const Doc& input)`: input is the decoded,
// validated request shaped like the operation's input structure; the returned Doc is shaped like
// the output structure. Handlers never see HTTP.
//
// Errors have one channel: an error that ends an operation is thrown as an AwsError, made by the
// service's generated factories (services/<svc>/errors.h, from the model's error shapes) or the
// common ones (core/error.h). Result<T> is a value only where an outcome must travel as data:
// per-entry results of batches, and Done callbacks across threads. invoke_handler() is the one
// place that turns whatever a handler throws into the error the caller answers with.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/doc.h"
#include "core/result.h"
#include "model/model.h"
#include "storage/keys.h"

namespace stratus {
namespace storage { class Engine; }
namespace http {
struct Request;
struct BodyFile;
struct BodyDigests;
}  // namespace http

class ServerContext;  // server/context.h: shared engine, config, other services

struct OpContext {
  // Who is calling, as the front door established it from the signature.
  struct Caller {
    std::string account;     // 12 digits
    std::string region;      // from the SigV4 scope, or the default region
    std::string access_key;  // "" when anonymous
    std::string arn;         // principal ARN
    std::string user_id;
  };
  ServerContext& server;
  storage::Engine& storage;
  const model::ServiceModel& model;
  const model::Operation& op;
  Caller caller;
  std::string request_id;
  int64_t now_ms = 0;
  // The few facts of the HTTP request an operation may need; empty for internal calls. Handlers
  // never see the request itself.
  struct Transport {
    std::string_view host;                       // Host header (queue URLs, SNS unsubscribe links)
    std::string_view origin;                     // Origin header (S3 answers CORS from its bucket rules)
    size_t body_bytes = 0;                       // body size as sent (DynamoDB's 16 MB batch limit)
    const http::BodyFile* body_file = nullptr;   // a spooled streaming payload (Lambda InvokeAsync)
    // What a handler adds to its answer beyond the output document, applied by the FrontDoor after
    // encoding a success (S3 GetObject): a status other than the operation's (206), and a body
    // served from a file (`length` bytes from `offset`, sent with sendfile; never in memory).
    // `headers` are added to the answer whether it succeeds or fails (S3's x-amz-delete-marker on
    // a 404, ETag on a 304).
    struct Reply {
      int status = 0;
      // The handler decided the answer's CORS headers itself (S3's bucket CORS rules; `headers`
      // carry them, or none when no rule matched): the FrontDoor adds no --cors-origins headers.
      bool own_cors = false;
      std::shared_ptr<const http::BodyFile> file;
      uint64_t offset = 0, length = 0;
      std::vector<std::pair<std::string, std::string>> headers;
      // A success body the handler wrote itself (S3 listings: XML straight from the scan, where
      // a Doc of thousands of entries costs most of the time), sent in place of the encoded
      // output's body. Set only when `http` (internal calls take the output document).
      std::optional<std::string> body;
    };
    Reply reply;
    bool http = false;  // the request came over HTTP through the FrontDoor (reply.body is sent)
  };
  Transport transport;

  const std::string& account() const { return caller.account; }
  const std::string& region() const { return caller.region; }
};

using Handler = std::function<Doc(OpContext&, const Doc&)>;
// For operations that answer later (SQS long polls, Lambda invocations): the handler must call
// `done` exactly once, from any thread, and must not block the calling I/O thread. The
// OpContext and the input stay valid until `done` is called.
using Done = std::function<void(Result<Doc>)>;
using AsyncHandler = std::function<void(OpContext&, const Doc&, Done done)>;
// The type of a handler function, to declare a service's handlers in its ops.h by the group:
// `HandlerFn create_queue, get_queue_url, list_queues;` (defined as `Doc create_queue(OpContext&
// ctx, const Doc& in) {...}`).
using HandlerFn = Doc(OpContext&, const Doc&);

// An output with one member, the shape of most answers: `return answer("QueueUrl", url);`.
inline Doc answer(std::string member, Doc value) {
  Doc out = Doc::map();
  out.set(std::move(member), std::move(value));
  return out;
}

class Service {
 public:
  explicit Service(std::string model_id);
  virtual ~Service() = default;
  const std::string& id() const { return id_; }
  // The whole model, loaded on first use (start-up reads only the summary).
  const model::ServiceModel& model() const;
  const model::ModelSummary& summary() const { return *summary_; }
  // The operation table: one line per operation.
  struct Entry {
    Handler sync;
    AsyncHandler async;  // set instead of sync for asynchronous operations
  };
  void add(std::string op, Handler h);
  void add_async(std::string op, AsyncHandler h);
  const Entry* handler(std::string_view op) const;
  std::vector<std::string> implemented() const;
  // What is known not to behave as AWS yet, declared beside the operation table so that the
  // README's compatibility table (`stratus compat`, tools/compat.py) says it:
  // `gap("ImportTable", "waits for S3")`. `area` is an operation or a feature.
  struct Gap {
    std::string area, what;
  };
  void gap(std::string area, std::string what) { gaps_.push_back({std::move(area), std::move(what)}); }
  const std::vector<Gap>& gaps() const { return gaps_; }
  // Called for every service before any start(): publish the ports others call
  // (`ctx.provide<sqs::Api>(this)`; see ServerContext::port).
  virtual void attach(ServerContext&) {}
  // Called once after every service is attached (background tasks, subscriptions to events).
  virtual void start(ServerContext&) {}
  // Called on shutdown before storage is flushed.
  virtual void stop() {}
  // Called after storage was wiped (POST /_stratus/reset): drop in-memory caches.
  virtual void reset() {}
  // Fills members the protocol carries outside the decoded document, before validation (SQS:
  // a Query request sent to the queue's own URL names the queue by its path, not QueueUrl).
  virtual void complete_input(const model::Operation& op, const http::Request& req, Doc& input) const {}
  // Operations whose input payload is a streaming blob: bodies larger than spool_above (preset to
  // --spool-threshold) are spooled to a file, digested on the way as `digests` says (S3 spools
  // everything it would write to a data file, and asks for its ETag's MD5 and checksum).
  virtual void plan_streaming_body(const http::Request& head, uint64_t& spool_above, http::BodyDigests& digests) const {
  }
  // Validation error code for this service's protocol family (overridable per service).
  virtual std::string validation_error_code() const;
  // Whether the model's enums are enforced on input (true for most services). SQS answers
  // values outside its enums with its own errors, or accepts them (ReceiveMessage's
  // AttributeNames takes message attribute names though its enum lists queue attributes).
  virtual bool validates_enums() const { return true; }
  // The keyspaces this service stores (its schema.h's kKeyspaces).
  virtual std::span<const storage::Keyspace> keyspaces() const { return {}; }

 private:
  std::string id_;
  const model::ModelSummary* summary_;
  mutable std::once_flag model_once_;
  mutable const model::ServiceModel* model_ = nullptr;
  std::unordered_map<std::string, Entry> ops_;
  std::vector<Gap> gaps_;
};

// The one catch-all between a handler and whoever called it (the FrontDoor, DynamoDB's commit
// lane, internal calls): an AwsError thrown is the answer; any other exception is
// logged with the request id, service and operation, and answers InternalFailure (500). The async
// form runs either kind of entry; `done` is called exactly once (inline for sync entries and for
// async ones that throw before deferring).
Result<Doc> invoke_handler(const Handler& h, OpContext& ctx, const Doc& input) noexcept;
void invoke_handler(const Service::Entry& e, OpContext& ctx, const Doc& input, Done done) noexcept;

}  // namespace stratus
