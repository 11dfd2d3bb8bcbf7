#include "services/lambda/ops.h"

#include "core/arn.h"
#include "core/json.h"
#include "services/lambda/state.h"

namespace stratus::lambda::ops {

// ---- resource policy ----

Doc new_statement(Doc& statements, const std::string& sid) {
  if (statements.is_null()) statements = Doc::list();
  for (const auto& s : statements.as_list())
    if (s.str("Sid") == sid)
      throw errors::resource_conflict("The statement id (" + sid +
                      ") provided already exists. Please provide a new statement id, or remove the existing "
                      "statement.");
  Doc st = Doc::map();
  st.set("Sid", sid);
  st.set("Effect", "Allow");
  return st;
}

void remove_statement(Doc* statements, const std::string& sid) {
  if (statements) {
    auto& l = statements->as_list();
    for (auto it = l.begin(); it != l.end(); ++it) {
      if (it->str("Sid") == sid) {
        l.erase(it);
        return;
      }
    }
  }
  throw errors::resource_not_found("Statement " + sid + " is not found in resource policy.");
}

Doc policy_answer(const Doc& statements, const std::string& revision_id) {
  Doc policy = Doc::map();
  policy.set("Version", "2012-10-17");
  policy.set("Id", "default");
  policy.set("Statement", statements);
  Doc out = Doc::map();
  out.set("Policy", json::write(policy));
  out.set("RevisionId", revision_id);
  return out;
}

Doc add_permission(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  const Doc& cfg = *resolve(ctx, rec, ref.name, ref.qualifier);
  check_revision(in, cfg);
  std::string sid = in.str("StatementId");
  Doc& policy = rec["policy"];
  if (policy.is_null()) policy = Doc::map();
  std::string pkey = ref.qualifier.empty() ? "$LATEST" : ref.qualifier;
  Doc& stmts = policy[pkey];
  Doc st = new_statement(stmts, sid);
  Doc principal = Doc::map();
  std::string p = in.str("Principal");
  if (p == "*") principal = Doc("*");
  else if (p.find(".amazonaws.com") != std::string::npos) principal.set("Service", p);
  else if (p.size() == 12 && p.find_first_not_of("0123456789") == std::string::npos)
    principal.set("AWS", root_arn(p));
  else principal.set("AWS", p);
  st.set("Principal", principal);
  st.set("Action", in.str("Action"));
  st.set("Resource", ref.qualifier.empty() ? function_arn(ctx, ref.name)
                                           : function_arn(ctx, ref.name) + ":" + ref.qualifier);
  Doc cond = Doc::map();
  if (in.has("SourceArn")) {
    Doc c = Doc::map();
    c.set("AWS:SourceArn", in.str("SourceArn"));
    cond.set("ArnLike", c);
  }
  Doc eq = Doc::map();
  if (in.has("SourceAccount")) eq.set("AWS:SourceAccount", in.str("SourceAccount"));
  if (in.has("PrincipalOrgID")) eq.set("aws:PrincipalOrgID", in.str("PrincipalOrgID"));
  if (in.has("EventSourceToken")) eq.set("lambda:EventSourceToken", in.str("EventSourceToken"));
  if (in.has("FunctionUrlAuthType")) eq.set("lambda:FunctionUrlAuthType", in.str("FunctionUrlAuthType"));
  if (eq.size()) cond.set("StringEquals", eq);
  if (cond.size()) st.set("Condition", cond);
  stmts.push(st);
  state(ctx).save(ctx, ref.name, rec);
  return answer("Statement", json::write(st));
}

Doc remove_permission(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  std::string sid = in.str("StatementId");
  Doc* stmts = rec.get("policy") ? rec.get("policy")->get(ref.qualifier.empty() ? "$LATEST" : ref.qualifier) : nullptr;
  remove_statement(stmts, sid);
  state(ctx).save(ctx, ref.name, rec);
  return Doc::map();
}

Doc get_policy(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  Doc rec = state(ctx).must_load(ctx, ref.name);
  const Doc& cfg = *resolve(ctx, rec, ref.name, ref.qualifier);
  const Doc* stmts = rec.get("policy") ? rec.get("policy")->get(ref.qualifier.empty() ? "$LATEST" : ref.qualifier) : nullptr;
  if (!stmts || stmts->size() == 0)
    throw errors::resource_not_found("The resource you requested does not exist.");
  return policy_answer(*stmts, cfg.str("RevisionId"));
}

}  // namespace stratus::lambda::ops
