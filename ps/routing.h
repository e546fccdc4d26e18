// Which server each key goes to: key k of every server table lives on server k % S.
#pragma once

#include <cstdint>
#include <vector>

#include "partition/layout.h"

namespace ampcf::ps {

// Splits `keys` by owning server: for server s, its keys (in input order, so sorted input
// stays sorted) and their positions in `keys`.
inline void RouteKeys(const std::vector<std::int32_t>& keys, int n_servers, std::vector<std::vector<std::int32_t>>& keys_of,
                      std::vector<std::vector<std::int32_t>>& positions_of) {
  keys_of.resize(n_servers);
  positions_of.resize(n_servers);
  for (int s = 0; s < n_servers; ++s) {
    keys_of[s].clear();
    positions_of[s].clear();
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const int s = ItemOwner(keys[i], n_servers);
    keys_of[s].push_back(keys[i]);
    positions_of[s].push_back(static_cast<std::int32_t>(i));
  }
}

}  // namespace ampcf::ps
