// Transactions: TransactWriteItems, TransactGetItems, their ClientRequestToken and the
// cancellation reasons.
#include <mutex>
#include <set>

#include "auth/sigv4.h"
#include "core/json.h"
#include "server/context.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/ops.h"

namespace stratus::dynamodb {

namespace {

AwsError transaction_canceled(const std::vector<std::optional<AwsError>>& failures) {
  Doc reasons = Doc::list();
  std::string codes;
  for (const auto& f : failures) {
    Doc r = Doc::map();
    std::string code = "None";
    if (f) {
      code = f->code == "ConditionalCheckFailedException"             ? "ConditionalCheckFailed"
             : f->code == "DuplicateItemException"                    ? "DuplicateItem"
             : f->code == "ItemCollectionSizeLimitExceededException" ? "ItemCollectionSizeLimitExceeded"
                                                                       : "ValidationError";
      r.set("Message", f->message);
      if (!f->extra_json.empty()) {
        Doc extra = json::parse(f->extra_json);
        if (const Doc* item = extra.get("Item")) r.set("Item", *item);
      }
    }
    r.set("Code", code);
    reasons.push(r);
    codes += (codes.empty() ? "" : ", ") + code;
  }
  AwsError err = errors::transaction_canceled(
      "Transaction cancelled, please refer cancellation reasons for specific reasons [" + codes + "]");
  Doc extra = Doc::map();
  extra.set("CancellationReasons", reasons);
  err.extra_json = json::write(extra);
  return err;
}

}  // namespace

namespace {
// ClientRequestToken records (schema.h: ddb.txtokens, ddb.txtoken-expiry): remembered for 10
// minutes after the transaction commits (written in the transaction's own batch); the expiry
// keyspace orders them oldest first, for purging. Tokens of requests being applied are also held
// in memory (TransactionInProgress).
constexpr int64_t kTokenMs = 10 * 60 * 1000;

std::mutex in_flight_mu;
std::set<std::pair<const void*, std::string>> in_flight;  // (engine, token key)

void purge_tokens(storage::Engine& e, int64_t now_ms) {
  storage::ScanOptions o;
  std::string end;
  append_be64(end, static_cast<uint64_t>(std::max<int64_t>(0, now_ms - kTokenMs)));
  o.end = end;
  storage::WriteBatch b;
  int n = 0;
  for (auto it = e.scan(kTokenExpiry, o); it->valid() && n < 100; it->next(), ++n) {
    std::string key(it->key());
    std::string token_key = key.substr(8);
    std::string v;
    // The token may have been used again since: only its own record goes.
    if (e.get(kTokens, token_key, &v).ok() &&
        json::parse(v).integer("t") == static_cast<int64_t>(read_be64(key)))
      b.del(kTokens, token_key);
    b.del(kTokenExpiry, key);
  }
  if (!b.empty()) e.write(b);
}
}  // namespace

TransactionToken::TransactionToken(OpContext& ctx, const Doc& in) {
  std::string token = in.str("ClientRequestToken");
  if (token.empty()) return;
  Doc request = in;
  request.as_map().erase("ClientRequestToken");
  request.as_map().erase("ReturnConsumedCapacity");
  std::string digest = auth::sha256_hex(json::write(request));
  engine_ = &ctx.storage;
  key_ = table_key(ctx.account(), ctx.region(), token);
  purge_tokens(ctx.storage, ctx.now_ms);
  {
    std::lock_guard lock(in_flight_mu);
    if (!in_flight.insert({engine_, key_}).second)
      throw errors::transaction_in_progress("The transaction with the given request token is already in progress.");
    claimed_ = true;
  }
  try {
    std::string v;
    if (ctx.storage.get(kTokens, key_, &v).ok()) {
      Doc rec = json::parse(v);
      if (ctx.now_ms - rec.integer("t") < kTokenMs) {
        if (rec.str("h") != digest)
          throw errors::idempotent_parameter_mismatch(
                         "The request uses the same client token as a previous, but non-identical request.");
        applied_ = true;
        return;
      }
    }
  } catch (...) {
    std::lock_guard lock(in_flight_mu);
    in_flight.erase({engine_, key_});
    throw;
  }
  Doc rec = Doc::map();
  rec.set("h", digest);
  rec.set("t", ctx.now_ms);
  batch_.put(kTokens, key_, json::write(rec));
  batch_.put(kTokenExpiry, storage::KeyBuilder(8 + key_.size()).u64(static_cast<uint64_t>(ctx.now_ms)).raw(key_).take(), "");
}

TransactionToken::~TransactionToken() {
  if (!claimed_) return;
  std::lock_guard lock(in_flight_mu);
  in_flight.erase({engine_, key_});
}

Doc TransactionToken::replayed(OpContext& ctx, const Doc& in, const std::vector<ItemWrite>& writes) const {
  Doc out = Doc::map();
  Doc capacity = Doc::list();
  for (const auto& w : writes) {
    auto item = read_item(ctx.storage, w.key);
    add_capacity(capacity, in, *w.table, read_units(item ? item_size(*item) : 0, true), true);
  }
  if (!capacity.as_list().empty()) out.set("ConsumedCapacity", capacity);
  return out;
}

void commit_transaction(storage::Engine& e, Catalog& cat, std::vector<ItemWrite>& writes, int64_t now_ms,
                        const storage::WriteBatch* extra) {
  std::vector<std::optional<AwsError>> failures(writes.size());
  try {
    commit(e, cat, writes, true, now_ms, [&](size_t i, const AwsError& err) { failures[i] = err; }, extra);
  } catch (const AwsError&) {
    bool any = false;
    for (const auto& f : failures) any = any || f.has_value();
    if (!any) throw;
    throw transaction_canceled(failures);
  }
}

namespace {
// The aggregate size of the items of a transaction (TransactWriteItems, TransactGetItems).
constexpr size_t kTransactionBytes = 4 * 1024 * 1024;
AwsError transaction_too_large() {
  return errors::validation("The aggregate size of the items in the transaction cannot exceed 4 MB");
}
}  // namespace

TransactWriteItemsWrite transact_write_items(Catalog& cat, OpContext& ctx, const Doc& in) {
  check_request_expressions(in);
  const Doc* items = in.get("TransactItems");
  const auto& list = items->as_list();
  if (list.size() > 100)
    throw errors::validation("1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100");
  TransactWriteItemsWrite tw{&in, std::vector<TransactWriteItemsWrite::Action>(list.size()),
                             std::vector<ItemWrite>(list.size())};
  std::vector<ItemWrite>& writes = tw.writes;
  std::set<std::pair<uint64_t, std::string>> seen;
  size_t aggregate = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const Doc& ti = list[i];
    const Doc* op = nullptr;
    int kinds = 0;
    TransactWriteItemsWrite::Action& p = tw.actions[i];
    for (const char* k : {"ConditionCheck", "Put", "Delete", "Update"})
      if (const Doc* d = ti.get(k)) {
        op = d;
        p.kind = k;
        ++kinds;
      }
    if (kinds != 1) throw errors::validation("TransactItems can only contain one of Check, Put, Update or Delete");
    p.ex.emplace(*op);
    p.ex->parse(*op, p.kind == "Update", false);
    p.return_old = op->str("ReturnValuesOnConditionCheckFailure") == "ALL_OLD";
    if (p.kind == "ConditionCheck" && !p.ex->condition)
      throw errors::validation("The ConditionExpression parameter is required for ConditionCheck");
    TablePtr t = cat.get(ctx.storage, ctx.account(), ctx.region(), op->str("TableName"));
    if (p.kind == "Put") {
      p.item = item_from_doc(*op->get("Item"));
      // Index key attributes are checked per action when the transaction applies: a bad one
      // cancels it with a ValidationError reason for that action (and the others' reasons).
      check_item(*t, p.item, false);
      writes[i].key_attrs = key_of(*t, p.item);
    } else {
      p.item = parse_key(*t, *op->get("Key"));
      writes[i].key_attrs = p.item;
    }
    aggregate += item_size(p.item);
    if (p.kind == "Update") check_key_not_updated(*t, p.ex->update);
    writes[i].table = t;
    writes[i].key = item_key(*t, writes[i].key_attrs);
    writes[i].condition_check_only = p.kind == "ConditionCheck";
    if (!seen.insert({t->id, writes[i].key}).second)
      throw errors::validation("Transaction request cannot include multiple operations on one item");
  }
  if (aggregate > kTransactionBytes) throw transaction_too_large();
  return tw;
}

