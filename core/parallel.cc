#include "core/parallel.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/process_setup.h"

namespace ampcf {

namespace {

// The compute threads' pool. Why not OpenMP: libgomp's threads spin at a region's end without
// giving up their core, and a step has several short regions. With another busy process on
// the node, a thread spinning there holds a core the thread it waits for needs: a rank on 2
// threads beside one busy process trained at 0.26-0.6x of one thread (docs/scale-out.md, "Threads
// in a rank"). Here a waiting thread spins briefly, then yields its core at every turn, and a
// helper with nothing to do for kIdleSpin sleeps until the next job.
//
// A job is published in `claim_`: its generation in the high 32 bits, its next unclaimed task
// in the low 32. A thread claims task i by a compare-and-swap of (generation, i) to
// (generation, i + 1). Jobs alternate between two slots, so the next job's function and task
// count are written to the other slot. A late helper that saw generation g reads g's count, or,
// once g + 2 reuses the slot, g + 2's: that write follows the publication of g + 1, and the
// count is read with acquire, so the helper's swap then sees g + 1 or later and fails. A
// successful swap claims a task of g, which cannot end before it, so the slot still holds g's
// function. Generations wrap at 2^32: a helper would have to sleep through 2^32 jobs to err.
class TaskPool {
 public:
  ~TaskPool() { Resize(0); }

  void Resize(int helpers) {
    if (static_cast<int>(helpers_.size()) == helpers) return;
    stop_.store(true);
    Wake();
    for (std::thread& helper : helpers_) helper.join();
    helpers_.clear();
    stop_.store(false);
    // A helper waits for the jobs after the last one published here, not after the one it sees
    // when it starts: a job published before then would wait for the caller alone.
    const std::uint64_t seen = GenerationOf(claim_.load());
    for (int h = 0; h < helpers; ++h) helpers_.emplace_back([this, seen] { HelperLoop(seen); });
  }

  void Run(int n, void* context, void (*run)(void*, int)) {
    AMPCF_ASSERT(n > 0 && n < (1 << 30), n, " tasks");
    const std::uint64_t generation = (GenerationOf(claim_.load()) + 1) & 0xffffffffu;
    Job& job = jobs_[generation & 1];
    job.context.store(context, std::memory_order_release);
    job.run.store(run, std::memory_order_release);
    job.tasks.store(n, std::memory_order_release);
    unfinished_.store(n, std::memory_order_relaxed);
    claim_.store(generation << 32);  // publishes the job (sequentially consistent: see Sleep)
    if (sleeping_.load() > 0) Wake();
    Work(generation);
    for (int turn = 0; unfinished_.load(std::memory_order_acquire) > 0; ++turn) Pause(turn);
  }

 private:
  static constexpr auto kIdleSpin = std::chrono::microseconds(2000);

  // A turn of a wait: the first kBusyTurns only pause the core (a task or a job is usually a
  // few microseconds away, and a system call costs about one), the others yield it.
  static constexpr int kBusyTurns = 512;
  static void Pause(int turn) {
    if (turn >= kBusyTurns) {
      std::this_thread::yield();
      return;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  static std::uint64_t GenerationOf(std::uint64_t claim) { return claim >> 32; }

  // Claims and runs tasks of job `generation` until none is left to claim.
  void Work(std::uint64_t generation) {
    std::uint64_t claim = claim_.load(std::memory_order_acquire);
    const Job& job = jobs_[generation & 1];
    while (GenerationOf(claim) == generation) {
      const auto task = static_cast<int>(claim & 0xffffffffu);
      if (task >= job.tasks.load(std::memory_order_acquire)) return;
      if (claim_.compare_exchange_weak(claim, claim + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        // The job cannot end before this task does, so the slot still holds its function.
        job.run.load(std::memory_order_acquire)(job.context.load(std::memory_order_acquire), task);
        unfinished_.fetch_sub(1, std::memory_order_release);
        claim = claim_.load(std::memory_order_acquire);
      }
    }
  }

  void HelperLoop(std::uint64_t seen) {
    SetFloatingPointMode();
    while (true) {
      const auto spin_end = std::chrono::steady_clock::now() + kIdleSpin;
      for (int turn = 0; GenerationOf(claim_.load(std::memory_order_acquire)) == seen && !stop_.load(); ++turn) {
        if (turn % 16 == 15 && std::chrono::steady_clock::now() > spin_end) {
          Sleep(seen);
          break;
        }
        Pause(turn);
      }
      if (stop_.load()) return;
      seen = GenerationOf(claim_.load(std::memory_order_acquire));
      Work(seen);
    }
  }

  // Sleeps until a job after `seen` or a stop. Run and Resize store before they read
  // `sleeping_`, this reads after it stores (all sequentially consistent), so either it sees
  // their store or they see it asleep and wake it.
  void Sleep(std::uint64_t seen) {
    const std::uint32_t wake = wake_.load();
    sleeping_.fetch_add(1);
    while (GenerationOf(claim_.load()) == seen && !stop_.load() && wake_.load() == wake) wake_.wait(wake);
    sleeping_.fetch_sub(1);
  }

  void Wake() {
    wake_.fetch_add(1);
    wake_.notify_all();
  }

  struct Job {
    std::atomic<void*> context{nullptr};
    std::atomic<void (*)(void*, int)> run{nullptr};
    std::atomic<int> tasks{0};
  };

  // Each task swaps claim_ and decrements unfinished_: each has a cache line of its own, away
  // from the fields every thread reads.
  alignas(64) std::atomic<std::uint64_t> claim_{0};
  alignas(64) std::atomic<int> unfinished_{0};
  alignas(64) Job jobs_[2];
  std::atomic<bool> stop_{false};
  std::atomic<std::uint32_t> wake_{0};
  std::atomic<int> sleeping_{0};
  std::vector<std::thread> helpers_;
};

TaskPool& Pool() {
  static TaskPool pool;
  return pool;
}

int compute_threads = 1;
int most_threads = 1 << 16;

}  // namespace

void SetComputeThreads(int threads) {
  AMPCF_ASSERT(threads >= 1, threads, " compute threads");
  compute_threads = std::min(threads, most_threads);
  Pool().Resize(compute_threads - 1);
}

int ComputeThreads() { return compute_threads; }

void LimitComputeThreads(int most) {
  AMPCF_ASSERT(most >= 1, most, " compute threads at most");
  most_threads = most;
  if (compute_threads > most) SetComputeThreads(most);
}

int DefaultComputeThreads(int ranks_here) {
  cpu_set_t cores;
  const int available = sched_getaffinity(0, sizeof cores, &cores) == 0 ? CPU_COUNT(&cores) : 1;
  return std::max(1, available / std::max(1, ranks_here));
}

namespace detail {
void RunTasks(int n, void* context, void (*run)(void* context, int i)) { Pool().Run(n, context, run); }
}  // namespace detail

}  // namespace ampcf
