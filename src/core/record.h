// json::Record<T>: a declarative JSON codec for flat stored records, built from a table of
// (member name, member pointer) pairs.
//
// Why: stored records (credentials, queues, subscriptions, move tasks, mail...) were each written
// by a hand-made `d.set("x", t.x); ...` writer and read back by a mirror `t.x = d.str("x"); ...`
// reader. The two halves had to be kept in step by hand; one table now drives both.
//
// Contract (the stored bytes must not change, so existing data reads back):
//  - to_doc/write set one member per field (a `sparse` field only when not its default), with the value's natural Doc
//  type: std::string ->
//    String, int64_t/uint64_t/int -> Int, bool -> Bool, double -> Double, StringMap -> Map of Strings.
//    json::write orders members by name (Doc maps are sorted), so table order does not matter.
//  - from_doc/read read each field as Doc::str/integer/flag did: a member that is missing or of
//    another type leaves the default (empty, 0, false). A StringMap member that is a map is read
//    entry by entry (an entry that is not a string throws, as the hand-written readers did).
//  - read parses with json::parse, so malformed text throws AwsError(SerializationException).
//  - Fields not in the table are untouched by from_doc; records with extra logic (defaults,
//    conditional or nested members) keep that logic beside the table, on the Doc.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/doc.h"
#include "core/json.h"

namespace stratus::json {

using StringMap = std::map<std::string, std::string>;

template <class T>
class Record {
 public:
  using Member =
      std::variant<std::string T::*, int64_t T::*, uint64_t T::*, int T::*, bool T::*, double T::*, StringMap T::*>;
  struct Field {
    std::string_view name;
    Member member;
    // Written only when it differs from its type's default ("", 0, false, empty map): sparse
    // records (S3 object versions) keep their bytes; reading is the same either way.
    bool sparse = false;
  };

  Record(std::initializer_list<Field> fields) : fields_(fields) {}

  Doc to_doc(const T& t) const {
    Doc d = Doc::map();
    for (const Field& f : fields_) {
      std::visit(
          [&](auto m) {
            using V = std::remove_cvref_t<decltype(t.*m)>;
            if (f.sparse && t.*m == V{}) return;
            if constexpr (std::is_same_v<V, StringMap>) {
              Doc a = Doc::map();
              for (const auto& [k, v] : t.*m) a.set(k, v);
              d.set(std::string(f.name), std::move(a));
            } else if constexpr (std::is_same_v<V, uint64_t>) {
              d.set(std::string(f.name), static_cast<int64_t>(t.*m));  // stored as Int, like int64_t
            } else {
              d.set(std::string(f.name), t.*m);
            }
          },
          f.member);
    }
    return d;
  }

  void from_doc(const Doc& d, T& t) const {
    for (const Field& f : fields_) {
      std::visit(
          [&](auto m) {
            using V = std::remove_cvref_t<decltype(t.*m)>;
            if constexpr (std::is_same_v<V, std::string>) {
              t.*m = d.str(f.name);
            } else if constexpr (std::is_same_v<V, bool>) {
              t.*m = d.flag(f.name);
            } else if constexpr (std::is_same_v<V, double>) {
              const Doc* v = d.get(f.name);
              t.*m = v && v->is_number() ? v->as_double() : 0.0;
            } else if constexpr (std::is_same_v<V, StringMap>) {
              if (const Doc* a = d.get(f.name); a && a->is_map())
                for (const auto& [k, v] : a->as_map()) (t.*m)[k] = v.as_string();
            } else {
              t.*m = static_cast<V>(d.integer(f.name));
            }
          },
          f.member);
    }
  }

  T from_doc(const Doc& d) const {
    T t{};
    from_doc(d, t);
    return t;
  }

  // A list of records as a Doc list, and back (nullptr or a member that is not a list: none).
  Doc to_list(const std::vector<T>& ts) const {
    Doc list = Doc::list();
    for (const T& t : ts) list.push(to_doc(t));
    return list;
  }
  std::vector<T> from_list(const Doc* list) const {
    std::vector<T> out;
    if (list && list->is_list())
      for (const Doc& d : list->as_list()) out.push_back(from_doc(d));
    return out;
  }

  std::string write(const T& t) const { return json::write(to_doc(t)); }
  void read(std::string_view text, T& t) const { from_doc(json::parse(text), t); }
  T read(std::string_view text) const { return from_doc(json::parse(text)); }

 private:
  std::vector<Field> fields_;
};

}  // namespace stratus::json
