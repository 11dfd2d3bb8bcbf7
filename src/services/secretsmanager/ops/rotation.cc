#include "core/ids.h"
#include "server/context.h"
#include "services/lambda/invoke.h"
#include "services/secretsmanager/ops.h"
#include "services/secretsmanager/schedule.h"

namespace stratus::secretsmanager {

Doc rotate_secret(OpContext& ctx, const Doc& in) {
  std::string token = in.str("ClientRequestToken");
  if (token.empty()) token = ids::uuid4();
  const Doc* rules = in.get("RotationRules");
  Schedule schedule;
  if (rules) schedule = parse_rules(*rules);
  bool immediately = in.flag("RotateImmediately", true);
  auto& st = state(ctx);
  std::string name;
  Doc out = Doc::map();
  {
    std::lock_guard lock(SecretStore::mu());
    SecretStore store = st.store();
    Doc secret = resolve(ctx, in.str("SecretId"));
    check_primary(secret);
    check_live(secret);
    std::string fn = in.str("RotationLambdaARN", secret.str("RotationLambdaARN"));
    if (fn.empty()) throw errors::invalid_request("No Lambda rotation function ARN is associated with this secret.");
    auto arn = lambda::function_arn(ctx.server, ctx.account(), ctx.region(), fn);
    if (!arn.ok())
      throw AwsError("AccessDeniedException",
                     "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy "
                     "grants access to the principal secretsmanager.amazonaws.com.",
                     400);
    std::string pending = version_with(secret, kPending), current = version_with(secret, kCurrent);
    if (!pending.empty() && pending != current) {
      if (pending == token && secret.has("Rotation")) {
        out.set("ARN", secret.str("ARN"));
        out.set("Name", secret.str("Name"));
        out.set("VersionId", token);
        return out;
      }
      throw errors::invalid_request("A previous rotation isn't complete. That rotation will be reattempted.");
    }
    if (const Doc* vs = secret.get("Versions"); vs && vs->has(token))
      throw errors::resource_exists("You can't modify an existing version, you can only create a new version.");
    int64_t now = st.now();
    secret.set("RotationLambdaARN", in.str("RotationLambdaARN", secret.str("RotationLambdaARN")));
    if (rules) {
      Doc r = Doc::map();
      if (rules->has("AutomaticallyAfterDays"))
        r.set("AutomaticallyAfterDays", rules->integer("AutomaticallyAfterDays"));
      if (rules->has("ScheduleExpression")) r.set("ScheduleExpression", rules->str("ScheduleExpression"));
      if (rules->has("Duration")) r.set("Duration", rules->str("Duration"));
      secret.set("RotationRules", std::move(r));
    }
    secret.set("RotationEnabled", true);
    if (secret.has("RotationRules")) {
      if (!immediately) {
        Window w = next_window(parse_rules(*secret.get("RotationRules")), secret.integer("LastRotatedDate", now));
        secret.set("NextRotationStart", w.start_ms);
        secret.set("NextRotationDate", w.end_ms);
      }
    }
    Doc ver = Doc::map();
    ver.set("Created", now);
    Doc stages = Doc::list();
    stages.push(std::string(kPending));
    ver.set("Stages", std::move(stages));
    secret["Versions"].set(token, std::move(ver));
    Doc rot = Doc::map();
    rot.set("Token", token);
    rot.set("RotationToken", ids::uuid4() + "-" + ids::uuid4().substr(0, 8));
    rot.set("TestOnly", !immediately);
    rot.set("Attempt", 0);
    secret.set("Rotation", std::move(rot));
    storage::WriteBatch batch;
    store.save(batch, ctx.account(), ctx.region(), secret);
    name = secret.str("Name");
    out.set("ARN", secret.str("ARN"));
    out.set("Name", name);
    out.set("VersionId", token);
    Trail trail(ctx, in);
    trail.add(batch, out);
    store.commit(batch);
    trail.published();
  }
  st.run_rotation(ctx.account(), ctx.region(), name);
  return out;
}

Doc cancel_rotate_secret(OpContext& ctx, const Doc& in) {
  return update(ctx, in, [&](Doc& secret, storage::WriteBatch&, SecretStore&) {
    Doc out = Doc::map();
    out.set("ARN", secret.str("ARN"));
    out.set("Name", secret.str("Name"));
    if (const Doc* r = secret.get("Rotation")) out.set("VersionId", r->str("Token"));
    secret.set("RotationEnabled", false);
    secret.as_map().erase("Rotation");
    secret.as_map().erase("NextRotationStart");
    secret.as_map().erase("NextRotationDate");
    return out;
  });
}

}  // namespace stratus::secretsmanager
