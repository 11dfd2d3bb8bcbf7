// SES's SMTP endpoint (`serve --smtp-port`, default 2525 on 127.0.0.1; 0: off): AUTH PLAIN/LOGIN
// with SES SMTP credentials (user: an IAM access key id; password: derived from its secret key
// for a region, smtp_password()), then mail goes through the send path (state.h: send()) in the
// region whose password matched, as SendRawEmail from the key's principal. The header
// X-SES-CONFIGURATION-SET names a configuration set. STARTTLS is offered with a self-signed
// certificate kept in <data-dir>/smtp-tls/cert.pem (made on the first start; plain SMTP stays
// allowed on loopback, where AWS would demand TLS first). In --auth=open an unknown access key is
// accepted with any password (the default account and region), like the API's open mode.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace stratus {
class ServerContext;
namespace mail {
class SmtpServer;
}
}  // namespace stratus

namespace stratus::ses {

struct State;

// AWS's documented derivation: HMAC-SHA256 chain "11111111", region, "ses", "aws4_request",
// "SendRawEmail" from "AWS4" + secret, the version byte 0x04 first, base64.
std::string smtp_password(std::string_view secret_key, std::string_view region);

// Starts the endpoint when the configuration asks for it (nullptr otherwise, or when the port is
// taken: logged).
std::unique_ptr<mail::SmtpServer> start_smtp(ServerContext& ctx, State& st);

}  // namespace stratus::ses
