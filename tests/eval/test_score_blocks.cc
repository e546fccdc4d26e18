// Block scoring (Scorer::ScoreBlock) against the per-user path, the item-subset scorer of
// per-epoch validation, and the --eval-users sample.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/rng.h"
#include "eval/score_blocks.h"
#include "eval/user_sample.h"
#include "models/amp/amp_model.h"
#include "models/bpr_mf/bpr_mf.h"
#include "models/item_subset_scorer.h"

namespace ampcf {
namespace {

constexpr int kUsers = 7, kItems = 53;

// Every user's block scores equal its per-user scores of every item, within float rounding.
void ExpectBlockMatchesPerUser(const Scorer& scorer, const std::vector<float>& user_rows) {
  const std::size_t row = static_cast<std::size_t>(scorer.personas()) * scorer.dim();
  std::vector<float> block, single;
  scorer.ScoreBlock(user_rows.data(), kUsers, block);
  ASSERT_EQ(block.size(), static_cast<std::size_t>(kUsers) * kItems);
  for (int b = 0; b < kUsers; ++b) {
    scorer.Score(user_rows.data() + b * row, {}, single);
    for (int j = 0; j < kItems; ++j)
      EXPECT_NEAR(block[b * kItems + j], single[j], 1e-5 * (1 + std::abs(single[j]))) << "user " << b << " item " << j;
  }
}

class AmpBlock : public ::testing::TestWithParam<int> {};

TEST_P(AmpBlock, EqualsPerUserScores) {
  ModelShape shape;
  shape.personas = GetParam();
  shape.dim = 8;
  shape.SetSize("att_dim", 6);
  std::vector<float> items(static_cast<std::size_t>(kItems) * shape.item_width());
  std::vector<float> att_u(shape.dim * shape.Size("att_dim")), att_v(att_u.size());
  std::vector<float> users(static_cast<std::size_t>(kUsers) * shape.personas * shape.dim);
  FillNormal(items.data(), static_cast<int>(items.size()), 0.5, 1, 1, 1);
  FillNormal(att_u.data(), static_cast<int>(att_u.size()), 1.0, 1, 2, 1);  // sharp attention: softmax matters
  FillNormal(att_v.data(), static_cast<int>(att_v.size()), 1.0, 1, 3, 1);
  FillNormal(users.data(), static_cast<int>(users.size()), 0.5, 1, 4, 1);
  const AmpScorer scorer(shape, items.data(), kItems, att_u.data(), att_v.data());
  ExpectBlockMatchesPerUser(scorer, users);
}

INSTANTIATE_TEST_SUITE_P(Personas, AmpBlock, ::testing::Values(1, 2, 3));

TEST(BprBlock, EqualsPerUserScores) {
  TrainConfig config;
  config.dim = 8;
  const BprMf model(config, kItems);
  std::vector<float> items(static_cast<std::size_t>(kItems) * (config.dim + 1)), users(kUsers * config.dim);
  FillNormal(items.data(), static_cast<int>(items.size()), 0.5, 1, 1, 1);
  FillNormal(users.data(), static_cast<int>(users.size()), 0.5, 1, 4, 1);
  ExpectBlockMatchesPerUser(*model.MakeScorer({items.data()}, kItems), users);
}

TEST(ScoredBlocks, VisitEveryUserOnceWithItsRows) {
  TrainConfig config;
  config.dim = 3;
  const BprMf model(config, kItems);
  std::vector<float> items(static_cast<std::size_t>(kItems) * 4), users(kUsers * 3);
  FillNormal(items.data(), static_cast<int>(items.size()), 0.5, 1, 1, 1);
  FillNormal(users.data(), static_cast<int>(users.size()), 0.5, 1, 4, 1);
  const auto scorer = model.MakeScorer({items.data()}, kItems);
  const std::vector<std::int32_t> order = {5, 0, 6, 2, 3};  // any order, blocks of 2 and a last of 1
  std::vector<std::int32_t> seen;
  std::vector<float> single;
  ForEachScoredBlock(
      *scorer, order, [&](std::int32_t u) { return &users[u * 3]; },
      [&](std::span<const std::int32_t> block, const float* scores) {
        for (std::size_t i = 0; i < block.size(); ++i) {
          seen.push_back(block[i]);
          scorer->Score(&users[block[i] * 3], {}, single);
          EXPECT_NEAR(scores[i * kItems + 7], single[7], 1e-5);
        }
      },
      2);
  EXPECT_EQ(seen, order);
}

TEST(ItemSubsetScorer, ScoresHeldItemsByCatalogueId) {
  ModelShape shape;
  shape.personas = 2;
  shape.dim = 4;
  shape.SetSize("att_dim", 3);
  std::vector<float> items(static_cast<std::size_t>(kItems) * shape.item_width()), att(24), users(8);
  FillNormal(items.data(), static_cast<int>(items.size()), 0.5, 1, 1, 1);
  FillNormal(att.data(), 24, 1.0, 1, 2, 1);
  FillNormal(users.data(), 8, 0.5, 1, 4, 1);
  const AmpScorer whole(shape, items.data(), kItems, att.data(), att.data() + 12);
  const std::vector<std::int32_t> held = {3, 17, 40};
  std::vector<float> rows;
  for (std::int32_t j : held)
    rows.insert(rows.end(), items.begin() + j * shape.item_width(), items.begin() + (j + 1) * shape.item_width());
  const ItemSubsetScorer subset(std::make_unique<AmpScorer>(shape, rows.data(), 3, att.data(), att.data() + 12), held,
                                kItems);
  EXPECT_EQ(subset.n_items(), kItems);
  std::vector<float> expected, got, expected_attention, got_attention;
  whole.Score(users.data(), {40, 3}, expected, &expected_attention);
  subset.Score(users.data(), {40, 3}, got, &got_attention);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(got_attention, expected_attention);
}

TEST(UserSample, SeededLayoutFreeAndAboutTheWantedSize) {
  const UserSample all, none_asked(0, 1000, 1), sample(200, 10000, 7), again(200, 10000, 7), other(200, 10000, 8);
  EXPECT_TRUE(all.everyone());
  EXPECT_TRUE(none_asked.everyone());
  EXPECT_TRUE(UserSample(5000, 1000, 1).everyone());
  int in = 0, same = 0, in_other = 0;
  for (std::int64_t id = 1; id <= 10000; ++id) {
    in += sample.Contains(id);
    same += sample.Contains(id) == again.Contains(id);
    in_other += sample.Contains(id) && other.Contains(id);
  }
  EXPECT_NEAR(in, 200, 50);  // binomial, sd 14
  EXPECT_EQ(same, 10000);
  EXPECT_LT(in_other, 20);  // another seed draws another sample
}

}  // namespace
}  // namespace ampcf
