// The model's `pattern` constraints (names, ARNs, client tokens), which the shared validation
// (protocol/validate.h) does not check: AWS answers ValidationException in its usual wording.
#include <map>
#include <memory>
#include <mutex>

#include "core/regex.h"
#include "services/scheduler/ops.h"

namespace stratus::scheduler {

namespace {

// A compiled pattern per pattern text (nullptr: outside core/regex.h's subset, not checked).
const Regex* compiled(const std::string& pattern) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Regex>> cache;
  std::lock_guard lk(mu);
  auto it = cache.find(pattern);
  if (it == cache.end()) {
    std::unique_ptr<Regex> re;
    try {
      re = std::make_unique<Regex>(pattern);
    } catch (const RegexError&) {
    }
    it = cache.emplace(pattern, std::move(re)).first;
  }
  return it->second.get();
}

void walk(const model::Shape& s, const Doc& d, const std::string& path, std::vector<std::string>& errs) {
  if (s.type == model::ShapeType::string && d.is_string() && !s.pattern.empty()) {
    const Regex* re = compiled(s.pattern);
    Regex::Budget budget;
    bool ok = true;
    try {
      ok = !re || re->full_match(d.as_string(), budget);
    } catch (const RegexError&) {
    }
    if (!ok)
      errs.push_back("Value '" + d.as_string() + "' at '" + path +
                     "' failed to satisfy constraint: Member must satisfy regular expression pattern: " + s.pattern);
  } else if (s.type == model::ShapeType::structure && d.is_map()) {
    for (const auto& m : s.members) {
      const Doc* v = d.get(m.name);
      if (!v || !m.shape) continue;
      std::string name = m.name;
      if (!name.empty() && name[0] >= 'A' && name[0] <= 'Z') name[0] = static_cast<char>(name[0] - 'A' + 'a');
      walk(*m.shape, *v, path.empty() ? name : path + "." + name, errs);
    }
  } else if (s.type == model::ShapeType::list && d.is_list() && s.member.shape) {
    size_t i = 0;
    for (const auto& e : d.as_list()) walk(*s.member.shape, e, path + "." + std::to_string(++i) + ".member", errs);
  }
}

}  // namespace

void check_patterns(OpContext& ctx, const Doc& in) {
  if (!ctx.op.input) return;
  std::vector<std::string> errs;
  walk(*ctx.op.input, in, "", errs);
  if (errs.empty()) return;
  std::string msg = std::to_string(errs.size()) +
                    (errs.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < errs.size(); ++i) msg += (i ? "; " : "") + errs[i];
  throw errors::validation(msg);
}

}  // namespace stratus::scheduler
