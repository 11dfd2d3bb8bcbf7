// stratus: the AWS serverless cloud in one binary.
#include <spdlog/spdlog.h>

#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "auth/sigv4.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/json.h"
#include "core/memory.h"
#include "http/client.h"
#include "http/server.h"
#include "runtime/interpreters.h"
#include "server/context.h"
#include "server/front_door.h"
#include "storage/engine.h"

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',' || c == ' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

int serve(stratus::Config cfg) {
  using namespace stratus;
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);

  // Block the shutdown signals in every thread; the main thread waits for them below.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  uint64_t fd_limit = http::raise_fd_limit();

  // Everything Stratus writes (RocksDB's files, the key file, spools) is for its own user only:
  // directories 0700, files 0600. Lambda code it unpacks is made readable explicitly
  // (lambda/code.cc), since sandboxed functions may run as another user.
  ::umask(077);

  std::unique_ptr<storage::Engine> engine;
  std::string where;
  try {
    if (cfg.ephemeral) {
      engine = storage::open_memory();
      where = "memory (--ephemeral: nothing is kept)";
    } else {
      if (std::filesystem::create_directories(cfg.data_dir)) {
        std::filesystem::permissions(cfg.data_dir, std::filesystem::perms::owner_all);
      }
      storage::Options o;
      o.path = (std::filesystem::path(cfg.data_dir) / "db").string();
      o.fsync = cfg.fsync;
      engine = storage::open_rocksdb(o);
      where = std::filesystem::absolute(cfg.data_dir).lexically_normal().string();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stratus: cannot open storage: %s\n", e.what());
    return 1;
  }

  ServerContext ctx(cfg, std::move(engine));
  try {
    for (auto& s : make_services(cfg)) ctx.add_service(std::move(s));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stratus: %s\n", e.what());
    return 2;
  }
  ctx.start_services();
  FrontDoor door(ctx);
  http::ServerOptions so;
  so.host = cfg.host;
  so.port = cfg.port;
  so.threads = cfg.threads;
  so.max_connections =
      cfg.max_connections ? cfg.max_connections : http::default_max_connections(fd_limit);
  so.header_timeout_s = cfg.header_timeout_s;
  http::Server server(so, door);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stratus: %s\n", e.what());
    // The services' threads run already; leaving them joinable would abort the process.
    ctx.stop_services();
    return 1;
  }
  spdlog::debug("descriptor limit {}, at most {} connections", fd_limit, so.max_connections);
  std::string endpoint = "http://" + cfg.host + ":" + std::to_string(server.port());
  std::string names;
  for (const auto& s : ctx.services()) names += (names.empty() ? "" : ", ") + s->id();
  std::printf(
      "stratus %s ready\n"
      "  endpoint   %s   (aws --endpoint-url %s ...)\n"
      "  data       %s\n"
      "  auth       %s\n"
      "  services   %s\n"
      "  health     %s/_stratus/health\n"
      "  mailbox    %s/_stratus/mailbox   (email and SMS the cloud sends to people)\n",
      STRATUS_VERSION, endpoint.c_str(), endpoint.c_str(), where.c_str(),
      cfg.auth == AuthMode::strict ? "strict (SigV4 verified)" : "open (any access key)", names.c_str(),
      endpoint.c_str(), endpoint.c_str());
  std::fflush(stdout);

  // While waiting for a shutdown signal, hand memory freed after bursts back to the OS.
  int sig = 0;
  const timespec every{30, 0};
  while ((sig = sigtimedwait(&sigs, nullptr, &every)) <= 0) release_free_memory();
  spdlog::info("signal {}: shutting down", sig);
  server.stop(5000);
  server.wait();
  ctx.stop_services();
  ctx.storage().flush();
  spdlog::info("stopped");
  return 0;
}

