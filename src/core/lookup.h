// The one "get or NotFound" step of handlers: a lookup's result (a pointer, smart pointer or
// optional), or the service's own not-found error when it is empty.
//
//   Doc rec = found_or(store.load("role", name),
//                      [&] { return errors::no_such_entity("The role with name " + name + " cannot be found."); });
//   TopicPtr t = found_or(store.topic(arn), [] { return errors::not_found("Topic does not exist"); });
//
// `error` is called only when the value is empty (messages are built only then) and returns the
// AwsError to throw (the generated factories of services/<svc>/errors.h). Take the result by
// value: a reference into a temporary optional would dangle.
#pragma once

#include <type_traits>
#include <utility>

namespace stratus {

template <typename V, typename MakeError>
auto found_or(V&& v, MakeError&& error) {
  if (!v) throw error();
  if constexpr (std::is_pointer_v<std::decay_t<V>>)
    return v;                                        // a raw pointer: the caller dereferences
  else if constexpr (requires { v.has_value(); }) {  // an optional: its value
    if constexpr (std::is_lvalue_reference_v<V>)
      return *v;
    else
      return std::move(*v);
  } else
    return std::forward<V>(v);  // a smart pointer: itself
}

}  // namespace stratus
