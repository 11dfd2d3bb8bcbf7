// Helpers the SES handlers share.
#pragma once

#include <string>
#include <vector>

#include "core/doc.h"
#include "services/ses/state.h"

namespace stratus::ses {

// The strings of a list member (absent: empty).
std::vector<std::string> strings_of(const Doc* list);
// A template's three parts rendered with `data` (TemplateData text). On failure `error` is set
// (and `missing` names the absent attribute); a TemplateData that is not a JSON object sets
// `bad_data`.
struct RenderedParts {
  std::string subject, text, html, error, missing;
  bool bad_data = false;
};
RenderedParts render_parts(const Doc& tmpl, const std::string& data);
// The message as TestRenderTemplate answers it (MIME text with the Subject).
std::string rendered_mime(const RenderedParts& r);
// The headers SES composes: From, Reply-To, To, Cc, Subject (Bcc is not written).
std::vector<std::pair<std::string, std::string>> composed_headers(const std::string& from, const Doc* destination,
                                                                  const std::vector<std::string>& reply_to,
                                                                  const std::string& subject);
// Every recipient of a Destination {ToAddresses, CcAddresses, BccAddresses}.
std::vector<std::string> recipients_of(const Doc* destination);

}  // namespace stratus::ses