// `stratus mailbox`: prints (or clears) the mailbox of a running server.
int mailbox_command(const std::string& endpoint, const std::string& to, const std::string& since,
                    bool clear, bool as_json, const std::string& access_key,
                    const std::string& secret) {
  using namespace stratus;
  std::string url = endpoint;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/_stratus/mailbox";
  std::string q;
  if (!to.empty()) q += "recipient=" + enc::uri_encode(to);
  if (!since.empty() && !clear) q += (q.empty() ? "" : "&") + std::string("since=") + enc::uri_encode(since);
  if (!q.empty()) url += "?" + q;
  http::ClientRequest req;
  req.method = clear ? "DELETE" : "GET";
  req.url = url;
  req.timeout_ms = 10000;
  {
    // Signed with the root key pair: a server in --auth=strict mode wants it (others ignore it).
    // The Host header is the one the client sends: the endpoint's authority.
    std::string_view authority = url;
    authority.remove_prefix(std::min(authority.size(), authority.find("://") + 3));
    authority = authority.substr(0, authority.find('/'));
    if (authority.ends_with(":80") && url.starts_with("http://")) authority.remove_suffix(3);
    if (authority.ends_with(":443") && url.starts_with("https://")) authority.remove_suffix(4);
    http::Request r;
    r.method = req.method;
    r.path = "/_stratus/mailbox";
    r.query = q;
    r.headers.set("host", std::string(authority));
    auth::sign(r, access_key, secret, "us-east-1", "stratus", now_millis());
    req.headers.set("x-amz-date", r.headers.get("x-amz-date"));
    req.headers.set("authorization", r.headers.get("authorization"));
  }
  http::ClientResponse r = http::fetch_blocking(std::move(req));
  if (!r.ok()) {
    std::fprintf(stderr, "stratus mailbox: %s: %s (is `stratus serve` running there?)\n", endpoint.c_str(),
                 r.error.c_str());
    return 1;
  }
  Doc d;
  try {
    d = json::parse(r.body);
  } catch (const std::exception&) {
    std::fprintf(stderr, "stratus mailbox: unexpected answer (HTTP %d): %s\n", r.status, r.body.c_str());
    return 1;
  }
  if (r.status != 200) {
    std::fprintf(stderr, "stratus mailbox: %s\n", d.str("message", r.body).c_str());
    return 1;
  }
  if (clear) {
    std::printf("deleted %lld message(s)\n", static_cast<long long>(d.integer("deleted")));
    return 0;
  }
  if (as_json) {
    std::puts(r.body.c_str());
    return 0;
  }
  const Doc* list = d.get("messages");
  size_t n = list && list->is_list() ? list->as_list().size() : 0;
  if (n == 0) {
    std::puts("(the mailbox is empty)");
    return 0;
  }
  for (const auto& m : list->as_list()) {
    std::printf("── %s  %s → %s\n", m.str("timestamp").c_str(), m.str("channel").c_str(), m.str("recipient").c_str());
    std::printf("From: %s\n", m.str("sender").c_str());
    if (!m.str("subject").empty()) std::printf("Subject: %s\n", m.str("subject").c_str());
    std::printf("Source: %s\n\n%s\n\n", m.str("source").c_str(), m.str("body").c_str());
  }
  std::printf("%zu message(s)\n", n);
  return 0;
}

// The root secret from, in order: --secret-key-file, --secret-key, STRATUS_SECRET_KEY,
// STRATUS_SECRET_ACCESS_KEY (the last two through the environment, which other users cannot read).
// A secret given on the command line is visible to every user (ps, /proc/PID/cmdline): warned
// about, and blanked in argv once read so the window is short. Returns an exit code on error.
int resolve_root_secret(stratus::Config& cfg, const std::string& file, int argc, char** argv) {
  bool on_command_line = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    char* value = nullptr;
    if (a == "--secret-key" && i + 1 < argc) {
      value = argv[++i];
    } else if (a.substr(0, 13) == "--secret-key=") {
      value = argv[i] + 13;
    }
    if (value) {
      on_command_line = true;
      std::memset(value, 'x', std::strlen(value));
    }
  }
  if (!file.empty()) {
    std::ifstream in(file);
    std::string line;
    if (!in || !std::getline(in, line)) {
      std::fprintf(stderr, "stratus: cannot read the secret key file %s\n", file.c_str());
      return 2;
    }
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    if (line.empty()) {
      std::fprintf(stderr, "stratus: the secret key file %s is empty\n", file.c_str());
      return 2;
    }
    cfg.root_secret_key = line;
    return 0;
  }
  if (on_command_line) {
    std::fprintf(
        stderr,
        "stratus: warning: --secret-key is visible to other users in the process list; use "
        "--secret-key-file or STRATUS_SECRET_KEY\n");
    return 0;
  }
  if (const char* env = std::getenv("STRATUS_SECRET_KEY"); env && *env) cfg.root_secret_key = env;
  return 0;
}

