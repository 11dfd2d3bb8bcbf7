// SNS http deliveries: POST a body and wait for the status (through http/client.h).
// http and https endpoints (https peers are verified).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace stratus::sns {

struct HttpResult {
  int status = 0;     // 0 when no answer (connect/read failure, timeout, https)
  std::string error;  // why, when status == 0
};

HttpResult http_post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                     const std::string& body, int timeout_ms = 5000);

}  // namespace stratus::sns
