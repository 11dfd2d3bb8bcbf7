#include "http/client.h"
#include "core/thread.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <type_traits>

#include "http/asio_names.h"

namespace stratus::http {

namespace {

// The client's io_context and its one thread; made on first use and kept for the process'
// life (requests may still be in flight while statics are destroyed).
struct Loop {
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> guard = net::make_work_guard(ioc);
  std::thread thread{[this] { run_restarting("http-client", [this] { ioc.run(); }); }};
};

Loop& loop() {
  static Loop* l = new Loop();
  return *l;
}

// TLS contexts: one verifying peers against the system's CAs, one that doesn't (API Gateway's
// tlsConfig.insecureSkipVerification).
net::ssl::context& tls_context(bool verify) {
  static net::ssl::context* checked = [] {
    auto* c = new net::ssl::context(net::ssl::context::tls_client);
    c->set_default_verify_paths();
    c->set_verify_mode(net::ssl::verify_peer);
    return c;
  }();
  static net::ssl::context* unchecked = [] {
    auto* c = new net::ssl::context(net::ssl::context::tls_client);
    c->set_verify_mode(net::ssl::verify_none);
    return c;
  }();
  return verify ? *checked : *unchecked;
}

// One request/response over a plain (beast::tcp_stream) or TLS (ssl_stream) connection.
template <class Stream>
struct Exchange : std::enable_shared_from_this<Exchange<Stream>> {
  template <class... Args>
  Exchange(net::io_context& ioc, Args&&... args) : resolver(ioc), stream(std::forward<Args>(args)...) {}

  tcp::resolver resolver;
  Stream stream;
  beast::flat_buffer buffer;
  bhttp::request<bhttp::string_body> req;
  std::unique_ptr<bhttp::response_parser<bhttp::string_body>> parser;
  std::chrono::steady_clock::time_point deadline;
  ClientDone done;
  bool finished = false;

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream); }

  void fail(ClientResponse::Failure f, const beast::error_code& ec, const char* what) {
    ClientResponse r;
    r.failure = ec == beast::error::timeout || ec == net::error::operation_aborted ? ClientResponse::Failure::timeout : f;
    r.error = std::string(what) + ": " + ec.message();
    finish(std::move(r));
  }
  void finish(ClientResponse r) {
    if (finished) return;
    finished = true;
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
    auto d = std::move(done);
    d(std::move(r));
  }

  void start(const std::string& host, const std::string& port) {
    auto self = this->shared_from_this();
    resolver.async_resolve(host, port, [self](beast::error_code ec, tcp::resolver::results_type results) {
      if (ec) return self->fail(ClientResponse::Failure::resolve, ec, "resolve");
      self->lowest().expires_at(self->deadline);
      self->lowest().async_connect(results, [self](beast::error_code ec, const tcp::endpoint&) {
        if (ec) return self->fail(ClientResponse::Failure::connect, ec, "connect");
        self->lowest().expires_at(self->deadline);
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
          self->send();
        } else {
          self->stream.async_handshake(net::ssl::stream_base::client, [self](beast::error_code ec) {
            if (ec) return self->fail(ClientResponse::Failure::connect, ec, "TLS handshake");
            self->send();
          });
        }
      });
    });
  }

  void send() {
    auto self = this->shared_from_this();
    lowest().expires_at(deadline);
    bhttp::async_write(stream, req, [self](beast::error_code ec, size_t) {
      if (ec) return self->fail(ClientResponse::Failure::io, ec, "write");
      self->lowest().expires_at(self->deadline);
      bhttp::async_read(self->stream, self->buffer, *self->parser, [self](beast::error_code ec, size_t) {
        if (ec) return self->fail(ClientResponse::Failure::io, ec, "read");
        ClientResponse r;
        auto msg = self->parser->release();
        r.status = static_cast<int>(msg.result_int());
        for (const auto& f : msg) r.headers.add(std::string(f.name_string()), std::string(f.value()));
        r.body = std::move(msg.body());
        self->finish(std::move(r));
      });
    });
  }
};

