// The vnd.amazon.eventstream binary framing (application/vnd.amazon.eventstream) that AWS uses
// for event-stream outputs (Lambda InvokeWithResponseStream, ...). One message:
//
//   prelude:  total length (u32 BE) | headers length (u32 BE) | prelude CRC32 (u32 BE)
//   headers:  name length (u8) | name | value type (u8) | value (strings: u16 BE length + bytes)
//   payload
//   message CRC32 (u32 BE) over everything before it
//
// Only string-valued headers (type 7) are written: all that event and exception messages carry
// (:message-type, :event-type, :content-type, :exception-type, :error-code, :error-message).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stratus::protocol::eventstream {

using Headers = std::vector<std::pair<std::string, std::string>>;

// One encoded message. Header names are at most 255 bytes and values at most 65,535 (longer ones
// are cut: nothing we write comes close).
std::string encode(const Headers& headers, std::string_view payload);

// An event message: :event-type `type`, :content-type `content_type`, :message-type event.
std::string event(std::string_view type, std::string_view content_type, std::string_view payload);

}  // namespace stratus::protocol::eventstream
