// The table of implemented services: one line per service.
#include <functional>
#include <stdexcept>

#include "server/context.h"

namespace stratus {

namespace iam { std::unique_ptr<Service> make_service(); }
namespace sts { std::unique_ptr<Service> make_service(); }
namespace dynamodb { std::unique_ptr<Service> make_service(); std::unique_ptr<Service> make_streams_service(); }
namespace lambda { std::unique_ptr<Service> make_service(); }
namespace logs { std::unique_ptr<Service> make_service(); }
namespace sqs { std::unique_ptr<Service> make_service(); }
namespace sns { std::unique_ptr<Service> make_service(); }
namespace apigateway { std::unique_ptr<Service> make_service(); }
namespace kms { std::unique_ptr<Service> make_service(); }
namespace ssm { std::unique_ptr<Service> make_service(); }
namespace s3 { std::unique_ptr<Service> make_service(); }
namespace cognitoidp { std::unique_ptr<Service> make_service(); }
namespace secretsmanager { std::unique_ptr<Service> make_service(); }
namespace events {
std::unique_ptr<Service> make_service();
}

namespace {
struct Entry {
  const char* name;
  std::function<std::unique_ptr<Service>()> make;
};
const std::vector<Entry>& table() {
  static const std::vector<Entry> t = {
      {"iam", iam::make_service},
      {"sts", sts::make_service},
      {"dynamodb", dynamodb::make_service},
      {"dynamodbstreams", dynamodb::make_streams_service},
      {"lambda", lambda::make_service},
      {"logs", logs::make_service},
      {"sqs", sqs::make_service},
      {"sns", sns::make_service},
      {"apigateway", apigateway::make_service},
      {"kms", kms::make_service},
      {"ssm", ssm::make_service},
      {"secretsmanager", secretsmanager::make_service},
      {"s3", s3::make_service},
      {"cognito-idp", cognitoidp::make_service},
      {"events", events::make_service},
  };
  return t;
}
}  // namespace

std::vector<std::string> implemented_services() {
  std::vector<std::string> out;
  for (const auto& e : table()) out.emplace_back(e.name);
  return out;
}

std::vector<std::unique_ptr<Service>> make_services(const Config& config) {
  for (const auto& want : config.services) {
    bool known = false;
    for (const auto& e : table()) known = known || want == e.name;
    if (!known) throw std::runtime_error("unknown service '" + want + "' in --services");
  }
  std::vector<std::unique_ptr<Service>> out;
  for (const auto& e : table()) {
    bool wanted = config.services.empty();
    for (const auto& want : config.services) wanted = wanted || want == e.name;
    if (wanted) out.push_back(e.make());
  }
  return out;
}

}  // namespace stratus
