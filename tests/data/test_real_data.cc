// Tests on the real MovieLens latest-small in ../shared/data; skipped where it is absent.
#include <gtest/gtest.h>

#include <filesystem>

#include "data/dataset.h"
#include "data/stats.h"

namespace ampcf {
namespace {

std::string SmallMovieLens() { return std::string(AMPCF_SHARED_DATA) + "/ml-latest-small/ratings.csv"; }

TEST(RealData, MovieLensLatestSmallStatistics) {
  if (!std::filesystem::exists(SmallMovieLens()))
    GTEST_SKIP() << "../shared/data/ml-latest-small is absent: real-data test skipped";
  DataConfig config;
  config.data = SmallMovieLens();
  const Dataset data = LoadDataset(config);
  const DatasetStats stats = ComputeStats(data);
  EXPECT_EQ(stats.users, 610);
  EXPECT_EQ(stats.items, 9724);
  EXPECT_EQ(stats.interactions, 100836);
  EXPECT_EQ(stats.training_examples, 100836 - 2 * 610);  // every user has >= 20 ratings
  EXPECT_NEAR(stats.per_user.mean, 100836.0 / 610, 1e-9);
  for (std::int32_t u = 0; u < data.n_users; ++u) {
    EXPECT_GE(data.val_item[u], 0);
    std::vector<std::int32_t> candidates;
    data.Candidates(HeldOut::kTest, u, candidates);
    EXPECT_EQ(candidates.size(), 99u);
  }
}

}  // namespace
}  // namespace ampcf
