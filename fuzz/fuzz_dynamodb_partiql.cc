// Fuzzes the DynamoDB PartiQL parser: any statement text must either parse or fail with an
// AwsError, and evaluating / applying what parses must never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/dynamodb/partiql.h"

using namespace stratus;
using namespace stratus::dynamodb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  DocList params;
  Doc s = Doc::map();
  s.set("S", "x");
  params.push_back(s);
  Doc n = Doc::map();
  n.set("N", "1");
  params.push_back(n);
  static const Item item = partiql::parse("INSERT INTO t VALUE {'a': 5, 'b': 'xyz', 'c': ['e']}", nullptr).item;
  // With no parameters, then with two (most statements fail the count check one way).
  for (const DocList* p : {static_cast<const DocList*>(nullptr), static_cast<const DocList*>(&params)}) {
    try {
      partiql::Statement st = partiql::parse(text, p);
      if (st.where) {
        (void)evaluate(*st.where, item);
        auto parts = partiql::conjuncts(*st.where);
        for (const Condition* c : parts) (void)partiql::equality_on(*c, "a");
        (void)partiql::conjunction(parts);
      }
      if (st.projection) (void)project(item, *st.projection);
      Item copy = item;
      apply_update(st.actions, copy);
    } catch (const AwsError&) {
    }
  }
  return 0;
}
