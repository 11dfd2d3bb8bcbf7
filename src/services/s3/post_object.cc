// POST Object: browser form uploads (POST /bucket, multipart/form-data), claimed before AWS
// routing since the model has no operation for it. The form is parsed in pieces from the spooled
// body (protocol/multipart_form.h); the policy and signature are checked once the fields before
// the file are read (auth/post_policy.h), the file streamed into a new data file, and the object
// committed through Store::put_object.
#include "services/s3/post_object.h"

#include <openssl/evp.h>
#include <unistd.h>

#include "auth/checksum.h"
#include "auth/post_policy.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "protocol/multipart_form.h"
#include "protocol/xml_writer.h"
#include "server/context.h"
#include "services/s3/access.h"
#include "services/s3/notify.h"
#include "services/s3/ops/common.h"

namespace stratus::s3 {
namespace {

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

std::string esc(std::string_view s) {
  std::string out;
  protocol::xml_escape(out, s);
  return out;
}

// The bucket of a POST: path style "/bucket" (or "/bucket/"), or the host's "bucket.s3.".
std::optional<std::string> post_bucket(const http::Request& req) {
  std::string_view path = req.path;
  std::string host = enc::ascii_lower(req.host());
  if (size_t at = host.find(".s3."); at != std::string::npos && at > 0 && (path == "/" || path.empty()))
    return host.substr(0, at);
  if (path.size() < 2 || path[0] != '/') return std::nullopt;
  std::string_view rest = path.substr(1);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find('/') != std::string_view::npos) return std::nullopt;
  return enc::uri_decode(rest);
}

http::Response error_response(const AwsError& e, const std::string& request_id) {
  http::Response res;
  res.status = e.http_status;
  res.headers.set("Content-Type", "application/xml");
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + esc(e.code) + "</Code><Message>" +
                     esc(e.message) + "</Message>";
  if (!e.extra_json.empty()) {
    try {
      Doc extra = json::parse(e.extra_json);
      if (extra.is_map())
        for (const auto& [k, v] : extra.as_map())
          if (v.is_string()) body += "<" + k + ">" + esc(v.as_string()) + "</" + k + ">";
    } catch (const AwsError&) {
    }
  }
  body += "<RequestId>" + esc(request_id) + "</RequestId></Error>";
  res.body = std::move(body);
  return res;
}

}  // namespace

bool is_post_object(const http::Request& req) {
  if (req.method != "POST" || !req.query.empty()) return false;
  if (!protocol::MultipartForm::boundary_of(req.headers.get("content-type"))) return false;
  if (starts_with(req.path, "/restapis/") || starts_with(req.path, "/_stratus/")) return false;
  return post_bucket(req).has_value();
}

