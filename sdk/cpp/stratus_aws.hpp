// A small header-only AWS client for C++ Lambda functions on Stratus: SigV4-signed calls to
// DynamoDB (JSON protocol) and SNS (Query protocol) over one keep-alive HTTP/1.1 connection per
// client, plus the conversions between plain JSON and DynamoDB's attribute-value JSON.
//
//   #include "stratus_aws.hpp"   // before any RapidJSON header (see RAPIDJSON_ASSERT below)
//   stratus_aws::DynamoDB dynamodb;
//   dynamodb.put_item("orders", stratus_aws::dynamodb::item_from_json(R"({"orderID": "o-1", "qty": 2})"));
//   stratus_aws::SNS sns;
//   std::string id = sns.publish(topic_arn, "message text", "subject");
//
// Build: g++ -std=c++17 -O2 -I sdk/cpp fn.cc -lcrypto   (needs RapidJSON and OpenSSL headers)
//
// Configuration comes from the environment, as Lambda sets it for a function:
//   credentials  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (optional)
//   region       AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1
//   endpoint     AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_DYNAMODB), else AWS_ENDPOINT_URL
//                (Stratus sets it for every function), else the public endpoint
//                https://<service>.<region>.amazonaws.com. This client has no TLS, so it speaks to
//                plain http:// endpoints only and refuses https:// ones with an Error
//                (code "UnsupportedEndpoint"); on AWS itself use the AWS SDK for C++.
//
// Failures throw stratus_aws::Error: the service's error code and message for AWS errors, or the
// code "NetworkError" when the endpoint cannot be reached. There are no automatic retries (a Lambda
// function that throws is retried by its event source).
#pragma once

#include <stdexcept>

// RapidJSON checks its preconditions (a member exists, a value has the type asked for) with
// RAPIDJSON_ASSERT, which is assert() by default: one unexpected event would abort the function.
// Here a failed check throws, so it becomes an ordinary function error. In a program of several
// source files, include this header before RapidJSON in each of them, so all agree on the macro.
#ifndef RAPIDJSON_ASSERT
#define RAPIDJSON_ASSERT(x) ((x) ? (void)0 : throw std::invalid_argument("unexpected JSON input (failed: " #x ")"))
#endif
#include <rapidjson/document.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "stratus_http.hpp"
#include "stratus_sigv4.hpp"

namespace stratus_aws {

// An error answered by an AWS service, or "NetworkError" / "UnsupportedEndpoint" /
// "MissingCredentials" from this client. status is the HTTP status (0 when there was no answer).
struct Error : std::runtime_error {
  std::string code;
  std::string message;
  int status;
  Error(std::string c, std::string m, int s = 0)
      : std::runtime_error(c + ": " + m), code(std::move(c)), message(std::move(m)), status(s) {}
};

inline std::string env(const char* name, const std::string& fallback = {}) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

inline std::string region_from_env() { return env("AWS_REGION", env("AWS_DEFAULT_REGION", "us-east-1")); }

inline sigv4::Credentials credentials_from_env() {
  sigv4::Credentials c{env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN")};
  if (c.access_key_id.empty() || c.secret_access_key.empty())
    throw Error("MissingCredentials", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set");
  return c;
}

// An http:// endpoint: host (without brackets for IPv6) and port.
struct Endpoint {
  std::string host, port;
};

inline Endpoint parse_endpoint(const std::string& url) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0)
    throw Error("UnsupportedEndpoint", "endpoint " + url + " is not http://: this client has no TLS; "
                                       "set AWS_ENDPOINT_URL to a plain http endpoint such as Stratus");
  std::string rest = url.substr(scheme.size());
  rest = rest.substr(0, rest.find('/'));  // the client always posts to "/"
  Endpoint ep;
  if (!rest.empty() && rest[0] == '[') {  // [IPv6]:port
    auto close = rest.find(']');
    ep.host = rest.substr(1, close - 1);
    ep.port = close + 1 < rest.size() && rest[close + 1] == ':' ? rest.substr(close + 2) : "80";
  } else {
    auto colon = rest.rfind(':');
    ep.host = rest.substr(0, colon);
    ep.port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  }
  if (ep.host.empty()) throw Error("UnsupportedEndpoint", "no host in endpoint " + url);
  return ep;
}

// The endpoint for a service: AWS_ENDPOINT_URL_<ENV_ID>, AWS_ENDPOINT_URL, then the public one.
inline Endpoint endpoint_from_env(const std::string& env_id, const std::string& service, const std::string& region) {
  std::string url = env(("AWS_ENDPOINT_URL_" + env_id).c_str(), env("AWS_ENDPOINT_URL"));
  return parse_endpoint(url.empty() ? "https://" + service + "." + region + ".amazonaws.com" : url);
}

// Signed POST requests to "/" of one service endpoint. The configuration is read from the
// environment on the first call, so a bad one is an error of that call, not of the constructor.
class Client {
 public:
  // service is the signing name ("dynamodb", "sns"); env_id names AWS_ENDPOINT_URL_<env_id>.
  Client(std::string service, std::string env_id) : service_(std::move(service)), env_id_(std::move(env_id)) {}

