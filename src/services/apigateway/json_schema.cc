#include "services/apigateway/json_schema.h"

#include <cmath>

#include "core/json.h"
#include "core/regex.h"
#include "services/apigateway/vtl/value.h"

namespace stratus::apigateway {
namespace {

constexpr int kMaxDepth = 64;
constexpr uint64_t kMaxSteps = 200'000;  // schema nodes visited (allOf of $refs can branch)

std::string type_name(const Doc& v) {
  if (v.is_null()) return "null";
  if (v.is_bool()) return "boolean";
  if (v.is_int()) return "integer";
  if (v.is_double()) return std::floor(v.as_double()) == v.as_double() ? "integer" : "number";
  if (v.is_string()) return "string";
  if (v.is_list()) return "array";
  if (v.is_map()) return "object";
  return "unknown";
}

bool has_type(const Doc& v, const std::string& t) {
  std::string actual = type_name(v);
  if (t == actual) return true;
  return t == "number" && actual == "integer";
}

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool json_equal(const Doc& a, const Doc& b) {
  if (a.is_number() && b.is_number()) return a.as_double() == b.as_double();
  return a == b;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string o = "[";
  for (size_t i = 0; i < names.size(); ++i) o += (i ? "," : "") + std::string("\"") + names[i] + "\"";
  return o + "]";
}

struct Checker {
  const Doc& root;
  const SchemaResolver& resolve;
  Regex::Budget budget;
  uint64_t steps = 0;

  std::optional<std::string> fail(const std::string& ptr, const std::string& msg) {
    return msg + " (pointer: \"" + (ptr.empty() ? "" : ptr) + "\")";
  }

  const Doc* deref(const std::string& ref) {
    if (ref.rfind("#", 0) == 0) {
      const Doc* cur = &root;
      std::string_view p = std::string_view(ref).substr(1);
      while (!p.empty()) {
        if (p[0] == '/') p.remove_prefix(1);
        auto slash = p.find('/');
        std::string seg(p.substr(0, slash));
        for (size_t i; (i = seg.find("~1")) != std::string::npos;) seg.replace(i, 2, "/");
        for (size_t i; (i = seg.find("~0")) != std::string::npos;) seg.replace(i, 2, "~");
        cur = cur->is_map() ? cur->get(seg) : nullptr;
        if (!cur) return nullptr;
        if (slash == std::string_view::npos) break;
        p.remove_prefix(slash);
      }
      return cur;
    }
    return resolve ? resolve(ref) : nullptr;
  }

