// SQS's port (api.h) over its state: what SNS and Lambda call. Every call is thread safe. The
// port's contract answers errors as values (Result, Done), so errors the state throws are caught
// here.
#pragma once

#include "services/sqs/api.h"

namespace stratus::sqs {

class State;

class Port final : public Api {
 public:
  explicit Port(State& s) : s_(s) {}
  Result<std::string> deliver(const std::string& queue_arn, Delivery d) override;
  storage::Status deliver_all(std::vector<Target>& targets, storage::WriteBatch& batch, const Staged& staged) override;
  void set_body_finisher(BodyFinisher f) override;
  std::optional<QueueInfo> info(const std::string& queue_arn) override;
  void receive(const std::string& queue_arn, const Doc& request, Done done) override;
  Result<Doc> remove(const std::string& queue_arn, const std::vector<std::string>& handles) override;
  Result<Doc> change_visibility(const std::string& queue_arn, const std::string& handle, int64_t seconds) override;

 private:
  State& s_;
};

}  // namespace stratus::sqs
