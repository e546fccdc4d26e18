// The routing of keys to servers (ps/routing.h).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "ps/routing.h"

namespace ampcf {
namespace {

constexpr int kServers = 3;

TEST(Routing, RouteKeysSplitsByKeyModuloServersKeepingOrder) {
  const std::vector<std::int32_t> keys = {0, 1, 2, 5, 7, 8, 9, 12, 13};
  std::vector<std::vector<std::int32_t>> keys_of, positions_of;
  ps::RouteKeys(keys, kServers, keys_of, positions_of);
  ASSERT_EQ(keys_of.size(), static_cast<std::size_t>(kServers));
  EXPECT_EQ(keys_of[0], (std::vector<std::int32_t>{0, 9, 12}));
  EXPECT_EQ(keys_of[1], (std::vector<std::int32_t>{1, 7, 13}));
  EXPECT_EQ(keys_of[2], (std::vector<std::int32_t>{2, 5, 8}));
}

TEST(Routing, RoutePositionsMapBackToTheInput) {
  const std::vector<std::int32_t> keys = {3, 4, 6, 10, 11, 14, 20};
  std::vector<std::vector<std::int32_t>> keys_of, positions_of;
  ps::RouteKeys(keys, kServers, keys_of, positions_of);
  ASSERT_EQ(positions_of.size(), static_cast<std::size_t>(kServers));
  std::vector<int> seen(keys.size(), 0);
  for (int s = 0; s < kServers; ++s) {
    ASSERT_EQ(positions_of[s].size(), keys_of[s].size()) << "server " << s;
    for (std::size_t i = 0; i < keys_of[s].size(); ++i) {
      EXPECT_EQ(keys[positions_of[s][i]], keys_of[s][i]) << "server " << s << ", key " << i;
      ++seen[positions_of[s][i]];
    }
  }
  EXPECT_EQ(seen, std::vector<int>(keys.size(), 1));  // every input key routed exactly once
}

TEST(Routing, RouteKeysReplacesTheResultOfAnEarlierCall) {
  std::vector<std::vector<std::int32_t>> keys_of, positions_of;
  ps::RouteKeys({0, 1, 2, 3, 4, 5}, kServers, keys_of, positions_of);
  ps::RouteKeys({4}, kServers, keys_of, positions_of);
  EXPECT_TRUE(keys_of[0].empty());
  EXPECT_EQ(keys_of[1], std::vector<std::int32_t>{4});
  EXPECT_EQ(positions_of[1], std::vector<std::int32_t>{0});
  EXPECT_TRUE(keys_of[2].empty());
  EXPECT_TRUE(positions_of[0].empty() && positions_of[2].empty());
}


}  // namespace
}  // namespace ampcf
