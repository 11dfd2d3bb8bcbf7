#include "runtime/extensions.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "runtime/environment.h"

namespace stratus::runtime {
namespace {

http::Response event_response(const std::string& body) {
  http::Response r = json_response(200, body);
  r.headers.set("lambda-extension-event-identifier", ids::uuid4());
  return r;
}

}  // namespace

ExtensionsApi::ExtensionsApi(std::function<void(Env&, After&)> dispatch, std::function<void()> wake)
    : dispatch_(std::move(dispatch)), wake_(std::move(wake)) {}

http::Response ExtensionsApi::error(int status, const std::string& type, const std::string& message) {
  return json_response(status, error_doc(type, message));
}

void ExtensionsApi::pump(Ext& x, After& after) {
  if (x.parked && !x.events.empty()) {
    after.replies.emplace_back(std::move(x.parked), event_response(x.events.front()));
    x.parked = nullptr;
    x.events.pop_front();
  }
}

bool ExtensionsApi::ready(const Env& e) {
  for (const auto& x : e.exts) {
    if (x.exited) continue;
    if (!x.registered || !x.parked || !x.events.empty()) return false;
  }
  return true;
}

bool ExtensionsApi::registered(const Env& e) {
  for (const auto& x : e.exts)
    if (!x.registered && !x.exited) return false;
  return true;
}

void ExtensionsApi::send_invoke(Env& e, const Invocation& inv, After& after) {
  Doc ev = Doc::map();
  ev.set("eventType", "INVOKE");
  ev.set("deadlineMs", inv.deadline_ms);
  ev.set("requestId", inv.req.request_id);
  ev.set("invokedFunctionArn", inv.req.invoked_arn);
  Doc tracing = Doc::map();
  tracing.set("type", "X-Amzn-Trace-Id");
  tracing.set("value", inv.trace_id);
  ev.set("tracing", std::move(tracing));
  std::string body = json::write(ev);
  for (auto& x : e.exts) {
    if (!x.wants_invoke || x.exited) continue;
    x.events.push_back(body);
    pump(x, after);
  }
}

bool ExtensionsApi::shutting_down(Env& e, double snow, After& after) {
  bool graceful = e.kill_reason == "idle" || e.kill_reason == "retired" || e.kill_reason == "stop";
  bool any = false;
  for (const auto& x : e.exts) any = any || (x.wants_shutdown && !x.exited);
  if (!graceful || !any) return true;
  if (e.shutdown_until == 0) {
    e.shutdown_until = snow + 2000;
    Doc ev = Doc::map();
    ev.set("eventType", "SHUTDOWN");
    ev.set("shutdownReason", "spindown");
    ev.set("deadlineMs", now_millis() + 2000);
    std::string body = json::write(ev);
    for (auto& x : e.exts) {
      if (!x.wants_shutdown || x.exited) continue;
      x.events.push_back(body);
      pump(x, after);
    }
  }
  bool all_gone = true;
  for (const auto& x : e.exts) all_gone = all_gone && (x.exited || x.pid == 0);
  return all_gone || snow >= e.shutdown_until;
}

void ExtensionsApi::bury(Env& e, After& after) {
  for (auto& x : e.exts) {
    if (x.pid > 0) {
      ::kill(-x.pid, SIGKILL);
      ::kill(x.pid, SIGKILL);
      int ws = 0;
      ::waitpid(x.pid, &ws, 0);
      x.pid = 0;
    }
    drain(e, x.out_fd, x.eof, x.partial);
    if (x.out_fd >= 0) ::close(x.out_fd);
    x.out_fd = -1;
    x.exited = true;
    if (x.parked) {
      after.replies.emplace_back(std::move(x.parked), error(410, "EnvironmentStopped", "stopped"));
      x.parked = nullptr;
    }
  }
}

void ExtensionsApi::route(Env& e, http::Request& req, std::string_view rest, http::Responder respond, After& after) {
  auto reply = [&](http::Response r) { after.replies.emplace_back(std::move(respond), std::move(r)); };
  if (rest == "register" && req.method == "POST") {
    std::string name = req.headers.get("lambda-extension-name");
    if (name.empty()) return reply(error(400, "InvalidRequest", "Empty extension name"));
    if (e.state != Env::State::starting && e.state != Env::State::spawning)
      return reply(error(403, "Extension.InvalidRegistration", "Extensions can register only during Init"));
    Doc body;
    try {
      body = req.body.empty() ? Doc::map() : json::parse(req.body);
    } catch (const std::exception&) {
      return reply(error(400, "InvalidRequest", "the body must be a JSON object with \"events\""));
    }
    Ext* x = nullptr;
    for (auto& c : e.exts)
      if (c.name == name) x = &c;
    if (x && x->registered)
      return reply(error(409, "Extension.AlreadyRegistered", "Extension " + name + " is already registered"));
    if (!x) {  // an internal extension (the runtime process registers it)
      e.exts.emplace_back();
      x = &e.exts.back();
      x->name = name;
    }
    if (const Doc* evs = body.get("events"); evs && evs->is_list()) {
      for (const auto& ev : evs->as_list()) {
        if (!ev.is_string()) continue;
        if (ev.as_string() == "INVOKE") x->wants_invoke = true;
        else if (ev.as_string() == "SHUTDOWN") x->wants_shutdown = true;
        else return reply(error(400, "InvalidRequest", "unknown event type " + ev.as_string()));
      }
    }
    x->registered = true;
    x->id = ids::uuid4();
    if (!e.runtime_cmd.empty() && registered(e)) wake_();  // the runtime may start
    Doc out = Doc::map();
    out.set("functionName", e.spec->function_name);
    out.set("functionVersion", e.spec->version);
    out.set("handler", e.spec->handler);
    if (req.headers.get("lambda-extension-accept-feature").find("accountId") != std::string::npos)
      out.set("accountId", e.spec->account);
    http::Response r = json_response(200, json::write(out));
    r.headers.set("lambda-extension-identifier", x->id);
    return reply(std::move(r));
  }
  std::string id = req.headers.get("lambda-extension-identifier");
  if (id.empty())
    return reply(error(403, "Extension.MissingExtensionIdentifier", "Missing Lambda-Extension-Identifier header"));
  Ext* x = nullptr;
  for (auto& c : e.exts)
    if (c.id == id) x = &c;
  if (!x) return reply(error(403, "Extension.InvalidExtensionIdentifier", "Invalid Lambda-Extension-Identifier"));
  if (rest == "event/next" && req.method == "GET") {
    if (x->parked) {
      after.replies.emplace_back(std::move(x->parked), error(409, "Conflict", "superseded"));
      x->parked = nullptr;
    }
    x->parked = std::move(respond);
    pump(*x, after);
    if (e.state == Env::State::starting || e.state == Env::State::returning) dispatch_(e, after);
    return;
  }
  if ((rest == "init/error" || rest == "exit/error") && req.method == "POST") {
    std::string type = req.headers.get("lambda-extension-function-error-type", "Extension.Unknown");
    log_line(e, "EXTENSION\tName: " + x->name + "\tState: " + (rest == "init/error" ? "InitError" : "ExitError") +
                    "\tError Type: " + type);
    if (rest == "init/error" && e.state == Env::State::starting) {
      std::string msg;
      try {
        msg = json::parse(req.body).str("errorMessage");
      } catch (const std::exception&) {
      }
      e.init_error = error_doc(type, msg.empty() ? "Extension " + x->name + " failed to initialize" : msg);
      e.kill_reason = "init-error";
      wake_();
    }
    return reply(json_response(202, "{\"status\":\"OK\"}"));
  }
  reply(json_response(404, error_doc("NotFound", "unknown path")));
}

}  // namespace stratus::runtime
