#include "http/server.h"

#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <limits>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace stratus::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {
class Session;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One I/O thread: its io_context, the sessions it serves and the sweeper enforcing their
// deadlines.
// Member order matters: the io_context's destructor destroys pending handlers, and with them
// sessions that unregister themselves, so mu and sessions must outlive ctx.
struct Worker {
  std::mutex mu;                          // sessions register/unregister from their own threads
  std::unordered_set<Session*> sessions;  // GUARDED_BY(mu)
  net::io_context ctx{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> guard;
  net::steady_timer sweeper{ctx};
};
}  // namespace

struct Server::Impl {
  ServerOptions opts;
  Handler& handler;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> threads;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::atomic<size_t> next_ctx{0};
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> inflight{0};
  uint16_t bound_port = 0;
  std::mutex ports_mu;
  std::unordered_map<uint16_t, std::shared_ptr<tcp::acceptor>> extra;  // GUARDED_BY(ports_mu)
  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;  // GUARDED_BY(mu)

  Impl(ServerOptions o, Handler& h) : opts(std::move(o)), handler(h) {}
  void accept();
  void accept_extra(std::shared_ptr<tcp::acceptor> a);
  void sweep(Worker& w);
};

namespace {

// Copies the request line and headers Beast parsed into our Request. false: too many headers.
template <typename Header>
bool fill_head(const Header& h, Request& req, uint32_t max_header_count) {
  req.method = std::string(h.method_string());
  req.target = std::string(h.target());
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  // Absolute-form targets (proxies): keep only the path.
  if (req.path.rfind("http://", 0) == 0 || req.path.rfind("https://", 0) == 0) {
    auto slash = req.path.find('/', req.path.find("//") + 2);
    req.path = slash == std::string::npos ? "/" : req.path.substr(slash);
  }
  uint32_t count = 0;
  req.headers.reserve(16);
  for (const auto& f : h) {
    if (++count > max_header_count) return false;
    req.headers.add(f.name_string(), f.value());
  }
  return true;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& s, Server::Impl& server, Worker& worker)
      : stream_(std::move(s)), server_(server), worker_(worker) {
    ++server_.connections;
    beast::error_code ec;
    auto ep = stream_.remote_endpoint(ec);  // once per connection, not per request
    if (!ec) remote_addr_ = ep.address().to_string();
    auto local = stream_.local_endpoint(ec);
    if (!ec) local_port_ = local.port();
    // Beast reads as much as the buffer has room for, and a flat_buffer starts at 512 bytes: a
    // signed AWS request (600+ bytes of headers) then takes two recv calls. Room for a typical
    // head makes it one.
    buffer_.reserve(kReadBuf);
  }
  ~Session() {
    --server_.connections;
    std::lock_guard lock(worker_.mu);
    worker_.sessions.erase(this);
  }

  // Called by the worker's sweeper, on this session's thread.
  void sweep(int64_t now) {
    if (deadline_ms_ && now >= deadline_ms_) {
      deadline_ms_ = 0;
      beast::error_code ignored;
      stream_.close(ignored);  // pending operations finish with operation_aborted
    }
  }

