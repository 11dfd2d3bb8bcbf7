// A small header-only Lambda runtime client for C++ functions (provided / provided.al2 /
// provided.al2023 runtimes). It speaks the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API over one
// keep-alive connection, so the same binary runs on AWS and on Stratus.
//
//   #include "stratus_lambda_runtime.hpp"
//   int main() {
//     return stratus_lambda::run([](const std::string& event, const stratus_lambda::Context& ctx) {
//       return event;  // the response payload (JSON text)
//     });
//   }
//
// Build the `bootstrap` with: g++ -std=c++17 -O2 -static-libstdc++ main.cc -o bootstrap
// Throw stratus_lambda::Error(type, message) (or any std::exception) to report a function error.
#pragma once

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>

namespace stratus_lambda {

struct Context {
  std::string request_id;
  std::string invoked_function_arn;
  std::string trace_id;
  std::string client_context;    // JSON text, may be empty
  std::string cognito_identity;  // JSON text, may be empty
  int64_t deadline_ms = 0;       // epoch milliseconds
  int64_t remaining_ms() const {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
    return deadline_ms > now ? deadline_ms - now : 0;
  }
};

struct Error : std::runtime_error {
  std::string type;
  Error(std::string t, const std::string& message) : std::runtime_error(message), type(std::move(t)) {}
};

using Handler = std::function<std::string(const std::string& event, const Context& ctx)>;

namespace detail {

inline std::string json_escape(const std::string& s) {
  std::string o;
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          o += b;
        } else {
          o += static_cast<char>(c);
        }
    }
  }
  return o;
}

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class Client {
 public:
  explicit Client(const std::string& api) {
    std::string hostport = api, prefix;
    auto slash = api.find('/');
    if (slash != std::string::npos) {
      hostport = api.substr(0, slash);
      prefix = api.substr(slash);
    }
    auto colon = hostport.rfind(':');
    host_ = hostport.substr(0, colon);
    port_ = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
    base_ = prefix + "/2018-06-01/runtime";
  }
  ~Client() { close_fd(); }

  Response request(const std::string& method, const std::string& path, const std::string& body = {},
                   const std::string& extra_headers = {}) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0 && !connect_fd()) continue;
      std::string req = method + " " + base_ + path + " HTTP/1.1\r\nHost: " + host_ + ":" + port_ +
                        "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
      Response r;
      if (send_all(req) && read_response(r)) return r;
      close_fd();
    }
    throw std::runtime_error("the Lambda Runtime API is unreachable");
  }

 private:
  bool connect_fd() {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host_.c_str(), port_.c_str(), &hints, &res) != 0) return false;
    for (addrinfo* a = res; a; a = a->ai_next) {
      int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fd_ = fd;
        break;
      }
      ::close(fd);
    }
    freeaddrinfo(res);
    buf_.clear();
    return fd_ >= 0;
  }
  void close_fd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool send_all(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  bool fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  bool read_response(Response& r) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return false;
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    auto sp = status_line.find(' ');
    r.status = sp == std::string::npos ? 0 : std::atoi(status_line.c_str() + sp + 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      auto c = line.find(':');
      if (c != std::string::npos) {
        std::string k = line.substr(0, c), v = line.substr(c + 1);
        for (auto& ch : k) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
        r.headers[k] = v;
      }
      pos = e + 2;
    }
    size_t len = r.headers.count("content-length") ? std::strtoull(r.headers["content-length"].c_str(), nullptr, 10) : 0;
    while (buf_.size() < len)
      if (!fill()) return false;
    r.body = buf_.substr(0, len);
    buf_.erase(0, len);
    return true;
  }

  std::string host_, port_, base_, buf_;
  int fd_ = -1;
};

inline std::string header(const Response& r, const char* name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

}  // namespace detail

// Serves invocations until the Runtime API goes away. Returns the process exit code.
inline int run(const Handler& handler) {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (!api) {
    std::fprintf(stderr, "AWS_LAMBDA_RUNTIME_API is not set: run this as a Lambda bootstrap\n");
    return 1;
  }
  detail::Client client(api);
  try {
    for (;;) {
      detail::Response next = client.request("GET", "/invocation/next");
      if (next.status != 200) return 0;
      Context ctx;
      ctx.request_id = detail::header(next, "lambda-runtime-aws-request-id");
      ctx.invoked_function_arn = detail::header(next, "lambda-runtime-invoked-function-arn");
      ctx.trace_id = detail::header(next, "lambda-runtime-trace-id");
      ctx.client_context = detail::header(next, "lambda-runtime-client-context");
      ctx.cognito_identity = detail::header(next, "lambda-runtime-cognito-identity");
      ctx.deadline_ms = std::atoll(detail::header(next, "lambda-runtime-deadline-ms").c_str());
      if (!ctx.trace_id.empty()) setenv("_X_AMZN_TRACE_ID", ctx.trace_id.c_str(), 1);
      std::string out, type, message;
      bool failed = false;
      try {
        out = handler(next.body, ctx);
      } catch (const Error& e) {
        failed = true;
        type = e.type;
        message = e.what();
      } catch (const std::exception& e) {
        failed = true;
        type = "std::exception";
        message = e.what();
      }
      if (failed) {
        std::string doc = "{\"errorType\":\"" + detail::json_escape(type) + "\",\"errorMessage\":\"" +
                          detail::json_escape(message) + "\",\"stackTrace\":[]}";
        client.request("POST", "/invocation/" + ctx.request_id + "/error", doc,
                       "Lambda-Runtime-Function-Error-Type: " + type + "\r\nContent-Type: application/json\r\n");
      } else {
        client.request("POST", "/invocation/" + ctx.request_id + "/response", out,
                       "Content-Type: application/json\r\n");
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "runtime client: %s\n", e.what());
    return 1;
  }
}

}  // namespace stratus_lambda
