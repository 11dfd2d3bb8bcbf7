// The Runtime API listener's handler: the Lambda Runtime API (2018-06-01) that runtime clients
// long-poll, the Extensions API (2020-01-01, handed to runtime/extensions.h) on the same
// per-environment ports, and GET /code/<path> (GetFunction's Code.Location).
//
// Contract: the port a request came in on (Request::local_port) identifies the calling
// environment (Pools::on_port); requests of a stopped or unknown environment get 403
// InvalidEnvironment. /invocation/next parks the responder in the environment until there is
// work (Pools::dispatch); /invocation/<id>/response and /error settle the current invocation
// (responses above 6 MB become Function.ResponseSizeTooLarge); /init/error records the init
// failure. GET /systemsmanager/... and /secretsmanager/... go to `local` (the Parameters and
// Secrets Lambda Extension, manager.h) when the environment's function has that layer; on the
// shared extension port (set_extension_port) the X-Aws-Parameters-Secrets-Token header, equal to
// a live environment's AWS_SESSION_TOKEN, names the environment instead of the port (401 otherwise). Runs on the
// listener's one I/O thread; takes the Manager's lock for each request and answers parked polls and runs completions
// after releasing it.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "http/server.h"

namespace stratus::runtime {

struct After;
struct Env;
struct FunctionSpec;
class ExtensionsApi;
class Pools;

class RuntimeApi final : public http::Handler {
 public:
  // mu: the Manager's lock, guarding pools. download_root: served under /code/ ("" = nothing).
  using Local = std::function<void(std::shared_ptr<const FunctionSpec>, http::Request, http::Responder)>;
  RuntimeApi(std::mutex& mu, Pools& pools, ExtensionsApi& extensions, std::string download_root, Local local = {});

  http::BodyPlan begin(http::Request&, std::unique_ptr<http::Response>&) override;
  http::Response transport_error(const http::Request&, int status, std::string_view code,
                                 std::string_view message) override;
  void handle(http::Request req, http::Responder respond) override;

  // The shared port of the Parameters and Secrets extension (0: none). Set once, before any
  // environment starts.
  void set_extension_port(uint16_t port) { extension_port_ = port; }
  uint16_t extension_port() const { return extension_port_; }

  // One request under /2018-06-01/runtime/ (rest: the path after it) from e, a live
  // environment. REQUIRES(mu).
  void route(Env& e, http::Request& req, std::string_view rest, http::Responder respond, After& after);

 private:
  void serve_download(const http::Request& req, http::Responder& respond);
  void serve_local(http::Request req, http::Responder respond);

  std::mutex& mu_;
  Pools& pools_;
  ExtensionsApi& extensions_;
  std::string download_root_;
  Local local_;
  std::atomic<uint16_t> extension_port_{0};
};

}  // namespace stratus::runtime
