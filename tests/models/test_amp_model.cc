// Finite-difference checks of the AMP-CF backward pass for every parameter: personas U,
// attention maps A_u and A_v, item vectors V and biases b, with both entropy terms and the
// per-example L2 on.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "models/amp/amp_model.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "tests/finite_difference.h"

namespace ampcf {
namespace {

struct Problem {
  ModelShape shape;
  LossWeights weights;
  Batch batch;
  std::vector<float> users, items, att_u, att_v;

  BatchParams Params() const {
    return BatchParams{users.data(), static_cast<int>(users.size() / (shape.personas * shape.dim)), items.data(),
                       static_cast<int>(items.size() / shape.item_width()), att_u.data(), att_v.data()};
  }
  double Loss() const {
    BatchGradients unused;
    return ForwardBackward(shape, weights, batch, Params(), unused).loss;
  }
};

// dim 64 takes the pass's fixed-width path (models/amp/amp_model.cc), other dims the general one.
Problem MakeProblem(int personas, int dim = 5) {
  Problem p;
  p.shape.personas = personas;
  p.shape.dim = dim;
  p.shape.SetSize("att_dim", dim - 1);
  const double spread = std::sqrt(5.0 / dim);  // dot products of the same size at any dim
  p.weights = LossWeights{0.6, 0.7, 0.4, 1.0, 0.3, 1.7, 0.9};  // frequency-proportional L2 and persona tie on too
  p.batch.candidates = 4;
  // Three positives; user slot 0 appears twice, item slot 2 is shared between pairs.
  p.batch.user = {0, 1, 0};
  p.batch.item = {0, 1, 2, 3, 4, 2, 5, 1, 2, 3, 5, 4};
  p.users.resize(2 * personas * p.shape.dim);
  p.items.resize(6 * p.shape.item_width());
  p.att_u.resize(p.shape.dim * p.shape.Size("att_dim"));
  p.att_v.resize(p.att_u.size());
  FillNormal(p.users.data(), p.users.size(), 0.6 * spread, 1, 1, 0);
  FillNormal(p.items.data(), p.items.size(), 0.6 * spread, 1, 2, 0);
  FillNormal(p.att_u.data(), p.att_u.size(), 0.8 * spread, 1, 3, 0);
  FillNormal(p.att_v.data(), p.att_v.size(), 0.8 * spread, 1, 4, 0);
  return p;
}

// (personas, dim)
class GradientTest : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(GradientTest, MatchesFiniteDifferences) {
  Problem p = MakeProblem(std::get<0>(GetParam()), std::get<1>(GetParam()));
  BatchGradients g;
  ForwardBackward(p.shape, p.weights, p.batch, p.Params(), g);
  testing::CheckAgainstFiniteDifferences([&] { return p.Loss(); }, p.users, g.users.data(), "U");
  testing::CheckAgainstFiniteDifferences([&] { return p.Loss(); }, p.items, g.items.data(), "V,b");
  testing::CheckAgainstFiniteDifferences([&] { return p.Loss(); }, p.att_u, g.att_u.data(), "A_u");
  testing::CheckAgainstFiniteDifferences([&] { return p.Loss(); }, p.att_v, g.att_v.data(), "A_v");
}

INSTANTIATE_TEST_SUITE_P(Personas, GradientTest,
                         ::testing::Values(std::make_tuple(1, 5), std::make_tuple(2, 5), std::make_tuple(3, 5),
                                           std::make_tuple(2, 64)));

// --hard-negatives: the negatives' weights move with their scores, gradients included.
TEST(Model, HardNegativesMatchFiniteDifferences) {
  Problem p = MakeProblem(2);
  p.weights.hard_negatives = 1.5;
  BatchGradients g;
  ForwardBackward(p.shape, p.weights, p.batch, p.Params(), g);
  testing::CheckAgainstFiniteDifferences([&] { return p.Loss(); }, p.users, g.users.data(), "U");
  testing::CheckAgainstFiniteDifferences([&] { return p.Loss(); }, p.items, g.items.data(), "V,b");
  testing::CheckAgainstFiniteDifferences([&] { return p.Loss(); }, p.att_v, g.att_v.data(), "A_v");
}

TEST(Model, HardNegativesWeighTheHigherScoredNegativeMore) {
  Problem p = MakeProblem(2);
  p.weights = LossWeights{};
  const double plain = p.Loss();
  p.weights.hard_negatives = 2.0;
  // A weighted mean of exp(s_j) with weights rising with s_j is above the plain mean.
  EXPECT_GT(p.Loss(), plain);
}

// --persona-tie-power: each user's tie scaled by its history, gradients included.
TEST(Model, ATiePerUserMatchesFiniteDifferences) {
  Problem p = MakeProblem(3);
  p.batch.relative_history = {0.25f, 4.0f};
  p.weights.persona_tie_power = 1.0;
  BatchGradients g;
  ForwardBackward(p.shape, p.weights, p.batch, p.Params(), g);
  testing::CheckAgainstFiniteDifferences([&] { return p.Loss(); }, p.users, g.users.data(), "U");
}

TEST(Model, ATiePerUserWeighsUsersByTheirHistory) {
  Problem p = MakeProblem(2);
  p.weights = LossWeights{};
  // The tie's share of the loss (a mean per positive) for the batch's positives `users`.
  auto tie_part = [&](std::vector<std::int32_t> users, double power) {
    p.batch.user = std::move(users);
    p.weights.persona_tie_power = power;
    p.weights.persona_tie = 1.0;
    const double tied = p.Loss();
    p.weights.persona_tie = 0.0;
    return tied - p.Loss();
  };
  p.batch.relative_history = {1.0f, 1.0f};
  EXPECT_EQ(tie_part({0, 1, 0}, 1.0), tie_part({0, 1, 0}, 0.0));  // users of the mean history
  const double user0 = tie_part({0, 0, 0}, 0.0), user1 = tie_part({1, 1, 1}, 0.0);
  EXPECT_NEAR(tie_part({0, 1, 0}, 0.0), (2 * user0 + user1) / 3, 1e-6);
  // User slot 0 with twice the mean history: its tie halves; slot 1, at half, has it doubled.
  p.batch.relative_history = {2.0f, 0.5f};
  EXPECT_NEAR(tie_part({0, 1, 0}, 1.0), (2 * user0 / 2 + 2 * user1) / 3, 1e-6);
  EXPECT_NEAR(tie_part({0, 1, 0}, 0.5), (2 * user0 / std::sqrt(2.0) + std::sqrt(2.0) * user1) / 3, 1e-6);
}

// A worker's share of a batch split over W workers: gradients scale, the reported loss does not.
TEST(Model, GradientScaleScalesGradientsOnly) {
  Problem p = MakeProblem(2);
  BatchGradients whole, third;
  const BatchStats full = ForwardBackward(p.shape, p.weights, p.batch, p.Params(), whole);
  p.weights.gradient_scale = 1.0 / 3.0;
  const BatchStats part = ForwardBackward(p.shape, p.weights, p.batch, p.Params(), third);
  EXPECT_DOUBLE_EQ(part.loss, full.loss);
  EXPECT_TRUE(third.users.isApprox(whole.users / 3.0f, 1e-5f));
  EXPECT_TRUE(third.items.isApprox(whole.items / 3.0f, 1e-5f));
  EXPECT_TRUE(third.att_u.isApprox(whole.att_u / 3.0f, 1e-5f));
  EXPECT_TRUE(third.att_v.isApprox(whole.att_v / 3.0f, 1e-5f));
}

TEST(Model, OnePersonaIsMatrixFactorisation) {
  Problem p = MakeProblem(1);
  p.weights = LossWeights{1.0, 0.0, 0.0, 1.0};
  p.batch.user = {1};
  p.batch.item = {0, 3, 4, 5};
  BatchGradients g;
  const BatchStats stats = ForwardBackward(p.shape, p.weights, p.batch, p.Params(), g);
  const int d = p.shape.dim, w = p.shape.item_width();
  double scores[4], max_score = -1e9;
  const int slots[4] = {0, 3, 4, 5};
  for (int c = 0; c < 4; ++c) {
    double y = p.items[slots[c] * w + d];
    for (int k = 0; k < d; ++k) y += double(p.users[d + k]) * p.items[slots[c] * w + k];
    scores[c] = y;
    max_score = std::max(max_score, y);
  }
  double partition = 0;
  for (double y : scores) partition += std::exp(y - max_score);
  EXPECT_NEAR(stats.sampled_nll, max_score + std::log(partition) - scores[0], 1e-5);
  EXPECT_NEAR(stats.entropy_pos, 0.0, 1e-7);
  EXPECT_NEAR(stats.loss, stats.sampled_nll, 1e-9);
}

// The pass splits its work into tasks of fixed sizes (core/parallel.h): any thread count gives the
// same bits. The batch spans several tasks of every phase, with users and items read by several
// positives and an item twice among one positive's candidates.
void ExpectTheSameResultsOnOneAndThreeThreads(int d) {
  ModelShape shape;
  shape.personas = 3;
  shape.dim = d;
  shape.SetSize("att_dim", 6);
  const int n_users = 110, n_items = 300, n_pairs = 150;
  Batch batch;
  batch.candidates = 5;
  Rng rng(7);
  for (int b = 0; b < n_pairs; ++b) {
    batch.user.push_back(static_cast<std::int32_t>(UniformIndex(rng, n_users)));
    for (int c = 0; c < batch.candidates; ++c) batch.item.push_back((b * batch.candidates + c) * 7 % n_items);
  }
  batch.item[3] = batch.item[4];
  std::vector<float> users(static_cast<std::size_t>(n_users) * 3 * d), items(static_cast<std::size_t>(n_items) * (d + 1)),
      att_u(d * 6), att_v(d * 6), log_q(n_items);
  FillNormal(users.data(), users.size(), 0.5, 2, 1, 0);
  FillNormal(items.data(), items.size(), 0.5, 2, 2, 0);
  FillNormal(att_u.data(), att_u.size(), 0.5, 2, 3, 0);
  FillNormal(att_v.data(), att_v.size(), 0.5, 2, 4, 0);
  FillNormal(log_q.data(), log_q.size(), 1.0, 2, 5, 0);
  const BatchParams params{users.data(), n_users, items.data(), n_items, att_u.data(), att_v.data(), log_q.data()};
  const LossWeights weights{0.8, 0.5, 0.3, 1.0, 3e-3, 1.0, 0.05};
  BatchGradients one, many;
  const BatchStats one_stats = ForwardBackward(shape, weights, batch, params, one);
  SetComputeThreads(3);
  const BatchStats many_stats = ForwardBackward(shape, weights, batch, params, many);
  SetComputeThreads(1);
  EXPECT_EQ(one_stats.loss, many_stats.loss);
  EXPECT_EQ(one_stats.entropy_neg, many_stats.entropy_neg);
  EXPECT_EQ(one_stats.entropy_pos, many_stats.entropy_pos);
  EXPECT_EQ(one_stats.sampled_nll, many_stats.sampled_nll);
  EXPECT_EQ(one.users, many.users);
  EXPECT_EQ(one.items, many.items);
  EXPECT_EQ(one.att_u, many.att_u);
  EXPECT_EQ(one.att_v, many.att_v);
  EXPECT_GT(one.items.cwiseAbs().rowwise().maxCoeff().minCoeff(), 0.0f);  // every item row got a gradient
}

TEST(Model, ThreadCountDoesNotChangeResults) {
  for (const int d : {8, 64}) {  // the general path and the fixed-width one
    SCOPED_TRACE(d);
    ExpectTheSameResultsOnOneAndThreeThreads(d);
  }
}

TEST(Model, ScorerAgreesWithTrainingScores) {
  Problem p = MakeProblem(3);
  AmpScorer scorer(p.shape, p.items.data(), 6, p.att_u.data(), p.att_v.data());
  std::vector<float> all, some, attention;
  scorer.Score(p.users.data(), {}, all);
  scorer.Score(p.users.data(), {4, 1}, some, &attention);
  ASSERT_EQ(all.size(), 6u);
  EXPECT_NEAR(some[0], all[4], 1e-5);
  EXPECT_NEAR(some[1], all[1], 1e-5);
  ASSERT_EQ(attention.size(), 6u);
  EXPECT_NEAR(attention[0] + attention[1] + attention[2], 1.0, 1e-6);
  // r=1 with the same vectors: the score is u.v + b.
  Problem mf = MakeProblem(1);
  AmpScorer mf_scorer(mf.shape, mf.items.data(), 6, mf.att_u.data(), mf.att_v.data());
  mf_scorer.Score(mf.users.data(), {2}, some);
  double y = mf.items[2 * 6 + 5];
  for (int k = 0; k < 5; ++k) y += double(mf.users[k]) * mf.items[2 * 6 + k];
  EXPECT_NEAR(some[0], y, 1e-5);
}

}  // namespace
}  // namespace ampcf
