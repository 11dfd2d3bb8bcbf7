#include "protocol/shape_json.h"

#include "core/encoding.h"

namespace stratus::protocol {

using model::Shape;
using model::ShapeType;

Doc typed_from_plain(const Shape& shape, const Doc& plain) {
  switch (shape.type) {
    case ShapeType::structure: {
      if (!plain.is_map() || shape.document) return plain;
      Doc out = Doc::map();
      for (const auto& [k, v] : plain.as_map()) {
        const model::Member* m = shape.find_member(k);
        if (m) out.set(k, typed_from_plain(*m->shape, v));
      }
      return out;
    }
    case ShapeType::list: {
      if (!plain.is_list()) return plain;
      Doc out = Doc::list();
      for (const auto& v : plain.as_list()) out.push(typed_from_plain(*shape.member.shape, v));
      return out;
    }
    case ShapeType::map: {
      if (!plain.is_map()) return plain;
      Doc out = Doc::map();
      for (const auto& [k, v] : plain.as_map()) out.set(k, typed_from_plain(*shape.value.shape, v));
      return out;
    }
    case ShapeType::blob:
      if (plain.is_string()) {
        if (auto b = enc::base64_decode(plain.as_string())) return Doc(Blob{*b});
      }
      return plain;
    case ShapeType::timestamp:
      if (plain.is_number()) return Doc(Timestamp{static_cast<int64_t>(plain.as_double() * 1000.0 + 0.5)});
      if (plain.is_string()) {
        if (auto t = enc::parse_timestamp(plain.as_string())) return Doc(Timestamp{*t});
      }
      return plain;
    default:
      return plain;
  }
}

Doc plain_from_typed(const Doc& typed) {
  switch (typed.type()) {
    case Doc::Type::blob: return Doc(enc::base64_encode(typed.as_blob().bytes));
    case Doc::Type::timestamp: {
      int64_t ms = typed.as_timestamp().millis;
      if (ms % 1000 == 0) return Doc(ms / 1000);
      return Doc(static_cast<double>(ms) / 1000.0);
    }
    case Doc::Type::list: {
      Doc out = Doc::list();
      for (const auto& v : typed.as_list()) out.push(plain_from_typed(v));
      return out;
    }
    case Doc::Type::map: {
      Doc out = Doc::map();
      for (const auto& [k, v] : typed.as_map()) out.set(k, plain_from_typed(v));
      return out;
    }
    default: return typed;
  }
}

}  // namespace stratus::protocol