  void run() {
    {
      std::lock_guard lock(worker_.mu);
      worker_.sessions.insert(this);
    }
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

 private:
  static constexpr size_t kBodyBuf = 64 * 1024;
  static constexpr size_t kReadBuf = 8 * 1024;

  void read_header() {
    if (server_.stopping) return close();
    parser_.emplace();
    parser_->header_limit(server_.opts.max_header_bytes);
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());  // limits are enforced against the BodyPlan instead
    req_ = Request{};
    body_bytes_ = 0;
    head_request_ = false;
    expire_in(buffer_.size() ? server_.opts.read_timeout_s : server_.opts.idle_timeout_s);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted) {
      return close();
    }
    if (ec == bhttp::error::header_limit) {
      return fail(431, "RequestHeaderSectionTooLarge", "Your request header section exceeds the maximum allowed size.");
    }
    if (ec) return fail(400, "BadRequest", "Malformed HTTP request: " + ec.message());
    ++server_.inflight;
    counted_ = true;
    const auto& h = parser_->get();
    if (!fill_head(h, req_, server_.opts.max_header_count)) {
      return fail(431, "RequestHeaderSectionTooLarge", "Too many request headers.");
    }
    req_.received_at_ms = now_millis();
    req_.remote_addr = remote_addr_;
    req_.local_port = local_port_;
    keep_alive_ = h.keep_alive();
    head_request_ = req_.method == "HEAD";  // req_ is handed to the handler before the answer
    std::unique_ptr<Response> reject;
    plan_ = server_.handler.begin(req_, reject);
    if (reject) {
      // The body was not read; the connection can't be reused safely unless there is none.
      if (!parser_->is_done()) keep_alive_ = false;
      return write(std::move(*reject));
    }
    if (parser_->is_done()) return finish_body();
    if (const std::string* ex = req_.headers.find("expect"); ex && beast::iequals(*ex, "100-continue")) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, h.version());
      bhttp::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code ec, size_t) {
        if (ec) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    expire_in(server_.opts.read_timeout_s);
    parser_->get().body().data = body_buf_;
    parser_->get().body().size = kBodyBuf;
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec == bhttp::error::partial_message || ec == net::error::eof || ec == beast::error::timeout) {
      // Truncated body: answer if the peer still listens, then close.
      keep_alive_ = false;
      return fail(400, "IncompleteBody", "The request body terminated unexpectedly");
    }
    if (ec) return close();
    size_t n = kBodyBuf - parser_->get().body().size;
    body_bytes_ += n;
    if (body_bytes_ > plan_.max_bytes) {
      keep_alive_ = false;
      return fail(413, "RequestEntityTooLarge", "Request body exceeds the maximum allowed size of " +
                                                    std::to_string(plan_.max_bytes) + " bytes.");
    }
    try {
      if (n) {
        if (plan_.consumer)
          plan_.consumer->write(std::string_view(body_buf_, n));
        else
          req_.body.append(body_buf_, n);
      }
    } catch (const AwsError& e) {
      keep_alive_ = false;
      return fail(e.http_status, e.code, e.message);
    }
    if (parser_->is_done()) return finish_body();
    read_body();
  }

  void finish_body() {
    try {
      if (plan_.consumer) plan_.consumer->finish();
    } catch (const AwsError& e) {
      return fail(e.http_status, e.code, e.message);
    }
    deadline_ms_ = 0;  // the handler may take long (long polls); it owns the timing now
    auto self = shared_from_this();
    server_.handler.handle(std::move(req_), [self](Response res) {
      // Inline when answered on this session's thread (synchronous handlers), else posted.
      net::dispatch(self->stream_.get_executor(),
                    [self, res = std::move(res)]() mutable { self->write(std::move(res)); });
    });
  }

  void fail(int status, std::string_view code, const std::string& message) {
    if (status >= 400 && status != 413 && status != 431) keep_alive_ = keep_alive_ && parser_ && parser_->is_done();
    if (!counted_) {
      ++server_.inflight;
      counted_ = true;
    }
    if (status == 400 && !parser_->is_header_done()) keep_alive_ = false;
    write(server_.handler.transport_error(req_, status, code, message));
  }

  // Serialises the response by hand into one header block and writes it with the body as a
  // gather write: no per-header allocations of Beast's fields container on the hot path.
  void write(Response res) {
    unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
    bool keep = keep_alive_ && !server_.stopping;
    expire_in(server_.opts.read_timeout_s);
    auto out = std::make_shared<Outgoing>();
    out->body = std::move(res.body);
    std::string& h = out->head;
    h.reserve(256);
    h += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    h += std::to_string(res.status);
    h += ' ';
    h += bhttp::obsolete_reason(static_cast<bhttp::status>(res.status));
    h += "\r\n";
    bool has_len = false;
    for (const auto& [k, v] : res.headers.items()) {
      if (k == "connection") continue;  // ours to decide
      has_len = has_len || k == "content-length";
      h += k;
      h += ": ";
      h += v;
      h += "\r\n";
    }
    bool no_body = res.status < 200 || res.status == 204 || res.status == 304;
    if (!has_len && !no_body) {
      h += "content-length: ";
      h += std::to_string(out->body.size());
      h += "\r\n";
    }
    if (!keep) h += "connection: close\r\n";
    else if (version == 10) h += "connection: keep-alive\r\n";
    h += "\r\n";
    if (head_request_ || no_body) out->body.clear();
    std::array<net::const_buffer, 2> bufs{net::buffer(out->head), net::buffer(out->body)};
    net::async_write(stream_, bufs, [self = shared_from_this(), out, keep](beast::error_code ec, size_t) {
      self->after_write(ec, keep);
    });
  }

  struct Outgoing {
    std::string head, body;
  };

  void after_write(beast::error_code ec, bool keep) {
    if (counted_) {
      --server_.inflight;
      counted_ = false;
      server_.cv.notify_all();
    }
    if (ec || !keep) return close();
    read_header();
  }

  void close() {
    if (counted_) {
      --server_.inflight;
      counted_ = false;
      server_.cv.notify_all();
    }
    beast::error_code ignored;
    stream_.shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close(ignored);
  }

  // Timeouts: a deadline per session checked by the worker's sweeper once a second, instead
  // of a timer per read and write (which cost a timerfd syscall per request).
  void expire_in(uint32_t seconds) { deadline_ms_ = steady_ms() + static_cast<int64_t>(seconds) * 1000; }

  tcp::socket stream_;
  beast::flat_buffer buffer_;
  Server::Impl& server_;
  Worker& worker_;
  std::string remote_addr_;
  uint16_t local_port_ = 0;
  int64_t deadline_ms_ = 0;  // 0: none. Touched only on this session's thread.
  bool head_request_ = false;
  std::optional<bhttp::request_parser<bhttp::buffer_body>> parser_;
  Request req_;
  BodyPlan plan_;
  uint64_t body_bytes_ = 0;
  bool keep_alive_ = true;
  bool counted_ = false;
  char body_buf_[kBodyBuf];
};

}  // namespace

