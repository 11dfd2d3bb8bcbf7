#include "core/doc.h"

namespace stratus {

const Doc* Doc::get(std::string_view key) const {
  if (!is_map()) return nullptr;
  const auto& m = as_map();
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

Doc* Doc::get(std::string_view key) {
  if (!is_map()) return nullptr;
  auto& m = as_map();
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

Doc& Doc::set(std::string key, Doc value) {
  if (!is_map()) v_ = DocMap{};
  auto& slot = as_map()[std::move(key)];
  slot = std::move(value);
  return slot;
}

Doc& Doc::operator[](std::string_view key) {
  if (!is_map()) v_ = DocMap{};
  auto& m = as_map();
  auto it = m.find(key);
  if (it == m.end()) it = m.emplace(std::string(key), Doc{}).first;
  return it->second;
}

void Doc::push(Doc value) {
  if (!is_list()) v_ = DocList{};
  as_list().push_back(std::move(value));
}

std::string Doc::str(std::string_view key, std::string_view dflt) const {
  const Doc* d = get(key);
  return d && d->is_string() ? d->as_string() : std::string(dflt);
}

int64_t Doc::integer(std::string_view key, int64_t dflt) const {
  const Doc* d = get(key);
  return d && d->is_number() ? d->as_int() : dflt;
}

bool Doc::flag(std::string_view key, bool dflt) const {
  const Doc* d = get(key);
  return d && d->is_bool() ? d->as_bool() : dflt;
}

size_t Doc::size() const {
  if (is_map()) return as_map().size();
  if (is_list()) return as_list().size();
  if (is_string()) return as_string().size();
  if (is_blob()) return as_blob().bytes.size();
  return 0;
}

}  // namespace stratus
