// Test helpers: a small AMP-CF configuration and its server tables on one server.
#pragma once

#include <cstdint>
#include <vector>

#include "models/amp/amp_cf.h"
#include "ps/protocol.h"
#include "ps/server_shard.h"

namespace ampcf::testing {

// r = 2, d = 3, da = 2, --l2 0.01: tables small enough to check by hand.
inline TrainConfig SmallConfig() {
  TrainConfig config;
  config.model_options.Set("personas", 2);
  config.dim = 3;
  config.model_options.Set("att_dim", 2);
  config.l2 = 0.01;
  return config;
}

// AMP-CF's server tables (items, then attention) as the only server holds them.
inline ps::ServerShard ShardOf(const TrainConfig& config, std::int64_t n_items, double average_decay = 0) {
  // A named model: ranging over a temporary's tables() would read them after it is destroyed.
  const AmpCf model(config, n_items);
  return ps::ServerShard(ServerTables(model), 0, 1, average_decay);
}

// Keys of the items table and of the attention table.
inline ps::KeyLists Keys(const std::vector<std::int32_t>& items, const std::vector<std::int32_t>& att) {
  ps::KeyLists keys;
  keys.keys[0] = items.data();
  keys.n[0] = static_cast<int>(items.size());
  keys.keys[1] = att.data();
  keys.n[1] = static_cast<int>(att.size());
  return keys;
}

}  // namespace ampcf::testing
