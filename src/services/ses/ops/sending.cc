// Sending: v1 SendEmail, SendRawEmail, SendTemplatedEmail, SendBulkTemplatedEmail; v2 SendEmail
// (Simple, Raw, Template) and SendBulkEmail. Each composes or reads the MIME message and hands it
// to send() (state.h), the path every message takes.
#include "core/encoding.h"
#include "core/error.h"
#include "core/json.h"
#include "mail/mime.h"
#include "services/ses/errors.h"
#include "services/ses/ops.h"
#include "services/ses/ops/common.h"
#include "services/ses/schema.h"

namespace stratus::ses {
namespace {

constexpr size_t kMaxBulkDestinations = 50;

AwsError bad(Api api, std::string msg) {
  return api == Api::v1 ? stratus::errors::invalid_parameter_value(std::move(msg))
                        : v2::errors::bad_request(std::move(msg));
}

std::vector<std::pair<std::string, std::string>> tags_of(const Doc* list) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!list || list->type() != Doc::Type::list) return out;
  for (const Doc& t : list->as_list()) out.emplace_back(t.str("Name"), t.str("Value"));
  return out;
}

std::string data_of(const Doc* d, std::string_view member) {
  if (!d) return {};
  const Doc* x = d->get(member);
  if (!x) return {};
  return x->type() == Doc::Type::map ? x->str("Data") : x->type() == Doc::Type::string ? x->as_string() : std::string();
}

// A raw message: its recipients (the given list, else To, Cc and Bcc) and sender (the given one,
// else From).
void read_raw(Outgoing& m, const std::string& data, const std::vector<std::string>& destinations) {
  mime::Message parsed;
  try {
    parsed = mime::parse(data);
  } catch (const mime::Error& e) {
    throw bad(m.api, e.what());
  }
  if (m.source.empty()) m.source = parsed.header("From");
  if (m.source.empty()) throw bad(m.api, "Missing required header 'From'.");
  m.recipients = destinations;
  if (m.recipients.empty())
    for (const char* h : {"To", "Cc", "Bcc"})
      for (auto& a : mime::addresses(parsed.header(h))) m.recipients.push_back(std::move(a));
  // SES reads a configuration set from this header when the request names none.
  if (m.config_set.empty()) m.config_set = parsed.header("X-SES-CONFIGURATION-SET");
  m.raw = data;
  m.raw_api = true;
}

std::string send_now(OpContext& ctx, Outgoing m) {
  if (!ctx.transport.host.empty()) m.endpoint = "http://" + std::string(ctx.transport.host);
  return send(state(ctx), ctx.caller, ctx.now_ms, std::move(m));
}

Doc find_template(OpContext& ctx, const std::string& name, Api api) {
  auto t = state(ctx).get(schema::kTemplates.name, ctx.account(), ctx.region(), name);
  if (!t) {
    std::string msg = "Template " + name + " does not exist.";
    throw api == Api::v1 ? errors::template_does_not_exist(msg) : v2::errors::not_found(msg);
  }
  return *t;
}

// Renders a template into `m` (raw message); a failed rendering is kept in m.render_error (the
// send is answered with a MessageId and the failure is a Rendering Failure event, as SES does).
void render_into(Outgoing& m, const Doc& tmpl, const std::string& data, const Doc* destination,
                 const std::vector<std::string>& reply_to,
                 const std::vector<std::pair<std::string, std::string>>& extra_headers = {}) {
  RenderedParts r = render_parts(tmpl, data);
  if (r.bad_data) throw bad(m.api, r.error);
  m.template_name = tmpl.str("TemplateName");
  mime::Simple s;
  s.headers = composed_headers(m.source, destination, reply_to, r.error.empty() ? r.subject : "");
  for (const auto& h : extra_headers) s.headers.push_back(h);
  s.text = r.text;
  s.html = r.html;
  if (!r.error.empty()) m.render_error = r.error;
  m.raw = mime::build(s);
}

