// The policy statement SQS's and SNS's AddPermission add: Allow, the accounts' root principals,
// the service's actions ("SQS:SendMessage"), on one resource. One item is written as a string,
// several as a list, as AWS does.
#pragma once

#include <string>

#include "core/arn.h"
#include "core/doc.h"

namespace stratus {

inline Doc permission_statement(const std::string& sid, const Doc* accounts, const Doc* actions,
                                const std::string& action_prefix, const std::string& resource) {
  Doc principals = Doc::list(), acts = Doc::list();
  if (accounts && accounts->is_list())
    for (const auto& a : accounts->as_list()) principals.push(root_arn(a.as_string()));
  if (actions && actions->is_list())
    for (const auto& a : actions->as_list()) acts.push(action_prefix + ":" + a.as_string());
  Doc st = Doc::map();
  st.set("Sid", sid);
  st.set("Effect", "Allow");
  Doc principal = Doc::map();
  principal.set("AWS", principals.size() == 1 ? principals.as_list()[0] : principals);
  st.set("Principal", std::move(principal));
  st.set("Action", acts.size() == 1 ? acts.as_list()[0] : acts);
  st.set("Resource", resource);
  return st;
}

}  // namespace stratus
