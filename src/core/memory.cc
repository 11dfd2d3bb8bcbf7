#include "core/memory.h"

#include <malloc.h>

namespace stratus {

bool release_free_memory(size_t min_free_bytes) {
  struct mallinfo2 mi = mallinfo2();
  if (mi.fordblks < min_free_bytes) return false;
  malloc_trim(0);
  return true;
}

}  // namespace stratus
