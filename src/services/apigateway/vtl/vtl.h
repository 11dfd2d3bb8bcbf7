// A Velocity Template Language engine of our own, reproducing Apache Velocity 1.7 as API
// Gateway's mapping templates (and AWS's docs) exercise it.
//
// Supported: references ($a, $a.b, $a.b(x), $a[0], ${a}, quiet $!a; a null reference renders its
// own source text, a quiet one nothing), #set (a null right-hand side leaves the variable
// unchanged, as in Velocity 1.7), #if/#elseif/#else, #foreach with $foreach.index/.count/
// .hasNext/.first/.last and $velocityCount, #break, #stop, #define, #macro and macro calls,
// comments (## and #* *#), unparsed #[[ ]]#, escaping with '\', string literals ("..."
// interpolated, '...' literal, doubled quotes, no backslash escapes), integer/float/boolean
// literals, lists, maps, ranges [1..3], the arithmetic/logical/relational operators (also
// spelled and/or/not/eq/ne/lt/gt/le/ge), and methods of Java's String, List and Map.
//
// Whitespace follows Velocity 1.7: a directive followed by only blanks up to the end of line
// swallows that line end; #set also swallows the blanks before it.
//
// Bounds: rendering stops with RenderError when the output or the work (loop iterations,
// evaluations) exceeds Limits, so hostile templates can neither hang nor exhaust memory.
// Java exceptions (bad regex, index out of range) also become RenderError; API Gateway answers
// those with a 500.
//
// Thread safety: a parsed Template is immutable and may be rendered concurrently; a Context
// belongs to one rendering.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/regex.h"
#include "services/apigateway/vtl/value.h"

namespace stratus::apigateway::vtl {

struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Regex failures (core/regex.h) are render errors too: one type.
using RenderError = RegexError;
using stratus::Regex;

struct Limits {
  size_t max_output = 10u << 20;       // bytes written (all buffers together)
  uint64_t max_steps = 5'000'000;      // nodes + expressions + loop iterations evaluated
  int max_depth = 64;                  // macro / interpolation nesting
  size_t max_regex_subject = 32768;    // longer subjects of regex methods are refused
};

struct Template;  // the parsed form (vtl.cc)

// Parses source. Throws ParseError (with the offset) when it is not a valid template.
std::shared_ptr<const Template> parse(std::string_view source);

// The variables a template sees ($input, $util, $context, ...). #set writes here.
struct Context {
  std::unordered_map<std::string, Value> vars;
};

// Renders t with ctx. Throws RenderError (limits, Java exceptions).
std::string render(const Template& t, Context& ctx, const Limits& limits = {});

// parse + render in one step (tests, fuzzing).
std::string evaluate(std::string_view source, Context& ctx, const Limits& limits = {});

}  // namespace stratus::apigateway::vtl