// v2 Attachments [{FileName, RawContent, ContentType, ContentDisposition, ContentId,
// ContentDescription}] as the builder's.
std::vector<mime::OutAttachment> attachments_of(const Doc* list) {
  std::vector<mime::OutAttachment> out;
  if (!list || list->type() != Doc::Type::list) return out;
  for (const Doc& a : list->as_list()) {
    mime::OutAttachment o;
    o.filename = a.str("FileName");
    if (a.has("ContentType")) o.content_type = a.str("ContentType");
    if (a.has("ContentDisposition")) o.disposition = enc::ascii_lower(a.str("ContentDisposition"));
    o.content_id = a.str("ContentId");
    o.description = a.str("ContentDescription");
    if (const Doc* raw = a.get("RawContent"); raw && raw->is_blob()) o.data = raw->as_blob().bytes;
    out.push_back(std::move(o));
  }
  return out;
}

const char* bulk_status(const std::string& code, Api api) {
  struct Row {
    const char *code, *v1, *v2;
  };
  static const Row rows[] = {
      {"MessageRejected", "MessageRejected", "MESSAGE_REJECTED"},
      {"ConfigurationSetDoesNotExist", "ConfigurationSetDoesNotExist", "CONFIGURATION_SET_NOT_FOUND"},
      {"NotFoundException", "ConfigurationSetDoesNotExist", "CONFIGURATION_SET_NOT_FOUND"},
      {"AccountSendingPausedException", "AccountSendingPaused", "ACCOUNT_SENDING_PAUSED"},
      {"ConfigurationSetSendingPausedException", "ConfigurationSetSendingPaused", "CONFIGURATION_SET_SENDING_PAUSED"},
      {"SendingPausedException", "AccountSendingPaused", "ACCOUNT_SENDING_PAUSED"},
      {"InvalidParameterValue", "InvalidParameterValue", "INVALID_PARAMETER"},
      {"BadRequestException", "InvalidParameterValue", "INVALID_PARAMETER"},
  };
  for (const auto& r : rows)
    if (code == r.code) return api == Api::v1 ? r.v1 : r.v2;
  return api == Api::v1 ? "Failed" : "FAILED";
}

}  // namespace

Doc send_email(OpContext& ctx, const Doc& in) {
  Outgoing m;
  m.source = in.str("Source");
  const Doc* dest = in.get("Destination");
  m.recipients = recipients_of(dest);
  const Doc* msg = in.get("Message");
  const Doc* body = msg ? msg->get("Body") : nullptr;
  mime::Simple s;
  s.headers = composed_headers(m.source, dest, strings_of(in.get("ReplyToAddresses")), data_of(msg, "Subject"));
  s.text = data_of(body, "Text");
  s.html = data_of(body, "Html");
  if (body && body->get("Text") && body->get("Text")->type() == Doc::Type::map)
    if (std::string cs = body->get("Text")->str("Charset"); !cs.empty()) s.charset = cs;
  m.raw = mime::build(s);
  m.config_set = in.str("ConfigurationSetName");
  m.tags = tags_of(in.get("Tags"));
  return answer("MessageId", send_now(ctx, std::move(m)));
}

Doc send_raw_email(OpContext& ctx, const Doc& in) {
  Outgoing m;
  m.source = in.str("Source");
  const Doc* raw = in.get("RawMessage");
  const Doc* data = raw ? raw->get("Data") : nullptr;
  std::string bytes = data && data->is_blob()                     ? data->as_blob().bytes
                      : data && data->type() == Doc::Type::string ? data->as_string()
                                                                  : "";
  m.config_set = in.str("ConfigurationSetName");
  read_raw(m, bytes, strings_of(in.get("Destinations")));
  m.tags = tags_of(in.get("Tags"));
  return answer("MessageId", send_now(ctx, std::move(m)));
}