  std::optional<std::string> check(const Doc& s, const Doc& v, const std::string& ptr, int depth) {
    if (depth > kMaxDepth) return fail(ptr, "schema nesting too deep");
    if (++steps > kMaxSteps) return fail(ptr, "schema too complex to evaluate");
    if (!s.is_map()) return std::nullopt;
    if (const Doc* ref = s.get("$ref"); ref && ref->is_string()) {
      const Doc* target = deref(ref->as_string());
      if (!target) return fail(ptr, "unresolvable reference " + ref->as_string());
      return check(*target, v, ptr, depth + 1);
    }
    if (const Doc* t = s.get("type")) {
      bool ok = false;
      std::vector<std::string> wanted;
      if (t->is_string()) wanted.push_back(t->as_string());
      if (t->is_list())
        for (const Doc& x : t->as_list())
          if (x.is_string()) wanted.push_back(x.as_string());
      for (const auto& w : wanted) ok = ok || has_type(v, w);
      if (!ok && !wanted.empty())
        return fail(ptr, "instance type (" + type_name(v) + ") does not match any allowed primitive type (allowed: " +
                             quoted_list(wanted) + ")");
    }
    if (const Doc* e = s.get("enum"); e && e->is_list()) {
      bool ok = false;
      for (const Doc& x : e->as_list()) ok = ok || json_equal(x, v);
      if (!ok) return fail(ptr, "instance value (" + json::write(v) + ") not found in enum (possible values: " + json::write(*e) + ")");
    }
    for (const char* k : {"allOf", "anyOf", "oneOf"}) {
      const Doc* l = s.get(k);
      if (!l || !l->is_list()) continue;
      size_t matched = 0;
      for (const Doc& sub : l->as_list()) {
        auto r = check(sub, v, ptr, depth + 1);
        if (!r) ++matched;
        else if (std::string(k) == "allOf") return r;
      }
      if (std::string(k) == "anyOf" && matched == 0) return fail(ptr, "instance failed to match at least one required schema among " + std::to_string(l->size()));
      if (std::string(k) == "oneOf" && matched != 1) return fail(ptr, "instance failed to match exactly one schema (matched " + std::to_string(matched) + " out of " + std::to_string(l->size()) + ")");
    }
    if (const Doc* n = s.get("not"); n && n->is_map())
      if (!check(*n, v, ptr, depth + 1)) return fail(ptr, "instance matched a schema which it should not have");

    if (v.is_number()) {
      double x = v.as_double();
      if (const Doc* m = s.get("minimum"); m && m->is_number()) {
        bool excl = s.flag("exclusiveMinimum");
        if (excl ? x <= m->as_double() : x < m->as_double())
          return fail(ptr, "numeric instance is lower than the required minimum (minimum: " + json::write(*m) + ", found: " + json::write(v) + ")");
      }
      if (const Doc* m = s.get("maximum"); m && m->is_number()) {
        bool excl = s.flag("exclusiveMaximum");
        if (excl ? x >= m->as_double() : x > m->as_double())
          return fail(ptr, "numeric instance is greater than the required maximum (maximum: " + json::write(*m) + ", found: " + json::write(v) + ")");
      }
      if (const Doc* m = s.get("multipleOf"); m && m->is_number() && m->as_double() > 0) {
        double q = x / m->as_double();
        if (std::fabs(q - std::round(q)) > 1e-9) return fail(ptr, "remainder of division is not zero (divisor: " + json::write(*m) + ")");
      }
    }
    if (v.is_string()) {
      size_t len = code_points(v.as_string());
      if (const Doc* m = s.get("minLength"); m && m->is_number() && len < static_cast<size_t>(m->as_int()))
        return fail(ptr, "string \"" + v.as_string() + "\" is too short (length: " + std::to_string(len) + ", required minimum: " + std::to_string(m->as_int()) + ")");
      if (const Doc* m = s.get("maxLength"); m && m->is_number() && len > static_cast<size_t>(m->as_int()))
        return fail(ptr, "string \"" + v.as_string() + "\" is too long (length: " + std::to_string(len) + ", maximum allowed: " + std::to_string(m->as_int()) + ")");
      if (const Doc* p = s.get("pattern"); p && p->is_string()) {
        bool found = false;
        try {
          Regex re(p->as_string());
          Regex::Groups g;
          found = re.search(v.as_string(), 0, g, budget);
        } catch (const std::exception&) {
          return fail(ptr, "invalid or too costly regex pattern " + p->as_string());
        }
        if (!found) return fail(ptr, "ECMA 262 regex \"" + p->as_string() + "\" does not match input string \"" + v.as_string() + "\"");
      }
    }
    if (v.is_list()) {
      const auto& l = v.as_list();
      if (const Doc* m = s.get("minItems"); m && m->is_number() && l.size() < static_cast<size_t>(m->as_int()))
        return fail(ptr, "array is too short: must have at least " + std::to_string(m->as_int()) + " elements but instance has " + std::to_string(l.size()) + " elements");
      if (const Doc* m = s.get("maxItems"); m && m->is_number() && l.size() > static_cast<size_t>(m->as_int()))
        return fail(ptr, "array is too long: must have at most " + std::to_string(m->as_int()) + " elements but instance has " + std::to_string(l.size()) + " elements");
      if (s.flag("uniqueItems"))
        for (size_t i = 0; i < l.size(); ++i)
          for (size_t j = i + 1; j < l.size(); ++j)
            if (json_equal(l[i], l[j])) return fail(ptr, "array must not contain duplicate elements");
      if (const Doc* items = s.get("items")) {
        if (items->is_map()) {
          for (size_t i = 0; i < l.size(); ++i)
            if (auto r = check(*items, l[i], ptr + "/" + std::to_string(i), depth + 1)) return r;
        } else if (items->is_list()) {
          const auto& tuple = items->as_list();
          for (size_t i = 0; i < l.size() && i < tuple.size(); ++i)
            if (auto r = check(tuple[i], l[i], ptr + "/" + std::to_string(i), depth + 1)) return r;
          const Doc* extra = s.get("additionalItems");
          if (l.size() > tuple.size() && extra) {
            if (extra->is_bool() && !extra->as_bool())
              return fail(ptr, "array is too long: must have at most " + std::to_string(tuple.size()) + " elements but instance has " + std::to_string(l.size()) + " elements");
            if (extra->is_map())
              for (size_t i = tuple.size(); i < l.size(); ++i)
                if (auto r = check(*extra, l[i], ptr + "/" + std::to_string(i), depth + 1)) return r;
          }
        }
      }
    }
    if (v.is_map()) {
      const auto& m = v.as_map();
      if (const Doc* req = s.get("required"); req && req->is_list()) {
        std::vector<std::string> missing;
        for (const Doc& r : req->as_list())
          if (r.is_string() && !m.count(r.as_string())) missing.push_back(r.as_string());
        if (!missing.empty()) return fail(ptr, "object has missing required properties (" + quoted_list(missing) + ")");
      }
      if (const Doc* n = s.get("minProperties"); n && n->is_number() && m.size() < static_cast<size_t>(n->as_int()))
        return fail(ptr, "object has too few properties (found " + std::to_string(m.size()) + " but schema requires at least " + std::to_string(n->as_int()) + ")");
      if (const Doc* n = s.get("maxProperties"); n && n->is_number() && m.size() > static_cast<size_t>(n->as_int()))
        return fail(ptr, "object has too many properties (found " + std::to_string(m.size()) + " but schema requires at most " + std::to_string(n->as_int()) + ")");
      const Doc* props = s.get("properties");
      const Doc* pprops = s.get("patternProperties");
      const Doc* additional = s.get("additionalProperties");
      std::vector<std::string> unexpected;
      for (const auto& [k, x] : m) {
        bool covered = false;
        std::string child = ptr + "/" + k;
        if (props && props->is_map())
          if (const Doc* ps = props->get(k)) {
            covered = true;
            if (auto r = check(*ps, x, child, depth + 1)) return r;
          }
        if (pprops && pprops->is_map()) {
          for (const auto& [pat, ps] : pprops->as_map()) {
            bool hit = false;
            try {
              Regex re(pat);
              Regex::Groups g;
              hit = re.search(k, 0, g, budget);
            } catch (const std::exception&) {
              return fail(ptr, "invalid or too costly regex pattern " + pat);
            }
            if (!hit) continue;
            covered = true;
            if (auto r = check(ps, x, child, depth + 1)) return r;
          }
        }
        if (covered || !additional) continue;
        if (additional->is_bool() && !additional->as_bool()) unexpected.push_back(k);
        else if (additional->is_map())
          if (auto r = check(*additional, x, child, depth + 1)) return r;
      }
      if (!unexpected.empty())
        return fail(ptr, "object instance has properties which are not allowed by the schema: " + quoted_list(unexpected));
    }
    return std::nullopt;
  }
};

}  // namespace

std::optional<std::string> validate_schema(const Doc& schema, const Doc& value, const SchemaResolver& resolve) {
  Checker c{schema, resolve, {}, 0};
  return c.check(schema, value, "", 0);
}

}  // namespace stratus::apigateway
