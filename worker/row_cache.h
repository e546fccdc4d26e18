// A worker's cache of one server table's rows, with bounded staleness on reads and writes
// (after HET, Miao et al., VLDB 2022: per-row clocks, gradients summed locally and flushed at
// the bound). A row pulled for step p serves steps p .. p+k-1 (k = `bound`). Its gradients are
// summed here and pushed
//   (a) with the message that pulls it again, so that the new copy holds this worker's writes,
//   (b) when its copy expires (k steps after the pull, so at most k steps after the gradient),
//   (c) all together at a boundary (an epoch's end, a possible checkpoint or stop).
// Steps are planned in increasing order, up to D steps ahead of the step that runs (D pulls in
// flight). A copy pulled for step p is written when step p starts; steps before p may still
// read the older copy, which they were planned with.
//
// Memory: one int per table row (where its copy is) and two rows of floats (the copy and the
// gradient sum) per row held. A row leaves once its copy has expired and its sum is pushed, so
// the rows held are those read in the last k + D S steps (D runs of S steps planned ahead),
// however large the table.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "core/eigen_types.h"

namespace ampcf {

class RowCache {
 public:
  // `n_rows`: the table's rows (keys are 0 .. n_rows-1); `bound` k >= 1.
  RowCache(int width, std::int64_t n_rows, int bound);

  int width() const { return width_; }
  // Rows held now.
  std::size_t rows_held() const { return slot_row_.size() - free_slots_.size(); }
  // Forgets every copy (the servers' rows may have changed meanwhile: an epoch's start).
  // Requires no gradient pending (the last step before was a boundary).
  void Clear();

  // Plans the run of steps first_step .. last_step (after every earlier step was planned;
  // last_step - first_step < k), whose steps together read `keys` (sorted, unique): sets `pull`
  // to those whose copy will not serve every step of the run, in order; they are pulled for
  // first_step. Their pending gradients are due in the next TakeDue (a).
  void Plan(const std::vector<std::int32_t>& keys, std::int64_t first_step, std::int64_t last_step,
            std::vector<std::int32_t>& pull);
  // A run's first step starts: the rows of its plan's `pull` arrived (in key order).
  void Store(const std::vector<std::int32_t>& pulled, const float* rows);
  // The copies of `keys` (planned for the step that runs) into `out`, in key order.
  void Gather(const std::vector<std::int32_t>& keys, float* out) const;
  // Adds the running step's gradients of `keys` (in key order) to their sums.
  void Accumulate(const std::vector<std::int32_t>& keys, const float* gradients);
  // After step `step` ran (the last of its run, or any step with `all`; the next run was planned):
  // the gradients to push now, (a), (b)
  // or every one (`all`: (c)), as sorted keys, the mean of each row's gradients and the number of
  // steps it is the mean of (the server applies that many Adam steps: ps/protocol.h). The sums
  // taken start again from zero; expired copies with nothing pending leave the cache.
  void TakeDue(std::int64_t step, bool all, std::vector<std::int32_t>& keys, AlignedVector<float>& means,
               std::vector<std::int32_t>& repeats);
  // Whether any gradient is pending.
  bool pending() const { return n_pending_ > 0; }

 private:
  static constexpr std::int32_t kNone = -1;
  std::int32_t SlotFor(std::int32_t row);  // the row's slot, allocated if it has none
  void Release(std::int32_t row);
  bool Expired(std::int32_t slot, std::int64_t after_step) const { return pulled_for_[slot] + bound_ <= after_step + 1; }

  int width_, bound_;
  std::vector<std::int32_t> slot_of_;  // per table row: its slot, or kNone
  // Per slot:
  std::vector<std::int32_t> slot_row_;  // the row it holds (kNone: free)
  std::vector<std::int64_t> pulled_for_;
  std::vector<char> has_pending_, due_;
  std::vector<std::int32_t> summed_;  // steps in the sum
  AlignedVector<float> copies_, sums_;
  std::vector<std::int32_t> free_slots_;
  std::vector<std::int32_t> pending_rows_;  // rows with a sum (may hold some whose sum was taken)
  std::vector<std::int32_t> due_rows_;      // rows marked by Plan, (a)
  struct Expiry {
    std::int64_t pulled_for;
    std::int32_t row;
  };
  std::deque<Expiry> expiries_;  // by pulled_for, ascending
  std::int64_t n_pending_ = 0;
};

}  // namespace ampcf
