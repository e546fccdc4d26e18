// A rank's compute threads: the work of one step split into tasks that run on them (OpenMP where
// the build has it, else one thread). Only the main thread calls MPI (MPI_THREAD_FUNNELED).
//
// Contract of ParallelFor(n, task): task(i) runs once for every i in [0, n), on any thread and in
// any order, and must write only outputs no other task writes or reads. Split work into a number
// of tasks that does not depend on the thread count: each output is then computed by the same
// operations in the same order whatever the thread count, and results are bitwise the same with
// one thread or many (--deterministic relies on it). A task must not call MPI (nor AbortJob); an
// exception a task throws is rethrown by ParallelFor once every task has run.
#pragma once

#include <algorithm>
#include <exception>
#include <mutex>

// Eigen must not start threads of its own inside a task (nor split a product differently by
// thread count): the build defines EIGEN_DONT_PARALLELIZE.
#if defined(_OPENMP) && !defined(EIGEN_DONT_PARALLELIZE)
#error "core/parallel.h needs EIGEN_DONT_PARALLELIZE"
#endif

namespace ampcf {

// The threads ParallelFor uses, >= 1 (default 1). Sets the floating-point mode of
// core/process_setup.h on every thread.
void SetComputeThreads(int threads);
int ComputeThreads();
// From now on SetComputeThreads grants at most `most` (main: 1 when the MPI library does not
// allow threads beside the one that calls it, a level below MPI_THREAD_FUNNELED).
void LimitComputeThreads(int most);
// The cores this process may run on (its CPU affinity), divided among `ranks_here` ranks that
// share them: the default of --threads.
int DefaultComputeThreads(int ranks_here);

template <typename Task>
void ParallelFor(int n, Task&& task) {
#ifdef _OPENMP
  const int threads = std::min(n, ComputeThreads());
  if (threads > 1) {
    std::exception_ptr error;
    std::mutex error_mutex;
    // Dynamic: a thread the machine delays does not hold back tasks another could take.
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int i = 0; i < n; ++i) {
      try {
        task(i);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
    return;
  }
#endif
  for (int i = 0; i < n; ++i) task(i);
}

// The number of tasks of `size` items each that cover `n` items, and task i's items [begin, end).
inline int TaskCount(int n, int size) { return (n + size - 1) / size; }
struct TaskRange {
  int begin, end;
};
inline TaskRange TaskItems(int i, int n, int size) { return {i * size, std::min(n, (i + 1) * size)}; }

// ParallelFor over `n` items in tasks of `size` each: task(TaskRange) once per task.
template <typename Task>
void ParallelForBlocks(int n, int size, Task&& task) {
  ParallelFor(TaskCount(n, size), [&](int i) { task(TaskItems(i, n, size)); });
}

}  // namespace ampcf
