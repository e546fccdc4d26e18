// The worker's training loop: minibatches from its own users, pulls of the rows they need,
// AMP-CF forward/backward, local Adam on personas, pushes of item and attention gradients;
// per-epoch validation, early stopping, the best model's test metrics and model file.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "eval/ranking.h"
#include "partition/layout.h"
#include "ps/client.h"
#include "src/checkpoint_file.h"
#include "src/config.h"
#include "src/dataset.h"
#include "src/model_file.h"
#include "src/sampler.h"
#include "worker/user_shard.h"

namespace ampcf {

struct TrainSummary {
  int epochs = 0;  // trained (before early stopping)
  int best_epoch = 0;
  double best_val_hr = 0, best_val_ndcg = 0;
  EvalTotals test;       // of the best model, summed over all workers
  std::map<std::string, double> report;  // eval/report.h figures (with --out)
  double pairs_per_s = 0;  // over all epochs and all ranks
  double train_seconds = 0;
  // Stopped early by SIGTERM/SIGINT (stop_signal) or --stop-after-steps, after writing `checkpoint`.
  bool interrupted = false;
  int stop_signal = 0;
  std::string checkpoint;
  bool during_refit = false;  // stopped in --refit: `checkpoint` is the search's last (may be "")
};

ModelShape ShapeOf(const TrainConfig& config);

class Trainer {
 public:
  // `workers`: the communicator of the worker ranks (rank 0 in it is world rank 0).
  // `checkpoint_comm`: a duplicate of MPI_COMM_WORLD that carries the checkpoint writing token.
  Trainer(const Dataset& data, const DataConfig& data_config, const TrainConfig& config, const Layout& layout,
          MPI_Comm workers, MPI_Comm checkpoint_comm, ps::Client& client);
  // Loads this worker's users and the training state from a checkpoint (before Run).
  void Resume(const std::string& path, const CheckpointInfo& info);
  // Trains, restores the best epoch's model, tests it; on worker 0, writes --out files.
  // Returns the summary on every worker.
  TrainSummary Run();
  // The whole model, in dense id order (worker 0 only; others get an empty model). Collective.
  ModelData GatherModel();

 private:
  // This worker's positives: its users' training items, plus their validation items (refit).
  void SetTrainingPairs(bool with_validation);
  // Steps every worker runs per epoch (the most any worker needs). Collective.
  std::int64_t StepsPerEpoch();
  // One pass over this worker's positives, from step `first_step`; adds to loss_sum (summed
  // over workers at the end). Returns the epoch's seconds (slowest worker), or a negative value
  // when a stop was requested (a checkpoint is then written). Collective.
  double TrainEpoch(int epoch, std::int64_t steps, std::int64_t first_step, std::int64_t total_pairs,
                    double& loss_sum, bool checkpoints);
  void TrainStep(int epoch, std::int64_t step, std::int64_t begin, std::int64_t end, double& loss_sum);
  // Writes the checkpoint of the current clock with every rank's rows (collective over all
  // ranks: worker 0 asks the servers). `loss_sum`: this worker's sum in the epoch in progress.
  std::string WriteCheckpoint(double loss_sum);
  // Keeps metrics.jsonl lines of the epochs a resumed checkpoint has completed.
  void TrimMetrics(const std::string& path, std::int64_t total_pairs) const;
  EvalTotals Evaluate(HeldOut which, bool full);
  // --average-decay: at an epoch's end every rank folds its rows into their running average and
  // swaps it in (validation, the best model and the test see the average), then swaps the rows
  // back before training goes on. No-ops without averaging. Collective.
  void SwapInAverage(bool restart);
  void SwapOutAverage();
  void PullEverything();

  const Dataset& data_;
  const DataConfig& data_config_;
  const TrainConfig& config_;
  Layout layout_;
  MPI_Comm workers_, checkpoint_comm_;
  int worker_rank_ = 0, n_workers_ = 1;
  ps::Client& client_;
  ModelShape shape_;
  LossWeights weights_;
  AdamConfig adam_;
  UserShard shard_;
  AliasSampler sampler_;  // negatives from training counts^--negative-power
  std::vector<std::int32_t> pair_user_, pair_item_;  // this worker's positives (local user, item)
  std::vector<std::int64_t> order_;                  // this epoch's order of them (seeded per epoch)
  std::int64_t clock_ = 0;                           // steps completed by this worker
  TrainingState state_;                              // what a checkpoint stores (src/checkpoint_file.h)
  bool resumed_ = false;
  std::string resume_path_, last_checkpoint_;
  int resumed_workers_ = 0;
  int staleness_ = 0;                                // -1: never wait; deterministic mode is 0
  bool use_logq_ = false;                            // --softmax-correction logq
  bool averaging_ = false;                           // --average-decay > 0
  Rng rng_;  // negatives: reseeded per step from (seed, epoch, step, worker)

  // Per-step scratch, kept to avoid allocation.
  std::vector<std::int32_t> user_slot_of_, item_slot_of_, slot_users_, item_keys_, att_keys_;
  AlignedVector<float> user_rows_, item_rows_, att_rows_, att_gradients_;
  Batch batch_;
  BatchGradients gradients_;
  // Rows of every item and the attention maps, as pulled for evaluation.
  AlignedVector<float> all_items_, all_att_;
  std::vector<float> log_q_, item_log_q_;  // log sampling probability per item / per batch slot
};

}  // namespace ampcf
