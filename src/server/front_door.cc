#include "server/front_door.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "auth/aws_chunked.h"
#include "auth/checksum.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "http/compression.h"
#include "protocol/error_wire.h"
#include "protocol/validate.h"
#include "server/hosts.h"
#include "server/spool.h"

namespace stratus {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The Date header on every answer, formatted once per second per thread.
const std::string& date_header() {
  thread_local int64_t last_s = -1;
  thread_local std::string value;
  int64_t now = now_millis();
  if (now / 1000 != last_s) {
    last_s = now / 1000;
    value = enc::http_date(now);
  }
  return value;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

// The value of Action= in the query string or a form body, without decoding the whole body.
// Finds Action in "a=b&c=d" without decoding every pair: only keys that could be an encoded
// "Action" (containing '%' or '+') are decoded to compare.
std::optional<std::string> find_action(std::string_view raw, bool form) {
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    bool match = key == "Action";
    if (!match && key.find_first_of("%+") != std::string_view::npos) {
      auto decoded = form ? http::parse_form(key) : http::parse_query(key);
      match = !decoded.empty() && decoded.front().first == "Action";
    }
    if (!match) continue;
    if (eq == std::string_view::npos) return std::string();
    auto decoded = form ? http::parse_form(pair) : http::parse_query(pair);
    return decoded.empty() ? std::string() : decoded.front().second;
  }
  return std::nullopt;
}

std::string query_action(const http::Request& req) {
  if (auto a = find_action(req.query, false)) return *a;
  const std::string* ct = req.headers.find("content-type");
  if (ct && ct->find("x-www-form-urlencoded") != std::string::npos) {
    if (auto a = find_action(req.body, true)) return *a;
  }
  return {};
}

// An error for requests no service claims, in the shape the request implies.
void fallback_error(const http::Request& req, const AwsError& err, const std::string& rid, http::Response& res) {
  res.status = err.http_status;
  if (req.headers.has("x-amz-target") || starts_with(req.headers.get("content-type"), "application/x-amz-json")) {
    res.headers.set("content-type", "application/x-amz-json-1.1");
    res.body = "{\"__type\":\"" + json::escape(err.code) + "\",\"message\":\"" + json::escape(err.message) + "\"}";
  } else {
    res.headers.set("content-type", "text/xml");
    res.body = "<ErrorResponse><Error><Type>" + std::string(err.sender_fault ? "Sender" : "Receiver") +
               "</Type><Code>" + xml_escape(err.code) + "</Code><Message>" + xml_escape(err.message) +
               "</Message></Error><RequestId>" + rid + "</RequestId></ErrorResponse>";
  }
}

// Authentication errors as each protocol family's services spell them.
AwsError unknown_key_error(std::string_view protocol) {
  if (protocol == "query") return {"InvalidClientTokenId", "The security token included in the request is invalid.", 403};
  if (protocol == "rest-xml") return {"InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403};
  if (protocol == "json" || protocol == "smithy-rpc-v2-cbor")
    return {"UnrecognizedClientException", "The security token included in the request is invalid.", 400};
  return {"UnrecognizedClientException", "The security token included in the request is invalid.", 403};
}

AwsError missing_auth_error(std::string_view protocol) {
  if (protocol == "rest-xml") return {"AccessDenied", "Access Denied", 403};
  return {"MissingAuthenticationToken", "Request is missing Authentication Token", 403};
}

// Signature and clock errors of sigv4.h carry the Query/S3 codes; JSON services answer them as
// InvalidSignatureException (400 for the RPC protocols, 403 for REST-JSON ones such as Lambda), and
// Query services spell a skewed clock as a signature that does not match.
AwsError signature_error(AwsError e, std::string_view protocol) {
  if (protocol == "rest-xml") return e;
  if (protocol == "json" || protocol == "smithy-rpc-v2-cbor")
    return {"InvalidSignatureException", e.message, 400};
  if (protocol == "rest-json") return {"InvalidSignatureException", e.message, 403};
  if (e.code == "RequestTimeTooSkewed") return {"SignatureDoesNotMatch", e.message, 403};
  return e;
}

AwsError expired_token_error(std::string_view protocol) {
  if (protocol == "json" || protocol == "smithy-rpc-v2-cbor")
    return {"ExpiredTokenException", "The security token included in the request is expired", 400};
  return {"ExpiredToken", "The security token included in the request is expired", protocol == "query" ? 403 : 400};
}

// What AWS's front end does for a service before any operation sees a request: DynamoDB (and
// Streams, behind the same front end) refuse request bodies over 16 MB and compress answers for
// clients that accept gzip or deflate (x-amz-crc32 then covers the compressed bytes, as sent).
struct ServiceFront {
  uint64_t max_request_bytes = 0;  // 0: --max-body alone
  bool compresses_responses = false;
};

ServiceFront service_front(std::string_view service_id) {
  if (service_id == "dynamodb" || service_id == "dynamodbstreams") return {16ull << 20, true};
  return {};
}

// CORS on the AWS endpoints, as AWS's answer the browser SDKs: the response headers a page's
// script may read (request ids, error types, checksums, Date for the SDKs' clock-skew correction).
constexpr std::string_view kCorsExposeHeaders =
    "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, x-amzn-query-error, x-amz-request-id, "
    "x-amz-id-2, x-amz-crc32, x-amz-function-error, x-amz-log-result, x-amz-executed-version, "
    "x-amz-version-id, x-amz-delete-marker, x-amz-checksum-crc32, x-amz-checksum-crc32c, "
    "x-amz-checksum-crc64nvme, x-amz-checksum-sha1, x-amz-checksum-sha256, ETag, Date";
constexpr std::string_view kCorsMaxAgeSeconds = "172800";

void add_cors(http::Response& res, const std::string& allow_origin) {
  res.headers.set("access-control-allow-origin", allow_origin);
  res.headers.set("access-control-expose-headers", std::string(kCorsExposeHeaders));
  if (allow_origin != "*") res.headers.set("vary", "Origin");
}

// The access key of a SigV2 request ("Authorization: AWS KEY:SIG" or ?AWSAccessKeyId=KEY); "".
std::string sigv2_access_key(const http::Request& req) {
  if (const std::string* a = req.headers.find("authorization"); a && a->starts_with("AWS ")) {
    std::string_view v = std::string_view(*a).substr(4);
    return std::string(v.substr(0, v.find(':')));
  }
  if (req.query.find("AWSAccessKeyId=") == std::string::npos) return "";
  for (const auto& [k, v] : http::parse_query(req.query))
    if (k == "AWSAccessKeyId") return v;
  return "";
}

bool is_preflight(const http::Request& req) {
  return req.method == "OPTIONS" && req.headers.has("origin") && req.headers.has("access-control-request-method");
}

// Spools the body into an unnamed file (streaming-payload operations); Request::body stays empty.
class SpoolConsumer final : public http::BodyConsumer {
 public:
  SpoolConsumer(http::Request& req, const std::string& dir, const http::BodyDigests& digests)
      : req_(req), writer_(dir, digests) {}
  void write(std::string_view piece) override { writer_.write(piece); }
  void finish() override { req_.body_file = writer_.finish(); }
  SpoolWriter& writer() { return writer_; }

 private:
  http::Request& req_;
  SpoolWriter writer_;
};

// Feeds aws-chunked framed bodies through the decoder into Request::body, or into a spool.
class AwsChunkedConsumer final : public http::BodyConsumer {
 public:
  AwsChunkedConsumer(http::Request& req, const std::string& content_sha256,
                     std::optional<auth::AwsChunkedDecoder::SigningContext> signing,
                     std::unique_ptr<SpoolConsumer> spool, std::optional<uint64_t> decoded_length)
      : req_(req),
        spool_(std::move(spool)),
        decoder_(
            content_sha256,
            [&req, s = spool_.get()](std::string_view piece) {
              if (s)
                s->write(piece);
              else
                req.body.append(piece);
            },
            std::move(signing), req.headers.get("x-amz-trailer")) {
    if (decoded_length) decoder_.expect_decoded_length(*decoded_length);
  }
  void write(std::string_view piece) override { decoder_.feed(piece); }
  void finish() override {
    decoder_.finish();
    // The decoder verified the trailer's checksum over the decoded body: the spool's digest of it.
    if (spool_ && starts_with(decoder_.checksum_name(), "x-amz-checksum-"))
      spool_->writer().set_checksum(decoder_.checksum_name().substr(15), decoder_.checksum_value());
    if (spool_) spool_->finish();
    // The verified trailer checksum becomes a header, where the operation's input finds it
    // (S3 stores it with the object).
    if (!decoder_.checksum_name().empty() && !req_.headers.has(decoder_.checksum_name()))
      req_.headers.add(decoder_.checksum_name(), decoder_.checksum_value());
  }

 private:
  http::Request& req_;
  std::unique_ptr<SpoolConsumer> spool_;
  auth::AwsChunkedDecoder decoder_;
};

}  // namespace

FrontDoor::FrontDoor(ServerContext& ctx) : ctx_(ctx) {
  const Config& cfg = ctx_.config();
  spool_dir_ = cfg.spool_dir;
  if (spool_dir_.empty() && !cfg.ephemeral) spool_dir_ = cfg.data_dir + "/tmp";
  if (spool_dir_.empty()) {
    const char* t = std::getenv("TMPDIR");
    spool_dir_ = t && *t ? t : "/tmp";
  }
  std::error_code ec;
  std::filesystem::create_directories(spool_dir_, ec);  // a failure shows when a body is spooled
  ctx_.set_http_entry([this](std::string signing_name, http::Request req, OpContext::Caller principal,
                             std::function<void(http::Response)> respond) {
    handle_as(std::move(signing_name), std::move(req), std::move(principal), std::move(respond));
  });
  for (const auto& sp : ctx_.services()) {
    Service* s = sp.get();
    const auto& m = s->summary();  // the full model loads on the service's first request
    if (!m.target_prefix.empty()) by_target_prefix_[m.target_prefix] = s;
    by_signing_name_[m.signing_name].push_back(s);
    // Unsigned Query requests are routed by their Action among these; awsQueryCompatible services
    // (SQS) are among them, or an unsigned SendMessage would land in IAM as an unknown action.
    if (m.protocol == "query" || protocol::query_compatible(m.id)) query_services_.push_back(s);
    if (m.protocol == "rest-json" || m.protocol == "rest-xml") rest_services_.push_back(s);
    if (auto* router = dynamic_cast<InvokeRouter*>(s)) {
      invoke_routers_.push_back(router);
      router->set_front_door(*this);
    }
  }
}

FrontDoor::Route FrontDoor::with_protocol(Service* s, std::string_view protocol) const {
  Route r;
  r.service = s;
  r.protocol = std::string(protocol.empty() ? s->summary().protocol : protocol);
  r.codec = protocol::codec_for(r.protocol);
  return r;
}

FrontDoor::Route FrontDoor::rpc_route(const http::Request& req) const {
  // 1. JSON protocols name the operation in X-Amz-Target: "<targetPrefix>.<Operation>".
  if (const std::string* target = req.headers.find("x-amz-target")) {
    auto dot = target->rfind('.');
    auto it = by_target_prefix_.find(target->substr(0, dot == std::string::npos ? target->size() : dot));
    if (it != by_target_prefix_.end()) {
      // Services that also speak json besides their default (CloudWatch: cbor, json, query).
      bool speaks_json = false;
      for (const auto& p : it->second->summary().protocols) speaks_json = speaks_json || p == "json";
      return with_protocol(it->second, speaks_json ? "json" : "");
    }
    return {};
  }
  // 2. Smithy RPC v2 CBOR: /service/<ServiceName>/operation/<Operation>.
  if (starts_with(req.path, "/service/") && req.headers.has("smithy-protocol")) {
    std::string_view rest = std::string_view(req.path).substr(9);
    auto it = by_target_prefix_.find(std::string(rest.substr(0, rest.find('/'))));
    if (it != by_target_prefix_.end()) return with_protocol(it->second, "smithy-rpc-v2-cbor");
    return {};
  }
  return {};
}

FrontDoor::Route FrontDoor::route(const http::Request& req, const std::optional<auth::SignedRequestInfo>& sig) const {
  if (req.headers.has("x-amz-target") || (starts_with(req.path, "/service/") && req.headers.has("smithy-protocol")))
    return rpc_route(req);
  // 3. The SigV4 credential scope names the service; Action= tells Query services apart.
  std::string action = query_action(req);
  auto pick = [&](const std::vector<Service*>& candidates) -> Route {
    for (Service* s : candidates) {
      const auto& m = s->summary();
      // awsQueryCompatible services (SQS) still accept the Query protocol their old SDKs send.
      bool speaks_query = protocol::query_compatible(m.id);
      for (const auto& p : m.protocols) speaks_query = speaks_query || p == "query";
      if (!action.empty() && speaks_query && m.has_operation(action)) return with_protocol(s, "query");
    }
    for (Service* s : candidates) {
      if (s->summary().protocol == "rest-json" || s->summary().protocol == "rest-xml") {
        Route r = with_protocol(s, "");
        if (r.codec && r.codec->resolve(s->model(), req)) return r;
      }
    }
    for (Service* s : candidates)
      if (!action.empty() && s->summary().protocol == "query") return with_protocol(s, "query");
    return candidates.size() == 1 ? with_protocol(candidates[0], "") : Route{};
  };
  if (sig) {
    // A scope naming no service that fits falls through to the unsigned rules below; serve_aws
    // then refuses the signature as scoped to the wrong service.
    auto it = by_signing_name_.find(sig->service);
    if (it != by_signing_name_.end()) {
      if (Route r = pick(it->second); r.service) return r;
    }
  }
  // 4. Unsigned requests: an Action names a Query service; otherwise try the REST routes.
  if (!action.empty()) return pick(query_services_);
  return pick(rest_services_);
}

Service* FrontDoor::streams_body(const http::Request& head, bool* form) const {
  // Streaming payloads exist only in the REST protocols, whose routes need just the head.
  if (head.headers.has("x-amz-target") || head.headers.has("smithy-protocol")) return nullptr;
  // S3's browser POST uploads (a form with the file in it; no model operation).
  if (head.method == "POST" && head.query.empty() && ctx_.service("s3") &&
      head.headers.get("content-type").rfind("multipart/form-data", 0) == 0) {
    *form = true;
    return ctx_.service("s3");
  }
  std::optional<auth::SignedRequestInfo> sig;
  try {
    sig = auth::parse_signature(head);
  } catch (const AwsError&) {
    return nullptr;  // refused in handle(), with the body buffered up to the normal limit
  }
  Route r = route(head, sig);
  if (!r.service || !r.codec || (r.protocol != "rest-json" && r.protocol != "rest-xml")) return nullptr;
  const model::ServiceModel& m = r.service->model();
  const model::Operation* op = r.codec->resolve(m, head);
  if (!op || !op->input || op->input->payload.empty()) return nullptr;
  const model::Member* payload = op->input->find_member(op->input->payload);
  return payload && (payload->streaming || (payload->shape && payload->shape->streaming)) ? r.service : nullptr;
}

http::BodyPlan FrontDoor::begin(http::Request& head, std::unique_ptr<http::Response>& reject) try {
  http::BodyPlan plan;
  const Config& cfg = ctx_.config();
  plan.max_bytes = max_request_bytes(rpc_route(head));
  const std::string* cl = head.headers.find("content-length");
  uint64_t declared = cl ? std::strtoull(cl->c_str(), nullptr, 10) : 0;
  // Large or unknown-length bodies of streaming-payload operations go to disk, not memory (the
  // service may lower the threshold: PUT is how REST protocols upload, so those are asked).
  bool has_body = cl ? declared > 0 : head.headers.get("transfer-encoding").find("chunked") != std::string::npos;
  std::string sha = head.headers.get("x-amz-content-sha256");
  uint64_t spool_above = cfg.spool_threshold_bytes;
  http::BodyDigests digests;
  // SigV4 needs the body's SHA-256 unless the payload is unsigned or signed chunk by chunk.
  digests.sha256 = sha != "UNSIGNED-PAYLOAD" && !starts_with(sha, "STREAMING-");
  bool spool = false;
  if (has_body && (!cl || declared > spool_above || head.method == "PUT")) {
    bool form = false;
    if (Service* s = streams_body(head, &form)) {
      if (!form) s->plan_streaming_body(head, spool_above, digests);
      spool = !cl || declared > spool_above;
    }
  }
  if (spool) plan.max_bytes = cfg.max_stream_body_bytes;
  if (cl) {
    uint64_t n = declared;
    if (n > plan.max_bytes) {
      reject = std::make_unique<http::Response>(transport_error(
          head, 413, "RequestEntityTooLarge",
          "Request body exceeds the maximum allowed size of " + std::to_string(plan.max_bytes) + " bytes."));
      return plan;
    }
  }
  if (starts_with(sha, "STREAMING-") || head.headers.get("content-encoding").find("aws-chunked") != std::string::npos) {
    std::optional<uint64_t> decoded_length;
    if (const std::string* d = head.headers.find("x-amz-decoded-content-length")) {
      decoded_length = auth::parse_decoded_length(*d);
      if (!decoded_length) {
        reject = std::make_unique<http::Response>(transport_error(
            head, 400, "InvalidArgument",
            "x-amz-decoded-content-length must be a non-negative integer, not \"" + *d + "\"."));
        return plan;
      }
    }
    // In strict mode each chunk's signature is chained from the request's and verified as it
    // arrives. A request whose own signature is bad is refused later, in handle().
    std::optional<auth::AwsChunkedDecoder::SigningContext> signing;
    if (ctx_.config().auth == AuthMode::strict) {
      try {
        auto sig = auth::parse_signature(head);
        auto cred = sig ? ctx_.keys().find(sig->access_key) : std::nullopt;
        if (sig && cred && !sig->presigned) {
          signing = auth::AwsChunkedDecoder::SigningContext{
              auth::signing_key(cred->secret_key, sig->date, sig->region, sig->service), sig->amz_date,
              sig->date + "/" + sig->region + "/" + sig->service + "/aws4_request", sig->signature};
        }
      } catch (const AwsError&) {
      }
    }
    plan.consumer = std::make_unique<AwsChunkedConsumer>(
        head, sha, std::move(signing), spool ? std::make_unique<SpoolConsumer>(head, spool_dir_, digests) : nullptr,
        decoded_length);
  } else if (spool) {
    plan.consumer = std::make_unique<SpoolConsumer>(head, spool_dir_, digests);
  }
  return plan;
} catch (const AwsError& e) {  // the spool file could not be created
  reject = std::make_unique<http::Response>(transport_error(head, e.http_status, e.code, e.message));
  return {};
}

http::Response FrontDoor::transport_error(const http::Request& head, int status, std::string_view code,
                                          std::string_view message) {
  http::Response res;
  std::string rid = ids::uuid4();
  AwsError err(std::string(code), std::string(message), status);
  Route rpc = rpc_route(head);
  if (status == 413 && rpc.service && service_front(rpc.service->id()).max_request_bytes) {
    // A service with a request limit of its own answers it in its protocol (DynamoDB's 16 MB).
    err.code = "RequestEntityTooLargeException";
    rpc.codec->encode_error(rpc.service->model(), nullptr, err, rid, res);
  } else {
    fallback_error(head, err, rid, res);
  }
  res.headers.set("x-amzn-requestid", rid);
  res.headers.set("date", date_header());
  if (auto origin = cors_allow_origin(head)) add_cors(res, *origin);
  return res;
}

uint64_t FrontDoor::max_request_bytes(const Route& rpc) const {
  uint64_t limit = ctx_.config().max_body_bytes;
  if (rpc.service) {
    if (uint64_t own = service_front(rpc.service->id()).max_request_bytes) limit = std::min(limit, own);
  }
  return limit;
}

std::optional<AwsError> FrontDoor::decode_body(http::Request& req) const {
  const std::string* ce = req.headers.find("content-encoding");
  if (!ce || req.body_file) return std::nullopt;
  // Only the RPC protocols' bodies are API requests as a whole; a REST payload's Content-Encoding
  // belongs to the payload (an S3 object's metadata, a Lambda payload) and stays.
  const std::string* ct = req.headers.find("content-type");
  bool rpc = req.headers.has("x-amz-target") || req.headers.has("smithy-protocol") ||
             (ct && ct->find("x-www-form-urlencoded") != std::string::npos);
  if (!rpc) return std::nullopt;
  auto codings = http::parse_content_encoding(*ce);
  if (!codings || codings->empty()) return std::nullopt;  // unknown codings: parsed as they are
  Route r = rpc_route(req);
  uint64_t limit = max_request_bytes(r);
  // SigV4's payload hash covers the bytes as sent; only a strict server verifies it.
  if (ctx_.config().auth == AuthMode::strict) req.wire_sha256 = auth::sha256_hex(req.body);
  std::string out;
  for (auto it = codings->rbegin(); it != codings->rend(); ++it) {
    switch (http::decode(req.body, *it, limit, &out)) {
      case http::DecodeStatus::ok:
        break;
      case http::DecodeStatus::malformed:
        return AwsError("MalformedHttpRequestException",
                        "The request body could not be decoded with its Content-Encoding (" +
                            std::string(http::coding_name(*it)) + ").",
                        400);
      case http::DecodeStatus::too_large:
        return AwsError(
            r.service && service_front(r.service->id()).max_request_bytes ? "RequestEntityTooLargeException"
                                                                          : "RequestEntityTooLarge",
            "Request body exceeds the maximum allowed size of " + std::to_string(limit) + " bytes once decoded.", 413);
    }
    req.body.swap(out);
  }
  return std::nullopt;
}

std::optional<std::string> FrontDoor::cors_allow_origin(const http::Request& req) const {
  const std::string* origin = req.headers.find("origin");
  if (!origin) return std::nullopt;
  for (const std::string& allowed : ctx_.config().cors_origins) {
    if (allowed == "*") return allowed;
    if (allowed.size() == origin->size() &&
        std::equal(allowed.begin(), allowed.end(), origin->begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return *origin;
  }
  return std::nullopt;
}

http::Response FrontDoor::preflight(const http::Request& req) const {
  http::Response res;
  auto origin = cors_allow_origin(req);
  if (!origin) {
    res.status = 403;
    res.headers.set("content-type", "application/json");
    res.body = "{\"message\":\"CORS request from origin " + json::escape(req.headers.get("origin")) +
               " is not allowed (--cors-origins).\"}";
    return res;
  }
  add_cors(res, *origin);
  res.headers.set("access-control-allow-methods", "GET, HEAD, PUT, POST, DELETE, PATCH");
  if (const std::string* h = req.headers.find("access-control-request-headers"))
    res.headers.set("access-control-allow-headers", *h);
  res.headers.set("access-control-max-age", std::string(kCorsMaxAgeSeconds));
  return res;
}

namespace {
// Endpoints anyone may read in every mode: the health probe, SNS's signing certificate (public
// in AWS too: every subscriber verifying a message downloads it), and SES's verification links
// and open/click tracking URLs (a person clicks them; the token or id in the link is the secret).
bool public_endpoint(std::string_view path) {
  if (path == "/_stratus/health" || path == "/_stratus/ses/verify" || path == "/_stratus/ses/open" ||
      path == "/_stratus/ses/click")
    return true;
  return starts_with(path, "/_stratus/sns/") && path.size() > 4 &&
         path.substr(path.size() - 4) == ".pem";
}
}  // namespace

std::optional<std::string> FrontDoor::admin_refusal(const http::Request& req) const {
  if (ctx_.config().auth != AuthMode::strict || public_endpoint(req.path)) return std::nullopt;
  std::optional<auth::SignedRequestInfo> sig;
  try {
    sig = auth::parse_signature(req);
  } catch (const AwsError& e) {
    return "Malformed signature: " + e.message;
  }
  const auth::Credential root = *ctx_.keys().find(ctx_.config().root_access_key);
  if (!sig || sig->access_key != root.access_key) {
    return "Stratus admin endpoints require, with --auth=strict, a SigV4 signature by the root "
           "access key (--access-key/--secret-key).";
  }
  if (auto e = auth::check_time(*sig, now_millis(), false)) return e->message;
  if (auto e = auth::verify(req, *sig, root.secret_key, false)) return e->message;
  if (auto e = auth::check_payload_hash(req)) return e->message;
  return std::nullopt;
}

bool FrontDoor::serve_internal(const http::Request& req, http::Response& res) {
  res.headers.set("content-type", "application/json");
  if (auto refusal = admin_refusal(req)) {
    res.status = 403;
    res.body = "{\"__type\":\"AccessDenied\",\"message\":\"" + json::escape(*refusal) + "\"}";
    return true;
  }
  if (req.path == "/_stratus/health" && (req.method == "GET" || req.method == "HEAD")) {
    Doc d = Doc::map();
    d.set("status", "running");
    d.set("version", STRATUS_VERSION);
    d.set("uptime_s", static_cast<double>(now_millis() - ctx_.started_ms()) / 1000.0);
    Doc services = Doc::map();
    for (const auto& s : ctx_.services()) {
      Doc sd = Doc::map();
      sd.set("state", "running");
      sd.set("operations_implemented", static_cast<int64_t>(s->implemented().size()));
      sd.set("operations_in_model", static_cast<int64_t>(s->summary().operations.size()));
      if (auto ks = s->keyspaces(); !ks.empty()) {  // what it stores (its schema.h)
        Doc list = Doc::list();
        for (const storage::Keyspace& k : ks) list.push(Doc(std::string(k.name)));
        sd.set("keyspaces", std::move(list));
      }
      services.set(s->id(), std::move(sd));
    }
    d.set("services", std::move(services));
    d.set("storage", json::parse(ctx_.storage().describe()));
    d.set("auth", ctx_.config().auth == AuthMode::strict ? "strict" : "open");
    res.body = json::write(d);
    return true;
  }
  if (req.path == "/_stratus/reset" && req.method == "POST") {
    if (ctx_.config().no_reset) {
      res.status = 403;
      res.body =
          "{\"__type\":\"AccessDenied\",\"message\":\"Reset is disabled on this server "
          "(--no-reset).\"}";
      return true;
    }
    ctx_.reset();
    res.body = "{\"reset\":true}";
    return true;
  }
  if (const auto* route = ctx_.internal_route(req.path)) {
    (*route)(req, res);
    return true;
  }
  res.status = 404;
  res.body = "{\"message\":\"No such Stratus endpoint: " + json::escape(req.path) + "\"}";
  return true;
}

// One AWS request in flight. Shared so that asynchronous handlers (long polls, invocations) can
// finish it later from any thread.
struct FrontDoor::Call {
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  std::string request_id = ids::uuid4();
  http::Request req;
  http::Responder respond;
  Route route;
  const model::Operation* op = nullptr;
  std::string log_service = "-", log_op = "-", log_account = "-";
  std::unique_ptr<OpContext> ctx;
  Doc input;  // an asynchronous operation's input, alive until it answers
  // Internal HTTP calls (ServerContext::call_http): who calls, and the service's signing name
  // that routes the request in place of a signature's scope.
  std::optional<OpContext::Caller> principal;
  std::string signing_name;
  // CORS: the Access-Control-Allow-Origin to answer with (API Gateway and Lambda URLs: none,
  // they apply their own CORS configuration).
  std::optional<std::string> cors_origin;

  // Encodes the outcome in the route's protocol, adds the common headers, logs, answers.
  void finish_result(Result<Doc>& out) {
    http::Response res;
    if (out) {
      try {
        route.codec->encode_with_request_id(route.service->model(), *op, out.value(), request_id, res);
        if (ctx) apply_reply(ctx->transport.reply, res);
      } catch (const std::exception& e) {
        spdlog::error("encode failed id={} op={}: {}", request_id, log_op, e.what());
        res = http::Response{};
        error(errors::internal(), res);
      }
    } else {
      error(out.error(), res);
      if (ctx)
        for (const auto& [k, v] : ctx->transport.reply.headers) res.headers.set(k, v);
    }
    finish(std::move(res));
  }

  static void apply_reply(OpContext::Transport::Reply& reply, http::Response& res) {
    if (reply.status) res.status = reply.status;
    if (reply.body) res.body = std::move(*reply.body);
    for (const auto& [k, v] : reply.headers) res.headers.set(k, v);
    if (reply.file) {
      res.file = reply.file;
      res.file_offset = reply.offset;
      res.file_length = reply.length;
    }
  }

  void error(const AwsError& e, http::Response& res) {
    if (route.service && route.codec)
      route.codec->encode_error(route.service->model(), op, e, request_id, res);
    else
      fallback_error(req, e, request_id, res);
  }

  // Answers in the coding the client prefers among those it accepts (gzip, deflate).
  void compress(http::Response& res) {
    const std::string* accept = req.headers.find("accept-encoding");
    http::Coding coding = accept ? http::preferred_coding(*accept) : http::Coding::identity;
    if (coding == http::Coding::identity) return;
    res.body = http::encode(res.body, coding);
    res.headers.set("content-encoding", std::string(http::coding_name(coding)));
    // The checksum of the body as sent (the SDKs that check it read the bytes before decoding).
    if (res.headers.has("x-amz-crc32")) res.headers.set("x-amz-crc32", std::to_string(auth::crc32(res.body)));
  }

  void finish(http::Response res) {
    if (route.protocol == "rest-xml") {
      res.headers.set("x-amz-request-id", request_id);
      res.headers.set("x-amz-id-2", enc::base64_encode(request_id + request_id));
    } else if (!log_service.empty() && log_service != "stratus") {
      res.headers.set("x-amzn-RequestId", request_id);
    }
    res.headers.set("date", date_header());
    if (cors_origin && !(ctx && ctx->transport.reply.own_cors)) add_cors(res, *cors_origin);
    if (route.service && !principal && !res.body.empty() && !res.headers.has("content-encoding") &&
        service_front(route.service->id()).compresses_responses) {
      compress(res);
    }
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    SPDLOG_LOGGER_INFO(spdlog::default_logger_raw(), "service={} op={} account={} status={} ms={:.2f} id={}",
                       log_service, log_op, log_account, res.status, ms, request_id);
    respond(std::move(res));
  }
};

void FrontDoor::handle(http::Request req, http::Responder respond) {
  auto call = std::make_shared<Call>();
  call->req = std::move(req);
  call->respond = std::move(respond);
  http::Request& r = call->req;
  bool internal = starts_with(r.path, "/_stratus/");
  if (!internal) {
    for (InvokeRouter* router : invoke_routers_) {
      if (router->claims(r)) {
        call->log_service = router->log_service();
        r.headers.set("x-stratus-request-id", call->request_id);
        return router->serve(std::move(r), [call](http::Response res) { call->finish(std::move(res)); });
      }
    }
  }
  if (is_preflight(r)) {
    call->log_service = "stratus";
    call->log_op = "CorsPreflight";
    return call->finish(preflight(r));
  }
  call->cors_origin = cors_allow_origin(r);
  if (internal) {
    call->log_service = "stratus";
    http::Response res;
    serve_internal(r, res);
    return call->finish(std::move(res));
  }
  if ((r.method == "GET" || r.method == "HEAD") && r.path == "/" && r.query.empty() &&
      !r.headers.has("authorization")) {
    // Clients and load balancers probe the root; S3's ListBuckets (GET /) is always signed.
    call->log_service = "stratus";
    http::Response res;
    res.headers.set("content-type", "application/json");
    res.body = std::string("{\"status\":\"running\",\"service\":\"stratus\",\"version\":\"") + STRATUS_VERSION + "\"}";
    return call->finish(std::move(res));
  }
  // Virtual-hosted-style S3 ("bucket.s3.localhost:4566/key") becomes path style ("/bucket/key"),
  // the form the S3 model's URI templates describe. The signature still covers the original.
  if (std::optional<std::string> bucket; ctx_.service("s3") && (bucket = virtual_host_bucket(r.host()))) {
    r.headers.add("x-stratus-original-path", r.path);
    r.path = "/" + *bucket + (r.path == "/" ? "" : r.path);
  }
  serve_aws(call);
}

void FrontDoor::handle_as(std::string signing_name, http::Request req, OpContext::Caller principal,
                          http::Responder respond) {
  auto call = std::make_shared<Call>();
  call->req = std::move(req);
  call->respond = std::move(respond);
  call->principal = std::move(principal);
  call->signing_name = std::move(signing_name);
  serve_aws(call);
}

void FrontDoor::serve_aws(const std::shared_ptr<Call>& call) {
  http::Request& req = call->req;
  Route& r = call->route;
  try {
    // Before routing: a Query request names its Action in the (decoded) body.
    std::optional<AwsError> coding_error = decode_body(req);
    std::optional<auth::SignedRequestInfo> sig;
    if (call->principal) {
      auth::SignedRequestInfo scope;  // routes like a request signed for that service
      scope.service = call->signing_name;
      scope.region = call->principal->region;
      r = route(req, scope);
    } else {
      try {
        sig = auth::parse_signature(req);
      } catch (const AwsError& e) {
        r = route(req, std::nullopt);
        throw;
      }
      r = route(req, sig);
    }
    if (!r.service || !r.codec) {
      throw AwsError("UnknownService", "Stratus could not tell which AWS service this request is for.", 400);
    }
    const model::ServiceModel& model = r.service->model();
    call->log_service = r.service->id();

    // Identity: the access key decides the account, the credential scope the region.
    OpContext::Caller caller;
    caller.region = sig && !sig->region.empty() ? sig->region : ctx_.config().default_region;
    caller.account = ctx_.config().default_account;
    if (call->principal) {
      caller = *call->principal;  // an internal call: the caller is who Stratus says it is
    } else if (sig) {
      caller.access_key = sig->access_key;
      auto cred = ctx_.keys().find(sig->access_key);
      bool strict = ctx_.config().auth == AuthMode::strict;
      if (cred) {
        caller.account = cred->account;
        caller.arn = cred->principal_arn;
        caller.user_id = cred->user_id;
        if (!cred->session_token.empty() && (strict || !sig->session_token.empty()) &&
            cred->session_token != sig->session_token) {
          throw unknown_key_error(r.protocol);
        }
        if (cred->expires_ms && cred->expires_ms < now_millis()) throw expired_token_error(r.protocol);
      } else if (strict) {
        throw unknown_key_error(r.protocol);
      } else if (sig->access_key.size() == 12 &&
                 sig->access_key.find_first_not_of("0123456789") == std::string::npos) {
        caller.account = sig->access_key;  // a 12-digit key id is that account (local tooling habit)
      }
      if (caller.arn.empty()) {
        caller.arn = "arn:aws:iam::" + caller.account + ":root";
        caller.user_id = caller.account;
      }
      bool s3 = r.protocol == "rest-xml";
      // The date is checked in every mode, as AWS does: it needs no secret, and SDKs correct
      // their clock offset from these answers.
      if (auto e = auth::check_time(*sig, now_millis(), s3)) {
        // A presigned URL's own errors (AccessDenied, AuthorizationQueryParametersError) stand.
        throw sig->presigned ? *e : signature_error(*e, r.protocol);
      }
      if (strict) {
        if (auto e = auth::check_scope_service(*sig, r.service->summary().signing_name))
          throw signature_error(*e, r.protocol);
        const http::Request* signed_req = &req;
        http::Request original;
        const std::string* orig = sig->sigv2 ? nullptr : req.headers.find("x-stratus-original-path");
        if (orig) {        // SigV2 signs the path-style resource "/bucket/key" in both styles
          original = req;  // virtual-hosted S3: the client signed the path it sent
          original.path = *orig;
          signed_req = &original;
        }
        auto sig_error = auth::verify(*signed_req, *sig, cred->secret_key, s3);
        // The signature covers x-amz-content-sha256; the body must then be what it declares.
        // S3 names that mismatch; other services hash the body themselves, so to them it is a
        // signature that does not match.
        if (auto e = auth::check_payload_hash(req); !sig_error && e) {
          if (s3 || e->code != "XAmzContentSHA256Mismatch") throw *e;
          sig_error = auth::signature_mismatch(false);
        }
        if (sig_error) throw signature_error(*sig_error, r.protocol);
      }
    } else if (ctx_.config().auth == AuthMode::strict) {
      // Operations the model marks anonymous (authtype "none": STS AssumeRoleWithWebIdentity,
      // AssumeRoleWithSAML) need no signature; their callers prove themselves in the input.
      const model::Operation* anon = r.codec->resolve(model, req);
      if (!anon || anon->auth_type != "none") throw missing_auth_error(r.protocol);
      caller.arn = "arn:aws:iam::" + caller.account + ":root";
      caller.user_id = caller.account;
    } else {
      // Open mode: a legacy SigV2 request (S3 presigned URLs boto3 makes by default) names its
      // key unverified, as SigV4 keys are; without any key the caller is anonymous.
      if (std::string v2 = sigv2_access_key(req); !v2.empty()) {
        caller.access_key = v2;
        if (auto cred = ctx_.keys().find(v2)) caller.account = cred->account;
      }
      caller.arn = "arn:aws:iam::" + caller.account + ":root";
      caller.user_id = caller.account;
    }
    call->log_account = caller.account;
    if (coding_error) throw *coding_error;  // once the caller is known: the signature covers the bytes as sent

    const model::Operation* op = r.codec->resolve(model, req);
    if (!op) {
      if (r.protocol == "query") {
        std::string action = query_action(req);
        throw action.empty() ? errors::missing_action() : errors::invalid_action(action);
      }
      throw errors::unknown_operation();
    }
    call->op = op;
    call->log_op = op->name;
    const Service::Entry* entry = r.service->handler(op->name);
    Doc input = r.codec->decode(model, *op, req);
    if (req.body_file && op->input && !op->input->payload.empty() && !input.get(op->input->payload)) {
      // A spooled streaming payload: the handler reads OpContext::http->body_file.
      input.set(op->input->payload, Blob{});
    }
    r.service->complete_input(*op, req, input);
    if (op->input) {
      if (auto e = protocol::validate(model, *op->input, input, r.service->validation_error_code(),
                                      r.service->validates_enums()))
        throw *e;
    }
    if (!entry) throw errors::not_implemented(model.service_id + " " + op->name);
    call->ctx.reset(new OpContext{ctx_, ctx_.storage(), model, *op, std::move(caller), call->request_id,
                                  now_millis(), {}});
    if (const std::string* host = req.headers.find("host")) call->ctx->transport.host = *host;
    if (const std::string* origin = req.headers.find("origin")) call->ctx->transport.origin = *origin;
    call->ctx->transport.body_bytes = req.body.size();
    call->ctx->transport.body_file = req.body_file.get();
    call->ctx->transport.http = true;
    if (entry->async) {
      // The handler answers later, from any thread; the call (context, input) stays alive until
      // then.
      call->input = std::move(input);
      invoke_handler(*entry, *call->ctx, call->input, [call](Result<Doc> out) {
        try {
          call->finish_result(out);
        } catch (const std::exception& e) {
          spdlog::error("async finish failed id={}: {}", call->request_id, e.what());
        }
      });
      return;
    }
    Result<Doc> out = invoke_handler(entry->sync, *call->ctx, input);
    call->finish_result(out);
    return;
  } catch (const AwsError& e) {
    http::Response res;
    call->error(e, res);
    call->finish(std::move(res));
  } catch (const std::exception& e) {
    spdlog::error("internal error id={} service={} op={}: {}", call->request_id, call->log_service, call->log_op,
                  e.what());
    http::Response res;
    call->error(errors::internal(), res);
    call->finish(std::move(res));
  }
}

}  // namespace stratus
