#include "runtime/environment.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"

namespace stratus::runtime {

double steady_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string fmt2(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string error_doc(const std::string& type, const std::string& message) {
  Doc d = Doc::map();
  d.set("errorType", type);
  d.set("errorMessage", message);
  return json::write(d);
}

http::Response json_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.set("content-type", "application/json");
  r.body = std::move(body);
  return r;
}

std::string enc_time() {
  int64_t ms = now_millis();
  std::time_t t = ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

Invocation::Invocation()
    : trace_id("Root=1-" + ids::random_lower_alnum(8) + "-" + ids::random_lower_alnum(24) + ";Sampled=0") {}

bool log_budget(Env& e, size_t n) {
  double now = steady_ms();
  if (e.log_tokens_at > 0)
    e.log_tokens = std::min(kLogBurstBytes, e.log_tokens + (now - e.log_tokens_at) * kLogBytesPerSec / 1000);
  e.log_tokens_at = now;
  double cost = static_cast<double>(std::min(n, kMaxLineBytes) + kLogEventOverhead);
  if (e.log_tokens < cost) {
    ++e.dropped_lines;
    e.dropped_bytes += static_cast<int64_t>(n);
    return false;
  }
  e.log_tokens -= cost;
  return true;
}

void report_dropped(Env& e) {
  if (e.dropped_lines == 0) return;
  std::string msg = "[stratus] " + std::to_string(e.dropped_lines) + " lines (" + std::to_string(e.dropped_bytes) +
                    " bytes) of output dropped: more than " + std::to_string(static_cast<int64_t>(kLogBytesPerSec)) +
                    " bytes/s (bursts up to " + std::to_string(static_cast<int64_t>(kLogBurstBytes)) +
                    " bytes) for one log stream";
  e.dropped_lines = e.dropped_bytes = 0;
  log_line(e, std::move(msg));
}

int level_priority(std::string_view level) {
  static constexpr std::string_view kLevels[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
  for (int i = 0; i < 6; ++i)
    if (level == kLevels[i]) return i + 1;
  return 0;
}

bool filtered_out(const Env& e, int priority) {
  if (!e.spec || e.spec->log_format != "JSON") return false;
  int min = level_priority(e.spec->app_log_level);
  return (priority ? priority : 3) < min;
}

namespace {

// The level of a line printed in JSON mode: its "level" member, else INFO (as Lambda reads it).
int line_priority(std::string_view line) {
  if (line.empty() || line.front() != '{') return 3;
  try {
    Doc d = json::parse(line);
    int p = d.is_map() ? level_priority(d.str("level")) : 0;
    return p ? p : 3;
  } catch (const std::exception&) {
    return 3;
  }
}

}  // namespace

void output_line(Env& e, std::string_view line) {
  if (e.spec && e.spec->log_format == "JSON" && filtered_out(e, line_priority(line))) return;
  if (!log_budget(e, line.size())) return;
  report_dropped(e);
  log_line(e, std::string(line.substr(0, kMaxLineBytes)));
}

void log_line(Env& e, std::string line, int64_t ts) {
  if (line.size() > kMaxLineBytes) line.resize(kMaxLineBytes);
  if (e.current && e.current->req.tail) {
    e.current->tail += line;
    e.current->tail += '\n';
    if (e.current->tail.size() > 2 * kTailBytes) e.current->tail.erase(0, e.current->tail.size() - kTailBytes);
  }
  e.logs.push_back({ts ? ts : now_millis(), std::move(line)});
}

void drain(Env& e, int fd, bool& eof, std::string& partial) {
  if (fd < 0 || eof) return;
  char buf[65536];
  for (size_t total = 0; total < kDrainBytesPerPass;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      total += static_cast<size_t>(n);
      partial.append(buf, static_cast<size_t>(n));
      std::string_view rest = partial;
      size_t nl;
      while ((nl = rest.find('\n')) != std::string_view::npos) {
        output_line(e, rest.substr(0, nl));
        rest.remove_prefix(nl + 1);
      }
      while (rest.size() >= kMaxLineBytes) {  // prints without newlines: cut into events
        output_line(e, rest.substr(0, kMaxLineBytes));
        rest.remove_prefix(kMaxLineBytes);
      }
      partial.erase(0, partial.size() - rest.size());
      continue;
    }
    if (n == 0) {
      eof = true;
      if (!partial.empty()) output_line(e, partial);
      partial.clear();
    }
    return;  // EAGAIN or error
  }
}

size_t parse_frames(std::string_view buf, std::vector<TelemetryFrame>& out, bool& bad) {
  auto u32 = [](const char* p) {
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
  };
  size_t at = 0;
  bad = false;
  while (buf.size() - at >= 16) {
    const char* h = buf.data() + at;
    uint32_t type = u32(h), len = u32(h + 4);
    if ((type >> 16) != 0xa55a || ((type & 3) != 2 && (type & 3) != 3) || len > kMaxFrameBytes) {
      bad = true;
      break;
    }
    if (buf.size() - at - 16 < len) break;
    uint64_t us = (uint64_t{u32(h + 8)} << 32) | u32(h + 12);
    int priority = static_cast<int>((type >> 2) & 7);  // the level mask: 1 TRACE .. 6 FATAL, 0 none
    out.push_back({static_cast<int64_t>(us / 1000), buf.substr(at + 16, len), priority <= 6 ? priority : 0});
    at += 16 + size_t{len};
  }
  return at;
}

void drain_telemetry(Env& e) {
  if (e.tel_fd < 0 || e.tel_eof) return;
  char buf[65536];
  for (size_t total = 0; total < kDrainBytesPerPass;) {
    ssize_t n = ::read(e.tel_fd, buf, sizeof buf);
    if (n <= 0) {
      if (n == 0) e.tel_eof = true;
      return;
    }
    total += static_cast<size_t>(n);
    e.tel_buf.append(buf, static_cast<size_t>(n));
    std::vector<TelemetryFrame> frames;
    bool bad = false;
    size_t used = parse_frames(e.tel_buf, frames, bad);
    int64_t now = now_millis();
    for (const auto& f : frames) {
      if (filtered_out(e, f.priority)) continue;
      if (!log_budget(e, f.message.size())) continue;
      report_dropped(e);
      // A record's own time, unless it is far off (a client's clock bug must not misplace it).
      int64_t ts = f.ts_ms > now - 3600 * 1000 && f.ts_ms < now + 60 * 1000 ? f.ts_ms : now;
      log_line(e, std::string(f.message.substr(0, kMaxLineBytes)), ts);
    }
    e.tel_buf.erase(0, used);
    if (bad) {
      log_line(e, "[stratus] the runtime wrote a malformed record to its telemetry log descriptor; it is read no more");
      e.tel_eof = true;
      e.tel_buf.clear();
      return;
    }
  }
}

void drain(Env& e) {
  drain_telemetry(e);
  drain(e, e.out_fd, e.eof, e.partial);
  for (auto& x : e.exts) drain(e, x.out_fd, x.eof, x.partial);
}

}  // namespace stratus::runtime
