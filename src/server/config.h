// Operator settings of one stratus process (flags and STRATUS_* environment variables).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace stratus {

enum class AuthMode {
  open,    // any access key is accepted, as local AWS tooling expects (AWS_ACCESS_KEY_ID=test)
  strict,  // every request must carry a valid SigV4 signature from a known key
};

struct Config {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;
  std::string data_dir = "./.stratus";
  bool ephemeral = false;
  bool fsync = false;
  AuthMode auth = AuthMode::open;
  std::string log_level = "info";
  std::vector<std::string> services;  // empty: all implemented services
  std::string default_account = "000000000000";
  std::string default_region = "us-east-1";
  std::string root_access_key = "test";
  std::string root_secret_key = "test";
  // --account-key ACCESS_KEY:SECRET_KEY:ACCOUNT_ID (repeatable) and STRATUS_ACCOUNT_KEYS: more
  // root key pairs, each valid (also with --auth=strict) and bound to its account.
  struct AccountKey {
    std::string access_key, secret_key, account;
  };
  std::vector<AccountKey> account_keys;
  bool no_reset = false;                        // --no-reset: POST /_stratus/reset is refused
  int threads = 0;                              // 0: two per core
  uint64_t max_body_bytes = 64ull << 20;        // buffered request bodies
  // Bodies of streaming-payload operations are spooled to an unnamed temporary file instead of
  // memory once larger than spool_threshold_bytes (or of unknown length), up to this size.
  uint64_t max_stream_body_bytes = 5ull << 30;  // AWS's single-request upload limit (5 GiB)
  uint64_t spool_threshold_bytes = 1ull << 20;
  std::string spool_dir;                        // "" → <data-dir>/tmp, or $TMPDIR when ephemeral
  std::string lambda_isolation = "none";        // none | bwrap (runtime/manager.h)
  // Interpreters for Lambda runtime identifiers: "nodejs22.x" -> {path, "--runtime" or the
  // STRATUS_RUNTIME_NODEJS22_X variable it came from} (runtime/interpreters.h).
  std::map<std::string, std::pair<std::string, std::string>> lambda_runtimes;
  std::string kms_master_key_file;              // "" → <data-dir>/.stratus-key (auth/sealing.h)
  std::string smtp_relay;                       // HOST:PORT: the mailbox's email also goes there
  uint16_t smtp_port = 2525;                    // SES's SMTP endpoint on loopback; 0: off
  // The Parameters and Secrets Lambda extension's port on 127.0.0.1 (AWS's 2773); 0: each
  // environment's own Runtime API port (runtime/manager.h: parameters_secrets).
  uint16_t extension_port = 2773;
  // The `iss` of Cognito tokens: "local" (http://localhost:PORT/<pool-id>, where the JWKS is
  // served) or "aws" (https://cognito-idp.<region>.amazonaws.com/<pool-id>).
  std::string cognito_issuer = "local";
  uint64_t max_connections = 0;                 // 0: from the descriptor limit (http/server.h)
  uint32_t header_timeout_s = 30;               // first byte of a request to the end of its header
  // Origins whose browser pages may call the AWS service endpoints (CORS, as AWS's endpoints
  // answer the browser SDKs): "*" any; empty: no CORS answers. API Gateway and Lambda function
  // URLs answer with their own CORS configuration instead.
  std::vector<std::string> cors_origins = {"*"};
};

}  // namespace stratus