template <class Stream>
void prepare(Exchange<Stream>& x, ClientRequest& req, const Url& u, ClientDone done) {
  x.done = std::move(done);
  x.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(1, req.timeout_ms));
  x.req.method_string(req.method);
  x.req.target(u.target);
  x.req.version(11);
  bool default_port = u.port == (u.scheme == "https" ? "443" : "80");
  x.req.set(bhttp::field::host, (u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host) +
                                    (default_port ? "" : ":" + u.port));
  for (const auto& [k, v] : req.headers.items()) {
    if (k == "host" || k == "content-length" || k == "connection" || k == "transfer-encoding") continue;
    x.req.insert(k, v);
  }
  x.req.set(bhttp::field::connection, "close");
  bool has_body = !req.body.empty() || (req.method != "GET" && req.method != "HEAD" && req.method != "DELETE" &&
                                        req.method != "OPTIONS");
  x.req.body() = std::move(req.body);
  if (has_body) x.req.prepare_payload();
  x.parser = std::make_unique<bhttp::response_parser<bhttp::string_body>>();
  x.parser->body_limit(req.max_body_bytes);
  x.parser->header_limit(64 * 1024);
  if (req.method == "HEAD") x.parser->skip(true);
}

}  // namespace

bool parse_url(const std::string& url, Url& out) {
  auto colon = url.find("://");
  if (colon == std::string::npos) return false;
  out.scheme = url.substr(0, colon);
  for (auto& c : out.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.scheme != "http" && out.scheme != "https") return false;
  std::string rest = url.substr(colon + 3);
  auto end = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, end);
  out.target = end == std::string::npos ? "/" : rest.substr(end);
  if (auto hash = out.target.find('#'); hash != std::string::npos) out.target.resize(hash);
  if (out.target.empty() || out.target[0] == '?') out.target = "/" + out.target;
  if (auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  out.port = out.scheme == "https" ? "443" : "80";
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return false;
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') out.port = authority.substr(close + 2);
  } else if (auto c = authority.rfind(':'); c != std::string::npos) {
    out.host = authority.substr(0, c);
    out.port = authority.substr(c + 1);
  } else {
    out.host = authority;
  }
  return !out.host.empty() && !out.port.empty();
}

void fetch(ClientRequest req, ClientDone done) {
  Url u;
  if (!parse_url(req.url, u)) {
    ClientResponse r;
    r.failure = ClientResponse::Failure::bad_url;
    r.error = "not an absolute http URL: " + req.url;
    return done(std::move(r));
  }
  Loop& l = loop();
  if (u.scheme == "https") {
    using TlsStream = beast::ssl_stream<beast::tcp_stream>;
    auto x = std::make_shared<Exchange<TlsStream>>(l.ioc, l.ioc, tls_context(req.verify_tls));
    prepare(*x, req, u, std::move(done));
    // SNI, and the certificate must name the host when verifying
    SSL_set_tlsext_host_name(x->stream.native_handle(), u.host.c_str());
    if (req.verify_tls) x->stream.set_verify_callback(net::ssl::host_name_verification(u.host));
    net::post(l.ioc, [x, host = u.host, port = u.port] { x->start(host, port); });
    return;
  }
  auto x = std::make_shared<Exchange<beast::tcp_stream>>(l.ioc, l.ioc);
  prepare(*x, req, u, std::move(done));
  net::post(l.ioc, [x, host = u.host, port = u.port] { x->start(host, port); });
}

ClientResponse fetch_blocking(ClientRequest req) {
  auto p = std::make_shared<std::promise<ClientResponse>>();
  auto f = p->get_future();
  fetch(std::move(req), [p](ClientResponse r) { p->set_value(std::move(r)); });
  return f.get();
}

}  // namespace stratus::http
