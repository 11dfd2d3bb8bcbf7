// SQS's message operations.
#include "services/sqs/ops.h"

#include <set>

#include "core/clock.h"
#include "services/sqs/common.h"
#include "services/sqs/state.h"
#include "storage/written.h"

namespace stratus::sqs {
namespace {

bool valid_batch_id(std::string_view id) {
  if (id.empty() || id.size() > 80) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Parses the message members shared by SendMessage and SendMessageBatch entries.
SendInput parse_send(OpContext& ctx, const Doc& in) {
  SendInput s;
  const Doc* body = in.get("MessageBody");
  if (!body || !body->is_string() || body->as_string().empty()) throw missing("MessageBody");
  if (long cp = first_invalid_char(body->as_string()); cp >= 0) {
    throw errors::invalid_message_contents("Invalid binary character '" + char_ref(cp) +
                                           "' was found in the message body, the set of allowed characters is #x9 | "
                                           "#xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF");
  }
  s.body = body->as_string();
  s.attrs = parse_attributes(in.get("MessageAttributes"));
  if (const Doc* sys = in.get("MessageSystemAttributes"); sys && sys->is_map()) {
    for (const auto& [name, v] : sys->as_map()) {
      if (name != "AWSTraceHeader") {
        throw invalid("Message system attribute name '" + name + "' is invalid.");
      }
      if (v.str("DataType") != "String" || v.str("StringValue").empty()) {
        throw invalid("Message system attribute 'AWSTraceHeader' must contain a non-empty value of type 'String'.");
      }
      s.trace_header = v.str("StringValue");
    }
  }
  if (const Doc* d = in.get("DelaySeconds"); d && d->is_number()) {
    s.delay = d->as_int();
    if (s.delay < 0 || s.delay > 900) {
      throw invalid_value("DelaySeconds", std::to_string(s.delay), "DelaySeconds must be >= 0 and <= 900");
    }
  }
  s.group_id = in.str("MessageGroupId");
  s.dedup_id = in.str("MessageDeduplicationId");
  for (const auto* f : {&s.group_id, &s.dedup_id}) {
    if (f->size() > 128) {
      throw invalid_value(f == &s.group_id ? "MessageGroupId" : "MessageDeduplicationId", *f,
                          "The value must be at most 128 characters long");
    }
    for (char c : *f) {
      if (c < 33 || c > 126) {
        throw invalid_value(f == &s.group_id ? "MessageGroupId" : "MessageDeduplicationId", *f,
                            "The value contains invalid characters");
      }
    }
  }
  s.sender_id = ctx.caller.user_id.empty() ? ctx.account() : ctx.caller.user_id;
  return s;
}

void fill_send_output(Doc& d, const SendOutcome& o, const Queue& q) {
  d.set("MessageId", o.message_id);
  if (o.payload) {
    d.set("MD5OfMessageBody", o.payload->md5_body);
    if (!o.payload->md5_attrs.empty()) d.set("MD5OfMessageAttributes", o.payload->md5_attrs);
    if (!o.payload->md5_sys.empty()) d.set("MD5OfMessageSystemAttributes", o.payload->md5_sys);
  }
  if (q.fifo) d.set("SequenceNumber", std::to_string(o.sequence_number));
}

// Checks the shared rules of the three batch operations: 1–10 entries, distinct valid ids
// (the batch's error thrown).
void check_batch(const Doc& in, const char* entry_name) {
  const Doc* entries = in.get("Entries");
  size_t n = entries && entries->is_list() ? entries->as_list().size() : 0;
  if (n == 0) {
    throw errors::empty_batch_request(std::string("There should be at least one ") + entry_name + " in the request.");
  }
  if (n > 10) {
    throw errors::too_many_entries_in_batch_request("Maximum number of entries per request are 10. You have sent " +
                                                    std::to_string(n) + ".");
  }
  std::set<std::string> seen;
  for (const auto& e : entries->as_list()) {
    std::string id = e.str("Id");
    if (!valid_batch_id(id)) {
      throw errors::invalid_batch_entry_id(
          "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
          "It can be at most 80 letters long.");
    }
    if (!seen.insert(id).second) throw errors::batch_entry_ids_not_distinct("Id " + id + " repeated.");
  }
}

// One Failed entry of a batch's answer: the error that kept the entry out.
Doc failure(const std::string& id, const AwsError& e) {
  Doc f = Doc::map();
  f.set("Id", id);
  f.set("Code", e.code);
  f.set("Message", e.message);
  f.set("SenderFault", e.sender_fault);
  return f;
}

Doc success(const std::string& id) {
  Doc d = Doc::map();
  d.set("Id", id);
  return d;
}

// A batch's answer: its Successful and Failed entries.
Doc batch_answer(Doc ok, Doc failed) {
  Doc out = Doc::map();
  out.set("Successful", std::move(ok));
  out.set("Failed", std::move(failed));
  return out;
}

// DeleteMessageBatch and ChangeMessageVisibilityBatch: `each(entry, handle)` adds one entry's
// change to the caller's write batch or throws, which fails that entry alone. The batch's answer.
template <class Each>
Doc each_receipt_handle(const Doc& in, Each each) {
  Doc ok = Doc::list(), failed = Doc::list();
  for (const auto& e : in.get("Entries")->as_list()) {
    std::string id = e.str("Id");
    std::string handle = e.str("ReceiptHandle");
    try {
      if (handle.empty()) throw missing("ReceiptHandle");
      each(e, handle);
      ok.push(success(id));
    } catch (const AwsError& err) {
      failed.push(failure(id, err));
    }
  }
  return batch_answer(std::move(ok), std::move(failed));
}

// Writes the batch unless it is empty; InternalError when the store fails.
// The request's ReceiptHandle; MissingParameter when absent or empty.
std::string receipt_handle(const Doc& in) {
  std::string handle = in.str("ReceiptHandle");
  if (handle.empty()) throw missing("ReceiptHandle");
  return handle;
}

void write_nonempty(State& s, storage::WriteBatch& b) {
  if (b.empty()) return;
  storage::written(s.store.write(b));
}

}  // namespace

Doc send_message(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr q = queue_for(ctx, in);
  SendInput msg = parse_send(ctx, in);
  // A duplicate answers with the digests of what was sent now (same content by definition).
  std::string md5b = md5_hex(msg.body), md5a = md5_of_attributes(msg.attrs);
  std::string md5s = msg.trace_header.empty()
                         ? std::string()
                         : md5_of_attributes({Attribute{"AWSTraceHeader", "String", msg.trace_header}});
  SendOutcome out = s.send_one(q, std::move(msg));
  Doc d = Doc::map();
  fill_send_output(d, out, *q);
  if (out.duplicate) {
    d.set("MD5OfMessageBody", md5b);
    if (!md5a.empty()) d.set("MD5OfMessageAttributes", md5a);
    if (!md5s.empty()) d.set("MD5OfMessageSystemAttributes", md5s);
  }
  return d;
}

Doc send_message_batch(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr q = queue_for(ctx, in);
  check_batch(in, "SendMessageBatchRequestEntry");
  size_t total = 0;
  for (const auto& e : in.get("Entries")->as_list()) {
    total += e.str("MessageBody").size();
    if (const Doc* a = e.get("MessageAttributes"); a && a->is_map()) {
      for (const auto& [k, v] : a->as_map()) {
        total += k.size() + v.str("DataType").size() + v.str("StringValue").size();
        if (const Doc* b = v.get("BinaryValue"); b && b->is_blob()) total += b->as_blob().bytes.size();
      }
    }
  }
  if (total > kMaxBatchBytes) {
    throw errors::batch_request_too_long("Batch requests cannot be longer than " + std::to_string(kMaxBatchBytes) +
                                         " bytes. You have sent " + std::to_string(total) + " bytes.");
  }
  int64_t now = now_millis();
  Doc ok = Doc::list(), failed = Doc::list();
  std::vector<MessagePtr> to_store;
  std::vector<std::pair<std::string, SendOutcome>> done;
  for (const auto& e : in.get("Entries")->as_list()) {
    std::string id = e.str("Id");
    try {
      SendInput msg = parse_send(ctx, e);
      std::string md5b = md5_hex(msg.body), md5a = md5_of_attributes(msg.attrs);
      SendOutcome out = s.prepare(*q, msg, now);
      if (out.msg) {
        to_store.push_back(out.msg);
      } else {
        // A duplicate: answer with this entry's digests.
        auto p = std::make_shared<Payload>();
        p->md5_body = md5b;
        p->md5_attrs = md5a;
        out.payload = std::move(p);
      }
      done.emplace_back(id, std::move(out));
    } catch (const AwsError& err) {
      failed.push(failure(id, err));
    }
  }
  auto st = s.commit(q, to_store, now);
  if (!st.ok()) throw stratus::errors::internal("could not store the messages: " + st.message);
  for (const auto& [id, o] : done) {
    Doc d = success(id);
    fill_send_output(d, o, *q);
    ok.push(std::move(d));
  }
  return batch_answer(std::move(ok), std::move(failed));
}

void receive_message(OpContext& ctx, const Doc& in, Done done) {
  QueuePtr q = queue_for(ctx, in);
  ReceiveParams p = parse_receive(in);
  state(ctx).receive_from(q, p, std::move(done));
}

Doc delete_message(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr q = queue_for(ctx, in);
  std::string handle = receipt_handle(in);
  storage::WriteBatch b;
  s.delete_one(*q, handle, b);
  write_nonempty(s, b);
  return Doc::map();
}

Doc delete_message_batch(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr q = queue_for(ctx, in);
  check_batch(in, "DeleteMessageBatchRequestEntry");
  storage::WriteBatch b;
  Doc out = each_receipt_handle(in, [&](const Doc&, const std::string& handle) { s.delete_one(*q, handle, b); });
  write_nonempty(s, b);
  return out;
}

Doc change_message_visibility(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr q = queue_for(ctx, in);
  std::string handle = receipt_handle(in);
  if (!in.has("VisibilityTimeout")) throw missing("VisibilityTimeout");
  storage::WriteBatch b;
  bool woke = false;
  s.change_one(*q, handle, in.integer("VisibilityTimeout"), b, woke);
  storage::written(s.store.write(b));
  if (woke) s.wake(q);
  return Doc::map();
}

Doc change_message_visibility_batch(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr q = queue_for(ctx, in);
  check_batch(in, "ChangeMessageVisibilityBatchRequestEntry");
  storage::WriteBatch b;
  bool woke = false;
  Doc out = each_receipt_handle(in, [&](const Doc& e, const std::string& handle) {
    s.change_one(*q, handle, e.integer("VisibilityTimeout"), b, woke);
  });
  write_nonempty(s, b);
  if (woke) s.wake(q);
  return out;
}

}  // namespace stratus::sqs
