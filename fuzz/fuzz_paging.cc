// Fuzz the pagination tokens and walks (core/paging.h): arbitrary bytes as an offset token, as
// an After token (the decoded last key) and as a Marker. A token that does not decode is refused
// (nullopt); a page never reads outside its list, never exceeds its size and always ends.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/paging.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  std::vector<std::pair<std::string, Doc>> items;
  for (const char* k : {"", "a", "b", "b\x01", "c", "zz"}) items.emplace_back(k, Doc(k));
  int64_t max = size % 4;
  if (auto start = paging::parse_offset(in)) {
    auto page = paging::slice(*start, items.size(), max, [&](size_t i) { return items.at(i).second; });
    if (page.list.size() > static_cast<size_t>(max)) __builtin_trap();
    (void)paging::offset_token(page.next);
  }
  paging::After after(max, in);
  for (auto& [k, d] : items) {
    if (after.seen(k)) continue;
    if (after.full()) break;
    after.add(k, d);
  }
  (void)after.answer("Items", "NextToken", size % 2 ? paging::Token::base64 : paging::Token::raw);
  Doc req = Doc::map();
  req.set("Marker", in);
  req.set("MaxItems", max);
  (void)paging::paginate(items, req, "Items", {}, [](const Doc& d) -> std::optional<Doc> { return d; });
  return 0;
}
