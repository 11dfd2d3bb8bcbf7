// AWS Lambda: functions, versions, aliases, permissions, concurrency and invocations, with
// functions running as host processes (src/runtime/) instead of containers.
//
// Storage: one record per function in "lambda.functions" (key account \0 region \0 name), a JSON
// document holding the $LATEST configuration, published versions, aliases, tags, the resource
// policy, reserved and provisioned concurrency. Mutations are read-modify-write under one service mutex
// (control-plane calls are rare and quick). Code lives on disk, content-addressed
// (<lambda dir>/code/<sha256>.zip and the extracted tree beside it), shared by versions.
//
// Asynchronous (Event) invocations go through the durable events queue (topic "lambda.async");
// while one runs, its delivery is kept in "lambda.async_inflight" so that a crash re-delivers it.
// A failed attempt is enqueued again, due after AWS's delay, so retries survive restarts too;
// outcomes go to the event invoke config's destinations and the dead-letter queue
// (destinations.h). Function URL configurations live in the function record ("urls", per
// qualifier) with an index "lambda.url_ids" (url id -> function) for the HTTP side (urls.h).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <regex>
#include <shared_mutex>
#include <unordered_map>

#include "auth/keystore.h"
#include "auth/sigv4.h"
#include "core/arn.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "http/message.h"
#include "runtime/manager.h"
#include "server/context.h"
#include "server/invoke_router.h"
#include "services/lambda/code.h"
#include "services/lambda/destinations.h"
#include "services/lambda/esm.h"
#include "services/lambda/invoke.h"
#include "services/lambda/layers.h"
#include "services/lambda/urls.h"
#include "services/logs/api.h"
#include "services/service.h"

namespace stratus::lambda {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFunctions = "lambda.functions";
constexpr std::string_view kInflight = "lambda.async_inflight";
constexpr std::string_view kUrlIds = "lambda.url_ids";  // url id -> {a, r, f, q}
constexpr const char* kAsyncTopic = "lambda.async";
constexpr size_t kSyncPayload = 6 * 1024 * 1024;
constexpr size_t kAsyncPayload = 256 * 1024;
constexpr int kAccountConcurrency = 1000;

// ---- errors, as Lambda spells them ----

AwsError not_found_fn(const std::string& arn) {
  return {"ResourceNotFoundException", "Function not found: " + arn, 404};
}
AwsError invalid(const std::string& msg) { return {"InvalidParameterValueException", msg, 400}; }
AwsError conflict(const std::string& msg) { return {"ResourceConflictException", msg, 409}; }

// ---- names and ARNs ----

std::string function_arn(const OpContext& ctx, const std::string& name) {
  return "arn:aws:lambda:" + ctx.region() + ":" + ctx.account() + ":function:" + name;
}

struct FnRef {
  std::string name, qualifier;
};

// FunctionName may be a name, "name:qualifier", a partial ARN (ACCOUNT:function:NAME[:Q]) or a
// full ARN; Qualifier (when the operation has one) must agree with a qualifier in the name.
FnRef parse_ref(const Doc& in) {
  std::string s = in.str("FunctionName");
  FnRef r;
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t c = s.find(':', start);
    parts.push_back(s.substr(start, c == std::string::npos ? std::string::npos : c - start));
    if (c == std::string::npos) break;
    start = c + 1;
  }
  if (parts.size() >= 7 && parts[0] == "arn") {
    r.name = parts[6];
    if (parts.size() >= 8) r.qualifier = parts[7];
  } else if (parts.size() >= 3 && parts[1] == "function") {
    r.name = parts[2];
    if (parts.size() >= 4) r.qualifier = parts[3];
  } else if (parts.size() == 2) {
    r.name = parts[0];
    r.qualifier = parts[1];
  } else {
    r.name = s;
  }
  std::string q = in.str("Qualifier");
  if (!q.empty()) {
    if (!r.qualifier.empty() && r.qualifier != q)
      throw invalid("The derived qualifier from the function name does not match the specified qualifier.");
    r.qualifier = q;
  }
  static const std::regex name_re("[a-zA-Z0-9_-]{1,64}");
  if (!std::regex_match(r.name, name_re)) {
    throw AwsError("ValidationException",
                   "1 validation error detected: Value '" + s +
                       "' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression "
                       "pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
                       "(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
                   400);
  }
  return r;
}

std::string key_of(const OpContext& ctx, const std::string& name) {
  return ctx.account() + '\0' + ctx.region() + '\0' + name;
}

bool deprecated_runtime(const std::string& r) {
  static const char* old[] = {"nodejs",       "nodejs4.3",     "nodejs6.10",    "nodejs8.10",   "nodejs10.x",
                              "nodejs12.x",   "nodejs14.x",    "nodejs4.3-edge", "python2.7",    "python3.6",
                              "python3.7",    "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1",
                              "ruby2.5",      "ruby2.7",       "go1.x",         "java8"};
  for (const char* o : old)
    if (r == o) return true;
  return false;
}

std::string recommended(const std::string& r) {
  if (r.rfind("python", 0) == 0) return "python3.13";
  if (r.rfind("nodejs", 0) == 0) return "nodejs22.x";
  if (r.rfind("dotnet", 0) == 0) return "dotnet8";
  if (r.rfind("ruby", 0) == 0) return "ruby3.3";
  if (r.rfind("java", 0) == 0) return "java21";
  return "provided.al2023";
}

// ---- the service ----

class LambdaService final : public Service, public InvokeRouter {
 public:
  LambdaService() : Service("lambda") {
    add("CreateFunction", [this](OpContext& c, const Doc& in) { return create_function(c, in); });
    add("GetFunction", [this](OpContext& c, const Doc& in) { return get_function(c, in); });
    add("GetFunctionConfiguration", [this](OpContext& c, const Doc& in) { return get_configuration(c, in); });
    add("ListFunctions", [this](OpContext& c, const Doc& in) { return list_functions(c, in); });
    add("UpdateFunctionCode", [this](OpContext& c, const Doc& in) { return update_code(c, in); });
    add("UpdateFunctionConfiguration", [this](OpContext& c, const Doc& in) { return update_configuration(c, in); });
    add("DeleteFunction", [this](OpContext& c, const Doc& in) { return delete_function(c, in); });
    add("PublishVersion", [this](OpContext& c, const Doc& in) { return publish_version(c, in); });
    add("ListVersionsByFunction", [this](OpContext& c, const Doc& in) { return list_versions(c, in); });
    add("CreateAlias", [this](OpContext& c, const Doc& in) { return create_alias(c, in); });
    add("GetAlias", [this](OpContext& c, const Doc& in) { return get_alias(c, in); });
    add("UpdateAlias", [this](OpContext& c, const Doc& in) { return update_alias(c, in); });
    add("DeleteAlias", [this](OpContext& c, const Doc& in) { return delete_alias(c, in); });
    add("ListAliases", [this](OpContext& c, const Doc& in) { return list_aliases(c, in); });
    add("PutFunctionConcurrency", [this](OpContext& c, const Doc& in) { return put_concurrency(c, in); });
    add("GetFunctionConcurrency", [this](OpContext& c, const Doc& in) { return get_concurrency(c, in); });
    add("DeleteFunctionConcurrency", [this](OpContext& c, const Doc& in) { return delete_concurrency(c, in); });
    add("PutProvisionedConcurrencyConfig", [this](OpContext& c, const Doc& in) { return put_provisioned(c, in); });
    add("GetProvisionedConcurrencyConfig", [this](OpContext& c, const Doc& in) { return get_provisioned(c, in); });
    add("DeleteProvisionedConcurrencyConfig", [this](OpContext& c, const Doc& in) { return delete_provisioned(c, in); });
    add("ListProvisionedConcurrencyConfigs", [this](OpContext& c, const Doc& in) { return list_provisioned(c, in); });
    add("GetAccountSettings", [this](OpContext& c, const Doc& in) { return account_settings(c, in); });
    add("AddPermission", [this](OpContext& c, const Doc& in) { return add_permission(c, in); });
    add("RemovePermission", [this](OpContext& c, const Doc& in) { return remove_permission(c, in); });
    add("GetPolicy", [this](OpContext& c, const Doc& in) { return get_policy(c, in); });
    add("TagResource", [this](OpContext& c, const Doc& in) { return tag_resource(c, in); });
    add("UntagResource", [this](OpContext& c, const Doc& in) { return untag_resource(c, in); });
    add("ListTags", [this](OpContext& c, const Doc& in) { return list_tags(c, in); });
    add("PutFunctionEventInvokeConfig", [this](OpContext& c, const Doc& in) { return put_invoke_config(c, in, true); });
    add("UpdateFunctionEventInvokeConfig", [this](OpContext& c, const Doc& in) { return put_invoke_config(c, in, false); });
    add("GetFunctionEventInvokeConfig", [this](OpContext& c, const Doc& in) { return get_invoke_config(c, in); });
    add("DeleteFunctionEventInvokeConfig", [this](OpContext& c, const Doc& in) { return delete_invoke_config(c, in); });
    add("ListFunctionEventInvokeConfigs", [this](OpContext& c, const Doc& in) { return list_invoke_configs(c, in); });
    add("CreateFunctionUrlConfig", [this](OpContext& c, const Doc& in) { return create_url(c, in); });
    add("GetFunctionUrlConfig", [this](OpContext& c, const Doc& in) { return get_url(c, in); });
    add("UpdateFunctionUrlConfig", [this](OpContext& c, const Doc& in) { return update_url(c, in); });
    add("DeleteFunctionUrlConfig", [this](OpContext& c, const Doc& in) { return delete_url(c, in); });
    add("ListFunctionUrlConfigs", [this](OpContext& c, const Doc& in) { return list_urls(c, in); });
    add_async("Invoke", [this](OpContext& c, const Doc& in, Done done) { invoke(c, in, std::move(done)); });
    add_async("InvokeAsync", [this](OpContext& c, const Doc& in, Done done) { invoke_async(c, in, std::move(done)); });
    esm_ = add_event_source_mappings(*this);
    layers_ = add_layers(*this);
  }

  std::string validation_error_code() const override { return "ValidationException"; }

