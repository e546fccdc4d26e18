#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "core/rng.h"
#include "data/user_share.h"

namespace ampcf {
namespace {

// Heavy-tailed pairs per user, as CSR offsets.
std::vector<std::int64_t> HeavyTailOffsets(std::size_t users) {
  Rng rng(5);
  std::vector<std::int64_t> offsets(1, 0);
  for (std::size_t u = 0; u < users; ++u)
    offsets.push_back(offsets.back() + 2 + static_cast<std::int64_t>(std::pow(Uniform01(rng), 4) * 2000));
  return offsets;
}

std::vector<UserRange> Shares(const std::vector<std::int64_t>& offsets, int shares) {
  std::vector<UserRange> out;
  const auto n = static_cast<std::int32_t>(offsets.size() - 1);
  for (int s = 0; s < shares; ++s) out.push_back(ShareOfUsers(n, s, shares, [&](std::int32_t u) { return offsets[u]; }));
  return out;
}

TEST(UserShare, SharesAreContiguousAndCoverEveryUser) {
  const std::vector<std::int64_t> offsets = HeavyTailOffsets(5000);
  for (int shares : {1, 3, 7, 64}) {
    const std::vector<UserRange> ranges = Shares(offsets, shares);
    EXPECT_EQ(ranges.front().begin, 0);
    EXPECT_EQ(ranges.back().end, 5000);
    for (int s = 1; s < shares; ++s) EXPECT_EQ(ranges[s - 1].end, ranges[s].begin) << shares << " shares";
  }
}

TEST(UserShare, SharesAreBalancedByTrainingPairs) {
  const std::vector<std::int64_t> offsets = HeavyTailOffsets(5000);
  for (int shares : {3, 7}) {
    std::int64_t most = 0;
    for (const UserRange& r : Shares(offsets, shares)) most = std::max(most, offsets[r.end] - offsets[r.begin]);
    const double mean = static_cast<double>(offsets.back()) / shares;
    EXPECT_LT(most / mean - 1.0, 0.01) << shares << " shares";
  }
}

TEST(UserShare, EachUserGoesWhereTheMiddleOfItsPairsFalls) {
  const std::vector<std::int64_t> offsets = HeavyTailOffsets(500);
  const int shares = 5;
  const std::vector<UserRange> ranges = Shares(offsets, shares);
  const double total = static_cast<double>(offsets.back());
  for (std::int32_t u = 0; u < 500; ++u) {
    const double middle = 0.5 * static_cast<double>(offsets[u] + offsets[u + 1]);
    const int expected = std::min(shares - 1, static_cast<int>(middle * shares / total));
    EXPECT_TRUE(ranges[expected].contains(u)) << "user " << u;
  }
}

TEST(UserShare, MoreSharesThanUsersLeavesSomeEmpty) {
  const std::vector<std::int64_t> offsets = {0, 5, 9};
  const std::vector<UserRange> ranges = Shares(offsets, 4);
  int users = 0;
  for (const UserRange& r : ranges) users += r.size();
  EXPECT_EQ(users, 2);
  EXPECT_EQ(ShareOfUsers(2, -1, 4, [&](std::int32_t u) { return offsets[u]; }).size(), 0);
}

}  // namespace
}  // namespace ampcf
