#include "services/lambda/ops.h"

#include "core/encoding.h"
#include "core/json.h"
#include "http/message.h"
#include "services/lambda/state.h"

namespace stratus::lambda::ops {

// The deprecated InvokeAsync: an Event invoke whose payload (InvokeArgs) is a streaming blob,
// so a large body arrives spooled on disk and is refused without ever being read into memory.
void invoke_async(OpContext& ctx, const Doc& in, Done done) {
  InvokeCall call;
  call.account = ctx.account();
  call.region = ctx.region();
  call.function = in.str("FunctionName");
  call.type = InvocationType::event;
  call.request_id = ctx.request_id;
  const http::BodyFile* file = ctx.transport.body_file;
  size_t size = file ? static_cast<size_t>(file->size) : 0;
  const Doc* args = in.get("InvokeArgs");
  if (!file && args) size = args->is_blob() ? args->as_blob().bytes.size() : args->as_string().size();
  if (size > kInvokeAsyncPayload) {
    return done(errors::request_too_large("Request must be smaller than " + std::to_string(kInvokeAsyncPayload) +
                                          " bytes for the InvokeAsync operation"));
  }
  if (file) call.payload = file->read(0, static_cast<size_t>(file->size));
  else if (args)
    call.payload = args->is_blob() ? args->as_blob().bytes : args->as_string();
  state(ctx).run(ctx.server, std::move(call), [done = std::move(done)](InvokeOutcome o) {
    if (o.error) return done(std::move(*o.error));
    Doc out = Doc::map();
    out.set("Status", 202);
    done(std::move(out));
  });
}

// Invoke's and InvokeWithResponseStream's request as an InvokeCall.
static InvokeCall invoke_call(OpContext& ctx, const Doc& in) {
  InvokeCall call;
  call.account = ctx.account();
  call.region = ctx.region();
  call.function = in.str("FunctionName");
  call.qualifier = in.str("Qualifier");
  if (const Doc* p = in.get("Payload")) call.payload = p->is_blob() ? p->as_blob().bytes : p->as_string();
  std::string type = in.str("InvocationType", "RequestResponse");
  call.type = type == "Event"    ? InvocationType::event
              : type == "DryRun" ? InvocationType::dry_run
                                 : InvocationType::request_response;
  call.client_context = in.str("ClientContext");
  call.tail = in.str("LogType") == "Tail";
  call.request_id = ctx.request_id;
  return call;
}

// The Invoke operation: the request as an InvokeCall, answered through State::run().
void invoke(OpContext& ctx, const Doc& in, Done done) {
  state(ctx).run(ctx.server, invoke_call(ctx, in), [done = std::move(done)](InvokeOutcome o) {
    if (o.error) return done(std::move(*o.error));
    Doc out = Doc::map();
    out.set("StatusCode", o.status);
    if (o.status == 204) return done(std::move(out));
    out.set("Payload", Blob{std::move(o.payload)});
    if (o.status != 200) return done(std::move(out));
    out.set("ExecutedVersion", o.executed_version);
    if (!o.function_error.empty()) out.set("FunctionError", o.function_error);
    if (!o.log_tail.empty()) out.set("LogResult", enc::base64_encode(o.log_tail));
    done(std::move(out));
  });
}

// Bytes per PayloadChunk event of a streamed answer.
static constexpr size_t kChunkBytes = 64 * 1024;

// InvokeWithResponseStream: the Invoke path, answered as an event stream (PayloadChunk events,
// then InvokeComplete). A streaming function's bytes are cut into chunks; a buffered handler's
// whole response is one chunk. A function error (before or after the first byte) is the
// InvokeComplete's ErrorCode (the error type) and ErrorDetails (its message). The answer is
// collected whole before it is sent (see README: not incremental yet).
void invoke_with_response_stream(OpContext& ctx, const Doc& in, Done done) {
  InvokeCall call = invoke_call(ctx, in);
  if (call.type == InvocationType::event)  // not in ResponseStreamingInvocationType
    throw stratus::errors::validation(
        "1 validation error detected: Value 'Event' at 'invocationType' failed to satisfy constraint: Member must "
        "satisfy enum value set: [RequestResponse, DryRun]");
  state(ctx).run(ctx.server, std::move(call), [done = std::move(done)](InvokeOutcome o) {
    if (o.error) return done(std::move(*o.error));
    Doc out = Doc::map();
    out.set("StatusCode", o.status);
    if (o.status == 204) return done(std::move(out));
    out.set("ExecutedVersion", o.executed_version);
    out.set("ResponseStreamContentType", "application/vnd.amazon.eventstream");
    Doc events = Doc::list();
    auto chunks = [&](const std::string& bytes) {
      for (size_t at = 0; at < bytes.size(); at += kChunkBytes) {
        Doc chunk = Doc::map();
        chunk.set("Payload", Blob{bytes.substr(at, kChunkBytes)});
        Doc ev = Doc::map();
        ev.set("PayloadChunk", std::move(chunk));
        events.push(std::move(ev));
      }
    };
    Doc complete = Doc::map();
    if (o.function_error.empty()) {
      chunks(o.payload);
    } else {
      chunks(o.partial);
      Doc err;
      try {
        err = json::parse(o.payload);
      } catch (const AwsError&) {
      }
      std::string type = err.is_map() ? err.str("errorType") : "";
      if (type.empty()) type = o.error_type.empty() ? "Unhandled" : o.error_type;
      complete.set("ErrorCode", type);
      complete.set("ErrorDetails", err.is_map() && err.has("errorMessage") ? err.str("errorMessage") : o.payload);
    }
    if (!o.log_tail.empty()) complete.set("LogResult", enc::base64_encode(o.log_tail));
    Doc ev = Doc::map();
    ev.set("InvokeComplete", std::move(complete));
    events.push(std::move(ev));
    out.set("EventStream", std::move(events));
    done(std::move(out));
  });
}

}  // namespace stratus::lambda::ops
