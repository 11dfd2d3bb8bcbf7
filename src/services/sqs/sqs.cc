// Amazon SQS: queues and messages on storage, with in-memory indexes (queue.h) rebuilt at start.
#include "services/sqs/sqs.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <optional>
#include <shared_mutex>

#include "core/arn.h"
#include "core/clock.h"
#include "core/permission.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "http/message.h"
#include "protocol/query_names.h"
#include "server/context.h"
#include "services/sqs/queue.h"
#include "services/sqs/record.h"
#include "storage/engine.h"

namespace stratus::sqs {
namespace {

constexpr int64_t kDedupWindowMs = 5 * 60 * 1000;
constexpr int64_t kQueueReuseMs = 60 * 1000;
constexpr int64_t kPurgeIntervalMs = 60 * 1000;
constexpr uint64_t kSequenceBase = 18'000'000'000'000'000'000ULL;  // 20-digit sequence numbers
constexpr size_t kMaxBatchBytes = 262144;

AwsError invalid(std::string msg) { return AwsError("InvalidParameterValue", std::move(msg), 400); }
AwsError invalid_value(std::string_view param, std::string_view value, std::string_view reason) {
  return invalid("Value " + std::string(value) + " for parameter " + std::string(param) + " is invalid. Reason: " +
                 std::string(reason) + ".");
}
AwsError missing(std::string_view param) {
  return AwsError("MissingParameter", "The request must contain the parameter " + std::string(param) + ".", 400);
}
AwsError no_queue() { return AwsError("QueueDoesNotExist", "The specified queue does not exist.", 400); }
AwsError bad_receipt(std::string_view h) {
  return AwsError("ReceiptHandleIsInvalid",
                  "The input receipt handle \"" + std::string(h) + "\" is not a valid receipt handle.", 400);
}

std::string sha256_hex(std::string_view data) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), d, &n, EVP_sha256(), nullptr);
  return enc::hex(std::string_view(reinterpret_cast<const char*>(d), n));
}

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string queue_key(std::string_view account, std::string_view region, std::string_view name) {
  std::string k;
  k.reserve(account.size() + region.size() + name.size() + 2);
  k.append(account).push_back('\0');
  k.append(region).push_back('\0');
  k.append(name);
  return k;
}

