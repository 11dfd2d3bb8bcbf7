// Thread bodies from which no exception escapes. An exception leaving a thread function calls
// std::terminate: the process aborts with "terminate called ..." and nothing says which thread
// or why. Every std::thread in src/ runs its body through one of these.
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <thread>

namespace stratus {

namespace detail {
inline void log_thread_exception(const std::string& name, const char* what, const char* outcome) {
  spdlog::critical("thread {}: uncaught exception: {}; {}", name, what, outcome);
  spdlog::default_logger()->flush();
}

// Runs body; nullopt when it returned, else what it threw.
template <typename F>
std::optional<std::string> run_catching(F& body) noexcept {
  try {
    body();
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string(e.what());
  } catch (...) {
    return std::string("non-standard exception");
  }
}
}  // namespace detail

// For threads that can't go on after an exception (their state half-updated, callers waiting
// on them): logs, also to stderr (logging may be off), and ends the process with exit status 70
// (EX_SOFTWARE). Acknowledged writes are as safe as after kill -9: each is in the WAL.
template <typename F>
void run_or_exit(const std::string& name, F&& body) noexcept {
  auto what = detail::run_catching(body);
  if (!what) return;
  try {
    detail::log_thread_exception(name, what->c_str(), "exiting");
  } catch (...) {
  }
  std::fprintf(stderr, "stratus: thread %s: uncaught exception: %s; exiting\n", name.c_str(), what->c_str());
  std::fflush(stderr);
  std::_Exit(70);
}

// For loops that can resume (an io_context: a handler that throws unwinds out of run(), and
// run() can be called again): logs and calls body again after a short pause, until it returns.
template <typename F>
void run_restarting(const std::string& name, F&& body) noexcept {
  while (auto what = detail::run_catching(body)) {
    try {
      detail::log_thread_exception(name, what->c_str(), "continuing");
    } catch (...) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // never a hot loop of failures
  }
}

}  // namespace stratus
