#include "services/lambda/state.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "core/arn.h"
#include "core/clock.h"
#include "core/env.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/lookup.h"
#include "runtime/manager.h"
#include "server/context.h"
#include "services/cloudwatch/api.h"
#include "services/lambda/errors.h"
#include "services/lambda/esm.h"
#include "services/lambda/layers.h"
#include "services/logs/api.h"
#include "services/s3/api.h"

namespace stratus::lambda {

namespace fs = std::filesystem;

AwsError not_found_fn(const std::string& arn) { return errors::resource_not_found("Function not found: " + arn); }

const Doc* resolve(const Doc& rec, const std::string& arn, const std::string& q, std::string* alias_out,
                   bool route) {
  if (q.empty() || q == "$LATEST") return rec.get("config");
  if (const Doc* v = rec.get("versions"); v && v->get(q)) return v->get(q);
  if (const Doc* a = rec.get("aliases"); a && a->get(q)) {
    const Doc& alias = *a->get(q);
    std::string ver = alias.str("FunctionVersion");
    if (route) {
      if (const Doc* w = alias.get("RoutingConfig"); w && w->get("AdditionalVersionWeights")) {
        thread_local std::mt19937_64 rng{std::random_device{}()};
        double x = std::uniform_real_distribution<double>(0, 1)(rng);
        for (const auto& [other, weight] : w->get("AdditionalVersionWeights")->as_map()) {
          x -= weight.as_double();
          if (x < 0) {
            ver = other;
            break;
          }
        }
      }
    }
    if (alias_out) *alias_out = q;
    if (ver == "$LATEST") return rec.get("config");
    if (const Doc* v = rec.get("versions"); v && v->get(ver)) return v->get(ver);
  }
  throw not_found_fn(arn + ":" + q);
}
const Doc* provisioned_of(const Doc& rec, const std::string& q) {
  const Doc* all = rec.get("provisioned");
  return all ? all->get(q) : nullptr;
}

std::string version_of(const Doc& rec, const std::string& q) {
  if (const Doc* a = rec.get("aliases") ? rec.get("aliases")->get(q) : nullptr) return a->str("FunctionVersion");
  return q;
}

std::string pool_prefix(const std::string& account, const std::string& region, const std::string& name) {
  return account + "/" + region + "/" + name + "/";
}

State::State() : esm_(make_event_source_mappings()) {}

State::~State() = default;

void State::start(ServerContext& server) {
  server_ = &server;
  functions_ = std::make_unique<FunctionStore>(server.storage());
  const Config& cfg = server.config();
  if (cfg.ephemeral) {
    char tmpl[] = "/tmp/stratus-lambda-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("cannot create a temporary directory for Lambda");
    dir_ = tmpl;
    own_dir_ = true;
  } else {
    dir_ = (fs::absolute(cfg.data_dir) / "lambda").lexically_normal().string();
  }
  fs::create_directories(dir_ + "/code");
  runtime::write_shims(dir_ + "/runtime");
  // Code, layers and shims stay readable by sandboxed functions (each tree is opened up as it is
  // stored; function /tmp directories under envtmp/ are not).
  make_world_readable(dir_, false);
  make_world_readable(dir_ + "/code", false);
  make_world_readable(dir_ + "/runtime");
  runtime::ManagerOptions mo;
  mo.shim_dir = dir_ + "/runtime";
  mo.endpoint_url = "http://" + cfg.host + ":" + std::to_string(cfg.port);
  mo.download_root = dir_ + "/code";
  mo.isolation = cfg.lambda_isolation;
  mo.extension_port = cfg.extension_port;
  mo.runtime_paths = cfg.lambda_runtimes;
  mo.hidden = {cfg.ephemeral ? dir_ : cfg.data_dir};  // no function reads the server's data
  mo.idle_ms = env_int("STRATUS_LAMBDA_IDLE_MS", mo.idle_ms);
  mo.default_max_environments = static_cast<int>(env_int("STRATUS_LAMBDA_MAX_ENVIRONMENTS", mo.default_max_environments));
  retry_base_ms_ = env_int("STRATUS_LAMBDA_ASYNC_RETRY_MS", retry_base_ms_);
  ServerContext* srv = &server;  // function output goes to CloudWatch Logs (logs/api.h)
  metrics_ = server.port<cloudwatch::Api>();
  cloudwatch::Api* cw = metrics_;  // embedded metric format lines become metrics
  mo.log_sink = [srv, cw](const std::string& account, const std::string& region, const std::string& group,
                          const std::string& stream, std::vector<runtime::LogEvent> events) {
    std::vector<logs::Event> out;
    out.reserve(events.size());
    for (auto& e : events) {
      if (cw && e.message.find("\"_aws\"") != std::string::npos) cw->put_log_line(account, region, e.message);
      out.push_back({e.timestamp_ms, std::move(e.message)});
    }
    logs::append(*srv, account, region, group, stream, out, true);
  };
  params_secrets_ = std::make_unique<ParamsSecrets>(server);
  ParamsSecrets* ps = params_secrets_.get();
  mo.parameters_secrets = [ps](std::shared_ptr<const runtime::FunctionSpec> spec, http::Request req,
                               http::Responder respond) {
    ps->serve(std::move(spec), std::move(req), std::move(respond));
  };
  manager_ = std::make_unique<runtime::Manager>(std::move(mo));
  manager_->start();
  layers_.start(dir_ + "/code", [this](const std::string& hex) {
    return "http://" + manager_->address() + "/code/" + hex + ".zip";
  });
  provision_all(server);
  esm_->start(server);
  server.events().subscribe(kAsyncTopic, [this](const events::Delivery& d) { return deliver_async(d); });
  // Event invocations that were running when the previous process stopped run again.
  for (const auto& [k, v] : functions_->inflight()) {
    server.events().enqueue(kAsyncTopic, v);
    functions_->del_inflight(k);
  }
}

void State::stop() {
  esm_->stop();
  if (manager_) manager_->stop();
  if (own_dir_) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

void State::reset() {
  std::unique_lock lock(cache_mu_);
  specs_.clear();
  esm_->reset();
  if (manager_) manager_->retire("");
}

// ---- records ----

std::optional<Doc> State::load(const std::string& account, const std::string& region, const std::string& name) {
  return functions_->get(account, region, name);
}

Doc State::must_load(const std::string& account, const std::string& region, const std::string& name) {
  return found_or(load(account, region, name), [&] { return not_found_fn(function_arn(account, region, name)); });
}

void State::save(OpContext& ctx, const std::string& name, const Doc& rec) {
  functions_->put(ctx.account(), ctx.region(), name, rec);
  invalidate();
}

void State::remove(OpContext& ctx, const std::string& name) {
  functions_->del(ctx.account(), ctx.region(), name);
  invalidate();
}

void State::invalidate() {
  std::unique_lock lock(cache_mu_);
  specs_.clear();
}

void State::drop_urls(OpContext& ctx, const Doc& rec, const std::string& only) {
  if (const Doc* urls = rec.get("urls"))
    for (const auto& [q, u] : urls->as_map())
      if (only.empty() || q == only) functions_->del_url(u.str("_id"));
}

std::optional<std::string> zip_from_s3(OpContext& ctx, const Doc& src) {
  if (!src.has("S3Bucket") && !src.has("S3Key") && !src.has("S3ObjectVersion")) return std::nullopt;
  std::string bucket = src.str("S3Bucket"), key = src.str("S3Key");
  if (bucket.empty() || key.empty())
    throw errors::invalid_parameter_value("Please provide a source for function code.");
  s3::Api* s3 = ctx.server.port<s3::Api>();
  if (!s3)
    throw errors::invalid_parameter_value(
        "Error occurred while GetObject. S3 Error Code: ServiceUnavailable. S3 Error Message: S3 is not running");
  // A deployment package may unzip to 250 MB; its zip is no larger.
  auto r = s3->read(ctx.caller, ctx.region(), bucket, key, src.str("S3ObjectVersion"), 262'144'000);
  if (!r)
    throw errors::invalid_parameter_value("Error occurred while GetObject. S3 Error Code: " + r.error().code +
                                          ". S3 Error Message: " + r.error().message);
  return std::move(r.value());
}

StoredCode State::store_code(OpContext& ctx, const Doc& code) {
  std::string error;
  if (auto zip = zip_from_s3(ctx, code)) {
    auto c = store_zip(dir_ + "/code", *zip, &error);
    if (!c) throw errors::invalid_parameter_value(error);
    return *c;
  }
  if (!code.get("ZipFile")) {
    if (code.has("ImageUri")) throw errors::invalid_parameter_value("Stratus runs functions without containers: PackageType Image is not supported.");
    throw errors::invalid_parameter_value("Please provide a source for function code.");
  }
  const Doc& z = *code.get("ZipFile");
  auto c = store_zip(dir_ + "/code", z.is_blob() ? z.as_blob().bytes : z.as_string(), &error);
  if (!c) throw errors::invalid_parameter_value(error);
  return *c;
}
void State::apply_layers(OpContext& ctx, Doc& cfg, const Doc& in) {
  const Doc* l = in.get("Layers");
  if (!l) return;
  auto r = layers_.resolve(ctx, *l);
  Doc code = Doc::list();
  for (const auto& h : r.code) code.push(h);
  if (r.config.size()) {
    cfg.set("Layers", std::move(r.config));
    cfg.set("_layers", std::move(code));
  } else {
    cfg.as_map().erase("Layers");
    cfg.as_map().erase("_layers");
  }
}
// ---- invocation ----

void State::provision_version(const std::string& account, const std::string& region, const std::string& name,
                              const std::string& version, int n) {
  manager_->provision(target(account, region, name, version).spec, n);
}

void State::provision_all(ServerContext& server) {
  std::vector<std::tuple<std::string, std::string, std::string, std::string, int>> todo;
  functions_->each_all([&](const std::string& account, const std::string& region, const std::string& name,
                            const Doc& rec) {
    if (const Doc* all = rec.get("provisioned"))
      for (const auto& [q, pc] : all->as_map())
        todo.emplace_back(account, region, name, version_of(rec, q), static_cast<int>(pc.integer("Requested")));
  });
  if (todo.empty()) return;  // the model is parsed only when something needs it (idle RSS)
  for (const auto& [account, region, name, version, n] : todo) {
    try {
      provision_version(account, region, name, version, n);
    } catch (const AwsError& e) {
      spdlog::warn("lambda: provisioned concurrency of {}:{} not restored: {}", name, version, e.message);
    }
  }
}

State::Target State::target(const std::string& account, const std::string& region, const std::string& name,
                            const std::string& qualifier) {
  std::string cache_key = account + '\0' + region + '\0' + name + '\0' + qualifier;
  {
    std::shared_lock lock(cache_mu_);
    auto it = specs_.find(cache_key);
    // Aliases with weighted routing resolve per call; everything else is cached.
    if (it != specs_.end()) return it->second;
  }
  Doc rec = must_load(account, region, name);
  std::string alias;
  const Doc* cfg = resolve(rec, function_arn(account, region, name), qualifier, &alias, true);
  bool weighted = false;
  if (!alias.empty()) {
    const Doc& a = *rec.get("aliases")->get(alias);
    weighted = a.get("RoutingConfig") && a.get("RoutingConfig")->get("AdditionalVersionWeights") &&
               a.get("RoutingConfig")->get("AdditionalVersionWeights")->size();
  }
  auto spec = std::make_shared<runtime::FunctionSpec>();
  spec->account = account;
  spec->region = region;
  spec->function_name = name;
  spec->version = cfg->str("Version");
  spec->pool_key = pool_prefix(account, region, name) + spec->version + "/" + cfg->str("RevisionId");
  spec->function_arn = function_arn(account, region, name);
  spec->runtime = cfg->str("Runtime");
  spec->handler = cfg->str("Handler");
  spec->code_dir = dir_ + "/code/" + cfg->str("_code");
  if (const Doc* l = cfg->get("_layers")) {
    std::vector<std::string> hexes;
    for (const auto& h : l->as_list()) hexes.push_back(h.as_string());
    spec->opt_dir = merge_layers(dir_ + "/code", hexes);
  }
  if (const Doc* l = cfg->get("Layers"))
    for (const auto& item : l->as_list()) {
      auto ref = parse_layer_version_arn(item.str("Arn"));
      if (ref && is_parameters_secrets_layer(ref->name)) spec->parameters_secrets = true;
    }
  spec->timeout_s = static_cast<int>(cfg->integer("Timeout", 3));
  spec->memory_mb = static_cast<int>(cfg->integer("MemorySize", 128));
  spec->log_group = cfg->get("LoggingConfig") ? cfg->get("LoggingConfig")->str("LogGroup", "/aws/lambda/" + name)
                                              : "/aws/lambda/" + name;
  if (const Doc* lc = cfg->get("LoggingConfig"); lc && lc->str("LogFormat") == "JSON") {
    spec->log_format = "JSON";
    spec->app_log_level = lc->str("ApplicationLogLevel", "INFO");
    spec->system_log_level = lc->str("SystemLogLevel", "INFO");
  }
  if (const Doc* env = cfg->get("Environment"); env && env->get("Variables"))
    for (const auto& [k, v] : env->get("Variables")->as_map()) spec->environment[k] = v.is_string() ? v.as_string() : json::write(v);
  if (rec.has("concurrency")) {
    spec->reserved = true;
    spec->max_environments = static_cast<int>(rec.integer("concurrency"));
  }
  // Temporary credentials of the execution role, as Lambda hands them to the function.
  std::string role = cfg->str("Role");
  auth::Credential cred;
  cred.account = account;
  std::string role_name = role.substr(role.rfind('/') + 1);
  cred.principal_arn = Arn::make("sts", "", account, "assumed-role/" + role_name + "/" + name);
  cred.user_id = "AROA" + ids::random_upper_alnum(17) + ":" + name;
  cred.access_key = "ASIA" + ids::random_upper_alnum(16);
  cred.secret_key = ids::random_base64(30);
  cred.session_token = "IQoJb3JpZ2luX2VjE" + ids::random_base64(120);
  cred.expires_ms = now_millis() + 12 * 3600 * 1000;
  server_->keys().put(cred);
  spec->credentials = {{"AWS_ACCESS_KEY_ID", cred.access_key},
                       {"AWS_SECRET_ACCESS_KEY", cred.secret_key},
                       {"AWS_SESSION_TOKEN", cred.session_token}};
  Target t;
  t.spec = spec;
  std::string q = qualifier.empty() ? "$LATEST" : qualifier;
  if (const Doc* ic = rec.get("invoke_config") ? rec.get("invoke_config")->get(q) : nullptr) {
    t.max_retries = static_cast<int>(ic->integer("MaximumRetryAttempts", 2));
    t.max_age_s = ic->integer("MaximumEventAgeInSeconds", 6 * 3600);
    if (const Doc* dc = ic->get("DestinationConfig")) {
      if (const Doc* x = dc->get("OnSuccess")) t.on_success = x->str("Destination");
      if (const Doc* x = dc->get("OnFailure")) t.on_failure = x->str("Destination");
    }
  }
  if (const Doc* dl = cfg->get("DeadLetterConfig")) t.dead_letter = dl->str("TargetArn");
  if (!weighted) {
    std::unique_lock lock(cache_mu_);
    specs_[cache_key] = t;
  }
  return t;
}

}  // namespace stratus::lambda
