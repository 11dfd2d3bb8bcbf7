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
// Build the `bootstrap` with: g++ -std=c++17 -O2 -static-libstdc++ -I sdk/cpp main.cc -o bootstrap
// (stratus_http.hpp, next to this file, is its HTTP client; stratus_aws.hpp calls AWS services.)
// Throw stratus_lambda::Error(type, message) (or any std::exception) to report a function error.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>

#include "stratus_http.hpp"

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

// The Runtime API at AWS_LAMBDA_RUNTIME_API: "host:port" or "host:port/prefix".
class Client {
 public:
  explicit Client(const std::string& api) : conn_(host_of(api), port_of(api)) {
    auto slash = api.find('/');
    base_ = (slash == std::string::npos ? std::string() : api.substr(slash)) + "/2018-06-01/runtime";
  }

  stratus_http::Response request(const std::string& method, const std::string& path, const std::string& body = {},
                                 const std::string& extra_headers = {}) {
    try {
      return conn_.request(method, base_ + path, extra_headers, body);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("the Lambda Runtime API is unreachable: ") + e.what());
    }
  }

 private:
  static std::string hostport(const std::string& api) { return api.substr(0, api.find('/')); }
  static std::string host_of(const std::string& api) {
    std::string hp = hostport(api);
    return hp.substr(0, hp.rfind(':'));
  }
  static std::string port_of(const std::string& api) {
    std::string hp = hostport(api);
    auto colon = hp.rfind(':');
    return colon == std::string::npos ? "80" : hp.substr(colon + 1);
  }

  stratus_http::Connection conn_;
  std::string base_;
};

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
      stratus_http::Response next = client.request("GET", "/invocation/next");
      if (next.status != 200) return 0;
      Context ctx;
      ctx.request_id = next.header("lambda-runtime-aws-request-id");
      ctx.invoked_function_arn = next.header("lambda-runtime-invoked-function-arn");
      ctx.trace_id = next.header("lambda-runtime-trace-id");
      ctx.client_context = next.header("lambda-runtime-client-context");
      ctx.cognito_identity = next.header("lambda-runtime-cognito-identity");
      ctx.deadline_ms = std::atoll(next.header("lambda-runtime-deadline-ms").c_str());
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
