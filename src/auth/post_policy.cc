#include "auth/post_policy.h"

#include <algorithm>
#include <limits>

#include "auth/sigv2.h"
#include "auth/sigv4.h"
#include "core/doc.h"
#include "core/encoding.h"
#include "core/json.h"

namespace stratus::auth {
namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

AwsError invalid_policy(std::string_view detail) {
  return AwsError("InvalidPolicyDocument", "Invalid Policy: " + std::string(detail), 400);
}

AwsError policy_denied(std::string_view detail) {
  return AwsError("AccessDenied", "Invalid according to Policy: " + std::string(detail), 403);
}

// S3 prints a condition as JSON with ", " between the members.
std::string condition_text(std::string_view op, std::string_view field, std::string_view value) {
  return "[\"" + json::escape(op) + "\", \"$" + json::escape(field) + "\", \"" + json::escape(value) + "\"]";
}

// A condition's value: JSON strings as they are, numbers (success_action_status: 201) as text.
std::optional<std::string> scalar(const Doc& d) {
  if (d.is_string()) return d.as_string();
  if (d.is_int()) return std::to_string(d.as_int());
  return std::nullopt;
}

std::optional<int64_t> length_bound(const Doc& d) {
  if (d.is_int()) return d.as_int();
  if (d.is_string()) {
    const std::string& s = d.as_string();
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return std::stoll(s);
  }
  return std::nullopt;
}

// Fields no condition has to name.
bool exempt(std::string_view name) {
  return iequals(name, "policy") || iequals(name, "x-amz-signature") || iequals(name, "signature") ||
         iequals(name, "awsaccesskeyid") || iequals(name, "file") ||
         (name.size() >= 9 && iequals(name.substr(0, 9), "x-ignore-"));
}

std::string strip_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') out += c;
  return out;
}

}  // namespace

const std::string* form_field(const FormFields& fields, std::string_view name) {
  for (const auto& [k, v] : fields)
    if (iequals(k, name)) return &v;
  return nullptr;
}

AwsError post_field_missing(std::string_view name) {
  AwsError e("InvalidArgument",
             "Bucket POST must contain a field named '" + std::string(name) +
                 "'.  If it is specified, please check the order of the fields.",
             400);
  e.extra_json = json::write(Doc(DocMap{{"ArgumentName", Doc(name)}, {"ArgumentValue", Doc("")}}));
  return e;
}

