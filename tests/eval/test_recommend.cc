#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "data/id_lookup.h"
#include "eval/recommend.h"
#include "eval/similar_items.h"

namespace ampcf {
namespace {

std::vector<std::int32_t> ItemsOf(const std::vector<Recommended>& list) {
  std::vector<std::int32_t> items;
  for (const Recommended& e : list) items.push_back(e.item);
  return items;
}

TEST(TopUnseen, BestFirstLeavingSeenItemsOut) {
  const std::vector<float> scores = {0.5f, 3.0f, 2.0f, 9.0f, 1.0f};
  const std::vector<char> seen = {0, 0, 0, 1, 0};
  const auto top = TopUnseen(scores, seen, 3);
  EXPECT_EQ(ItemsOf(top), (std::vector<std::int32_t>{1, 2, 4}));
  EXPECT_EQ(top[0].score, 3.0f);
}

TEST(TopUnseen, TiesGoToTheLowerItem) {
  const std::vector<float> scores = {1.0f, 2.0f, 2.0f, 2.0f};
  const std::vector<char> seen(4, 0);
  EXPECT_EQ(ItemsOf(TopUnseen(scores, seen, 2)), (std::vector<std::int32_t>{1, 2}));
}

TEST(TopUnseen, NonFiniteScoresAreNeverRecommended) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const std::vector<float> scores = {nan, 1.0f, inf, -inf, 0.0f};
  const std::vector<char> seen(5, 0);
  EXPECT_EQ(ItemsOf(TopUnseen(scores, seen, 10)), (std::vector<std::int32_t>{1, 4}));
}

TEST(TopUnseen, FewerUnseenItemsThanAskedGivesAShorterList) {
  const std::vector<float> scores = {1.0f, 2.0f};
  const std::vector<char> seen = {1, 0};
  EXPECT_EQ(ItemsOf(TopUnseen(scores, seen, 5)), (std::vector<std::int32_t>{1}));
}

// Rows [v (2), b]: item 0 = (1, 0), item 1 = (1, 1), item 2 = (0, 2), item 3 = (-1, 0); biases
// differ wildly and must not matter. Cosines with item 0: 1/sqrt 2, 0, -1.
TEST(SimilarItems, CosineOfTheVectorsWithoutTheBias) {
  const std::vector<float> rows = {1, 0, 100, 1, 1, -5, 0, 2, 7, -1, 0, 0};
  const auto similar = SimilarItems(rows.data(), 4, 3, 2, 0, 2);
  ASSERT_EQ(similar.size(), 2u);
  EXPECT_EQ(similar[0].first, 1);
  EXPECT_NEAR(similar[0].second, 1 / std::sqrt(2.0f), 1e-6);
  EXPECT_EQ(similar[1].first, 2);
  EXPECT_NEAR(similar[1].second, 0.0f, 1e-6);
}

TEST(SimilarItems, AZeroVectorIsLikeNothing) {
  const std::vector<float> rows = {0, 0, 1, 0};  // width 2, dim 1: item 0 has v = 0
  const auto similar = SimilarItems(rows.data(), 2, 2, 1, 0, 5);
  ASSERT_EQ(similar.size(), 1u);
  EXPECT_EQ(similar[0].second, 0.0f);
}

Dataset TwoUsersThreeItems() {
  Dataset data;
  data.n_users = 2;
  data.n_items = 3;
  data.held = {0, 2};
  data.user_ids = {7, 42};
  data.item_ids = {10, 20, 30};
  return data;
}

TEST(IdLookup, IntegerIdsByTheirValue) {
  const Dataset data = TwoUsersThreeItems();
  const IdLookup lookup(data);
  EXPECT_EQ(lookup.User("42"), 1);
  EXPECT_EQ(lookup.User("8"), -1);
  EXPECT_EQ(lookup.User("forty-two"), -1);
  EXPECT_EQ(lookup.Item("30"), 2);
  EXPECT_EQ(lookup.Item("31"), -1);
}

TEST(IdLookup, NamesOfStringIdDatasets) {
  Dataset data = TwoUsersThreeItems();
  data.user_names = {"ann", "007"};
  data.item_names = {"x", "y", "z"};
  const IdLookup lookup(data);
  EXPECT_EQ(lookup.User("007"), 1);
  EXPECT_EQ(lookup.User("7"), -1);  // names are matched as text
  EXPECT_EQ(lookup.Item("z"), 2);
}

TEST(IdLookup, UsersOfAShareHaveTheirGlobalDenseIds) {
  Dataset data = TwoUsersThreeItems();
  data.n_users = 10;
  data.held = {5, 7};
  const IdLookup lookup(data);
  EXPECT_EQ(lookup.User("7"), 5);
  EXPECT_EQ(lookup.User("42"), 6);
}

}  // namespace
}  // namespace ampcf
