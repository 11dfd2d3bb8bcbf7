// STS's operations, one handler per operation named after it (the table is in service.cc).
// STS keeps no records of its own: credentials it issues go into the server's KeyStore.
#pragma once

#include <cstdint>
#include <string>

#include "core/doc.h"
#include "services/service.h"

namespace stratus::sts {

// ops/identity.cc
HandlerFn get_caller_identity, get_access_key_info;

// ops/credentials.cc
HandlerFn assume_role, get_session_token;
// Anonymous (the model's authtype "none"): the caller proves itself with an OIDC ID token. The
// token's shape and expiry are checked; its signature is not (no IdP keys are fetched).
Doc assume_role_with_web_identity(OpContext&, const Doc&);

// A stable id for a role ("AROA" + 17 characters of IAM's alphabet, from a hash of the ARN),
// as IAM gives each role one unique id. Assumed-role sessions are "<id>:<session name>".
std::string role_unique_id(const std::string& role_arn);

}  // namespace stratus::sts
