// The Secrets Manager service's state that handlers reach (ServerContext::port<State>()): the
// value cipher, the clock, and the rotation engine (rotation.cc) that calls rotation functions
// through lambda/invoke.h on the "secretsmanager" scheduler.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "services/events/api.h"
#include "services/secretsmanager/store.h"
#include "services/service.h"

namespace stratus {
class Scheduler;
}

namespace stratus::secretsmanager {

class State {
 public:
  explicit State(ServerContext& server);
  ~State();

  ServerContext& server;
  std::unique_ptr<Cipher> cipher;
  Scheduler* scheduler = nullptr;  // set in start()
  events::Api* events = nullptr;   // EventBridge (ops.h: Trail); nullptr when it is not running
  // STRATUS_SECRETSMANAGER_TIME_OFFSET_MS moves this service's clock (tests of schedules and
  // recovery windows); STRATUS_SECRETSMANAGER_SWEEP_MS the background sweep's period;
  // STRATUS_SECRETSMANAGER_ROTATION_RETRY_MS the delay before a failed rotation is retried.
  int64_t time_offset_ms = 0;
  int64_t sweep_ms = 60'000;
  int64_t retry_ms = 60'000;
  int max_attempts = 3;

  int64_t now() const;
  SecretStore store();

  // Runs the rotation steps of the secret's pending rotation (its "Rotation" record) on the
  // scheduler: createSecret, setSecret, testSecret, finishSecret (or testSecret only).
  void run_rotation(const std::string& account, const std::string& region, const std::string& name);
  // Deletes secrets past their recovery window, starts scheduled rotations, resumes rotations
  // a restart interrupted.
  void sweep();
  // After POST /_stratus/reset: forget the rotations in flight (their records are gone).
  void reset();

 private:
  struct Step;
  void invoke_step(std::shared_ptr<Step> st);
  void step_done(std::shared_ptr<Step> st, bool ok, const std::string& why);
  std::mutex running_mu_;
  std::set<std::string> running_;  // GUARDED_BY(running_mu_) account \0 region \0 name
};

State& state(OpContext& ctx);

}  // namespace stratus::secretsmanager