Doc TransactWriteItemsWrite::apply(Catalog& cat, OpContext& ctx) {
  const Doc& in = *this->in;
  for (size_t i = 0; i < writes.size(); ++i) {
    writes[i].compute = [&p = actions[i], t = writes[i].table](const Item* old) -> std::optional<Item> {
      if (p.kind == "Put") check_index_keys(*t, p.item);
      if (p.ex->condition && !evaluate(*p.ex->condition, old ? *old : Item{}))
        throw conditional_failed(old, p.return_old);
      if (p.kind == "Put") return p.item;
      if (p.kind == "Delete") return std::nullopt;
      if (p.kind == "ConditionCheck") return old ? std::optional<Item>(*old) : std::nullopt;
      Item item = old ? *old : p.item;
      apply_update(p.ex->update, item);
      check_updated_size(item);
      check_item(*t, item);
      return item;
    };
  }
  TransactionToken token(ctx, in);
  if (token.applied()) return token.replayed(ctx, in, writes);
  commit_transaction(ctx.storage, cat, writes, ctx.now_ms, token.record());
  Doc out = Doc::map();
  Doc capacity = Doc::list();
  for (const auto& w : writes) {
    // Transactional writes cost twice; a ConditionCheck as much as writing its item.
    WriteCost cost;
    if (w.condition_check_only) cost.table = write_units(w.old_item ? item_size(*w.old_item) : 0);
    else cost = write_cost(*w.table, w.old_item, w.new_item);
    for (auto& [_, u] : cost.indexes) u *= 2;
    add_capacity(capacity, in, *w.table, 2 * cost.table, false, cost.indexes);
  }
  if (!capacity.as_list().empty()) out.set("ConsumedCapacity", capacity);
  Doc metrics = metrics_per_table(cat, ctx, in, writes);
  if (!metrics.as_map().empty()) out.set("ItemCollectionMetrics", metrics);
  return out;
}


