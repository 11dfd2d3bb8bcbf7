#include "services/sns/state.h"

#include "server/context.h"

namespace stratus::sns {

State::State(ServerContext& s) : server(s), engine(s.storage()), envelopes(s.storage()) {
  store.open(engine);
  platform.open(engine);
}

void State::reset() {
  store.clear();
  envelopes.reset();
}

}  // namespace stratus::sns
