// A rank's compute threads: the work of one step split into tasks that run on them. Only the
// main thread calls MPI (MPI_THREAD_FUNNELED).
//
// Contract of ParallelFor(n, task): task(i) runs once for every i in [0, n), on any thread and in
// any order, and must write only outputs no other task writes or reads. Split work into a number
// of tasks that does not depend on the thread count: each output is then computed by the same
// operations in the same order whatever the thread count, and results are bitwise the same with
// one thread or many (--deterministic relies on it). A task must not call MPI (nor AbortJob), nor
// ParallelFor. Once every task has run, ParallelFor rethrows the exception of the lowest task
// that threw, if any. ParallelFor is called from the main thread only.
#pragma once

#include <algorithm>
#include <exception>
#include <mutex>

// Eigen must not start threads of its own inside a task (nor split a product differently by
// thread count).
#ifndef EIGEN_DONT_PARALLELIZE
#error "core/parallel.h needs EIGEN_DONT_PARALLELIZE"
#endif

namespace ampcf {

// The threads ParallelFor uses, >= 1 (default 1): the calling thread and threads - 1 helpers,
// started here, which inherit its floating-point mode (core/process_setup.h).
void SetComputeThreads(int threads);
int ComputeThreads();
// From now on SetComputeThreads grants at most `most` (main: 1 when the MPI library does not
// allow threads beside the one that calls it, a level below MPI_THREAD_FUNNELED).
void LimitComputeThreads(int most);
// The cores this process may run on (its CPU affinity), divided among `ranks_here` ranks that
// share them: the default of --threads.
int DefaultComputeThreads(int ranks_here);

namespace detail {
// Runs run(context, i) for every i in [0, n) on the compute threads, the caller among them, and
// returns when every call has returned. run must not throw.
void RunTasks(int n, void* context, void (*run)(void* context, int i));
}  // namespace detail

template <typename Task>
void ParallelFor(int n, Task&& task) {
  if (n <= 0) return;
  struct Context {
    Task& task;
    std::exception_ptr error;
    int error_task;
    std::mutex error_mutex;
  } context{task, nullptr, n, {}};
  auto run = [](void* raw, int i) {
    auto& c = *static_cast<Context*>(raw);
    try {
      c.task(i);
    } catch (...) {
      std::lock_guard lock(c.error_mutex);
      if (i < c.error_task) {
        c.error = std::current_exception();
        c.error_task = i;
      }
    }
  };
  if (ComputeThreads() == 1 || n == 1) {
    for (int i = 0; i < n; ++i) run(&context, i);
  } else {
    detail::RunTasks(n, &context, run);
  }
  if (context.error) std::rethrow_exception(context.error);
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
