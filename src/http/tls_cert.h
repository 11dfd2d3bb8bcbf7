// A self-signed certificate and its RSA key, PEM encoded: SNS's signing certificate and the SES
// SMTP endpoint's STARTTLS certificate.
//
//   http::SelfSigned c = http::self_signed("sns.amazonaws.com", 1024);  // throws std::runtime_error
//   ... c.key_pem, c.cert_pem
#pragma once

#include <string>

namespace stratus::http {

struct SelfSigned {
  std::string key_pem, cert_pem;
};

// CN `common_name`, O Stratus, valid from a day ago for ten years, SHA-256 signed; `bits` of RSA.
SelfSigned self_signed(const std::string& common_name, int bits);

}  // namespace stratus::http