PostPolicy parse_post_policy(std::string_view policy_base64) {
  std::optional<std::string> text = enc::base64_decode(strip_whitespace(policy_base64));
  if (!text) throw invalid_policy("Invalid Base64 Encoding.");
  Doc doc;
  try {
    doc = json::parse(*text);
  } catch (const AwsError&) {
    throw invalid_policy("Invalid JSON.");
  }
  if (!doc.is_map()) throw invalid_policy("Invalid JSON.");
  PostPolicy p;
  const Doc* expiration = doc.get("expiration");
  if (!expiration) throw invalid_policy("Policy missing expiration.");
  std::optional<int64_t> t = expiration->is_string() ? enc::parse_iso8601(expiration->as_string()) : std::nullopt;
  if (!t) {
    std::string shown = expiration->is_string() ? expiration->as_string() : json::write(*expiration);
    throw invalid_policy("Invalid 'expiration' value: '" + shown + "'");
  }
  p.expiration_ms = *t;
  const Doc* conditions = doc.get("conditions");
  if (!conditions) throw invalid_policy("Policy missing conditions.");
  if (!conditions->is_list()) throw invalid_policy("Invalid 'conditions' value: must be a list.");
  for (const Doc& c : conditions->as_list()) {
    if (c.is_map()) {
      // {"key": "value"}: an exact match.
      if (c.as_map().empty())
        throw invalid_policy("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.");
      for (auto it = c.as_map().begin(); it != c.as_map().end(); ++it) {
        std::optional<std::string> v = scalar(it->second);
        if (!v) throw invalid_policy("Invalid Simple-Condition: value must be a string.");
        std::string field = it->first;
        if (!field.empty() && field.front() == '$') field.erase(0, 1);
        PostPolicy::Condition cond;
        cond.kind = PostPolicy::Condition::Kind::eq;
        cond.text = condition_text("eq", field, *v);
        cond.field = lower(field);
        cond.value = std::move(*v);
        p.conditions.push_back(std::move(cond));
      }
      continue;
    }
    if (!c.is_list() || c.as_list().empty() || !c.as_list()[0].is_string())
      throw invalid_policy("Invalid Condition: " + json::write(c));
    const DocList& l = c.as_list();
    std::string op = lower(l[0].as_string());
    PostPolicy::Condition cond;
    if (op == "content-length-range") {
      std::optional<int64_t> lo = l.size() == 3 ? length_bound(l[1]) : std::nullopt;
      std::optional<int64_t> hi = l.size() == 3 ? length_bound(l[2]) : std::nullopt;
      if (!lo || !hi || *lo < 0 || *hi < 0)
        throw invalid_policy("Invalid content-length-range condition: " + json::write(c));
      cond.kind = PostPolicy::Condition::Kind::length_range;
      cond.field = "content-length";
      cond.min = *lo;
      cond.max = *hi;
      cond.text = json::write(c);
      p.conditions.push_back(std::move(cond));
      continue;
    }
    if (op != "eq" && op != "starts-with") throw invalid_policy("Invalid Condition: " + json::write(c));
    if (l.size() != 3 || !l[1].is_string() || !scalar(l[2]))
      throw invalid_policy("Invalid Condition: " + json::write(c));
    std::string field = l[1].as_string();
    if (field.empty() || field.front() != '$')
      throw invalid_policy("Invalid Condition: Condition field name must start with a '$': " + json::write(c));
    field.erase(0, 1);
    cond.kind = op == "eq" ? PostPolicy::Condition::Kind::eq : PostPolicy::Condition::Kind::starts_with;
    cond.value = *scalar(l[2]);
    cond.text = condition_text(op, field, cond.value);
    cond.field = lower(field);
    p.conditions.push_back(std::move(cond));
  }
  return p;
}

void check_post_policy(const PostPolicy& policy, const FormFields& fields, std::string_view bucket, int64_t now_ms) {
  if (now_ms > policy.expiration_ms) throw policy_denied("Policy expired.");
  for (const PostPolicy::Condition& c : policy.conditions) {
    if (c.kind == PostPolicy::Condition::Kind::length_range) continue;
    std::string_view value;
    if (c.field == "bucket") {
      value = bucket;
    } else if (const std::string* v = form_field(fields, c.field)) {
      value = *v;  // a missing field is the empty string
    }
    bool ok = c.kind == PostPolicy::Condition::Kind::eq ? value == c.value : value.substr(0, c.value.size()) == c.value;
    if (!ok) throw policy_denied("Policy Condition failed: " + c.text);
  }
  std::string extra;
  std::vector<std::string> listed;
  for (const auto& [name, value] : fields) {
    if (exempt(name)) continue;
    std::string n = lower(name);
    bool named = std::any_of(policy.conditions.begin(), policy.conditions.end(),
                             [&](const PostPolicy::Condition& c) { return c.field == n; });
    if (named || std::find(listed.begin(), listed.end(), n) != listed.end()) continue;
    listed.push_back(n);
    if (!extra.empty()) extra += ", ";
    extra += name;
  }
  if (!extra.empty()) throw policy_denied("Extra input fields: " + extra);
}

uint64_t post_max_length(const PostPolicy& policy) {
  uint64_t max = std::numeric_limits<uint64_t>::max();
  for (const PostPolicy::Condition& c : policy.conditions)
    if (c.kind == PostPolicy::Condition::Kind::length_range) max = std::min(max, static_cast<uint64_t>(c.max));
  return max;
}

