#include <gtest/gtest.h>

#include <cmath>
#include <vector>

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

TEST(Ranking, ANonFiniteTargetRanksLastAndNeverHits) {
  const float others[] = {0.1f, -3.0f, 0.2f};
  for (const float target : {std::nanf(""), INFINITY, -INFINITY}) {
    EXPECT_EQ(RankAgainst(target, others, 3), 3) << target;
    RankingSums sums;
    std::vector<float> many(kTopK + 5, 0.0f);
    sums.Add(RankAgainst(target, many.data(), many.size()));
    EXPECT_EQ(sums.hits, 0.0) << target;
  }
}

TEST(Ranking, NonFiniteOthersRankBelowAFiniteTarget) {
  const float others[] = {std::nanf(""), INFINITY, 2.0f, 0.5f};
  EXPECT_EQ(RankAgainst(1.0f, others, 4), 1);  // only 2.0
}

TEST(Ranking, RankAmongCountsCandidatesScoringAtLeastAsHigh) {
  const std::vector<float> scores = {0.1f, 0.9f, 0.5f, 0.5f, 0.7f};
  const std::vector<std::int32_t> candidates = {0, 1, 3};
  EXPECT_EQ(RankAmong(scores, 2, candidates), 2);  // 0.9 and the tie; 0.7 is not a candidate
  EXPECT_EQ(RankAmong(scores, 4, candidates), 1);  // 0.7: only 0.9 beats it
}

TEST(Ranking, NdcgAndHitAtByHand) {
  EXPECT_TRUE(HitAt(0));
  EXPECT_TRUE(HitAt(kTopK - 1));
  EXPECT_FALSE(HitAt(kTopK));
  EXPECT_TRUE(HitAt(4, 5));
  EXPECT_FALSE(HitAt(5, 5));
  EXPECT_DOUBLE_EQ(NdcgAt(0), 1.0);
  EXPECT_DOUBLE_EQ(NdcgAt(2), 0.5);  // 1/log2(4)
  EXPECT_DOUBLE_EQ(NdcgAt(kTopK - 1), 1.0 / std::log2(kTopK + 1.0));
  EXPECT_EQ(NdcgAt(kTopK), 0.0);
  EXPECT_EQ(NdcgAt(5, 5), 0.0);
}

// Full ranking leaves out the target, the training items and, for the test item only, the
// validation item; ties with what remains count against the target.
TEST(Ranking, FullRankExcludesWhatTheUserHas) {
  Dataset data;
  data.n_users = 1;
  data.n_items = 6;
  data.val_item = {4};
  data.test_item = {1};
  const std::vector<float> scores = {0.5f, 0.5f, 0.9f, 0.1f, 0.8f, 0.5f};
  std::vector<char> is_train(6, 0);
  EXPECT_EQ(FullRank(data, 0, HeldOut::kTest, scores, is_train), 3);  // 0 and 5 tie, 2 beats; 4 is validation
  is_train[2] = 1;
  EXPECT_EQ(FullRank(data, 0, HeldOut::kTest, scores, is_train), 2);
  EXPECT_EQ(FullRank(data, 0, HeldOut::kValidation, scores, is_train), 0);  // 0.8: only training item 2 beats it
  is_train[2] = 0;
  EXPECT_EQ(FullRank(data, 0, HeldOut::kValidation, scores, is_train), 1);
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
  data.held = {0, 1};
  data.train_offsets = {0, 2};
  data.train_items = {11, 12};  // the two best-scored items, excluded in full ranking
  data.val_item = {-1};
  data.test_item = {5};
  data.test_candidates_stored = true;
  data.test_candidate_offsets = {0, 3};
  data.test_candidates = {0, 1, 9};
  ModelShape shape;
  shape.personas = 1;
  shape.dim = 1;
  shape.SetSize("att_dim", 1);
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
