// EventBridge's target input: the event as JSON text, InputPath extraction and InputTransformer
// rendering (pure functions, no state; unit tests in tests/unit/services/events, fuzzed by
// fuzz_events_transform).
//
// JSON is handled as text with member order kept (what a target receives is the event as it was
// written, not a re-sorted document). Paths are JSONPath's simple subset that EventBridge
// accepts: "$", "$.a.b", "$.a[0]", "$['a b']", "$.detail.list[2].x".
//
// InputTemplate rendering, as EventBridge does it:
// - `<name>` is replaced when `name` is a key of InputPathsMap or one of the reserved names
//   aws.events.rule-arn, aws.events.rule-name, aws.events.event.ingestion-time,
//   aws.events.event (the event without "detail") and aws.events.event.json (the whole event);
//   any other `<...>` text stays as it is.
// - Inside a JSON string of the template ("msg": "x <v> y") a string value goes in without its
//   quotes and without escaping (AWS does not escape extracted values); outside a string
//   ("k": <v>) it goes in as a JSON value (strings quoted).
// - A path that names nothing in the event gives "" inside a string and null outside.
// - A result that is valid JSON is delivered compact (member order kept); other text as rendered.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace stratus::events::transform {

// Compact JSON of `text` (member order kept), or nullopt when it is not one valid JSON value.
std::optional<std::string> minify(std::string_view text);
// Whether `text` is one JSON object.
bool is_json_object(std::string_view text);
// Whether `path` is a JSONPath of the accepted subset.
bool valid_path(std::string_view path);
// The value at `path` in the JSON document `json`, as compact JSON; nullopt when absent (or
// when the path or the document is not valid).
std::optional<std::string> extract(std::string_view json, std::string_view path);
// The event without its "detail" member (<aws.events.event>).
std::string without_detail(std::string_view event_json);

struct Context {
  std::string rule_arn, rule_name, ingestion_time;  // ingestion time: RFC 3339 UTC
};

// The target input an InputTransformer makes of `event_json`.
std::string render(std::string_view input_template, const std::map<std::string, std::string>& paths,
                   std::string_view event_json, const Context& ctx);

}  // namespace stratus::events::transform
