// The seccomp filter of --lambda-isolation=bwrap (handed to `bwrap --seccomp FD`).
//
// What it adds to an unprivileged uid without capabilities: the kernel interfaces that such a
// process may still reach and that a sandbox escape typically starts from. Denied with EPERM:
// new namespaces (unshare, setns, clone with any CLONE_NEW* flag: an unprivileged user namespace
// would hand the process every capability over its own mounts), mounting (mount, the new mount
// API, pivot_root), keyrings, bpf, perf_event_open, userfaultfd, io_uring, kexec, modules,
// open_by_handle_at, swap, reboot, acct; clone3 answers ENOSYS (its flags sit in memory where a
// filter cannot read them; libc then falls back to clone, whose flags are checked). Syscalls of
// another ABI (i386, x32) are denied. Everything else is allowed: functions are ordinary
// programs (threads, fork/exec, sockets, ptrace of their own children all work).
#pragma once

#include <string>

namespace stratus::runtime {

// The filter as the bytes of a `struct sock_filter` array for this machine's architecture; ""
// where the architecture is not known here (then no filter is installed).
std::string seccomp_program();

}  // namespace stratus::runtime
