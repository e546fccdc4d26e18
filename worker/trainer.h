// One worker's training, in three parts that write none of each other's state:
//  - the step pipeline (worker/step_pipeline.h): batch, pull, compute, the users' update, push;
//  - the run's coordination (worker/run_coordinator.h): decisions, checkpoints, resuming;
//  - the model's lifecycle (worker/model_lifecycle.h): the user rows, best rows, averages,
//    reset, evaluation scorers, model.h5.
// The trainer runs epochs of steps with them. Collective calls are collective over the workers.
// The schedule that drives it (search with early stopping, refit, finish) is worker/schedule.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/counters.h"
#include "io/checkpoint_file.h"
#include "worker/batch_builder.h"
#include "worker/model_lifecycle.h"
#include "worker/run_coordinator.h"
#include "worker/step_pipeline.h"
#include "worker/trainer_context.h"

namespace ampcf {

// How an epoch ended.
struct EpochEnd {
  double seconds = 0;    // of the slowest worker
  bool stopped = false;  // a stop was requested and its checkpoint written (run().last_checkpoint())
};

class Trainer {
 public:
  explicit Trainer(const TrainerContext& context);
  // The pipeline holds references to the builder and the user table: a trainer stays where it is.
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  const TrainerContext& context() const { return context_; }
  const TrainConfig& config() const { return *context_.config; }
  bool lead() const { return worker_rank_ == 0; }
  int worker_rank() const { return worker_rank_; }
  int n_workers() const { return n_workers_; }
  std::int64_t clock() const { return clock_; }  // steps completed by this worker

  ModelLifecycle& model() { return model_; }
  RunCoordinator& run() { return run_; }

  // Loads this worker's users and the run's position from a checkpoint (before training).
  void Resume(const std::string& path, const CheckpointInfo& info);

  // Positives of the search, or (refit) with validation items. Collective: their total.
  std::int64_t UseValidation(bool with_validation);
  // Steps every worker runs per epoch (the most any worker needs). Collective.
  std::int64_t StepsPerEpoch();
  // Trains steps [first_step, steps) of `epoch`, adding this worker's losses to loss_sum (summed
  // over the workers at the end). `progress`: the schedule's, stored by a checkpoint within the
  // epoch; null: no periodic or stop checkpoints. Collective.
  EpochEnd TrainEpoch(int epoch, std::int64_t steps, std::int64_t first_step, std::int64_t total_pairs,
                      double& loss_sum, const TrainingState* progress);
  // What every rank counted (core/counters.h) since this epoch's TrainEpoch began, in world
  // rank order (workers, then server ranks), on worker 0; empty elsewhere. Collective.
  std::vector<RankCounters> EpochCounters();

 private:
  TrainerContext context_;
  int worker_rank_ = 0, n_workers_ = 1;
  std::vector<std::int32_t> users_;  // this worker's users: one contiguous range of dense ids
  ModelLifecycle model_;
  RunCoordinator run_;
  BatchBuilder builder_;
  StepPipeline pipeline_;
  std::int64_t clock_ = 0;
  RankCounters epoch_start_counters_;
};

}  // namespace ampcf
