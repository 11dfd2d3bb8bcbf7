// Event patterns: the JSON matching language shared by SNS filter policies, EventBridge rules and
// Lambda event-source filters.
//
// A pattern is a JSON object. Each key names a field of the event; its value is either an array
// of rules (the field matches when any rule matches) or an object (a nested pattern for a nested
// field). Every key must match (AND). "$or": [pattern, ...] matches when any alternative does.
// Rules:
//   "text", 12.5, true, null          exact match (numbers compare numerically)
//   {"prefix": "a"}  {"suffix": "z"}   also {"prefix": {"equals-ignore-case": "a"}}
//   {"equals-ignore-case": "A"}
//   {"wildcard": "img-*.png"}
//   {"anything-but": "x" | 5 | ["x", 5] | {"prefix": "x"} | {"suffix": "x"} |
//                    {"equals-ignore-case": "x" | ["x"]} | {"wildcard": "x*"}}
//   {"numeric": [">", 0, "<=", 5]}     one or two comparisons; "=" alone
//   {"exists": true | false}           false also matches when the field is absent
//   {"cidr": "10.0.0.0/24"}            IPv4 or IPv6 address in the range
// When the event value is an array, the field matches when any element does.
//
// Thread safety: a compiled Pattern is immutable; match() may run concurrently.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/doc.h"

namespace stratus::events::pattern {

struct Rule;
struct Node;

class Pattern {
 public:
  // Compiles a pattern from its JSON text. On failure returns nullopt and sets *error to a
  // short reason ("Unrecognized match type prefx"); callers prefix their own wording.
  static std::optional<Pattern> parse(std::string_view json_text, std::string* error);
  // The same from an already parsed document.
  static std::optional<Pattern> compile(const Doc& pattern, std::string* error);

  // Whether the event (a JSON document: map at the top) matches.
  bool match(const Doc& event) const;
  // Number of leaf rule values across the pattern (SNS limits the combinations).
  size_t complexity() const;
  // The rules the pattern's "$or"s expand to (the product of every "$or"'s alternatives, each
  // expanded): EventBridge refuses patterns of more than 1000.
  size_t or_combinations() const;

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace stratus::events::pattern
