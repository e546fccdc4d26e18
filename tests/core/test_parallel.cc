// The compute threads (core/parallel.h): every task runs once, on as many threads as asked.
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "core/parallel.h"

namespace ampcf {
namespace {

TEST(Parallel, RunsEveryTaskOnce) {
  for (int threads : {1, 2, 5}) {
    SetComputeThreads(threads);
    std::vector<std::atomic<int>> runs(37);
    ParallelFor(37, [&](int i) { ++runs[i]; });
    for (int i = 0; i < 37; ++i) EXPECT_EQ(runs[i].load(), 1) << i << " on " << threads << " threads";
    ParallelFor(0, [&](int) { ADD_FAILURE() << "a task of none"; });
  }
  SetComputeThreads(1);
}

TEST(Parallel, TasksCoverTheItems) {
  EXPECT_EQ(TaskCount(0, 64), 0);
  EXPECT_EQ(TaskCount(130, 64), 3);
  EXPECT_EQ(TaskItems(2, 130, 64).begin, 128);
  EXPECT_EQ(TaskItems(2, 130, 64).end, 130);
}

TEST(Parallel, DefaultSharesTheCoresAmongRanks) {
  const int alone = DefaultComputeThreads(1);
  EXPECT_GE(alone, 1);
  EXPECT_EQ(DefaultComputeThreads(alone * 4), 1);
  EXPECT_EQ(DefaultComputeThreads(0), alone);
}

TEST(Parallel, ALimitCapsTheThreads) {
  SetComputeThreads(3);
  LimitComputeThreads(2);
  EXPECT_EQ(ComputeThreads(), 2);
  SetComputeThreads(4);
  EXPECT_EQ(ComputeThreads(), 2);
  LimitComputeThreads(1 << 16);  // as before the test
  SetComputeThreads(1);
  EXPECT_EQ(ComputeThreads(), 1);
}

}  // namespace
}  // namespace ampcf