// Facts for the README's compatibility table (tools/compat.py adds what the tests exercise).
int print_compat() {
  using namespace stratus;
  Doc out = Doc::map();
  for (const auto& s : make_services(Config{})) {
    Doc d = Doc::map();
    Doc all = Doc::list(), impl = Doc::list();
    for (const auto& [name, _] : s->model().operations) all.push(name);
    for (const auto& name : s->implemented()) impl.push(name);
    d.set("service_id", s->model().service_id);
    d.set("protocol", s->model().protocol);
    d.set("operations", std::move(all));
    d.set("implemented", std::move(impl));
    Doc gaps = Doc::list();
    for (const auto& g : s->gaps()) {
      Doc x = Doc::map();
      x.set("area", g.area);
      x.set("what", g.what);
      gaps.push(std::move(x));
    }
    d.set("gaps", std::move(gaps));
    out.set(s->id(), std::move(d));
  }
  std::puts(json::write(out).c_str());
  return 0;
}

}  // namespace

// ACCESS_KEY:SECRET_KEY:ACCOUNT_ID (the secret may hold ':'): "" when well formed, else why not.
static std::string check_account_key(const std::string& s) {
  auto a = s.find(':'), b = s.rfind(':');
  if (a == std::string::npos || a == b) return "must be ACCESS_KEY:SECRET_KEY:ACCOUNT_ID";
  if (a == 0 || b == a + 1) return "must be ACCESS_KEY:SECRET_KEY:ACCOUNT_ID (empty access or secret key)";
  std::string acct = s.substr(b + 1);
  if (acct.size() != 12 || acct.find_first_not_of("0123456789") != std::string::npos)
    return "the account id must be 12 digits";
  return "";
}