std::optional<Request> parse_request(std::string_view raw, const ServerOptions& opts, std::string* error) {
  bhttp::request_parser<bhttp::string_body> p;
  p.header_limit(opts.max_header_bytes);
  p.body_limit(64ull << 20);
  p.eager(true);
  beast::error_code ec;
  size_t used = p.put(net::buffer(raw.data(), raw.size()), ec);
  if (!ec && !p.is_done()) {
    // Bodies that end with the stream (no length) need EOF to complete.
    p.put_eof(ec);
  }
  (void)used;
  if (ec || !p.is_done()) {
    if (error) *error = ec ? ec.message() : "incomplete request";
    return std::nullopt;
  }
  Request req;
  if (!fill_head(p.get(), req, opts.max_header_count)) {
    if (error) *error = "too many headers";
    return std::nullopt;
  }
  req.body = std::move(p.get().body());
  return req;
}

void Server::Impl::sweep(Worker& w) {
  w.sweeper.expires_after(std::chrono::seconds(1));
  w.sweeper.async_wait([this, &w](beast::error_code ec) {
    if (ec) return;
    int64_t now = steady_ms();
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(w.mu);
      for (Session* s : w.sessions)
        if (auto p = s->weak_from_this().lock()) live.push_back(std::move(p));
    }
    for (auto& s : live) s->sweep(now);
    live.clear();
    sweep(w);
  });
}

void Server::Impl::accept() {
  Worker& w = *workers[next_ctx++ % workers.size()];
  acceptor->async_accept(w.ctx.get_executor(), [this, &w](beast::error_code ec, tcp::socket s) {
    if (ec == net::error::operation_aborted || stopping) return;
    if (!ec) {
      beast::error_code ignored;
      s.set_option(tcp::no_delay(true), ignored);
      std::make_shared<Session>(std::move(s), *this, w)->run();
    }
    accept();
  });
}

