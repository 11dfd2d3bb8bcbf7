// What IAM stores: every keyspace once (storage/keys.h). On disk: never change a layout.
//
// The key layout predates storage::KeyBuilder: components are joined with "/", not
// NUL-terminated, so KeyBuilder cannot express it; store.cc keeps building it by hand (changing
// it would leave existing data unreadable). Role and user names cannot contain "/" (IAM's
// names are [\w+=,.@-]); policy keys are the ARN's resource and do.
#pragma once

#include "storage/keys.h"

namespace stratus::iam {

inline constexpr storage::Keyspace kIam{"iam", "<account> \"/\" <kind> \"/\" <name> (see store.h for kinds and names)",
                                        "record per kind, JSON v1 (dates as epoch ms)"};

inline constexpr storage::Keyspace kKeyspaces[] = {kIam};

}  // namespace stratus::iam
