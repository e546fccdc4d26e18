// A worker's training steps as a pipeline: build a step's batch, pull the rows it reads, compute
// its gradients, update its users' rows, and push. One message per server per step carries a
// step's push together with the pull of the step `pulls_in_flight` ahead (ps/protocol.h:
// kPushPull), whose reply flows while the steps between compute. With `cache_steps` k > 1 the
// server rows go through a RowCache (worker/row_cache.h): a row is pulled once per k steps and
// its gradients pushed as sums.
// The pipeline writes nothing of the run's coordination (stops, checkpoints: worker/run_coordinator.h):
// the caller says which steps are boundaries, after which nothing is kept back.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/eigen_types.h"
#include "models/model.h"
#include "ps/servers.h"
#include "tables/row_table.h"
#include "worker/batch_builder.h"
#include "worker/row_cache.h"

namespace ampcf {

struct PipelineOptions {
  int pulls_in_flight = 1;  // D >= 1: the pull of step t + D leaves with step t's push
  int cache_steps = 1;      // k >= 1: 1 pulls and pushes every row of every step
  int staleness = 0;        // ps/protocol.h: a pull of step p waits for clock p - s (-1: none)
};

// What one step computed: its batch's size and statistics (loss is the mean per positive).
struct StepResult {
  int positives = 0;
  BatchStats stats;
};

class StepPipeline {
 public:
  // Everything passed must outlive the pipeline. `user_rows_trained`: the user table is updated
  // by each step (else its rows are made from the users' items, and read only).
  StepPipeline(Model& model, ps::Servers& servers, BatchBuilder& builder, RowTable& user_table, bool user_rows_trained,
               const PipelineOptions& options);

  // Begins steps [first_step, steps) of `epoch`, the first at `clock` (steps completed so far):
  // the pulls of the first D steps leave. Nothing may be in flight or kept back.
  void StartEpoch(int epoch, std::int64_t first_step, std::int64_t steps, std::int64_t clock);
  // Runs the next step: its rows (waiting for its pull), forward/backward, the users' update,
  // and the message that pushes its gradients (clock + 1) with the pull of a later step.
  // `boundary`: every gradient kept back goes with this push (the caller may checkpoint, stop or
  // end the epoch after it). `check_loss` is called with the step's result before anything of
  // the step leaves (a non-finite loss must not reach the servers).
  template <typename CheckLoss>
  StepResult RunStep(bool boundary, CheckLoss&& check_loss) {
    StepResult result = Compute();
    check_loss(result);
    Finish(boundary);
    return result;
  }
  // Takes the replies of the pulls still in flight (after a stop within an epoch).
  void Drain();
  std::int64_t clock() const { return clock_; }
  std::int64_t next_step() const { return next_step_; }

 private:
  // A step planned: its batch, the keys it reads and the keys (and rows) its pull brings.
  struct Planned {
    std::int64_t step = 0, clock = 0;  // clock: steps completed when it runs
    Batch batch;
    ps::TableKeys keys, pulled;
    std::vector<AlignedVector<float>> pulled_rows;
    AlignedVector<float> user_rows;  // rows made from the users' items (not trained): gathered once
    bool pulling = false;
  };

  StepResult Compute();
  void Finish(bool boundary);
  // Builds the batch of the next step to plan and decides what its pull brings.
  Planned& PlanNext();
  Planned& slot(std::int64_t step) { return ring_[static_cast<std::size_t>(step % static_cast<std::int64_t>(ring_.size()))]; }
  // The clock every worker must have pushed before a step at `step_clock` reads the servers.
  std::int64_t RequiredClock(std::int64_t step_clock) const;
  bool cached(std::size_t table) const { return caches_[table] != nullptr; }

  Model& model_;
  ps::Servers& servers_;
  BatchBuilder& builder_;
  RowTable& user_table_;
  bool user_rows_trained_;
  PipelineOptions options_;
  std::vector<int> widths_;                        // per server table
  std::vector<std::unique_ptr<RowCache>> caches_;  // per server table (null: not cached)
  // Steps planned and not yet run, by step % (D + 1): [next_step_, plan_next_).
  std::vector<Planned> ring_;
  int epoch_ = 0;
  std::int64_t first_step_ = 0, first_clock_ = 0, next_step_ = 0, plan_next_ = 0, steps_ = 0, clock_ = 0;
  // The running step's rows (cached tables: gathered from the cache) and gradients.
  std::vector<AlignedVector<float>> step_rows_;
  std::vector<const float*> rows_, gradients_;
  AlignedVector<float> user_rows_;
  const float* user_gradients_ = nullptr;
  // The push being built.
  ps::TableKeys push_keys_;
  std::vector<AlignedVector<float>> push_means_;
  std::vector<std::vector<std::int32_t>> push_repeats_;
};

}  // namespace ampcf
