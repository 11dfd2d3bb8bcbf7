// Stratus' own SNS endpoints (not AWS operations): the signing certificate and the opt-out hook.
#include "core/json.h"
#include "http/message.h"
#include "services/sns/ops.h"
#include "services/sns/state.h"

namespace stratus::sns {

void serve_certificate(State& st, const http::Request&, http::Response& res) {
  res.headers.set("content-type", "application/x-pem-file");
  res.body = st.envelopes.signer().certificate_pem();
}

void serve_opt_out(State& st, const http::Request& req, http::Response& res) {
  std::string phone, account = "000000000000";
  for (const auto& [k, v] : http::parse_query(req.query)) {
    if (k == "phoneNumber") phone = v;
    else if (k == "account") account = v;
  }
  res.headers.set("content-type", "application/json");
  // (An account with a NUL in it cannot name a stored record: refused like a missing number.)
  if (req.method != "POST" || phone.empty() || account.find('\0') != std::string::npos) {
    res.status = 400;
    res.body = "{\"message\":\"POST with ?phoneNumber=\"}";
    return;
  }
  auto ws = st.platform.opt_out(account, phone);
  res.status = ws.ok() ? 200 : 500;
  res.body = ws.ok() ? "{}" : "{\"message\":\"" + json::escape(ws.message) + "\"}";
}

}  // namespace stratus::sns
