#include "services/sns/platform.h"

#include "core/arn.h"
#include "core/ids.h"
#include "core/json.h"
#include "mail/mailbox.h"
#include "services/sns/checks.h"
#include "services/sns/errors.h"
#include "services/sns/schema.h"
#include "storage/keys.h"

namespace stratus::sns {
namespace {

constexpr std::string_view kKs = kPlatform.name;

}  // namespace

std::string Platform::app_key(const std::string& arn) { return storage::KeyBuilder().str("a").raw(arn).take(); }
std::string Platform::endpoint_key(const std::string& arn) { return storage::KeyBuilder().str("e").raw(arn).take(); }
std::string Platform::account_key(char kind, const std::string& account, const std::string& rest) {
  return storage::KeyBuilder().str(std::string_view(&kind, 1)).str(account).raw(rest).take();
}

Doc Platform::string_map(const Doc* d) {
  Doc out = Doc::map();
  if (d && d->is_map())
    for (const auto& [k, v] : d->as_map()) out.set(k, v.is_string() ? v.as_string() : std::string());
  return out;
}

std::optional<Doc> Platform::load(const std::string& key) {
  std::string v;
  if (!engine_->get(kKs, key, &v).ok()) return std::nullopt;
  try {
    return json::parse(v);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

storage::Status Platform::save(const std::string& key, const Doc& d) { return engine_->put(kKs, key, json::write(d)); }

storage::Status Platform::erase(const std::string& key) { return engine_->del(kKs, key); }

std::string Platform::platform_of(const std::string& arn) {
  auto a = Arn::parse(arn);
  if (!a || a->service != "sns" || a->resource.rfind("endpoint/", 0) != 0) return {};
  std::string rest = a->resource.substr(9);
  return rest.substr(0, rest.find('/'));
}

void Platform::update_attributes(const std::string& key, const char* missing, const Doc* given,
                                        const std::function<bool(const std::string&)>& known) {
  auto rec = load(key);
  if (!rec) throw errors::not_found(missing);
  Doc& attrs = (*rec)["attributes"];
  Doc in = string_map(given);
  for (const auto& [k, v] : in.as_map()) {
    if (!known(k)) throw invalid_parameter("Attributes Reason: Invalid attribute name: " + k);
    if (k == "Enabled") {
      auto b = parse_bool(v.as_string());
      if (!b) throw invalid_parameter("Enabled");
      attrs.set(k, *b ? "true" : "false");
      continue;
    }
    attrs.set(k, v);
  }
  auto st = save(key, *rec);
  if (!st.ok()) throw stratus::errors::internal(st.message);
}

std::vector<Platform::Record> Platform::applications(const std::string& arn_prefix) {
  std::vector<Record> out;
  for (auto it = engine_->prefix(kKs, app_key(arn_prefix)); it->valid(); it->next()) {
    try {
      out.push_back({std::string(it->key().substr(2)), json::parse(it->value())});
    } catch (const std::exception&) {
    }
  }
  return out;
}

std::vector<Platform::Record> Platform::endpoints() {
  std::vector<Record> out;
  for (auto it = engine_->prefix(kKs, endpoint_key("")); it->valid(); it->next()) {
    try {
      out.push_back({std::string(it->key().substr(2)), json::parse(it->value())});
    } catch (const std::exception&) {
    }
  }
  return out;
}

storage::Status Platform::erase_application(const std::string& arn) {
  storage::WriteBatch b;
  b.del(kKs, app_key(arn));
  for (const auto& e : endpoints())
    if (e.doc.str("app") == arn) b.del(kKs, endpoint_key(e.arn));
  return engine_->write(b);
}

std::vector<std::string> Platform::opted_out_numbers(const std::string& account) {
  std::vector<std::string> out;
  std::string prefix = account_key('o', account);
  for (auto it = engine_->prefix(kKs, prefix); it->valid(); it->next())
    out.emplace_back(it->key().substr(prefix.size()));
  return out;
}

std::vector<std::pair<std::string, Doc>> Platform::sandbox_numbers(const std::string& account) {
  std::vector<std::pair<std::string, Doc>> out;
  std::string prefix = account_key('s', account);
  for (auto it = engine_->prefix(kKs, prefix); it->valid(); it->next()) {
    try {
      out.emplace_back(std::string(it->key().substr(prefix.size())), json::parse(it->value()));
    } catch (const std::exception&) {
    }
  }
  return out;
}

bool Platform::opted_out(const std::string& account, const std::string& phone) {
  std::string v;
  return engine_->get(kKs, account_key('o', account, phone), &v).ok();
}

storage::Status Platform::opt_out(const std::string& account, const std::string& phone) {
  return engine_->put(kKs, account_key('o', account, phone), "");
}

std::string Platform::push(const std::string& endpoint_arn, const std::string& text, const std::string& source,
                                   std::string message_id) {
  auto rec = load(endpoint_key(endpoint_arn));
  if (!rec) throw errors::not_found("Endpoint does not exist");
  const Doc* attrs = rec->get("attributes");
  if (attrs && attrs->str("Enabled") == "false") throw errors::endpoint_disabled("Endpoint is disabled");
  if (auto app = load(app_key(rec->str("app"))); app && app->get("attributes") &&
                                                  app->get("attributes")->str("Enabled") == "false")
    throw errors::platform_application_disabled("Platform application is disabled");
  mailbox::Mail m;
  m.id = message_id.empty() ? ids::uuid4() : message_id;
  m.channel = "application";
  m.recipient = endpoint_arn;
  m.sender = "AWS SNS";
  m.subject = attrs ? attrs->str("Token") : std::string();
  m.body = text;
  m.source = source;
  std::string id = m.id;
  auto st = mailbox::deliver(*engine_, std::move(m));
  if (!st.ok()) throw stratus::errors::internal(st.message);
  return id;
}

}  // namespace stratus::sns
