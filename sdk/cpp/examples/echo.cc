// An example C++ Lambda function: answers with the event it received, or fails on request.
// Build: g++ -std=c++17 -O2 -I sdk/cpp sdk/cpp/examples/echo.cc -o bootstrap; zip fn.zip bootstrap
#include <string>

#include "stratus_lambda_runtime.hpp"

int main() {
  return stratus_lambda::run([](const std::string& event, const stratus_lambda::Context&) {
    if (event.find("\"fail\"") != std::string::npos) throw stratus_lambda::Error("EchoError", "asked to fail");
    return event;
  });
}
