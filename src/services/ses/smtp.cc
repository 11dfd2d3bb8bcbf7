#include "services/ses/smtp.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "auth/sigv4.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/error.h"
#include "http/tls_cert.h"
#include "mail/mime.h"
#include "mail/smtp_server.h"
#include "server/context.h"
#include "services/ses/state.h"

namespace stratus::ses {
namespace {

// The Regions of SES's SMTP endpoints (the password is region-specific).
constexpr const char* kRegions[] = {
    "us-east-1",      "us-east-2",      "us-west-1",      "us-west-2",      "af-south-1",     "ap-south-1",
    "ap-south-2",     "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "ca-central-1",   "eu-central-1",   "eu-central-2",   "eu-west-1",      "eu-west-2",
    "eu-west-3",      "eu-north-1",     "eu-south-1",     "il-central-1",   "me-south-1",     "me-central-1",
    "sa-east-1",      "us-gov-west-1",  "us-gov-east-1"};

bool same(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool read_file(const std::filesystem::path& p, std::string* out) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return false;
  out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return !out->empty();
}

bool write_file(const std::filesystem::path& p, const std::string& data) {
  std::filesystem::path tmp = p;
  tmp += ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f.write(data.data(), static_cast<std::streamsize>(data.size())) || !f.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, p, ec);
  return !ec;
}

// The STARTTLS certificate: <data-dir>/smtp-tls/{cert,key}.pem, made (self-signed for the
// endpoint's name and localhost) on the first start and kept, so clients can trust cert.pem.
// An --ephemeral server writes nothing: its certificate lives only as long as the process.
bool tls_material(const std::string& data_dir, bool ephemeral, std::string* cert, std::string* key) {
  std::filesystem::path dir = std::filesystem::path(data_dir) / "smtp-tls";
  if (!ephemeral && read_file(dir / "cert.pem", cert) && read_file(dir / "key.pem", key)) return true;
  try {
    http::SelfSigned made = http::self_signed("localhost", 2048);
    std::error_code ec;
    if (!ephemeral) std::filesystem::create_directories(dir, ec);
    if (!ephemeral &&
        (!write_file(dir / "key.pem", made.key_pem) || !write_file(dir / "cert.pem", made.cert_pem)))
      return false;
    *cert = std::move(made.cert_pem);
    *key = std::move(made.key_pem);
    return true;
  } catch (const std::exception& e) {
    spdlog::warn("ses: no STARTTLS certificate: {}", e.what());
    return false;
  }
}

}  // namespace

std::string smtp_password(std::string_view secret_key, std::string_view region) {
  std::string k = auth::hmac_sha256("AWS4" + std::string(secret_key), "11111111");
  k = auth::hmac_sha256(k, region);
  k = auth::hmac_sha256(k, "ses");
  k = auth::hmac_sha256(k, "aws4_request");
  k = auth::hmac_sha256(k, "SendRawEmail");
  return enc::base64_encode(std::string(1, '\x04') + k);
}

std::unique_ptr<mail::SmtpServer> start_smtp(ServerContext& ctx, State& st) {
  uint16_t port = ctx.config().smtp_port;
  if (port == 0) return nullptr;
  mail::SmtpHooks hooks;
  if (!tls_material(ctx.config().data_dir, ctx.config().ephemeral, &hooks.tls_cert_pem, &hooks.tls_key_pem))
    spdlog::warn("ses: the SMTP endpoint offers no STARTTLS (its certificate could not be written)");
  hooks.auth = [&ctx](const std::string& user, const std::string& pass, std::string* who) {
    auto cred = ctx.keys().find(user);
    if (!cred) {
      if (ctx.config().auth == AuthMode::strict) return false;
      *who = user + "\n" + ctx.config().default_account + "\n" + ctx.config().default_region + "\n" +
             "arn:aws:iam::" + ctx.config().default_account + ":root";
      return true;
    }
    // Temporary credentials may not be used for SMTP.
    if (!cred->session_token.empty()) return false;
    std::string region;
    if (same(smtp_password(cred->secret_key, ctx.config().default_region), pass)) region = ctx.config().default_region;
    for (const char* r : kRegions)
      if (region.empty() && same(smtp_password(cred->secret_key, r), pass)) region = r;
    if (region.empty()) return false;
    *who = user + "\n" + cred->account + "\n" + region + "\n" + cred->principal_arn;
    return true;
  };
  hooks.deliver = [&st](const std::string& who, const std::string& from, const std::vector<std::string>& to,
                        std::string data) -> std::string {
    OpContext::Caller caller;
    size_t a = who.find('\n'), b = who.find('\n', a + 1), c = who.find('\n', b + 1);
    caller.access_key = who.substr(0, a);
    caller.account = who.substr(a + 1, b - a - 1);
    caller.region = who.substr(b + 1, c - b - 1);
    caller.arn = who.substr(c + 1);
    Outgoing m;
    m.source = from;
    m.recipients = to;
    m.raw_api = true;
    try {
      mime::Message parsed = mime::parse(data);
      if (m.source.empty()) m.source = parsed.header("From");
      m.config_set = parsed.header("X-SES-CONFIGURATION-SET");
    } catch (const mime::Error& e) {
      return std::string("554 Transaction failed: ") + e.what();
    }
    m.raw = std::move(data);
    try {
      return "250 Ok " + send(st, caller, now_millis(), std::move(m));
    } catch (const AwsError& e) {
      if (e.code == "MessageRejected") return "554 Message rejected: " + e.message;
      if (e.http_status >= 500) return "451 Temporary service failure";
      return "554 Transaction failed: " + e.message;
    }
  };
  auto server = std::make_unique<mail::SmtpServer>();
  std::string err = server->start("127.0.0.1", port, std::move(hooks));
  if (!err.empty()) {
    spdlog::warn("ses: the SMTP endpoint could not listen on 127.0.0.1:{}: {} (--smtp-port 0 turns it off)", port, err);
    return nullptr;
  }
  spdlog::info("ses: SMTP endpoint on 127.0.0.1:{}", server->port());
  return server;
}

}  // namespace stratus::ses
