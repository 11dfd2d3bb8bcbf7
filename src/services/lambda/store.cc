#include "services/lambda/store.h"

#include <regex>

#include "core/arn.h"
#include "core/error.h"
#include "core/json.h"
#include "services/lambda/errors.h"
#include "services/service.h"

namespace stratus::lambda {

FnRef parse_ref(const Doc& in) {
  std::string s = in.str("FunctionName");
  FnRef r;
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t c = s.find(':', start);
    parts.push_back(s.substr(start, c == std::string::npos ? std::string::npos : c - start));
    if (c == std::string::npos) break;
    start = c + 1;
  }
  if (parts.size() >= 7 && parts[0] == "arn") {
    r.name = parts[6];
    if (parts.size() >= 8) r.qualifier = parts[7];
  } else if (parts.size() >= 3 && parts[1] == "function") {
    r.name = parts[2];
    if (parts.size() >= 4) r.qualifier = parts[3];
  } else if (parts.size() == 2) {
    r.name = parts[0];
    r.qualifier = parts[1];
  } else {
    r.name = s;
  }
  std::string q = in.str("Qualifier");
  if (!q.empty()) {
    if (!r.qualifier.empty() && r.qualifier != q)
      throw errors::invalid_parameter_value("The derived qualifier from the function name does not match the specified qualifier.");
    r.qualifier = q;
  }
  static const std::regex name_re("[a-zA-Z0-9_-]{1,64}");
  if (!std::regex_match(r.name, name_re)) {
    throw stratus::errors::validation("1 validation error detected: Value '" + s +
                       "' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression "
                       "pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
                       "(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
  }
  return r;
}

std::string function_arn(const std::string& account, const std::string& region, const std::string& name) {
  return Arn::make("lambda", region, account, "function:" + name);
}

std::string function_arn(const OpContext& ctx, const std::string& name) {
  return function_arn(ctx.account(), ctx.region(), name);
}

std::string FunctionStore::key(const std::string& account, const std::string& region, const std::string& name) {
  return storage::KeyBuilder().scope(account, region).raw(name).take();
}

std::optional<Doc> FunctionStore::get(const std::string& account, const std::string& region,
                                      const std::string& name) {
  std::string v;
  if (!db_.get(kFunctions, key(account, region, name), &v).ok()) return std::nullopt;
  return json::parse(v);
}

void FunctionStore::put(const std::string& account, const std::string& region, const std::string& name,
                        const Doc& rec) {
  auto st = db_.put(kFunctions, key(account, region, name), json::write(rec));
  if (!st.ok()) throw stratus::errors::internal(st.message);
}

void FunctionStore::del(const std::string& account, const std::string& region, const std::string& name) {
  db_.del(kFunctions, key(account, region, name));
}

void FunctionStore::each(const std::string& account, const std::string& region,
                         const std::function<void(const Doc& rec)>& fn) {
  std::string prefix = storage::scope_prefix(account, region);
  for (auto it = db_.prefix(kFunctions, prefix); it->valid(); it->next()) fn(json::parse(it->value()));
}

void FunctionStore::each_all(const std::function<void(const std::string& account, const std::string& region,
                                                      const std::string& name, const Doc& rec)>& fn) {
  for (auto it = db_.scan(kFunctions, {}); it->valid(); it->next()) {
    storage::KeyReader key(it->key());
    std::string account, region;
    try {
      account = key.str();
      region = key.str();
    } catch (const std::runtime_error&) {
      continue;  // not a function key
    }
    fn(account, region, std::string(key.rest()), json::parse(it->value()));
  }
}

void FunctionStore::put_url(const std::string& id, const UrlTarget& t) {
  Doc ix = Doc::map();
  ix.set("a", t.account);
  ix.set("r", t.region);
  ix.set("f", t.function);
  ix.set("q", t.qualifier);
  auto st = db_.put(kUrlIds, id, json::write(ix));
  if (!st.ok()) throw stratus::errors::internal(st.message);
}

std::optional<UrlTarget> FunctionStore::url(const std::string& id) {
  std::string v;
  if (!db_.get(kUrlIds, id, &v).ok()) return std::nullopt;
  Doc ix = json::parse(v);
  return UrlTarget{ix.str("a"), ix.str("r"), ix.str("f"), ix.str("q")};
}

void FunctionStore::del_url(const std::string& id) { db_.del(kUrlIds, id); }

void FunctionStore::put_inflight(const std::string& key, std::string_view payload) {
  db_.put(kInflight, key, payload);
}

void FunctionStore::del_inflight(const std::string& key) { db_.del(kInflight, key); }

std::vector<std::pair<std::string, std::string>> FunctionStore::inflight() {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto it = db_.scan(kInflight, {}); it->valid(); it->next()) out.emplace_back(it->key(), it->value());
  return out;
}

}  // namespace stratus::lambda
