// DiRec's re-ranking: the cover tree's levels in priority order, and the scorer that applies it.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "eval/diversified_scorer.h"
#include "eval/priority_medoids.h"

namespace ampcf {
namespace {

// Two tight groups in the plane, A along x and B along y, in priority order A1 A2 A3 B1 B2:
// the top item (A1) first; at the next level (radius about sqrt 2 / 2) B1, the best of the
// other group; the near-duplicates only at the fine levels that separate them.
TEST(PriorityMedoids, TheBestOfAnotherRegionComesBeforeNearDuplicates) {
  RowMatrixXf v(5, 2);
  v << 1, 0.01f,  //
      1, 0.02f,   //
      1, -0.01f,  //
      0.01f, 1,   //
      0.02f, 1;
  const std::vector<int> order = PriorityMedoidOrder(v, 2);
  ASSERT_EQ(order.size(), 5u);
  EXPECT_EQ(order[0], 0);
  EXPECT_EQ(order[1], 3);
  EXPECT_TRUE(std::is_permutation(order.begin(), order.end(), std::vector<int>{0, 1, 2, 3, 4}.begin()));
}

TEST(PriorityMedoids, IsAPermutationThatKeepsPriorityWhereAllAreApart) {
  RowMatrixXf v = RowMatrixXf::Identity(4, 4);  // pairwise equally far: every item is its own region
  EXPECT_EQ(PriorityMedoidOrder(v, 1), (std::vector<int>{0, 1, 2, 3}));
  RowMatrixXf same = RowMatrixXf::Ones(3, 2);  // duplicates keep their priority order at the end
  EXPECT_EQ(PriorityMedoidOrder(same, 1), (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(PriorityMedoidOrder(RowMatrixXf(0, 2), 1).empty());
}

TEST(PriorityMedoids, ScaleDoesNotMakeItemsAlike) {
  RowMatrixXf v(3, 2);
  v << 1, 0,  //
      9, 0.1f,  // same direction as the first, nine times longer
      0, 1;
  EXPECT_EQ(PriorityMedoidOrder(v, 1), (std::vector<int>{0, 2, 1}));
}

// A pool no longer than the list keeps the model's order: there is nothing to diversify.
TEST(PriorityMedoids, APoolOfTheListsLengthKeepsPriorityOrder) {
  RowMatrixXf v(3, 2);
  v << 1, 0,  //
      1, 0.01f,  //
      0, 1;
  EXPECT_EQ(PriorityMedoidOrder(v, 3), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(PriorityMedoidOrder(v, 2), (std::vector<int>{0, 2, 1}));
}

// A scorer of fixed scores per item.
class FixedScorer : public Scorer {
 public:
  explicit FixedScorer(std::vector<float> scores) : scores_(std::move(scores)) {}
  void Score(const float*, const std::vector<std::int32_t>& candidates, std::vector<float>& scores,
             std::vector<float>* attention) const override {
    scores.clear();
    if (candidates.empty()) scores = scores_;
    for (std::int32_t j : candidates) scores.push_back(scores_[j]);
    if (attention != nullptr) attention->assign(scores.size(), 1.0f);
  }
  std::int32_t n_items() const override { return static_cast<std::int32_t>(scores_.size()); }
  int personas() const override { return 1; }
  int dim() const override { return 1; }

 private:
  std::vector<float> scores_;
};

// Items 0..4 as in the first test (item rows [x, y, bias]), item 5 far below. The user has item 1.
TEST(DiversifiedScorer, PutsThePoolFirstInPriorityMedoidOrderAndLeavesSeenItemsOut) {
  const std::vector<float> items = {1, 0.01f, 0, 1, 0.02f, 0, 1, -0.01f, 0, 0.01f, 1, 0, 0.02f, 1, 0, -1, -1, 0};
  FixedScorer inner({5, 4.5f, 4, 3, 2, -10});
  const std::vector<std::int32_t> seen = {1};
  DiversifiedScorer direc(inner, items.data(), 3, 2, 3, 1, [&](const float*) { return std::span<const std::int32_t>(seen); });
  const float row = 0;
  std::vector<float> scores;
  direc.Score(&row, {}, scores);
  // Pool of 3 unseen: items 0, 2, 3 -> order 0, 3, 2; they score above every other item.
  std::vector<int> ranked(6);
  std::iota(ranked.begin(), ranked.end(), 0);
  std::sort(ranked.begin(), ranked.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  EXPECT_EQ(std::vector<int>(ranked.begin(), ranked.begin() + 3), (std::vector<int>{0, 3, 2}));
  EXPECT_EQ(scores[1], 4.5f);  // the seen item keeps its score (the ranking leaves it out)
  EXPECT_EQ(scores[5], -10.0f);
  std::vector<float> some;
  // Among candidates 5, 4, 3 (scores -10, 2, 3): 3 first, then the far item 5 before 4, a
  // near-duplicate of 3.
  direc.Score(&row, {5, 4, 3}, some);
  EXPECT_GT(some[2], some[0]);
  EXPECT_GT(some[0], some[1]);
}

}  // namespace
}  // namespace ampcf
