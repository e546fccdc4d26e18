#include <gtest/gtest.h>

#include <cmath>

#include "eval/ranking.h"
#include "models/amp/amp_model.h"

namespace ampcf {
namespace {

TEST(Ranking, RankCountsEverythingScoringAtLeastAsHigh) {
  const float others[] = {0.1f, 0.9f, 0.5f, 0.5f};
  EXPECT_EQ(RankAgainst(0.5f, others, 4), 3);  // 0.9 and both ties count against the target
  EXPECT_EQ(RankAgainst(1.0f, others, 4), 0);
  EXPECT_EQ(RankAgainst(0.0f, others, 4), 4);
}

TEST(Ranking, HitRateAndNdcgByHand) {
  RankingSums sums;
  sums.Add(0);   // hit, ndcg 1
  sums.Add(2);   // hit, ndcg 1/log2(4) = 0.5
  sums.Add(9);   // hit, ndcg 1/log2(11)
  sums.Add(10);  // miss
  EXPECT_EQ(sums.users, 4);
  EXPECT_DOUBLE_EQ(sums.hr(), 0.75);
  EXPECT_NEAR(sums.ndcg_mean(), (1.0 + 0.5 + 1.0 / std::log2(11.0)) / 4, 1e-12);
}

// A hand-made dataset and model where the scores are known: r=1, d=1, items score v_j * u.
TEST(Ranking, EvaluateUsersSampledAndFull) {
  Dataset data;
  data.n_users = 1;
  data.n_items = 13;
  data.train_offsets = {0, 2};
  data.train_items = {11, 12};  // the two best-scored items, excluded in full ranking
  data.val_item = {-1};
  data.test_item = {5};
  data.test_negative_offsets = {0, 3};
  data.test_negatives = {0, 1, 9};
  ModelShape shape;
  shape.personas = 1;
  shape.dim = 1;
  shape.att_dim = 1;
  std::vector<float> items(13 * 2, 0.0f);
  for (int j = 0; j < 13; ++j) items[j * 2] = static_cast<float>(j);  // v_j = j, b_j = 0
  std::vector<float> att = {1.0f};
  AmpScorer scorer(shape, items.data(), 13, att.data(), att.data());
  const float user[] = {1.0f};
  EvalTotals totals = EvaluateUsers(scorer, data, {0}, [&](std::int32_t) { return user; }, HeldOut::kTest, true);
  // Sampled: candidates 0, 1, 9 -> only 9 beats 5: rank 1.
  EXPECT_EQ(totals.sampled.users, 1);
  EXPECT_NEAR(totals.sampled.ndcg, 1.0 / std::log2(3.0), 1e-12);
  // Full: items 6..10 beat 5 (11, 12 are training items): rank 5.
  EXPECT_NEAR(totals.full.ndcg, 1.0 / std::log2(7.0), 1e-12);
  // Users without a validation item are skipped.
  EXPECT_EQ(EvaluateUsers(scorer, data, {0}, [&](std::int32_t) { return user; }, HeldOut::kValidation, true).sampled.users, 0);
}

}  // namespace
}  // namespace ampcf
