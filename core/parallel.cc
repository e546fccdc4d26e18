#include "core/parallel.h"

#include <sched.h>

#include <algorithm>

#include "core/error.h"
#include "core/process_setup.h"

namespace ampcf {

namespace {
int compute_threads = 1;
int most_threads = 1 << 16;
}  // namespace

void SetComputeThreads(int threads) {
  AMPCF_ASSERT(threads >= 1, threads, " compute threads");
  threads = std::min(threads, most_threads);
  compute_threads = threads;
  // New threads inherit the creating thread's floating-point mode, but a runtime may have made
  // its threads before: set it on each.
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
  SetFloatingPointMode();
#endif
}

int ComputeThreads() { return compute_threads; }

void LimitComputeThreads(int most) {
  AMPCF_ASSERT(most >= 1, most, " compute threads at most");
  most_threads = most;
  compute_threads = std::min(compute_threads, most);
}

int DefaultComputeThreads(int ranks_here) {
  cpu_set_t cores;
  const int available = sched_getaffinity(0, sizeof cores, &cores) == 0 ? CPU_COUNT(&cores) : 1;
  return std::max(1, available / std::max(1, ranks_here));
}

}  // namespace ampcf