Doc send_templated_email(OpContext& ctx, const Doc& in) {
  Outgoing m;
  m.source = in.str("Source");
  const Doc* dest = in.get("Destination");
  m.recipients = recipients_of(dest);
  m.config_set = in.str("ConfigurationSetName");
  m.tags = tags_of(in.get("Tags"));
  std::string name = in.str("Template");
  if (name.empty() && in.has("TemplateArn")) {
    std::string arn = in.str("TemplateArn");
    name = arn.substr(arn.rfind('/') + 1);
  }
  render_into(m, find_template(ctx, name, Api::v1), in.str("TemplateData"), dest,
              strings_of(in.get("ReplyToAddresses")));
  return answer("MessageId", send_now(ctx, std::move(m)));
}

Doc send_bulk_templated_email(OpContext& ctx, const Doc& in) {
  const Doc* dests = in.get("Destinations");
  size_t n = dests && dests->type() == Doc::Type::list ? dests->as_list().size() : 0;
  if (n > kMaxBulkDestinations) throw stratus::errors::invalid_parameter_value("Too many destinations (maximum 50).");
  Doc tmpl = find_template(ctx, in.str("Template"), Api::v1);
  Doc results = Doc::list();
  for (size_t i = 0; i < n; ++i) {
    const Doc& d = dests->as_list()[i];
    Outgoing m;
    m.source = in.str("Source");
    const Doc* dest = d.get("Destination");
    m.recipients = recipients_of(dest);
    m.config_set = in.str("ConfigurationSetName");
    m.tags = tags_of(in.get("DefaultTags"));
    for (auto& t : tags_of(d.get("ReplacementTags"))) m.tags.push_back(std::move(t));
    std::string data = d.str("ReplacementTemplateData");
    if (data.empty() || data == "{}") data = in.str("DefaultTemplateData");
    Doc r = Doc::map();
    try {
      render_into(m, tmpl, data, dest, strings_of(in.get("ReplyToAddresses")));
      r.set("MessageId", send_now(ctx, std::move(m)));
      r.set("Status", "Success");
    } catch (const AwsError& e) {
      r.set("Status", bulk_status(e.code, Api::v1));
      r.set("Error", e.message);
    }
    results.push(std::move(r));
  }
  return answer("Status", std::move(results));
}

Doc send_email_v2(OpContext& ctx, const Doc& in) {
  Outgoing m;
  m.api = Api::v2;
  m.source = in.str("FromEmailAddress");
  const Doc* dest = in.get("Destination");
  m.recipients = recipients_of(dest);
  m.config_set = in.str("ConfigurationSetName");
  m.tags = tags_of(in.get("EmailTags"));
  auto reply_to = strings_of(in.get("ReplyToAddresses"));
  const Doc* content = in.get("Content");
  const Doc* simple = content ? content->get("Simple") : nullptr;
  const Doc* raw = content ? content->get("Raw") : nullptr;
  const Doc* tmpl = content ? content->get("Template") : nullptr;
  if ((simple != nullptr) + (raw != nullptr) + (tmpl != nullptr) != 1)
    throw v2::errors::bad_request("Exactly one of Simple, Raw or Template content must be specified.");
  std::vector<std::pair<std::string, std::string>> extra;
  if (const Doc* hs = (simple ? simple : tmpl ? tmpl : content)->get("Headers"); hs && hs->type() == Doc::Type::list)
    for (const Doc& h : hs->as_list()) extra.emplace_back(h.str("Name"), h.str("Value"));
  if (simple) {
    if (m.source.empty()) throw v2::errors::bad_request("Missing required parameter: FromEmailAddress");
    const Doc* body = simple->get("Body");
    mime::Simple s;
    s.headers = composed_headers(m.source, dest, reply_to, data_of(simple, "Subject"));
    for (const auto& h : extra) s.headers.push_back(h);
    s.text = data_of(body, "Text");
    s.html = data_of(body, "Html");
    s.attachments = attachments_of(simple->get("Attachments"));
    m.raw = mime::build(s);
  } else if (raw) {
    const Doc* data = raw->get("Data");
    std::string bytes = data && data->is_blob() ? data->as_blob().bytes : "";
    std::vector<std::string> given = m.recipients;
    read_raw(m, bytes, given);
    m.raw_api = false;  // v2's limit is 40 MB
  } else {
    if (m.source.empty()) throw v2::errors::bad_request("Missing required parameter: FromEmailAddress");
    Doc t;
    if (const Doc* c = tmpl->get("TemplateContent")) {
      t = Doc::map();
      t.set("TemplateName", "");
      if (c->has("Subject")) t.set("SubjectPart", c->str("Subject"));
      if (c->has("Text")) t.set("TextPart", c->str("Text"));
      if (c->has("Html")) t.set("HtmlPart", c->str("Html"));
    } else {
      std::string name = tmpl->str("TemplateName");
      if (name.empty() && tmpl->has("TemplateArn")) {
        std::string arn = tmpl->str("TemplateArn");
        name = arn.substr(arn.rfind('/') + 1);
      }
      t = find_template(ctx, name, Api::v2);
    }
    render_into(m, t, tmpl->str("TemplateData"), dest, reply_to, extra);
  }
  return answer("MessageId", send_now(ctx, std::move(m)));
}

