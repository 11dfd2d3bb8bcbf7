// Durability of the RocksDB engine against kill -9: every write acknowledged to a caller must be
// there after a restart. The writer runs in a separate process (this binary re-executed with a
// filter selecting DurabilityChild.*), because forking a process that already runs RocksDB's
// background threads would leave the child with a thread pool whose threads do not exist.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <semaphore>
#include <thread>

#include "core/json.h"
#include "storage/engine.h"
#include "storage/lane.h"

namespace stratus::storage {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "stratus-dur-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string key_of(int i) { return "key-" + std::to_string(i); }
// Values of varied size, so a torn WAL record would show up as a wrong value, not only absence.
std::string value_of(int i) { return std::string(16 + i % 200, static_cast<char>('a' + i % 26)) + std::to_string(i); }

const char* env(const char* name) {
  const char* v = getenv(name);
  return v ? v : "";
}

// Runs this test binary as a child process with the given child test and environment.
pid_t spawn_child(const std::string& test, const std::string& dir, bool fsync, int ack_fd) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  // Child: only async-signal-safe work until exec.
  int devnull = open("/dev/null", O_WRONLY);
  if (devnull >= 0) {
    dup2(devnull, 1);
    dup2(devnull, 2);
  }
  std::string filter = "--gtest_filter=DurabilityChild." + test;
  std::string e_dir = "STRATUS_DUR_DIR=" + dir;
  std::string e_fsync = std::string("STRATUS_DUR_FSYNC=") + (fsync ? "1" : "0");
  std::string e_fd = "STRATUS_DUR_FD=" + std::to_string(ack_fd);
  char* argv[] = {const_cast<char*>("unit_tests"), filter.data(), nullptr};
  char* envp[] = {e_dir.data(), e_fsync.data(), e_fd.data(), nullptr};
  execve("/proc/self/exe", argv, envp);
  _exit(127);
}

// Child side: writes keys forever, acknowledging each one on the pipe after put() returned ok.
TEST(DurabilityChild, Writer) {
  if (!*env("STRATUS_DUR_DIR")) GTEST_SKIP() << "only runs as a child of DurabilityTest";
  int fd = atoi(env("STRATUS_DUR_FD"));
  auto engine = open_rocksdb({env("STRATUS_DUR_DIR"), std::string(env("STRATUS_DUR_FSYNC")) == "1"});
  for (int i = 0;; ++i) {
    if (!engine->put("dur", key_of(i), value_of(i)).ok()) _exit(2);
    std::string line = std::to_string(i) + "\n";  // < PIPE_BUF: written atomically
    if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(3);
  }
}

// Child side: the same writes through a commit lane, many in flight; each is acknowledged by its
// continuation, i.e. after its group's sync_wal().
TEST(DurabilityChild, LaneWriter) {
  if (!*env("STRATUS_DUR_DIR")) GTEST_SKIP() << "only runs as a child of DurabilityTest";
  int fd = atoi(env("STRATUS_DUR_FD"));
  auto engine =
      open_rocksdb({env("STRATUS_DUR_DIR"), std::string(env("STRATUS_DUR_FSYNC")) == "1"});
  CommitLane lane(*engine, "dur-lane");
  std::counting_semaphore<64> room(64);
  for (int i = 0;; ++i) {
    room.acquire();
    lane.submit([&, i]() -> CommitLane::Then {
      if (!engine->put("dur", key_of(i), value_of(i)).ok()) _exit(2);
      return [&, i](const Status& logged) {
        if (!logged.ok()) _exit(4);
        std::string line = std::to_string(i) + "\n";
        if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(3);
        room.release();
      };
    });
  }
}

// Child side: reports on the pipe whether opening the directory failed as documented.
TEST(DurabilityChild, Opener) {
  if (!*env("STRATUS_DUR_DIR")) GTEST_SKIP() << "only runs as a child of DurabilityTest";
  int fd = atoi(env("STRATUS_DUR_FD"));
  std::string result;
  try {
    auto engine = open_rocksdb({env("STRATUS_DUR_DIR"), false});
    result = "opened";
  } catch (const std::runtime_error& e) {
    result = std::string("error:") + e.what();
  }
  (void)!write(fd, result.data(), result.size());
  _exit(0);
}

// Kills a writer child after `kill_after` acknowledgments, then checks every acknowledged key.
void kill_and_verify(bool fsync, int kill_after, const std::string& writer = "Writer") {
  TempDir dir;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = spawn_child(writer, dir.path(), fsync, fds[1]);
  ASSERT_GT(child, 0);
  close(fds[1]);

  std::vector<int> acked;
  std::string buf;
  bool killed = false;
  char chunk[4096];
  for (;;) {
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n <= 0) break;  // EOF: the child is gone and every ack has been read
    buf.append(chunk, static_cast<size_t>(n));
    size_t pos;
    while ((pos = buf.find('\n')) != std::string::npos) {
      acked.push_back(std::stoi(buf.substr(0, pos)));
      buf.erase(0, pos + 1);
    }
    // Kill mid-stream; keep reading afterwards: acks already in the pipe count too.
    if (!killed && static_cast<int>(acked.size()) >= kill_after) {
      ASSERT_EQ(kill(child, SIGKILL), 0);
      killed = true;
    }
  }
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(killed) << "child exited by itself, status " << status;
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  ASSERT_GE(static_cast<int>(acked.size()), kill_after);

  auto engine = open_rocksdb({dir.path(), fsync});
  for (size_t i = 0; i < acked.size(); ++i) {
    ASSERT_EQ(acked[i], static_cast<int>(i)) << "acks arrive in order";
    std::string v;
    Status s = engine->get("dur", key_of(acked[i]), &v);
    ASSERT_TRUE(s.ok()) << "acknowledged key " << acked[i] << " lost: " << s.message;
    ASSERT_EQ(v, value_of(acked[i]));
  }
}