  void start(ServerContext& server) override {
    server_ = &server;
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
    mo.hidden = {cfg.ephemeral ? dir_ : cfg.data_dir};  // no function reads the server's data
    if (const char* v = std::getenv("STRATUS_LAMBDA_IDLE_MS")) mo.idle_ms = std::atoll(v);
    if (const char* v = std::getenv("STRATUS_LAMBDA_MAX_ENVIRONMENTS")) mo.default_max_environments = std::atoi(v);
    if (const char* v = std::getenv("STRATUS_LAMBDA_ASYNC_RETRY_MS")) retry_base_ms_ = std::atoll(v);
    ServerContext* srv = &server;  // function output goes to CloudWatch Logs (logs/api.h)
    mo.log_sink = [srv](const std::string& account, const std::string& region, const std::string& group,
                        const std::string& stream, std::vector<runtime::LogEvent> events) {
      std::vector<logs::Event> out;
      out.reserve(events.size());
      for (auto& e : events) out.push_back({e.timestamp_ms, std::move(e.message)});
      logs::append(*srv, account, region, group, stream, out, true);
    };
    manager_ = std::make_unique<runtime::Manager>(std::move(mo));
    manager_->start();
    layers_->start(dir_ + "/code", [this](const std::string& hex) {
      return "http://" + manager_->address() + "/code/" + hex + ".zip";
    });
    provision_all(server);
    esm_->start(server);
    server.events().subscribe(kAsyncTopic, [this](const events::Delivery& d) { return deliver_async(d); });
    // Event invocations that were running when the previous process stopped run again.
    std::vector<std::pair<std::string, std::string>> interrupted;
    for (auto it = server.storage().scan(kInflight, {}); it->valid(); it->next())
      interrupted.emplace_back(it->key(), it->value());
    for (const auto& [k, v] : interrupted) {
      server.events().enqueue(kAsyncTopic, v);
      server.storage().del(kInflight, k);
    }
  }

