// The rotation engine: a rotation's steps call the rotation function one after the other through
// lambda/invoke.h, each step's answer continuing on the "secretsmanager" scheduler. The rotation
// in progress is stored on the secret ("Rotation": token, attempt), so a restart resumes it.
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "core/clock.h"
#include "core/env.h"
#include "core/ids.h"
#include "core/json.h"
#include "server/context.h"
#include "services/lambda/invoke.h"
#include "services/secretsmanager/errors.h"
#include "services/secretsmanager/ops.h"
#include "services/secretsmanager/schedule.h"
#include "services/secretsmanager/state.h"

namespace stratus::secretsmanager {

namespace {

std::string run_key(const std::string& a, const std::string& r, const std::string& n) {
  return a + '\0' + r + '\0' + n;
}

}  // namespace

struct State::Step {
  std::string account, region, name, arn, token, rotation_token, function;
  std::vector<std::string> steps;
  size_t index = 0;
};

State::State(ServerContext& s) : server(s) {
  cipher = make_local_cipher(s.sealing_key());  // the data directory's key (ServerContext owns it)
  time_offset_ms = env_int("STRATUS_SECRETSMANAGER_TIME_OFFSET_MS", 0);
  sweep_ms = std::max<int64_t>(env_int("STRATUS_SECRETSMANAGER_SWEEP_MS", 60'000), 10);
  retry_ms = std::max<int64_t>(env_int("STRATUS_SECRETSMANAGER_ROTATION_RETRY_MS", 60'000), 0);
}

State::~State() = default;

int64_t State::now() const {
  return now_millis() + time_offset_ms;
}

SecretStore State::store() {
  return SecretStore(server.storage(), *cipher);
}

void State::run_rotation(const std::string& account, const std::string& region, const std::string& name) {
  {
    std::lock_guard lock(running_mu_);
    if (!running_.insert(run_key(account, region, name)).second) return;
  }
  auto st = std::make_shared<Step>();
  st->account = account;
  st->region = region;
  st->name = name;
  scheduler->post("secretsmanager.rotate", [this, st] {
    auto secret = store().load(st->account, st->region, st->name);
    const Doc* rot = secret ? secret->get("Rotation") : nullptr;
    if (!rot || rot->flag("Failed")) {
      std::lock_guard lock(running_mu_);
      running_.erase(run_key(st->account, st->region, st->name));
      return;
    }
    st->arn = secret->str("ARN");
    st->token = rot->str("Token");
    st->rotation_token = rot->str("RotationToken");
    st->function = secret->str("RotationLambdaARN");
    if (rot->flag("TestOnly")) {
      st->steps = {"testSecret"};
    } else {
      st->steps = {"createSecret", "setSecret", "testSecret", "finishSecret"};
      storage::WriteBatch b;
      auto t = service_event(server, b, st->account, st->region, "RotationStarted", st->arn);
      if (t && server.storage().write(b).ok()) server.events().published(*t);
    }
    invoke_step(st);
  });
}

void State::invoke_step(std::shared_ptr<Step> st) {
  // A cancelled or replaced rotation stops here.
  auto secret = store().load(st->account, st->region, st->name);
  const Doc* rot = secret ? secret->get("Rotation") : nullptr;
  if (!rot || rot->str("Token") != st->token || secret->has("DeletedDate")) {
    std::lock_guard lock(running_mu_);
    running_.erase(run_key(st->account, st->region, st->name));
    return;
  }
  Doc event = Doc::map();
  event.set("Step", st->steps[st->index]);
  event.set("SecretId", st->arn);
  event.set("ClientRequestToken", st->token);
  event.set("RotationToken", st->rotation_token);
  lambda::InvokeCall call;
  call.account = st->account;
  call.region = st->region;
  call.function = st->function;
  call.payload = json::write(event);
  lambda::invoke(server, std::move(call), [this, st](lambda::InvokeOutcome out) {
    bool ok = out.ok();
    std::string why = out.error ? out.error->code + ": " + out.error->message : out.payload;
    scheduler->post("secretsmanager.rotate", [this, st, ok, why] { step_done(st, ok, why); });
  });
}

void State::step_done(std::shared_ptr<Step> st, bool ok, const std::string& why) {
  auto finish = [&] {
    std::lock_guard lock(running_mu_);
    running_.erase(run_key(st->account, st->region, st->name));
  };
  if (ok && st->index + 1 < st->steps.size()) {
    ++st->index;
    invoke_step(st);
    return;
  }
  std::lock_guard lock(SecretStore::mu());
  SecretStore s = store();
  auto secret = s.load(st->account, st->region, st->name);
  Doc* rot = secret ? secret->get("Rotation") : nullptr;
  if (!rot || rot->str("Token") != st->token) return finish();
  bool test_only = rot->flag("TestOnly");
  if (ok && !test_only && version_with(*secret, kCurrent) != st->token) {
    ok = false;
    std::string because = "finishSecret did not move AWSCURRENT to version " + st->token;
    spdlog::warn("secretsmanager: rotation of {} failed: {}", st->arn, because);
  } else if (!ok) {
    spdlog::warn("secretsmanager: rotation of {} failed at step {}: {}", st->arn, st->steps[st->index], why);
  }
  storage::WriteBatch batch;
  int64_t now = this->now();
  bool retry = false;
  if (ok || test_only) {
    if (test_only) {
      // The test created an AWSPENDING version and removes it again.
      if (version_with(*secret, kCurrent) != st->token) {
        (*secret)["Versions"].as_map().erase(st->token);
        batch.del(SecretStore::kValues, SecretStore::value_key(st->account, st->region, st->name, st->token));
      }
    } else {
      remove_stage(*secret, std::string(kPending), st->token);
      secret->set("LastRotatedDate", now);
      secret->set("LastChangedDate", now);
      if (const Doc* rules = secret->get("RotationRules"); rules && secret->flag("RotationEnabled")) {
        try {
          Window w = next_window(parse_rules(*rules), now);
          secret->set("NextRotationStart", w.start_ms);
          secret->set("NextRotationDate", w.end_ms);
        } catch (const AwsError&) {
        }
      }
    }
    secret->as_map().erase("Rotation");
  } else {
    int64_t attempt = rot->integer("Attempt") + 1;
    rot->set("Attempt", attempt);
    if (attempt < max_attempts) {
      retry = true;
    } else {
      rot->set("Failed", true);
      rot->set("Error", why.substr(0, 1024));
    }
  }
  s.save(batch, st->account, st->region, *secret);
  std::optional<events::Queue::Ticket> event;
  if (!ok || !test_only)
    event = service_event(server, batch, st->account, st->region, ok ? "RotationSucceeded" : "RotationFailed", st->arn);
  s.commit(batch);
  if (event) server.events().published(*event);
  finish();
  if (retry) {
    std::string a = st->account, r = st->region, n = st->name;
    scheduler->at("secretsmanager.rotate-retry", now_millis() + retry_ms, [this, a, r, n] { run_rotation(a, r, n); });
  }
}

void State::sweep() {
  SecretStore s = store();
  int64_t now = this->now();
  for (const auto& ref : s.refs()) {
    std::unique_lock lock(SecretStore::mu());
    auto secret = s.load(ref.account, ref.region, ref.name);
    if (!secret) continue;
    if (secret->has("DeletedDate")) {
      if (secret->integer("DeletedDate") <= now) s.erase(ref.account, ref.region, ref.name);
      continue;
    }
    if (const Doc* rot = secret->get("Rotation")) {
      bool running;
      {
        std::lock_guard rl(running_mu_);
        running = running_.count(run_key(ref.account, ref.region, ref.name)) > 0;
      }
      if (!running && !rot->flag("Failed") && rot->integer("Attempt") == 0) {
        lock.unlock();
        run_rotation(ref.account, ref.region, ref.name);  // interrupted by a restart
      }
      continue;
    }
    if (!secret->flag("RotationEnabled") || !secret->has("NextRotationStart") ||
        secret->integer("NextRotationStart") > now || secret->str("RotationLambdaARN").empty())
      continue;
    std::string pending = version_with(*secret, kPending);
    if (!pending.empty() && pending != version_with(*secret, kCurrent)) continue;
    // A scheduled rotation: a new AWSPENDING version, then the steps.
    std::string token = ids::uuid4();
    Doc ver = Doc::map();
    ver.set("Created", now);
    Doc stages = Doc::list();
    stages.push(std::string(kPending));
    ver.set("Stages", std::move(stages));
    (*secret)["Versions"].set(token, std::move(ver));
    Doc rot = Doc::map();
    rot.set("Token", token);
    rot.set("RotationToken", ids::uuid4() + "-" + ids::uuid4().substr(0, 8));
    rot.set("TestOnly", false);
    rot.set("Attempt", 0);
    secret->set("Rotation", std::move(rot));
    storage::WriteBatch batch;
    s.save(batch, ref.account, ref.region, *secret);
    s.commit(batch);
    lock.unlock();
    run_rotation(ref.account, ref.region, ref.name);
  }
}

void State::reset() {
  std::lock_guard lock(running_mu_);
  running_.clear();
}

State& state(OpContext& ctx) {
  return *ctx.server.port<State>();
}

}  // namespace stratus::secretsmanager