TEST(DurabilityTest, AcknowledgedWritesSurviveKill9) { kill_and_verify(false, 5000); }

TEST(DurabilityTest, AcknowledgedWritesSurviveKill9WithFsync) { kill_and_verify(true, 300); }

// Through the commit lane (syncs deferred to one per group under fsync): killed at any point,
// every write whose continuation ran is on disk.
TEST(DurabilityTest, LaneAcknowledgedWritesSurviveKill9) {
  kill_and_verify(false, 20000, "LaneWriter");
}

TEST(DurabilityTest, LaneAcknowledgedWritesSurviveKill9WithFsync) {
  kill_and_verify(true, 2000, "LaneWriter");
}

TEST(DurabilityTest, ReopenAfterFlushKeepsEverything) {
  TempDir dir;
  {
    auto e = open_rocksdb({dir.path(), false});
    for (int i = 0; i < 3000; ++i) ASSERT_TRUE(e->put("a", key_of(i), value_of(i)).ok());
    for (int i = 0; i < 3000; i += 3) ASSERT_TRUE(e->del("a", key_of(i)).ok());
    ASSERT_TRUE(e->put("b", std::string("\0\xff", 2), "").ok());
    ASSERT_TRUE(e->flush().ok());
  }
  auto e = open_rocksdb({dir.path(), false});
  int n = 0;
  for (auto it = e->scan("a", {}); it->valid(); it->next()) ++n;
  EXPECT_EQ(n, 2000);
  for (int i = 0; i < 3000; ++i) {
    std::string v;
    Status s = e->get("a", key_of(i), &v);
    if (i % 3 == 0) {
      EXPECT_TRUE(s.not_found()) << i;
    } else {
      ASSERT_TRUE(s.ok()) << i;
      EXPECT_EQ(v, value_of(i));
    }
  }
  std::string v = "x";
  EXPECT_TRUE(e->get("b", std::string("\0\xff", 2), &v).ok());
  EXPECT_EQ(v, "");
}

TEST(DurabilityTest, SecondOpenOfSameDirectoryFailsCleanly) {
  TempDir dir;
  auto first = open_rocksdb({dir.path(), false});
  ASSERT_TRUE(first->put("k", "k", "v").ok());

  // Same process.
  try {
    auto second = open_rocksdb({dir.path(), false});
    FAIL() << "second open in the same process succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }

  // Another process: what a second stratus on the same --data-dir sees.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = spawn_child("Opener", dir.path(), false, fds[1]);
  close(fds[1]);
  std::string result;
  char chunk[1024];
  for (ssize_t n; (n = read(fds[0], chunk, sizeof chunk)) > 0;) result.append(chunk, n);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_EQ(result.rfind("error:", 0), 0u) << result;
  EXPECT_NE(result.find("in use"), std::string::npos) << result;

  // The first engine is unaffected.
  std::string v;
  EXPECT_TRUE(first->get("k", "k", &v).ok());
}

// Group commit: concurrent fsync writers must share WAL syncs rather than sync one by one.
TEST(DurabilityTest, ConcurrentSyncWritersShareSyncs) {
  TempDir dir;
  auto e = open_rocksdb({dir.path(), true});
  constexpr int kThreads = 8, kPerThread = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i)
        ASSERT_TRUE(e->put("g", key_of(t * kPerThread + i), "v").ok());
    });
  for (auto& t : threads) t.join();
  Doc d = json::parse(e->describe());
  EXPECT_EQ(d.str("engine"), "rocksdb");
  EXPECT_EQ(d.integer("writes"), kThreads * kPerThread);
  EXPECT_GT(d.integer("wal_syncs"), 0);
  EXPECT_LT(d.integer("wal_syncs"), kThreads * kPerThread) << e->describe();
}

// On a commit lane under fsync, a group's writes are synced once, by sync_wal().
TEST(DurabilityTest, LaneSyncsOncePerGroup) {
  TempDir dir;
  auto e = open_rocksdb({dir.path(), true});
  constexpr int kWrites = 500;
  std::atomic<int> acked{0};
  uint64_t groups = 0;
  {
    CommitLane lane(*e, "lane-test");
    for (int i = 0; i < kWrites; ++i)
      lane.submit([&, i]() -> CommitLane::Then {
        EXPECT_TRUE(e->put("g", key_of(i), "v").ok());
        return [&](const Status& logged) {
          EXPECT_TRUE(logged.ok());
          ++acked;
        };
      });
    while (acked.load() < kWrites) std::this_thread::yield();
    groups = lane.groups();
  }
  Doc d = json::parse(e->describe());
  EXPECT_EQ(d.integer("writes"), kWrites);
  EXPECT_EQ(static_cast<uint64_t>(d.integer("wal_syncs")), groups) << e->describe();
  EXPECT_LT(groups, static_cast<uint64_t>(kWrites));
}

}  // namespace
}  // namespace stratus::storage