  // Sends the body with the given Content-Type (and X-Amz-Target when not empty); returns the
  // answer whatever its status. Throws Error("NetworkError") when there is no answer.
  stratus_http::Response post(const std::string& content_type, const std::string& body,
                              const std::string& amz_target = {}) {
    if (!conn_) {
      region_ = region_from_env();
      creds_ = credentials_from_env();
      Endpoint ep = endpoint_from_env(env_id_, service_, region_);
      conn_ = std::make_unique<stratus_http::Connection>(ep.host, ep.port, 60000);
    }
    std::vector<sigv4::Header> headers{{"Host", conn_->host_header()}, {"Content-Type", content_type}};
    if (!amz_target.empty()) headers.emplace_back("X-Amz-Target", amz_target);
    std::string auth = sigv4::sign(creds_, region_, service_, "POST", "/", "", headers, body,
                                   sigv4::amz_date(std::time(nullptr)));
    std::string lines = "Authorization: " + auth + "\r\n";
    for (const auto& [name, value] : headers)
      if (name != "Host") lines += name + ": " + value + "\r\n";
    try {
      return conn_->request("POST", "/", lines, body);
    } catch (const std::runtime_error& e) {
      throw Error("NetworkError", e.what());
    }
  }

 private:
  std::string service_, env_id_, region_;
  sigv4::Credentials creds_;
  std::unique_ptr<stratus_http::Connection> conn_;
};

namespace json {

// The member `name` of an object; throws std::invalid_argument when there is none.
inline const rapidjson::Value& at(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) throw std::invalid_argument(std::string("expected an object with \"") + name + "\"");
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) throw std::invalid_argument(std::string("missing \"") + name + "\"");
  return it->value;
}

// A JSON string literal (quotes included).
inline std::string quote(const std::string& s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return buf.GetString();
}

// A JSON string literal as Python's json.dumps writes it (ensure_ascii): every character outside
// printable ASCII as \uXXXX (lower-case hex, surrogate pairs beyond the BMP).
inline void append_ascii_quoted(std::string& out, const char* s, size_t n) {
  static const char digits[] = "0123456789abcdef";
  auto u = [&](unsigned v) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += digits[(v >> shift) & 15];
  };
  out += '"';
  for (size_t i = 0; i < n;) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
      out += '\\';
      out += c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : c == '\b' ? 'b' : 'f';
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {  // decode one UTF-8 sequence; a malformed byte stands for U+FFFD
      int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      unsigned cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
      for (int k = 1; k < len; ++k) {
        unsigned char next = i + k < n ? static_cast<unsigned char>(s[i + k]) : 0;
        if ((next >> 6) != 2) len = 0;
        cp = (cp << 6) | (next & 0x3f);
      }
      if (len == 0) {
        u(0xfffd);
        ++i;
        continue;
      }
      if (cp >= 0x10000) {
        u(0xd800 + ((cp - 0x10000) >> 10));
        u(0xdc00 + ((cp - 0x10000) & 0x3ff));
      } else {
        u(cp);
      }
      i += static_cast<size_t>(len);
      continue;
    }
    ++i;
  }
  out += '"';
}

}  // namespace json