int main(int argc, char** argv) {
  CLI::App app{"stratus: the AWS serverless cloud in one binary"};
  app.set_version_flag("--version", std::string("stratus ") + STRATUS_VERSION);
  app.require_subcommand(0, 1);
  stratus::Config cfg;
  std::string auth = "open", services, secret_key_file, cors_origins = "*";
  std::vector<std::string> runtime_maps, account_keys;
  auto add_serve_flags = [&](CLI::App* a) {
    a->add_option("--host", cfg.host, "Address to listen on (loopback by default)")->envname("STRATUS_HOST");
    a->add_option("--port", cfg.port, "Port to listen on")->envname("STRATUS_PORT");
    a->add_option("--data-dir", cfg.data_dir, "Where state is kept")->envname("STRATUS_DATA_DIR");
    a->add_flag("--ephemeral", cfg.ephemeral, "Keep everything in memory only")->envname("STRATUS_EPHEMERAL");
    a->add_option("--kms-master-key-file", cfg.kms_master_key_file,
                  "KMS master key (32 bytes) wrapping key material at rest; created 0600 when absent "
                  "(default: the data directory's key)")
        ->envname("STRATUS_KMS_MASTER_KEY_FILE");
    a->add_flag("--fsync", cfg.fsync, "Sync the log to disk before acknowledging writes (power-loss safe)")
        ->envname("STRATUS_FSYNC");
    a->add_option("--auth", auth, "open: any access key; strict: verify SigV4 against known keys")
        ->check(CLI::IsMember({"open", "strict"}))
        ->envname("STRATUS_AUTH");
    a->add_option("--log-level", cfg.log_level, "trace, debug, info, warn, error, off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->envname("STRATUS_LOG_LEVEL");
    a->add_option("--services", services, "Comma-separated services to enable (default: all)")
        ->envname("STRATUS_SERVICES");
    a->add_option("--default-account", cfg.default_account, "Account for access keys that name none")
        ->check([](const std::string& s) {
          return s.size() == 12 && s.find_first_not_of("0123456789") == std::string::npos ? "" : "must be 12 digits";
        })
        ->envname("STRATUS_DEFAULT_ACCOUNT");
    a->add_option("--default-region", cfg.default_region, "Region for unsigned requests")
        ->envname("STRATUS_DEFAULT_REGION");
    a->add_option("--access-key", cfg.root_access_key, "Root access key id (strict auth)")
        ->envname("STRATUS_ACCESS_KEY_ID");
    a->add_option("--secret-key", cfg.root_secret_key,
                  "Root secret access key (strict auth); visible in the process list: prefer "
                  "--secret-key-file "
                  "or STRATUS_SECRET_KEY")
        ->envname("STRATUS_SECRET_ACCESS_KEY");
    a->add_option("--account-key", account_keys,
                  "ACCESS_KEY:SECRET_KEY:ACCOUNT_ID: a key pair valid also with --auth=strict and bound "
                  "to that 12-digit account (repeatable; also STRATUS_ACCOUNT_KEYS=AK:SK:ACCT,...)")
        ->check([](const std::string& s) { return check_account_key(s); });
    a->add_option("--secret-key-file", secret_key_file,
                  "File holding the root secret access key (first line)")
        ->envname("STRATUS_SECRET_KEY_FILE");
    a->add_flag("--no-reset", cfg.no_reset, "Refuse POST /_stratus/reset (which wipes all state)")
        ->envname("STRATUS_NO_RESET");
    a->add_option("--threads", cfg.threads, "I/O threads (default: two per core)")->envname("STRATUS_THREADS");
    a->add_option("--max-body", cfg.max_body_bytes, "Largest request body held in memory, in bytes")
        ->envname("STRATUS_MAX_BODY");
    a->add_option("--max-stream-body", cfg.max_stream_body_bytes,
                  "Largest streaming upload (spooled to disk), in bytes")
        ->envname("STRATUS_MAX_STREAM_BODY");
    a->add_option("--spool-threshold", cfg.spool_threshold_bytes,
                  "Streaming uploads larger than this many bytes are spooled to disk")
        ->envname("STRATUS_SPOOL_THRESHOLD");
    a->add_option("--lambda-isolation", cfg.lambda_isolation,
                  "none: functions run as plain host processes; bwrap: each in a bubblewrap sandbox (read-only "
                  "root, /var/task and /opt read-only, own /tmp)")
        ->check(CLI::IsMember({"none", "bwrap"}))
        ->envname("STRATUS_LAMBDA_ISOLATION");
    a->add_option("--runtime", runtime_maps,
                  "RUNTIME=PATH: the interpreter that runs functions of a Lambda runtime, e.g. "
                  "nodejs22.x=/usr/local/bin/node22 (repeatable; also STRATUS_RUNTIME_NODEJS22_X=PATH)")
        ->check([](const std::string& s) {
          auto eq = s.find('=');
          if (eq == std::string::npos || eq + 1 == s.size()) return std::string("must be RUNTIME=PATH");
          if (!stratus::runtime::parse_runtime(s.substr(0, eq)))
            return "unknown runtime " + s.substr(0, eq) + " (nodejsNN.x or python3.NN)";
          return std::string();
        });
    a->add_option("--max-connections", cfg.max_connections,
                  "Connections served at once; more wait in the listen backlog (default: from the "
                  "descriptor limit, at most 10000)")
        ->envname("STRATUS_MAX_CONNECTIONS");
    a->add_option("--header-timeout", cfg.header_timeout_s,
                  "Seconds a client has from the first byte of a request to the end of its header")
        ->check(CLI::PositiveNumber)
        ->envname("STRATUS_HEADER_TIMEOUT");
    a->add_option("--cors-origins", cors_origins,
                  "Origins whose web pages may call the AWS endpoints from a browser, comma-separated "
                  "(default *: any; none: no CORS answers)")
        ->envname("STRATUS_CORS_ORIGINS");
    a->add_option("--smtp-relay", cfg.smtp_relay, "HOST:PORT of an SMTP server that also gets every email in the mailbox")
        ->envname("STRATUS_SMTP_RELAY");
    a->add_option("--smtp-port", cfg.smtp_port,
                  "Port of SES's SMTP endpoint on 127.0.0.1 (AUTH with SES SMTP credentials; 0: off)")
        ->envname("STRATUS_SMTP_PORT");
    a->add_option("--extension-port", cfg.extension_port,
                  "Port of the Parameters and Secrets Lambda extension on 127.0.0.1 for every function (AWS's 2773; "
                  "0, or the port taken: each environment's own port, named by PARAMETERS_SECRETS_EXTENSION_HTTP_PORT)")
        ->envname("STRATUS_EXTENSION_PORT");
    a->add_option("--cognito-issuer", cfg.cognito_issuer,
                  "iss of Cognito tokens: local (http://localhost:PORT/<pool-id>) or aws "
                  "(https://cognito-idp.<region>.amazonaws.com/<pool-id>)")
        ->check(CLI::IsMember({"local", "aws"}))
        ->envname("STRATUS_COGNITO_ISSUER");
  };
  CLI::App* serve_cmd = app.add_subcommand("serve", "Start the server (the default command)");
  add_serve_flags(serve_cmd);
  CLI::App* compat_cmd = app.add_subcommand(
      "compat", "Print, as JSON, every implemented service with its model's operations and the implemented ones");
  std::string mb_endpoint = "http://127.0.0.1:4566", mb_to, mb_since;
  bool mb_clear = false, mb_json = false;
  CLI::App* mailbox_cmd = app.add_subcommand("mailbox", "Print the mailbox (email and SMS sent to people) of a running server");
  mailbox_cmd->add_option("--endpoint", mb_endpoint, "The server (default http://127.0.0.1:4566)")
      ->envname("STRATUS_ENDPOINT");
  mailbox_cmd->add_option("--to", mb_to, "Only messages to this address or phone number");
  mailbox_cmd->add_option("--since", mb_since, "Only messages at or after this time (ISO 8601 or epoch ms)");
  mailbox_cmd->add_flag("--clear", mb_clear, "Delete the messages (of --to, or all) instead of printing them");
  mailbox_cmd->add_flag("--json", mb_json, "Print the raw JSON");
  // The root key pair signs the request (a strict server wants it), as `serve` takes it.
  std::string mb_access_key = "test", mb_secret = "test", mb_secret_file;
  mailbox_cmd->add_option("--access-key", mb_access_key, "Root access key id (for a strict server)")
      ->envname("STRATUS_ACCESS_KEY_ID");
  mailbox_cmd
      ->add_option("--secret-key-file", mb_secret_file, "File holding the root secret access key")
      ->envname("STRATUS_SECRET_KEY_FILE");
  CLI11_PARSE(app, argc, argv);
  if (compat_cmd->parsed()) return print_compat();
  if (mailbox_cmd->parsed()) {
    stratus::Config keys;
    keys.root_secret_key = mb_secret;
    if (const char* env = std::getenv("STRATUS_SECRET_ACCESS_KEY"); env && *env)
      keys.root_secret_key = env;
    if (int rc = resolve_root_secret(keys, mb_secret_file, 0, argv)) return rc;
    return mailbox_command(mb_endpoint, mb_to, mb_since, mb_clear, mb_json, mb_access_key,
                           keys.root_secret_key);
  }
  if (app.get_subcommands().empty()) {
    // `stratus` alone serves with flags from the environment.
    CLI::App defaults;
    add_serve_flags(&defaults);
    char prog[] = "stratus";
    char* args[] = {prog};
    defaults.parse(1, args);
  }
  if (int rc = resolve_root_secret(cfg, secret_key_file, argc, argv)) return rc;
  cfg.auth = auth == "strict" ? stratus::AuthMode::strict : stratus::AuthMode::open;
  cfg.services = split_list(services);
  if (const char* env = std::getenv("STRATUS_ACCOUNT_KEYS"); env && *env) {
    std::vector<std::string> from_env = split_list(env);
    for (const auto& k : from_env) {
      if (std::string why = check_account_key(k); !why.empty()) {
        std::fprintf(stderr, "stratus: STRATUS_ACCOUNT_KEYS: %s\n", why.c_str());
        return 2;
      }
    }
    account_keys.insert(account_keys.begin(), from_env.begin(), from_env.end());
  }
  for (const auto& k : account_keys) {
    auto a = k.find(':'), b = k.rfind(':');
    cfg.account_keys.push_back({k.substr(0, a), k.substr(a + 1, b - a - 1), k.substr(b + 1)});
  }
  cfg.cors_origins = cors_origins == "none" ? std::vector<std::string>{} : split_list(cors_origins);
  // Runtime mappings: STRATUS_RUNTIME_<ID> variables, then --runtime flags (which win).
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos || eq + 1 == kv.size()) continue;
    std::string rt = stratus::runtime::runtime_of_env_name(kv.substr(0, eq));
    if (!rt.empty()) cfg.lambda_runtimes[rt] = {std::string(kv.substr(eq + 1)), std::string(kv.substr(0, eq))};
  }
  for (const auto& m : runtime_maps) {
    auto eq = m.find('=');
    cfg.lambda_runtimes[m.substr(0, eq)] = {m.substr(eq + 1), "--runtime"};
  }
  return serve(cfg);
}
