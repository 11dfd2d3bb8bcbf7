#include "runtime/seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/syscall.h>

#include <vector>

namespace stratus::runtime {

std::string seccomp_program() {
#if defined(__x86_64__)
  constexpr unsigned kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
  constexpr unsigned kArch = AUDIT_ARCH_AARCH64;
#else
  return {};
#endif
#if defined(__x86_64__) || defined(__aarch64__)
  const std::vector<int> denied = {
      SYS_unshare,
      SYS_setns,
      SYS_mount,
      SYS_umount2,
      SYS_pivot_root,
      SYS_keyctl,
      SYS_add_key,
      SYS_request_key,
      SYS_bpf,
      SYS_perf_event_open,
      SYS_userfaultfd,
      SYS_kexec_load,
      SYS_init_module,
      SYS_finit_module,
      SYS_delete_module,
      SYS_open_by_handle_at,
      SYS_swapon,
      SYS_swapoff,
      SYS_reboot,
      SYS_acct,
#ifdef SYS_kexec_file_load
      SYS_kexec_file_load,
#endif
#ifdef SYS_io_uring_setup
      SYS_io_uring_setup,
      SYS_io_uring_enter,
      SYS_io_uring_register,
#endif
#ifdef SYS_open_tree
      SYS_open_tree,
      SYS_move_mount,
      SYS_fsopen,
      SYS_fsconfig,
      SYS_fsmount,
      SYS_fspick,
#endif
#ifdef SYS_mount_setattr
      SYS_mount_setattr,
#endif
  };
  constexpr unsigned kNamespaces = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                                   CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;
  const __u32 eperm = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
  const __u32 enosys = SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA);
  std::vector<sock_filter> p;
  auto stmt = [&](__u16 code, __u32 k) { p.push_back(BPF_STMT(code, k)); };
  auto jump = [&](__u16 code, __u32 k, __u8 jt, __u8 jf) {
    p.push_back(BPF_JUMP(code, k, jt, jf));
  };
  // Another ABI: deny.
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
  jump(BPF_JMP | BPF_JEQ | BPF_K, kArch, 1, 0);
  stmt(BPF_RET | BPF_K, eperm);
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
#if defined(__x86_64__)
  jump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);  // x32 (__X32_SYSCALL_BIT)
  stmt(BPF_RET | BPF_K, eperm);
#endif
  for (int nr : denied) {
    jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<__u32>(nr), 0, 1);
    stmt(BPF_RET | BPF_K, eperm);
  }
  jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
  stmt(BPF_RET | BPF_K, enosys);
  jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 3);
  // clone's flags are its first argument on both architectures (low 32 bits: little endian).
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0]));
  jump(BPF_JMP | BPF_JSET | BPF_K, kNamespaces, 0, 1);
  stmt(BPF_RET | BPF_K, eperm);
  stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  return std::string(reinterpret_cast<const char*>(p.data()), p.size() * sizeof(sock_filter));
#endif
}

}  // namespace stratus::runtime
