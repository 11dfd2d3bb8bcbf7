#include "services/lambda/ops.h"

#include "core/encoding.h"
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
  else if (args) call.payload = args->is_blob() ? args->as_blob().bytes : args->as_string();
  state(ctx).run(ctx.server, std::move(call), [done = std::move(done)](InvokeOutcome o) {
    if (o.error) return done(std::move(*o.error));
    Doc out = Doc::map();
    out.set("Status", 202);
    done(std::move(out));
  });
}

// The Invoke operation: the request as an InvokeCall, answered through State::run().
void invoke(OpContext& ctx, const Doc& in, Done done) {
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
  state(ctx).run(ctx.server, std::move(call), [done = std::move(done)](InvokeOutcome o) {
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

}  // namespace stratus::lambda::ops
