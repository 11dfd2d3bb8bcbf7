#include "server/context.h"
#include "services/events/ops.h"
#include "storage/engine.h"

namespace stratus::events {

State& state(OpContext& ctx) {
  return state_of(ctx.server);
}

AwsError no_bus(std::string_view name) {
  return errors::resource_not_found("Event bus " + std::string(name) + " does not exist.");
}

AwsError no_rule(std::string_view name, std::string_view bus) {
  return errors::resource_not_found("Rule " + std::string(name) + " does not exist on EventBus " + std::string(bus) +
                                    ".");
}

void check_pattern(State& st, const std::string& text) {
  std::string err;
  auto p = st.compile(text, &err);
  if (!p) throw errors::invalid_event_pattern("Event pattern is not valid. Reason: " + err);
  if (size_t n = p->or_combinations(); n > 1000)
    throw errors::invalid_event_pattern(
        "Event pattern is not valid. Reason: The event pattern has too many $or "
        "combinations (" +
        std::to_string(n) + "); the maximum is 1000.");
}

void check_name(const std::string& value, std::string_view member, bool slash) {
  const char* ok = slash ? "/.-_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                         : ".-_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  if (!value.empty() && value.find_first_not_of(ok) == std::string::npos) return;
  throw errors::validation("1 validation error detected: Value '" + value + "' at '" + std::string(member) +
                           "' failed to satisfy constraint: Member must satisfy regular expression pattern: " +
                           (slash ? "[/\\.\\-_A-Za-z0-9]+" : "[\\.\\-_A-Za-z0-9]+"));
}

std::string existing_bus(OpContext& ctx, const Doc& in, std::string_view member) {
  std::string raw = in.str(member);
  std::string name = bus_name_of(raw);
  if (!state(ctx).bus(ctx.account(), ctx.region(), name)) throw no_bus(name);
  return name;
}

}  // namespace stratus::events