void Server::Impl::accept_extra(std::shared_ptr<tcp::acceptor> a) {
  Worker& w = *workers[next_ctx++ % workers.size()];
  tcp::acceptor& ref = *a;
  ref.async_accept(w.ctx.get_executor(), [this, &w, a = std::move(a)](beast::error_code ec, tcp::socket s) mutable {
    if (ec == net::error::operation_aborted || stopping || !a->is_open()) return;
    if (!ec) {
      beast::error_code ignored;
      s.set_option(tcp::no_delay(true), ignored);
      std::make_shared<Session>(std::move(s), *this, w)->run();
    }
    accept_extra(std::move(a));
  });
}

Server::Server(ServerOptions opts, Handler& handler) : impl_(std::make_unique<Impl>(std::move(opts), handler)) {}

Server::~Server() {
  if (!impl_->threads.empty()) {
    stop(0);
    wait();
  }
}

void Server::start() {
  int n = impl_->opts.threads > 0 ? impl_->opts.threads
                                   : kThreadsPerCore * static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = kThreadsPerCore;
  for (int i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>();
    w->guard.emplace(net::make_work_guard(w->ctx));
    impl_->workers.push_back(std::move(w));
  }
  auto& ctx0 = impl_->workers[0]->ctx;
  beast::error_code ec;
  auto addr = net::ip::make_address(impl_->opts.host, ec);
  if (ec) throw std::runtime_error("invalid host address " + impl_->opts.host);
  tcp::endpoint ep(addr, impl_->opts.port);
  impl_->acceptor = std::make_unique<tcp::acceptor>(ctx0);
  impl_->acceptor->open(ep.protocol(), ec);
  if (!ec) impl_->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor->bind(ep, ec);
  if (!ec) impl_->acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + impl_->opts.host + ":" + std::to_string(impl_->opts.port) +
                             ": " + ec.message());
  }
  impl_->bound_port = impl_->acceptor->local_endpoint().port();
  impl_->accept();
  for (auto& w : impl_->workers) {
    impl_->sweep(*w);
    impl_->threads.emplace_back([ctx = &w->ctx] { ctx->run(); });
  }
}

uint16_t Server::port() const { return impl_->bound_port; }

uint16_t Server::open_port() {
  auto& ctx0 = impl_->workers.at(0)->ctx;
  beast::error_code ec;
  auto addr = net::ip::make_address(impl_->opts.host, ec);
  if (ec) throw std::runtime_error("invalid host address " + impl_->opts.host);
  tcp::endpoint ep(addr, 0);
  auto a = std::make_shared<tcp::acceptor>(ctx0);
  a->open(ep.protocol(), ec);
  if (!ec) a->bind(ep, ec);
  if (!ec) a->listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + impl_->opts.host + ": " + ec.message());
  uint16_t port = a->local_endpoint().port();
  {
    std::lock_guard lock(impl_->ports_mu);
    impl_->extra[port] = a;
  }
  // The acceptor belongs to ctx0's thread from now on: start and close it there.
  net::post(ctx0, [impl = impl_.get(), a] { impl->accept_extra(a); });
  return port;
}

void Server::close_port(uint16_t port) {
  std::shared_ptr<tcp::acceptor> a;
  {
    std::lock_guard lock(impl_->ports_mu);
    auto it = impl_->extra.find(port);
    if (it == impl_->extra.end()) return;
    a = std::move(it->second);
    impl_->extra.erase(it);
  }
  net::post(impl_->workers.at(0)->ctx, [a] {
    beast::error_code ignored;
    a->close(ignored);
  });
}
uint64_t Server::active_connections() const { return impl_->connections; }

void Server::stop(int drain_ms) {
  if (impl_->stopping.exchange(true)) return;
  net::post(impl_->workers[0]->ctx, [this] {
    beast::error_code ignored;
    impl_->acceptor->close(ignored);
    std::lock_guard lock(impl_->ports_mu);
    for (auto& [port, a] : impl_->extra) a->close(ignored);
    impl_->extra.clear();
  });
  {
    std::unique_lock lock(impl_->mu);
    impl_->cv.wait_for(lock, std::chrono::milliseconds(drain_ms), [this] { return impl_->inflight == 0; });
  }
  for (auto& w : impl_->workers) {
    w->guard.reset();
    w->ctx.stop();
  }
}

void Server::wait() {
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->threads.clear();
}

}  // namespace stratus::http
