// HTTP content codings (RFC 9110 §8.4.1): gzip and deflate, through zlib. Request bodies the SDKs
// compress are decoded with a bound on the decoded size (a few KB of gzip can expand to gigabytes);
// responses are encoded for clients that accept it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::http {

enum class Coding { identity, gzip, deflate };

// The codings a Content-Encoding value lists, in the order they were applied ("gzip" and "x-gzip"
// are gzip, "deflate" is deflate, "identity" is dropped). nullopt when the value names a coding
// this module does not decode (br, zstd, compress, ...); "aws-chunked" is the SigV4 streaming
// framing, removed before the body is complete, so it is skipped here. Names are case-insensitive.
std::optional<std::vector<Coding>> parse_content_encoding(std::string_view value);

// The coding to answer with for an Accept-Encoding value: gzip if acceptable, else deflate, else
// identity. Honours q-values ("gzip;q=0" refuses gzip) and "*".
Coding preferred_coding(std::string_view accept_encoding);

enum class DecodeStatus { ok, malformed, too_large };

// Decodes `in`, compressed with `coding`, into *out, stopping with too_large as soon as the
// output would exceed max_out bytes. gzip accepts several concatenated members; deflate accepts the
// zlib format (RFC 1950, what the HTTP coding means) and, as browsers do, raw deflate (RFC 1951).
// Data after the end of the stream is malformed.
DecodeStatus decode(std::string_view in, Coding coding, size_t max_out, std::string* out);

// Encodes `in` (gzip: RFC 1952 member; deflate: zlib format). Fast compression level: these are
// API answers on the request path.
std::string encode(std::string_view in, Coding coding);

// "gzip" / "deflate" / "identity".
std::string_view coding_name(Coding coding);

}  // namespace stratus::http
