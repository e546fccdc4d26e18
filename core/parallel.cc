#include "core/parallel.h"

#include <sched.h>

#include "core/error.h"
#include "core/process_setup.h"

namespace ampcf {

namespace {
int compute_threads = 1;
}  // namespace

void SetComputeThreads(int threads) {
  AMPCF_ASSERT(threads >= 1, threads, " compute threads");
  compute_threads = threads;
  // New threads inherit the creating thread's floating-point mode, but a runtime may have made
  // its threads before: set it on each.
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
  SetFloatingPointMode();
#endif
}

int ComputeThreads() { return compute_threads; }

int DefaultComputeThreads(int ranks_here) {
  cpu_set_t cores;
  const int available = sched_getaffinity(0, sizeof cores, &cores) == 0 ? CPU_COUNT(&cores) : 1;
  return std::max(1, available / std::max(1, ranks_here));
}

}  // namespace ampcf
