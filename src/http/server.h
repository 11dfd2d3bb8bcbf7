// The HTTP/1.1 front end: Boost.Beast, one io_context per thread, keep-alive, limits, streaming
// request bodies. This header is Beast-free; only src/http/*.cc include Beast.
//
// Flow per request: read the header → Handler::begin() picks a BodyPlan (buffer up to a limit,
// or stream to a sink; optional transform such as aws-chunked decoding) → send "100 Continue"
// when asked → read the body piece by piece into the plan → Handler::handle() with the request →
// the handler calls `respond` exactly once, from any thread, now or later (long polls).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace stratus::http {

// Receives body bytes as they arrive (after Transfer-Encoding: chunked is removed). Throwing
// AwsError from write()/finish() aborts the request with that error.
class BodyConsumer {
 public:
  virtual ~BodyConsumer() = default;
  virtual void write(std::string_view piece) = 0;
  virtual void finish() = 0;
};

struct BodyPlan {
  uint64_t max_bytes = 0;                  // raw body bytes allowed; more → 413
  std::unique_ptr<BodyConsumer> consumer;  // nullptr: append to Request::body
};

using Responder = std::function<void(Response)>;

class Handler {
 public:
  virtual ~Handler() = default;
  // Called with the request line and headers (body empty). May reject by returning a response.
  virtual BodyPlan begin(Request& head, std::unique_ptr<Response>& reject) = 0;
  virtual void handle(Request req, Responder respond) = 0;
  // A response for failures of the HTTP layer (413, 400, 431, 408) in the protocol shape the
  // request implies. `head` may be partially filled (or have no headers at all).
  virtual Response transport_error(const Request& head, int status, std::string_view code,
                                   std::string_view message) = 0;
};

// Default I/O threads per core. Two, not one: clients usually share the cores with the server
// (tests, the SDK in the same laptop or CI box, the bench's wrk). With one thread per core every
// client wake-up preempts a server thread, which costs a reschedule IPI and a context switch per
// few requests; with two, another server thread is ready to run. Measured on 2 cores, wrk -t2 -c32
// against GetCallerIdentity: 75k -> 100k req/s, server CPU per request 20 -> 14 us, and DynamoDB
// p99 at -c16 lower too (docs/architecture.md, Threads).
inline constexpr int kThreadsPerCore = 2;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;
  int threads = 0;                        // 0: kThreadsPerCore per core
  uint32_t max_header_bytes = 64 * 1024;  // request line + headers
  uint32_t max_header_count = 200;
  uint32_t idle_timeout_s = 300;  // keep-alive connections with no request started are closed
  // From a request's first byte to the end of its header: one deadline for the whole header, not
  // per read, so a client trickling bytes can't hold a connection (slowloris). AWS's front ends
  // drop slow clients within tens of seconds, so SDKs never need more.
  uint32_t header_timeout_s = 30;
  uint32_t read_timeout_s = 120;  // a body read or a response write must progress within this
  // Connections served at once; at the cap the listener stops accepting (the kernel backlog
  // holds newcomers) until one closes. 0: default_max_connections() of the fd limit.
  uint64_t max_connections = 0;
};

// Raises the soft RLIMIT_NOFILE to the hard limit (connections, RocksDB files and Lambda pipes
// all need descriptors; distributions default the soft limit to 1024). Returns the soft limit
// in effect afterwards.
uint64_t raise_fd_limit();

// The connection cap for a process allowed `fd_limit` descriptors: leaves headroom for storage
// (RocksDB keeps up to 256 files open), Lambda processes and pipes, spool files; at most 10000.
uint64_t default_max_connections(uint64_t fd_limit);

// A request whose framing can't be trusted (RFC 9112 §6): answered with `status` and the
// connection closed, since where the next request starts is unknown (request smuggling).
struct FramingError {
  int status;
  std::string code;
  std::string message;
};

// Checks a parsed head for ambiguous framing: Transfer-Encoding other than exactly "chunked"
// (case-insensitive), Transfer-Encoding together with Content-Length or in HTTP/1.0, Content-Length
// values that are not one non-negative decimal number (identical repeats are allowed), obs-fold
// line continuations in `raw_head` (the bytes of the request line and headers). Beast accepts
// several of these on its own.
std::optional<FramingError> check_framing(const Headers& headers, unsigned version,
                                          std::string_view raw_head);

// Parses one complete request from raw bytes with the same parser, limits and header handling as
// the server (for tests and fuzzing). nullopt with *error set when the bytes are not a request.
std::optional<Request> parse_request(std::string_view raw, const ServerOptions& opts,
                                     std::string* error);

class Server {
 public:
  Server(ServerOptions opts, Handler& handler);
  ~Server();
  // Binds and starts the threads. Throws std::runtime_error when the address can't be bound.
  void start();
  uint16_t port() const;  // the bound port (useful with port 0)
  // Opens one more listening socket on the same host, served by the same threads (after start()).
  // Requests arriving through it carry its port in Request::local_port. Returns the bound port
  // (`port`, or an ephemeral one for 0); throws std::runtime_error when it can't be bound (a fixed
  // port another process holds). Any thread.
  uint16_t open_port(uint16_t port = 0);
  // Stops listening on a port opened by open_port (connections already accepted stay). Any thread.
  void close_port(uint16_t port);
  // Graceful: stop accepting, let in-flight requests finish (up to drain_ms), close the rest.
  void stop(int drain_ms = 5000);
  // Blocks until stop() completes.
  void wait();
  uint64_t active_connections() const;

  struct Impl;  // server.cc; public only so that sessions there can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace stratus::http
