// Shared driver for the REST codec fuzzers: the input becomes a request ("METHOD TARGET" line,
// "name: value" header lines, an empty line, then the body) that goes through resolve, decode,
// then encode of the decoded document as if it were the output, and encode_error.
// Nothing may crash or hang; AwsError is the only exception a codec may throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "http/message.h"
#include "model/model.h"
#include "protocol/codec.h"

namespace stratus::fuzz {

inline http::Request request_from(std::string_view in) {
  http::Request req;
  auto eol = in.find('\n');
  std::string_view line = in.substr(0, eol);
  auto sp = line.find(' ');
  req.method = std::string(line.substr(0, sp));
  req.target = sp == std::string_view::npos ? "/" : std::string(line.substr(sp + 1));
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  in = eol == std::string_view::npos ? std::string_view() : in.substr(eol + 1);
  while (!in.empty()) {
    eol = in.find('\n');
    line = in.substr(0, eol);
    in = eol == std::string_view::npos ? std::string_view() : in.substr(eol + 1);
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view v = line.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    req.headers.add(line.substr(0, colon), v);
  }
  req.body = std::string(in);
  return req;
}

inline void run(const model::ServiceModel& svc, std::string_view in) {
  const protocol::Codec* codec = protocol::codec_for(svc.protocol);
  http::Request req = request_from(in);
  const model::Operation* op = codec->resolve(svc, req);
  if (!op) return;
  http::Response res;
  try {
    Doc d = codec->decode(svc, *op, req);
    codec->encode(svc, *op, d, res);
  } catch (const AwsError& e) {
    http::Response err;
    codec->encode_error(svc, op, e, "fuzz", err);
  }
}

}  // namespace stratus::fuzz