Doc transact_get_items(Catalog& cat, OpContext& ctx, const Doc& in) {
  const auto& list = in.get("TransactItems")->as_list();
  if (list.size() > 100)
    throw errors::validation("1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100");
  struct G {
    TablePtr t;
    std::string key;
    std::optional<std::vector<Path>> projection;
  };
  std::vector<G> gets;
  std::set<std::pair<uint64_t, std::string>> seen;
  for (const auto& ti : list) {
    const Doc* g = ti.get("Get");
    if (!g) throw errors::validation("TransactItems can only contain Get");
    G x;
    x.t = cat.get(ctx.storage, ctx.account(), ctx.region(), g->str("TableName"));
    x.key = item_key(*x.t, parse_key(*x.t, *g->get("Key")));
    if (!seen.insert({x.t->id, x.key}).second)
      throw errors::validation("Transaction request cannot include multiple operations on one item");
    ItemExprs ex(*g);
    ex.parse(*g, false, true);
    x.projection = ex.projection;
    gets.push_back(std::move(x));
  }
  auto snap = ctx.storage.snapshot();  // one consistent view for every Get
  Doc responses = Doc::list();
  Doc capacity = Doc::list();
  size_t aggregate = 0;
  for (const auto& g : gets) {
    auto item = read_item(ctx.storage, g.key, snap.get());
    Doc r = Doc::map();
    if (item) {
      aggregate += item_size(*item);
      if (aggregate > kTransactionBytes) throw transaction_too_large();
      r.set("Item", item_to_doc(g.projection ? project(*item, *g.projection) : *item));
    }
    responses.push(r);
    add_capacity(capacity, in, *g.t, 2 * read_units(item ? item_size(*item) : 0, true), true);
  }
  Doc out = Doc::map();
  out.set("Responses", responses);
  if (!capacity.as_list().empty()) out.set("ConsumedCapacity", capacity);
  return out;
}


}  // namespace stratus::dynamodb
