#include "worker/run_coordinator.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "core/error.h"
#include "core/mpi_env.h"
#include "core/peer_wait.h"
#include "core/stop_signal.h"
#include "tables/table_spec.h"

namespace ampcf {

namespace {

// Steps between two decisions on stopping and timed checkpoints (a collective over the
// workers): a stop request waits at most this many steps (tens of milliseconds). Every step
// before a decision pushes the gradients a worker's row cache kept back, so decisions far apart
// keep the cache's savings (at 8 steps, a cache of 8 steps pushed 1.7 times the bytes it pulled).
constexpr std::int64_t kStepsBetweenDecisions = 32;

}  // namespace

RunCoordinator::RunCoordinator(const TrainerContext& context) : context_(context), ring_(context.checkpoint_comm) {
  AMPCF_CHECK_MPI(MPI_Comm_rank(context.workers, &worker_rank_));
  AMPCF_CHECK_MPI(MPI_Comm_size(context.workers, &n_workers_));
}

void RunCoordinator::Resume(const std::string& path, const CheckpointInfo& info) {
  resumed_progress_ = info.state;
  resumed_workers_ = info.header.n_workers;
  resume_path_ = path;
}

bool RunCoordinator::CollectiveAfter(std::int64_t clock) const {
  if (!decisions_) return false;
  const TrainConfig& config = *context_.config;
  const std::int64_t every = config.checkpoint_every;
  return clock % kStepsBetweenDecisions == 0 || clock == config.stop_after_steps || (every > 0 && clock % every == 0);
}

StepEnd RunCoordinator::DecideStepEnd(std::int64_t clock) {
  // The clock is the same everywhere; the stop request is any worker's; the time is worker 0's.
  const TrainConfig& config = *context_.config;
  const double minutes = config.checkpoint_minutes;
  int flags[2] = {StopSignal() != 0 || (config.stop_after_steps > 0 && clock >= config.stop_after_steps),
                  lead() && minutes > 0 && Seconds(last_checkpoint_time_) >= 60 * minutes};
  if (n_workers_ > 1) peer::Allreduce(MPI_IN_PLACE, flags, 2, MPI_INT, MPI_MAX, context_.workers, kOtherWorkers);
  return {flags[0] != 0, flags[1] != 0};
}

bool RunCoordinator::PeriodicCheckpointAfter(std::int64_t clock, const StepEnd& end, bool last_step) const {
  const std::int64_t every = context_.config->checkpoint_every;
  return !last_step && ((every > 0 && clock % every == 0) || end.timed_checkpoint);
}

std::string RunCoordinator::WriteCheckpoint(TrainingState progress, std::int64_t clock, double loss_sum,
                                            const ModelLifecycle& rows) {
  const TrainConfig& config = *context_.config;
  ps::Servers& servers = *context_.servers;
  servers.Wait();
  const std::string dir = (std::filesystem::path(config.out) / "checkpoints").string();
  const std::string path = CheckpointPath(dir, clock), temporary = path + ".tmp";
  progress.clock = clock;
  progress.worker_loss_sums.assign(n_workers_, 0.0);
  peer::Gather(&loss_sum, 1, MPI_DOUBLE, progress.worker_loss_sums.data(), 1, MPI_DOUBLE, 0, context_.workers,
               kOtherWorkers);
  const auto start = Clock::now();
  if (lead()) servers.RequestCheckpoint(clock);  // the servers apply their pushes meanwhile
  ring_.WriteInTurn(
      temporary,
      [&] {
        if (lead()) CreateCheckpoint(temporary, MakeCheckpointHeader(), progress);
        rows.user_table().WriteCheckpoint(temporary);
        WriteCheckpointIds(temporary, UserTable(*context_.model).name.c_str(), rows.first_user(),
                           context_.data->user_ids);
        servers.WriteRowsHeldHere(temporary);
      },
      [&] { FinishCheckpoint(temporary, path, config.keep_checkpoints); });
  // Nobody trains on before every rank has written (a later push must not reach a server first).
  peer::Barrier(context_.workers, kOtherWorkers);
  if (lead() && !config.quiet)
    spdlog::info("checkpoint {} (epoch {}, step {}) in {:.2f}s", path, progress.epoch, progress.step, Seconds(start));
  last_checkpoint_time_ = Clock::now();
  timed_checkpoint_due_ = false;
  last_checkpoint_ = path;
  return path;
}

CheckpointHeader RunCoordinator::MakeCheckpointHeader() const {
  const Dataset& data = *context_.data;
  CheckpointHeader header;
  header.model = context_.model->name();
  for (const TableSpec& table : context_.model->tables())
    header.tables.push_back({table.name, table.placement == Placement::kPerUser ? data.n_users : table.rows, table.width});
  header.shape = context_.model->shape();
  header.dataset = data.name;
  header.dataset_fingerprint = data.Fingerprint();
  header.config = Describe(*context_.data_config, *context_.config);
  header.seed = context_.config->seed;
  header.n_workers = n_workers_;
  header.n_servers = context_.layout.n_servers;
  header.item_ids = data.item_ids;
  return header;  // user ids: each worker writes its own
}

void RunCoordinator::StopOnNonFiniteLoss(int epoch, std::int64_t step) const {
  const std::string& good = last_checkpoint_.empty() ? resume_path_ : last_checkpoint_;
  AbortJob(Cat("the training loss is not finite at epoch ", epoch, ", step ", step + 1, " (worker ",
               context_.layout.worker_index(), "); ",
               good.empty() ? std::string("no checkpoint was written") : Cat("the last good checkpoint is ", good),
               "; try a lower --lr"));
}

}  // namespace ampcf
