// One worker's part of training: its users' rows (updated locally), its batches, the step
// (pull, forward/backward, local update, push), the epoch, evaluation of its users, and its
// turn in checkpoints. Collective calls are collective over the workers. The schedule that
// drives it (search with early stopping, refit, finish) is worker/schedule.h.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "eval/ranking.h"
#include "io/checkpoint_file.h"
#include "io/model_file.h"
#include "models/model.h"
#include "options/config.h"
#include "partition/layout.h"
#include "core/counters.h"
#include "core/file_ring.h"
#include "ps/servers.h"
#include "tables/row_table.h"
#include "worker/batch_builder.h"
#include "worker/step_pipeline.h"
#include "worker/timing.h"

namespace ampcf {

// What a trainer works with; everything must outlive it. `workers`: the communicator of the
// worker ranks (rank 0 in it is world rank 0); `checkpoint_comm`: a duplicate of MPI_COMM_WORLD
// for the checkpoint token.
struct TrainerContext {
  const Dataset* data = nullptr;
  const DataConfig* data_config = nullptr;
  const TrainConfig* config = nullptr;
  Layout layout;
  MPI_Comm workers = MPI_COMM_NULL, checkpoint_comm = MPI_COMM_NULL;
  ps::Servers* servers = nullptr;
  Model* model = nullptr;
  // This worker's users held out of training (--exclude-users): no positives, not evaluated.
  std::vector<std::int32_t> left_out;
};

class Trainer {
 public:
  explicit Trainer(const TrainerContext& context);

  const TrainerContext& context() const { return context_; }
  const TrainConfig& config() const { return *context_.config; }
  bool lead() const { return worker_rank_ == 0; }
  int worker_rank() const { return worker_rank_; }
  int n_workers() const { return n_workers_; }
  TrainingState& state() { return state_; }
  std::int64_t clock() const { return clock_; }

  // Loads this worker's users and the training state from a checkpoint (before training).
  void Resume(const std::string& path, const CheckpointInfo& info);
  bool resumed() const { return !resume_path_.empty(); }
  const std::string& resume_path() const { return resume_path_; }
  int resumed_workers() const { return resumed_workers_; }

  // Positives of the search, or (refit) with validation items. Collective: their total.
  std::int64_t UseValidation(bool with_validation);
  // Steps every worker runs per epoch (the most any worker needs). Collective.
  std::int64_t StepsPerEpoch();
  // Trains steps [first_step, steps) of `epoch`, adding this worker's losses to loss_sum (summed
  // over the workers at the end). Returns the epoch's seconds (slowest worker), or a negative
  // value when a stop was requested (a checkpoint is then written, `last_checkpoint()`).
  // `checkpoints`: periodic and stop checkpoints are allowed. Collective.
  double TrainEpoch(int epoch, std::int64_t steps, std::int64_t first_step, std::int64_t total_pairs,
                    double& loss_sum, bool checkpoints);
  // What every rank counted (core/counters.h) since this epoch's TrainEpoch began, in world
  // rank order (workers, then server ranks), on worker 0; empty elsewhere. Collective.
  std::vector<RankCounters> EpochCounters();
  // Validation or test metrics of every worker's users, summed. Collective.
  EvalTotals Evaluate(HeldOut which, bool full);
  // Writes the checkpoint of the current clock with every rank's rows (collective over all
  // ranks: worker 0 asks the servers). `loss_sum`: this worker's sum in the epoch in progress.
  std::string WriteCheckpoint(double loss_sum);
  const std::string& last_checkpoint() const { return last_checkpoint_; }
  // Whether --checkpoint-minutes had run out when the last epoch's last step ended (the same on
  // every worker): the epoch-end checkpoint is then written instead of a step's.
  bool timed_checkpoint_due() const { return timed_checkpoint_due_; }
  void set_last_checkpoint(const std::string& path) { last_checkpoint_ = path; }

