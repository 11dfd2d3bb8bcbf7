// The layers' /opt view (merge_layers), Lambda's timestamp form, and the per-environment ports
// of http::Server (open_port/close_port) the Runtime API relies on.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "http/server.h"
#include "services/lambda/code.h"

namespace stratus {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(LambdaLayers, MergedInOrderLaterLayersWin) {
  fs::path root = fs::temp_directory_path() / ("stratus-layers-" + std::to_string(::getpid())) / "code";
  fs::remove_all(root.parent_path());
  write(root / "aaa" / "python" / "shared.py", "one");
  write(root / "aaa" / "python" / "only_a.py", "a");
  write(root / "aaa" / "bin" / "tool", "tool-a");
  write(root / "bbb" / "python" / "shared.py", "two");
  write(root / "bbb" / "lib" / "x.so", "x");
  fs::create_directories(root / "bbb" / "bin");
  fs::create_symlink("../lib/x.so", root / "bbb" / "bin" / "tool");

  std::string ab = lambda::merge_layers(root.string(), {"aaa", "bbb"});
  ASSERT_FALSE(ab.empty());
  EXPECT_EQ(read(fs::path(ab) / "python" / "shared.py"), "two");
  EXPECT_EQ(read(fs::path(ab) / "python" / "only_a.py"), "a");
  EXPECT_EQ(read(fs::path(ab) / "lib" / "x.so"), "x");
  EXPECT_TRUE(fs::is_symlink(fs::path(ab) / "bin" / "tool"));
  std::string ba = lambda::merge_layers(root.string(), {"bbb", "aaa"});
  EXPECT_NE(ab, ba);
  EXPECT_EQ(read(fs::path(ba) / "python" / "shared.py"), "one");
  EXPECT_EQ(read(fs::path(ba) / "bin" / "tool"), "tool-a");
  EXPECT_FALSE(fs::is_symlink(fs::path(ba) / "bin" / "tool"));
  // Built once: the same list gives the same tree.
  EXPECT_EQ(lambda::merge_layers(root.string(), {"aaa", "bbb"}), ab);
  EXPECT_EQ(lambda::merge_layers(root.string(), {}), "");
  fs::remove_all(root.parent_path());
}

TEST(LambdaLayers, Timestamps) {
  EXPECT_EQ(lambda::lambda_timestamp(1700000000123), "2023-11-14T22:13:20.123+0000");
  EXPECT_EQ(lambda::lambda_timestamp(1700000000000), "2023-11-14T22:13:20.000+0000");
}

struct PortEcho : http::Handler {
  http::BodyPlan begin(http::Request&, std::unique_ptr<http::Response>&) override {
    http::BodyPlan p;
    p.max_bytes = 1024;
    return p;
  }
  void handle(http::Request req, http::Responder respond) override {
    http::Response r;
    r.body = std::to_string(req.local_port);
    respond(std::move(r));
  }
  http::Response transport_error(const http::Request&, int status, std::string_view, std::string_view) override {
    http::Response r;
    r.status = status;
    return r;
  }
};

// One GET on 127.0.0.1:port; the response body, or "" when nothing answers.
std::string get(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "";
  }
  std::string req = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  [[maybe_unused]] auto n = ::write(fd, req.data(), req.size());
  std::string out;
  char buf[4096];
  ssize_t k;
  while ((k = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(k));
  ::close(fd);
  size_t body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

TEST(HttpServer, ExtraPortsCarryTheirPortAndClose) {
  PortEcho h;
  http::ServerOptions o;
  o.port = 0;
  o.threads = 1;
  http::Server s(o, h);
  s.start();
  uint16_t a = s.open_port(), b = s.open_port();
  EXPECT_NE(a, b);
  EXPECT_EQ(get(s.port()), std::to_string(s.port()));
  EXPECT_EQ(get(a), std::to_string(a));
  EXPECT_EQ(get(b), std::to_string(b));
  s.close_port(a);
  for (int i = 0; i < 100 && !get(a).empty(); ++i) ::usleep(10000);  // the close is posted to the I/O thread
  EXPECT_EQ(get(a), "");
  EXPECT_EQ(get(b), std::to_string(b));
  s.stop(100);
  s.wait();
}

}  // namespace
}  // namespace stratus
