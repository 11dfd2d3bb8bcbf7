#include "services/ses/state.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/json.h"
#include "mail/mailbox.h"
#include "mail/mime.h"
#include "server/context.h"
#include "services/events/api.h"
#include "services/ses/errors.h"
#include "services/ses/schema.h"
#include "storage/keys.h"

namespace stratus::ses {
namespace {

constexpr int64_t kDayMs = 24 * 3600 * 1000;

std::string key(std::string_view account, std::string_view region, std::string_view name) {
  return storage::KeyBuilder().scope(account, region).str(name).take();
}

}  // namespace

State::State(ServerContext& c) : ctx(c), engine(c.storage()) {}

std::optional<Doc> State::get(std::string_view ks, std::string_view account, std::string_view region,
                              std::string_view name) {
  std::string v;
  auto s = engine.get(ks, key(account, region, name), &v);
  if (!s.ok()) return std::nullopt;
  try {
    return json::parse(v);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void State::put(std::string_view ks, std::string_view account, std::string_view region, std::string_view name,
                const Doc& d) {
  if (!engine.put(ks, key(account, region, name), json::write(d)).ok()) throw stratus::errors::internal();
}

void State::del(std::string_view ks, std::string_view account, std::string_view region, std::string_view name) {
  if (!engine.del(ks, key(account, region, name)).ok()) throw stratus::errors::internal();
}

std::vector<std::pair<std::string, Doc>> State::scan(std::string_view ks, std::string_view account,
                                                     std::string_view region) {
  std::vector<std::pair<std::string, Doc>> out;
  for (auto it = engine.prefix(ks, storage::scope_prefix(account, region)); it->valid(); it->next()) {
    storage::KeyReader r(it->key());
    r.str();
    r.str();
    std::string name(r.str());
    try {
      out.emplace_back(std::move(name), json::parse(it->value()));
    } catch (const std::exception&) {
    }
  }
  return out;
}

Doc State::account(std::string_view account, std::string_view region) {
  Doc d = get(schema::kAccount.name, account, region, "").value_or(Doc::map());
  if (!d.has("SendingEnabled")) d.set("SendingEnabled", true);
  if (!d.has("ProductionAccessEnabled")) d.set("ProductionAccessEnabled", false);
  if (!d.has("SuppressedReasons")) d.set("SuppressedReasons", Doc::list());
  return d;
}

void State::put_account(std::string_view account, std::string_view region, const Doc& d) {
  put(schema::kAccount.name, account, region, "", d);
}

std::vector<Doc> State::statistics(std::string_view account, std::string_view region, int64_t now_ms) {
  // Slots of the last two weeks, as GetSendStatistics answers.
  std::map<int64_t, Doc> slots;
  for (auto it = engine.prefix(schema::kStats.name, storage::scope_prefix(account, region)); it->valid(); it->next()) {
    storage::KeyReader r(it->key());
    r.str();
    r.str();
    auto slot = static_cast<int64_t>(r.u64());
    std::string counter(r.str());
    if (slot < now_ms - 14 * kDayMs) continue;
    if (counter == "QuotaUsed") continue;  // sent_last_24h's, not a data point's
    Doc& d = slots[slot];
    if (d.is_null()) {
      d = Doc::map();
      d.set("Timestamp", Doc(Timestamp{slot}));
      for (const char* k : {"DeliveryAttempts", "Bounces", "Complaints", "Rejects"}) d.set(k, int64_t{0});
    }
    d.set(counter, storage::WriteBatch::decode_counter(it->value()));
  }
  std::vector<Doc> out;
  for (auto& [slot, d] : slots) out.push_back(std::move(d));
  return out;
}

int64_t State::sent_last_24h(std::string_view account, std::string_view region, int64_t now_ms) {
  int64_t n = 0;
  std::string prefix = storage::scope_prefix(account, region);
  storage::ScanOptions o;
  o.start = storage::KeyBuilder()
                .scope(account, region)
                .u64(static_cast<uint64_t>(std::max<int64_t>(0, now_ms - kDayMs)))
                .take();
  o.end = storage::prefix_end(prefix);
  for (auto it = engine.scan(schema::kStats.name, o); it->valid(); it->next()) {
    storage::KeyReader r(it->key());
    r.str();
    r.str();
    r.u64();
    if (r.str() == "QuotaUsed") n += storage::WriteBatch::decode_counter(it->value());
  }
  return n;
}

std::optional<Doc> State::verified_identity(std::string_view account, std::string_view region,
                                            std::string_view address) {
  std::string a = mime::bare(address);
  size_t at = a.rfind('@');
  auto ok = [&](std::string_view id) -> std::optional<Doc> {
    auto d = get(schema::kIdentities.name, account, region, id);
    if (d && d->str("Status") == "Success") return d;
    return std::nullopt;
  };
  if (auto d = ok(a)) return d;
  if (at == std::string::npos) return std::nullopt;
  std::string local = a.substr(0, at), domain = enc::ascii_lower(a.substr(at + 1));
  if (size_t plus = local.find('+'); plus != std::string::npos)
    if (auto d = ok(local.substr(0, plus) + "@" + a.substr(at + 1))) return d;
  // The domain or one of its parents.
  for (std::string_view d = domain; !d.empty();) {
    if (auto x = ok(d)) return x;
    size_t dot = d.find('.');
    if (dot == std::string_view::npos) break;
    d.remove_prefix(dot + 1);
  }
  return std::nullopt;
}

bool State::verified(std::string_view account, std::string_view region, std::string_view address) {
  return verified_identity(account, region, address).has_value();
}

void State::send_verification(const OpContext& op, const std::string& identity) {
  std::string token = ids::random_lower_alnum(40);
  Doc v = Doc::map();
  v.set("account", op.account());
  v.set("region", op.region());
  v.set("identity", identity);
  if (!engine.put(schema::kVerify.name, storage::KeyBuilder().str(token).take(), json::write(v)).ok())
    throw stratus::errors::internal();
  std::string host(op.transport.host);
  if (host.empty()) host = "localhost:" + std::to_string(ctx.config().port);
  std::string link = "http://" + host + "/_stratus/ses/verify?token=" + token;
  mailbox::Mail m;
  m.channel = "email";
  m.recipient = identity;
  m.sender = "Amazon Web Services <no-reply-aws@amazon.com>";
  m.subject = "Amazon Web Services \xE2\x80\x93 Email Address Verification Request in region " + op.region();
  m.body =
      "Dear Amazon Web Services Customer,\n\nWe have received a request to authorize this email address "
      "for use with Amazon SES and Amazon Pinpoint in region " +
      op.region() +
      ". If you requested this verification, please go to the following URL to confirm that you are "
      "authorized to use this email address:\n\n" +
      link +
      "\n\nYour request will not be processed unless you confirm the address using this URL. This link "
      "expires 24 hours after your original verification request.\n\nIf you did NOT request to verify this "
      "email address, do not click on the link.\n\nSincerely,\n\nThe Amazon Web Services Team.\n";
  m.source = "ses:Verification";
  m.raw = mime::build_text(
      {{"From", m.sender}, {"To", identity}, {"Subject", m.subject}, {"Date", enc::http_date(now_millis())}}, m.body);
  if (!mailbox::deliver(engine, std::move(m)).ok()) throw stratus::errors::internal();
}

void State::serve_verify(const http::Request& req, http::Response& res) {
  std::string token;
  for (const auto& [k, v] : http::parse_query(req.query))
    if (k == "token") token = v;
  res.headers.set("content-type", "text/html; charset=UTF-8");
  std::string raw;
  Doc v;
  bool found = !token.empty() && engine.get(schema::kVerify.name, storage::KeyBuilder().str(token).take(), &raw).ok();
  if (found) {
    try {
      v = json::parse(raw);
    } catch (const std::exception&) {
      found = false;
    }
  }
  if (found) {
    std::lock_guard lk(mu);
    auto id = get(schema::kIdentities.name, v.str("account"), v.str("region"), v.str("identity"));
    if (!id) {
      found = false;
    } else {
      id->set("Status", "Success");
      put(schema::kIdentities.name, v.str("account"), v.str("region"), v.str("identity"), *id);
      engine.del(schema::kVerify.name, storage::KeyBuilder().str(token).take());
    }
  }
  if (!found) {
    res.status = 400;
    res.body =
        "<html><body><h1>Verification failed</h1><p>The verification link is not valid or has "
        "already been used.</p></body></html>";
    return;
  }
  res.body =
      "<html><body><h1>Congratulations!</h1><p>You have successfully verified an email address. You can "
      "now start sending email from this address.</p></body></html>";
}

std::string message_id(int64_t now_ms) {
  char head[24];
  std::snprintf(head, sizeof head, "0100%012llx", static_cast<unsigned long long>(now_ms) & 0xffffffffffffULL);
  return std::string(head) + "-" + ids::uuid4() + "-000000";
}

}  // namespace stratus::ses
