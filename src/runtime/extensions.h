// The Extensions API (2020-01-01) of an environment: register, event/next, init/error and
// exit/error, on the environment's own Runtime API port (runtime/runtime_api.h routes
// /2020-01-01/extension/... here), and the INVOKE and SHUTDOWN events.
//
// Contract: external extensions (executables in <opt>/extensions) are started by the monitor
// before the runtime, which starts once every one has registered (registered()); the runtime
// process may register internal ones. An environment takes an invocation only when the runtime
// and every running extension wait in their /next (ready()). INVOKE goes to the extensions that
// asked for it when an invocation is handed out (send_invoke()); SHUTDOWN only on spin-down
// (idle, code change, server stop: shutting_down()), with 2 s to exit. Every function here
// REQUIRES the Manager's lock and defers replies to long polls into the After.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "http/server.h"

namespace stratus::runtime {

struct After;
struct Env;
struct Ext;
struct Invocation;

class ExtensionsApi {
 public:
  // dispatch: an environment whose runtime or extensions just came back to /next may take work
  // (Pools::dispatch). wake: the monitor must look again (a runtime may start, an init failed).
  ExtensionsApi(std::function<void(Env&, After&)> dispatch, std::function<void()> wake);

  // One request under /2020-01-01/extension/ (rest: the path after it) from e's port.
  void route(Env& e, http::Request& req, std::string_view rest, http::Responder respond, After& after);

  // Every extension that is still running has registered and waits in /next with nothing queued.
  static bool ready(const Env& e);
  // Every extension has registered or is gone: e's runtime may start.
  static bool registered(const Env& e);
  // Queues INVOKE for inv to the extensions of e that asked for it and hands it to those waiting.
  static void send_invoke(Env& e, const Invocation& inv, After& after);
  // Starts the graceful end of e (its kill_reason is set): SHUTDOWN to the extensions that asked
  // for it, once, with 2 s to exit. Returns true when the processes may be killed now (not a
  // spin-down, no extension wants SHUTDOWN, all exited, or the 2 s are over).
  static bool shutting_down(Env& e, double steady_now, After& after);
  // The runtime of e is gone: its extensions go too (killed, reaped, output drained, their
  // polls answered 410).
  static void bury(Env& e, After& after);
  // Hands x's first queued event to its waiting /next.
  static void pump(Ext& x, After& after);
  // An error document response, as the Extensions API answers.
  static http::Response error(int status, const std::string& type, const std::string& message);

 private:
  std::function<void(Env&, After&)> dispatch_;
  std::function<void()> wake_;
};

}  // namespace stratus::runtime