namespace {

AwsError malformed_tagging() {
  return s3_error("MalformedXML",
                  "The XML you provided was not well-formed or did not validate against our published schema", 400);
}

// The text of the element `name` inside [from, to) of doc (entities decoded), or nullopt.
std::optional<std::string> element(std::string_view doc, std::string_view name) {
  std::string open = "<" + std::string(name) + ">", close = "</" + std::string(name) + ">";
  size_t a = doc.find(open);
  if (a == std::string_view::npos) return std::nullopt;
  a += open.size();
  size_t b = doc.find(close, a);
  if (b == std::string_view::npos) throw malformed_tagging();
  std::string_view raw = doc.substr(a, b - a);
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '<') throw malformed_tagging();
    if (raw[i] != '&') {
      out += raw[i];
      continue;
    }
    size_t semi = raw.find(';', i);
    if (semi == std::string_view::npos) throw malformed_tagging();
    std::string_view ent = raw.substr(i + 1, semi - i - 1);
    if (ent == "amp")
      out += '&';
    else if (ent == "lt")
      out += '<';
    else if (ent == "gt")
      out += '>';
    else if (ent == "quot")
      out += '"';
    else if (ent == "apos")
      out += '\'';
    else
      throw malformed_tagging();
    i = semi;
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_tagging_xml(std::string_view xml) {
  if (xml.size() > 64 * 1024 || xml.find("<Tagging") == std::string_view::npos) throw malformed_tagging();
  std::vector<std::pair<std::string, std::string>> tags;
  size_t pos = 0;
  while (true) {
    size_t a = xml.find("<Tag>", pos);
    if (a == std::string_view::npos) break;
    size_t b = xml.find("</Tag>", a);
    if (b == std::string_view::npos) throw malformed_tagging();
    std::string_view tag = xml.substr(a + 5, b - a - 5);
    auto key = element(tag, "Key");
    auto value = element(tag, "Value");
    if (!key) throw malformed_tagging();
    if (key->empty() || key->size() > 128) throw s3_error("InvalidTag", "The TagKey you have provided is invalid", 400);
    if (value && value->size() > 256) throw s3_error("InvalidTag", "The TagValue you have provided is invalid", 400);
    for (const auto& t : tags)
      if (t.first == *key) throw s3_error("InvalidTag", "Cannot provide multiple Tags with the same key", 400);
    tags.emplace_back(std::move(*key), value ? std::move(*value) : std::string());
    if (tags.size() > 10) throw s3_error("BadRequest", "Object tags cannot be greater than 10", 400);
    pos = b + 6;
  }
  return tags;
}

http::Response serve_post_object(ServerContext& server, Store& st, const http::Request& req) {
  std::string request_id = req.headers.get("x-stratus-request-id");
  DataRef data;
  int fd = -1;
  try {
    std::string bucket_name = *post_bucket(req);
    std::optional<std::string> boundary = protocol::MultipartForm::boundary_of(req.headers.get("content-type"));
    Bucket b = st.require_bucket(bucket_name);
    const int64_t now = now_millis();
    std::optional<auth::PostPolicy> policy;
    std::string account = server.config().default_account;
    EVP_MD_CTX* md5 = EVP_MD_CTX_new();
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md5_owner(md5, &EVP_MD_CTX_free);
    EVP_DigestInit_ex(md5, EVP_md5(), nullptr);
    auto crc = auth::Checksum::make("crc64nvme");
    uint64_t max_len = UINT64_MAX;
    protocol::MultipartForm form(
        *boundary, {.on_file =
                        [&](const protocol::MultipartForm& f) {
                          const auth::FormFields& fields = f.fields();
                          if (!auth::form_field(fields, "key")) throw auth::post_field_missing("key");
                          std::optional<auth::PostSignature> sig = auth::parse_post_signature(fields);
                          if (sig) {
                            std::optional<auth::Credential> cred = server.keys().find(sig->access_key);
                            bool strict = server.config().auth == AuthMode::strict;
                            if (!cred && strict)
                              throw s3_error("InvalidAccessKeyId",
                                             "The AWS Access Key Id you provided does not exist in our records.", 403);
                            if (cred) {
                              account = cred->account;
                              if (strict || !cred->secret_key.empty())
                                if (auto e = auth::verify_post_signature(*sig, *auth::form_field(fields, "policy"),
                                                                         cred->secret_key))
                                  throw *e;
                            } else if (sig->access_key.size() == 12 &&
                                       sig->access_key.find_first_not_of("0123456789") == std::string::npos) {
                              account = sig->access_key;
                            }
                            policy = auth::parse_post_policy(*auth::form_field(fields, "policy"));
                            auth::check_post_policy(*policy, fields, bucket_name, now);
                            max_len = auth::post_max_length(*policy);
                          }
                          if (account != b.account)
                            throw s3_error("AccessDenied", "Access Denied", 403);  // anonymous or another account
                          auto [id, file] = st.new_data_file();
                          data.id = id;
                          fd = file;
                        },
                    .on_data =
                        [&](std::string_view bytes) {
                          EVP_DigestUpdate(md5, bytes.data(), bytes.size());
                          crc->update(bytes);
                          size_t done = 0;
                          while (done < bytes.size()) {
                            ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
                            if (n <= 0) throw internal_error();
                            done += static_cast<size_t>(n);
                          }
                        }});
    if (req.body_file) {
      constexpr size_t kSlice = 1 << 20;
      for (uint64_t off = 0; off < req.body_file->size; off += kSlice) {
        form.feed(req.body_file->read(off, static_cast<size_t>(std::min<uint64_t>(kSlice, req.body_file->size - off))));
        if (form.file_bytes() > max_len) break;
      }
    } else {
      form.feed(req.body);
    }
    if (form.has_file() && form.file_bytes() > max_len) auth::check_post_length(*policy, form.file_bytes());
    form.finish();
    if (!form.has_file()) {
      if (!form.field("key")) throw auth::post_field_missing("key");
      throw s3_error("InvalidArgument", "POST requires exactly one file upload per request.", 400,
                     {{"ArgumentName", "file"}, {"ArgumentValue", "0"}});
    }
    if (policy) auth::check_post_length(*policy, form.file_bytes());
    st.sync_data(fd);
    ::close(fd);
    fd = -1;

    std::string key = *form.field("key");
    if (size_t at = key.find("${filename}"); at != std::string::npos) key.replace(at, 11, form.filename());
    check_key(key);
    ObjectVersion v;
    auto text = [&](std::string_view name) {
      const std::string* f = form.field(name);
      return f ? *f : std::string();
    };
    v.content_type = text("Content-Type").empty() ? std::string("binary/octet-stream") : text("Content-Type");
    v.cache_control = text("Cache-Control");
    v.content_disposition = text("Content-Disposition");
    v.content_encoding = text("Content-Encoding");
    v.expires = text("Expires");
    for (const auto& [name, value] : form.fields())
      if (starts_with(enc::ascii_lower(name), "x-amz-meta-")) v.metadata[enc::ascii_lower(name).substr(11)] = value;
    if (const std::string* sc = form.field("x-amz-storage-class")) v.storage_class = storage_class(*sc);
    // The acl field (a canned ACL, checked as an x-amz-acl header is) and the tagging field
    // (a <Tagging> document).
    if (const std::string* acl_field = form.field("acl")) {
      Doc acl_in = Doc::map();
      acl_in.set("ACL", *acl_field);
      check_request_acl(st, "PutObject", acl_in, &b, account);
      if (auto acl = acl_from_request(acl_in, account, b.account)) v.extra.set("acl", std::move(*acl));
    }
    if (const std::string* tagging = form.field("tagging")) v.tags = parse_tagging_xml(*tagging);
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(md5, d, &n);
    v.etag = enc::hex(std::string_view(reinterpret_cast<const char*>(d), n));
    v.size = form.file_bytes();
    v.checksum_algorithm = "CRC64NVME";
    v.checksum_value = crc->base64();
    v.checksum_type = "FULL_OBJECT";
    v.owner = account;
    if (v.size == 0) {
      st.discard(data);
      data = DataRef();
    }
    v.data = data;
    data = DataRef();  // put_object owns it now
    ObjectVersion put = st.put_object(b, key, std::move(v), now);
    if (Notifier* n = server.port<Notifier>())
      n->emit(nullptr, b, object_event("ObjectCreated:Post", key, put, b), account.empty() ? "anonymous" : account);

    http::Response res;
    res.headers.set("ETag", quoted(put.etag));
    std::string location = "http://" + req.host() + "/" + b.name + "/" + enc::uri_encode(key, true);
    res.headers.set("Location", location);
    if (put.version_id != "null") res.headers.set("x-amz-version-id", put.version_id);
    std::string redirect = text("success_action_redirect");
    if (redirect.empty()) redirect = text("redirect");
    std::string status = text("success_action_status");
    if (!redirect.empty()) {
      res.status = 303;
      res.headers.set("Location", redirect + (redirect.find('?') == std::string::npos ? "?" : "&") +
                                      "bucket=" + enc::uri_encode(b.name) + "&key=" + enc::uri_encode(key) +
                                      "&etag=" + enc::uri_encode(quoted(put.etag)));
    } else if (status == "201") {
      res.status = 201;
      res.headers.set("Content-Type", "application/xml");
      res.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse><Location>" + esc(location) +
                 "</Location><Bucket>" + esc(b.name) + "</Bucket><Key>" + esc(key) + "</Key><ETag>" +
                 esc(quoted(put.etag)) + "</ETag></PostResponse>";
    } else {
      res.status = status == "200" ? 200 : 204;
    }
    return res;
  } catch (const AwsError& e) {
    if (fd >= 0) ::close(fd);
    st.discard(data);
    return error_response(e, request_id);
  } catch (const std::exception&) {
    if (fd >= 0) ::close(fd);
    st.discard(data);
    return error_response(internal_error(), request_id);
  }
}

}  // namespace stratus::s3
