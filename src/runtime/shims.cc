// The runtime clients for interpreted runtimes, embedded in the binary (.incbin, like the
// models) and written next to the data at start-up so environments can run them.
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string_view>

#include "runtime/manager.h"

#ifndef STRATUS_SHIM_DIR
#error "STRATUS_SHIM_DIR must name src/runtime/shims (CMakeLists.txt sets it)"
#endif

#define STRATUS_EMBED(sym, file)                                                        \
  __asm__(".pushsection .rodata\n.balign 8\n.globl " #sym "_begin\n.globl " #sym "_end\n" \
          ".hidden " #sym "_begin\n.hidden " #sym "_end\n" #sym "_begin:\n"               \
          ".incbin \"" STRATUS_SHIM_DIR "/" file "\"\n" #sym "_end:\n.popsection\n");     \
  extern "C" const char sym##_begin[];                                                  \
  extern "C" const char sym##_end[];

STRATUS_EMBED(stratus_shim_python, "python/bootstrap.py")
STRATUS_EMBED(stratus_shim_node, "node/bootstrap.mjs")

namespace stratus::runtime {

void write_shims(const std::string& dir) {
  namespace fs = std::filesystem;
  struct File {
    const char* rel;
    const char* begin;
    const char* end;
  };
  const File files[] = {
      {"python/bootstrap.py", stratus_shim_python_begin, stratus_shim_python_end},
      {"node/bootstrap.mjs", stratus_shim_node_begin, stratus_shim_node_end},
  };
  for (const auto& f : files) {
    fs::path p = fs::path(dir) / f.rel;
    fs::create_directories(p.parent_path());
    fs::path tmp = p;
    tmp += ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(f.begin, f.end - f.begin);
      if (!out) throw std::runtime_error("cannot write " + tmp.string());
    }
    fs::rename(tmp, p);
  }
}

}  // namespace stratus::runtime
