// Finding the cgroup2 hierarchy and this process's cgroup (runtime/cgroup.h), and killing a
// double-forked, setsid()'d process through its cgroup.
#include "runtime/cgroup.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace stratus::runtime {
namespace {

TEST(RuntimeCgroup, FindsTheCgroup2MountInMountinfo) {
  const std::string hybrid =
      "30 23 0:26 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755\n"
      "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 "
      "cgroup2 rw\n"
      "32 30 0:28 / /sys/fs/cgroup/memory rw,nosuid shared:11 - cgroup cgroup rw,memory\n";
  std::string root;
  EXPECT_EQ(cgroup2_mount(hybrid, &root), "/sys/fs/cgroup/unified");
  EXPECT_EQ(root, "/");
  const std::string container =
      "800 700 0:40 /docker/abc /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n";
  EXPECT_EQ(cgroup2_mount(container, &root), "/sys/fs/cgroup");
  EXPECT_EQ(root, "/docker/abc");
  EXPECT_EQ(
      cgroup2_mount("32 30 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", &root),
      "");
}

TEST(RuntimeCgroup, ReadsTheUnifiedPathFromProcSelfCgroup) {
  EXPECT_EQ(cgroup2_path("4:memory:/x\n0::/user.slice/session-1.scope\n"),
            "/user.slice/session-1.scope");
  EXPECT_EQ(cgroup2_path("4:memory:/x\n"), "");
}

// Where this machine lets us: a grandchild that left the session is still killed.
TEST(RuntimeCgroup, KillsWhatLeftTheProcessGroup) {
  Cgroups cg;
  if (!cg.init()) GTEST_SKIP() << "no writable cgroup2 hierarchy";
  std::string dir = cg.create("env-test");
  ASSERT_FALSE(dir.empty());
  int fd = Cgroups::open_procs(dir);
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  pid_t child = ::fork();
  if (child == 0) {
    Cgroups::join(fd);
    ::setsid();
    if (::fork() == 0) {
      pid_t me = ::getpid();
      [[maybe_unused]] auto n = ::write(pipefd[1], &me, sizeof me);
      ::pause();
    }
    ::_exit(0);
  }
  ::close(fd);
  int ws = 0;
  ::waitpid(child, &ws, 0);
  pid_t grandchild = 0;
  ASSERT_EQ(::read(pipefd[0], &grandchild, sizeof grandchild),
            static_cast<ssize_t>(sizeof grandchild));
  ASSERT_EQ(::kill(grandchild, 0), 0);
  EXPECT_EQ(Cgroups::pids(dir), std::vector<pid_t>{grandchild});
  Cgroups::kill_all(dir);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = Cgroups::remove(dir);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone);
  cg.destroy(1000);
  ::close(pipefd[0]);
  ::close(pipefd[1]);
}

}  // namespace
}  // namespace stratus::runtime
