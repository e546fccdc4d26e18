// A worker's training steps as a pipeline: build a step's batch, pull the rows it reads, compute
// its gradients, update its users' rows, and push. Steps go in runs of `steps_per_message` S: one
// message per server per run carries the run's pushes together with the pull of the run
// `pulls_in_flight` runs ahead (ps/protocol.h: kPushPull), whose reply flows while the runs
// between compute. With `cache_steps` k > 1 the server rows go through a RowCache
// (worker/row_cache.h): a row is pulled once per k steps and its gradients pushed as sums; a run's
// pull brings every row its steps read that no copy serves, planned at its first step (so S <= k:
// a copy serves each step of the run it was pulled for).
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
  int pulls_in_flight = 1;    // D >= 1: the pull of run r + D leaves with run r's push
  int cache_steps = 1;        // k >= 1: 1 pulls and pushes every row of every step
  int steps_per_message = 1;  // S: 1 <= S <= k, and S = 1 without a cache (k = 1)
  int staleness = 0;          // ps/protocol.h: a pull of step p waits for clock p - s (-1: none); (D - 1) S <= s
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
  // the pulls of the first D runs leave. Nothing may be in flight or kept back.
  void StartEpoch(int epoch, std::int64_t first_step, std::int64_t steps, std::int64_t clock);
  // Runs the next step: its rows (waiting for its run's pull), forward/backward and the users'
  // update. The last step of a run sends the message that pushes the run's gradients (clock:
  // steps completed) with the pull of a later run. `boundary`: a message leaves after this step
  // too, with every gradient kept back (the caller may checkpoint, stop or end the epoch after it). `check_loss` is called with the step's result before anything of
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
  // A run of steps [first_step, end_step) planned: per step its batch and the keys it reads (and,
  // when not trained, the rows made from its users' items: gathered once); the keys and rows of
  // the run's pull.
  struct Planned {
    std::int64_t first_step = 0, end_step = 0, clock = 0;  // clock: steps completed when the first runs
    std::vector<Batch> batches;
    std::vector<ps::TableKeys> keys;
    std::vector<AlignedVector<float>> user_rows;
    ps::TableKeys pulled;
    std::vector<AlignedVector<float>> pulled_rows;
    bool pulling = false;
  };

  StepResult Compute();
  void Finish(bool boundary);
  // Builds the batches of the next run to plan and decides what its pull brings.
  Planned& PlanNext();
  // The keys of server table `table` that any step of the run reads, sorted and unique (each
  // step's are): a one-step run's own, else a union in run_keys_.
  const std::vector<std::int32_t>& RunKeys(const Planned& p, std::size_t table);
  // Waits for the run's pull reply, if it is still in flight, into p.pulled_rows.
  void TakeReply(Planned& p);
  // The run of `step`.
  Planned& slot(std::int64_t step) {
    const std::int64_t run = (step - first_step_) / options_.steps_per_message;
    return ring_[static_cast<std::size_t>(run % static_cast<std::int64_t>(ring_.size()))];
  }
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
  std::vector<std::int32_t> run_keys_;             // RunKeys' union
  // Runs planned and not yet over, by run % (D + 1): steps [next_step_, plan_next_).
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