Doc send_bulk_email(OpContext& ctx, const Doc& in) {
  const Doc* entries = in.get("BulkEmailEntries");
  size_t n = entries && entries->type() == Doc::Type::list ? entries->as_list().size() : 0;
  if (n > kMaxBulkDestinations) throw v2::errors::bad_request("Too many bulk email entries (maximum 50).");
  const Doc* def = in.get("DefaultContent");
  const Doc* tmpl = def ? def->get("Template") : nullptr;
  if (!tmpl) throw v2::errors::bad_request("DefaultContent.Template is required.");
  std::string name = tmpl->str("TemplateName");
  if (name.empty() && tmpl->has("TemplateArn"))
    name = tmpl->str("TemplateArn").substr(tmpl->str("TemplateArn").rfind('/') + 1);
  Doc t;
  if (const Doc* c = tmpl->get("TemplateContent")) {
    t = Doc::map();
    if (c->has("Subject")) t.set("SubjectPart", c->str("Subject"));
    if (c->has("Text")) t.set("TextPart", c->str("Text"));
    if (c->has("Html")) t.set("HtmlPart", c->str("Html"));
  } else {
    t = find_template(ctx, name, Api::v2);
  }
  Doc results = Doc::list();
  for (size_t i = 0; i < n; ++i) {
    const Doc& e = entries->as_list()[i];
    Outgoing m;
    m.api = Api::v2;
    m.source = in.str("FromEmailAddress");
    const Doc* dest = e.get("Destination");
    m.recipients = recipients_of(dest);
    m.config_set = in.str("ConfigurationSetName");
    m.tags = tags_of(in.get("DefaultEmailTags"));
    for (auto& x : tags_of(e.get("ReplacementTags"))) m.tags.push_back(std::move(x));
    std::string data;
    if (const Doc* rc = e.get("ReplacementEmailContent"))
      if (const Doc* rt = rc->get("ReplacementTemplate")) data = rt->str("ReplacementTemplateData");
    if (data.empty() || data == "{}") data = tmpl->str("TemplateData");
    Doc r = Doc::map();
    try {
      render_into(m, t, data, dest, strings_of(in.get("ReplyToAddresses")));
      r.set("MessageId", send_now(ctx, std::move(m)));
      r.set("Status", "SUCCESS");
    } catch (const AwsError& err) {
      r.set("Status", bulk_status(err.code, Api::v2));
      r.set("Error", err.message);
    }
    results.push(std::move(r));
  }
  return answer("BulkEmailEntryResults", std::move(results));
}

}  // namespace stratus::ses
