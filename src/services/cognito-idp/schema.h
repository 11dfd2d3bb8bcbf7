// What Cognito user pools store: every keyspace once (storage/keys.h). Records are JSON documents
// (v1: a missing "v" reads as 1). On disk: never change a layout, add a keyspace or a version.
#pragma once

#include "mail/mailbox.h"
#include "storage/keys.h"

namespace stratus::cognitoidp {

// Pool ids are unique across accounts and regions; the record names its account and region.
inline constexpr storage::Keyspace kPools{"cognito.pools", "str(pool id)", "pool record, JSON v1"};
inline constexpr storage::Keyspace kClients{"cognito.clients", "str(pool id) str(client id)",
                                            "app client record, JSON v1"};
// Username key: the username, lower-cased when the pool's usernames are case-insensitive.
// Anonymous APIs name only the client: its pool.
inline constexpr storage::Keyspace kClientIndex{"cognito.clientidx", "str(client id)", "pool id"};
inline constexpr storage::Keyspace kUsers{"cognito.users", "str(pool id) str(username key)",
                                          "user record, JSON v1 (password as a PBKDF2 hash, SRP verifier)"};
inline constexpr storage::Keyspace kGroups{"cognito.groups", "str(pool id) str(group name)", "group record, JSON v1"};
inline constexpr storage::Keyspace kDomains{"cognito.domains", "str(domain)", "pool id"};
// The pool's RS256 key pair, sealed (auth/sealing.h, associated data "cognito-key:<pool id>").
inline constexpr storage::Keyspace kKeys{"cognito.keys", "str(pool id)", "sealed PKCS#8 PEM"};
// One record per sign-in (the refresh token's origin_jti): revoked by RevokeToken/GlobalSignOut.
inline constexpr storage::Keyspace kSessions{"cognito.sessions", "str(pool id) str(username key) str(origin_jti)",
                                             "session record, JSON v1"};
// Pending challenge sessions (auth_sessions.h): {"e": expiry epoch ms, "r": the session record};
// deleted when answered, swept when found expired at start.
inline constexpr storage::Keyspace kAuthSessions{"cognito.authsessions", "str(session id)",
                                                 "pending challenge session, JSON v1"};

// Resource servers (custom OAuth scopes "<identifier>/<scope name>").
inline constexpr storage::Keyspace kResourceServers{"cognito.resourceservers", "str(pool id) str(identifier)",
                                                    "resource server record, JSON v1"};

inline constexpr storage::Keyspace kKeyspaces[] = {
    kPools, kClients,  kClientIndex,     kUsers,        kGroups,           kDomains,
    kKeys,  kSessions, kResourceServers, kAuthSessions, mailbox::kKeyspace};

}  // namespace stratus::cognitoidp
