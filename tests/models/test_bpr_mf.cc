// BPR-MF through the model interface: finite-difference gradients, hand-computed loss, scoring.
#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"
#include "models/bpr_mf/bpr_mf.h"
#include "tests/finite_difference.h"

namespace ampcf {
namespace {

constexpr int kDim = 4;

struct Problem {
  TrainConfig config;
  Batch batch;
  std::vector<float> users, items;

  Problem() {
    config.dim = kDim;
    config.l2_example = 0.3;
    config.l2_user_factor = 1.7;
    batch.candidates = 3;
    batch.user = {0, 1, 0};  // user slot 0 twice; item slot 2 in every positive
    batch.item = {0, 2, 3, 1, 2, 4, 2, 0, 4};
    batch.users = {10, 11};
    batch.items = {3, 5, 7, 8, 9};
    batch.gradient_scale = 0.5;
    users.resize(batch.users.size() * kDim);
    items.resize(batch.items.size() * (kDim + 1));
    FillNormal(users.data(), static_cast<int>(users.size()), 0.7, 1, 1, 0);
    FillNormal(items.data(), static_cast<int>(items.size()), 0.7, 1, 2, 0);
  }
  BatchStats Run(const float*& user_gradients, std::vector<const float*>& item_gradients, BprMf& model) const {
    return model.ForwardBackward(batch, users.data(), {items.data()}, user_gradients, item_gradients);
  }
  double Loss() const {
    BprMf model(config, 10);
    const float* unused = nullptr;
    std::vector<const float*> unused_items;
    return Run(unused, unused_items, model).loss;
  }
};

TEST(BprMf, GradientsMatchFiniteDifferences) {
  Problem p;
  BprMf model(p.config, 10);
  const float* user_gradients = nullptr;
  std::vector<const float*> item_gradients;
  p.Run(user_gradients, item_gradients, model);
  const std::vector<float> users(user_gradients, user_gradients + p.users.size());
  const std::vector<float> items(item_gradients[0], item_gradients[0] + p.items.size());
  // The gradients are of the loss times gradient_scale (a worker's share of a batch).
  const auto loss = [&] { return p.Loss(); };
  testing::CheckAgainstFiniteDifferences(loss, p.users, users.data(), "users", p.batch.gradient_scale);
  testing::CheckAgainstFiniteDifferences(loss, p.items, items.data(), "items", p.batch.gradient_scale);
}

TEST(BprMf, LossOfOnePairIsMinusLogSigmoidOfTheMargin) {
  TrainConfig config;
  config.dim = 1;
  config.l2_example = 0;
  BprMf model(config, 2);
  Batch batch;
  batch.candidates = 2;
  batch.user = {0};
  batch.item = {0, 1};
  batch.users = {0};
  batch.items = {0, 1};
  const std::vector<float> user = {2.0f}, items = {0.5f, 0.25f, -0.5f, 0.0f};  // y+ = 1.25, y- = -1
  const float* user_gradients = nullptr;
  std::vector<const float*> item_gradients;
  const BatchStats stats = model.ForwardBackward(batch, user.data(), {items.data()}, user_gradients, item_gradients);
  EXPECT_NEAR(stats.loss, std::log1p(std::exp(-2.25)), 1e-9);
  // d/du = -sigmoid(-2.25) * (v+ - v-) = -sigmoid(-2.25) * 1.
  EXPECT_NEAR(user_gradients[0], -1.0 / (1.0 + std::exp(2.25)), 1e-6);
}

TEST(BprMf, ScoresAreDotProductPlusBiasWithOnePersona) {
  TrainConfig config;
  config.dim = 2;
  BprMf model(config, 3);
  const std::vector<float> items = {1, 0, 0.5f, 0, 1, -0.5f, 1, 1, 0};
  const auto scorer = model.MakeScorer({items.data()}, 3);
  const std::vector<float> user = {2, 3};
  std::vector<float> all, some, attention;
  scorer->Score(user.data(), {}, all, &attention);
  EXPECT_EQ(all, (std::vector<float>{2.5f, 2.5f, 5.0f}));
  EXPECT_EQ(attention, (std::vector<float>{1, 1, 1}));
  scorer->Score(user.data(), {2, 0}, some);
  EXPECT_EQ(some, (std::vector<float>{5.0f, 2.5f}));
  EXPECT_EQ(scorer->personas(), 1);
}

}  // namespace
}  // namespace ampcf