void check_post_length(const PostPolicy& policy, uint64_t size) {
  for (const PostPolicy::Condition& c : policy.conditions) {
    if (c.kind != PostPolicy::Condition::Kind::length_range) continue;
    if (size > static_cast<uint64_t>(c.max)) {
      AwsError e("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400);
      e.extra_json = json::write(
          Doc(DocMap{{"ProposedSize", Doc(std::to_string(size))}, {"MaxSizeAllowed", Doc(std::to_string(c.max))}}));
      throw e;
    }
    if (size < static_cast<uint64_t>(c.min)) {
      AwsError e("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", 400);
      e.extra_json = json::write(
          Doc(DocMap{{"ProposedSize", Doc(std::to_string(size))}, {"MinSizeAllowed", Doc(std::to_string(c.min))}}));
      throw e;
    }
  }
}

std::optional<PostSignature> parse_post_signature(const FormFields& fields) {
  const std::string* policy = form_field(fields, "policy");
  const std::string* algorithm = form_field(fields, "x-amz-algorithm");
  const std::string* credential = form_field(fields, "x-amz-credential");
  const std::string* date = form_field(fields, "x-amz-date");
  const std::string* signature = form_field(fields, "x-amz-signature");
  const std::string* akid = form_field(fields, "AWSAccessKeyId");
  const std::string* v2sig = form_field(fields, "Signature");
  bool v4 = algorithm || credential || date || signature;
  bool v2 = akid || v2sig;
  if (!policy && !v4 && !v2) return std::nullopt;  // anonymous
  if (!policy) throw post_field_missing("policy");
  PostSignature sig;
  if (const std::string* token = form_field(fields, "x-amz-security-token")) sig.session_token = *token;
  if (v4) {
    if (!algorithm) throw post_field_missing("x-amz-algorithm");
    if (!credential) throw post_field_missing("x-amz-credential");
    if (!date) throw post_field_missing("x-amz-date");
    if (!signature) throw post_field_missing("x-amz-signature");
    if (*algorithm != "AWS4-HMAC-SHA256") {
      AwsError e("InvalidArgument", "Only AWS4-HMAC-SHA256 is supported", 400);  // S3's x-amz-algorithm check
      e.extra_json =
          json::write(Doc(DocMap{{"ArgumentName", Doc("x-amz-algorithm")}, {"ArgumentValue", Doc(*algorithm)}}));
      throw e;
    }
    std::vector<std::string> parts;
    std::string_view rest = *credential;
    for (;;) {
      size_t slash = rest.find('/');
      parts.emplace_back(rest.substr(0, slash));
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
    if (parts.size() != 5 || parts[0].empty() || parts[1].size() != 8 || parts[4] != "aws4_request") {
      AwsError e("InvalidArgument",
                 "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "
                 "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
                 400);
      e.extra_json =
          json::write(Doc(DocMap{{"ArgumentName", Doc("x-amz-credential")}, {"ArgumentValue", Doc(*credential)}}));
      throw e;
    }
    sig.version = 4;
    sig.access_key = parts[0];
    sig.date = parts[1];
    sig.region = parts[2];
    sig.service = parts[3];
    sig.amz_date = *date;
    sig.signature = *signature;
    return sig;
  }
  if (!v2) throw post_field_missing("AWSAccessKeyId");
  if (!akid) throw post_field_missing("AWSAccessKeyId");
  if (!v2sig) throw post_field_missing("Signature");
  sig.version = 2;
  sig.access_key = *akid;
  sig.signature = *v2sig;
  return sig;
}

std::optional<AwsError> verify_post_signature(const PostSignature& sig, std::string_view policy_base64,
                                              std::string_view secret) {
  std::string expected = sig.version == 2
                             ? sigv2_signature(secret, policy_base64)
                             : signature(signing_key(secret, sig.date, sig.region, sig.service), policy_base64);
  if (signatures_equal(expected, sig.signature)) return std::nullopt;
  AwsError e = signature_mismatch(true);
  e.extra_json = json::write(Doc(DocMap{{"AWSAccessKeyId", Doc(sig.access_key)},
                                        {"StringToSign", Doc(policy_base64)},
                                        {"SignatureProvided", Doc(sig.signature)}}));
  return e;
}

}  // namespace stratus::auth
