// A small backtracking regular-expression engine for the Java regex subset that API Gateway's
// mapping templates (vtl/) and models, and SSM's AllowedPattern, use; in templates:
// String.replaceAll/replaceFirst/split/matches: literals, '.', classes ([a-z], [^...], \d \w \s \D \W \S, escapes),
// anchors ^ $ \b \B, groups ( ), (?: ), alternation, greedy and lazy quantifiers * + ? {n} {n,} {n,m}, back-references
// \1..\9.
//
// Why not std::regex: it can neither be bounded in time (catastrophic backtracking) nor in stack
// depth, and templates are user input. Here every step counts against a budget the caller owns
// (RegexError when exhausted) and recursion depth is capped; single-character repetitions
// (".*", "\s+", "[a-z]{2,5}") loop without recursing, so long subjects stay cheap.
// Matching works on bytes: '.' and classes see UTF-8 bytes, not characters.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stratus {

// A malformed pattern, an exhausted budget, a Java exception of the String methods.
struct RegexError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Regex {
 public:
  // Throws RegexError ("PatternSyntaxException") on a malformed pattern.
  explicit Regex(std::string_view pattern);
  ~Regex();
  Regex(Regex&&) noexcept;

  struct Budget {
    uint64_t steps = 0;
    uint64_t max_steps = 1'000'000;
  };
  using Groups = std::vector<std::pair<int64_t, int64_t>>;  // [start, end) per group; -1 unset

  // The first match starting at or after `from`; groups[0] is the whole match.
  bool search(std::string_view s, size_t from, Groups& groups, Budget& budget) const;
  bool full_match(std::string_view s, Budget& budget) const;
  int group_count() const;

  // Java's String methods on top of search().
  std::string replace(std::string_view s, std::string_view replacement, bool all, Budget& budget) const;
  std::vector<std::string> split(std::string_view s, Budget& budget) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stratus
