// What a rank spends on communication and computation, counted where it happens: every
// point-to-point message in core/mpi_chunked.cc (which carries all parameter-server traffic),
// every wait for a peer in core/peer_wait.cc, compute time by the worker's step and the server's
// handling, and the time pulls wait on a server for their clock. Read per epoch into
// metrics.jsonl (one object per rank) and docs/scale-out.md's cost model is checked against them.
// Collectives (a few scalars per step) are not counted as bytes; their waits are.
#pragma once

#include <array>
#include <chrono>

namespace ampcf {

struct RankCounters {
  double bytes_out = 0, bytes_in = 0, messages_out = 0, messages_in = 0;
  double compute_seconds = 0;  // a worker's steps less their waits; a server handling messages
  double blocked_seconds = 0;  // waiting for a peer (core/peer_wait.h; a server: for a push something waits on)
  double queue_seconds = 0;    // a server: pulls waiting for their clock, summed over pulls
  double kernel_seconds = 0;   // a worker: in the model's forward and backward pass (part of compute)

  static constexpr int kFields = 8;
  std::array<double, kFields> ToArray() const {
    return {bytes_out, bytes_in, messages_out, messages_in, compute_seconds, blocked_seconds, queue_seconds, kernel_seconds};
  }
  static RankCounters FromArray(const double* v) { return {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]}; }
  RankCounters operator-(const RankCounters& o) const {
    return {bytes_out - o.bytes_out,         bytes_in - o.bytes_in,
            messages_out - o.messages_out,   messages_in - o.messages_in,
            compute_seconds - o.compute_seconds, blocked_seconds - o.blocked_seconds,
            queue_seconds - o.queue_seconds, kernel_seconds - o.kernel_seconds};
  }
};

// This rank's counters since the process started (one thread touches them: MPI_THREAD_FUNNELED).
RankCounters& Counters();

// Adds the seconds of its lifetime to a counter (`Counters().compute_seconds`, say).
class CountSeconds {
 public:
  explicit CountSeconds(double& counter) : counter_(counter), start_(std::chrono::steady_clock::now()) {}
  ~CountSeconds() { counter_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
  CountSeconds(const CountSeconds&) = delete;
  CountSeconds& operator=(const CountSeconds&) = delete;

 private:
  double& counter_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace ampcf
