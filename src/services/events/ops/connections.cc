// Connections (API_KEY / BASIC / OAUTH_CLIENT_CREDENTIALS authorization, kept in the record and
// mirrored into a Secrets Manager secret "events!connection/NAME/UUID" when Secrets Manager runs)
// and API destinations (an HTTP endpoint, method and invocation rate limit). Delivery: delivery.cc.
#include "core/arn.h"
#include "core/ids.h"
#include "core/json.h"
#include "server/context.h"
#include "services/events/ops.h"
#include "services/events/schema.h"
#include "storage/engine.h"
#include "storage/keys.h"
#include "storage/written.h"

namespace stratus::events {
namespace {

std::string key_of(OpContext& ctx, const std::string& name) {
  return storage::KeyBuilder().scope(ctx.account(), ctx.region()).str(name).take();
}

AwsError no_connection(const std::string& name) {
  return errors::resource_not_found("Failed to describe the connection(s). Connection '" + name + "' does not exist.");
}
AwsError no_destination(const std::string& name) {
  return errors::resource_not_found("Failed to describe the api-destination(s). An api-destination '" + name +
                                    "' does not exist.");
}

// The auth parameters as Describe shows them: no secret values.
Doc public_auth(const Doc& auth) {
  Doc out = Doc::map();
  if (const Doc* b = auth.get("BasicAuthParameters"))
    out.set("BasicAuthParameters", answer("Username", b->str("Username")));
  if (const Doc* k = auth.get("ApiKeyAuthParameters"))
    out.set("ApiKeyAuthParameters", answer("ApiKeyName", k->str("ApiKeyName")));
  if (const Doc* o = auth.get("OAuthParameters")) {
    Doc p = Doc::map();
    if (const Doc* c = o->get("ClientParameters")) p.set("ClientParameters", answer("ClientID", c->str("ClientID")));
    p.set("AuthorizationEndpoint", o->str("AuthorizationEndpoint"));
    p.set("HttpMethod", o->str("HttpMethod"));
    if (const Doc* h = o->get("OAuthHttpParameters")) p.set("OAuthHttpParameters", *h);
    out.set("OAuthParameters", std::move(p));
  }
  if (const Doc* h = auth.get("InvocationHttpParameters")) out.set("InvocationHttpParameters", *h);
  return out;
}

void check_auth(const std::string& type, const Doc* auth) {
  const char* member = type == "BASIC"     ? "BasicAuthParameters"
                       : type == "API_KEY" ? "ApiKeyAuthParameters"
                                           : "OAuthParameters";
  if (!auth || !auth->get(member))
    throw errors::validation("The request failed because it did not contain " + std::string(member) +
                             " for the AuthorizationType " + type + ".");
  int n = auth->has("BasicAuthParameters") + auth->has("ApiKeyAuthParameters") + auth->has("OAuthParameters");
  if (n > 1)
    throw errors::validation("The request failed because it contained more than one authorization parameter set.");
  if (type == "OAUTH_CLIENT_CREDENTIALS") {
    const Doc* o = auth->get("OAuthParameters");
    if (!o->get("ClientParameters"))
      throw errors::validation("ClientParameters must be specified for OAuthParameters.");
  }
}

Doc connection_summary(const Doc& rec, bool with_times = true) {
  Doc out = Doc::map();
  out.set("ConnectionArn", rec.str("ConnectionArn"));
  out.set("ConnectionState", rec.str("ConnectionState"));
  if (with_times) {
    out.set("CreationTime", Timestamp{rec.integer("CreationTime")});
    out.set("LastModifiedTime", Timestamp{rec.integer("LastModifiedTime")});
    if (rec.has("LastAuthorizedTime")) out.set("LastAuthorizedTime", Timestamp{rec.integer("LastAuthorizedTime")});
  }
  return out;
}

// Mirrors the auth parameters into the connection's secret (best effort: Secrets Manager may not
// run, and it refuses the '!' of AWS's service-owned names to callers). The secret's ARN when it
// was created there.
std::optional<std::string> store_secret(OpContext& ctx, const Doc& rec, bool create) {
  Doc in = Doc::map();
  in.set(create ? "Name" : "SecretId", rec.str(create ? "SecretName" : "SecretArn"));
  in.set("SecretString", json::write(*rec.get("AuthParameters")));
  auto r =
      ctx.server.call_sync("secretsmanager", create ? "CreateSecret" : "PutSecretValue", std::move(in), ctx.caller);
  if (r && create) return r->str("ARN");
  return std::nullopt;
}

// The named connection's record (engaged; ResourceNotFoundException when there is none) and its
// key in *key.
std::optional<Doc> connection(OpContext& ctx, const std::string& name, std::string* key) {
  *key = key_of(ctx, name);
  auto rec = load(state(ctx).db(), schema::kConnections.name, *key);
  if (!rec) throw no_connection(name);
  return rec;
}

}  // namespace

Doc create_connection(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string name = in.str("Name"), type = in.str("AuthorizationType");
  check_name(name, "name");
  check_auth(type, in.get("AuthParameters"));
  std::lock_guard lk(st.mu());
  std::string key = key_of(ctx, name);
  if (load(st.db(), schema::kConnections.name, key))
    throw errors::resource_already_exists("Connection " + name + " already exists.");
  std::string uuid = ids::uuid4();
  Doc rec = Doc::map();
  rec.set("Name", name);
  rec.set("ConnectionArn", Arn::make("events", ctx.region(), ctx.account(), "connection/" + name + "/" + uuid));
  rec.set("SecretName", "events!connection/" + name + "/" + uuid);
  rec.set("SecretArn", Arn::make("secretsmanager", ctx.region(), ctx.account(),
                                 "secret:events!connection/" + name + "/" + uuid + "-" + ids::random_lower_alnum(6)));
  rec.set("AuthorizationType", type);
  rec.set("AuthParameters", *in.get("AuthParameters"));
  if (in.has("Description")) rec.set("Description", in.str("Description"));
  rec.set("ConnectionState", "AUTHORIZED");
  rec.set("CreationTime", ctx.now_ms);
  rec.set("LastModifiedTime", ctx.now_ms);
  rec.set("LastAuthorizedTime", ctx.now_ms);
  if (auto arn = store_secret(ctx, rec, true)) rec.set("SecretArn", *arn);
  save(st.db(), schema::kConnections.name, key, rec);
  Doc out = connection_summary(rec);
  out.as_map().erase("LastAuthorizedTime");
  return out;
}

Doc describe_connection(OpContext& ctx, const Doc& in) {
  std::string key;
  auto rec = connection(ctx, in.str("Name"), &key);
  Doc out = connection_summary(*rec);
  out.set("Name", rec->str("Name"));
  out.set("AuthorizationType", rec->str("AuthorizationType"));
  out.set("SecretArn", rec->str("SecretArn"));
  if (rec->has("Description")) out.set("Description", rec->str("Description"));
  out.set("AuthParameters", public_auth(*rec->get("AuthParameters")));
  return out;
}

Doc list_connections(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string state_filter = in.str("ConnectionState");
  return name_page(
      scan(st.db(), schema::kConnections.name, storage::scope_prefix(ctx.account(), ctx.region())), in, "Name",
      "Connections", [&](const Doc& rec) { return state_filter.empty() || rec.str("ConnectionState") == state_filter; },
      [](const Doc& rec) {
        Doc c = connection_summary(rec);
        c.set("Name", rec.str("Name"));
        c.set("AuthorizationType", rec.str("AuthorizationType"));
        return c;
      });
}

Doc update_connection(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string name = in.str("Name");
  std::lock_guard lk(st.mu());
  std::string key;
  auto rec = connection(ctx, name, &key);
  if (in.has("Description")) rec->set("Description", in.str("Description"));
  if (in.has("AuthorizationType")) rec->set("AuthorizationType", in.str("AuthorizationType"));
  if (const Doc* a = in.get("AuthParameters")) {
    Doc merged = *rec->get("AuthParameters");
    for (const auto& [k, v] : a->as_map()) {
      if (v.is_map() && merged.get(k) && merged.get(k)->is_map()) {
        for (const auto& [k2, v2] : v.as_map()) (*merged.get(k)).set(k2, v2);
      } else {
        merged.set(k, v);
      }
    }
    if (in.has("AuthorizationType")) {
      for (const char* m : {"BasicAuthParameters", "ApiKeyAuthParameters", "OAuthParameters"})
        if (!a->has(m)) merged.as_map().erase(m);
    }
    rec->set("AuthParameters", std::move(merged));
  }
  check_auth(rec->str("AuthorizationType"), rec->get("AuthParameters"));
  rec->set("ConnectionState", "AUTHORIZED");
  rec->set("LastModifiedTime", ctx.now_ms);
  rec->set("LastAuthorizedTime", ctx.now_ms);
  store_secret(ctx, *rec, false);
  save(st.db(), schema::kConnections.name, key, *rec);
  return connection_summary(*rec);
}

Doc deauthorize_connection(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::lock_guard lk(st.mu());
  std::string key;
  auto rec = connection(ctx, in.str("Name"), &key);
  rec->set("ConnectionState", "DEAUTHORIZED");
  rec->set("LastModifiedTime", ctx.now_ms);
  save(st.db(), schema::kConnections.name, key, *rec);
  return connection_summary(*rec);
}

Doc delete_connection(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::lock_guard lk(st.mu());
  std::string key;
  auto rec = connection(ctx, in.str("Name"), &key);
  storage::written(st.db().del(schema::kConnections.name, key));
  Doc del = Doc::map();
  del.set("SecretId", rec->str("SecretName"));
  del.set("ForceDeleteWithoutRecovery", true);
  (void)ctx.server.call_sync("secretsmanager", "DeleteSecret", std::move(del), ctx.caller);
  rec->set("ConnectionState", "DELETING");
  return connection_summary(*rec);
}

// ---- API destinations ----
namespace {

std::optional<Doc> connection_by_arn(OpContext& ctx, const std::string& arn) {
  auto a = Arn::parse(arn);
  if (!a || a->resource.rfind("connection/", 0) != 0) return std::nullopt;
  std::string rest = a->resource.substr(11);
  std::string name = rest.substr(0, rest.find('/'));
  auto rec = load(state(ctx).db(), schema::kConnections.name, key_of(ctx, name));
  if (!rec || rec->str("ConnectionArn") != arn) return std::nullopt;
  return rec;
}

void check_destination(OpContext& ctx, const Doc& in) {
  if (in.has("ConnectionArn") && !connection_by_arn(ctx, in.str("ConnectionArn")))
    throw errors::resource_not_found("Connection '" + in.str("ConnectionArn") + "' does not exist.");
  if (in.has("InvocationEndpoint")) {
    std::string e = in.str("InvocationEndpoint");
    if (e.rfind("https://", 0) != 0 && e.rfind("http://", 0) != 0)
      throw errors::validation("Parameter InvocationEndpoint is not valid. Reason: Invalid URL.");
  }
  if (in.has("InvocationRateLimitPerSecond") && in.integer("InvocationRateLimitPerSecond") < 1)
    throw errors::validation("Parameter InvocationRateLimitPerSecond is not valid. Reason: must be at least 1.");
}

Doc destination_summary(const Doc& rec) {
  Doc out = Doc::map();
  out.set("ApiDestinationArn", rec.str("ApiDestinationArn"));
  out.set("ApiDestinationState", rec.str("ApiDestinationState", "ACTIVE"));
  out.set("CreationTime", Timestamp{rec.integer("CreationTime")});
  out.set("LastModifiedTime", Timestamp{rec.integer("LastModifiedTime")});
  return out;
}

Doc destination_out(const Doc& rec, bool full) {
  Doc out = destination_summary(rec);
  out.set("Name", rec.str("Name"));
  out.set("ConnectionArn", rec.str("ConnectionArn"));
  out.set("InvocationEndpoint", rec.str("InvocationEndpoint"));
  out.set("HttpMethod", rec.str("HttpMethod"));
  out.set("InvocationRateLimitPerSecond", rec.integer("InvocationRateLimitPerSecond", 300));
  if (full && rec.has("Description")) out.set("Description", rec.str("Description"));
  return out;
}

}  // namespace

Doc create_api_destination(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string name = in.str("Name");
  check_name(name, "name");
  check_destination(ctx, in);
  std::lock_guard lk(st.mu());
  std::string key = key_of(ctx, name);
  if (load(st.db(), schema::kApiDestinations.name, key))
    throw errors::resource_already_exists("An api-destination '" + name + "' already exists.");
  Doc rec = Doc::map();
  rec.set("Name", name);
  rec.set("ApiDestinationArn",
          Arn::make("events", ctx.region(), ctx.account(), "api-destination/" + name + "/" + ids::uuid4()));
  for (const char* m : {"ConnectionArn", "InvocationEndpoint", "HttpMethod", "Description"})
    if (in.has(m)) rec.set(m, in.str(m));
  rec.set("InvocationRateLimitPerSecond", in.integer("InvocationRateLimitPerSecond", 300));
  rec.set("ApiDestinationState", "ACTIVE");
  rec.set("CreationTime", ctx.now_ms);
  rec.set("LastModifiedTime", ctx.now_ms);
  save(st.db(), schema::kApiDestinations.name, key, rec);
  return destination_summary(rec);
}

Doc describe_api_destination(OpContext& ctx, const Doc& in) {
  auto rec = load(state(ctx).db(), schema::kApiDestinations.name, key_of(ctx, in.str("Name")));
  if (!rec) throw no_destination(in.str("Name"));
  return destination_out(*rec, true);
}

Doc list_api_destinations(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string conn = in.str("ConnectionArn");
  return name_page(
      scan(st.db(), schema::kApiDestinations.name, storage::scope_prefix(ctx.account(), ctx.region())), in, "Name",
      "ApiDestinations", [&](const Doc& rec) { return conn.empty() || rec.str("ConnectionArn") == conn; },
      [](const Doc& rec) { return destination_out(rec, false); });
}

Doc update_api_destination(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string name = in.str("Name");
  check_destination(ctx, in);
  std::lock_guard lk(st.mu());
  std::string key = key_of(ctx, name);
  auto rec = load(st.db(), schema::kApiDestinations.name, key);
  if (!rec) throw no_destination(name);
  for (const char* m : {"ConnectionArn", "InvocationEndpoint", "HttpMethod", "Description"})
    if (in.has(m)) rec->set(m, in.str(m));
  if (in.has("InvocationRateLimitPerSecond"))
    rec->set("InvocationRateLimitPerSecond", in.integer("InvocationRateLimitPerSecond"));
  rec->set("LastModifiedTime", ctx.now_ms);
  save(st.db(), schema::kApiDestinations.name, key, *rec);
  return destination_summary(*rec);
}

Doc delete_api_destination(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::lock_guard lk(st.mu());
  std::string key = key_of(ctx, in.str("Name"));
  if (!load(st.db(), schema::kApiDestinations.name, key)) throw no_destination(in.str("Name"));
  storage::written(st.db().del(schema::kApiDestinations.name, key));
  return Doc::map();
}

}  // namespace stratus::events
