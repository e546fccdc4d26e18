// worker/row_cache: bounded staleness on reads and writes of a worker's cached server rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "worker/row_cache.h"

namespace ampcf {
namespace {

using Keys = std::vector<std::int32_t>;
constexpr int kWidth = 2;

// Rows of `keys` whose values are the key and the step: what a pull for `step` would bring.
AlignedVector<float> RowsOf(const Keys& keys, std::int64_t step) {
  AlignedVector<float> rows;
  for (std::int32_t key : keys) {
    rows.push_back(static_cast<float>(key));
    rows.push_back(static_cast<float>(step));
  }
  return rows;
}

// Plans, stores and gathers step `step` at once (no pulls ahead); returns what it pulled and
// the step each row's copy was pulled for.
struct Ran {
  Keys pulled;
  std::vector<float> pulled_for;
};
Ran RunStep(RowCache& cache, const Keys& keys, std::int64_t step) {
  Ran ran;
  cache.Plan(keys, step, step, ran.pulled);
  cache.Store(ran.pulled, RowsOf(ran.pulled, step).data());
  AlignedVector<float> rows(keys.size() * kWidth);
  cache.Gather(keys, rows.data());
  for (std::size_t i = 0; i < keys.size(); ++i) ran.pulled_for.push_back(rows[i * kWidth + 1]);
  return ran;
}

TEST(RowCache, ACopyServesBoundSteps) {
  RowCache cache(kWidth, 10, 3);
  EXPECT_EQ(RunStep(cache, {2, 5}, 0).pulled, (Keys{2, 5}));
  EXPECT_EQ(RunStep(cache, {2, 5}, 1).pulled, Keys{});
  const Ran third = RunStep(cache, {2, 6}, 2);
  EXPECT_EQ(third.pulled, Keys{6});
  EXPECT_EQ(third.pulled_for, (std::vector<float>{0, 2}));
  EXPECT_EQ(RunStep(cache, {2, 6}, 3).pulled, Keys{2});  // 2's copy of step 0 served 0, 1, 2
}

TEST(RowCache, BoundOneIsNoCache) {
  RowCache cache(kWidth, 10, 1);
  for (int step = 0; step < 3; ++step) EXPECT_EQ(RunStep(cache, {1, 4}, step).pulled, (Keys{1, 4}));
}

TEST(RowCache, GradientsAreSummedAndPushedWithThePullThatRefreshesTheRow) {
  RowCache cache(kWidth, 10, 3);
  Keys keys;
  AlignedVector<float> sums;
  std::vector<std::int32_t> repeats;
  for (std::int64_t step = 0; step < 3; ++step) {
    RunStep(cache, {4}, step);
    const float gradient[kWidth] = {1.0f, 10.0f};
    cache.Accumulate({4}, gradient);
    if (step < 2) {
      cache.TakeDue(step, false, keys, sums, repeats);
      EXPECT_TRUE(keys.empty()) << step;  // kept back
    }
  }
  Keys pull;
  cache.Plan({4}, 3, 3, pull);  // step 3 needs a new copy: the sum goes with its pull
  EXPECT_EQ(pull, Keys{4});
  cache.TakeDue(2, false, keys, sums, repeats);
  EXPECT_EQ(keys, Keys{4});
  EXPECT_EQ(sums, (AlignedVector<float>{1.0f, 10.0f}));  // the mean of 3 steps
  EXPECT_EQ(repeats, std::vector<std::int32_t>{3});
  EXPECT_FALSE(cache.pending());
}

TEST(RowCache, AnExpiredCopysSumIsPushedAndTheRowLeaves) {
  RowCache cache(kWidth, 10, 2);
  RunStep(cache, {1, 7}, 0);
  const float gradients[2 * kWidth] = {1, 1, 2, 2};
  cache.Accumulate({1, 7}, gradients);
  Keys keys;
  AlignedVector<float> sums;
  std::vector<std::int32_t> repeats;
  cache.TakeDue(0, false, keys, sums, repeats);
  EXPECT_TRUE(keys.empty());
  RunStep(cache, {1}, 1);  // 7 is not read again
  cache.TakeDue(1, false, keys, sums, repeats);  // both copies (of step 0) expire after step 1
  EXPECT_EQ(keys, (Keys{1, 7}));
  EXPECT_EQ(sums, (AlignedVector<float>{1, 1, 2, 2}));
  EXPECT_EQ(repeats, (std::vector<std::int32_t>{1, 1}));
  EXPECT_EQ(cache.rows_held(), 0u);
}

TEST(RowCache, ABoundaryPushesEverySum) {
  RowCache cache(kWidth, 10, 8);
  RunStep(cache, {3, 9}, 0);
  const float gradients[2 * kWidth] = {1, 2, 3, 4};
  cache.Accumulate({3, 9}, gradients);
  Keys keys;
  AlignedVector<float> sums;
  std::vector<std::int32_t> repeats;
  cache.TakeDue(0, true, keys, sums, repeats);
  EXPECT_EQ(keys, (Keys{3, 9}));
  EXPECT_EQ(sums, (AlignedVector<float>{1, 2, 3, 4}));
  EXPECT_FALSE(cache.pending());
  cache.Clear();
  EXPECT_EQ(RunStep(cache, {3}, 1).pulled, Keys{3});  // cleared: pulled again
}

TEST(RowCache, StepsPlannedBeforeARefreshReadTheOlderCopy) {
  // Pulls two steps ahead: step 2 is planned (and its new copy of row 5 requested) before
  // step 1 runs, which must still read the copy pulled for step 0.
  RowCache cache(kWidth, 10, 2);
  Keys pull0, pull1, pull2;
  cache.Plan({5}, 0, 0, pull0);
  cache.Plan({5}, 1, 1, pull1);
  EXPECT_TRUE(pull1.empty());
  cache.Store(pull0, RowsOf(pull0, 0).data());
  AlignedVector<float> row(kWidth);
  cache.Gather({5}, row.data());
  EXPECT_EQ(row[1], 0);
  cache.Plan({5}, 2, 2, pull2);  // after step 0 ran
  EXPECT_EQ(pull2, Keys{5});
  cache.Gather({5}, row.data());  // step 1
  EXPECT_EQ(row[1], 0);
  cache.Store(pull2, RowsOf(pull2, 2).data());  // step 2
  cache.Gather({5}, row.data());
  EXPECT_EQ(row[1], 2);
}

TEST(RowCache, ARunIsServedByCopiesThatLastItsEveryStep) {
  RowCache cache(kWidth, 10, 3);
  Keys pull;
  cache.Plan({2}, 0, 0, pull);
  cache.Store(pull, RowsOf(pull, 0).data());
  cache.Plan({2, 7}, 1, 2, pull);  // the copy of step 0 serves steps 1 and 2
  EXPECT_EQ(pull, Keys{7});
  // 2's copy (step 0) does not serve step 3; 7's (step 1) serves 3 but not 4: both are pulled
  // for the run, else step 4 would read a copy older than the bound.
  cache.Plan({2, 7}, 3, 4, pull);
  EXPECT_EQ(pull, (Keys{2, 7}));
  cache.Plan({2, 7}, 5, 5, pull);
  EXPECT_EQ(pull, Keys{});  // copies pulled for step 3 serve 3 .. 5
}

// Against a simulated server over many random steps in runs of `run` steps, each run planned
// `ahead` runs before it starts and sent at the end of the run before (worker/step_pipeline.h),
// with boundaries at random steps: every row a step reads is at most bound - 1 + (ahead - 1) run
// steps old, every step's gradient reaches the server exactly once (the repeat counts add up),
// and none waits more than bound + (ahead + 1) run - 2 steps.
TEST(RowCache, RandomStepsKeepTheBoundsAndLoseNoGradient) {
  for (int bound : {1, 2, 5}) {
    for (int ahead : {1, 2, 3}) {
      for (int run = 1; run <= std::min(bound, 3); ++run) {
        const std::string label = "bound " + std::to_string(bound) + ", ahead " + std::to_string(ahead) + ", run " +
                                  std::to_string(run);
        constexpr std::int32_t kRows = 40;
        constexpr std::int64_t kSteps = 300;
        RowCache cache(1, kRows, bound);
        std::mt19937 rng(bound * 100 + ahead * 10 + run);
        std::vector<Keys> keys(kSteps);
        for (Keys& k : keys) {
          for (std::int32_t r = 0; r < kRows; ++r)
            if (rng() % 4 == 0) k.push_back(r);
        }
        std::vector<double> server(kRows, 0.0), sent(kRows, 0.0);
        std::vector<std::int64_t> oldest_unsent(kRows, -1);
        std::map<std::int64_t, std::pair<Keys, AlignedVector<float>>> in_flight;  // run's first step -> pulled rows
        // A pulled row holds (as its value) the step it was requested at, to measure its age.
        std::int64_t planned = 0;  // steps planned
        auto plan = [&](std::int64_t now) {
          const std::int64_t first = planned, last = std::min(first + run, kSteps) - 1;
          Keys read, pull;
          for (std::int64_t s = first; s <= last; ++s) read.insert(read.end(), keys[s].begin(), keys[s].end());
          std::sort(read.begin(), read.end());
          read.erase(std::unique(read.begin(), read.end()), read.end());
          cache.Plan(read, first, last, pull);
          const AlignedVector<float> rows(pull.size(), static_cast<float>(now));
          in_flight[first] = {pull, rows};
          planned = last + 1;
        };
        auto take_due = [&](std::int64_t step, bool all) {
          Keys due;
          AlignedVector<float> means;
          std::vector<std::int32_t> repeats;
          cache.TakeDue(step, all, due, means, repeats);
          EXPECT_TRUE(std::is_sorted(due.begin(), due.end()));
          for (std::size_t i = 0; i < due.size(); ++i) {
            EXPECT_EQ(means[i], 1.0f);
            server[due[i]] += repeats[i];
            oldest_unsent[due[i]] = -1;
          }
        };
        for (int r = 0; r < ahead && planned < kSteps; ++r) plan(0);
        for (std::int64_t step = 0; step < kSteps; ++step) {
          const bool first_of_run = step % run == 0, last_of_run = step % run == run - 1 || step + 1 == kSteps;
          if (first_of_run) {
            auto& [pulled, rows] = in_flight[step];
            cache.Store(pulled, rows.data());
            in_flight.erase(step);
          }
          AlignedVector<float> read(keys[step].size());
          cache.Gather(keys[step], read.data());
          for (float requested_at : read) EXPECT_LE(step - requested_at, bound - 1 + (ahead - 1) * run) << label;
          AlignedVector<float> gradients(keys[step].size(), 1.0f);
          cache.Accumulate(keys[step], gradients.data());
          for (std::int32_t r : keys[step]) {
            sent[r] += 1;
            if (oldest_unsent[r] < 0) oldest_unsent[r] = step;
          }
          const bool boundary = step + 1 == kSteps || rng() % 16 == 0;
          if (last_of_run) {
            if (planned < kSteps) plan(step + 1);
            take_due(step, boundary);
          } else if (boundary) {
            take_due(step, true);
          }
          for (std::int32_t r = 0; r < kRows; ++r)
            if (oldest_unsent[r] >= 0) {
              EXPECT_LE(step - oldest_unsent[r], bound + (ahead + 1) * run - 2) << label;
            }
          EXPECT_LE(cache.rows_held(), static_cast<std::size_t>(kRows));
        }
        EXPECT_EQ(server, sent) << label;
        EXPECT_FALSE(cache.pending());
      }
    }
  }
}

}  // namespace
}  // namespace ampcf
