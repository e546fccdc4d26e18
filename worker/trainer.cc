#include "worker/trainer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <thread>

#include "core/fault_injection.h"
#include "core/gather.h"
#include "core/mpi_env.h"
#include "core/peer_wait.h"
#include "core/stop_signal.h"
#include "eval/candidate_items.h"
#include "models/item_subset_scorer.h"
#include "worker/timing.h"

namespace ampcf {

namespace {

// What a worker waits for in a collective over the workers (core/peer_wait.h).
const std::string kOtherWorkers = "the other workers";

// Steps between two decisions on stopping and timed checkpoints (a collective over the
// workers): a stop request waits at most this many steps (tens of milliseconds). Every step
// before a decision pushes the gradients a worker's row cache kept back, so decisions far apart
// keep the cache's savings (at 8 steps, a cache of 8 steps pushed 1.7 times the bytes it pulled).
constexpr std::int64_t kStepsBetweenDecisions = 32;

// Progress lines within an epoch, at most this often.
constexpr double kProgressSeconds = 10.0;

// `data` must outlive the table when the model makes user rows from their items (a Reset
// makes them again).
RowTable MakeUserTable(const Model& model, const Dataset& data, const std::vector<std::int32_t>& users,
                       bool averaging) {
  const TableSpec& spec = UserTable(model);
  const RowSelection rows{users.empty() ? 0 : users.front(), 1, static_cast<std::int64_t>(users.size())};
  AMPCF_ASSERT(users.empty() || users.back() - users.front() + 1 == static_cast<std::int32_t>(users.size()),
               "a worker's users must be one contiguous range");
  RowInitialiser init = spec.init;
  if (spec.from_items)
    init = [&data, from_items = spec.from_items](std::int64_t user, float* row) {
      from_items(user, data.TrainItems(static_cast<std::int32_t>(user)), row);
    };
  return RowTable(spec.name, spec.width, rows, init, spec.adam, averaging);
}

PipelineOptions PipelineOptionsOf(const TrainConfig& config, const Layout& layout) {
  PipelineOptions options;
  // Colocated servers are read in place: pulls ahead or a cache would only make the rows older.
  options.pulls_in_flight = layout.colocated ? 1 : config.pulls_in_flight_used();
  options.cache_steps = layout.colocated ? 1 : config.cache_steps_used();
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
      first_user_(users_.empty() ? 0 : users_.front()),
      user_table_(MakeUserTable(*context.model, *context.data, users_, context.config->average_decay > 0)),
      user_rows_trained_(!UserTable(*context.model).from_items),
      builder_(*context.data, users_, BatchOptionsOf(*context.config, context.layout)),
      pipeline_(*context.model, *context.servers, builder_, user_table_, user_rows_trained_,
                PipelineOptionsOf(*context.config, context.layout)),
      ring_(context.checkpoint_comm) {
  AMPCF_CHECK_MPI(MPI_Comm_rank(context.workers, &worker_rank_));
  AMPCF_CHECK_MPI(MPI_Comm_size(context.workers, &n_workers_));
  for (const TableSpec& table : ServerTables(*context.model)) server_widths_.push_back(table.width);
  const std::size_t n_tables = server_widths_.size();
  whole_tables_.resize(n_tables);
  for (std::int32_t u : users_)
    if (!std::binary_search(context.left_out.begin(), context.left_out.end(), u)) evaluated_users_.push_back(u);
  builder_.LeaveOut(context.left_out);
  builder_.UseValidation(false);
}

void Trainer::Resume(const std::string& path, const CheckpointInfo& info) {
  user_table_.ReadCheckpoint(path);
  state_ = info.state;
  resumed_workers_ = info.header.n_workers;
  resume_path_ = path;
  clock_ = state_.clock;
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

Trainer::StepEnd Trainer::DecideStepEnd() {
  // The clock is the same everywhere; the stop request is any worker's; the time is worker 0's.
  const double minutes = config().checkpoint_minutes;
  int flags[2] = {StopSignal() != 0 || (config().stop_after_steps > 0 && clock_ >= config().stop_after_steps),
                  lead() && minutes > 0 && Seconds(last_checkpoint_time_) >= 60 * minutes};
  if (n_workers_ > 1) peer::Allreduce(MPI_IN_PLACE, flags, 2, MPI_INT, MPI_MAX, context_.workers, kOtherWorkers);
  return {flags[0] != 0, flags[1] != 0};
}

double Trainer::TrainEpoch(int epoch, std::int64_t steps, std::int64_t first_step, std::int64_t total_pairs,
                           double& loss_sum, bool checkpoints) {
  const bool verbose = lead() && !config().quiet;
  epoch_start_counters_ = Counters();
  decisions_ = checkpoints;
  if (lead()) context_.servers->MarkCounters();
  builder_.Shuffle(epoch);
  const auto epoch_start = Clock::now();
  auto last_report = epoch_start;
  const peer::WatchProgress watch;
  pipeline_.StartEpoch(epoch, first_step, steps, clock_);
  for (std::int64_t t = first_step; t < steps; ++t) {
    // Nothing is kept back past a step that may be followed by a checkpoint, a stop or the epoch's end.
    const bool boundary = t + 1 == steps || CollectiveAfter(clock_ + 1);
    const StepResult step = pipeline_.RunStep(boundary, [&](const StepResult& result) {
      if (!std::isfinite(result.stats.loss)) StopOnNonFiniteLoss(epoch, t);
    });
    loss_sum += step.stats.loss * step.positives;
    clock_ = pipeline_.clock();
    state_.step = t + 1;
    peer::NoteProgress(clock_);
    if (clock_ == fault::StallAtClock()) StallForever();
    if (checkpoints) {
      const bool last_step = t + 1 == steps;
      const StepEnd end = CollectiveAfter(clock_) || last_step ? DecideStepEnd() : StepEnd{};
      const bool stop = end.stop;
      timed_checkpoint_due_ = end.timed_checkpoint && last_step;  // the epoch's own checkpoint follows
      const bool periodic = (config().checkpoint_every > 0 && clock_ % config().checkpoint_every == 0 && !last_step) ||
                            (end.timed_checkpoint && !last_step);
      if (periodic || stop) {
        const std::string path = WriteCheckpoint(loss_sum);
        if (stop) {
          last_checkpoint_ = path;
          pipeline_.Drain();
          return -1;
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
  return epoch_seconds;
}

bool Trainer::CollectiveAfter(std::int64_t clock) const {
  if (!decisions_) return false;
  const std::int64_t every = config().checkpoint_every;
  return clock % kStepsBetweenDecisions == 0 || clock == config().stop_after_steps || (every > 0 && clock % every == 0);
}

void Trainer::StopOnNonFiniteLoss(int epoch, std::int64_t step) const {
  // A diverged model must not train on, be validated or overwrite a good checkpoint: end the
  // job from this rank (the others may be blocked on it), naming what to continue from.
  const std::string& good = last_checkpoint_.empty() ? resume_path_ : last_checkpoint_;
  AbortJob(Cat("the training loss is not finite at epoch ", epoch, ", step ", step + 1, " (worker ",
               context_.layout.worker_index(), "); ",
               good.empty() ? std::string("no checkpoint was written") : Cat("the last good checkpoint is ", good),
               "; try a lower --lr"));
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

EvalTotals Trainer::Evaluate(HeldOut which, bool full) {
  // Full ranking needs every item row; the sampled protocol only its users' candidates.
  const std::unique_ptr<Scorer> scorer = full ? PullScorer() : PullCandidateScorer(which);
  const UserSample sample(config().eval_users, context_.data->n_users, context_.data_config->eval_seed);
  EvalTotals totals = EvaluateUsers(*scorer, *context_.data, evaluated_users_,
                                    [&](std::int32_t u) { return user_row(u); }, which, full, sample);
  double sums[6] = {totals.sampled.hits, totals.sampled.ndcg, double(totals.sampled.users),
                    totals.full.hits,    totals.full.ndcg,    double(totals.full.users)};
  peer::Allreduce(MPI_IN_PLACE, sums, 6, MPI_DOUBLE, MPI_SUM, context_.workers, kOtherWorkers);
  totals.sampled = RankingSums{sums[0], sums[1], static_cast<std::int64_t>(sums[2])};
  totals.full = RankingSums{sums[3], sums[4], static_cast<std::int64_t>(sums[5])};
  return totals;
}

std::unique_ptr<Scorer> Trainer::PullScorer() {
  return context_.model->MakeScorer(PullTables(nullptr, whole_tables_), context_.data->n_items);
}

std::unique_ptr<Scorer> Trainer::PullCandidateScorer(HeldOut which) {
  std::vector<std::int32_t>& items = candidate_items_[static_cast<int>(which)];
  if (items.empty()) items = CandidateItems(*context_.data, evaluated_users_, which);
  const std::vector<const float*> tables = PullTables(&items, candidate_tables_);
  return std::make_unique<ItemSubsetScorer>(context_.model->MakeScorer(tables, static_cast<std::int32_t>(items.size())),
                                            items, context_.data->n_items);
}

std::vector<const float*> Trainer::PullTables(const std::vector<std::int32_t>* items,
                                              std::vector<AlignedVector<float>>& into) {
  std::vector<std::vector<std::int32_t>> keys;
  std::vector<float*> out;
  std::vector<const float*> tables;
  into.resize(server_widths_.size());
  std::size_t t = 0;
  for (const TableSpec& spec : ServerTables(*context_.model)) {
    if (items != nullptr && spec.name == "items") {
      keys.push_back(*items);
    } else {
      keys.emplace_back(spec.rows);
      std::iota(keys.back().begin(), keys.back().end(), 0);
    }
    into[t].resize(keys.back().size() * spec.width);
    out.push_back(into[t].data());
    tables.push_back(into[t].data());
    ++t;
  }
  context_.servers->Pull(keys, clock_, out);
  return tables;
}

std::string Trainer::WriteCheckpoint(double loss_sum) {
  ps::Servers& servers = *context_.servers;
  servers.Wait();
  const std::string dir = (std::filesystem::path(config().out) / "checkpoints").string();
  const std::string path = CheckpointPath(dir, clock_), temporary = path + ".tmp";
  state_.clock = clock_;
  state_.worker_loss_sums.assign(n_workers_, 0.0);
  peer::Gather(&loss_sum, 1, MPI_DOUBLE, state_.worker_loss_sums.data(), 1, MPI_DOUBLE, 0, context_.workers,
               kOtherWorkers);
  const auto start = Clock::now();
  if (lead()) servers.RequestCheckpoint(clock_);  // the servers apply their pushes meanwhile
  ring_.WriteInTurn(
      temporary,
      [&] {
        if (lead()) CreateCheckpoint(temporary, MakeCheckpointHeader(), state_);
        user_table_.WriteCheckpoint(temporary);
        WriteCheckpointIds(temporary, UserTable(*context_.model).name.c_str(), first_user_, context_.data->user_ids);
        servers.WriteRowsHeldHere(temporary);
      },
      [&] { FinishCheckpoint(temporary, path, config().keep_checkpoints); });
  // Nobody trains on before every rank has written (a later push must not reach a server first).
  peer::Barrier(context_.workers, kOtherWorkers);
  if (lead() && !config().quiet)
    spdlog::info("checkpoint {} (epoch {}, step {}) in {:.2f}s", path, state_.epoch, state_.step, Seconds(start));
  last_checkpoint_time_ = Clock::now();
  timed_checkpoint_due_ = false;
  return path;
}

CheckpointHeader Trainer::MakeCheckpointHeader() const {
  const Dataset& data = *context_.data;
  CheckpointHeader header;
  header.model = context_.model->name();
  for (const TableSpec& table : context_.model->tables())
    header.tables.push_back({table.name, table.placement == Placement::kPerUser ? data.n_users : table.rows, table.width});
  header.shape = context_.model->shape();
  header.dataset = data.name;
  header.dataset_fingerprint = data.Fingerprint();
  header.config = Describe(*context_.data_config, config());
  header.seed = config().seed;
  header.n_workers = n_workers_;
  header.n_servers = context_.layout.n_servers;
  header.item_ids = data.item_ids;
  return header;  // user ids: each worker writes its own
}

bool Trainer::KeepIfBest(bool improved) {
  // Worker 0 decides; the others wait at the Bcast, so no push of theirs reaches a server
  // before it has kept its rows of this epoch.
  int keep = improved ? 1 : 0;
  if (lead() && keep) context_.servers->Snapshot();
  peer::Bcast(&keep, 1, MPI_INT, 0, context_.workers, kOtherWorkers);
  if (keep) user_table_.SaveBest();
  return keep != 0;
}

void Trainer::RestoreBest() {
  if (lead()) context_.servers->Restore();
  peer::Barrier(context_.workers, kOtherWorkers);
  user_table_.RestoreBest();
}

void Trainer::ResetRows() {
  if (lead()) context_.servers->Reset();
  peer::Barrier(context_.workers, kOtherWorkers);
  user_table_.Reset();
}

void Trainer::SwapInAverage(bool restart) {
  if (config().average_decay <= 0) return;
  context_.servers->Wait();
  if (lead()) context_.servers->SwapInAverage(clock_, restart);  // servers wait for every push of the epoch
  user_table_.SwapInAverage(config().average_decay, restart);
  peer::Barrier(context_.workers, kOtherWorkers);  // nobody pulls before every server has swapped
}

void Trainer::SwapOutAverage() {
  if (config().average_decay <= 0) return;
  if (lead()) context_.servers->SwapOutAverage();
  user_table_.SwapOutAverage();
  peer::Barrier(context_.workers, kOtherWorkers);  // nobody pushes before every server has swapped back
}

void Trainer::WriteModelFile(const std::string& path) {
  const Dataset& data = *context_.data;
  std::vector<std::string> names = GatherLines(context_.workers, data.user_names);  // string ids only
  const std::string temporary = path + ".tmp";
  FileRing ring(context_.workers);  // the servers have no part in model.h5
  ring.WriteInTurn(
      temporary,
      [&] {
        if (lead()) {
          ModelData model;
          model.dataset = data.name;
          model.dataset_fingerprint = data.Fingerprint();
          model.config = Describe(*context_.data_config, config());
          model.item_ids = data.item_ids;
          model.item_names = data.item_names;
          model.item_train_counts = data.item_train_counts;
          model.user_names = std::move(names);
          model.trained_on_validation = config().refit;
          std::vector<const float*> tables;
          for (const AlignedVector<float>& table : whole_tables_) tables.push_back(table.data());
          context_.model->ExportTables(tables, model);
          CreateModelFile(temporary, model, data.n_users);
        }
        WriteModelUsers(temporary, first_user_, data.user_ids, user_table_.values().data());
      },
      [&] { FinishModelFile(temporary, path); });
}

}  // namespace ampcf
