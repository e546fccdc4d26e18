#include <gtest/gtest.h>

#include <cmath>

#include "data/sampler.h"

namespace ampcf {
namespace {

TEST(AliasSampler, FollowsUnigramToThePowerHalf) {
  const std::vector<std::int64_t> counts = {100, 25, 0, 1, 64, 9};
  AliasSampler sampler(counts, 0.5);
  double total = 0;
  for (auto c : counts) total += std::sqrt(double(c));
  for (std::size_t i = 0; i < counts.size(); ++i) EXPECT_NEAR(sampler.Probability(i), std::sqrt(double(counts[i])) / total, 1e-12);
  Rng rng(3);
  const int draws = 400000;
  std::vector<int> seen(counts.size(), 0);
  for (int i = 0; i < draws; ++i) ++seen[sampler.Draw(rng)];
  EXPECT_EQ(seen[2], 0) << "an item with no training count is never a negative";
  double chi2 = 0;
  int cells = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double expected = draws * sampler.Probability(i);
    if (expected == 0) continue;
    chi2 += (seen[i] - expected) * (seen[i] - expected) / expected;
    ++cells;
  }
  EXPECT_LT(chi2, 20.5) << "chi-square with " << cells - 1 << " degrees of freedom (p = 0.001)";
}

TEST(AliasSampler, SeededDrawsRepeat) {
  AliasSampler sampler({5, 6, 7, 8}, 0.5);
  Rng a(11), b(11);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(sampler.Draw(a), sampler.Draw(b));
}

}  // namespace
}  // namespace ampcf