namespace dynamodb {

// Plain JSON object text -> a DynamoDB item ({"name": {"S": "..."}, ...}): strings S, numbers N
// (with the exact text of the number), true/false BOOL, null NULL, objects M, arrays L.
// Streams the conversion through RapidJSON's SAX reader, so numbers are never rounded.
class ItemWriter : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, ItemWriter> {
 public:
  explicit ItemWriter(rapidjson::Writer<rapidjson::StringBuffer>& out) : out_(out) {}
  bool Null() { return typed("NULL") && out_.Bool(true) && out_.EndObject(); }
  bool Bool(bool b) { return typed("BOOL") && out_.Bool(b) && out_.EndObject(); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) { return typed("N") && out_.String(s, n) && out_.EndObject(); }
  bool String(const char* s, rapidjson::SizeType n, bool) { return typed("S") && out_.String(s, n) && out_.EndObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool) { return out_.Key(s, n); }
  bool StartObject() {
    bool item = depth_++ == 0;  // the item itself is a bare map of attributes, not {"M": ...}
    return (item || typed("M")) && out_.StartObject();
  }
  bool EndObject(rapidjson::SizeType) {
    bool item = --depth_ == 0;
    return out_.EndObject() && (item || out_.EndObject());
  }
  bool StartArray() {
    bool ok = typed("L");
    ++depth_;
    return ok && out_.StartArray();
  }
  bool EndArray(rapidjson::SizeType) {
    --depth_;
    return out_.EndArray() && out_.EndObject();
  }

 private:
  // Opens {"TYPE": ...}; the item itself (depth 0) must be an object, not a value.
  bool typed(const char* type) { return depth_ > 0 && out_.StartObject() && out_.Key(type); }
  rapidjson::Writer<rapidjson::StringBuffer>& out_;
  int depth_ = 0;
};

inline std::string item_from_json(const std::string& json) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  ItemWriter handler(writer);
  rapidjson::Reader reader;
  rapidjson::StringStream in(json.c_str());
  if (!reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag>(in, handler))
    throw std::invalid_argument("not a JSON object: " + json.substr(0, 200));
  return buf.GetString();
}

inline void append_value_json(std::string& out, const rapidjson::Value& value);

// Appends a map of attribute values as a JSON object with sorted keys, written like Python's
// json.dumps(..., sort_keys=True): ", " and ": " separators, non-ASCII as \uXXXX.
inline void append_item_json(std::string& out, const rapidjson::Value& item) {
  std::vector<const rapidjson::Value::Member*> members;
  for (const auto& m : item.GetObject()) members.push_back(&m);
  std::sort(members.begin(), members.end(), [](auto* a, auto* b) {
    return std::string(a->name.GetString(), a->name.GetStringLength()) <
           std::string(b->name.GetString(), b->name.GetStringLength());
  });
  out += '{';
  for (const auto* m : members) {
    if (out.back() != '{') out += ", ";
    json::append_ascii_quoted(out, m->name.GetString(), m->name.GetStringLength());
    out += ": ";
    append_value_json(out, m->value);
  }
  out += '}';
}

// One attribute value ({"S": "x"}, {"N": "1.5"}, ...) as plain JSON: N as a JSON number with its
// exact text, M/L recursively, sets (SS/NS/BS) as arrays, binary (B/BS) as its base64 text.
inline void append_value_json(std::string& out, const rapidjson::Value& value) {
  if (!value.IsObject() || value.MemberCount() != 1) throw std::invalid_argument("not a DynamoDB attribute value");
  const std::string type = value.MemberBegin()->name.GetString();
  const rapidjson::Value& v = value.MemberBegin()->value;
  auto list = [&](auto each) {
    out += '[';
    for (const auto& e : v.GetArray()) {
      if (out.back() != '[') out += ", ";
      each(e);
    }
    out += ']';
  };
  if (type == "S" || type == "B") json::append_ascii_quoted(out, v.GetString(), v.GetStringLength());
  else if (type == "N") out.append(v.GetString(), v.GetStringLength());
  else if (type == "BOOL") out += v.GetBool() ? "true" : "false";
  else if (type == "NULL") out += "null";
  else if (type == "M") append_item_json(out, v);
  else if (type == "L") list([&](const rapidjson::Value& e) { append_value_json(out, e); });
  else if (type == "SS" || type == "BS") list([&](const rapidjson::Value& e) { json::append_ascii_quoted(out, e.GetString(), e.GetStringLength()); });
  else if (type == "NS") list([&](const rapidjson::Value& e) { out.append(e.GetString(), e.GetStringLength()); });
  else throw std::invalid_argument("unknown DynamoDB attribute type " + type);
}

