// CloudWatch Logs filter patterns: one parser and matcher for FilterLogEvents, metric filters
// (PutMetricFilter, TestMetricFilter) and subscription filters. Pure: no storage, no service.
//
//   auto p = FilterPattern::parse("{ $.level = \"error\" && $.ms > 100 }", &err);
//   if (!p) throw invalid_parameter(...);          // err says what is wrong
//   FilterMatch m = p->match(message);             // m.matched, m.value("$.ms")
//
// The syntax, as AWS documents it ("Filter pattern syntax for metric filters, subscription
// filters, filter log events, and Live Tail"):
//   terms            ERROR  "exact phrase"  -excluded  ?any ?of ?these   (case-sensitive
//                    substrings; `" "` and the empty pattern match every event)
//   JSON             { $.a.b[0] = "x*" && ($.n >= 1e3 || $.flag IS TRUE) }  = != < > <= >=,
//                    IS NULL / IS TRUE / IS FALSE / NOT EXISTS, `*` wildcards, %regex% values;
//                    events that are not JSON never match; selectors on objects/arrays never match
//   space-delimited  [ip, user, ..., status = 4* || status = 500, bytes > 1000]  fields split on
//                    whitespace, "quoted" and [bracketed] text is one field; `...` any number
//   regex            %ERR.R%  AWS's subset: literals, . ^ $ ? * + {m,n} [a-z] [^..] | \d \w \s;
//                    no ( ) grouping, no multibyte characters, at most 2 per pattern
// Matching is linear in the event (the regex is an NFA simulation, no backtracking).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/doc.h"

namespace stratus::logs {

// One event's match against a pattern, and the values a metric transformation can read.
struct FilterMatch {
  bool matched = false;
  std::optional<Doc> json;  // the event parsed (JSON patterns)
  // What the pattern extracted, as TestMetricFilter reports it: "$name" per named
  // space-delimited field, "$.a.b" per JSON selector of the pattern that has a value.
  std::vector<std::pair<std::string, std::string>> fields;
  // "$.a.b[0]" from the JSON event, "$name" from a space-delimited field; nullopt when absent
  // (or an object/array). Numbers and booleans in their JSON text.
  std::optional<std::string> value(std::string_view ref) const;
};

class FilterPattern {
 public:
  // Parses a pattern (at most 1024 bytes are expected; longer input is parsed all the same).
  // Returns nullopt and sets *error to a short description of what is wrong.
  static std::optional<FilterPattern> parse(std::string_view pattern, std::string* error);

  bool matches(std::string_view message) const { return match(message).matched; }
  FilterMatch match(std::string_view message) const;

  // Whether the pattern is JSON or space-delimited (metric filter dimensions need one).
  bool structured() const;

  struct Impl;

 private:
  explicit FilterPattern(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// The pattern engine's regular expressions on their own (Logs Insights' `like /re/`): the same
// operators, linear-time search. `any_chars` lifts filter patterns' character restriction (spaces,
// punctuation); ( ) grouping stays unsupported. A leading "(?i)" makes the match case-insensitive.
class LogRegex {
 public:
  static std::optional<LogRegex> compile(std::string_view re, bool any_chars, std::string* error);
  bool search(std::string_view s) const;

 private:
  std::shared_ptr<const void> rx_;
  bool fold_ = false;
};

// Whether `ref` is a field reference a metric value or dimension may use: "$.a.b[0]" or "$name".
bool valid_field_reference(std::string_view ref);

}  // namespace stratus::logs
