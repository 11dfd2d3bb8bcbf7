#include "http/server.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/thread.h"
#include "http/asio_names.h"

namespace stratus::http {

namespace {
class Session;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
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
  uint64_t max_connections = 0;        // resolved from opts at start()
  std::atomic<bool> paused{false};     // the main acceptor waits for a connection to close
  std::atomic<bool> fd_warned{false};  // one log line per episode of descriptor exhaustion
  uint16_t bound_port = 0;
  std::mutex ports_mu;
  std::unordered_map<uint16_t, std::shared_ptr<tcp::acceptor>> extra;  // GUARDED_BY(ports_mu)
  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;  // GUARDED_BY(mu)

  Impl(ServerOptions o, Handler& h) : opts(std::move(o)), handler(h) {}
  void accept();
  void accept_extra(std::shared_ptr<tcp::acceptor> a);
  // true: the error was handled by scheduling `retry` after a pause (never spin on an error
  // that persists, such as EMFILE with the connection still in the backlog).
  bool back_off(const beast::error_code& ec, std::function<void()> retry);
  void connection_closed();
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
    {
      std::lock_guard lock(worker_.mu);
      worker_.sessions.erase(this);
    }
    --server_.connections;
    server_.connection_closed();
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
  // After an error answer, what the peer still sends is read and dropped for at most this long
  // and this much, so that closing doesn't reset the connection before it has read the answer.
  static constexpr uint32_t kLingerSeconds = 2;
  static constexpr size_t kLingerBytes = 1 << 20;

  void read_header() {
    if (server_.stopping) return close();
    parser_.emplace();
    parser_->header_limit(server_.opts.max_header_bytes);
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());  // limits are enforced against
                                                                     // the BodyPlan instead
    req_ = Request{};
    body_bytes_ = 0;
    head_request_ = false;
    head_started_ = false;
    head_scanned_ = 0;
    expire_in(server_.opts.idle_timeout_s);
    pump_header();
  }

  // Reads until the buffer holds a whole header section, then parses it in one put(): the raw
  // bytes are at hand for the framing checks Beast doesn't make (obs-fold), and the header gets
  // its own deadline from its first byte on, separate from the keep-alive idle time.
  void pump_header() {
    auto data = buffer_.data();
    std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    if (!bytes.empty() && !head_started_) {
      head_started_ = true;
      expire_in(server_.opts.header_timeout_s);
    }
    size_t end = bytes.find("\r\n\r\n", head_scanned_);
    if (end != std::string_view::npos) return on_header(bytes.substr(0, end + 4));
    if (bytes.size() >= server_.opts.max_header_bytes) {
      return fail(431, "RequestHeaderSectionTooLarge",
                  "Your request header section exceeds the maximum allowed size.");
    }
    head_scanned_ = bytes.size() >= 3 ? bytes.size() - 3 : 0;  // the terminator may straddle reads
    // As Beast's reads: into the room the buffer has (kReadBuf reserved), so that a connection's
    // buffer grows only for heads that need it; never past the header limit.
    size_t room = std::max<size_t>(buffer_.capacity() - buffer_.size(), 512);
    stream_.async_read_some(
        buffer_.prepare(std::min<size_t>(room, server_.opts.max_header_bytes - bytes.size())),
        [self = shared_from_this()](beast::error_code ec, size_t n) {
          if (ec) return self->close();  // EOF, reset, or closed by the sweeper
          self->buffer_.commit(n);
          self->pump_header();
        });
  }

