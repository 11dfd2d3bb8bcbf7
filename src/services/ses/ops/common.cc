#include "services/ses/ops/common.h"

#include "core/json.h"
#include "mail/mime.h"
#include "services/ses/template.h"

namespace stratus::ses {

std::vector<std::string> strings_of(const Doc* list) {
  std::vector<std::string> out;
  if (!list || list->type() != Doc::Type::list) return out;
  for (const Doc& d : list->as_list())
    if (d.type() == Doc::Type::string) out.push_back(d.as_string());
  return out;
}

RenderedParts render_parts(const Doc& tmpl, const std::string& data) {
  RenderedParts r;
  Doc d;
  try {
    d = json::parse(data.empty() ? "{}" : data);
  } catch (const std::exception&) {
    r.bad_data = true;
  }
  if (r.bad_data || d.type() != Doc::Type::map) {
    r.bad_data = true;
    r.error = "Template data must be a valid JSON object.";
    return r;
  }
  struct Slot {
    const char* name;
    std::string* out;
  };
  for (Slot s : {Slot{"SubjectPart", &r.subject}, Slot{"TextPart", &r.text}, Slot{"HtmlPart", &r.html}}) {
    Rendered x = render_template(tmpl.str(s.name), d);
    if (!x.error.empty()) {
      r.error = x.error;
      r.missing = x.missing;
      return r;
    }
    *s.out = std::move(x.text);
  }
  return r;
}

std::string rendered_mime(const RenderedParts& r) {
  mime::Simple s;
  s.headers.emplace_back("Subject", r.subject);
  s.text = r.text;
  s.html = r.html;
  return mime::build(s);
}

std::vector<std::pair<std::string, std::string>> composed_headers(const std::string& from, const Doc* destination,
                                                                  const std::vector<std::string>& reply_to,
                                                                  const std::string& subject) {
  std::vector<std::pair<std::string, std::string>> h;
  auto joined = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  h.emplace_back("From", from);
  if (!reply_to.empty()) h.emplace_back("Reply-To", joined(reply_to));
  if (destination) {
    if (auto to = strings_of(destination->get("ToAddresses")); !to.empty()) h.emplace_back("To", joined(to));
    if (auto cc = strings_of(destination->get("CcAddresses")); !cc.empty()) h.emplace_back("Cc", joined(cc));
  }
  h.emplace_back("Subject", subject);
  return h;
}

std::vector<std::string> recipients_of(const Doc* destination) {
  std::vector<std::string> out;
  if (!destination) return out;
  for (const char* k : {"ToAddresses", "CcAddresses", "BccAddresses"})
    for (auto& a : strings_of(destination->get(k))) out.push_back(std::move(a));
  return out;
}

}  // namespace stratus::ses
