// The helpers every operation file shares (declared in apigateway.h): output shapes and AWS's
// patch operations.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "services/apigateway/apigateway.h"

namespace stratus::apigateway {

Doc out(Doc d) {
  output_dates(d);
  return d;
}

void copy_members(const Doc& in, Doc& to, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (const Doc* v = in.get(n)) to.set(n, *v);
}

Doc items(std::vector<Doc> list) {
  Doc o = Doc::map();
  Doc l = Doc::list();
  for (auto& d : list) l.push(out(std::move(d)));
  o.set("items", std::move(l));
  return o;
}
std::string verb_of(const Doc& in) {
  std::string v = in.str("httpMethod");
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return v;
}

void output_dates(Doc& d) {
  if (d.is_map()) {
    for (auto& [k, v] : d.as_map()) {
      if ((k == "createdDate" || k == "lastUpdatedDate") && v.is_int()) v = Doc(Timestamp{v.as_int()});
      else output_dates(v);
    }
  } else if (d.is_list()) {
    for (auto& v : d.as_list()) output_dates(v);
  }
}


namespace {

// --- patch operations ---------------------------------------------------------------------

std::string unescape_pointer(std::string_view s) {
  std::string o;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '~' && i + 1 < s.size() && (s[i + 1] == '1' || s[i + 1] == '0')) {
      o += s[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      o += s[i];
    }
  }
  return o;
}

std::vector<std::string> pointer(std::string_view path) {
  std::vector<std::string> segs;
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    segs.push_back(unescape_pointer(path.substr(0, slash)));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segs;
}

const std::set<std::string>& bool_fields() {
  static const std::set<std::string> s = {"apiKeyRequired", "disableExecuteApiEndpoint", "cacheClusterEnabled",
                                          "tracingEnabled", "validateRequestBody", "validateRequestParameters",
                                          "enabled", "metricsEnabled", "dataTraceEnabled", "cachingEnabled",
                                          "requireAuthorizationForCacheControl", "cacheDataEncrypted"};
  return s;
}
const std::set<std::string>& int_fields() {
  static const std::set<std::string> s = {"timeoutInMillis", "minimumCompressionSize", "authorizerResultTtlInSeconds",
                                          "throttlingBurstLimit", "cacheTtlInSeconds", "burstLimit", "limit", "offset"};
  return s;
}
const std::set<std::string>& list_fields() {
  static const std::set<std::string> s = {"binaryMediaTypes", "cacheKeyParameters", "authorizationScopes",
                                          "providerARNs", "targetArns"};
  return s;
}

Doc typed(const std::string& field, const std::string& v) {
  if (bool_fields().count(field)) return Doc(v == "true");
  if (int_fields().count(field)) {
    try {
      return Doc(static_cast<int64_t>(std::stoll(v)));
    } catch (const std::exception&) {
      throw errors::bad_request("Invalid value for " + field + ": " + v);
    }
  }
  if (field == "throttlingRateLimit" || field == "rateLimit") {
    try {
      return Doc(std::stod(v));
    } catch (const std::exception&) {
      throw errors::bad_request("Invalid value for " + field + ": " + v);
    }
  }
  return Doc(v);
}

// A stage's "/{resourcePath}/{method}/{area}/{setting}" paths address methodSettings.
bool stage_method_setting(Doc& stage, const std::vector<std::string>& segs, const std::string& op, const std::string& v) {
  if (segs.size() < 4) return false;
  static const std::map<std::string, std::string> names = {
      {"logging/loglevel", "loggingLevel"},       {"logging/dataTrace", "dataTraceEnabled"},
      {"metrics/enabled", "metricsEnabled"},      {"throttling/burstLimit", "throttlingBurstLimit"},
      {"throttling/rateLimit", "throttlingRateLimit"}, {"caching/enabled", "cachingEnabled"},
      {"caching/ttlInSeconds", "cacheTtlInSeconds"},   {"caching/dataEncrypted", "cacheDataEncrypted"},
      {"caching/requireAuthorizationForCacheControl", "requireAuthorizationForCacheControl"},
      {"caching/unauthorizedCacheControlHeaderStrategy", "unauthorizedCacheControlHeaderStrategy"}};
  std::string setting = segs[segs.size() - 2] + "/" + segs.back();
  auto it = names.find(setting);
  if (it == names.end()) return false;
  std::string key;
  for (size_t i = 0; i + 2 < segs.size(); ++i) key += (i ? "/" : "") + segs[i];
  Doc& ms = stage["methodSettings"];
  if (!ms.is_map()) ms = Doc::map();
  Doc& entry = ms[key];
  if (!entry.is_map()) entry = Doc::map();
  if (op == "remove") entry.as_map().erase(it->second);
  else entry.set(it->second, typed(it->second, v));
  return true;
}

}  // namespace

void apply_patch(Doc& target, const Doc& in, bool is_stage) {
  const Doc* ops = in.get("patchOperations");
  if (!ops || !ops->is_list()) return;
  for (const Doc& op : ops->as_list()) {
    std::string kind = op.str("op");
    std::string path = op.str("path");
    std::string value = op.str("value");
    if (path.empty() || path[0] != '/') throw errors::bad_request("Invalid patch path " + path);
    auto segs = pointer(path);
    if (is_stage && stage_method_setting(target, segs, kind, value)) continue;
    if (kind == "copy" || kind == "move") {
      auto from = pointer(op.str("from"));
      Doc* src = &target;
      for (const auto& s : from) src = src && src->is_map() ? src->get(s) : nullptr;
      if (!src) throw errors::bad_request("Invalid patch path " + op.str("from"));
      Doc v = *src;
      if (kind == "move") {
        Doc* parent = &target;
        for (size_t i = 0; i + 1 < from.size(); ++i) parent = parent->get(from[i]);
        if (parent && parent->is_map()) parent->as_map().erase(from.back());
      }
      Doc* dst = &target;
      for (size_t i = 0; i + 1 < segs.size(); ++i) {
        Doc& next = (*dst)[segs[i]];
        if (!next.is_map()) next = Doc::map();
        dst = &next;
      }
      dst->set(segs.back(), std::move(v));
      continue;
    }
    // Lists addressed by their element: "/binaryMediaTypes/image~1png".
    if (segs.size() == 2 && list_fields().count(segs[0])) {
      Doc& l = target[segs[0]];
      if (!l.is_list()) l = Doc::list();
      auto& items = l.as_list();
      auto found = std::find(items.begin(), items.end(), Doc(segs[1]));
      if (kind == "remove") {
        if (found != items.end()) items.erase(found);
      } else if (kind == "add" || kind == "replace") {
        if (kind == "replace" && found != items.end()) *found = Doc(value);
        else if (found == items.end()) items.push_back(Doc(segs[1]));
      }
      continue;
    }
    Doc* parent = &target;
    for (size_t i = 0; i + 1 < segs.size(); ++i) {
      Doc& next = (*parent)[segs[i]];
      if (!next.is_map()) next = Doc::map();
      parent = &next;
    }
    const std::string& field = segs.back();
    if (kind == "remove") {
      parent->as_map().erase(field);
    } else if (kind == "add" || kind == "replace") {
      if (list_fields().count(field)) {
        Doc l = Doc::list();
        if (!value.empty()) l.push(Doc(value));
        parent->set(field, std::move(l));
      } else {
        parent->set(field, typed(field, value));
      }
    } else {
      throw errors::bad_request("Invalid patch operation specified. Must be 'add'|'remove'|'replace'|'copy'|'move'|'test'");
    }
  }
}

}  // namespace stratus::apigateway