  void stop() override {
    esm_->stop();
    if (manager_) manager_->stop();
    if (own_dir_) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  void reset() override {
    std::unique_lock lock(cache_mu_);
    specs_.clear();
    esm_->reset();
    if (manager_) manager_->retire("");
  }

 private:
  // ---- records ----

  std::optional<Doc> load(OpContext& ctx, const std::string& name) {
    std::string v;
    if (!ctx.storage.get(kFunctions, key_of(ctx, name), &v).ok()) return std::nullopt;
    return json::parse(v);
  }

  Doc must_load(OpContext& ctx, const std::string& name) {
    auto r = load(ctx, name);
    if (!r) throw not_found_fn(function_arn(ctx, name));
    return std::move(*r);
  }

  void save(OpContext& ctx, const std::string& name, const Doc& rec) {
    auto st = ctx.storage.put(kFunctions, key_of(ctx, name), json::write(rec));
    if (!st.ok()) throw errors::internal(st.message);
    invalidate();
  }

  void invalidate() {
    std::unique_lock lock(cache_mu_);
    specs_.clear();
  }

  // The configuration of $LATEST, a version number, or an alias (resolved to its version).
  // `alias_out` receives the alias name when q named one.
  const Doc* resolve(OpContext& ctx, const Doc& rec, const std::string& name, const std::string& q,
                     std::string* alias_out = nullptr, bool route = false) {
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
    throw not_found_fn(function_arn(ctx, name) + ":" + q);
  }

  // ---- create / update ----

  static void check_role(const std::string& role) {
    static const std::regex re("arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
    if (!std::regex_match(role, re)) {
      throw AwsError("ValidationException",
                     "1 validation error detected: Value '" + role +
                         "' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: "
                         "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
                     400);
    }
  }

  static void check_runtime(const std::string& runtime) {
    if (deprecated_runtime(runtime)) {
      throw invalid("The runtime parameter of " + runtime +
                    " is no longer supported for creating or updating AWS Lambda functions. We recommend you use "
                    "the new runtime (" + recommended(runtime) + ") while creating or updating functions.");
    }
  }

  StoredCode store_code(const Doc& code) {
    if (!code.get("ZipFile")) {
      if (code.has("S3Bucket") || code.has("S3Key"))
        throw invalid("Stratus accepts deployment packages as ZipFile only (S3Bucket/S3Key is not supported yet).");
      if (code.has("ImageUri")) throw invalid("Stratus runs functions without containers: PackageType Image is not supported.");
      throw invalid("Please provide a source for function code.");
    }
    const Doc& z = *code.get("ZipFile");
    std::string error;
    auto c = store_zip(dir_ + "/code", z.is_blob() ? z.as_blob().bytes : z.as_string(), &error);
    if (!c) throw invalid(error);
    return *c;
  }

  static void apply_code(Doc& cfg, const StoredCode& c) {
    cfg.set("CodeSha256", c.sha256_b64);
    cfg.set("CodeSize", c.size);
    cfg.set("_code", c.hex);
  }

  // Copies configuration members of a Create/UpdateFunctionConfiguration request.
  static void apply_config(Doc& cfg, const Doc& in) {
    for (const char* k : {"Runtime", "Role", "Handler", "Description", "Timeout", "MemorySize", "KMSKeyArn"})
      if (const Doc* v = in.get(k)) cfg.set(k, *v);
    if (const Doc* e = in.get("Environment")) {
      Doc env = Doc::map();
      env.set("Variables", e->get("Variables") ? *e->get("Variables") : Doc::map());
      cfg.set("Environment", std::move(env));
    }
    if (const Doc* t = in.get("TracingConfig")) cfg.set("TracingConfig", *t);
    if (const Doc* d = in.get("DeadLetterConfig")) cfg.set("DeadLetterConfig", *d);
    if (const Doc* e = in.get("EphemeralStorage")) cfg.set("EphemeralStorage", *e);
    if (const Doc* l = in.get("LoggingConfig")) {
      Doc lc = *l;
      if (!lc.has("LogFormat")) lc.set("LogFormat", "Text");
      if (!lc.has("LogGroup")) lc.set("LogGroup", cfg.get("LoggingConfig")->str("LogGroup"));
      cfg.set("LoggingConfig", std::move(lc));
    }
    if (const Doc* v = in.get("VpcConfig")) {
      Doc vc = Doc::map();
      vc.set("SubnetIds", v->get("SubnetIds") ? *v->get("SubnetIds") : Doc::list());
      vc.set("SecurityGroupIds", v->get("SecurityGroupIds") ? *v->get("SecurityGroupIds") : Doc::list());
      vc.set("VpcId", "");
      cfg.set("VpcConfig", std::move(vc));
    }
  }

  // The function's Layers (checked, in order) and their content hashes for the /opt view.
  void apply_layers(OpContext& ctx, Doc& cfg, const Doc& in) {
    const Doc* l = in.get("Layers");
    if (!l) return;
    auto r = layers_->resolve(ctx, *l);
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

  void touch(Doc& cfg, const OpContext& ctx) {
    cfg.set("LastModified", lambda_timestamp(ctx.now_ms));
    cfg.set("RevisionId", ids::uuid4());
  }

  Result<Doc> create_function(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    std::string package = in.str("PackageType", "Zip");
    if (package == "Image")
      return invalid("Stratus runs functions as host processes, without containers: PackageType Image is not "
                     "supported. Use a Zip package with a python, nodejs or provided runtime.");
    std::string runtime = in.str("Runtime");
    if (runtime.empty() || (in.str("Handler").empty() && runtime.rfind("provided", 0) != 0))
      return invalid("Runtime and Handler are mandatory parameters for functions created with deployment packages.");
    check_runtime(runtime);
    check_role(in.str("Role"));
    if (!in.get("Code")) return invalid("Please provide a source for function code.");
    StoredCode code = store_code(*in.get("Code"));

    std::lock_guard lock(write_mu_);
    if (load(ctx, ref.name)) return conflict("Function already exist: " + ref.name);
    Doc cfg = Doc::map();
    cfg.set("FunctionName", ref.name);
    cfg.set("FunctionArn", function_arn(ctx, ref.name));
    cfg.set("Description", "");
    cfg.set("Timeout", 3);
    cfg.set("MemorySize", 128);
    cfg.set("Handler", in.str("Handler"));
    cfg.set("Version", "$LATEST");
    Doc tracing = Doc::map();
    tracing.set("Mode", "PassThrough");
    cfg.set("TracingConfig", tracing);
    cfg.set("PackageType", "Zip");
    Doc arch = Doc::list();
    arch.push(in.get("Architectures") && in.get("Architectures")->size() ? in.get("Architectures")->as_list()[0]
                                                                            : Doc("x86_64"));
    cfg.set("Architectures", arch);
    Doc eph = Doc::map();
    eph.set("Size", 512);
    cfg.set("EphemeralStorage", eph);
    Doc snap = Doc::map();
    snap.set("ApplyOn", "None");
    snap.set("OptimizationStatus", "Off");
    cfg.set("SnapStart", snap);
    Doc logging = Doc::map();
    logging.set("LogFormat", "Text");
    logging.set("LogGroup", "/aws/lambda/" + ref.name);
    cfg.set("LoggingConfig", logging);
    cfg.set("State", "Active");
    cfg.set("LastUpdateStatus", "Successful");
    apply_config(cfg, in);
    apply_layers(ctx, cfg, in);
    apply_code(cfg, code);
    touch(cfg, ctx);
    Doc rec = Doc::map();
    rec.set("config", cfg);
    rec.set("versions", Doc::map());
    rec.set("aliases", Doc::map());
    rec.set("tags", in.get("Tags") ? *in.get("Tags") : Doc::map());
    rec.set("next_version", 1);
    if (in.flag("Publish")) publish(ctx, rec, "");
    save(ctx, ref.name, rec);
    // AWS answers while the function is still being created; waiters then see Active.
    Doc out = public_config(cfg);
    out.set("State", "Pending");
    out.set("StateReason", "The function is being created.");
    out.set("StateReasonCode", "Creating");
    if (in.flag("Publish")) out = public_config(*rec.get("versions")->get(std::to_string(rec.integer("next_version") - 1)));
    return out;
  }

  static Doc public_config(const Doc& cfg) {
    Doc out = cfg;
    out.as_map().erase("_code");
    out.as_map().erase("_layers");
    return out;
  }

  void check_revision(const Doc& in, const Doc& cfg) {
    std::string want = in.str("RevisionId");
    if (!want.empty() && want != cfg.str("RevisionId"))
      throw AwsError("PreconditionFailedException",
                     "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias "
                     "API to retrieve the latest Revision Id",
                     412);
  }

  Result<Doc> update_code(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    if (in.has("ImageUri")) return invalid("Stratus runs functions without containers: ImageUri is not supported.");
    StoredCode code = store_code(in);
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    Doc& cfg = *rec.get("config");
    check_revision(in, cfg);
    if (in.flag("DryRun")) {
      Doc out = public_config(cfg);
      out.set("CodeSha256", code.sha256_b64);
      out.set("CodeSize", code.size);
      return out;
    }
    apply_code(cfg, code);
    if (const Doc* a = in.get("Architectures"); a && a->size()) cfg.set("Architectures", *a);
    touch(cfg, ctx);
    if (in.flag("Publish")) publish(ctx, rec, "");
    save(ctx, ref.name, rec);
    manager_->retire(pool_prefix(ctx, ref.name) + "$LATEST/");
    Doc out = public_config(cfg);
    out.set("LastUpdateStatus", "InProgress");
    out.set("LastUpdateStatusReason", "The function is being created.");
    out.set("LastUpdateStatusReasonCode", "Creating");
    return out;
  }

  Result<Doc> update_configuration(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    if (in.has("Runtime")) check_runtime(in.str("Runtime"));
    if (in.has("Role")) check_role(in.str("Role"));
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    Doc& cfg = *rec.get("config");
    check_revision(in, cfg);
    apply_config(cfg, in);
    apply_layers(ctx, cfg, in);
    touch(cfg, ctx);
    save(ctx, ref.name, rec);
    manager_->retire(pool_prefix(ctx, ref.name) + "$LATEST/");
    Doc out = public_config(cfg);
    out.set("LastUpdateStatus", "InProgress");
    out.set("LastUpdateStatusReason", "The function is being created.");
    out.set("LastUpdateStatusReasonCode", "Creating");
    return out;
  }

  Result<Doc> delete_function(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    if (!ref.qualifier.empty()) {
      if (ref.qualifier == "$LATEST")
        return invalid("$LATEST version cannot be deleted without deleting the function.");
      Doc* versions = rec.get("versions");
      if (!versions->get(ref.qualifier)) return not_found_fn(function_arn(ctx, ref.name) + ":" + ref.qualifier);
      for (const auto& [name, alias] : rec.get("aliases")->as_map()) {
        if (alias.str("FunctionVersion") == ref.qualifier)
          return conflict("Unable to delete version because the following aliases reference it: [" + name + "]");
      }
      versions->as_map().erase(ref.qualifier);
      if (Doc* ic = rec.get("invoke_config")) ic->as_map().erase(ref.qualifier);
      if (Doc* pc = rec.get("provisioned")) pc->as_map().erase(ref.qualifier);
      save(ctx, ref.name, rec);
      manager_->retire(pool_prefix(ctx, ref.name) + ref.qualifier + "/");
      return Doc::map();
    }
    drop_urls(ctx, rec);
    ctx.storage.del(kFunctions, key_of(ctx, ref.name));
    invalidate();
    manager_->retire(pool_prefix(ctx, ref.name));
    return Doc::map();
  }

  // ---- reads ----

  Result<Doc> get_configuration(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    Doc rec = must_load(ctx, ref.name);
    return public_config(*resolve(ctx, rec, ref.name, ref.qualifier));
  }

  Result<Doc> get_function(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    Doc rec = must_load(ctx, ref.name);
    const Doc& cfg = *resolve(ctx, rec, ref.name, ref.qualifier);
    Doc out = Doc::map();
    out.set("Configuration", public_config(cfg));
    Doc code = Doc::map();
    code.set("RepositoryType", "S3");
    code.set("Location", "http://" + manager_->address() + "/code/" + cfg.str("_code") + ".zip");
    out.set("Code", code);
    out.set("Tags", rec.get("tags") ? *rec.get("tags") : Doc::map());
    if (rec.has("concurrency")) {
      Doc c = Doc::map();
      c.set("ReservedConcurrentExecutions", rec.integer("concurrency"));
      out.set("Concurrency", c);
    }
    return out;
  }

  // Marker: the base64 of the last item returned.
  template <typename Item>
  static Doc page(std::vector<std::pair<std::string, Item>> items, const Doc& in, const char* list_key,
                  const char* marker_key) {
    std::string after;
    if (in.has("Marker")) {
      auto m = enc::base64_decode(in.str("Marker"));
      if (!m) throw invalid("Invalid marker: " + in.str("Marker"));
      after = *m;
    }
    int64_t max = in.integer("MaxItems", 50);
    Doc list = Doc::list();
    std::string next;
    for (auto& [k, item] : items) {
      if (!after.empty() && k <= after) continue;
      if (static_cast<int64_t>(list.size()) >= max) {
        next = enc::base64_encode(after);
        break;
      }
      list.push(std::move(item));
      after = k;
    }
    Doc out = Doc::map();
    out.set(list_key, std::move(list));
    if (!next.empty()) out.set(marker_key, next);
    return out;
  }

  static std::string version_sort_key(const std::string& v) {
    if (v == "$LATEST") return "0";
    return "1" + std::string(12 - std::min<size_t>(12, v.size()), '0') + v;
  }

  Result<Doc> list_functions(OpContext& ctx, const Doc& in) {
    bool all = in.str("FunctionVersion") == "ALL";
    std::string prefix = ctx.account() + '\0' + ctx.region() + '\0';
    std::vector<std::pair<std::string, Doc>> items;
    for (auto it = ctx.storage.prefix(kFunctions, prefix); it->valid(); it->next()) {
      Doc rec = json::parse(it->value());
      std::string name = rec.get("config")->str("FunctionName");
      items.emplace_back(name + '\0' + version_sort_key("$LATEST"), public_config(*rec.get("config")));
      if (all) {
        for (const auto& [v, cfg] : rec.get("versions")->as_map())
          items.emplace_back(name + '\0' + version_sort_key(v), public_config(cfg));
      }
    }
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return page(std::move(items), in, "Functions", "NextMarker");
  }

  // ---- versions ----

  // Publishes $LATEST as the next version unless the newest version already has this code and
  // configuration (AWS then returns that version). Returns the version number.
  std::string publish(OpContext& ctx, Doc& rec, const std::string& description) {
    const Doc& latest = *rec.get("config");
    Doc* versions = rec.get("versions");
    int64_t n = rec.integer("next_version", 1);
    if (n > 1) {
      if (const Doc* prev = versions->get(std::to_string(n - 1)); prev && prev->str("CodeSha256") == latest.str("CodeSha256") &&
                                                                 prev->str("_config_rev") == latest.str("RevisionId")) {
        return std::to_string(n - 1);
      }
    }
    std::string v = std::to_string(n);
    Doc cfg = latest;
    cfg.set("Version", v);
    cfg.set("FunctionArn", latest.str("FunctionArn") + ":" + v);
    cfg.set("_config_rev", latest.str("RevisionId"));
    if (!description.empty()) cfg.set("Description", description);
    touch(cfg, ctx);
    versions->set(v, cfg);
    rec.set("next_version", n + 1);
    return v;
  }

  Result<Doc> publish_version(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    const Doc& latest = *rec.get("config");
    check_revision(in, latest);
    if (in.has("CodeSha256") && in.str("CodeSha256") != latest.str("CodeSha256"))
      return invalid("CodeSHA256 (" + in.str("CodeSha256") + ") is different from current CodeSHA256 in $LATEST (" +
                     latest.str("CodeSha256") + "). Please try again with the CodeSHA256 in $LATEST.");
    std::string v = publish(ctx, rec, in.str("Description"));
    save(ctx, ref.name, rec);
    Doc out = public_config(*rec.get("versions")->get(v));
    out.as_map().erase("_config_rev");
    return out;
  }

  Result<Doc> list_versions(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    Doc rec = must_load(ctx, ref.name);
    std::vector<std::pair<std::string, Doc>> items;
    items.emplace_back(version_sort_key("$LATEST"), public_config(*rec.get("config")));
    for (const auto& [v, cfg] : rec.get("versions")->as_map()) {
      Doc c = public_config(cfg);
      c.as_map().erase("_config_rev");
      items.emplace_back(version_sort_key(v), std::move(c));
    }
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return page(std::move(items), in, "Versions", "NextMarker");
  }

  // ---- aliases ----

  void check_version(OpContext& ctx, const Doc& rec, const std::string& name, const std::string& v) {
    if (v == "$LATEST") return;
    if (!rec.get("versions")->get(v)) throw not_found_fn(function_arn(ctx, name) + ":" + v);
  }

  void check_routing(OpContext& ctx, const Doc& rec, const std::string& name, const Doc& in) {
    const Doc* rc = in.get("RoutingConfig");
    if (!rc || !rc->get("AdditionalVersionWeights")) return;
    for (const auto& [v, w] : rc->get("AdditionalVersionWeights")->as_map()) {
      check_version(ctx, rec, name, v);
      if (w.as_double() < 0 || w.as_double() > 1) throw invalid("Invalid weight " + std::to_string(w.as_double()));
    }
  }

  Result<Doc> create_alias(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    std::string name = in.str("Name");
    std::string arn = function_arn(ctx, ref.name) + ":" + name;
    if (rec.get("aliases")->get(name)) return conflict("Alias already exists: " + arn);
    check_version(ctx, rec, ref.name, in.str("FunctionVersion"));
    check_routing(ctx, rec, ref.name, in);
    Doc a = Doc::map();
    a.set("AliasArn", arn);
    a.set("Name", name);
    a.set("FunctionVersion", in.str("FunctionVersion"));
    a.set("Description", in.str("Description"));
    if (in.has("RoutingConfig")) a.set("RoutingConfig", *in.get("RoutingConfig"));
    a.set("RevisionId", ids::uuid4());
    rec.get("aliases")->set(name, a);
    save(ctx, ref.name, rec);
    return a;
  }

  Doc& must_alias(OpContext& ctx, Doc& rec, const std::string& fn, const std::string& name) {
    Doc* a = rec.get("aliases")->get(name);
    if (!a)
      throw AwsError("ResourceNotFoundException", "Alias not found: " + function_arn(ctx, fn) + ":" + name, 404);
    return *a;
  }

  Result<Doc> get_alias(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    Doc rec = must_load(ctx, ref.name);
    return must_alias(ctx, rec, ref.name, in.str("Name"));
  }

  Result<Doc> update_alias(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    Doc& a = must_alias(ctx, rec, ref.name, in.str("Name"));
    check_revision(in, a);
    std::string old_version = a.str("FunctionVersion");
    if (in.has("FunctionVersion")) {
      check_version(ctx, rec, ref.name, in.str("FunctionVersion"));
      a.set("FunctionVersion", in.str("FunctionVersion"));
    }
    if (in.has("Description")) a.set("Description", in.str("Description"));
    if (in.has("RoutingConfig")) {
      check_routing(ctx, rec, ref.name, in);
      a.set("RoutingConfig", *in.get("RoutingConfig"));
    }
    a.set("RevisionId", ids::uuid4());
    Doc out = a;
    save(ctx, ref.name, rec);
    if (const Doc* pc = provisioned_of(rec, in.str("Name")); pc && old_version != out.str("FunctionVersion")) {
      provision_version(ctx, ref.name, old_version, 0);
      provision_version(ctx, ref.name, out.str("FunctionVersion"), static_cast<int>(pc->integer("Requested")));
    }
    return out;
  }

  Result<Doc> delete_alias(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    std::string alias_version;
    if (const Doc* a = rec.get("aliases")->get(in.str("Name"))) alias_version = a->str("FunctionVersion");
    bool had_pc = provisioned_of(rec, in.str("Name")) != nullptr;
    if (Doc* pc = rec.get("provisioned")) pc->as_map().erase(in.str("Name"));
    rec.get("aliases")->as_map().erase(in.str("Name"));
    drop_urls(ctx, rec, in.str("Name"));
    if (Doc* urls = rec.get("urls")) urls->as_map().erase(in.str("Name"));
    if (Doc* ic = rec.get("invoke_config")) ic->as_map().erase(in.str("Name"));
    save(ctx, ref.name, rec);
    if (had_pc) provision_version(ctx, ref.name, alias_version, 0);
    return Doc::map();
  }

  Result<Doc> list_aliases(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    Doc rec = must_load(ctx, ref.name);
    std::string only = in.str("FunctionVersion");
    std::vector<std::pair<std::string, Doc>> items;
    for (const auto& [name, a] : rec.get("aliases")->as_map())
      if (only.empty() || a.str("FunctionVersion") == only) items.emplace_back(name, a);
    return page(std::move(items), in, "Aliases", "NextMarker");
  }

  // ---- concurrency ----

  int64_t reserved_total(OpContext& ctx, const std::string& except) {
    int64_t sum = 0;
    std::string prefix = ctx.account() + '\0' + ctx.region() + '\0';
    for (auto it = ctx.storage.prefix(kFunctions, prefix); it->valid(); it->next()) {
      Doc rec = json::parse(it->value());
      if (rec.has("concurrency") && rec.get("config")->str("FunctionName") != except) sum += rec.integer("concurrency");
    }
    return sum;
  }

  Result<Doc> put_concurrency(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    int64_t n = in.integer("ReservedConcurrentExecutions");
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    // AWS keeps at least 100 executions unreserved.
    if (reserved_total(ctx, ref.name) + n > kAccountConcurrency - 100)
      return invalid("Specified ReservedConcurrentExecutions for function decreases account's "
                     "UnreservedConcurrentExecution below its minimum value of [100].");
    rec.set("concurrency", n);
    save(ctx, ref.name, rec);
    Doc out = Doc::map();
    out.set("ReservedConcurrentExecutions", n);
    return out;
  }

  Result<Doc> get_concurrency(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    Doc rec = must_load(ctx, ref.name);
    Doc out = Doc::map();
    if (rec.has("concurrency")) out.set("ReservedConcurrentExecutions", rec.integer("concurrency"));
    return out;
  }

  Result<Doc> delete_concurrency(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    rec.as_map().erase("concurrency");
    save(ctx, ref.name, rec);
    return Doc::map();
  }

  // ---- provisioned concurrency ----
  // Stored in the function record: "provisioned" {qualifier: {Requested, LastModified}}. The
  // manager keeps that many environments of the (alias's) version warm; Status, Available and
  // Allocated are read from the live pool, so they are IN_PROGRESS again after a restart until
  // the environments are re-created.

  static const Doc* provisioned_of(const Doc& rec, const std::string& q) {
    const Doc* all = rec.get("provisioned");
    return all ? all->get(q) : nullptr;
  }

  // The version a qualifier runs (aliases: their primary version).
  static std::string version_of(const Doc& rec, const std::string& q) {
    if (const Doc* a = rec.get("aliases") ? rec.get("aliases")->get(q) : nullptr) return a->str("FunctionVersion");
    return q;
  }

  void provision_version(OpContext& ctx, const std::string& name, const std::string& version, int n) {
    manager_->provision(target(ctx, name, version).spec, n);
  }

  // Puts, Gets and Deletes need a published version or an alias that exists.
  FnRef provisioned_ref(OpContext& ctx, const Doc& in, Doc& rec) {
    FnRef ref = parse_ref(in);
    if (ref.qualifier.empty() || ref.qualifier == "$LATEST")
      throw invalid("Provisioned Concurrency Configs cannot be applied to unpublished function versions.");
    rec = must_load(ctx, ref.name);
    (void)resolve(ctx, rec, ref.name, ref.qualifier);
    return ref;
  }

  static AwsError provisioned_not_found() {
    return {"ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function",
            404};
  }

  Doc provisioned_out(OpContext& ctx, const Doc& rec, const std::string& name, const std::string& q,
                      const Doc& pc, bool with_arn) {
    int64_t requested = pc.integer("Requested");
    std::string version = version_of(rec, q);
    const Doc* cfg = version == "$LATEST" ? rec.get("config") : rec.get("versions")->get(version);
    int64_t ready = 0;
    if (cfg) ready = manager_->stats(pool_prefix(ctx, name) + version + "/" + cfg->str("RevisionId")).ready;
    ready = std::min(ready, requested);
    Doc out = Doc::map();
    if (with_arn) out.set("FunctionArn", function_arn(ctx, name) + ":" + q);
    out.set("RequestedProvisionedConcurrentExecutions", requested);
    out.set("AvailableProvisionedConcurrentExecutions", ready);
    out.set("AllocatedProvisionedConcurrentExecutions", ready);
    out.set("Status", ready >= requested ? "READY" : "IN_PROGRESS");
    out.set("LastModified", pc.str("LastModified"));
    return out;
  }

  // Provisioned executions configured in this account and region, except one configuration;
  // `in_unreserved` counts only functions without reserved concurrency.
  int64_t provisioned_total(OpContext& ctx, const std::string& fn, bool only_fn, const std::string& except_q) {
    int64_t sum = 0;
    std::string prefix = ctx.account() + '\0' + ctx.region() + '\0';
    for (auto it = ctx.storage.prefix(kFunctions, prefix); it->valid(); it->next()) {
      Doc rec = json::parse(it->value());
      std::string name = rec.get("config")->str("FunctionName");
      if (only_fn ? name != fn : rec.has("concurrency")) continue;
      if (const Doc* all = rec.get("provisioned"))
        for (const auto& [q, pc] : all->as_map())
          if (!(name == fn && q == except_q)) sum += pc.integer("Requested");
    }
    return sum;
  }

  Result<Doc> put_provisioned(OpContext& ctx, const Doc& in) {
    std::lock_guard lock(write_mu_);
    Doc rec;
    FnRef ref = provisioned_ref(ctx, in, rec);
    int64_t n = in.integer("ProvisionedConcurrentExecutions");
    if (n < 1)
      return AwsError("ValidationException",
                      "1 validation error detected: Value '" + std::to_string(n) +
                          "' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have "
                          "value greater than or equal to 1",
                      400);
    std::string version = version_of(rec, ref.qualifier);
    bool is_alias = version != ref.qualifier;
    // AWS refuses a version and an alias of it both configured.
    if (const Doc* all = rec.get("provisioned")) {
      for (const auto& [q, pc] : all->as_map()) {
        if (q == ref.qualifier) continue;
        if (is_alias && q == version)
          return conflict("Alias can't be allocated provisioned concurrency because it is referencing a version "
                          "that has provisioned concurrency configured.");
        if (version_of(rec, q) == version)
          return conflict("Version is pointed by an alias " + q + " that has provisioned concurrency configured.");
      }
    }
    if (rec.has("concurrency")) {
      if (provisioned_total(ctx, ref.name, true, ref.qualifier) + n > rec.integer("concurrency"))
        return invalid("Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution "
                       "for function");
    } else {
      int64_t unreserved = kAccountConcurrency - reserved_total(ctx, "");
      if (provisioned_total(ctx, ref.name, false, ref.qualifier) + n > unreserved - 100)
        return invalid("Specified ConcurrentExecutions for function is greater than account's unreserved "
                       "concurrency [" + std::to_string(unreserved) + "].");
    }
    Doc pc = Doc::map();
    pc.set("Requested", n);
    pc.set("LastModified", lambda_timestamp(ctx.now_ms));
    rec["provisioned"].set(ref.qualifier, pc);
    save(ctx, ref.name, rec);
    provision_version(ctx, ref.name, version, static_cast<int>(n));
    return provisioned_out(ctx, rec, ref.name, ref.qualifier, pc, false);
  }

  Result<Doc> get_provisioned(OpContext& ctx, const Doc& in) {
    Doc rec;
    FnRef ref = provisioned_ref(ctx, in, rec);
    const Doc* pc = provisioned_of(rec, ref.qualifier);
    if (!pc) return provisioned_not_found();
    return provisioned_out(ctx, rec, ref.name, ref.qualifier, *pc, false);
  }

  Result<Doc> delete_provisioned(OpContext& ctx, const Doc& in) {
    std::lock_guard lock(write_mu_);
    Doc rec;
    FnRef ref = provisioned_ref(ctx, in, rec);
    if (!provisioned_of(rec, ref.qualifier)) return provisioned_not_found();
    rec.get("provisioned")->as_map().erase(ref.qualifier);
    save(ctx, ref.name, rec);
    provision_version(ctx, ref.name, version_of(rec, ref.qualifier), 0);
    return Doc::map();
  }

  Result<Doc> list_provisioned(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    Doc rec = must_load(ctx, ref.name);
    std::vector<std::pair<std::string, Doc>> items;
    if (const Doc* all = rec.get("provisioned"))
      for (const auto& [q, pc] : all->as_map()) items.emplace_back(q, provisioned_out(ctx, rec, ref.name, q, pc, true));
    return page(std::move(items), in, "ProvisionedConcurrencyConfigs", "NextMarker");
  }

  // At start: the environments of every stored configuration are started again.
  void provision_all(ServerContext& server) {
    std::vector<std::tuple<std::string, std::string, std::string, std::string, int>> todo;
    for (auto it = server.storage().scan(kFunctions, {}); it->valid(); it->next()) {
      std::string key(it->key());
      size_t a = key.find('\0'), b = key.find('\0', a + 1);
      if (a == std::string::npos || b == std::string::npos) continue;
      Doc rec = json::parse(it->value());
      if (const Doc* all = rec.get("provisioned"))
        for (const auto& [q, pc] : all->as_map())
          todo.emplace_back(key.substr(0, a), key.substr(a + 1, b - a - 1), key.substr(b + 1), version_of(rec, q),
                            static_cast<int>(pc.integer("Requested")));
    }
    if (todo.empty()) return;  // the model is parsed only when something needs it (idle RSS)
    model::Operation op;
    OpContext ctx{server, server.storage(), model(), op, {}, {}, now_millis(), nullptr};
    for (const auto& [account, region, name, version, n] : todo) {
      ctx.caller.account = account;
      ctx.caller.region = region;
      try {
        provision_version(ctx, name, version, n);
      } catch (const AwsError& e) {
        spdlog::warn("lambda: provisioned concurrency of {}:{} not restored: {}", name, version, e.message);
      }
    }
  }

  Result<Doc> account_settings(OpContext& ctx, const Doc&) {
    int64_t count = 0, total = 0;
    std::string prefix = ctx.account() + '\0' + ctx.region() + '\0';
    for (auto it = ctx.storage.prefix(kFunctions, prefix); it->valid(); it->next()) {
      Doc rec = json::parse(it->value());
      ++count;
      total += rec.get("config")->integer("CodeSize");
    }
    Doc limit = Doc::map();
    limit.set("TotalCodeSize", int64_t{80530636800});
    limit.set("CodeSizeUnzipped", int64_t{262144000});
    limit.set("CodeSizeZipped", int64_t{52428800});
    limit.set("ConcurrentExecutions", kAccountConcurrency);
    limit.set("UnreservedConcurrentExecutions", kAccountConcurrency - reserved_total(ctx, ""));
    Doc usage = Doc::map();
    usage.set("TotalCodeSize", total);
    usage.set("FunctionCount", count);
    Doc out = Doc::map();
    out.set("AccountLimit", limit);
    out.set("AccountUsage", usage);
    return out;
  }

  // ---- resource policy ----

  Result<Doc> add_permission(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    const Doc& cfg = *resolve(ctx, rec, ref.name, ref.qualifier);
    check_revision(in, cfg);
    std::string sid = in.str("StatementId");
    Doc& policy = rec["policy"];
    if (policy.is_null()) policy = Doc::map();
    std::string pkey = ref.qualifier.empty() ? "$LATEST" : ref.qualifier;
    Doc& stmts = policy[pkey];
    if (stmts.is_null()) stmts = Doc::list();
    for (const auto& s : stmts.as_list())
      if (s.str("Sid") == sid)
        return conflict("The statement id (" + sid +
                        ") provided already exists. Please provide a new statement id, or remove the existing "
                        "statement.");
    Doc st = Doc::map();
    st.set("Sid", sid);
    st.set("Effect", "Allow");
    Doc principal = Doc::map();
    std::string p = in.str("Principal");
    if (p == "*") principal = Doc("*");
    else if (p.find(".amazonaws.com") != std::string::npos) principal.set("Service", p);
    else if (p.size() == 12 && p.find_first_not_of("0123456789") == std::string::npos)
      principal.set("AWS", "arn:aws:iam::" + p + ":root");
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
    save(ctx, ref.name, rec);
    Doc out = Doc::map();
    out.set("Statement", json::write(st));
    return out;
  }

  Result<Doc> remove_permission(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    std::string sid = in.str("StatementId");
    Doc* stmts = rec.get("policy") ? rec.get("policy")->get(ref.qualifier.empty() ? "$LATEST" : ref.qualifier) : nullptr;
    if (stmts) {
      auto& l = stmts->as_list();
      for (auto it = l.begin(); it != l.end(); ++it) {
        if (it->str("Sid") == sid) {
          l.erase(it);
          save(ctx, ref.name, rec);
          return Doc::map();
        }
      }
    }
    return AwsError("ResourceNotFoundException", "Statement " + sid + " is not found in resource policy.", 404);
  }

  Result<Doc> get_policy(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    Doc rec = must_load(ctx, ref.name);
    const Doc& cfg = *resolve(ctx, rec, ref.name, ref.qualifier);
    const Doc* stmts = rec.get("policy") ? rec.get("policy")->get(ref.qualifier.empty() ? "$LATEST" : ref.qualifier) : nullptr;
    if (!stmts || stmts->size() == 0)
      return AwsError("ResourceNotFoundException", "The resource you requested does not exist.", 404);
    Doc policy = Doc::map();
    policy.set("Version", "2012-10-17");
    policy.set("Id", "default");
    policy.set("Statement", *stmts);
    Doc out = Doc::map();
    out.set("Policy", json::write(policy));
    out.set("RevisionId", cfg.str("RevisionId"));
    return out;
  }

  // ---- tags ----

  std::string tag_target(OpContext& ctx, const std::string& arn) {
    Doc d = Doc::map();
    d.set("FunctionName", arn);
    FnRef r = parse_ref(d);
    if (!r.qualifier.empty())
      throw invalid("Tags are not supported on function versions or aliases: " + arn);
    return r.name;
  }

  Result<Doc> tag_resource(OpContext& ctx, const Doc& in) {
    std::string name = tag_target(ctx, in.str("Resource"));
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, name);
    Doc& tags = rec["tags"];
    if (tags.is_null()) tags = Doc::map();
    if (const Doc* t = in.get("Tags"))
      for (const auto& [k, v] : t->as_map()) tags.set(k, v);
    save(ctx, name, rec);
    return Doc::map();
  }

  Result<Doc> untag_resource(OpContext& ctx, const Doc& in) {
    std::string name = tag_target(ctx, in.str("Resource"));
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, name);
    if (Doc* tags = rec.get("tags"); tags && tags->is_map())
      if (const Doc* keys = in.get("TagKeys"))
        for (const auto& k : keys->as_list()) tags->as_map().erase(k.as_string());
    save(ctx, name, rec);
    return Doc::map();
  }

  Result<Doc> list_tags(OpContext& ctx, const Doc& in) {
    std::string name = tag_target(ctx, in.str("Resource"));
    Doc rec = must_load(ctx, name);
    Doc out = Doc::map();
    out.set("Tags", rec.get("tags") ? *rec.get("tags") : Doc::map());
    return out;
  }

  // ---- event invoke config (retries, event age and destinations of Event invocations) ----

  static std::string qualified_arn(const OpContext& ctx, const FnRef& ref) {
    return function_arn(ctx, ref.name) + ":" + (ref.qualifier.empty() ? "$LATEST" : ref.qualifier);
  }

  static Doc invoke_config_out(const Doc& c) {
    Doc out = c;
    if (const Doc* lm = out.get("LastModified"); lm && lm->is_number()) out.set("LastModified", Timestamp{lm->as_int()});
    return out;
  }

  // Destinations must be queues, topics, buses or other functions.
  static void check_destinations(const OpContext& ctx, const Doc& in, const std::string& name) {
    const Doc* dc = in.get("DestinationConfig");
    if (!dc) return;
    for (const char* k : {"OnSuccess", "OnFailure"}) {
      const Doc* d = dc->get(k);
      std::string dest = d ? d->str("Destination") : "";
      if (dest.empty()) continue;
      if (!destination_supported(dest)) throw invalid("The destination ARN " + dest + " is invalid.");
      auto arn = Arn::parse(dest);
      if (arn->service == "lambda" && arn->account == ctx.account() && arn->region == ctx.region()) {
        std::string target = arn->resource.substr(arn->resource.find(':') + 1);
        if (target.substr(0, target.find(':')) == name)
          throw invalid("You can't specify the function as a destination for itself.");
      }
    }
  }

  Result<Doc> put_invoke_config(OpContext& ctx, const Doc& in, bool replace) {
    FnRef ref = parse_ref(in);
    check_destinations(ctx, in, ref.name);
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    (void)resolve(ctx, rec, ref.name, ref.qualifier);
    Doc& all = rec["invoke_config"];
    if (all.is_null()) all = Doc::map();
    std::string q = ref.qualifier.empty() ? "$LATEST" : ref.qualifier;
    if (!replace && !all.get(q))
      return AwsError("ResourceNotFoundException",
                      "The function " + qualified_arn(ctx, ref) + " doesn't have an EventInvokeConfig", 404);
    Doc c = replace ? Doc::map() : *all.get(q);
    for (const char* k : {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"})
      if (const Doc* v = in.get(k)) c.set(k, *v);
    Doc dests = c.get("DestinationConfig") ? *c.get("DestinationConfig") : Doc::map();
    if (const Doc* dc = in.get("DestinationConfig")) {
      for (const char* k : {"OnSuccess", "OnFailure"}) {
        if (const Doc* d = dc->get(k)) {
          Doc one = Doc::map();
          if (!d->str("Destination").empty()) one.set("Destination", d->str("Destination"));
          dests.set(k, std::move(one));
        }
      }
    }
    for (const char* k : {"OnSuccess", "OnFailure"})
      if (!dests.get(k)) dests.set(k, Doc::map());
    c.set("DestinationConfig", std::move(dests));
    c.set("FunctionArn", qualified_arn(ctx, ref));
    c.set("LastModified", ctx.now_ms);
    all.set(q, c);
    save(ctx, ref.name, rec);
    return invoke_config_out(c);
  }

  Result<Doc> get_invoke_config(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    Doc rec = must_load(ctx, ref.name);
    std::string q = ref.qualifier.empty() ? "$LATEST" : ref.qualifier;
    const Doc* c = rec.get("invoke_config") ? rec.get("invoke_config")->get(q) : nullptr;
    if (!c)
      return AwsError("ResourceNotFoundException",
                      "The function " + qualified_arn(ctx, ref) + " doesn't have an EventInvokeConfig", 404);
    return invoke_config_out(*c);
  }

  Result<Doc> delete_invoke_config(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    Doc* all = rec.get("invoke_config");
    std::string q = ref.qualifier.empty() ? "$LATEST" : ref.qualifier;
    if (!all || !all->get(q))
      return AwsError("ResourceNotFoundException",
                      "The function " + qualified_arn(ctx, ref) + " doesn't have an EventInvokeConfig", 404);
    all->as_map().erase(q);
    save(ctx, ref.name, rec);
    return Doc::map();
  }

  Result<Doc> list_invoke_configs(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    Doc rec = must_load(ctx, ref.name);
    std::vector<std::pair<std::string, Doc>> items;
    if (const Doc* all = rec.get("invoke_config"))
      for (const auto& [q, c] : all->as_map()) items.emplace_back(q, invoke_config_out(c));
    return page(std::move(items), in, "FunctionEventInvokeConfigs", "NextMarker");
  }

  // ---- function URLs (configurations here; the HTTP side in urls.cc) ----

  static std::string url_time(int64_t ms) {
    std::string s = lambda_timestamp(ms);  // 2026-01-02T03:04:05.678+0000
    return s.substr(0, 23) + "000Z";
  }

  static Doc url_out(const Doc& u, bool with_modified) {
    Doc out = Doc::map();
    for (const char* k : {"FunctionUrl", "FunctionArn", "AuthType", "Cors", "CreationTime", "InvokeMode"})
      if (const Doc* v = u.get(k)) out.set(k, *v);
    if (with_modified) out.set("LastModifiedTime", u.str("LastModifiedTime"));
    return out;
  }

  static AwsError url_not_found() {
    return {"ResourceNotFoundException", "The resource you requested does not exist.", 404};
  }

  Result<Doc> create_url(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    (void)resolve(ctx, rec, ref.name, ref.qualifier);
    std::string q = ref.qualifier.empty() ? "$LATEST" : ref.qualifier;
    std::string arn = function_arn(ctx, ref.name) + (ref.qualifier.empty() ? "" : ":" + ref.qualifier);
    Doc& urls = rec["urls"];
    if (urls.is_null()) urls = Doc::map();
    if (urls.get(q))
      return conflict("Failed to create function url config for [functionArn = " + arn +
                      "]. Error message:  FunctionUrlConfig exists for this Lambda function");
    std::string id = urls::new_url_id();
    Doc u = Doc::map();
    u.set("FunctionUrl", "http://" + id + ".lambda-url." + ctx.region() + ".localhost:" +
                             std::to_string(ctx.server.config().port) + "/");
    u.set("FunctionArn", arn);
    u.set("AuthType", in.str("AuthType"));
    if (const Doc* c = in.get("Cors")) u.set("Cors", *c);
    u.set("InvokeMode", in.str("InvokeMode", "BUFFERED"));
    u.set("CreationTime", url_time(ctx.now_ms));
    u.set("LastModifiedTime", url_time(ctx.now_ms));
    u.set("_id", id);
    urls.set(q, u);
    Doc ix = Doc::map();
    ix.set("a", ctx.account());
    ix.set("r", ctx.region());
    ix.set("f", ref.name);
    ix.set("q", ref.qualifier);
    auto st = ctx.storage.put(kUrlIds, id, json::write(ix));
    if (!st.ok()) return errors::internal(st.message);
    save(ctx, ref.name, rec);
    return url_out(u, false);
  }

  Doc* find_url(Doc& rec, const FnRef& ref) {
    Doc* urls = rec.get("urls");
    return urls ? urls->get(ref.qualifier.empty() ? "$LATEST" : ref.qualifier) : nullptr;
  }

  Result<Doc> get_url(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    Doc rec = must_load(ctx, ref.name);
    Doc* u = find_url(rec, ref);
    if (!u) return url_not_found();
    return url_out(*u, true);
  }

  Result<Doc> update_url(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    Doc* u = find_url(rec, ref);
    if (!u) return url_not_found();
    for (const char* k : {"AuthType", "Cors", "InvokeMode"})
      if (const Doc* v = in.get(k)) u->set(k, *v);
    u->set("LastModifiedTime", url_time(ctx.now_ms));
    Doc out = url_out(*u, true);
    save(ctx, ref.name, rec);
    return out;
  }

  Result<Doc> delete_url(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    std::lock_guard lock(write_mu_);
    Doc rec = must_load(ctx, ref.name);
    Doc* u = find_url(rec, ref);
    if (!u) return url_not_found();
    ctx.storage.del(kUrlIds, u->str("_id"));
    rec.get("urls")->as_map().erase(ref.qualifier.empty() ? "$LATEST" : ref.qualifier);
    save(ctx, ref.name, rec);
    return Doc::map();
  }

  Result<Doc> list_urls(OpContext& ctx, const Doc& in) {
    FnRef ref = parse_ref(in);
    Doc rec = must_load(ctx, ref.name);
    std::vector<std::pair<std::string, Doc>> items;
    if (const Doc* urls = rec.get("urls"))
      for (const auto& [q, u] : urls->as_map()) items.emplace_back(q, url_out(u, true));
    Doc out = page(std::move(items), in, "FunctionUrlConfigs", "NextMarker");
    if (!out.get("FunctionUrlConfigs")) out.set("FunctionUrlConfigs", Doc::list());
    return out;
  }

  // Forgets the URL index entries of a function's URLs (all of them, or one qualifier's).
  void drop_urls(OpContext& ctx, const Doc& rec, const std::string& only = "") {
    if (const Doc* urls = rec.get("urls"))
      for (const auto& [q, u] : urls->as_map())
        if (only.empty() || q == only) ctx.storage.del(kUrlIds, u.str("_id"));
  }

  // Whether the function's resource policy lets `principal_account` ("*" for anyone) call
  // lambda:InvokeFunctionUrl on this qualifier with this auth type.
  static bool url_allowed(const Doc& rec, const std::string& q, const std::string& principal_account,
                          const std::string& auth_type) {
    const Doc* stmts = rec.get("policy") ? rec.get("policy")->get(q) : nullptr;
    if (!stmts || !stmts->is_list()) return false;
    for (const auto& st : stmts->as_list()) {
      std::string action = st.str("Action");
      if (st.str("Effect") != "Allow" || (action != "lambda:InvokeFunctionUrl" && action != "lambda:*")) continue;
      const Doc* p = st.get("Principal");
      bool anyone = p && p->is_string() && p->as_string() == "*";
      bool account = p && p->is_map() && p->str("AWS") == "arn:aws:iam::" + principal_account + ":root";
      if (!anyone && !account) continue;
      const Doc* cond = st.get("Condition");
      const Doc* eq = cond ? cond->get("StringEquals") : nullptr;
      std::string want = eq ? eq->str("lambda:FunctionUrlAuthType") : "";
      if (!want.empty() && want != auth_type) continue;
      return true;
    }
    return false;
  }

 public:
  // ---- InvokeRouter: requests to <url-id>.lambda-url.<region>.localhost ----

  const char* log_service() const override { return "lambda-url"; }

  bool claims(const http::Request& req) const override {
    return server_ && urls::url_id(req.host()).has_value();
  }

  void serve(http::Request req, http::Responder respond) override {
    ServerContext& server = *server_;
    std::string request_id = req.headers.get("x-stratus-request-id");
    if (request_id.empty()) request_id = ids::uuid4();
    std::string id = *urls::url_id(req.host());
    std::string v;
    if (!server.storage().get(kUrlIds, id, &v).ok()) return respond(urls::error(403, "Forbidden"));
    Doc ix = json::parse(v);
    model::Operation op;
    OpContext ctx{server, server.storage(), model(), op, {}, request_id, now_millis(), nullptr};
    ctx.caller.account = ix.str("a");
    ctx.caller.region = ix.str("r");
    auto rec = load(ctx, ix.str("f"));
    std::string q = ix.str("q").empty() ? "$LATEST" : ix.str("q");
    const Doc* u = rec && rec->get("urls") ? rec->get("urls")->get(q) : nullptr;
    if (!u) return respond(urls::error(403, "Forbidden"));
    const Doc* cors = u->get("Cors");
    if (auto p = urls::preflight(req, cors)) return respond(std::move(*p));
    std::string auth_type = u->str("AuthType");
    std::string account = "anonymous";
    Doc iam;
    if (auth_type == "AWS_IAM") {
      auto caller = url_caller(req);
      if (!caller) return respond(urls::error(403, "Forbidden"));
      account = caller->account;
      if (account != ix.str("a") && !url_allowed(*rec, q, account, auth_type))
        return respond(urls::error(403, "Forbidden"));
      iam = Doc::map();
      iam.set("accessKey", caller->access_key);
      iam.set("accountId", caller->account);
      iam.set("callerId", caller->user_id);
      iam.set("cognitoIdentity", Doc());
      iam.set("principalOrgId", Doc());
      iam.set("userArn", caller->principal_arn);
      iam.set("userId", caller->user_id);
    } else if (!url_allowed(*rec, q, "*", auth_type)) {
      return respond(urls::error(403, "Forbidden"));
    }
    InvokeCall call;
    call.account = ix.str("a");
    call.region = ix.str("r");
    call.function = ix.str("f");
    call.qualifier = ix.str("q");
    call.request_id = request_id;
    call.payload = urls::event(req, id, account, iam, request_id, ctx.now_ms);
    auto shared = std::make_shared<http::Request>(std::move(req));
    Doc cors_copy = cors ? *cors : Doc();
    run(server, std::move(call), [shared, cors_copy, respond = std::move(respond)](InvokeOutcome out) {
      http::Response res;
      if (out.error) {
        res = out.error->code == "TooManyRequestsException" ? urls::error(429, "Too Many Requests")
              : out.error->code == "RequestTooLargeException" ? urls::error(413, "Request Entity Too Large")
                                                                : urls::error(502, "Internal Server Error");
      } else if (!out.function_error.empty()) {
        res = urls::error(502, "Internal Server Error");
      } else {
        res = urls::response(out.payload);
      }
      urls::add_cors(*shared, cors_copy.is_null() ? nullptr : &cors_copy, res);
      respond(std::move(res));
    });
  }

 private:
  // The signer of an AWS_IAM function URL request: SigV4 for service "lambda", verified with the
  // key's secret when the key is known (with --auth=strict unknown keys are refused too).
  std::optional<auth::Credential> url_caller(const http::Request& req) {
    std::optional<auth::SignedRequestInfo> sig;
    try {
      sig = auth::parse_signature(req);
    } catch (const AwsError&) {
      return std::nullopt;
    }
    if (!sig || sig->service != "lambda") return std::nullopt;
    const Config& cfg = server_->config();
    auto cred = server_->keys().find(sig->access_key);
    if (!cred) {
      if (cfg.auth == AuthMode::strict) return std::nullopt;
      auth::Credential c;
      c.access_key = sig->access_key;
      c.account = sig->access_key.size() == 12 && sig->access_key.find_first_not_of("0123456789") == std::string::npos
                      ? sig->access_key
                      : cfg.default_account;
      c.principal_arn = "arn:aws:iam::" + c.account + ":root";
      c.user_id = c.account;
      return c;
    }
    if (cred->expires_ms && cred->expires_ms < now_millis()) return std::nullopt;
    if (!cred->session_token.empty() && cred->session_token != sig->session_token) return std::nullopt;
    if (auth::check_time(*sig, now_millis(), false) || auth::verify(req, *sig, cred->secret_key, false))
      return std::nullopt;
    return cred;
  }

  // ---- invocation ----

  std::string pool_prefix(const OpContext& ctx, const std::string& name) const {
    return ctx.account() + "/" + ctx.region() + "/" + name + "/";
  }

  struct Target {
    std::shared_ptr<const runtime::FunctionSpec> spec;
    int max_retries = 2;
    int64_t max_age_s = 6 * 3600;
    std::string on_success, on_failure, dead_letter;  // destination ARNs of Event invocations
  };

  // The runnable spec of a resolved configuration (cached until the next control-plane write).
  Target target(OpContext& ctx, const std::string& name, const std::string& qualifier) {
    std::string cache_key = ctx.account() + '\0' + ctx.region() + '\0' + name + '\0' + qualifier;
    {
      std::shared_lock lock(cache_mu_);
      auto it = specs_.find(cache_key);
      // Aliases with weighted routing resolve per call; everything else is cached.
      if (it != specs_.end()) return it->second;
    }
    Doc rec = must_load(ctx, name);
    std::string alias;
    const Doc* cfg = resolve(ctx, rec, name, qualifier, &alias, true);
    bool weighted = false;
    if (!alias.empty()) {
      const Doc& a = *rec.get("aliases")->get(alias);
      weighted = a.get("RoutingConfig") && a.get("RoutingConfig")->get("AdditionalVersionWeights") &&
                 a.get("RoutingConfig")->get("AdditionalVersionWeights")->size();
    }
    auto spec = std::make_shared<runtime::FunctionSpec>();
    spec->account = ctx.account();
    spec->region = ctx.region();
    spec->function_name = name;
    spec->version = cfg->str("Version");
    spec->pool_key = pool_prefix(ctx, name) + spec->version + "/" + cfg->str("RevisionId");
    spec->function_arn = function_arn(ctx, name);
    spec->runtime = cfg->str("Runtime");
    spec->handler = cfg->str("Handler");
    spec->code_dir = dir_ + "/code/" + cfg->str("_code");
    if (const Doc* l = cfg->get("_layers")) {
      std::vector<std::string> hexes;
      for (const auto& h : l->as_list()) hexes.push_back(h.as_string());
      spec->opt_dir = merge_layers(dir_ + "/code", hexes);
    }
    spec->timeout_s = static_cast<int>(cfg->integer("Timeout", 3));
    spec->memory_mb = static_cast<int>(cfg->integer("MemorySize", 128));
    spec->log_group = cfg->get("LoggingConfig") ? cfg->get("LoggingConfig")->str("LogGroup", "/aws/lambda/" + name)
                                                : "/aws/lambda/" + name;
    if (const Doc* env = cfg->get("Environment"); env && env->get("Variables"))
      for (const auto& [k, v] : env->get("Variables")->as_map()) spec->environment[k] = v.is_string() ? v.as_string() : json::write(v);
    if (rec.has("concurrency")) {
      spec->reserved = true;
      spec->max_environments = static_cast<int>(rec.integer("concurrency"));
    }
    // Temporary credentials of the execution role, as Lambda hands them to the function.
    std::string role = cfg->str("Role");
    auth::Credential cred;
    cred.account = ctx.account();
    std::string role_name = role.substr(role.rfind('/') + 1);
    cred.principal_arn = "arn:aws:sts::" + ctx.account() + ":assumed-role/" + role_name + "/" + name;
    cred.user_id = "AROA" + ids::random_upper_alnum(17) + ":" + name;
    cred.access_key = "ASIA" + ids::random_upper_alnum(16);
    cred.secret_key = ids::random_base64(30);
    cred.session_token = "IQoJb3JpZ2luX2VjE" + ids::random_base64(120);
    cred.expires_ms = ctx.now_ms + 12 * 3600 * 1000;
    ctx.server.keys().put(cred);
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

  static AwsError throttled(const std::string& reason) {
    AwsError e("TooManyRequestsException", "Rate Exceeded.", 429);
    e.extra_json = "{\"Reason\":\"" + reason + "\"}";
    return e;
  }

  // The Invoke operation: the request as an InvokeCall, answered through run().
  // The deprecated InvokeAsync: an Event invoke whose payload (InvokeArgs) is a streaming blob,
  // so a large body arrives spooled on disk and is refused without ever being read into memory.
  void invoke_async(OpContext& ctx, const Doc& in, Done done) {
    InvokeCall call;
    call.account = ctx.account();
    call.region = ctx.region();
    call.function = in.str("FunctionName");
    call.type = InvocationType::event;
    call.request_id = ctx.request_id;
    const http::BodyFile* file = ctx.http ? ctx.http->body_file.get() : nullptr;
    if (file && file->size > kAsyncPayload) {
      return done(AwsError("RequestTooLargeException",
                           "Request must be smaller than " + std::to_string(kAsyncPayload) +
                               " bytes for the InvokeAsync operation",
                           413));
    }
    if (file) call.payload = file->read(0, static_cast<size_t>(file->size));
    else if (const Doc* p = in.get("InvokeArgs")) call.payload = p->is_blob() ? p->as_blob().bytes : p->as_string();
    run(ctx.server, std::move(call), [done = std::move(done)](InvokeOutcome o) {
      if (o.error) return done(std::move(*o.error));
      Doc out = Doc::map();
      out.set("Status", 202);
      done(std::move(out));
    });
  }

  void invoke(OpContext& ctx, const Doc& in, Done done) {
    InvokeCall call;
    call.account = ctx.account();
    call.region = ctx.region();
    call.function = in.str("FunctionName");
    call.qualifier = in.str("Qualifier");
    if (const Doc* p = in.get("Payload")) call.payload = p->is_blob() ? p->as_blob().bytes : p->as_string();
    std::string type = in.str("InvocationType", "RequestResponse");
    call.type = type == "Event"    ? InvocationType::event
                : type == "DryRun" ? InvocationType::dry_run
                                   : InvocationType::request_response;
    call.client_context = in.str("ClientContext");
    call.tail = in.str("LogType") == "Tail";
    call.request_id = ctx.request_id;
    run(ctx.server, std::move(call), [done = std::move(done)](InvokeOutcome o) {
      if (o.error) return done(std::move(*o.error));
      Doc out = Doc::map();
      out.set("StatusCode", o.status);
      if (o.status == 204) return done(std::move(out));
      out.set("Payload", Blob{std::move(o.payload)});
      if (o.status != 200) return done(std::move(out));
      out.set("ExecutedVersion", o.executed_version);
      if (!o.function_error.empty()) out.set("FunctionError", o.function_error);
      if (!o.log_tail.empty()) out.set("LogResult", enc::base64_encode(o.log_tail));
      done(std::move(out));
    });
  }

 public:
  // Every invocation, from the API or from inside Stratus (invoke.h), comes through here.
  void run(ServerContext& server, InvokeCall call, InvokeDone done) {
    InvokeOutcome out;
    out.request_id = call.request_id.empty() ? ids::uuid4() : call.request_id;
    auto fail = [&](AwsError e) {
      out.error = std::move(e);
      done(std::move(out));
    };
    try {
      model::Operation op;
      OpContext ctx{server, server.storage(), model(), op, {}, out.request_id, now_millis(), nullptr};
      ctx.caller.account = call.account;
      ctx.caller.region = call.region;
      Doc in = Doc::map();
      in.set("FunctionName", call.function);
      if (!call.qualifier.empty()) in.set("Qualifier", call.qualifier);
      FnRef ref = parse_ref(in);
      bool event = call.type == InvocationType::event;
      size_t limit = event ? kAsyncPayload : kSyncPayload;
      if (call.payload.size() > limit) {
        return fail(AwsError("RequestTooLargeException",
                             "Request must be smaller than " + std::to_string(limit) + " bytes for the " +
                                 (event ? "InvokeAsync" : "InvokeFunction") + " operation",
                             413));
      }
      if (!call.payload.empty()) {
        try {
          (void)json::parse(call.payload);
        } catch (const AwsError& e) {
          return fail(AwsError("InvalidRequestContentException",
                               "Could not parse request body into json: Could not parse payload into json: " + e.message,
                               400));
        }
      }
      Target t = target(ctx, ref.name, ref.qualifier);
      if (call.type == InvocationType::dry_run) {
        out.status = 204;
        return done(std::move(out));
      }
      std::string invoked = function_arn(ctx, ref.name) + (ref.qualifier.empty() ? "" : ":" + ref.qualifier);
      if (event) {
        Doc d = Doc::map();
        d.set("a", ctx.account());
        d.set("r", ctx.region());
        d.set("f", ref.name);
        d.set("q", ref.qualifier);
        d.set("p", enc::base64_encode(call.payload));
        d.set("id", out.request_id);
        d.set("n", 0);
        d.set("t", ctx.now_ms);
        auto st = server.events().enqueue(kAsyncTopic, json::write(d));
        if (!st.ok()) return fail(errors::internal(st.message));
        out.status = 202;
        return done(std::move(out));
      }
      runtime::InvokeRequest req;
      req.request_id = out.request_id;
      req.payload = std::move(call.payload);
      req.invoked_arn = invoked;
      req.client_context = std::move(call.client_context);
      req.tail = call.tail;
      out.executed_version = t.spec->version;
      manager_->invoke(t.spec, std::move(req), [out = std::move(out), done = std::move(done)](runtime::InvokeResult r) mutable {
        if (r.kind == runtime::InvokeResult::Kind::throttled) {
          out.error = throttled(r.throttle_reason);
          return done(std::move(out));
        }
        out.payload = std::move(r.payload);
        if (r.kind == runtime::InvokeResult::Kind::function_error) out.function_error = "Unhandled";
        out.log_tail = std::move(r.log_tail);
        done(std::move(out));
      });
    } catch (const AwsError& e) {
      fail(e);
    }
  }

  // The ARN of an existing function (and qualifier), for invoke.h's function_arn().
  Result<std::string> existing_arn(ServerContext& server, const std::string& account, const std::string& region,
                                   const std::string& function) {
    try {
      model::Operation op;
      OpContext ctx{server, server.storage(), model(), op, {}, {}, now_millis(), nullptr};
      ctx.caller.account = account;
      ctx.caller.region = region;
      Doc in = Doc::map();
      in.set("FunctionName", function);
      FnRef ref = parse_ref(in);
      Doc rec = must_load(ctx, ref.name);
      (void)resolve(ctx, rec, ref.name, ref.qualifier);
      return function_arn(ctx, ref.name) + (ref.qualifier.empty() ? "" : ":" + ref.qualifier);
    } catch (const AwsError& e) {
      return e;
    }
  }

 private:
  // One Event invocation (queue dispatcher thread): hand it to the manager and return. A failure
  // (function error or timeout) enqueues the next attempt after AWS's backoff (1 then 2 minutes;
  // STRATUS_LAMBDA_ASYNC_RETRY_MS sets the base); the queue keeps it across restarts. Events
  // older than MaximumEventAgeInSeconds, and failures after the last retry, go to OnFailure and
  // the dead-letter queue; successes to OnSuccess.
  events::Verdict deliver_async(const events::Delivery& d) {
    Doc job;
    try {
      job = json::parse(d.payload);
    } catch (const AwsError& e) {
      spdlog::error("lambda: dropping unreadable event invocation: {}", e.message);
      return events::Verdict::drop();
    }
    ServerContext& server = *server_;
    std::string inflight_key = job.str("id") + ":" + std::to_string(job.integer("n"));
    model::Operation op;
    OpContext ctx{server, server.storage(), model(), op, {}, job.str("id"), now_millis(), nullptr};
    ctx.caller.account = job.str("a");
    ctx.caller.region = job.str("r");
    Target t;
    try {
      t = target(ctx, job.str("f"), job.str("q"));
    } catch (const AwsError& e) {
      spdlog::warn("lambda: dropping event invocation {} of {}: {}", job.str("id"), job.str("f"), e.message);
      return events::Verdict::drop();
    }
    if (now_millis() - job.integer("t") > t.max_age_s * 1000) {
      spdlog::warn("lambda: event invocation {} of {} is older than {} s", job.str("id"), job.str("f"), t.max_age_s);
      async_outcome(job, t, "EventAgeExceeded", nullptr);
      return events::Verdict::done();
    }
    server.storage().put(kInflight, inflight_key, d.payload);
    runtime::InvokeRequest req;
    req.request_id = job.str("id");
    req.payload = enc::base64_decode(job.str("p")).value_or("");
    req.invoked_arn = function_arn(ctx, job.str("f")) + (job.str("q").empty() ? "" : ":" + job.str("q"));
    manager_->invoke(t.spec, std::move(req), [this, job, inflight_key, t](runtime::InvokeResult r) mutable {
      ServerContext& server = *server_;
      int64_t n = job.integer("n");
      if (r.kind == runtime::InvokeResult::Kind::throttled) {
        // Throttles do not count as attempts: they wait (from 1 s, doubling, up to 5 minutes, as
        // on AWS; scaled with the retry base) and try again until the event is too old.
        uint32_t th = static_cast<uint32_t>(job.integer("th"));
        job.set("th", static_cast<int64_t>(th) + 1);
        int64_t first = std::max<int64_t>(1, retry_base_ms_ / 60);
        server.events().enqueue(kAsyncTopic, json::write(job), now_millis() + events::backoff_ms(th, first, first * 300));
      } else if (r.kind == runtime::InvokeResult::Kind::ok) {
        async_outcome(job, t, "Success", &r);
      } else if (n < t.max_retries) {
        job.set("n", n + 1);
        server.events().enqueue(kAsyncTopic, json::write(job), now_millis() + retry_base_ms_ * (n + 1));
      } else {
        spdlog::warn("lambda: event invocation {} of {} failed after {} attempts", job.str("id"), job.str("f"), n + 1);
        async_outcome(job, t, "RetriesExhausted", &r);
      }
      server.storage().del(kInflight, inflight_key);
    });
    return events::Verdict::done();
  }

  static Doc json_or_text(const std::string& s) {
    if (s.empty()) return Doc();
    try {
      return json::parse(s);
    } catch (const AwsError&) {
      return Doc(s);
    }
  }

  // The destination record AWS sends for an Event invocation, and the dead-letter message.
  void async_outcome(const Doc& job, const Target& t, const char* condition, const runtime::InvokeResult* r) {
    bool success = std::string_view(condition) == "Success";
    const std::string& dest = success ? t.on_success : t.on_failure;
    std::string payload = enc::base64_decode(job.str("p")).value_or("");
    std::string account = job.str("a");
    if (!dest.empty()) {
      Doc rc = Doc::map();
      rc.set("requestId", job.str("id"));
      rc.set("functionArn", "arn:aws:lambda:" + job.str("r") + ":" + account + ":function:" + job.str("f") + ":" +
                                (job.str("q").empty() ? "$LATEST" : job.str("q")));
      rc.set("condition", condition);
      rc.set("approximateInvokeCount", job.integer("n") + (r ? 1 : 0));
      Doc rec = Doc::map();
      rec.set("version", "1.0");
      rec.set("timestamp", enc::iso8601(now_millis()));
      rec.set("requestContext", std::move(rc));
      rec.set("requestPayload", json_or_text(payload));
      if (r) {
        Doc resp = Doc::map();
        resp.set("statusCode", 200);
        resp.set("executedVersion", t.spec->version);
        if (!success) resp.set("functionError", "Unhandled");
        rec.set("responseContext", std::move(resp));
        rec.set("responsePayload", json_or_text(r->payload));
      }
      send_to_destination(*server_, account, dest, json::write(rec));
    }
    if (!success && !t.dead_letter.empty()) {
      std::string message = condition;
      if (r) {
        Doc err = json_or_text(r->payload);
        message = err.is_map() ? err.str("errorMessage", r->payload) : r->payload;
      }
      if (message.size() > 1024) message.resize(1024);
      send_to_destination(*server_, account, t.dead_letter, payload,
                          {{"RequestID", "String", job.str("id")},
                           {"ErrorCode", "Number", "200"},
                           {"ErrorMessage", "String", message}});
    }
  }

  ServerContext* server_ = nullptr;
  std::string dir_;
  bool own_dir_ = false;
  int64_t retry_base_ms_ = 60'000;
  std::unique_ptr<runtime::Manager> manager_;
  std::unique_ptr<EventSourceMappings> esm_;
  std::unique_ptr<Layers> layers_;
  std::mutex write_mu_;  // serialises read-modify-write of function records
  std::shared_mutex cache_mu_;
  std::unordered_map<std::string, Target> specs_;  // GUARDED_BY(cache_mu_)
};

}  // namespace

std::unique_ptr<Service> make_service() { return std::make_unique<LambdaService>(); }

void invoke(ServerContext& server, InvokeCall call, InvokeDone done) {
  auto* svc = dynamic_cast<LambdaService*>(server.service("lambda"));
  if (!svc) {
    InvokeOutcome out;
    out.error = AwsError("ServiceUnavailableException", "Lambda is not running in this Stratus.", 503, false);
    return done(std::move(out));
  }
  svc->run(server, std::move(call), std::move(done));
}

Result<std::string> function_arn(ServerContext& server, const std::string& account, const std::string& region,
                                 const std::string& function) {
  auto* svc = dynamic_cast<LambdaService*>(server.service("lambda"));
  if (!svc) return AwsError("ServiceUnavailableException", "Lambda is not running in this Stratus.", 503, false);
  return svc->existing_arn(server, account, region, function);
}

}  // namespace stratus::lambda