bool valid_queue_name(std::string_view name, bool fifo) {
  std::string_view base = name;
  if (fifo) {
    if (name.size() < 5 || name.substr(name.size() - 5) != ".fifo") return false;
    base = name.substr(0, name.size() - 5);
  }
  if (name.empty() || name.size() > 80 || base.empty()) return false;
  for (char c : base) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool valid_batch_id(std::string_view id) {
  if (id.empty() || id.size() > 80) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// ---- queue attributes ------------------------------------------------------------------------

enum class Kind { integer, boolean, json, text, choice };
struct AttrSpec {
  std::string_view name;
  Kind kind;
  int64_t lo = 0, hi = 0;
  bool fifo_only = false;
  std::string_view choices[2] = {};
};

const AttrSpec kSettable[] = {
    {"DelaySeconds", Kind::integer, 0, 900},
    {"MaximumMessageSize", Kind::integer, 1024, 262144},
    {"MessageRetentionPeriod", Kind::integer, 60, 1209600},
    {"ReceiveMessageWaitTimeSeconds", Kind::integer, 0, 20},
    {"VisibilityTimeout", Kind::integer, 0, 43200},
    {"Policy", Kind::json},
    {"RedrivePolicy", Kind::json},
    {"RedriveAllowPolicy", Kind::json},
    {"KmsMasterKeyId", Kind::text},
    {"KmsDataKeyReusePeriodSeconds", Kind::integer, 60, 86400},
    {"SqsManagedSseEnabled", Kind::boolean},
    {"FifoQueue", Kind::boolean},
    {"ContentBasedDeduplication", Kind::boolean, 0, 0, true},
    {"DeduplicationScope", Kind::choice, 0, 0, true, {"messageGroup", "queue"}},
    {"FifoThroughputLimit", Kind::choice, 0, 0, true, {"perQueue", "perMessageGroupId"}},
};

const AttrSpec* find_spec(std::string_view name) {
  for (const auto& s : kSettable)
    if (s.name == name) return &s;
  return nullptr;
}

const std::string_view kReadOnly[] = {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                      "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp",
                                      "LastModifiedTimestamp", "QueueArn"};

AwsError bad_attr_value(std::string_view name) {
  return AwsError("InvalidAttributeValue", "Invalid value for the parameter " + std::string(name) + ".", 400);
}
AwsError unknown_attr(std::string_view name) {
  return AwsError("InvalidAttributeName", "Unknown Attribute " + std::string(name) + ".", 400);
}

// High throughput FIFO: FifoThroughputLimit=perMessageGroupId needs DeduplicationScope=messageGroup.
std::optional<AwsError> check_fifo_throughput(const std::map<std::string, std::string>& attrs) {
  auto limit = attrs.find("FifoThroughputLimit");
  auto scope = attrs.find("DeduplicationScope");
  if (limit != attrs.end() && limit->second == "perMessageGroupId" &&
      (scope == attrs.end() || scope->second != "messageGroup")) {
    return AwsError("InvalidAttributeValue",
                    "Invalid value for the parameter FifoThroughputLimit. Reason: To use perMessageGroupId, set "
                    "DeduplicationScope to messageGroup.",
                    400);
  }
  return std::nullopt;
}

// Defaults of every settable attribute for a new queue.
std::map<std::string, std::string> default_attributes(bool fifo) {
  std::map<std::string, std::string> a = {{"DelaySeconds", "0"},
                                          {"MaximumMessageSize", "262144"},
                                          {"MessageRetentionPeriod", "345600"},
                                          {"ReceiveMessageWaitTimeSeconds", "0"},
                                          {"VisibilityTimeout", "30"},
                                          {"SqsManagedSseEnabled", "true"}};
  if (fifo) {
    a["FifoQueue"] = "true";
    a["ContentBasedDeduplication"] = "false";
    a["DeduplicationScope"] = "queue";
    a["FifoThroughputLimit"] = "perQueue";
  }
  return a;
}

Config parse_config(const std::map<std::string, std::string>& a) {
  Config c;
  auto num = [&](const char* k, int64_t& out) {
    auto it = a.find(k);
    if (it != a.end())
      if (auto v = parse_int(it->second)) out = *v;
  };
  num("VisibilityTimeout", c.visibility_timeout);
  num("DelaySeconds", c.delay_seconds);
  num("MessageRetentionPeriod", c.retention_seconds);
  num("MaximumMessageSize", c.maximum_message_size);
  num("ReceiveMessageWaitTimeSeconds", c.receive_wait_seconds);
  auto flag = [&](const char* k) {
    auto it = a.find(k);
    return it != a.end() && it->second == "true";
  };
  c.content_based_dedup = flag("ContentBasedDeduplication");
  auto ds = a.find("DeduplicationScope");
  c.dedup_scope_group = ds != a.end() && ds->second == "messageGroup";
  if (auto rp = a.find("RedrivePolicy"); rp != a.end() && !rp->second.empty()) {
    try {
      Doc d = json::parse(rp->second);
      c.dlq_arn = d.str("deadLetterTargetArn");
      c.max_receive_count = d.integer("maxReceiveCount", 0);
    } catch (const std::exception&) {
    }
  }
  return c;
}

// ---- receipt handles -----------------------------------------------------------------------

std::string receipt_handle(const Queue& q, const Picked& p) {
  std::string raw = "\x01";
  raw += q.uid;
  put_u64(raw, p.msg->seq);
  put_u64(raw, p.nonce);
  return enc::base64_encode(raw);
}

struct Handle {
  std::string uid;
  uint64_t seq;
  uint32_t nonce;
};

std::optional<Handle> parse_handle(std::string_view h) {
  auto raw = enc::base64_decode(h);
  if (!raw || raw->size() != 1 + 16 + 16 || (*raw)[0] != '\x01') return std::nullopt;
  Handle out;
  out.uid = raw->substr(1, 16);
  Reader r(std::string_view(*raw).substr(17));
  out.seq = r.u64();
  out.nonce = static_cast<uint32_t>(r.u64());
  return out;
}

// ---- receive output -----------------------------------------------------------------------

bool wants(const std::vector<std::string>& names, std::string_view n) {
  for (const auto& x : names)
    if (x == "All" || x == n) return true;
  return false;
}

bool wants_attribute(const std::vector<std::string>& names, std::string_view n) {
  for (const auto& x : names) {
    if (x == "All" || x == ".*" || x == n) return true;
    if (x.size() > 2 && x.compare(x.size() - 2, 2, ".*") == 0 && n.substr(0, x.size() - 1) == x.substr(0, x.size() - 1))
      return true;
  }
  return false;
}

// A message stored with finish_on_read has no MD5 of its body yet (a real one is never empty).
Doc message_doc(const Queue& q, const Picked& p, const ReceiveParams& params, const Api::BodyFinisher& finish) {
  const Message& m = *p.msg;
  const Payload& pl = *p.payload;
  Doc d = Doc::map();
  d.set("MessageId", pl.id);
  d.set("ReceiptHandle", receipt_handle(q, p));
  if (pl.md5_body.empty()) {
    std::string body = finish ? finish(pl.body) : pl.body;
    if (enc::first_non_xml_char(body)) body = enc::replace_non_xml_chars(body);
    d.set("MD5OfBody", md5_hex(body));
    d.set("Body", std::move(body));
  } else if (enc::first_non_xml_char(pl.body)) {
    // Stored before input was checked (an SNS publish of invalid UTF-8): answered with U+FFFD in
    // place of the bad characters, so the one message cannot make every receive undecodable.
    std::string body = enc::replace_non_xml_chars(pl.body);
    d.set("MD5OfBody", md5_hex(body));
    d.set("Body", std::move(body));
  } else {
    d.set("MD5OfBody", pl.md5_body);
    d.set("Body", pl.body);
  }
  const auto& sn = params.system_names;
  if (!sn.empty()) {
    Doc a = Doc::map();
    if (wants(sn, "SenderId")) a.set("SenderId", pl.sender_id);
    if (wants(sn, "SentTimestamp")) a.set("SentTimestamp", std::to_string(m.sent_ms));
    if (wants(sn, "ApproximateReceiveCount")) a.set("ApproximateReceiveCount", std::to_string(p.receive_count));
    if (wants(sn, "ApproximateFirstReceiveTimestamp"))
      a.set("ApproximateFirstReceiveTimestamp", std::to_string(p.first_receive_ms));
    if (!pl.trace_header.empty() && wants(sn, "AWSTraceHeader")) a.set("AWSTraceHeader", pl.trace_header);
    if (!m.dlq_source_arn.empty() && wants(sn, "DeadLetterQueueSourceArn"))
      a.set("DeadLetterQueueSourceArn", m.dlq_source_arn);
    if (!m.group_id.empty() && wants(sn, "MessageGroupId")) a.set("MessageGroupId", m.group_id);
    if (q.fifo) {
      if (wants(sn, "MessageDeduplicationId")) a.set("MessageDeduplicationId", pl.dedup_id);
      if (wants(sn, "SequenceNumber")) a.set("SequenceNumber", std::to_string(pl.sequence_number));
    }
    if (a.size()) d.set("Attributes", std::move(a));
  }
  if (!params.attribute_names.empty() && !pl.attrs.empty()) {
    Attributes sel;
    for (const auto& a : pl.attrs)
      if (wants_attribute(params.attribute_names, a.name)) sel.push_back(a);
    if (!sel.empty()) {
      d.set("MD5OfMessageAttributes", md5_of_attributes(sel));
      d.set("MessageAttributes", attributes_doc(sel));
    }
  }
  return d;
}

Doc receive_output(const Queue& q, const std::vector<Picked>& got, const ReceiveParams& params,
                   const Api::BodyFinisher& finish) {
  Doc out = Doc::map();
  if (got.empty()) return out;
  Doc list = Doc::list();
  for (const auto& p : got) list.push(message_doc(q, p, params, finish));
  out.set("Messages", std::move(list));
  return out;
}

// The element names of the classic SQS Query API (2012-11-05), which Query clients parse: the
// JSON-era model names its members differently (Attributes vs flattened <Attribute>, ...).
protocol::QueryXmlNames classic_query_names() {
  protocol::QueryXmlNames n;
  n.xml_namespace = "http://queue.amazonaws.com/doc/2012-11-05/";
  n.error_detail = true;
  const std::pair<const char*, const char*> items[] = {
      {"GetQueueAttributesResult.Attributes", "Attribute"},
      {"ListQueuesResult.QueueUrls", "QueueUrl"},
      {"ListDeadLetterSourceQueuesResult.queueUrls", "QueueUrl"},
      {"ReceiveMessageResult.Messages", "Message"},
      {"Message.Attributes", "Attribute"},
      {"Message.MessageAttributes", "MessageAttribute"},
      {"MessageAttributeValue.StringListValues", "StringListValue"},
      {"MessageAttributeValue.BinaryListValues", "BinaryListValue"},
      {"SendMessageBatchResult.Successful", "SendMessageBatchResultEntry"},
      {"SendMessageBatchResult.Failed", "BatchResultErrorEntry"},
      {"DeleteMessageBatchResult.Successful", "DeleteMessageBatchResultEntry"},
      {"DeleteMessageBatchResult.Failed", "BatchResultErrorEntry"},
      {"ChangeMessageVisibilityBatchResult.Successful", "ChangeMessageVisibilityBatchResultEntry"},
      {"ChangeMessageVisibilityBatchResult.Failed", "BatchResultErrorEntry"},
      {"ListQueueTagsResult.Tags", "Tag"},
      {"ListMessageMoveTasksResult.Results", "ListMessageMoveTasksResultEntry"},
  };
  for (const auto& [member, name] : items) n.members[member] = {name, true};
  for (const char* map : {"QueueAttributeMap", "MessageSystemAttributeMap", "MessageBodyAttributeMap"})
    n.map_entries[map] = {"Name", "Value"};
  n.map_entries["TagMap"] = {"Key", "Value"};
  return n;
}

// ---- the service ----------------------------------------------------------------------------

struct QueueRef {
  std::string account, region, name;
};

// One message to send, parsed from a request.
struct SendInput {
  std::string body;
  Attributes attrs;
  std::string trace_header;
  int64_t delay = -1;  // -1: the queue's DelaySeconds
  std::string group_id, dedup_id;
  std::string sender_id;
  bool finish_on_read = false;
  size_t finished_size = 0;
};

struct SendOutcome {
  MessagePtr msg;          // the message written (nullptr for a duplicate)
  PayloadPtr payload;      // what was written; for a duplicate, only the digests of this send
  std::string message_id;
  uint64_t sequence_number = 0;
  bool duplicate = false;
};

class SqsService final : public Service, public Api {
 public:
  // The Query API addresses a queue by posting to its URL ("/ACCOUNT/NAME"); QueueUrl may then
  // be left out, as older SDKs and API Gateway's path integrations do.
  void complete_input(const model::Operation& op, const http::Request& req, Doc& input) const override {
    if (!op.input) return;
    bool query = req.headers.get("x-amz-target", "").empty();
    if (query) legacy_query_members(op, req, input);
    complete_queue_url(op, req, input);
    // Unknown attribute names are InvalidAttributeName on AWS (before the model's enum check).
    if (const Doc* names = input.get("AttributeNames"); names && names->is_list() && op.name == "GetQueueAttributes")
      for (const auto& n : names->as_list())
        if (n.is_string() && n.as_string() != "All" && !find_spec(n.as_string()) &&
            std::find(std::begin(kReadOnly), std::end(kReadOnly), n.as_string()) == std::end(kReadOnly))
          throw unknown_attr(n.as_string());
    if (const Doc* attrs = input.get("Attributes"); attrs && attrs->is_map() && op.name != "ReceiveMessage")
      for (const auto& [k, _] : attrs->as_map())
        if (!find_spec(k)) throw unknown_attr(k);
    // The Query API names a missing required parameter MissingParameter (not ValidationError).
    if (query)
      for (const auto& m : op.input->members)
        if (m.required && !input.has(m.name)) throw missing(m.name);
  }

  // Parameters as SQS's Query API documents them (and older SDKs send): Attribute.N.Name/Value,
  // AttributeName.N, MessageAttribute.N.Name/Value.*, <Op>RequestEntry.N.*, Tag.N.Key/Value...
  // Read into the members the model names (Attributes, AttributeNames, MessageAttributes, ...).
  static void legacy_query_members(const model::Operation& op, const http::Request& req, Doc& input) {
    std::map<std::string, std::string> form;
    for (auto& [k, v] : http::parse_query(req.query)) form.emplace(k, v);
    if (req.method != "GET" && !req.body.empty())
      for (auto& [k, v] : http::parse_form(req.body)) form.emplace(k, v);
    auto has = [&](const char* m) { return op.input->find_member(m) && !input.has(m); };
    auto get = [&](const std::string& k) -> const std::string* {
      auto it = form.find(k);
      return it == form.end() ? nullptr : &it->second;
    };
    auto list = [&](const std::string& prefix) {
      Doc l = Doc::list();
      for (int i = 1; const std::string* v = get(prefix + "." + std::to_string(i)); ++i) l.push(*v);
      return l;
    };
    auto value_of = [&](const std::string& p) {  // MessageAttributeValue at prefix p
      Doc v = Doc::map();
      for (const char* f : {"DataType", "StringValue"})
        if (const std::string* x = get(p + "." + f)) v.set(f, *x);
      if (const std::string* b = get(p + ".BinaryValue")) {
        auto raw = enc::base64_decode(*b);
        v.set("BinaryValue", Blob{raw ? *raw : std::string()});
      }
      return v;
    };
    auto attr_map = [&](const std::string& prefix, bool structured) {
      Doc m = Doc::map();
      for (int i = 1;; ++i) {
        std::string p = prefix + "." + std::to_string(i);
        const std::string* name = get(p + ".Name");
        if (!name) break;
        if (structured) m.set(*name, value_of(p + ".Value"));
        else if (const std::string* v = get(p + ".Value")) m.set(*name, *v);
      }
      return m;
    };
    auto tags = [&]() {
      Doc m = Doc::map();
      for (int i = 1; const std::string* k = get("Tag." + std::to_string(i) + ".Key"); ++i) {
        const std::string* v = get("Tag." + std::to_string(i) + ".Value");
        m.set(*k, v ? *v : std::string());
      }
      return m;
    };
    auto set_if = [&](const char* member, Doc d) {
      if (has(member) && d.size()) input.set(member, std::move(d));
    };
    set_if("Attributes", attr_map("Attribute", false));
    set_if("MessageAttributes", attr_map("MessageAttribute", true));
    set_if("MessageSystemAttributes", attr_map("MessageSystemAttribute", true));
    set_if("AttributeNames", list("AttributeName"));
    set_if("MessageAttributeNames", list("MessageAttributeName"));
    set_if("MessageSystemAttributeNames", list("MessageSystemAttributeName"));
    set_if("TagKeys", list("TagKey"));
    set_if("AWSAccountIds", list("AWSAccountId"));
    set_if("Actions", list("ActionName"));
    set_if("Tags", tags());
    set_if("tags", tags());
    if (has("Entries")) {
      Doc entries = Doc::list();
      std::string prefix = op.name + "RequestEntry.";
      for (int i = 1;; ++i) {
        std::string p = prefix + std::to_string(i) + ".";
        const std::string* id = get(p + "Id");
        if (!id) break;
        Doc e = Doc::map();
        e.set("Id", *id);
        for (const char* f : {"MessageBody", "MessageGroupId", "MessageDeduplicationId", "ReceiptHandle"})
          if (const std::string* v = get(p + f)) e.set(f, *v);
        for (const char* f : {"DelaySeconds", "VisibilityTimeout"})
          if (const std::string* v = get(p + f))
            if (auto n = parse_int(*v)) e.set(f, *n);
        Doc ma = attr_map(p + "MessageAttribute", true), sa = attr_map(p + "MessageSystemAttribute", true);
        if (ma.size()) e.set("MessageAttributes", std::move(ma));
        if (sa.size()) e.set("MessageSystemAttributes", std::move(sa));
        entries.push(std::move(e));
      }
      if (entries.size()) input.set("Entries", std::move(entries));
    }
  }

  static void complete_queue_url(const model::Operation& op, const http::Request& req, Doc& input) {
    if (!op.input->find_member("QueueUrl") || input.has("QueueUrl")) return;
    std::string_view path = req.path;
    if (path.size() < 15 || path[0] != '/' || path[13] != '/') return;
    std::string_view account = path.substr(1, 12);
    if (account.find_first_not_of("0123456789") != std::string_view::npos) return;
    if (path.find('/', 14) != std::string_view::npos) return;
    std::string host = req.headers.get("host", "localhost:4566");
    input.set("QueueUrl", "http://" + host + std::string(path));
  }

  SqsService() : Service("sqs") {
    protocol::register_query_xml_names("sqs", classic_query_names());
    bind("CreateQueue", &SqsService::create_queue);
    bind("GetQueueUrl", &SqsService::get_queue_url);
    bind("ListQueues", &SqsService::list_queues);
    bind("DeleteQueue", &SqsService::delete_queue);
    bind("GetQueueAttributes", &SqsService::get_queue_attributes);
    bind("SetQueueAttributes", &SqsService::set_queue_attributes);
    bind("SendMessage", &SqsService::send_message);
    bind("SendMessageBatch", &SqsService::send_message_batch);
    add_async("ReceiveMessage", [this](OpContext& c, const Doc& in, Done done) { receive_message(c, in, std::move(done)); });
    bind("DeleteMessage", &SqsService::delete_message);
    bind("DeleteMessageBatch", &SqsService::delete_message_batch);
    bind("ChangeMessageVisibility", &SqsService::change_message_visibility);
    bind("ChangeMessageVisibilityBatch", &SqsService::change_message_visibility_batch);
    bind("PurgeQueue", &SqsService::purge_queue);
    bind("TagQueue", &SqsService::tag_queue);
    bind("UntagQueue", &SqsService::untag_queue);
    bind("ListQueueTags", &SqsService::list_queue_tags);
    bind("ListDeadLetterSourceQueues", &SqsService::list_dead_letter_source_queues);
    bind("AddPermission", &SqsService::add_permission);
    bind("RemovePermission", &SqsService::remove_permission);
    bind("StartMessageMoveTask", &SqsService::start_message_move_task);
    bind("ListMessageMoveTasks", &SqsService::list_message_move_tasks);
    bind("CancelMessageMoveTask", &SqsService::cancel_message_move_task);
  }

  void start(ServerContext& ctx) override {
    engine_ = &ctx.storage();
    load();
  }
  void stop() override { timer_.stop(); }
  void reset() override {
    std::vector<QueuePtr> all;
    {
      std::unique_lock lk(map_mu_);
      for (auto& [_, q] : queues_) all.push_back(q);
      queues_.clear();
      by_arn_.clear();
      by_uid_.clear();
      deleted_at_.clear();
    }
    for (auto& q : all) retire(q);
    std::lock_guard lk(tasks_mu_);
    for (auto& [_, list] : tasks_)
      for (auto& t : list) t->status = "CANCELLED";
    tasks_.clear();
  }

  static SendInput input_of(Delivery& d) {
    SendInput in;
    in.body = std::move(d.body);
    in.attrs = std::move(d.attrs);
    in.group_id = std::move(d.group_id);
    in.dedup_id = std::move(d.dedup_id);
    in.sender_id = std::move(d.sender_id);
    in.finish_on_read = d.finish_on_read;
    in.finished_size = d.finished_size;
    return in;
  }

  void set_body_finisher(BodyFinisher f) override { finisher_ = std::move(f); }

  Result<std::string> deliver(const std::string& queue_arn, Delivery d) override {
    QueuePtr q = by_arn(queue_arn);
    if (!q) return no_queue();
    if (d.body.empty()) return missing("MessageBody");
    auto out = send_one(q, input_of(d));
    if (!out) return out.error();
    return out->message_id;
  }

  storage::Status deliver_all(std::vector<Target>& targets, storage::WriteBatch& batch,
                              const Staged& staged) override {
    int64_t now = now_millis();
    std::vector<Result<std::string>> results;
    results.reserve(targets.size());
    std::vector<std::pair<QueuePtr, std::vector<MessagePtr>>> stored;  // per queue, in send order
    for (auto& t : targets) {
      QueuePtr q = by_arn(t.queue_arn);
      if (!q) {
        results.emplace_back(no_queue());
        continue;
      }
      if (t.delivery.body.empty()) {
        results.emplace_back(missing("MessageBody"));
        continue;
      }
      SendInput in = input_of(t.delivery);
      auto out = prepare(*q, in, now);
      if (!out) {
        results.emplace_back(out.error());
        continue;
      }
      results.emplace_back(out->message_id);
      if (out->duplicate) continue;
      stage(batch, *q, out->msg, now);
      auto it = std::find_if(stored.begin(), stored.end(), [&](const auto& x) { return x.first == q; });
      if (it == stored.end()) stored.emplace_back(q, std::vector<MessagePtr>{out->msg});
      else it->second.push_back(out->msg);
    }
    if (staged) staged(results, batch);
    storage::Status st;
    if (!batch.empty()) st = engine_->write(batch);
    for (const auto& [q, msgs] : stored) settle(q, msgs, st, now);
    return st;
  }

  std::optional<QueueInfo> info(const std::string& queue_arn) override {
    QueuePtr q = by_arn(queue_arn);
    if (!q) return std::nullopt;
    std::lock_guard lk(q->mu);
    return QueueInfo{q->fifo, q->cfg.visibility_timeout};
  }

  void receive(const std::string& queue_arn, const Doc& request, Done done) override {
    QueuePtr q = by_arn(queue_arn);
    if (!q) return done(no_queue());
    receive_from(q, request, std::move(done));
  }

  Result<Doc> remove(const std::string& queue_arn, const std::vector<std::string>& handles) override {
    QueuePtr q = by_arn(queue_arn);
    if (!q) return no_queue();
    storage::WriteBatch b;
    for (const auto& h : handles)
      if (auto e = delete_one(*q, h, b)) return *e;
    if (!b.empty()) {
      auto st = engine_->write(b);
      if (!st.ok()) return errors::internal(st.message);
    }
    return Doc::map();
  }

  Result<Doc> change_visibility(const std::string& queue_arn, const std::string& handle, int64_t seconds) override {
    QueuePtr q = by_arn(queue_arn);
    if (!q) return no_queue();
    storage::WriteBatch b;
    bool woke = false;
    if (auto e = change_one(*q, handle, seconds, b, woke)) return *e;
    auto st = engine_->write(b);
    if (!st.ok()) return errors::internal(st.message);
    if (woke) wake(q);
    return Doc::map();
  }

 private:
  using Method = Result<Doc> (SqsService::*)(OpContext&, const Doc&);
  void bind(const char* op, Method m) {
    add(op, [this, m](OpContext& c, const Doc& in) { return (this->*m)(c, in); });
  }

  // ---- lookup -------------------------------------------------------------------------------

  static std::string host_of(const OpContext& ctx) {
    std::string h = ctx.http ? ctx.http->host() : std::string();
    return h.empty() ? "localhost:4566" : h;
  }
  static std::string url_of(const OpContext& ctx, const Queue& q) {
    return "http://" + host_of(ctx) + "/" + q.account + "/" + q.name;
  }

  // "http(s)://host/ACCOUNT/NAME"; the region comes from an "sqs.REGION." host when present.
  static std::optional<QueueRef> parse_url(std::string_view url, const OpContext& ctx) {
    std::string_view rest = url;
    if (auto p = rest.find("://"); p != std::string_view::npos) rest.remove_prefix(p + 3);
    else return std::nullopt;
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    std::string_view host = rest.substr(0, slash);
    std::string_view path = rest.substr(slash + 1);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    auto s2 = path.find('/');
    if (s2 == std::string_view::npos) return std::nullopt;
    QueueRef ref;
    ref.account = std::string(path.substr(0, s2));
    ref.name = std::string(path.substr(s2 + 1));
    if (ref.account.empty() || ref.name.empty() || ref.name.find('/') != std::string::npos) return std::nullopt;
    ref.region = ctx.region();
    if (host.substr(0, 4) == "sqs.") {
      std::string_view r = host.substr(4);
      r = r.substr(0, r.find('.'));
      if (!r.empty() && r != "localhost" && r.find(':') == std::string_view::npos) ref.region = std::string(r);
    }
    return ref;
  }

  QueuePtr find(const std::string& key) {
    std::shared_lock lk(map_mu_);
    auto it = queues_.find(key);
    return it == queues_.end() ? nullptr : it->second;
  }
  QueuePtr by_arn(const std::string& arn) {
    std::shared_lock lk(map_mu_);
    auto it = by_arn_.find(arn);
    return it == by_arn_.end() ? nullptr : it->second;
  }

  Result<QueuePtr> queue_for(OpContext& ctx, const Doc& in) {
    std::string url = in.str("QueueUrl");
    if (url.empty()) return missing("QueueUrl");
    auto ref = parse_url(url, ctx);
    if (!ref) return AwsError("InvalidAddress", "The address " + url + " is not valid for this endpoint.", 404);
    QueuePtr q = find(queue_key(ref->account, ref->region, ref->name));
    if (!q) return no_queue();
    return q;
  }

  // ---- persistence ----------------------------------------------------------------------------

  // REQUIRES(q.mu)
  std::string queue_record(const Queue& q) const {
    Doc d = Doc::map();
    d.set("uid", q.uid);
    d.set("created", q.created_ms);
    d.set("modified", q.modified_ms);
    d.set("fifo", q.fifo);
    d.set("last_purge", q.last_purge_ms);
    Doc a = Doc::map();
    for (const auto& [k, v] : q.attributes) a.set(k, v);
    d.set("attributes", std::move(a));
    Doc t = Doc::map();
    for (const auto& [k, v] : q.tags) t.set(k, v);
    d.set("tags", std::move(t));
    return json::write(d);
  }

  // A message's payload: the resident one, or read back from its record. A record that is gone
  // or unreadable (a storage fault) gives an empty payload, logged, rather than failing the
  // receive of every other message.
  PayloadPtr payload_of(const Queue& q, const Message& m) {
    if (m.payload) return m.payload;
    std::string raw;
    if (engine_->get(kMessagesKs, message_key(q.uid, m.seq), &raw).ok()) {
      try {
        return decode_message(raw)->payload;
      } catch (const std::exception& e) {
        spdlog::error("sqs: unreadable message record {} in {}: {}", m.seq, q.name, e.what());
      }
    } else {
      spdlog::error("sqs: message record {} of {} is missing", m.seq, q.name);
    }
    return std::make_shared<const Payload>();
  }

  void fill_payloads(const Queue& q, std::vector<Picked>& got) {
    for (auto& p : got)
      if (!p.payload) p.payload = payload_of(q, *p.msg);
  }

  storage::Status save_queue(Queue& q) {  // REQUIRES(q.mu)
    return engine_->put(kQueuesKs, queue_key(q.account, q.region, q.name), queue_record(q));
  }

  void load() {
    int64_t now = now_millis();
    std::unordered_map<std::string, QueuePtr> uids;
    for (auto it = engine_->scan(kQueuesKs, {}); it->valid(); it->next()) {
      std::string key(it->key());
      auto a = key.find('\0'), b = key.find('\0', a + 1);
      if (a == std::string::npos || b == std::string::npos) continue;
      auto q = std::make_shared<Queue>();
      q->account = key.substr(0, a);
      q->region = key.substr(a + 1, b - a - 1);
      q->name = key.substr(b + 1);
      try {
        Doc d = json::parse(it->value());
        q->uid = d.str("uid");
        q->created_ms = d.integer("created");
        q->modified_ms = d.integer("modified");
        q->fifo = d.flag("fifo");
        q->last_purge_ms = d.integer("last_purge");
        if (const Doc* at = d.get("attributes"))
          for (const auto& [k, v] : at->as_map()) q->attributes[k] = v.as_string();
        if (const Doc* t = d.get("tags"))
          for (const auto& [k, v] : t->as_map()) q->tags[k] = v.as_string();
      } catch (const std::exception& e) {
        spdlog::error("sqs: skipping unreadable queue record {}: {}", q->name, e.what());
        continue;
      }
      q->arn = "arn:aws:sqs:" + q->region + ":" + q->account + ":" + q->name;
      q->cfg = parse_config(q->attributes);
      uids[q->uid] = q;
      queues_[key] = q;
      by_arn_[q->arn] = q;
      by_uid_[q->uid] = q;
    }
    storage::WriteBatch orphans;
    // Message and state keys are be64(seq) uid; data written before the seq came first has
    // uid be64(seq) keys (a uid is lower-case alphanumeric, a seq's first byte 0) and is moved
    // to the current layout here.
    storage::WriteBatch relayout;
    auto parse_key = [](std::string_view key, std::string& uid, uint64_t& seq) {
      if (key.size() != 24) return false;
      bool legacy = key[0] != '\0';
      uid.assign(key.substr(legacy ? 0 : 8, 16));
      seq = Reader(key.substr(legacy ? 16 : 0, 8)).u64();
      return true;
    };
    auto flush_relayout = [&](size_t at_least) {
      if (relayout.ops().size() < at_least) return;
      if (auto st = engine_->write(relayout); !st.ok()) spdlog::error("sqs: re-keying messages failed: {}", st.message);
      relayout = storage::WriteBatch();
    };
    std::string uid;
    uint64_t seq = 0;
    for (bool messages : {true, false}) {
      const char* ks = messages ? kMessagesKs : kStateKs;
      for (auto it = engine_->scan(ks, {}); it->valid(); it->next()) {
        std::string_view key = it->key();
        if (!parse_key(key, uid, seq)) continue;
        auto q = uids.find(uid);
        MessagePtr m;
        if (q != uids.end() && !messages) {
          auto mit = q->second->messages.find(seq);
          if (mit != q->second->messages.end()) m = mit->second;
        }
        if (q == uids.end() || (!messages && !m)) {
          orphans.del(ks, key);
          continue;
        }
        if (key[0] != '\0') {
          relayout.del(ks, key);
          relayout.put(ks, message_key(uid, seq), it->value());
          flush_relayout(1000);
        }
        if (!messages) {
          decode_state(it->value(), *m);
          continue;
        }
        try {
          m = decode_message(it->value());
          m->seq = seq;
          if (!payload_resident_ok()) m->payload.reset();
          q->second->messages[seq] = m;
          if (seq >= next_seq_) next_seq_ = seq + 1;
        } catch (const std::exception& e) {
          spdlog::error("sqs: skipping unreadable message in {}: {}", q->second->name, e.what());
        }
      }
    }
    flush_relayout(1);
    for (auto it = engine_->scan(kDedupKs, {}); it->valid(); it->next()) {
      std::string_view key = it->key();
      auto q = key.size() >= 16 ? uids.find(std::string(key.substr(0, 16))) : uids.end();
      if (q == uids.end()) {
        orphans.del(kDedupKs, key);
        continue;
      }
      Reader r(it->value());
      DedupEntry e;
      e.expires_ms = r.i64();
      e.message_id = r.str();
      e.sequence_number = r.u64();
      if (e.expires_ms <= now) orphans.del(kDedupKs, key);
      else q->second->dedup[std::string(key.substr(16))] = std::move(e);
    }
    for (auto it = engine_->scan(kAttemptsKs, {}); it->valid(); it->next()) {
      std::string_view key = it->key();
      auto q = key.size() > 16 ? uids.find(std::string(key.substr(0, 16))) : uids.end();
      if (q == uids.end()) {
        orphans.del(kAttemptsKs, key);
        continue;
      }
      try {
        Reader r(it->value());
        int64_t expires = r.i64();
        if (expires <= now) {
          orphans.del(kAttemptsKs, key);
          continue;
        }
        std::vector<Picked> got;
        for (uint64_t n = r.u64(); n > 0; --n) {
          uint64_t seq = r.u64();
          Picked p{};
          p.receive_count = static_cast<uint32_t>(r.u64());
          p.first_receive_ms = r.i64();
          p.nonce = static_cast<uint32_t>(r.u64());
          p.visible_at = r.i64();
          auto m = q->second->messages.find(seq);
          if (m == q->second->messages.end()) continue;
          p.msg = m->second;
          got.push_back(std::move(p));
        }
        q->second->attempts[std::string(key.substr(16))] = {expires, std::move(got)};
      } catch (const std::exception& e) {
        spdlog::error("sqs: skipping unreadable receive attempt in {}: {}", q->second->name, e.what());
      }
    }
    auto running = load_tasks(orphans);
    if (!orphans.empty()) (void)engine_->write(orphans);
    for (auto& [_, q] : uids) {
      auto all = std::move(q->messages);
      q->messages.clear();
      for (auto& [seq, m] : all) q->insert(m, now);
    }
    for (auto& t : running) timer_.at(now, [this, t] { move_step(t); });
  }

  // Writes the effects of a pick (receive state, expiry, dead-lettering) and moves
  // dead-lettered messages into their queues.
  void apply(Queue& q, PickResult& r) {
    if (r.got.empty() && r.expired.empty() && r.to_dlq.empty()) return;
    storage::WriteBatch b;
    for (const auto& p : r.got) {
      Message tmp;
      tmp.visible_at = p.visible_at;
      tmp.first_receive_ms = p.first_receive_ms;
      tmp.receive_count = p.receive_count;
      tmp.nonce = p.nonce;
      b.put(kStateKs, message_key(q.uid, p.msg->seq), encode_state(tmp));
    }
    if (!r.attempt_id.empty()) b.put(kAttemptsKs, q.uid + r.attempt_id, encode_attempt(r.attempt_expires, r.got));
    for (const auto& m : r.expired) {
      b.del(kMessagesKs, message_key(q.uid, m->seq));
      b.del(kStateKs, message_key(q.uid, m->seq));
    }
    std::vector<std::pair<QueuePtr, MessagePtr>> moved;
    int64_t now = now_millis();
    for (auto& [dlq, m] : r.to_dlq) {
      b.del(kMessagesKs, message_key(q.uid, m->seq));
      b.del(kStateKs, message_key(q.uid, m->seq));
      auto copy = std::make_shared<Message>(*m);
      copy->receive_count = 0;
      copy->first_receive_ms = 0;
      copy->nonce = 0;
      copy->visible_at = now;
      copy->dlq_source_arn = q.arn;
      auto payload = std::make_shared<Payload>(*payload_of(q, *m));
      {
        std::lock_guard lk(dlq->mu);
        copy->seq = next_seq_++;
        if (dlq->fifo) payload->sequence_number = kSequenceBase + copy->seq;
      }
      b.put(kMessagesKs, message_key(dlq->uid, copy->seq), encode_message(*copy, *payload));
      copy->payload = payload_resident_ok() ? seal(std::move(payload)) : nullptr;
      moved.emplace_back(dlq, std::move(copy));
    }
    auto st = engine_->write(b);
    if (!st.ok()) spdlog::error("sqs: storing receive state of {} failed: {}", q.name, st.message);
    for (auto& [dlq, m] : moved) {
      {
        std::lock_guard lk(dlq->mu);
        if (!dlq->deleted) dlq->insert(m, now);
      }
      wake(dlq);
    }
  }

  // ---- waiters ----------------------------------------------------------------------------------

  void arm(const QueuePtr& q) {  // REQUIRES(q->mu)
    int64_t t = q->next_wake();
    if (t >= q->armed_at) return;
    q->armed_at = t;
    std::weak_ptr<Queue> weak = q;
    timer_.at(t, [this, weak] {
      if (auto q = weak.lock()) {
        {
          std::lock_guard lk(q->mu);
          q->armed_at = kNever;
        }
        wake(q);
      }
    });
  }

  std::function<QueuePtr(const std::string&)> resolver() {
    return [this](const std::string& arn) { return by_arn(arn); };
  }

  // Serves waiting receivers from newly visible messages and ends those whose time is up.
  void wake(const QueuePtr& q) {
    std::vector<std::pair<WaiterPtr, PickResult>> served;
    std::vector<WaiterPtr> ended;
    PickResult side;  // expiry and dead-lettering found while serving
    {
      std::lock_guard lk(q->mu);
      if (q->waiters.empty()) return;
      int64_t now = now_millis();
      for (auto it = q->waiters.begin(); it != q->waiters.end();) {
        if ((*it)->deadline_ms <= now || q->deleted) {
          (*it)->finished = true;
          ended.push_back(*it);
          it = q->waiters.erase(it);
        } else {
          ++it;
        }
      }
      q->promote(now);
      while (!q->waiters.empty() && !q->ready.empty()) {
        WaiterPtr w = q->waiters.front();
        PickResult r = q->pick(w->params, now, resolver());
        bool progress = !r.expired.empty() || !r.to_dlq.empty();
        for (auto& m : r.expired) side.expired.push_back(std::move(m));
        for (auto& d : r.to_dlq) side.to_dlq.push_back(std::move(d));
        if (r.got.empty()) {
          if (!progress) break;
          continue;
        }
        r.expired.clear();
        r.to_dlq.clear();
        if (q->fifo && !w->params.attempt_id.empty()) remember_attempt(*q, w->params.attempt_id, r, now);
        w->finished = true;
        q->waiters.pop_front();
        served.emplace_back(std::move(w), std::move(r));
      }
      arm(q);
    }
    apply(*q, side);
    for (auto& [w, r] : served) {
      apply(*q, r);
      fill_payloads(*q, r.got);
      w->done(receive_output(*q, r.got, w->params, finisher_));
    }
    for (auto& w : ended) w->done(Doc::map());
  }

  // Marks a queue gone: waiting receivers get an empty answer.
  void retire(const QueuePtr& q) {
    std::list<WaiterPtr> ws;
    {
      std::lock_guard lk(q->mu);
      q->deleted = true;
      ws.swap(q->waiters);
    }
    for (auto& w : ws) w->done(Doc::map());
  }

  // ---- sending ----------------------------------------------------------------------------------

  // Checks one message against the queue and reserves its place (seq, dedup entry). Nothing is
  // stored yet; commit() writes.
  Result<SendOutcome> prepare(Queue& q, SendInput& in, int64_t now) {
    std::lock_guard lk(q.mu);
    if (q.deleted) return no_queue();
    const Config& c = q.cfg;
    size_t size = message_size(in.body, in.attrs);
    if (in.finish_on_read) size = size - in.body.size() + in.finished_size;
    if (static_cast<int64_t>(size) > c.maximum_message_size) {
      return invalid("One or more parameters are invalid. Reason: Message must be shorter than " +
                     std::to_string(c.maximum_message_size) + " bytes.");
    }
    if (q.fifo) {
      if (in.delay >= 0 && in.delay != 0) {
        return invalid_value("DelaySeconds", std::to_string(in.delay),
                             "The request include parameter that is not valid for this queue type");
      }
      if (in.group_id.empty()) return missing("MessageGroupId");
      if (in.dedup_id.empty()) {
        if (!c.content_based_dedup) {
          return invalid("The queue should either have ContentBasedDeduplication enabled or "
                         "MessageDeduplicationId provided explicitly");
        }
        in.dedup_id = sha256_hex(in.body);
      }
    } else if (!in.dedup_id.empty()) {
      return invalid_value("MessageDeduplicationId", in.dedup_id,
                           "The request includes a parameter that is not valid for this queue type");
    }
    SendOutcome out;
    if (q.fifo) {
      std::string key = q.dedup_key(in.group_id, in.dedup_id);
      auto it = q.dedup.find(key);
      if (it != q.dedup.end() && it->second.expires_ms > now) {
        out.duplicate = true;
        out.message_id = it->second.message_id;
        out.sequence_number = it->second.sequence_number;
        return out;
      }
    }
    auto m = std::make_shared<Message>();
    auto pl = std::make_shared<Payload>();
    m->seq = next_seq_++;
    pl->id = ids::uuid4();
    if (!in.finish_on_read) pl->md5_body = md5_hex(in.body);
    pl->md5_attrs = md5_of_attributes(in.attrs);
    if (!in.trace_header.empty()) {
      pl->md5_sys = md5_of_attributes({Attribute{"AWSTraceHeader", "String", in.trace_header}});
    }
    pl->body = std::move(in.body);
    pl->attrs = std::move(in.attrs);
    pl->trace_header = std::move(in.trace_header);
    pl->sender_id = std::move(in.sender_id);
    m->group_id = std::move(in.group_id);
    pl->dedup_id = std::move(in.dedup_id);
    m->sent_ms = now;
    int64_t delay = in.delay >= 0 ? in.delay : c.delay_seconds;
    m->visible_at = now + delay * 1000;
    if (q.fifo) {
      pl->sequence_number = kSequenceBase + m->seq;
      q.dedup[q.dedup_key(m->group_id, pl->dedup_id)] = DedupEntry{now + kDedupWindowMs, pl->id, pl->sequence_number};
      if (q.dedup.size() > 1024) {  // keep the window small
        for (auto it = q.dedup.begin(); it != q.dedup.end();)
          it = it->second.expires_ms <= now ? q.dedup.erase(it) : std::next(it);
      }
    }
    m->payload = seal(std::move(pl));
    out.msg = m;
    out.payload = m->payload;
    out.message_id = m->payload->id;
    out.sequence_number = m->payload->sequence_number;
    return out;
  }

  // Adds the records of prepared messages to a batch.
  static void stage(storage::WriteBatch& b, const Queue& q, const MessagePtr& m, int64_t now) {
    const Payload& p = *m->payload;  // set by prepare()
    b.put(kMessagesKs, message_key(q.uid, m->seq), encode_message(*m, p));
    if (q.fifo) {
      std::string v;
      put_u64(v, static_cast<uint64_t>(now + kDedupWindowMs));
      put_str(v, p.id);
      put_u64(v, p.sequence_number);
      b.put(kDedupKs, q.uid + q.dedup_key(m->group_id, p.dedup_id), v);
    }
  }

  // After the write of staged messages: makes them visible (or forgets their dedup entries when
  // the write failed) and serves waiting receivers.
  void settle(const QueuePtr& q, const std::vector<MessagePtr>& msgs, const storage::Status& st, int64_t now) {
    bool waiters;
    {
      std::lock_guard lk(q->mu);
      if (!st.ok()) {
        for (const auto& m : msgs) q->dedup.erase(q->dedup_key(m->group_id, m->payload->dedup_id));
        return;
      }
      for (const auto& m : msgs) {
        // Past the resident budget the index keeps only what ordering needs; receives read
        // the payload back from the record.
        if (!payload_resident_ok()) m->payload.reset();
        q->insert(m, now);
      }
      waiters = !q->waiters.empty();
    }
    if (waiters) wake(q);
  }

  // Stores prepared messages in one atomic batch, then makes them visible to receivers.
  storage::Status commit(const QueuePtr& q, const std::vector<MessagePtr>& msgs, int64_t now) {
    if (msgs.empty()) return {};
    storage::WriteBatch b;
    for (const auto& m : msgs) stage(b, *q, m, now);
    auto st = engine_->write(b);
    settle(q, msgs, st, now);
    return st;
  }

  Result<SendOutcome> send_one(const QueuePtr& q, SendInput in) {
    int64_t now = now_millis();
    auto out = prepare(*q, in, now);
    if (!out) return out;
    if (!out->duplicate) {
      auto st = commit(q, {out->msg}, now);
      if (!st.ok()) return errors::internal("could not store the message: " + st.message);
    }
    return out;
  }

  // Parses the message members shared by SendMessage and SendMessageBatch entries.
  Result<SendInput> parse_send(OpContext& ctx, const Doc& in) {
    SendInput s;
    const Doc* body = in.get("MessageBody");
    if (!body || !body->is_string() || body->as_string().empty()) return missing("MessageBody");
    if (long cp = first_invalid_char(body->as_string()); cp >= 0) {
      return AwsError("InvalidMessageContents",
                      "Invalid binary character '" + char_ref(cp) +
                          "' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | "
                          "#x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
                      400);
    }
    s.body = body->as_string();
    auto attrs = parse_attributes(in.get("MessageAttributes"));
    if (!attrs) return attrs.error();
    s.attrs = std::move(attrs.value());
    if (const Doc* sys = in.get("MessageSystemAttributes"); sys && sys->is_map()) {
      for (const auto& [name, v] : sys->as_map()) {
        if (name != "AWSTraceHeader") {
          return invalid("Message system attribute name '" + name + "' is invalid.");
        }
        if (v.str("DataType") != "String" || v.str("StringValue").empty()) {
          return invalid("Message system attribute 'AWSTraceHeader' must contain a non-empty value of type 'String'.");
        }
        s.trace_header = v.str("StringValue");
      }
    }
    if (const Doc* d = in.get("DelaySeconds"); d && d->is_number()) {
      s.delay = d->as_int();
      if (s.delay < 0 || s.delay > 900) {
        return invalid_value("DelaySeconds", std::to_string(s.delay), "DelaySeconds must be >= 0 and <= 900");
      }
    }
    s.group_id = in.str("MessageGroupId");
    s.dedup_id = in.str("MessageDeduplicationId");
    for (const auto* f : {&s.group_id, &s.dedup_id}) {
      if (f->size() > 128) {
        return invalid_value(f == &s.group_id ? "MessageGroupId" : "MessageDeduplicationId", *f,
                             "The value must be at most 128 characters long");
      }
      for (char c : *f) {
        if (c < 33 || c > 126) {
          return invalid_value(f == &s.group_id ? "MessageGroupId" : "MessageDeduplicationId", *f,
                               "The value contains invalid characters");
        }
      }
    }
    s.sender_id = ctx.caller.user_id.empty() ? ctx.account() : ctx.caller.user_id;
    return s;
  }

  static void fill_send_output(Doc& d, const SendOutcome& o, const Queue& q) {
    d.set("MessageId", o.message_id);
    if (o.payload) {
      d.set("MD5OfMessageBody", o.payload->md5_body);
      if (!o.payload->md5_attrs.empty()) d.set("MD5OfMessageAttributes", o.payload->md5_attrs);
      if (!o.payload->md5_sys.empty()) d.set("MD5OfMessageSystemAttributes", o.payload->md5_sys);
    }
    if (q.fifo) d.set("SequenceNumber", std::to_string(o.sequence_number));
  }

  Result<Doc> send_message(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    auto s = parse_send(ctx, in);
    if (!s) return s.error();
    // A duplicate answers with the digests of what was sent now (same content by definition).
    std::string md5b = md5_hex(s->body), md5a = md5_of_attributes(s->attrs);
    std::string md5s = s->trace_header.empty() ? std::string()
                                               : md5_of_attributes({Attribute{"AWSTraceHeader", "String", s->trace_header}});
    auto out = send_one(*q, std::move(s.value()));
    if (!out) return out.error();
    Doc d = Doc::map();
    fill_send_output(d, *out, **q);
    if (out->duplicate) {
      d.set("MD5OfMessageBody", md5b);
      if (!md5a.empty()) d.set("MD5OfMessageAttributes", md5a);
      if (!md5s.empty()) d.set("MD5OfMessageSystemAttributes", md5s);
    }
    return d;
  }

  // Checks the shared rules of the three batch operations: 1–10 entries, distinct valid ids.
  static std::optional<AwsError> check_batch(const Doc& in, const char* entry_name) {
    const Doc* entries = in.get("Entries");
    size_t n = entries && entries->is_list() ? entries->as_list().size() : 0;
    if (n == 0) {
      return AwsError("EmptyBatchRequest",
                      std::string("There should be at least one ") + entry_name + " in the request.", 400);
    }
    if (n > 10) {
      return AwsError("TooManyEntriesInBatchRequest",
                      "Maximum number of entries per request are 10. You have sent " + std::to_string(n) + ".", 400);
    }
    std::set<std::string> seen;
    for (const auto& e : entries->as_list()) {
      std::string id = e.str("Id");
      if (!valid_batch_id(id)) {
        return AwsError("InvalidBatchEntryId",
                        "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                        "It can be at most 80 letters long.",
                        400);
      }
      if (!seen.insert(id).second) {
        return AwsError("BatchEntryIdsNotDistinct", "Id " + id + " repeated.", 400);
      }
    }
    return std::nullopt;
  }

  static Doc failure(const std::string& id, const AwsError& e) {
    Doc f = Doc::map();
    f.set("Id", id);
    f.set("Code", e.code);
    f.set("Message", e.message);
    f.set("SenderFault", e.sender_fault);
    return f;
  }

  Result<Doc> send_message_batch(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    if (auto e = check_batch(in, "SendMessageBatchRequestEntry")) return *e;
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
      return AwsError("BatchRequestTooLong",
                      "Batch requests cannot be longer than 262144 bytes. You have sent " + std::to_string(total) +
                          " bytes.",
                      400);
    }
    int64_t now = now_millis();
    Doc ok = Doc::list(), failed = Doc::list();
    std::vector<MessagePtr> to_store;
    std::vector<std::pair<std::string, SendOutcome>> done;
    for (const auto& e : in.get("Entries")->as_list()) {
      std::string id = e.str("Id");
      auto s = parse_send(ctx, e);
      if (!s) {
        failed.push(failure(id, s.error()));
        continue;
      }
      std::string md5b = md5_hex(s->body), md5a = md5_of_attributes(s->attrs);
      auto out = prepare(**q, s.value(), now);
      if (!out) {
        failed.push(failure(id, out.error()));
        continue;
      }
      if (out->msg) {
        to_store.push_back(out->msg);
      } else {
        // A duplicate: answer with this entry's digests.
        auto p = std::make_shared<Payload>();
        p->md5_body = md5b;
        p->md5_attrs = md5a;
        out->payload = std::move(p);
      }
      done.emplace_back(id, std::move(out.value()));
    }
    auto st = commit(*q, to_store, now);
    if (!st.ok()) return errors::internal("could not store the messages: " + st.message);
    for (const auto& [id, o] : done) {
      Doc d = Doc::map();
      d.set("Id", id);
      fill_send_output(d, o, **q);
      ok.push(std::move(d));
    }
    Doc out = Doc::map();
    out.set("Successful", std::move(ok));
    out.set("Failed", std::move(failed));
    return out;
  }

  // ---- receiving --------------------------------------------------------------------------------

  static Result<ReceiveParams> parse_receive(const Doc& in) {
    ReceiveParams p;
    if (const Doc* d = in.get("MaxNumberOfMessages"); d && d->is_number()) {
      int64_t n = d->as_int();
      if (n < 1 || n > 10) {
        return invalid_value("MaxNumberOfMessages", std::to_string(n), "Must be between 1 and 10, if provided");
      }
      p.max = static_cast<int>(n);
    }
    if (const Doc* d = in.get("VisibilityTimeout"); d && d->is_number()) {
      p.visibility_timeout = d->as_int();
      if (p.visibility_timeout < 0 || p.visibility_timeout > 43200) {
        return invalid_value("VisibilityTimeout", std::to_string(p.visibility_timeout),
                             "Must be >= 0 and <= 43200, if provided");
      }
    }
    p.wait_seconds = -1;
    if (const Doc* d = in.get("WaitTimeSeconds"); d && d->is_number()) {
      p.wait_seconds = d->as_int();
      if (p.wait_seconds < 0 || p.wait_seconds > 20) {
        return invalid_value("WaitTimeSeconds", std::to_string(p.wait_seconds), "Must be >= 0 and <= 20, if provided");
      }
    }
    for (const char* k : {"AttributeNames", "MessageSystemAttributeNames"}) {
      if (const Doc* l = in.get(k); l && l->is_list())
        for (const auto& n : l->as_list())
          if (n.is_string()) p.system_names.push_back(n.as_string());
    }
    if (const Doc* l = in.get("MessageAttributeNames"); l && l->is_list())
      for (const auto& n : l->as_list())
        if (n.is_string()) p.attribute_names.push_back(n.as_string());
    p.attempt_id = in.str("ReceiveRequestAttemptId");
    if (p.attempt_id.size() > 128) {
      return invalid_value("ReceiveRequestAttemptId", p.attempt_id, "The value must be at most 128 characters long");
    }
    for (char c : p.attempt_id) {
      if (c < 33 || c > 126) {
        return invalid_value("ReceiveRequestAttemptId", p.attempt_id, "The value contains invalid characters");
      }
    }
    return p;
  }

  // What a FIFO receive with a ReceiveRequestAttemptId returned, for its retries. REQUIRES(q.mu)
  // apply() stores it with the receive state.
  static void remember_attempt(Queue& q, const std::string& id, PickResult& r, int64_t now) {
    if (q.attempts.size() >= 1024)
      for (auto it = q.attempts.begin(); it != q.attempts.end();)
        it = it->second.first <= now ? q.attempts.erase(it) : std::next(it);
    q.attempts[id] = {now + kDedupWindowMs, r.got};
    r.attempt_id = id;
    r.attempt_expires = now + kDedupWindowMs;
  }

  static std::string encode_attempt(int64_t expires, const std::vector<Picked>& got) {
    std::string v;
    put_u64(v, static_cast<uint64_t>(expires));
    put_u64(v, got.size());
    for (const auto& p : got) {
      put_u64(v, p.msg->seq);
      put_u64(v, p.receive_count);
      put_u64(v, static_cast<uint64_t>(p.first_receive_ms));
      put_u64(v, p.nonce);
      put_u64(v, static_cast<uint64_t>(p.visible_at));
    }
    return v;
  }

  void receive_message(OpContext& ctx, const Doc& in, Done done) {
    auto q = queue_for(ctx, in);
    if (!q) return done(q.error());
    receive_from(*q, in, std::move(done));
  }

  void receive_from(const QueuePtr& queue, const Doc& in, Done done) {
    auto p = parse_receive(in);
    if (!p) return done(p.error());
    PickResult r;
    bool waiting = false;
    {
      std::lock_guard lk(queue->mu);
      if (queue->deleted) return done(no_queue());
      int64_t now = now_millis();
      int64_t wait = p->wait_seconds >= 0 ? p->wait_seconds : queue->cfg.receive_wait_seconds;
      bool attempt = queue->fifo && !p->attempt_id.empty();
      if (attempt) {
        // A retry of a receive answers with the same messages and receipt handles, as long as
        // they were not deleted or received again meanwhile.
        auto it = queue->attempts.find(p->attempt_id);
        if (it != queue->attempts.end() && it->second.first > now) {
          for (const auto& pk : it->second.second) {
            auto m = queue->messages.find(pk.msg->seq);
            if (m != queue->messages.end() && m->second->nonce == pk.nonce) r.got.push_back(pk);
          }
          fill_payloads(*queue, r.got);
          auto out = receive_output(*queue, r.got, *p, finisher_);
          return done(std::move(out));
        }
      }
      r = queue->pick(*p, now, resolver());
      if (attempt && !r.got.empty()) remember_attempt(*queue, p->attempt_id, r, now);
      if (r.got.empty() && wait > 0) {
        auto w = std::make_shared<Waiter>();
        w->params = *p;
        w->done = std::move(done);
        w->deadline_ms = now + wait * 1000;
        queue->waiters.push_back(std::move(w));
        waiting = true;
        arm(queue);
      }
    }
    apply(*queue, r);
    if (!waiting) {
      fill_payloads(*queue, r.got);
      done(receive_output(*queue, r.got, *p, finisher_));
    }
  }

  // ---- deleting and visibility -----------------------------------------------------------------

  // Deletes one message by receipt handle; nullopt on success. Adds the writes to `b`.
  std::optional<AwsError> delete_one(Queue& q, const std::string& handle, storage::WriteBatch& b) {
    auto h = parse_handle(handle);
    if (!h || h->uid != q.uid) return bad_receipt(handle);
    std::lock_guard lk(q.mu);
    auto it = q.messages.find(h->seq);
    // Unknown (already deleted, expired) is success, as on AWS; a handle of an earlier receive
    // succeeds without deleting the message that someone else now holds.
    if (it == q.messages.end() || it->second->nonce != h->nonce) return std::nullopt;
    q.erase(it->second, now_millis());
    b.del(kMessagesKs, message_key(q.uid, h->seq));
    b.del(kStateKs, message_key(q.uid, h->seq));
    return std::nullopt;
  }

  Result<Doc> delete_message(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    std::string handle = in.str("ReceiptHandle");
    if (handle.empty()) return missing("ReceiptHandle");
    storage::WriteBatch b;
    if (auto e = delete_one(**q, handle, b)) return *e;
    if (!b.empty()) {
      auto st = engine_->write(b);
      if (!st.ok()) return errors::internal(st.message);
    }
    return Doc::map();
  }

  Result<Doc> delete_message_batch(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    if (auto e = check_batch(in, "DeleteMessageBatchRequestEntry")) return *e;
    storage::WriteBatch b;
    Doc ok = Doc::list(), failed = Doc::list();
    for (const auto& e : in.get("Entries")->as_list()) {
      std::string id = e.str("Id");
      std::string handle = e.str("ReceiptHandle");
      auto err = handle.empty() ? std::optional<AwsError>(missing("ReceiptHandle")) : delete_one(**q, handle, b);
      if (err) {
        failed.push(failure(id, *err));
      } else {
        Doc d = Doc::map();
        d.set("Id", id);
        ok.push(std::move(d));
      }
    }
    if (!b.empty()) {
      auto st = engine_->write(b);
      if (!st.ok()) return errors::internal(st.message);
    }
    Doc out = Doc::map();
    out.set("Successful", std::move(ok));
    out.set("Failed", std::move(failed));
    return out;
  }

  std::optional<AwsError> change_one(Queue& q, const std::string& handle, int64_t vt, storage::WriteBatch& b,
                                     bool& woke) {
    if (vt < 0 || vt > 43200) {
      return invalid_value("VisibilityTimeout", std::to_string(vt), "Must be between 0 and 43200, if provided");
    }
    auto h = parse_handle(handle);
    if (!h || h->uid != q.uid) return bad_receipt(handle);
    std::lock_guard lk(q.mu);
    int64_t now = now_millis();
    q.promote(now);
    auto it = q.messages.find(h->seq);
    if (it == q.messages.end() || it->second->nonce != h->nonce) {
      return invalid_value("ReceiptHandle", handle,
                           "Message does not exist or is not available for visibility timeout change");
    }
    MessagePtr m = it->second;
    if (m->receive_count == 0 || m->visible_at <= now) {
      return AwsError("MessageNotInflight", "Message is not in flight.", 400);
    }
    q.set_visible_at(m, now + vt * 1000, now);
    b.put(kStateKs, message_key(q.uid, m->seq), encode_state(*m));
    woke = woke || (vt == 0 && !q.waiters.empty());
    return std::nullopt;
  }

  Result<Doc> change_message_visibility(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    std::string handle = in.str("ReceiptHandle");
    if (handle.empty()) return missing("ReceiptHandle");
    if (!in.has("VisibilityTimeout")) return missing("VisibilityTimeout");
    storage::WriteBatch b;
    bool woke = false;
    if (auto e = change_one(**q, handle, in.integer("VisibilityTimeout"), b, woke)) return *e;
    auto st = engine_->write(b);
    if (!st.ok()) return errors::internal(st.message);
    if (woke) wake(*q);
    return Doc::map();
  }

  Result<Doc> change_message_visibility_batch(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    if (auto e = check_batch(in, "ChangeMessageVisibilityBatchRequestEntry")) return *e;
    storage::WriteBatch b;
    bool woke = false;
    Doc ok = Doc::list(), failed = Doc::list();
    for (const auto& e : in.get("Entries")->as_list()) {
      std::string id = e.str("Id");
      std::string handle = e.str("ReceiptHandle");
      auto err = handle.empty() ? std::optional<AwsError>(missing("ReceiptHandle"))
                                : change_one(**q, handle, e.integer("VisibilityTimeout"), b, woke);
      if (err) {
        failed.push(failure(id, *err));
      } else {
        Doc d = Doc::map();
        d.set("Id", id);
        ok.push(std::move(d));
      }
    }
    if (!b.empty()) {
      auto st = engine_->write(b);
      if (!st.ok()) return errors::internal(st.message);
    }
    if (woke) wake(*q);
    Doc out = Doc::map();
    out.set("Successful", std::move(ok));
    out.set("Failed", std::move(failed));
    return out;
  }

  // Deletes the stored records of a queue's messages (by seq: message keys start with the seq)
  // and, when all_keys, its dedup entries and receive attempts. Records a crash leaves behind
  // are orphans that load() deletes.
  void drop_stored(const std::string& uid, const std::vector<uint64_t>& seqs, bool all_keys) {
    storage::WriteBatch b;
    auto flush = [&](size_t at_least) {
      if (b.ops().size() < at_least) return;
      (void)engine_->write(b);
      b = storage::WriteBatch();
    };
    for (uint64_t seq : seqs) {
      std::string key = message_key(uid, seq);
      b.del(kMessagesKs, key);
      b.del(kStateKs, key);
      flush(1000);
    }
    if (all_keys) {
      for (const char* ks : {kDedupKs, kAttemptsKs}) {
        for (auto it = engine_->prefix(ks, uid); it->valid(); it->next()) {
          b.del(ks, it->key());
          flush(1000);
        }
      }
    }
    flush(1);
  }

  static std::vector<uint64_t> seqs_of(const Queue& q) {  // REQUIRES(q.mu)
    std::vector<uint64_t> out;
    out.reserve(q.messages.size());
    for (const auto& [seq, m] : q.messages) out.push_back(seq);
    return out;
  }

  Result<Doc> purge_queue(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    Queue& queue = **q;
    std::vector<uint64_t> seqs;
    {
      std::lock_guard lk(queue.mu);
      int64_t now = now_millis();
      if (queue.last_purge_ms && now - queue.last_purge_ms < kPurgeIntervalMs) {
        return AwsError("PurgeQueueInProgress",
                        "Only one PurgeQueue operation on " + queue.name + " is allowed every 60 seconds.", 403);
      }
      queue.last_purge_ms = now;
      seqs = seqs_of(queue);
      queue.messages.clear();
      queue.ready.clear();
      queue.hidden.clear();
      queue.in_flight = 0;
      queue.group_in_flight.clear();
      (void)save_queue(queue);
    }
    drop_stored(queue.uid, seqs, false);
    return Doc::map();
  }

  // ---- queues -----------------------------------------------------------------------------------

  // Validates attributes for CreateQueue (creating) or SetQueueAttributes and returns them
  // normalised (integers canonical, booleans lower-case, RedrivePolicy canonical JSON).
  Result<std::map<std::string, std::string>> check_attributes(const Doc* attrs, bool creating, bool fifo,
                                                              const std::string& self_arn) {
    std::map<std::string, std::string> out;
    if (!attrs || !attrs->is_map()) return out;
    for (const auto& [name, v] : attrs->as_map()) {
      const AttrSpec* spec = find_spec(name);
      if (!spec || (!creating && name == "FifoQueue") || (spec->fifo_only && !fifo)) {
        return unknown_attr(name);
      }
      std::string value = v.is_string() ? v.as_string() : std::string();
      switch (spec->kind) {
        case Kind::integer: {
          auto n = parse_int(value);
          if (!n || *n < spec->lo || *n > spec->hi) return bad_attr_value(name);
          value = std::to_string(*n);
          break;
        }
        case Kind::boolean: {
          std::string l = value;
          for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          if (l != "true" && l != "false") return bad_attr_value(name);
          value = l;
          if (name == "FifoQueue" && (l == "true") != fifo) {
            return invalid("The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                           "underscores, must end with .fifo suffix and be 1 to 80 in length.");
          }
          break;
        }
        case Kind::choice:
          if (value != spec->choices[0] && value != spec->choices[1]) return bad_attr_value(name);
          break;
        case Kind::json:
          if (value.empty()) break;  // "" removes the policy
          if (name == "RedrivePolicy") {
            auto rp = check_redrive(value, fifo, self_arn);
            if (!rp) return rp.error();
            value = *rp;
          } else {
            try {
              Doc d = json::parse(value);
              if (!d.is_map()) return bad_attr_value(name);
            } catch (const AwsError&) {
              return bad_attr_value(name);
            }
          }
          break;
        case Kind::text: break;
      }
      out[name] = value;
    }
    return out;
  }

  Result<std::string> check_redrive(const std::string& value, bool fifo, const std::string& self_arn) {
    Doc d;
    try {
      d = json::parse(value);
    } catch (const AwsError&) {
      return invalid_value("RedrivePolicy", value, "Redrive policy is not a valid JSON map");
    }
    if (!d.is_map()) return invalid_value("RedrivePolicy", value, "Redrive policy is not a valid JSON map");
    for (const char* k : {"deadLetterTargetArn", "maxReceiveCount"}) {
      if (!d.has(k)) {
        return invalid_value("RedrivePolicy", value,
                             std::string("Redrive policy does not contain mandatory attribute: ") + k);
      }
    }
    const Doc* mrc = d.get("maxReceiveCount");
    std::optional<int64_t> n;
    if (mrc->is_number()) n = mrc->as_int();
    else if (mrc->is_string()) n = parse_int(mrc->as_string());
    if (!n || *n < 1 || *n > 1000) {
      return invalid_value("RedrivePolicy", value,
                           "Invalid value for maxReceiveCount: " + (n ? std::to_string(*n) : std::string("NaN")) +
                               ", valid values are from 1 to 1000 both inclusive");
    }
    std::string target = d.str("deadLetterTargetArn");
    QueuePtr dlq = by_arn(target);
    if (!dlq || target == self_arn) {
      return invalid_value("RedrivePolicy", value, "Dead letter target does not exist");
    }
    if (dlq->fifo != fifo) {
      return invalid_value("RedrivePolicy", value, "Dead-letter queue must be same type of queue as the source");
    }
    Doc norm = Doc::map();
    norm.set("deadLetterTargetArn", target);
    norm.set("maxReceiveCount", *n);
    return json::write(norm);
  }

  Result<Doc> create_queue(OpContext& ctx, const Doc& in) {
    std::string name = in.str("QueueName");
    if (name.empty()) return missing("QueueName");
    const Doc* attrs = in.get("Attributes");
    bool fifo = false;
    if (attrs && attrs->is_map())
      if (const Doc* f = attrs->get("FifoQueue"); f && f->is_string()) fifo = f->as_string() == "true" || f->as_string() == "True";
    bool fifo_name = name.size() > 5 && name.substr(name.size() - 5) == ".fifo";
    if (!valid_queue_name(name, fifo) || fifo_name != fifo) {
      if (fifo || fifo_name) {
        return invalid("The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                       "underscores, must end with .fifo suffix and be 1 to 80 in length.");
      }
      return invalid("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
    }
    std::string arn = "arn:aws:sqs:" + ctx.region() + ":" + ctx.account() + ":" + name;
    auto checked = check_attributes(attrs, true, fifo, arn);
    if (!checked) return checked.error();
    std::map<std::string, std::string> tags;
    if (const Doc* t = in.get("tags"); t && t->is_map())
      for (const auto& [k, v] : t->as_map()) tags[k] = v.is_string() ? v.as_string() : "";
    std::string key = queue_key(ctx.account(), ctx.region(), name);
    int64_t now = now_millis();
    Doc out = Doc::map();
    std::unique_lock lk(map_mu_);
    if (auto it = queues_.find(key); it != queues_.end()) {
      QueuePtr q = it->second;
      lk.unlock();
      std::lock_guard qlk(q->mu);
      auto current = default_attributes(q->fifo);
      for (const auto& [k, v] : q->attributes) current[k] = v;
      for (const auto& [k, v] : checked.value()) {
        auto cur = current.find(k);
        std::string have = cur == current.end() ? std::string() : cur->second;
        if (have != v) {
          return AwsError("QueueNameExists",
                          "A queue already exists with the same name and a different value for attribute " + k, 400);
        }
      }
      out.set("QueueUrl", url_of(ctx, *q));
      return out;
    }
    if (auto d = deleted_at_.find(key); d != deleted_at_.end() && now - d->second < kQueueReuseMs) {
      return AwsError("QueueDeletedRecently",
                      "You must wait 60 seconds after deleting a queue before you can create another with the same "
                      "name.",
                      400);
    }
    auto q = std::make_shared<Queue>();
    q->account = ctx.account();
    q->region = ctx.region();
    q->name = name;
    q->uid = ids::random_lower_alnum(16);
    q->arn = arn;
    q->fifo = fifo;
    q->created_ms = q->modified_ms = now;
    q->attributes = default_attributes(fifo);
    for (auto& [k, v] : checked.value())
      if (!v.empty()) q->attributes[k] = v;
    if (auto e = check_fifo_throughput(q->attributes)) return *e;
    if (q->attributes.count("KmsMasterKeyId")) q->attributes["SqsManagedSseEnabled"] = "false";
    q->cfg = parse_config(q->attributes);
    q->tags = std::move(tags);
    {
      std::lock_guard qlk(q->mu);
      auto st = save_queue(*q);
      if (!st.ok()) return errors::internal("could not store the queue: " + st.message);
    }
    queues_[key] = q;
    by_arn_[q->arn] = q;
    by_uid_[q->uid] = q;
    lk.unlock();
    out.set("QueueUrl", url_of(ctx, *q));
    return out;
  }

  Result<Doc> get_queue_url(OpContext& ctx, const Doc& in) {
    std::string name = in.str("QueueName");
    if (name.empty()) return missing("QueueName");
    std::string account = in.str("QueueOwnerAWSAccountId", ctx.account());
    QueuePtr q = find(queue_key(account, ctx.region(), name));
    if (!q) return no_queue();
    Doc out = Doc::map();
    out.set("QueueUrl", url_of(ctx, *q));
    return out;
  }

  // Pagination over a sorted list of URLs (ListQueues, ListDeadLetterSourceQueues).
  static Result<Doc> paginate(const std::vector<std::string>& urls, const Doc& in) {
    Doc out = Doc::map();
    size_t start = 0;
    std::string token = in.str("NextToken");
    if (!token.empty()) {
      auto dec = enc::base64_decode(token);
      auto n = dec ? parse_int(*dec) : std::nullopt;
      if (!n || *n < 0) return invalid("Invalid NextToken value.");
      start = static_cast<size_t>(*n);
    }
    size_t max = 1000;
    bool paged = false;
    if (const Doc* m = in.get("MaxResults"); m && m->is_number()) {
      if (m->as_int() < 1 || m->as_int() > 1000) {
        return invalid_value("MaxResults", std::to_string(m->as_int()), "MaxResults must be an integer between 1 and 1000");
      }
      max = static_cast<size_t>(m->as_int());
      paged = true;
    }
    Doc list = Doc::list();
    size_t i = start;
    for (; i < urls.size() && list.size() < max; ++i) list.push(urls[i]);
    if (list.size()) out.set("QueueUrls", std::move(list));
    if (paged && i < urls.size()) out.set("NextToken", enc::base64_encode(std::to_string(i)));
    return out;
  }

  Result<Doc> list_queues(OpContext& ctx, const Doc& in) {
    std::string prefix = in.str("QueueNamePrefix");
    std::string base = queue_key(ctx.account(), ctx.region(), "");
    std::string from = base + prefix;
    std::vector<std::string> urls;
    {
      std::shared_lock lk(map_mu_);
      for (auto it = queues_.lower_bound(from); it != queues_.end() && it->first.compare(0, from.size(), from) == 0;
           ++it)
        urls.push_back(url_of(ctx, *it->second));
    }
    return paginate(urls, in);
  }

  Result<Doc> delete_queue(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    QueuePtr queue = *q;
    std::string key = queue_key(queue->account, queue->region, queue->name);
    {
      std::unique_lock lk(map_mu_);
      auto it = queues_.find(key);
      if (it == queues_.end() || it->second != queue) return no_queue();
      queues_.erase(it);
      by_arn_.erase(queue->arn);
      by_uid_.erase(queue->uid);
      deleted_at_[key] = now_millis();
    }
    auto st = engine_->del(kQueuesKs, key);
    if (!st.ok()) return errors::internal(st.message);
    retire(queue);
    std::vector<uint64_t> seqs;
    {
      std::lock_guard lk(queue->mu);
      seqs = seqs_of(*queue);
    }
    drop_stored(queue->uid, seqs, true);
    return Doc::map();
  }

  Result<Doc> get_queue_attributes(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    std::vector<std::string> names;
    if (const Doc* l = in.get("AttributeNames"); l && l->is_list())
      for (const auto& n : l->as_list())
        if (n.is_string()) names.push_back(n.as_string());
    Queue& queue = **q;
    for (const auto& n : names) {
      if (n == "All" || find_spec(n)) continue;
      if (std::find(std::begin(kReadOnly), std::end(kReadOnly), n) != std::end(kReadOnly)) continue;
      return AwsError("InvalidAttributeName", "Unknown Attribute " + n + ".", 400);
    }
    auto want = [&](std::string_view n) {
      for (const auto& x : names)
        if (x == "All" || x == n) return true;
      return false;
    };
    Doc a = Doc::map();
    PickResult side;
    {
      std::lock_guard lk(queue.mu);
      int64_t now = now_millis();
      queue.promote(now);
      // Drop expired messages so the counters don't include them.
      const int64_t retention_ms = queue.cfg.retention_seconds * 1000;
      while (!queue.messages.empty()) {
        MessagePtr m = queue.messages.begin()->second;
        if (m->sent_ms + retention_ms > now) break;
        queue.erase(m, now);
        side.expired.push_back(std::move(m));
      }
      for (const auto& [k, v] : queue.attributes)
        if (want(k)) a.set(k, v);
      if (queue.attributes.count("KmsMasterKeyId") && !queue.attributes.count("KmsDataKeyReusePeriodSeconds") &&
          want("KmsDataKeyReusePeriodSeconds"))
        a.set("KmsDataKeyReusePeriodSeconds", "300");
      if (want("ApproximateNumberOfMessages")) a.set("ApproximateNumberOfMessages", std::to_string(queue.ready.size()));
      if (want("ApproximateNumberOfMessagesNotVisible"))
        a.set("ApproximateNumberOfMessagesNotVisible", std::to_string(queue.in_flight));
      if (want("ApproximateNumberOfMessagesDelayed"))
        a.set("ApproximateNumberOfMessagesDelayed", std::to_string(queue.delayed()));
      if (want("CreatedTimestamp")) a.set("CreatedTimestamp", std::to_string(queue.created_ms / 1000));
      if (want("LastModifiedTimestamp")) a.set("LastModifiedTimestamp", std::to_string(queue.modified_ms / 1000));
      if (want("QueueArn")) a.set("QueueArn", queue.arn);
    }
    apply(queue, side);
    Doc out = Doc::map();
    if (a.size()) out.set("Attributes", std::move(a));
    return out;
  }

  Result<Doc> set_queue_attributes(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    Queue& queue = **q;
    auto checked = check_attributes(in.get("Attributes"), false, queue.fifo, queue.arn);
    if (!checked) return checked.error();
    bool wake_needed = false;
    {
      std::lock_guard lk(queue.mu);
      auto merged = queue.attributes;
      for (const auto& [k, v] : checked.value()) merged[k] = v;
      if (auto e = check_fifo_throughput(merged)) return *e;
      for (const auto& [k, v] : checked.value()) {
        if (v.empty() && (k == "Policy" || k == "RedrivePolicy" || k == "RedriveAllowPolicy" || k == "KmsMasterKeyId"))
          queue.attributes.erase(k);
        else
          queue.attributes[k] = v;
      }
      if (checked->count("KmsMasterKeyId") && !checked->at("KmsMasterKeyId").empty() &&
          !checked->count("SqsManagedSseEnabled"))
        queue.attributes["SqsManagedSseEnabled"] = "false";
      queue.cfg = parse_config(queue.attributes);
      queue.modified_ms = now_millis();
      auto st = save_queue(queue);
      if (!st.ok()) return errors::internal(st.message);
      wake_needed = !queue.waiters.empty();
    }
    if (wake_needed) wake(*q);
    return Doc::map();
  }

  // ---- tags, dead-letter sources, permissions ------------------------------------------------

  Result<Doc> tag_queue(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    std::lock_guard lk((*q)->mu);
    auto tags = (*q)->tags;
    if (const Doc* t = in.get("Tags"); t && t->is_map())
      for (const auto& [k, v] : t->as_map()) tags[k] = v.is_string() ? v.as_string() : "";
    if (tags.size() > 50) return invalid("Too many tags added for queue " + (*q)->name + ".");
    (*q)->tags = std::move(tags);
    auto st = save_queue(**q);
    if (!st.ok()) return errors::internal(st.message);
    return Doc::map();
  }

  Result<Doc> untag_queue(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    std::lock_guard lk((*q)->mu);
    if (const Doc* l = in.get("TagKeys"); l && l->is_list())
      for (const auto& k : l->as_list())
        if (k.is_string()) (*q)->tags.erase(k.as_string());
    auto st = save_queue(**q);
    if (!st.ok()) return errors::internal(st.message);
    return Doc::map();
  }

  Result<Doc> list_queue_tags(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    std::lock_guard lk((*q)->mu);
    Doc out = Doc::map();
    if (!(*q)->tags.empty()) {
      Doc t = Doc::map();
      for (const auto& [k, v] : (*q)->tags) t.set(k, v);
      out.set("Tags", std::move(t));
    }
    return out;
  }

  Result<Doc> list_dead_letter_source_queues(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    std::string target = (*q)->arn;
    std::vector<QueuePtr> all;
    {
      std::shared_lock lk(map_mu_);
      for (const auto& [_, x] : queues_) all.push_back(x);
    }
    std::vector<std::string> urls;
    for (const auto& x : all) {
      std::lock_guard lk(x->mu);
      if (x->cfg.dlq_arn == target) urls.push_back(url_of(ctx, *x));
    }
    auto out = paginate(urls, in);
    if (!out) return out;
    Doc result = Doc::map();  // this operation spells the member "queueUrls"
    const Doc* l = out->get("QueueUrls");
    result.set("queueUrls", l ? *l : Doc::list());
    if (const Doc* t = out->get("NextToken")) result.set("NextToken", *t);
    return result;
  }

  Result<Doc> add_permission(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    std::string label = in.str("Label");
    if (label.empty()) return missing("Label");
    Queue& queue = **q;
    std::lock_guard lk(queue.mu);
    Doc policy = Doc::map();
    if (auto it = queue.attributes.find("Policy"); it != queue.attributes.end()) {
      try {
        policy = json::parse(it->second);
      } catch (const AwsError&) {
      }
    }
    if (!policy.has("Version")) policy.set("Version", "2012-10-17");
    if (!policy.has("Id")) policy.set("Id", queue.arn + "/SQSDefaultPolicy");
    Doc& stmts = policy["Statement"];
    if (!stmts.is_list()) stmts = Doc::list();
    for (const auto& s : stmts.as_list())
      if (s.str("Sid") == label) return invalid_value("Label", label, "Already exists");
    Doc st = permission_statement(label, in.get("AWSAccountIds"), in.get("Actions"), "SQS", queue.arn);
    stmts.push(std::move(st));
    queue.attributes["Policy"] = json::write(policy);
    auto s = save_queue(queue);
    if (!s.ok()) return errors::internal(s.message);
    return Doc::map();
  }

  Result<Doc> remove_permission(OpContext& ctx, const Doc& in) {
    auto q = queue_for(ctx, in);
    if (!q) return q.error();
    std::string label = in.str("Label");
    Queue& queue = **q;
    std::lock_guard lk(queue.mu);
    auto it = queue.attributes.find("Policy");
    bool found = false;
    if (it != queue.attributes.end()) {
      try {
        Doc policy = json::parse(it->second);
        Doc* stmts = policy.get("Statement");
        if (stmts && stmts->is_list()) {
          auto& l = stmts->as_list();
          auto before = l.size();
          l.erase(std::remove_if(l.begin(), l.end(), [&](const Doc& s) { return s.str("Sid") == label; }), l.end());
          found = l.size() != before;
          if (l.empty()) queue.attributes.erase(it);
          else it->second = json::write(policy);
        }
      } catch (const AwsError&) {
      }
    }
    if (!found) return invalid_value("Label", label, "can't find label");
    auto s = save_queue(queue);
    if (!s.ok()) return errors::internal(s.message);
    return Doc::map();
  }

  // ---- message move tasks (dead-letter queue redrive) -------------------------------------------

  struct MoveTask {
    std::string id, handle, source_arn, dest_arn;
    int64_t rate = 0;  // MaxNumberOfMessagesPerSecond; 0: as fast as it goes
    std::string status = "RUNNING";
    int64_t moved = 0, to_move = 0, started_ms = 0;
    std::string failure;
  };
  using MoveTaskPtr = std::shared_ptr<MoveTask>;

  // Tasks are stored (kTasksKs) when they start, after each step and when they end, so a
  // restart lists them and resumes the running ones. REQUIRES(tasks_mu_) for a running task.
  void save_task(const MoveTask& t) {
    Doc d = Doc::map();
    d.set("handle", t.handle);
    d.set("source", t.source_arn);
    d.set("dest", t.dest_arn);
    d.set("rate", t.rate);
    d.set("status", t.status);
    d.set("moved", t.moved);
    d.set("to_move", t.to_move);
    d.set("started", t.started_ms);
    d.set("failure", t.failure);
    auto st = engine_->put(kTasksKs, t.id, json::write(d));
    if (!st.ok()) spdlog::error("sqs: storing message move task {}: {}", t.id, st.message);
  }

  // At start: the stored tasks, the newest 10 per source. Returns the running ones, to carry on
  // once the queues are loaded.
  std::vector<MoveTaskPtr> load_tasks(storage::WriteBatch& drop) {
    std::vector<MoveTaskPtr> all;
    for (auto it = engine_->scan(kTasksKs, {}); it->valid(); it->next()) {
      auto t = std::make_shared<MoveTask>();
      t->id = std::string(it->key());
      try {
        Doc d = json::parse(it->value());
        t->handle = d.str("handle");
        t->source_arn = d.str("source");
        t->dest_arn = d.str("dest");
        t->rate = d.integer("rate");
        t->status = d.str("status");
        t->moved = d.integer("moved");
        t->to_move = d.integer("to_move");
        t->started_ms = d.integer("started");
        t->failure = d.str("failure");
      } catch (const std::exception& e) {
        spdlog::error("sqs: dropping unreadable message move task {}: {}", t->id, e.what());
        drop.del(kTasksKs, t->id);
        continue;
      }
      all.push_back(std::move(t));
    }
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a->started_ms < b->started_ms; });
    std::vector<MoveTaskPtr> running;
    std::lock_guard lk(tasks_mu_);
    tasks_.clear();
    for (auto& t : all) tasks_[t->source_arn].push_back(t);
    for (auto& [_, list] : tasks_) {
      while (list.size() > 10) {
        drop.del(kTasksKs, list.front()->id);
        list.erase(list.begin());
      }
      for (const auto& t : list)
        if (t->status == "RUNNING") running.push_back(t);
    }
    return running;
  }

  // An optional integer member within [lo, hi] (the move task operations' wording).
  static Result<int64_t> ranged(const Doc& in, const char* member, int64_t dflt, int64_t lo, int64_t hi) {
    const Doc* d = in.get(member);
    if (!d || !d->is_number()) return dflt;
    int64_t v = d->as_int();
    if (v < lo || v > hi) {
      return invalid(std::string("Value for parameter ") + member + " is invalid. Reason: You must enter a number "
                     "that's between " + std::to_string(lo) + " and " + std::to_string(hi) + ".");
    }
    return v;
  }

  static AwsError arn_error(const char* member) {
    return invalid(std::string("You must use this format to specify the ") + member +
                   ": arn:<partition>:<service>:<region>:<account-id>:<resource-id>");
  }

  static AwsError resource_not_found(std::string msg) {
    return AwsError("ResourceNotFoundException", std::move(msg), 400);
  }

  std::vector<QueuePtr> all_queues() {
    std::shared_lock lk(map_mu_);
    std::vector<QueuePtr> out;
    for (const auto& [_, q] : queues_) out.push_back(q);
    return out;
  }

  bool is_dead_letter_queue(const std::string& arn) {
    for (const auto& q : all_queues()) {
      std::lock_guard lk(q->mu);
      if (q->cfg.dlq_arn == arn) return true;
    }
    return false;
  }

  Result<Doc> start_message_move_task(OpContext&, const Doc& in) {
    std::string src = in.str("SourceArn");
    if (src.empty()) return missing("SourceArn");
    if (!Arn::parse(src)) return arn_error("SourceArn");
    QueuePtr q = by_arn(src);
    if (!q) return resource_not_found("The resource that you specified for the SourceArn parameter doesn't exist.");
    std::string dst = in.str("DestinationArn");
    if (!dst.empty()) {
      if (!Arn::parse(dst)) return arn_error("DestinationArn");
      if (!by_arn(dst)) {
        return resource_not_found("The resource that you specified for the DestinationArn parameter doesn't exist.");
      }
    }
    auto rate = ranged(in, "MaxNumberOfMessagesPerSecond", 0, 1, 500);
    if (!rate) return rate.error();
    if (!is_dead_letter_queue(src)) return invalid("Source queue must be configured as a Dead Letter Queue.");
    auto t = std::make_shared<MoveTask>();
    t->id = ids::uuid4();
    t->source_arn = src;
    t->dest_arn = dst;
    t->rate = *rate;
    t->started_ms = now_millis();
    Doc h = Doc::map();
    h.set("taskId", t->id);
    h.set("sourceArn", src);
    t->handle = enc::base64_encode(json::write(h));
    {
      std::lock_guard lk(q->mu);
      q->promote(t->started_ms);
      t->to_move = static_cast<int64_t>(q->ready.size());
    }
    {
      std::lock_guard lk(tasks_mu_);
      auto& list = tasks_[src];
      for (const auto& x : list) {
        if (x->status == "RUNNING") {
          return invalid("There is already a task running. Only one active task is allowed for a source queue arn at "
                         "a given time.");
        }
      }
      list.push_back(t);
      if (list.size() > 10) {
        (void)engine_->del(kTasksKs, list.front()->id);
        list.erase(list.begin());
      }
      save_task(*t);
    }
    timer_.at(t->started_ms, [this, t] { move_step(t); });
    Doc out = Doc::map();
    out.set("TaskHandle", t->handle);
    return out;
  }

  // One step of a move task: moves up to a step's worth of visible messages (one atomic batch)
  // and schedules the next step, until the count found at start is moved.
  void move_step(const MoveTaskPtr& t) {
    auto finish = [&](const char* status, const std::string& why) {
      std::lock_guard lk(tasks_mu_);
      if (t->status != "RUNNING") return;
      t->status = status;
      t->failure = why;
      save_task(*t);
    };
    int64_t budget;
    {
      std::lock_guard lk(tasks_mu_);
      if (t->status != "RUNNING") return;
      budget = std::min<int64_t>(t->rate > 0 ? std::max<int64_t>(1, t->rate / 10) : 1000, t->to_move - t->moved);
    }
    QueuePtr src = by_arn(t->source_arn);
    if (!src) return finish("FAILED", "AWS.SimpleQueueService.NonExistentQueue");
    int64_t now = now_millis();
    std::vector<MessagePtr> taken;
    std::string failure;
    {
      std::lock_guard lk(src->mu);
      src->promote(now);
      for (auto it = src->ready.begin(); it != src->ready.end() && static_cast<int64_t>(taken.size()) < budget;) {
        auto m = src->messages.find(*it++);
        if (m == src->messages.end()) continue;
        if (t->dest_arn.empty() && m->second->dlq_source_arn.empty()) {
          failure = "CouldNotDetermineMessageSource";
          break;
        }
        MessagePtr msg = m->second;
        src->erase(msg, now);
        taken.push_back(std::move(msg));
      }
    }
    storage::WriteBatch b;
    std::vector<std::pair<QueuePtr, MessagePtr>> moved;
    std::vector<MessagePtr> back;
    for (auto& m : taken) {
      QueuePtr dst = by_arn(t->dest_arn.empty() ? m->dlq_source_arn : t->dest_arn);
      if (!dst) {
        failure = "AWS.SimpleQueueService.NonExistentQueue";
        back.push_back(m);
        continue;
      }
      auto copy = std::make_shared<Message>(*m);
      copy->receive_count = 0;
      copy->first_receive_ms = 0;
      copy->nonce = 0;
      copy->visible_at = now;
      copy->sent_ms = now;
      copy->dlq_source_arn.clear();
      auto payload = std::make_shared<Payload>(*payload_of(*src, *m));
      {
        std::lock_guard lk(dst->mu);
        copy->seq = next_seq_++;
        if (dst->fifo) payload->sequence_number = kSequenceBase + copy->seq;
      }
      b.put(kMessagesKs, message_key(dst->uid, copy->seq), encode_message(*copy, *payload));
      copy->payload = payload_resident_ok() ? seal(std::move(payload)) : nullptr;
      b.del(kMessagesKs, message_key(src->uid, m->seq));
      b.del(kStateKs, message_key(src->uid, m->seq));
      moved.emplace_back(std::move(dst), std::move(copy));
    }
    auto st = b.empty() ? storage::Status::OK() : engine_->write(b);
    if (!st.ok()) {
      back = taken;
      moved.clear();
      failure = st.message;
    }
    if (!back.empty()) {
      std::lock_guard lk(src->mu);
      for (auto& m : back) src->insert(m, now);
    }
    for (auto& [dst, m] : moved) {
      {
        std::lock_guard lk(dst->mu);
        if (!dst->deleted) dst->insert(m, now);
      }
      wake(dst);
    }
    bool more;
    {
      std::lock_guard lk(tasks_mu_);
      t->moved += static_cast<int64_t>(moved.size());
      more = t->moved < t->to_move && !taken.empty();
      if (more && t->status == "RUNNING" && !moved.empty()) save_task(*t);
    }
    if (!failure.empty()) return finish("FAILED", failure);
    if (!more) return finish("COMPLETED", "");
    timer_.at(t->rate > 0 ? now + 100 : now, [this, t] { move_step(t); });
  }

  Result<Doc> list_message_move_tasks(OpContext&, const Doc& in) {
    std::string src = in.str("SourceArn");
    if (src.empty()) return missing("SourceArn");
    if (!Arn::parse(src)) return arn_error("SourceArn");
    if (!by_arn(src)) return resource_not_found("The resource that you specified for the SourceArn parameter doesn't exist.");
    auto max = ranged(in, "MaxResults", 1, 1, 10);
    if (!max) return max.error();
    Doc results = Doc::list();
    std::lock_guard lk(tasks_mu_);
    if (auto it = tasks_.find(src); it != tasks_.end()) {
      for (auto t = it->second.rbegin(); t != it->second.rend() && static_cast<int64_t>(results.size()) < *max; ++t) {
        const MoveTask& x = **t;
        Doc d = Doc::map();
        if (x.status == "RUNNING") d.set("TaskHandle", x.handle);
        d.set("Status", x.status);
        d.set("SourceArn", x.source_arn);
        if (!x.dest_arn.empty()) d.set("DestinationArn", x.dest_arn);
        if (x.rate > 0) d.set("MaxNumberOfMessagesPerSecond", x.rate);
        d.set("ApproximateNumberOfMessagesMoved", x.moved);
        d.set("ApproximateNumberOfMessagesToMove", x.to_move);
        if (!x.failure.empty()) d.set("FailureReason", x.failure);
        d.set("StartedTimestamp", x.started_ms);
        results.push(std::move(d));
      }
    }
    Doc out = Doc::map();
    out.set("Results", std::move(results));
    return out;
  }

  Result<Doc> cancel_message_move_task(OpContext&, const Doc& in) {
    std::string handle = in.str("TaskHandle");
    if (handle.empty()) return missing("TaskHandle");
    std::string id, src;
    if (auto raw = enc::base64_decode(handle)) {
      try {
        Doc d = json::parse(*raw);
        id = d.str("taskId");
        src = d.str("sourceArn");
      } catch (const std::exception&) {
      }
    }
    std::lock_guard lk(tasks_mu_);
    auto it = tasks_.find(src);
    if (id.empty() || it == tasks_.end()) return resource_not_found("Task does not exist.");
    for (auto& t : it->second) {
      if (t->id != id) continue;
      if (t->status != "RUNNING") {
        return AwsError("UnsupportedOperation", "Only tasks in RUNNING status can be cancelled.", 400);
      }
      t->status = "CANCELLED";
      save_task(*t);
      Doc out = Doc::map();
      out.set("ApproximateNumberOfMessagesMoved", t->moved);
      return out;
    }
    return resource_not_found("Task does not exist.");
  }

  storage::Engine* engine_ = nullptr;
  Timer timer_;
  BodyFinisher finisher_;  // set once by SNS at start-up, before requests are served
  std::mutex tasks_mu_;
  std::map<std::string, std::vector<MoveTaskPtr>> tasks_;  // GUARDED_BY(tasks_mu_) by source ARN, oldest first
  std::shared_mutex map_mu_;
  std::map<std::string, QueuePtr> queues_;                // GUARDED_BY(map_mu_) by queue_key
  std::unordered_map<std::string, QueuePtr> by_arn_;      // GUARDED_BY(map_mu_)
  std::unordered_map<std::string, QueuePtr> by_uid_;      // GUARDED_BY(map_mu_)
  std::unordered_map<std::string, int64_t> deleted_at_;   // GUARDED_BY(map_mu_) name reuse rule
  // The next message seq, for every queue (taken under the queue's mutex, so a queue's seqs
  // increase in the order its messages are prepared).
  std::atomic<uint64_t> next_seq_{1};
};

}  // namespace

Api* api(ServerContext& ctx) { return dynamic_cast<Api*>(ctx.service("sqs")); }

std::unique_ptr<Service> make_service() { return std::make_unique<SqsService>(); }

}  // namespace stratus::sqs
