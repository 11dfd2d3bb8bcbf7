// SQS's queue operations.
#include "services/sqs/ops.h"

#include <algorithm>

#include "core/arn.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/names.h"
#include "core/paging.h"
#include "http/message.h"
#include "services/sqs/attributes.h"
#include "services/sqs/common.h"
#include "services/sqs/state.h"
#include "storage/written.h"

namespace stratus::sqs {
namespace {

struct QueueRef {
  std::string account, region, name;
};

bool valid_queue_name(std::string_view name, bool fifo) {
  return valid_fifo_aware_name(name, fifo, 80);
}

std::string host_of(const OpContext& ctx) {
  std::string h(ctx.transport.host);
  return h.empty() ? "localhost:4566" : h;
}

// "http(s)://host/ACCOUNT/NAME"; the region comes from an "sqs.REGION." host when present.
std::optional<QueueRef> parse_url(std::string_view url, const OpContext& ctx) {
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

std::vector<uint64_t> seqs_of(const Queue& q) {  // REQUIRES(q.mu)
  std::vector<uint64_t> out;
  out.reserve(q.messages.size());
  for (const auto& [seq, m] : q.messages) out.push_back(seq);
  return out;
}

// Pagination over a sorted list of URLs (ListQueues, ListDeadLetterSourceQueues).
Doc paginate(const std::vector<std::string>& urls, const Doc& in) {
  Doc out = Doc::map();
  size_t start = 0;
  std::string token = in.str("NextToken");
  if (!token.empty()) {
    auto n = paging::parse_offset(token);
    if (!n) throw invalid("Invalid NextToken value.");
    start = *n;
  }
  int64_t max = 1000;
  bool paged = false;
  if (const Doc* m = in.get("MaxResults"); m && m->is_number()) {
    if (m->as_int() < 1 || m->as_int() > 1000) {
      throw invalid_value("MaxResults", std::to_string(m->as_int()),
                          "MaxResults must be an integer between 1 and 1000");
    }
    max = m->as_int();
    paged = true;
  }
  auto page = paging::slice(start, urls.size(), max, [&](size_t i) { return Doc(urls[i]); });
  if (page.list.size()) out.set("QueueUrls", std::move(page.list));
  if (paged && page.more()) out.set("NextToken", paging::offset_token(page.next));
  return out;
}

}  // namespace

std::string url_of(const OpContext& ctx, const Queue& q) {
  return "http://" + host_of(ctx) + "/" + q.account + "/" + q.name;
}

QueuePtr queue_for(OpContext& ctx, const Doc& in) {
  std::string url = in.str("QueueUrl");
  if (url.empty()) throw missing("QueueUrl");
  auto ref = parse_url(url, ctx);
  if (!ref) throw with_status(errors::invalid_address("The address " + url + " is not valid for this endpoint."), 404);
  QueuePtr q = state(ctx).store.find(queue_key(ref->account, ref->region, ref->name));
  if (!q) throw no_queue();
  return q;
}

Doc create_queue(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  std::string name = in.str("QueueName");
  if (name.empty()) throw missing("QueueName");
  const Doc* attrs = in.get("Attributes");
  bool fifo = false;
  if (attrs && attrs->is_map())
    if (const Doc* f = attrs->get("FifoQueue"); f && f->is_string())
      fifo = f->as_string() == "true" || f->as_string() == "True";
  bool fifo_name = name.size() > 5 && name.substr(name.size() - 5) == ".fifo";
  if (!valid_queue_name(name, fifo) || fifo_name != fifo) {
    if (fifo || fifo_name) {
      throw invalid("The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                    "underscores, must end with .fifo suffix and be 1 to 80 in length.");
    }
    throw invalid("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  }
  std::string arn = Arn::make("sqs", ctx.region(), ctx.account(), name);
  auto checked = check_attributes(s.store, attrs, true, fifo, arn);
  check_tags(in.get("tags"));
  std::map<std::string, std::string> tags;
  if (const Doc* t = in.get("tags"); t && t->is_map())
    for (const auto& [k, v] : t->as_map()) tags[k] = v.is_string() ? v.as_string() : "";
  std::string key = queue_key(ctx.account(), ctx.region(), name);
  int64_t now = now_millis();
  Doc out = Doc::map();
  auto made = s.store.create(key, now, [&] {
    auto q = std::make_shared<Queue>();
    q->account = ctx.account();
    q->region = ctx.region();
    q->name = name;
    q->uid = ids::random_lower_alnum(16);
    q->arn = arn;
    q->fifo = fifo;
    q->created_ms = q->modified_ms = now;
    q->attributes = default_attributes(fifo);
    for (auto& [k, v] : checked)
      if (!v.empty()) q->attributes[k] = v;
    check_fifo_throughput(q->attributes);
    if (q->attributes.count("KmsMasterKeyId")) q->attributes["SqsManagedSseEnabled"] = "false";
    q->cfg = parse_config(q->attributes);
    q->tags = std::move(tags);
    return q;
  });
  QueuePtr q = made.first;
  if (!made.second) {
    // It exists: the same attributes answer its URL, different ones QueueNameExists.
    std::lock_guard qlk(q->mu);
    auto current = default_attributes(q->fifo);
    for (const auto& [k, v] : q->attributes) current[k] = v;
    for (const auto& [k, v] : checked) {
      auto cur = current.find(k);
      std::string have = cur == current.end() ? std::string() : cur->second;
      if (have != v) {
        throw errors::queue_name_exists(
            "A queue already exists with the same name and a different value for attribute " + k);
      }
    }
  }
  out.set("QueueUrl", url_of(ctx, *q));
  return out;
}

Doc get_queue_url(OpContext& ctx, const Doc& in) {
  std::string name = in.str("QueueName");
  if (name.empty()) throw missing("QueueName");
  std::string account = in.str("QueueOwnerAWSAccountId", ctx.account());
  QueuePtr q = state(ctx).store.find(queue_key(account, ctx.region(), name));
  if (!q) throw no_queue();
  return answer("QueueUrl", url_of(ctx, *q));
}

Doc list_queues(OpContext& ctx, const Doc& in) {
  std::string prefix = in.str("QueueNamePrefix");
  std::string base = queue_key(ctx.account(), ctx.region(), "");
  std::string from = base + prefix;
  std::vector<std::string> urls;
  for (const auto& q : state(ctx).store.with_prefix(from)) urls.push_back(url_of(ctx, *q));
  return paginate(urls, in);
}

Doc delete_queue(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr queue = queue_for(ctx, in);
  if (!s.store.remove(queue, now_millis())) throw no_queue();
  s.retire(queue);
  std::vector<uint64_t> seqs;
  {
    std::lock_guard lk(queue->mu);
    seqs = seqs_of(*queue);
  }
  s.store.drop_stored(queue->uid, seqs, true);
  return Doc::map();
}

Doc get_queue_attributes(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr q = queue_for(ctx, in);
  std::vector<std::string> names;
  if (const Doc* l = in.get("AttributeNames"); l && l->is_list())
    for (const auto& n : l->as_list())
      if (n.is_string()) names.push_back(n.as_string());
  Queue& queue = *q;
  for (const auto& n : names) {
    if (n == "All" || find_spec(n)) continue;
    if (read_only_attribute(n)) continue;
    throw unknown_attr(n);
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
  s.apply(queue, side);
  Doc out = Doc::map();
  if (a.size()) out.set("Attributes", std::move(a));
  return out;
}

Doc set_queue_attributes(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr q = queue_for(ctx, in);
  Queue& queue = *q;
  auto checked = check_attributes(s.store, in.get("Attributes"), false, queue.fifo, queue.arn);
  bool wake_needed = false;
  {
    std::lock_guard lk(queue.mu);
    auto merged = queue.attributes;
    for (const auto& [k, v] : checked) merged[k] = v;
    check_fifo_throughput(merged);
    for (const auto& [k, v] : checked) {
      if (v.empty() && (k == "Policy" || k == "RedrivePolicy" || k == "RedriveAllowPolicy" || k == "KmsMasterKeyId"))
        queue.attributes.erase(k);
      else
        queue.attributes[k] = v;
    }
    if (checked.count("KmsMasterKeyId") && !checked.at("KmsMasterKeyId").empty() &&
        !checked.count("SqsManagedSseEnabled"))
      queue.attributes["SqsManagedSseEnabled"] = "false";
    queue.cfg = parse_config(queue.attributes);
    queue.modified_ms = now_millis();
    storage::written(s.store.save_queue(queue));
    wake_needed = !queue.waiters.empty();
  }
  if (wake_needed) s.wake(q);
  return Doc::map();
}

Doc purge_queue(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr q = queue_for(ctx, in);
  Queue& queue = *q;
  std::vector<uint64_t> seqs;
  {
    std::lock_guard lk(queue.mu);
    int64_t now = now_millis();
    if (queue.last_purge_ms && now - queue.last_purge_ms < kPurgeIntervalMs) {
      throw with_status(errors::purge_queue_in_progress("Only one PurgeQueue operation on " + queue.name +
                                                        " is allowed every 60 seconds."),
                        403);
    }
    queue.last_purge_ms = now;
    seqs = seqs_of(queue);
    queue.messages.clear();
    queue.ready.clear();
    queue.hidden.clear();
    queue.in_flight = 0;
    queue.group_in_flight.clear();
    (void)s.store.save_queue(queue);
  }
  s.store.drop_stored(queue.uid, seqs, false);
  return Doc::map();
}

Doc list_dead_letter_source_queues(OpContext& ctx, const Doc& in) {
  QueuePtr q = queue_for(ctx, in);
  std::string target = q->arn;
  std::vector<QueuePtr> all = state(ctx).store.all();
  std::vector<std::string> urls;
  for (const auto& x : all) {
    std::lock_guard lk(x->mu);
    if (x->cfg.dlq_arn == target) urls.push_back(url_of(ctx, *x));
  }
  auto out = paginate(urls, in);
  Doc result = Doc::map();  // this operation spells the member "queueUrls"
  const Doc* l = out.get("QueueUrls");
  result.set("queueUrls", l ? *l : Doc::list());
  if (const Doc* t = out.get("NextToken")) result.set("NextToken", *t);
  return result;
}

}  // namespace stratus::sqs