// A DynamoDB item (e.g. a stream record's NewImage) as plain JSON text with sorted keys.
inline std::string item_to_json(const rapidjson::Value& item) {
  std::string out;
  append_item_json(out, item);
  return out;
}

// An attribute value as text: the string of S, the digits of N, else its JSON.
inline std::string value_to_text(const rapidjson::Value& value) {
  if (value.IsObject() && value.HasMember("S")) return value["S"].GetString();
  if (value.IsObject() && value.HasMember("N")) return value["N"].GetString();
  std::string out;
  append_value_json(out, value);
  return out;
}

}  // namespace dynamodb

// DynamoDB (JSON 1.0 protocol).
class DynamoDB {
 public:
  DynamoDB() : client_("dynamodb", "DYNAMODB") {}

  // Any operation ("PutItem", "GetItem", ...) with its JSON request; returns the JSON answer.
  std::string call(const std::string& operation, const std::string& request_json) {
    stratus_http::Response r =
        client_.post("application/x-amz-json-1.0", request_json, "DynamoDB_20120810." + operation);
    if (r.status / 100 != 2) throw error(r);
    return r.body;
  }

  // PutItem of an item in DynamoDB JSON (see dynamodb::item_from_json).
  void put_item(const std::string& table, const std::string& item_json) {
    call("PutItem", "{\"TableName\":" + json::quote(table) + ",\"Item\":" + item_json + "}");
  }

 private:
  // {"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "message": "..."}
  static Error error(const stratus_http::Response& r) {
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    std::string code = "HttpError" + std::to_string(r.status), message = r.body;
    if (!doc.HasParseError() && doc.IsObject()) {
      for (const char* key : {"__type", "code"})
        if (doc.HasMember(key) && doc[key].IsString()) code = doc[key].GetString();
      code = code.substr(code.find('#') + 1);
      for (const char* key : {"message", "Message"})
        if (doc.HasMember(key) && doc[key].IsString()) message = doc[key].GetString();
    }
    return Error(code, message, r.status);
  }

  Client client_;
};

// SNS (Query protocol: form-encoded requests, XML answers).
class SNS {
 public:
  SNS() : client_("sns", "SNS") {}

  // Publishes a message to a topic; returns its MessageId. An empty subject is left out.
  std::string publish(const std::string& topic_arn, const std::string& message, const std::string& subject = {}) {
    std::vector<std::pair<std::string, std::string>> params{{"TopicArn", topic_arn}};
    if (!subject.empty()) params.emplace_back("Subject", subject);
    params.emplace_back("Message", message);
    return xml_text(call("Publish", params), "MessageId");
  }

  // Any action with its parameters; returns the XML answer.
  std::string call(const std::string& action, const std::vector<std::pair<std::string, std::string>>& params) {
    std::string body = "Action=" + action + "&Version=2010-03-31";
    for (const auto& [name, value] : params) body += "&" + form_encode(name) + "=" + form_encode(value);
    stratus_http::Response r = client_.post("application/x-www-form-urlencoded; charset=utf-8", body);
    if (r.status / 100 != 2) {
      // <ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>...</Message>
      std::string code = xml_text(r.body, "Code");
      throw Error(code.empty() ? "HttpError" + std::to_string(r.status) : code,
                  code.empty() ? r.body : xml_text(r.body, "Message"), r.status);
    }
    return r.body;
  }

  // Percent-encodes everything but the unreserved characters A-Z a-z 0-9 - _ . ~
  static std::string form_encode(const std::string& s) {
    static const char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += digits[c >> 4];
        out += digits[c & 15];
      }
    }
    return out;
  }

  // The text of the first <tag> element, with the five XML entities decoded ("" when absent).
  static std::string xml_text(const std::string& xml, const std::string& tag) {
    auto start = xml.find("<" + tag + ">");
    if (start == std::string::npos) return {};
    start += tag.size() + 2;
    std::string raw = xml.substr(start, xml.find("</" + tag + ">", start) - start), out;
    static const std::pair<const char*, char> entities[] = {
        {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t i = 0; i < raw.size(); ++i) {
      bool decoded = false;
      for (const auto& [name, c] : entities) {
        if (raw.compare(i, std::strlen(name), name) == 0) {
          out += c;
          i += std::strlen(name) - 1;
          decoded = true;
          break;
        }
      }
      if (!decoded) out += raw[i];
    }
    return out;
  }

 private:
  Client client_;
};

}  // namespace stratus_aws
