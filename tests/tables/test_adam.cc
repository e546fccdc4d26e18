// The optimiser: per-row Adam with coupled L2 and a batch share, and the server's synchronous
// apply (a clock's pushes summed into one step).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "models/amp/amp_cf.h"
#include "tests/amp_shard.h"
#include "ps/server_shard.h"
#include "tables/adam.h"

namespace ampcf {
namespace {

TEST(Adam, FirstStepMovesEachCoordinateByTheLearningRate) {
  AdamConfig config;
  config.lr = 0.01f;
  const Adam adam(config);
  std::vector<float> p = {1.0f, -2.0f, 0.5f}, m(3, 0.0f), v(3, 0.0f), g = {0.3f, -5.0f, 1e-3f};
  std::int32_t step = 0;
  adam.UpdateRow(p.data(), m.data(), v.data(), g.data(), 3, step);
  EXPECT_EQ(step, 1);
  EXPECT_NEAR(p[0], 1.0f - 0.01f, 1e-6f);
  EXPECT_NEAR(p[1], -2.0f + 0.01f, 1e-6f);
  EXPECT_NEAR(p[2], 0.5f - 0.01f, 1e-5f);
}

TEST(Adam, L2JoinsTheGradient) {
  AdamConfig l2_config;
  l2_config.l2 = 0.1f;
  const Adam with_l2(l2_config), without(AdamConfig{});
  std::vector<float> p1 = {1.0f, -2.0f}, p2 = p1, m1(2, 0.0f), m2(2, 0.0f), v1(2, 0.0f), v2(2, 0.0f);
  std::int32_t s1 = 0, s2 = 0;
  for (int t = 0; t < 5; ++t) {
    const std::vector<float> g = {0.02f * t, -0.03f};
    std::vector<float> g_plus = {g[0] + 0.1f * p2[0], g[1] + 0.1f * p2[1]};
    with_l2.UpdateRow(p1.data(), m1.data(), v1.data(), g.data(), 2, s1);
    without.UpdateRow(p2.data(), m2.data(), v2.data(), g_plus.data(), 2, s2);
  }
  EXPECT_NEAR(p1[0], p2[0], 1e-6f);
  EXPECT_NEAR(p1[1], p2[1], 1e-6f);
}

// The powers are looked up, not computed: they must be std::pow's to the bit, and past the table
// give bias corrections of exactly 1.
TEST(Adam, PowersAreStdPow) {
  for (const float beta : {0.9f, 0.999f, 0.5f}) {
    const BetaPowers powers(beta);
    for (std::int64_t t = 0; t < 40000; t += (t < 300 ? 1 : 7)) {
      const float exact = std::pow(beta, static_cast<float>(t));
      EXPECT_EQ(1.0f - powers(t), 1.0f - exact) << beta << "^" << t;
      if (1.0f - exact != 1.0f) {
        EXPECT_EQ(powers(t), exact) << beta << "^" << t;
      }
    }
  }
}

using testing::Keys;
using testing::ShardOf;
using testing::SmallConfig;


// Two workers' pushes of one clock, summed by the server, are one step on their sum.
TEST(Adam, RepeatedOnceIsOneUpdate) {
  const Adam adam(AdamConfig{});
  std::vector<float> p1 = {0.5f, -1.0f}, m1(2, 0.1f), v1(2, 0.2f), p2 = p1, m2 = m1, v2 = v1;
  const float g[2] = {0.3f, -0.7f};
  std::int32_t s1 = 4, s2 = 4;
  adam.UpdateRow(p1.data(), m1.data(), v1.data(), g, 2, s1);
  adam.UpdateRowRepeated(p2.data(), m2.data(), v2.data(), g, 2, s2, 1);
  EXPECT_EQ(p1, p2);
  EXPECT_EQ(m1, m2);
  EXPECT_EQ(v1, v2);
  EXPECT_EQ(s1, s2);
}

// A cached row's mean gradient over c steps stands for c updates: with a constant gradient the
// moments and the count are those of c updates, and the row moves about as far.
TEST(Adam, RepeatedStandsForThatManyUpdatesOfTheSameGradient) {
  const Adam adam(AdamConfig{});
  for (int times : {2, 8}) {
    std::vector<float> p1 = {0.5f, -1.0f}, m1(2, 0.01f), v1(2, 0.02f), p2 = p1, m2 = m1, v2 = v1;
    const float g[2] = {0.3f, -0.7f};
    std::int32_t s1 = 3, s2 = 3;
    for (int i = 0; i < times; ++i) adam.UpdateRow(p1.data(), m1.data(), v1.data(), g, 2, s1);
    adam.UpdateRowRepeated(p2.data(), m2.data(), v2.data(), g, 2, s2, times);
    EXPECT_EQ(s2, s1);
    for (int c = 0; c < 2; ++c) {
      EXPECT_NEAR(m2[c], m1[c], 1e-5f * std::abs(m1[c])) << times;
      EXPECT_NEAR(v2[c], v1[c], 1e-5f * std::abs(v1[c])) << times;
      const float moved = p1[c] - (c == 0 ? 0.5f : -1.0f), moved_repeated = p2[c] - (c == 0 ? 0.5f : -1.0f);
      EXPECT_NEAR(moved_repeated, moved, 0.25f * std::abs(moved)) << times;
    }
  }
}

TEST(ServerShard, ApplyClockSumsPushesIntoOneStep) {
  const TrainConfig config = SmallConfig();
  const int width = config.dim + 1, da = AmpOptions::From(config.model_options).att_dim;
  // Worker 0: items 1, 3 and attention row 0; worker 1: items 0, 3 and attention rows 0, 4.
  const std::vector<std::int32_t> items0 = {1, 3}, att0 = {0}, items1 = {0, 3}, att1 = {0, 4};
  auto values = [&](int n_items, int n_att, float base) {
    std::vector<float> out(n_items * width + n_att * da);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = base + 0.01f * static_cast<float>(i);
    return out;
  };
  const std::vector<float> g0 = values(2, 1, 0.1f), g1 = values(2, 2, -0.3f);

  ps::ServerShard summed = ShardOf(config, 5);
  summed.ApplyClock({{Keys(items0, att0), g0.data()}, {Keys(items1, att1), g1.data()}});

  // The same step from the hand-summed gradient, rows in key order.
  const std::vector<std::int32_t> all_items = {0, 1, 3}, all_att = {0, 4};
  std::vector<float> sum(3 * width + 2 * da, 0.0f);
  auto add = [&](int to_row, int row_width, int to_base, const float* from) {
    for (int k = 0; k < row_width; ++k) sum[to_base + to_row * row_width + k] += from[k];
  };
  add(1, width, 0, &g0[0]);                  // worker 0, item 1
  add(2, width, 0, &g0[width]);              // worker 0, item 3
  add(0, da, 3 * width, &g0[2 * width]);     // worker 0, attention 0
  add(0, width, 0, &g1[0]);                  // worker 1, item 0
  add(2, width, 0, &g1[width]);              // worker 1, item 3
  add(0, da, 3 * width, &g1[2 * width]);     // worker 1, attention 0
  add(1, da, 3 * width, &g1[2 * width + da]);  // worker 1, attention 4
  ps::ServerShard by_hand = ShardOf(config, 5);
  by_hand.ApplyGradients(Keys(all_items, all_att), sum.data());

  const std::vector<std::int32_t> every_item = {0, 1, 2, 3, 4}, every_att = {0, 1, 2, 3, 4, 5};
  std::vector<float> a(5 * width + 6 * da), b(a.size()), initial(a.size());
  summed.ReadRows(Keys(every_item, every_att), a.data());
  by_hand.ReadRows(Keys(every_item, every_att), b.data());
  ShardOf(config, 5).ReadRows(Keys(every_item, every_att), initial.data());
  EXPECT_EQ(a, b);  // bitwise: the same sums in the same order
  // Untouched rows (item 2, attention rows 1-3, 5) keep their initial values; touched ones moved.
  for (int k = 0; k < width; ++k) EXPECT_EQ(a[2 * width + k], initial[2 * width + k]);
  EXPECT_NE(a[3 * width], initial[3 * width]);
  EXPECT_EQ(a[5 * width + da], initial[5 * width + da]);
}

TEST(ServerShard, AttentionMapsLearnAtTheirOwnRate) {
  TrainConfig config = SmallConfig();
  config.l2 = 0;
  config.lr = 0.01;
  config.model_options.Set("att_lr_scale", 0.1);
  const int width = config.dim + 1, da = AmpOptions::From(config.model_options).att_dim;
  const std::vector<std::int32_t> item = {0}, att = {0};
  std::vector<float> before(width + da), after(width + da), gradient(width + da, 1.0f);
  ps::ServerShard shard = ShardOf(config, 1);
  shard.ReadRows(Keys(item, att), before.data());
  shard.ApplyGradients(Keys(item, att), gradient.data());
  shard.ReadRows(Keys(item, att), after.data());
  // Adam's first step moves every coordinate by its learning rate against the gradient's sign.
  for (int k = 0; k < width; ++k) EXPECT_NEAR(before[k] - after[k], 0.01f, 1e-5f) << "item column " << k;
  for (int k = 0; k < da; ++k) EXPECT_NEAR(before[width + k] - after[width + k], 0.001f, 1e-6f) << "attention column " << k;
}

// --average-decay: the average is folded in at each swap, is what reads and SaveBest see while
// it is in, and the rows come back untouched when it is swapped out.
TEST(ServerShard, RunningAverageIsSwappedInAndKeptAsBest) {
  const TrainConfig config = SmallConfig();
  const int width = config.dim + 1;
  const std::vector<std::int32_t> item = {2};
  std::vector<float> gradient(width, 1.0f), first(width), second(width), read(width);
  ps::ServerShard shard = ShardOf(config, 5, 0.25);
  auto read_item = [&](std::vector<float>& out) { shard.ReadRows(0, item.data(), 1, out.data()); };
  shard.ApplyGradients(0, item.data(), 1, gradient.data());
  read_item(first);
  shard.SwapInAverage(/*restart=*/true);  // the first epoch: the average is the rows
  read_item(read);
  EXPECT_EQ(read, first);
  shard.SwapOutAverage();
  shard.ApplyGradients(0, item.data(), 1, gradient.data());
  read_item(second);
  ASSERT_NE(second, first);
  shard.SwapInAverage(/*restart=*/false);
  read_item(read);
  for (int k = 0; k < width; ++k) EXPECT_NEAR(read[k], 0.25f * first[k] + 0.75f * second[k], 1e-6f) << "column " << k;
  const std::vector<float> average = read;
  shard.SaveBest();
  shard.SwapOutAverage();
  read_item(read);
  EXPECT_EQ(read, second);
  shard.RestoreBest();
  read_item(read);
  EXPECT_EQ(read, average);
}

}  // namespace
}  // namespace ampcf
