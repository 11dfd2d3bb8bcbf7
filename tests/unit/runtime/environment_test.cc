// An environment's log stream (runtime/environment.h): lines, the tail of LogType=Tail, the
// byte budget and reading a process's output from its pipe.
#include "runtime/environment.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/json.h"

namespace stratus::runtime {
namespace {

TEST(RuntimeLog, LinesGoToTheStreamAndToTheTailWhenAskedFor) {
  Env e;
  log_line(e, "before");
  e.current = std::make_shared<Invocation>();
  e.current->req.tail = true;
  log_line(e, "during", 42);
  ASSERT_EQ(e.logs.size(), 2u);
  EXPECT_EQ(e.logs[1].message, "during");
  EXPECT_EQ(e.logs[1].timestamp_ms, 42);
  EXPECT_GT(e.logs[0].timestamp_ms, 0);
  EXPECT_EQ(e.current->tail, "during\n");
  // The tail keeps the last bytes only.
  for (int i = 0; i < 100; ++i) log_line(e, std::string(100, 'x'));
  EXPECT_LE(e.current->tail.size(), 2 * kTailBytes);
  log_line(e, std::string(kMaxLineBytes + 10, 'y'));
  EXPECT_EQ(e.logs.back().message.size(), kMaxLineBytes);
}

TEST(RuntimeLog, OutputBeyondTheBudgetIsDroppedAndCounted) {
  Env e;
  const std::string line(64 * 1024, 'z');
  int kept = 0;
  for (int i = 0; i < 100; ++i) {
    size_t before = e.logs.size();
    output_line(e, line);
    kept += e.logs.size() > before ? 1 : 0;
  }
  // The 4 MB burst holds 63 lines of 64 KB + 26 bytes; the refill within the loop is tiny.
  EXPECT_GE(kept, 63);
  EXPECT_LT(kept, 100);
  EXPECT_GT(e.dropped_lines, 0);
  int64_t dropped = e.dropped_lines;
  report_dropped(e);
  EXPECT_EQ(e.dropped_lines, 0);
  EXPECT_EQ(e.logs.back().message.rfind("[stratus] " + std::to_string(dropped) + " lines (", 0), 0u);
  EXPECT_NE(e.logs.back().message.find("bytes) of output dropped"), std::string::npos);
}

TEST(RuntimeLog, DrainCutsOutputIntoLines) {
  Env e;
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK), 0);
  const std::string out = "one\ntwo\nthree";
  ASSERT_EQ(::write(fds[1], out.data(), out.size()), static_cast<ssize_t>(out.size()));
  e.out_fd = fds[0];
  drain(e);
  ASSERT_EQ(e.logs.size(), 2u);
  EXPECT_EQ(e.logs[0].message, "one");
  EXPECT_EQ(e.logs[1].message, "two");
  EXPECT_EQ(e.partial, "three");
  EXPECT_FALSE(e.eof);
  ::close(fds[1]);
  drain(e);
  EXPECT_TRUE(e.eof);
  ASSERT_EQ(e.logs.size(), 3u);
  EXPECT_EQ(e.logs[2].message, "three");
  EXPECT_TRUE(e.partial.empty());
  ::close(fds[0]);
}

std::string frame(uint32_t type, std::string_view msg, uint64_t us) {
  std::string f;
  auto put = [&](uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) f += static_cast<char>((v >> (8 * i)) & 0xff);
  };
  put(type, 4);
  put(msg.size(), 4);
  put(us, 8);
  f += msg;
  return f;
}

TEST(RuntimeLog, TelemetryFramesAreOneEventEach) {
  std::vector<TelemetryFrame> frames;
  bool bad = true;
  std::string two = frame(0xa55a0003 | 0b01100, "line1\nline2", 1700000000123456) + frame(0xa55a0002, "{}", 5000);
  std::string buf = two + frame(0xa55a0003, "partial", 1).substr(0, 20);
  size_t used = parse_frames(buf, frames, bad);
  EXPECT_FALSE(bad);
  EXPECT_EQ(used, two.size());
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].message, "line1\nline2");
  EXPECT_EQ(frames[0].ts_ms, 1700000000123);
  EXPECT_EQ(frames[1].message, "{}");
  frames.clear();
  EXPECT_EQ(parse_frames(frame(0x12345678, "x", 1), frames, bad), 0u);
  EXPECT_TRUE(bad);
  EXPECT_EQ(parse_frames(frame(0xa55a0003, "", 1).substr(0, 4) + std::string("\xff\xff\xff\xff", 4) + std::string(8, 0),
                         frames, bad),
            0u);
  EXPECT_TRUE(bad);  // a length over kMaxFrameBytes

  // Read from the descriptor: the multi-line record is one event; a bad frame ends the reading.
  Env e;
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK), 0);
  int64_t now_us = now_millis() * 1000;
  std::string data = frame(0xa55a0003, "a\nb", now_us) + frame(0xdeadbeef, "zz", now_us);
  ASSERT_EQ(::write(fds[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  e.tel_fd = fds[0];
  drain(e);
  ASSERT_EQ(e.logs.size(), 2u);
  EXPECT_EQ(e.logs[0].message, "a\nb");
  EXPECT_EQ(e.logs[0].timestamp_ms, now_us / 1000);
  EXPECT_NE(e.logs[1].message.find("malformed"), std::string::npos);
  EXPECT_TRUE(e.tel_eof);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(RuntimeLog, JsonFormatFiltersApplicationRecordsByLevel) {
  auto spec = std::make_shared<FunctionSpec>();
  Env e;
  e.spec = spec;
  output_line(e, "{\"level\":\"DEBUG\"}");  // Text: nothing is filtered
  EXPECT_EQ(e.logs.size(), 1u);
  spec->log_format = "JSON";
  spec->app_log_level = "WARN";
  output_line(e, "{\"level\":\"DEBUG\",\"message\":\"x\"}");
  output_line(e, "plain text counts as INFO");
  output_line(e, "{\"level\":\"ERROR\",\"message\":\"kept\"}");
  output_line(e, "{\"level\":\"FATAL\"}");
  ASSERT_EQ(e.logs.size(), 3u);
  EXPECT_EQ(e.logs[1].message, "{\"level\":\"ERROR\",\"message\":\"kept\"}");
  // Frames carry their level in the type's mask.
  EXPECT_TRUE(filtered_out(e, 3));
  EXPECT_FALSE(filtered_out(e, 4));
  EXPECT_TRUE(filtered_out(e, 0));
  std::vector<TelemetryFrame> frames;
  bool bad = false;
  parse_frames(frame(0xa55a0002 | 0b10100, "{}", 1), frames, bad);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].priority, 5);
}

TEST(RuntimeLog, ErrorDocumentsAndTraceIds) {
  Doc d = json::parse(error_doc("Runtime.ExitError", "gone"));
  EXPECT_EQ(d.str("errorType"), "Runtime.ExitError");
  EXPECT_EQ(d.str("errorMessage"), "gone");
  EXPECT_EQ(fmt2(3), "3.00");
  Invocation a, b;
  EXPECT_EQ(a.trace_id.rfind("Root=1-", 0), 0u);
  EXPECT_NE(a.trace_id, b.trace_id);
  EXPECT_EQ(enc_time().size(), 24u);
}

}  // namespace
}  // namespace stratus::runtime
