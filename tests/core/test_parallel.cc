// The compute threads (core/parallel.h): every task runs once, on as many threads as asked, job
// after job; a task's exception comes back to the caller.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
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

// Many short jobs back to back, as a step's phases run: a helper late for one job must not
// run a task of the next with the old job's function.
TEST(Parallel, BackToBackJobsRunEachTaskOnce) {
  SetComputeThreads(3);
  std::vector<int> runs(7);  // written by one task each, read after the job
  for (int job = 0; job < 20000; ++job) {
    const int n = 1 + job % 7;
    ParallelFor(n, [&](int i) { runs[i] = job; });
    for (int i = 0; i < n; ++i) ASSERT_EQ(runs[i], job) << "task " << i << " of job " << job;
  }
  SetComputeThreads(1);
}

TEST(Parallel, TheLowestThrowingTasksExceptionIsRethrownAfterEveryTaskRan) {
  for (int threads : {1, 2}) {
    SetComputeThreads(threads);
    std::atomic<int> ran = 0;
    try {
      ParallelFor(16, [&](int i) {
        ++ran;
        if (i == 3 || i == 9) throw std::runtime_error("task " + std::to_string(i));
      });
      ADD_FAILURE() << "no exception on " << threads << " threads";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "task 3") << threads << " threads";
    }
    EXPECT_EQ(ran.load(), 16) << threads << " threads";
  }
  SetComputeThreads(1);
}

// Helpers with nothing to do sleep; the next job wakes them.
TEST(Parallel, AJobAfterAnIdleSpellRuns) {
  SetComputeThreads(2);
  std::vector<std::atomic<int>> runs(8);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ParallelFor(8, [&](int i) { ++runs[i]; });
  for (int i = 0; i < 8; ++i) EXPECT_EQ(runs[i].load(), 1) << i;
  SetComputeThreads(1);
}

// A helper started by SetComputeThreads takes part in the very next job, even when that job is
// published before the helper first runs.
TEST(Parallel, TheFirstJobAfterNewThreadsRunsOnThemAll) {
  for (int round = 0; round < 10; ++round) {
    SetComputeThreads(1);
    SetComputeThreads(2);
    std::atomic<int> started{0}, finished{0};
    std::atomic<bool> together{false};
    ParallelFor(2, [&](int) {
      started.fetch_add(1);
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (started.load() < 2 && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
      if (started.load() == 2 && finished.load() == 0) together = true;  // both tasks running at once
      finished.fetch_add(1);
    });
    EXPECT_TRUE(together.load()) << "round " << round << ": one thread ran both tasks";
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
