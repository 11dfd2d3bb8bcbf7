#include "services/sns/message.h"

#include <cctype>
#include <charconv>

#include "core/encoding.h"
#include "core/json.h"
#include "services/sns/checks.h"
#include "services/sns/errors.h"

namespace stratus::sns {

bool valid_attribute_name(std::string_view n) {
  if (n.empty() || n.size() > 256 || n.front() == '.' || n.back() == '.' || n.find("..") != std::string_view::npos)
    return false;
  for (char c : n) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  auto lower_prefix = [&](std::string_view pre) {
    if (n.size() < pre.size()) return false;
    for (size_t i = 0; i < pre.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(n[i])) != pre[i]) return false;
    return true;
  };
  return !lower_prefix("aws.") && !lower_prefix("amazon.");
}

std::vector<MsgAttr> parse_message_attributes(const Doc* map) {
  std::vector<MsgAttr> out;
  if (!map || !map->is_map()) return out;
  if (map->size() > 10) throw invalid_parameter("MessageAttributes: Too many message attributes (maximum 10)");
  for (const auto& [name, v] : map->as_map()) {
    MsgAttr a;
    a.name = name;
    a.type = v.str("DataType");
    if (!valid_attribute_name(name))
      throw invalid_parameter("MessageAttributes Reason: Message attribute name '" + name +
                              "' is invalid. Names may "
                              "contain 1-256 characters of A-Z, a-z, 0-9, '_', '-' and '.', must not start or end with "
                              "'.' nor contain '..', and must not start with 'AWS.' or 'Amazon.'");
    std::string_view base = std::string_view(a.type).substr(0, a.type.find('.'));
    if (a.type != "String.Array" && base != "String" && base != "Number" && base != "Binary") {
      throw errors::invalid_parameter_value("The message attribute '" + name +
                       "' has an invalid message attribute type, the set of supported type prefixes is Binary, "
                       "Number, and String.");
    }
    if (base == "Binary") {
      const Doc* b = v.get("BinaryValue");
      if (!b || !b->is_blob()) {
        throw errors::invalid_parameter_value("The message attribute '" + name +
                                              "' with type 'Binary' must use field 'Binary'.");
      }
      a.value = b->as_blob().bytes;
    } else {
      const Doc* s = v.get("StringValue");
      if (!s || !s->is_string()) {
        throw errors::invalid_parameter_value("The message attribute '" + name +
                                              "' must contain non-empty message attribute value for message "
                                              "attribute type '" + std::string(base) + "'.");
      }
      a.value = s->as_string();
      // Only XML characters travel: a string SQS or an HTTP subscriber cannot decode would
      // poison every queue it is delivered to.
      if (enc::first_non_xml_char(a.value) || enc::first_non_xml_char(a.type)) {
        throw errors::invalid_parameter_value("The message attribute '" + name +
                         "' contains characters outside the allowed set.");
      }
      if (base == "Number") {
        double d = 0;
        auto r = std::from_chars(a.value.data(), a.value.data() + a.value.size(), d);
        if (r.ec != std::errc() || r.ptr != a.value.data() + a.value.size()) {
          throw errors::invalid_parameter_value("Could not cast message attribute '" + name + "' value to number.");
        }
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

Doc attrs_to_doc(const std::vector<MsgAttr>& attrs) {
  Doc l = Doc::list();
  for (const auto& a : attrs) {
    Doc d = Doc::map();
    d.set("n", a.name);
    d.set("t", a.type);
    d.set("v", a.type.rfind("Binary", 0) == 0 ? enc::base64_encode(a.value) : a.value);
    l.push(std::move(d));
  }
  return l;
}

std::vector<MsgAttr> attrs_from_doc(const Doc* l) {
  std::vector<MsgAttr> out;
  if (!l || !l->is_list()) return out;
  for (const auto& d : l->as_list()) {
    MsgAttr a{d.str("n"), d.str("t"), d.str("v")};
    if (a.type.rfind("Binary", 0) == 0) a.value = enc::base64_decode(a.value).value_or("");
    out.push_back(std::move(a));
  }
  return out;
}

Doc filter_view(const std::vector<MsgAttr>& attrs) {
  Doc d = Doc::map();
  for (const auto& a : attrs) {
    if (a.type.rfind("Binary", 0) == 0) continue;
    if (a.type.rfind("Number", 0) == 0) {
      double v = 0;
      std::from_chars(a.value.data(), a.value.data() + a.value.size(), v);
      d.set(a.name, round_number(v));
    } else if (a.type == "String.Array") {
      // An array's elements are matched one by one (numbers numerically); a value that is not a
      // JSON array is matched as the string it is.
      auto list = parse_json(a.value);
      if (list && list->is_list()) {
        round_numbers(*list);
        d.set(a.name, std::move(*list));
      } else {
        d.set(a.name, a.value);
      }
    } else {
      d.set(a.name, a.value);
    }
  }
  return d;
}

std::string Published::payload() const {
  Doc d = Doc::map();
  d.set("topic", topic_arn);
  d.set("id", message_id);
  d.set("subject", subject);
  d.set("message", message);
  d.set("attrs", attrs_to_doc(attrs));
  d.set("group", group_id);
  d.set("dedup", dedup_id);
  d.set("ts", timestamp_ms);
  d.set("seq", static_cast<int64_t>(sequence));
  d.set("host", host);
  if (!done.empty()) {
    Doc l = Doc::list();
    for (const auto& a : done) l.push(a);
    d.set("done", std::move(l));
  }
  return json::write(d);
}

Published Published::from(const std::string& payload) {
  Doc d = json::parse(payload);
  Published p;
  p.topic_arn = d.str("topic");
  p.message_id = d.str("id");
  p.subject = d.str("subject");
  if (const Doc* m = d.get("message")) p.message = *m;
  p.attrs = attrs_from_doc(d.get("attrs"));
  p.group_id = d.str("group");
  p.dedup_id = d.str("dedup");
  p.timestamp_ms = d.integer("ts");
  p.sequence = static_cast<uint64_t>(d.integer("seq"));
  p.host = d.str("host");
  if (const Doc* l = d.get("done"); l && l->is_list())
    for (const auto& a : l->as_list()) p.done.insert(a.as_string());
  return p;
}

std::string Published::text_for(const std::string& protocol) const {
  if (message.is_string()) return message.as_string();
  if (const Doc* v = message.get(protocol); v && v->is_string()) return v->as_string();
  return message.str("default");
}

}  // namespace stratus::sns