  // Best rows: worker 0 decides; every rank keeps its rows if `improved` (returned on every
  // worker). Collective.
  bool KeepIfBest(bool improved);
  void RestoreBest();
  // Every rank back to its initial rows and a fresh optimiser (--refit). Collective.
  void ResetRows();
  // --average-decay: every rank folds its rows into their running average and swaps it in
  // (validation, the best model and the test see it), then swaps the rows back before training
  // goes on. No-ops without averaging. Collective.
  void SwapInAverage(bool restart);
  void SwapOutAverage();

  // The whole server tables, pulled (after the last push), and a scorer over them.
  std::unique_ptr<Scorer> PullScorer();
  // The users evaluated: this worker's, less those left out of training.
  const std::vector<std::int32_t>& users() const { return evaluated_users_; }
  const float* user_row(std::int32_t user) const { return user_table_.row(user - first_user_); }
  // Writes model.h5 at `path` (after PullScorer): worker 0 the item side, every worker its
  // users' rows in turn (no rank holds every user's). Collective over the ranks of the
  // checkpoint ring.
  void WriteModelFile(const std::string& path);

 private:
  // Whether the step that completes `clock` ends in a decision (DecideStepEnd) or a periodic
  // checkpoint, both collective (an epoch's last step too; the caller knows that one).
  bool CollectiveAfter(std::int64_t clock) const;
  // What the end of a step asks for, the same on every worker: one collective combines each
  // worker's stop request with worker 0's clock (--checkpoint-minutes), so the workers never
  // disagree on a checkpoint. Asked every few steps (trainer.cc: kStepsBetweenDecisions), at an
  // epoch's last step and at --stop-after-steps.
  struct StepEnd {
    bool stop = false, timed_checkpoint = false;
  };
  StepEnd DecideStepEnd();
  CheckpointHeader MakeCheckpointHeader() const;
  // A scorer of the held-out items of `which` of this worker's users and their candidates: only
  // those rows of the item table are pulled (the other server tables whole).
  std::unique_ptr<Scorer> PullCandidateScorer(HeldOut which);
  // Pulls every row of each server table into `into`, or of the item table only `items` (null:
  // all); returns the tables' pointers in server-table order.
  std::vector<const float*> PullTables(const std::vector<std::int32_t>* items,
                                       std::vector<AlignedVector<float>>& into);
  [[noreturn]] void StopOnNonFiniteLoss(int epoch, std::int64_t step) const;

  TrainerContext context_;
  int worker_rank_ = 0, n_workers_ = 1;
  std::vector<std::int32_t> users_;  // this worker's users: one contiguous range of dense ids
  std::vector<std::int32_t> evaluated_users_;  // users_ less context.left_out
  std::int32_t first_user_ = 0;
  RowTable user_table_;
  bool user_rows_trained_;  // false: the rows are made from the users' items (TableSpec::from_items)
  BatchBuilder builder_;
  std::vector<int> server_widths_;  // per server table: its row width
  StepPipeline pipeline_;
  bool decisions_ = false;  // this epoch's steps may end in decisions and checkpoints
  std::vector<AlignedVector<float>> whole_tables_;  // every row of each server table, for evaluation
  std::vector<AlignedVector<float>> candidate_tables_;  // the rows PullCandidateScorer pulled
  std::vector<std::int32_t> candidate_items_[2];         // per HeldOut: CandidateItems, once computed
  FileRing ring_;
  std::int64_t clock_ = 0;  // steps completed by this worker
  RankCounters epoch_start_counters_;
  TrainingState state_;     // what a checkpoint stores (io/checkpoint_file.h)
  std::string resume_path_, last_checkpoint_;
  Clock::time_point last_checkpoint_time_ = Clock::now();  // or the trainer's start
  bool timed_checkpoint_due_ = false;
  int resumed_workers_ = 0;
};

}  // namespace ampcf