  void on_header(std::string_view raw_head) {
    beast::error_code ec;
    parser_->put(net::buffer(raw_head.data(), raw_head.size()), ec);
    if (!ec && !parser_->is_header_done())
      ec = bhttp::error::need_more;  // can't be: the head is whole
    if (ec == bhttp::error::header_limit) {
      return fail(431, "RequestHeaderSectionTooLarge",
                  "Your request header section exceeds the maximum allowed size.");
    }
    if (ec) return fail(400, "BadRequest", "Malformed HTTP request: " + ec.message());
    ++server_.inflight;
    counted_ = true;
    const auto& h = parser_->get();
    if (!fill_head(h, req_, server_.opts.max_header_count)) {
      return fail(431, "RequestHeaderSectionTooLarge", "Too many request headers.");
    }
    head_fields_ = static_cast<size_t>(std::distance(h.begin(), h.end()));
    if (auto bad = check_framing(req_.headers, h.version(), raw_head))
      return fail(bad->status, bad->code, bad->message);
    buffer_.consume(raw_head.size());  // only now: raw_head points into the buffer
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
    if (const std::string* ex = req_.headers.find("expect");
        ex && beast::iequals(*ex, "100-continue")) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                       h.version());
      bhttp::async_write(stream_, *cont,
                         [self = shared_from_this(), cont](beast::error_code ec, size_t) {
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
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec == bhttp::error::partial_message || ec == net::error::eof ||
        ec == beast::error::timeout) {
      // Truncated body: answer if the peer still listens, then close.
      keep_alive_ = false;
      return fail(400, "IncompleteBody", "The request body terminated unexpectedly");
    }
    if (ec) return close();
    size_t n = kBodyBuf - parser_->get().body().size;
    body_bytes_ += n;
    if (body_bytes_ > plan_.max_bytes) {
      keep_alive_ = false;
      return fail(413, "RequestEntityTooLarge",
                  "Request body exceeds the maximum allowed size of " +
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
    // Trailer fields of a chunked body (Beast appends them to the head's fields): added to the
    // request's headers, within the same field count limit.
    if (parser_->chunked()) {
      const auto& m = parser_->get();
      auto total = static_cast<size_t>(std::distance(m.begin(), m.end()));
      if (total > head_fields_ && total <= server_.opts.max_header_count)
        for (auto it = std::next(m.begin(), static_cast<std::ptrdiff_t>(head_fields_)); it != m.end(); ++it)
          req_.headers.add(it->name_string(), it->value());
    }
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

  // An error of the HTTP layer is answered once and the connection closed: after a bad head,
  // an oversized or truncated body or broken framing, where the next request would start is
  // unknown, and parsing the same bytes again would answer them forever.
  void fail(int status, std::string_view code, const std::string& message) {
    keep_alive_ = false;
    if (!counted_) {
      ++server_.inflight;
      counted_ = true;
    }
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
    out->file = std::move(res.file);
    out->file_offset = res.file_offset;
    out->file_left = out->file ? res.file_length : 0;
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
      h += std::to_string(out->body.size() + out->file_left);
      h += "\r\n";
    }
    if (!keep)
      h += "connection: close\r\n";
    else if (version == 10)
      h += "connection: keep-alive\r\n";
    h += "\r\n";
    if (head_request_ || no_body) {
      out->body.clear();
      out->file_left = 0;
    }
    std::array<net::const_buffer, 2> bufs{net::buffer(out->head), net::buffer(out->body)};
    net::async_write(stream_, bufs, [self = shared_from_this(), out, keep](beast::error_code ec, size_t) {
      if (!ec && out->file_left) return self->send_file(out, keep);
      self->after_write(ec, keep);
    });
  }

  struct Outgoing {
    std::string head, body;
    std::shared_ptr<const BodyFile> file;  // Response::file: sent after body with sendfile(2)
    uint64_t file_offset = 0, file_left = 0;
  };

  // Sends the rest of a file body: sendfile(2) in slices while the socket takes them, waiting
  // for writability in between (the socket is non-blocking). A short file (truncated under us)
  // ends the connection, as the promised Content-Length can't be kept.
  void send_file(std::shared_ptr<Outgoing> out, bool keep) {
    constexpr uint64_t kSlice = 1 << 20;
    stream_.non_blocking(true);
    while (out->file_left) {
      auto off = static_cast<off_t>(out->file_offset);
      ssize_t n = ::sendfile(stream_.native_handle(), out->file->fd, &off,
                             static_cast<size_t>(std::min(out->file_left, kSlice)));
      if (n > 0) {
        out->file_offset += static_cast<uint64_t>(n);
        out->file_left -= static_cast<uint64_t>(n);
        expire_in(server_.opts.read_timeout_s);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        stream_.async_wait(tcp::socket::wait_write, [self = shared_from_this(), out, keep](beast::error_code ec) {
          if (ec) return self->after_write(ec, keep);
          self->send_file(out, keep);
        });
        return;
      }
      return after_write(net::error::make_error_code(net::error::broken_pipe), keep);
    }
    after_write({}, keep);
  }

  // This connection no longer has a request in flight (stop() waits for none).
  void uncount() {
    if (!counted_) return;
    --server_.inflight;
    counted_ = false;
    server_.cv.notify_all();
  }

  void after_write(beast::error_code ec, bool keep) {
    uncount();
    if (ec) return close();
    if (!keep) return linger();
    read_header();
  }

  // Closes after the last answer without resetting the connection: a peer still sending (the
  // rest of an oversized header or a refused body) would get an RST for unread data, which can
  // destroy the answer before the peer reads it. So: half-close, drop what arrives until the
  // peer closes too, for a bounded time and amount.
  void linger() {
    uncount();
    beast::error_code ignored;
    stream_.shutdown(tcp::socket::shutdown_send, ignored);
    expire_in(kLingerSeconds);
    drain(0);
  }

  void drain(size_t dropped) {
    if (dropped > kLingerBytes) return close();
    stream_.async_read_some(net::buffer(body_buf_, kBodyBuf),
                            [self = shared_from_this(), dropped](beast::error_code ec, size_t n) {
                              if (ec) return self->close();
                              self->drain(dropped + n);
                            });
  }

  void close() {
    uncount();
    beast::error_code ignored;
    stream_.shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close(ignored);
  }

  // Timeouts: a deadline per session checked by the worker's sweeper once a second, instead
  // of a timer per read and write (which cost a timerfd syscall per request).
  void expire_in(uint32_t seconds) {
    deadline_ms_ = steady_ms() + static_cast<int64_t>(seconds) * 1000;
  }

  tcp::socket stream_;
  beast::flat_buffer buffer_;
  Server::Impl& server_;
  Worker& worker_;
  std::string remote_addr_;
  uint16_t local_port_ = 0;
  int64_t deadline_ms_ = 0;  // 0: none. Touched only on this session's thread.
  bool head_request_ = false;
  bool head_started_ = false;  // a byte of the current request's head has arrived
  size_t head_scanned_ = 0;    // buffer bytes already searched for the end of the head
  std::optional<bhttp::request_parser<bhttp::buffer_body>> parser_;
  size_t head_fields_ = 0;  // fields of the head; those after them in the parser are trailers
  Request req_;
  BodyPlan plan_;
  uint64_t body_bytes_ = 0;
  bool keep_alive_ = true;
  bool counted_ = false;
  char body_buf_[kBodyBuf];
};

}  // namespace

namespace {
std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

FramingError bad_framing(std::string message) {
  return {400, "BadRequest", std::move(message)};
}
}  // namespace

std::optional<FramingError> check_framing(const Headers& headers, unsigned version,
                                          std::string_view raw_head) {
  // obs-fold: a line of the head starting with SP or HTAB continues the previous one. RFC 9112
  // §5.2 lets a server reject it; unfolding it (as Beast does) reads a different header than a
  // proxy in front might have.
  for (size_t at = raw_head.find('\n'); at != std::string_view::npos && at + 1 < raw_head.size();
       at = raw_head.find('\n', at + 1)) {
    if (raw_head[at + 1] == ' ' || raw_head[at + 1] == '\t')
      return bad_framing("Header line folding (obs-fold) is not allowed.");
  }
  bool has_te = false;
  std::vector<std::string_view> codings;
  std::optional<std::string_view> length;
  for (const auto& [name, value] : headers.items()) {
    if (name == "transfer-encoding") {
      has_te = true;
      std::string_view rest = value;
      while (true) {
        size_t comma = rest.find(',');
        std::string_view c = trim_ows(rest.substr(0, comma));
        if (!c.empty()) codings.push_back(c);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    } else if (name == "content-length") {
      // A list of equal values counts as that value (RFC 9112 §6.3, 5.); Beast refuses differing
      // ones.
      std::string_view rest = value;
      while (true) {
        size_t comma = rest.find(',');
        std::string_view v = trim_ows(rest.substr(0, comma));
        if (v.empty() || v.size() > 19 ||
            v.find_first_not_of("0123456789") != std::string_view::npos)
          return bad_framing("Invalid Content-Length.");
        if (length && *length != v) return bad_framing("Conflicting Content-Length values.");
        length = v;
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
  }
  if (!has_te) return std::nullopt;
  // Transfer-Encoding: the body's end is only known when the last coding is chunked, so anything
  // else leaves bytes a front-end proxy and this server would split differently.
  if (length) return bad_framing("Transfer-Encoding and Content-Length must not both be present.");
  if (version < 11) return bad_framing("Transfer-Encoding is not allowed in HTTP/1.0.");
  if (codings.empty() || !beast::iequals(codings.back(), "chunked"))
    return bad_framing("The final Transfer-Encoding must be chunked.");
  for (size_t i = 0; i + 1 < codings.size(); ++i) {
    if (beast::iequals(codings[i], "chunked"))
      return bad_framing("Transfer-Encoding chunked applied twice.");
  }
  if (codings.size() > 1) {
    // gzip, deflate, ... under chunked: valid HTTP, but not decoded here (RFC 9112 §6.1: 501).
    return FramingError{501, "NotImplemented",
                        "A header you provided implies functionality that is not implemented."};
  }
  return std::nullopt;
}

std::optional<Request> parse_request(std::string_view raw, const ServerOptions& opts,
                                     std::string* error) {
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
  size_t head_end = raw.find("\r\n\r\n");
  std::string_view head =
      raw.substr(0, head_end == std::string_view::npos ? raw.size() : head_end + 4);
  if (auto bad = check_framing(req.headers, p.get().version(), head)) {
    if (error) *error = bad->message;
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

uint64_t raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit want = rl;
    want.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) rl = want;
  }
  return rl.rlim_cur == RLIM_INFINITY ? std::numeric_limits<uint64_t>::max()
                                      : static_cast<uint64_t>(rl.rlim_cur);
}

uint64_t default_max_connections(uint64_t fd_limit) {
  constexpr uint64_t kHeadroom = 512;  // RocksDB's 256 open files, Lambda pipes, spool files, logs
  constexpr uint64_t kMax = 10000;
  if (fd_limit > 2 * kHeadroom) return std::min(kMax, fd_limit - kHeadroom);
  return std::max<uint64_t>(1, fd_limit / 2);
}

// The accept loop of the main listener. Each accepted connection goes to the next worker. At
// max_connections it pauses (connection_closed() resumes it); errors that persist (no
// descriptors left) are retried after a pause instead of at once, which would spin.
void Server::Impl::accept() {
  Worker& w = *workers[next_ctx++ % workers.size()];
  acceptor->async_accept(w.ctx.get_executor(), [this, &w](beast::error_code ec, tcp::socket s) {
    if (ec == net::error::operation_aborted || stopping) return;
    if (ec) {
      if (!back_off(ec, [this] { accept(); })) accept();
      return;
    }
    if (fd_warned.exchange(false)) spdlog::info("accepting connections again");
    beast::error_code ignored;
    s.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Session>(std::move(s), *this, w)->run();
    if (connections.load() >= max_connections) {
      paused = true;
      spdlog::warn("{} connections open (--max-connections): not accepting more until some close",
                   max_connections);
      // A session may have closed between the check and the flag: whoever clears it accepts.
      if (connections.load() < max_connections && paused.exchange(false)) accept();
      return;
    }
    accept();
  });
}

void Server::Impl::connection_closed() {
  // Not while stopping: sessions are then destroyed with the io_contexts, worker 0's included.
  if (stopping || !paused.load() || connections.load() >= max_connections) return;
  if (!paused.exchange(false)) return;
  spdlog::info("below {} connections: accepting again", max_connections);
  net::post(workers[0]->ctx, [this] {
    if (!stopping) accept();
  });
}

bool Server::Impl::back_off(const beast::error_code& ec, std::function<void()> retry) {
  // The peer gave up before accept(): nothing persists, try the next one at once.
  if (ec == net::error::connection_aborted) return false;
  bool no_fds = ec == net::error::no_descriptors || ec.value() == ENFILE;
  if (!fd_warned.exchange(true)) {
    if (no_fds)
      spdlog::error(
          "accept: {} ({} connections open); retrying every 100 ms. Raise the descriptor limit "
          "(ulimit -n) "
          "or lower --max-connections",
          ec.message(), connections.load());
    else
      spdlog::error("accept: {}; retrying every 100 ms", ec.message());
  }
  // A timer per pause (errors are rare): each listener has one accept outstanding at a time.
  auto timer = std::make_shared<net::steady_timer>(workers[0]->ctx, std::chrono::milliseconds(100));
  timer->async_wait([this, timer, retry = std::move(retry)](beast::error_code tec) {
    if (tec || stopping) return;
    retry();
  });
  return true;
}

void Server::Impl::accept_extra(std::shared_ptr<tcp::acceptor> a) {
  Worker& w = *workers[next_ctx++ % workers.size()];
  tcp::acceptor& ref = *a;
  ref.async_accept(w.ctx.get_executor(),
                   [this, &w, a = std::move(a)](beast::error_code ec, tcp::socket s) mutable {
                     if (ec == net::error::operation_aborted || stopping || !a->is_open()) return;
                     if (ec) {
                       auto again = a;
                       if (!back_off(ec, [this, again] {
                             if (again->is_open()) accept_extra(again);
                           }))
                         accept_extra(std::move(a));
                       return;
                     }
                     beast::error_code ignored;
                     s.set_option(tcp::no_delay(true), ignored);
                     std::make_shared<Session>(std::move(s), *this, w)->run();
                     accept_extra(std::move(a));
                   });
}

Server::Server(ServerOptions opts, Handler& handler)
    : impl_(std::make_unique<Impl>(std::move(opts), handler)) {}

Server::~Server() {
  if (!impl_->threads.empty()) {
    stop(0);
    wait();
  }
}

void Server::start() {
  int n = impl_->opts.threads > 0
              ? impl_->opts.threads
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
    throw std::runtime_error("cannot listen on " + impl_->opts.host + ":" +
                             std::to_string(impl_->opts.port) + ": " + ec.message());
  }
  impl_->bound_port = impl_->acceptor->local_endpoint().port();
  rlimit rl{};
  uint64_t fds =
      getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY ? rl.rlim_cur : 1u << 20;
  impl_->max_connections =
      impl_->opts.max_connections ? impl_->opts.max_connections : default_max_connections(fds);
  impl_->accept();
  for (auto& w : impl_->workers) {
    impl_->sweep(*w);
    // A handler that throws unwinds out of run(); the io_context stays usable, so log and go
    // on serving the other connections rather than let the exception end the process.
    impl_->threads.emplace_back(
        [ctx = &w->ctx] { run_restarting("http-worker", [ctx] { ctx->run(); }); });
  }
}

uint16_t Server::port() const {
  return impl_->bound_port;
}

uint16_t Server::open_port(uint16_t wanted) {
  auto& ctx0 = impl_->workers.at(0)->ctx;
  beast::error_code ec;
  auto addr = net::ip::make_address(impl_->opts.host, ec);
  if (ec) throw std::runtime_error("invalid host address " + impl_->opts.host);
  tcp::endpoint ep(addr, wanted);
  auto a = std::make_shared<tcp::acceptor>(ctx0);
  a->open(ep.protocol(), ec);
  // A fixed port is bound again right after a restart (its old connections in TIME_WAIT).
  if (!ec && wanted) a->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a->bind(ep, ec);
  if (!ec) a->listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + impl_->opts.host + (wanted ? ":" + std::to_string(wanted) : "") +
                             ": " + ec.message());
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
uint64_t Server::active_connections() const {
  return impl_->connections;
}

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
    impl_->cv.wait_for(lock, std::chrono::milliseconds(drain_ms),
                       [this] { return impl_->inflight == 0; });
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
