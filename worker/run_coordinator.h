// The run's coordination on one worker: which steps end in a decision the workers take together
// (a stop request, --stop-after-steps, --checkpoint-minutes), the checkpoints, written in turn
// with every rank's rows, and where a resumed run came from. It writes no model rows and no
// training progress: the schedule (worker/schedule.h) owns the progress, the model's lifecycle
// (worker/model_lifecycle.h) the rows, and each is handed in where a checkpoint needs it.
#pragma once

#include <cstdint>
#include <string>

#include "core/file_ring.h"
#include "io/checkpoint_file.h"
#include "worker/model_lifecycle.h"
#include "worker/timing.h"
#include "worker/trainer_context.h"

namespace ampcf {

// What the end of a step asks for, the same on every worker.
struct StepEnd {
  bool stop = false;              // a stop was requested: checkpoint and end the run
  bool timed_checkpoint = false;  // --checkpoint-minutes ran out
};

class RunCoordinator {
 public:
  // `context` must outlive the coordinator.
  explicit RunCoordinator(const TrainerContext& context);

  // A run resumed from the checkpoint at `path`: the progress it stores and its layout.
  void Resume(const std::string& path, const CheckpointInfo& info);
  bool resumed() const { return !resume_path_.empty(); }
  const std::string& resume_path() const { return resume_path_; }
  int resumed_workers() const { return resumed_workers_; }
  const TrainingState& resumed_progress() const { return resumed_progress_; }

  // Whether the steps of the epoch in progress may end in decisions and checkpoints.
  void AllowDecisions(bool allow) { decisions_ = allow; }
  // Whether the step that completes `clock` ends in a decision (DecideStepEnd) or a periodic
  // checkpoint, both collective (an epoch's last step too; the caller knows that one).
  bool CollectiveAfter(std::int64_t clock) const;
  // One collective combines each worker's stop request with worker 0's clock, so the workers
  // never disagree on a checkpoint. `clock`: the steps completed.
  StepEnd DecideStepEnd(std::int64_t clock);
  // Whether the step that completes `clock` writes a periodic checkpoint (--checkpoint-every, or
  // `end` says the time ran out), the epoch's last step excepted (the epoch's own follows).
  bool PeriodicCheckpointAfter(std::int64_t clock, const StepEnd& end, bool last_step) const;

  // Writes the checkpoint of `clock` (collective over all ranks: worker 0 asks the servers):
  // `progress` with its position set by the caller, this worker's `loss_sum` in the epoch in
  // progress, and `rows`' user rows. Returns its path, also last_checkpoint() from then on.
  std::string WriteCheckpoint(TrainingState progress, std::int64_t clock, double loss_sum, const ModelLifecycle& rows);
  // The newest checkpoint written, or "" (then a resumed run's resume_path() is the good one).
  const std::string& last_checkpoint() const { return last_checkpoint_; }
  // Whether --checkpoint-minutes had run out when the last epoch's last step ended (the same on
  // every worker): the epoch-end checkpoint is then written instead of a step's.
  bool timed_checkpoint_due() const { return timed_checkpoint_due_; }
  void set_timed_checkpoint_due(bool due) { timed_checkpoint_due_ = due; }

  // Ends the job from this rank (the others may be blocked on it) when a step's loss is not
  // finite, naming the last good checkpoint: a diverged model must not train on, be validated
  // or overwrite a good checkpoint.
  [[noreturn]] void StopOnNonFiniteLoss(int epoch, std::int64_t step) const;

 private:
  bool lead() const { return worker_rank_ == 0; }
  CheckpointHeader MakeCheckpointHeader() const;

  const TrainerContext& context_;
  int worker_rank_ = 0, n_workers_ = 1;
  FileRing ring_;
  bool decisions_ = false;
  TrainingState resumed_progress_;
  std::string resume_path_, last_checkpoint_;
  int resumed_workers_ = 0;
  Clock::time_point last_checkpoint_time_ = Clock::now();  // or the run's start
  bool timed_checkpoint_due_ = false;
};

}  // namespace ampcf
