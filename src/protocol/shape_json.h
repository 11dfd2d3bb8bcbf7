// Shape-directed conversion between a "plain" JSON Doc (as json::parse gives: blobs as base64
// strings, timestamps as epoch seconds or ISO 8601 strings) and a typed Doc (Blob, Timestamp).
// Used by tools and tests (the codec probe), and by anything that stores Docs as JSON.
#pragma once

#include "core/doc.h"
#include "model/model.h"

namespace stratus::protocol {

// Typed from plain. Members the shape doesn't know are dropped; values of the wrong JSON type
// are kept as they are (validation reports them later).
Doc typed_from_plain(const model::Shape& shape, const Doc& plain);
// Plain from typed: Blob -> base64 string, Timestamp -> epoch seconds (double when fractional).
Doc plain_from_typed(const Doc& typed);

}  // namespace stratus::protocol
