// SES templates: the Handlebars subset SES renders (SES developer guide, "Advanced email
// personalization"): {{var}}, nested {{a.b}}, {{{var}}}, {{this}}, {{@index}} / {{@key}} /
// {{@first}} / {{@last}}, {{../var}}, {{#if}} / {{#unless}} / {{#each}} / {{#with}} with
// {{else}}, comments {{! }} / {{!-- --}}, inline partials {{#* inline "n"}}...{{/inline}} used
// as {{> n}}. SES does not HTML-escape values. A plain substitution whose value is absent from the
// data is an error (SES: MissingRenderingAttribute / "Rendering Failure"); a block tests absent
// values as false. Bounded: nesting depth 64, output 10 MB, partial recursion 16. Fuzzed by
// fuzz_ses_template.
//
//   auto out = ses::render_template("Hi {{name}}", json::parse(R"({"name":"Ann"})"));
//   if (!out.error.empty()) ...   // out.missing: the absent attribute, when that is the cause
#pragma once

#include <string>
#include <string_view>

#include "core/doc.h"

namespace stratus::ses {

struct Rendered {
  std::string text;
  std::string error;    // "" when rendered
  std::string missing;  // the attribute that was not in the data (error set too)
};

Rendered render_template(std::string_view tmpl, const Doc& data);

}  // namespace stratus::ses
