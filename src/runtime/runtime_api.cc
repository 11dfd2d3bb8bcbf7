#include "runtime/runtime_api.h"

#include "core/encoding.h"

#include <fstream>
#include <iterator>

#include "runtime/environment.h"
#include "runtime/extensions.h"
#include "runtime/pool.h"

namespace stratus::runtime {

RuntimeApi::RuntimeApi(std::mutex& mu, Pools& pools, ExtensionsApi& extensions, std::string download_root, Local local)
    : mu_(mu),
      pools_(pools),
      extensions_(extensions),
      download_root_(std::move(download_root)),
      local_(std::move(local)) {}

static bool streaming(const http::Request& req) {
  return req.headers.get("lambda-runtime-function-response-mode") == "streaming";
}

http::BodyPlan RuntimeApi::begin(http::Request& head, std::unique_ptr<http::Response>&) {
  http::BodyPlan plan;
  plan.max_bytes = (streaming(head) ? kMaxStreamedBytes : kMaxResponseBytes) + 1024 * 1024;
  return plan;
}

namespace {

InvokeResult too_large() {
  InvokeResult res;
  res.kind = InvokeResult::Kind::function_error;
  res.error_type = "Function.ResponseSizeTooLarge";
  // The limit is 6 MiB; AWS's message names 100 bytes more (observed).
  res.payload = error_doc(res.error_type, "Response payload size exceeded maximum allowed payload size (" +
                                              std::to_string(kMaxResponseBytes + 100) + " bytes).");
  return res;
}

}  // namespace

http::Response RuntimeApi::transport_error(const http::Request& head, int status, std::string_view code,
                                           std::string_view message) {
  // A response far over the limit is refused while it is read: the invocation still fails as
  // Function.ResponseSizeTooLarge, not later as an unanswered one.
  constexpr std::string_view kInv = "/2018-06-01/runtime/invocation/";
  std::string_view path = head.path;
  if (status == 413 && starts_with(path, kInv) && path.size() > kInv.size() + 9 &&
      path.substr(path.size() - 9) == "/response") {
    std::string rid(path.substr(kInv.size(), path.size() - kInv.size() - 9));
    After after;
    {
      std::lock_guard lock(mu_);
      Env* e = pools_.on_port(head.local_port);
      if (e && e->state != Env::State::dead && !e->killed && e->current && e->current->req.request_id == rid) {
        drain(*e);
        pools_.complete(*e, too_large(), "error", after);
        e->state = Env::State::returning;
      }
    }
    after.run();
  }
  return json_response(status, error_doc(std::string(code), std::string(message)));
}

void RuntimeApi::serve_download(const http::Request& req, http::Responder& respond) {
  std::string rel = req.path.substr(6);
  if (download_root_.empty() || rel.find("..") != std::string::npos || rel.empty()) {
    return respond(json_response(404, error_doc("NotFound", "no such code package")));
  }
  std::ifstream f(download_root_ + "/" + rel, std::ios::binary);
  if (!f) return respond(json_response(404, error_doc("NotFound", "no such code package")));
  http::Response r;
  r.headers.set("content-type", "application/zip");
  r.body.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  respond(std::move(r));
}

void RuntimeApi::serve_local(http::Request req, http::Responder respond) {
  std::shared_ptr<const FunctionSpec> spec;
  uint16_t shared = extension_port_;
  if (shared && req.local_port == shared) {
    // One port for every environment: the token names the caller (its AWS_SESSION_TOKEN).
    const std::string* token = req.headers.find("x-aws-parameters-secrets-token");
    if (token && !token->empty()) {
      std::lock_guard lock(mu_);
      for (auto& [id, env] : pools_.envs()) {
        const Env& e = *env;
        if (e.state == Env::State::dead || e.killed || !e.spec->parameters_secrets) continue;
        auto t = e.spec->credentials.find("AWS_SESSION_TOKEN");
        if (t != e.spec->credentials.end() && t->second == *token) {
          spec = e.spec;
          break;
        }
      }
    }
    if (!local_) return respond(json_response(404, error_doc("NotFound", "unknown path")));
    return local_(std::move(spec), std::move(req), std::move(respond));  // no spec: refused there (401)
  }
  {
    std::lock_guard lock(mu_);
    Env* e = pools_.on_port(req.local_port);
    if (e && e->state != Env::State::dead && !e->killed) spec = e->spec;
  }
  if (!spec || !spec->parameters_secrets || !local_)
    return respond(json_response(404, error_doc("NotFound", "unknown path")));
  local_(std::move(spec), std::move(req), std::move(respond));
}

void RuntimeApi::handle(http::Request req, http::Responder respond) {
  std::string_view path = req.path;
  if (starts_with(path, "/code/") && (req.method == "GET" || req.method == "HEAD")) {
    return serve_download(req, respond);
  }
  if (starts_with(path, "/systemsmanager/") || starts_with(path, "/secretsmanager/")) {
    return serve_local(std::move(req), std::move(respond));
  }
  constexpr std::string_view kBase = "/2018-06-01/runtime/";
  constexpr std::string_view kExt = "/2020-01-01/extension/";
  bool ext = starts_with(path, kExt);
  if (!ext && !starts_with(path, kBase)) return respond(json_response(404, error_doc("NotFound", "unknown path")));
  std::string_view rest = path.substr(ext ? kExt.size() : kBase.size());

  After after;
  {
    std::lock_guard lock(mu_);
    Env* e = pools_.on_port(req.local_port);
    if (!e || e->state == Env::State::dead || e->killed) {
      after.replies.emplace_back(std::move(respond),
                                 json_response(403, error_doc("InvalidEnvironment", "this environment was stopped")));
    } else if (ext) {
      extensions_.route(*e, req, rest, std::move(respond), after);
    } else if (!e->kill_reason.empty()) {
      after.replies.emplace_back(std::move(respond),
                                 json_response(403, error_doc("InvalidEnvironment", "this environment was stopped")));
    } else {
      route(*e, req, rest, std::move(respond), after);
    }
  }
  after.run();
}

void RuntimeApi::route(Env& e, http::Request& req, std::string_view rest, http::Responder respond, After& after) {
  if (rest == "invocation/next" && req.method == "GET") {
    if (e.current) {
      // Asked for more work without answering: the invocation failed.
      InvokeResult res;
      res.kind = InvokeResult::Kind::function_error;
      res.error_type = "Runtime.NoResponse";
      res.payload = error_doc(res.error_type, "the runtime asked for the next invocation without answering this one");
      pools_.complete(e, std::move(res), "error", after);
    }
    if (e.parked) {
      after.replies.emplace_back(std::move(e.parked), json_response(409, error_doc("Conflict", "superseded")));
      e.parked = nullptr;
    }
    e.parked = std::move(respond);
    pools_.dispatch(e, after);
    return;
  }
  if (rest == "init/error" && req.method == "POST") {
    e.init_error = req.body.empty() ? error_doc("Runtime.Unknown", "init error") : req.body;
    after.replies.emplace_back(std::move(respond), json_response(202, "{\"status\":\"OK\"}"));
    return;
  }
  constexpr std::string_view kInv = "invocation/";
  if (starts_with(rest, kInv) && req.method == "POST") {
    rest.remove_prefix(kInv.size());
    size_t s = rest.find('/');
    std::string rid(rest.substr(0, s));
    std::string_view what = s == std::string_view::npos ? std::string_view() : rest.substr(s + 1);
    if (!e.current || e.current->req.request_id != rid || (what != "response" && what != "error")) {
      after.replies.emplace_back(std::move(respond),
                                 json_response(400, error_doc("InvalidRequestID", "Invalid request ID")));
      return;
    }
    drain(e);
    InvokeResult res;
    if (what == "response" && streaming(req)) {
      // Response streaming: the body is what the function wrote; an error after the first byte
      // comes as trailers (the body base64 JSON), and the exchange itself still succeeds.
      res.streamed = true;
      res.content_type = req.headers.get("content-type");
      if (res.content_type.empty()) res.content_type = "application/octet-stream";
      std::string error_type = req.headers.get("lambda-runtime-function-error-type");
      if (req.body.size() > kMaxStreamedBytes) {
        res.kind = InvokeResult::Kind::function_error;
        res.error_type = "Function.ResponseSizeTooLarge";
        res.payload = error_doc(res.error_type, "Response payload size exceeded maximum allowed payload size (" +
                                                    std::to_string(kMaxStreamedBytes) + " bytes).");
      } else if (!error_type.empty()) {
        res.kind = InvokeResult::Kind::function_error;
        res.error_type = error_type;
        res.partial = std::move(req.body);
        auto body = enc::base64_decode(req.headers.get("lambda-runtime-function-error-body"));
        res.payload = body && !body->empty() ? *body : error_doc(error_type, "");
      } else {
        res.payload = std::move(req.body);
      }
      after.replies.emplace_back(std::move(respond), json_response(202, "{\"status\":\"OK\"}"));
    } else if (what == "response") {
      if (req.body.size() > kMaxResponseBytes) {
        res = too_large();
        after.replies.emplace_back(std::move(respond),
                                   json_response(413, error_doc("RequestEntityTooLarge", "response too large")));
      } else {
        res.payload = std::move(req.body);
        after.replies.emplace_back(std::move(respond), json_response(202, "{\"status\":\"OK\"}"));
      }
    } else {
      res.kind = InvokeResult::Kind::function_error;
      res.payload = std::move(req.body);
      res.error_type = req.headers.get("lambda-runtime-function-error-type");
      if (res.payload.empty()) res.payload = error_doc(res.error_type.empty() ? "Unhandled" : res.error_type, "");
      after.replies.emplace_back(std::move(respond), json_response(202, "{\"status\":\"OK\"}"));
    }
    pools_.complete(e, std::move(res), res.kind == InvokeResult::Kind::ok ? nullptr : "error", after);
    e.state = Env::State::returning;
    return;
  }
  after.replies.emplace_back(std::move(respond), json_response(404, error_doc("NotFound", "unknown path")));
}

}  // namespace stratus::runtime
