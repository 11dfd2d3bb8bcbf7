#include "http/client.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

namespace stratus::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

// The client's io_context and its one thread; made on first use and kept for the process'
// life (requests may still be in flight while statics are destroyed).
struct Loop {
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> guard = net::make_work_guard(ioc);
  std::thread thread{[this] { ioc.run(); }};
};

Loop& loop() {
  static Loop* l = new Loop();
  return *l;
}

struct Exchange : std::enable_shared_from_this<Exchange> {
  explicit Exchange(net::io_context& ioc) : resolver(ioc), stream(ioc) {}

  tcp::resolver resolver;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bhttp::request<bhttp::string_body> req;
  std::unique_ptr<bhttp::response_parser<bhttp::string_body>> parser;
  std::chrono::steady_clock::time_point deadline;
  ClientDone done;
  bool finished = false;

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
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    auto d = std::move(done);
    d(std::move(r));
  }
};

void start(const std::shared_ptr<Exchange>& x, const std::string& host, const std::string& port) {
  // resolve isn't covered by tcp_stream's deadline: a timer-less bound is the resolver's own.
  x->resolver.async_resolve(host, port, [x](beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return x->fail(ClientResponse::Failure::resolve, ec, "resolve");
    x->stream.expires_at(x->deadline);
    x->stream.async_connect(results, [x](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return x->fail(ClientResponse::Failure::connect, ec, "connect");
      x->stream.expires_at(x->deadline);
      bhttp::async_write(x->stream, x->req, [x](beast::error_code ec, size_t) {
        if (ec) return x->fail(ClientResponse::Failure::io, ec, "write");
        x->stream.expires_at(x->deadline);
        bhttp::async_read(x->stream, x->buffer, *x->parser, [x](beast::error_code ec, size_t) {
          if (ec) return x->fail(ClientResponse::Failure::io, ec, "read");
          ClientResponse r;
          auto msg = x->parser->release();
          r.status = static_cast<int>(msg.result_int());
          for (const auto& f : msg) r.headers.add(std::string(f.name_string()), std::string(f.value()));
          r.body = std::move(msg.body());
          x->finish(std::move(r));
        });
      });
    });
  });
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
  if (u.scheme != "http") {
    ClientResponse r;
    r.failure = ClientResponse::Failure::connect;
    r.error = "https endpoints are not supported (no TLS client)";
    return done(std::move(r));
  }
  Loop& l = loop();
  auto x = std::make_shared<Exchange>(l.ioc);
  x->done = std::move(done);
  x->deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(1, req.timeout_ms));
  x->req.method_string(req.method);
  x->req.target(u.target);
  x->req.version(11);
  bool default_port = u.port == "80";
  x->req.set(bhttp::field::host, (u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host) +
                                     (default_port ? "" : ":" + u.port));
  for (const auto& [k, v] : req.headers.items()) {
    if (k == "host" || k == "content-length" || k == "connection" || k == "transfer-encoding") continue;
    x->req.insert(k, v);
  }
  x->req.set(bhttp::field::connection, "close");
  bool has_body = !req.body.empty() || (req.method != "GET" && req.method != "HEAD" && req.method != "DELETE" &&
                                        req.method != "OPTIONS");
  x->req.body() = std::move(req.body);
  if (has_body) x->req.prepare_payload();
  x->parser = std::make_unique<bhttp::response_parser<bhttp::string_body>>();
  x->parser->body_limit(req.max_body_bytes);
  x->parser->header_limit(64 * 1024);
  if (req.method == "HEAD") x->parser->skip(true);
  net::post(l.ioc, [x, host = u.host, port = u.port] { start(x, host, port); });
}

ClientResponse fetch_blocking(ClientRequest req) {
  auto p = std::make_shared<std::promise<ClientResponse>>();
  auto f = p->get_future();
  fetch(std::move(req), [p](ClientResponse r) { p->set_value(std::move(r)); });
  return f.get();
}

}  // namespace stratus::http
