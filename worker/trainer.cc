#include "worker/trainer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>

#include "core/fault_injection.h"
#include "core/mpi_env.h"
#include "core/peer_wait.h"
#include "worker/timing.h"

namespace ampcf {

namespace {

// Progress lines within an epoch, at most this often.
constexpr double kProgressSeconds = 10.0;

PipelineOptions PipelineOptionsOf(const TrainConfig& config, const Layout& layout) {
  PipelineOptions options;
  // Colocated servers are read in place: pulls ahead or a cache would only make the rows older.
  options.pulls_in_flight = layout.colocated ? 1 : config.pulls_in_flight_used();
  options.cache_steps = layout.colocated ? 1 : config.cache_steps_used();
  options.steps_per_message = layout.colocated ? 1 : config.steps_per_message_used();
  options.staleness = config.synchronous() ? 0 : config.staleness;
  return options;
}

BatchOptions BatchOptionsOf(const TrainConfig& config, const Layout& layout) {
  // Synchronous: this worker computes 1/W of each batch. Otherwise its batches are its own.
  const double gradient_scale = config.synchronous() ? 1.0 / layout.n_workers : 1.0;
  BatchOptions options;
  options.negatives = config.negatives;
  options.negative_power = config.negative_power;
  options.exclude_seen = config.exclude_seen;
  options.log_q = config.softmax_correction == "logq";
  options.seed = config.seed;
  options.worker = layout.worker_index();
  options.gradient_scale = gradient_scale;
  return options;
}

// AMPCF_FAULTS stall-at-clock (core/fault_injection.h): stays here answering roll calls, as a
// livelocked rank would, until the progress watchdog ends the job.
[[noreturn]] void StallForever() {
  const std::string what = "nothing: an injected stall (AMPCF_FAULTS)";
  const peer::Waiting waiting(what);
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    peer::AnswerRollCall();
    peer::CheckDeadline(0, what);
  }
}

}  // namespace

Trainer::Trainer(const TrainerContext& context)
    : context_(context),
      users_(HeldUsers(*context.data)),
      model_(context_, users_),  // the parts share the trainer's copy of the context
      run_(context_),
      builder_(*context.data, users_, BatchOptionsOf(*context.config, context.layout)),
      pipeline_(*context.model, *context.servers, builder_, model_.user_table(), model_.user_rows_trained(),
                PipelineOptionsOf(*context.config, context.layout)) {
  AMPCF_CHECK_MPI(MPI_Comm_rank(context.workers, &worker_rank_));
  AMPCF_CHECK_MPI(MPI_Comm_size(context.workers, &n_workers_));
  builder_.LeaveOut(context.left_out);
  builder_.UseValidation(false);
}

void Trainer::Resume(const std::string& path, const CheckpointInfo& info) {
  model_.user_table().ReadCheckpoint(path);
  run_.Resume(path, info);
  clock_ = info.state.clock;
}

std::int64_t Trainer::UseValidation(bool with_validation) {
  builder_.UseValidation(with_validation);
  std::int64_t total = builder_.n_pairs();
  peer::Allreduce(MPI_IN_PLACE, &total, 1, MPI_INT64_T, MPI_SUM, context_.workers, kOtherWorkers);
  return total;
}

std::int64_t Trainer::StepsPerEpoch() {
  const std::int64_t worker_batch = config().synchronous() ? (config().batch + n_workers_ - 1) / n_workers_ : config().batch;
  std::int64_t steps = (builder_.n_pairs() + worker_batch - 1) / worker_batch;
  peer::Allreduce(MPI_IN_PLACE, &steps, 1, MPI_INT64_T, MPI_MAX, context_.workers, kOtherWorkers);
  return std::max<std::int64_t>(steps, 1);
}

EpochEnd Trainer::TrainEpoch(int epoch, std::int64_t steps, std::int64_t first_step, std::int64_t total_pairs,
                             double& loss_sum, const TrainingState* progress) {
  const bool verbose = lead() && !config().quiet;
  epoch_start_counters_ = Counters();
  run_.AllowDecisions(progress != nullptr);
  if (lead()) context_.servers->MarkCounters();
  builder_.Shuffle(epoch);
  const auto epoch_start = Clock::now();
  auto last_report = epoch_start;
  const peer::WatchProgress watch;
  pipeline_.StartEpoch(epoch, first_step, steps, clock_);
  for (std::int64_t t = first_step; t < steps; ++t) {
    // Nothing is kept back past a step that may be followed by a checkpoint, a stop or the epoch's end.
    const bool boundary = t + 1 == steps || run_.CollectiveAfter(clock_ + 1);
    const StepResult step = pipeline_.RunStep(boundary, [&](const StepResult& result) {
      if (!std::isfinite(result.stats.loss)) run_.StopOnNonFiniteLoss(epoch, t);
    });
    loss_sum += step.stats.loss * step.positives;
    clock_ = pipeline_.clock();
    peer::NoteProgress(clock_);
    if (clock_ == fault::StallAtClock()) StallForever();
    if (progress != nullptr) {
      const bool last_step = t + 1 == steps;
      const StepEnd end = run_.CollectiveAfter(clock_) || last_step ? run_.DecideStepEnd(clock_) : StepEnd{};
      run_.set_timed_checkpoint_due(end.timed_checkpoint && last_step);  // the epoch's own checkpoint follows
      if (run_.PeriodicCheckpointAfter(clock_, end, last_step) || end.stop) {
        TrainingState at = *progress;
        at.step = t + 1;
        run_.WriteCheckpoint(at, clock_, loss_sum, model_);
        if (end.stop) {
          pipeline_.Drain();
          return {-1, true};
        }
      }
    }
    if (verbose && Seconds(last_report) > kProgressSeconds) {
      last_report = Clock::now();
      const double done = double(t + 1 - first_step) / (steps - first_step);
      spdlog::info("epoch {} {:.0f}%  {:.0f} pairs/s  epoch ETA {}", epoch, 100.0 * (t + 1) / steps,
                   done * total_pairs * (steps - first_step) / steps / Seconds(epoch_start),
                   Duration(Seconds(epoch_start) * (1 - done) / done));
    }
  }
  context_.servers->Wait();
  double epoch_seconds = Seconds(epoch_start);
  peer::Allreduce(MPI_IN_PLACE, &epoch_seconds, 1, MPI_DOUBLE, MPI_MAX, context_.workers, kOtherWorkers);
  peer::Allreduce(MPI_IN_PLACE, &loss_sum, 1, MPI_DOUBLE, MPI_SUM, context_.workers, kOtherWorkers);
  return {epoch_seconds, false};
}

std::vector<RankCounters> Trainer::EpochCounters() {
  const auto mine = (Counters() - epoch_start_counters_).ToArray();
  std::vector<double> workers(lead() ? RankCounters::kFields * n_workers_ : 0);
  peer::Gather(mine.data(), RankCounters::kFields, MPI_DOUBLE, workers.data(), RankCounters::kFields, MPI_DOUBLE, 0,
               context_.workers, kOtherWorkers);
  std::vector<RankCounters> all;
  if (!lead()) return all;
  for (int w = 0; w < n_workers_; ++w) all.push_back(RankCounters::FromArray(&workers[RankCounters::kFields * w]));
  for (const RankCounters& server : context_.servers->CountersSinceMark()) all.push_back(server);
  return all;
}

}  // namespace ampcf
