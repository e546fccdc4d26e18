#include "worker/trainer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "eval/report.h"
#include "eval/taste_space.h"
#include "src/mpi_env.h"
#include "src/sampler.h"
#include "src/stop_signal.h"

namespace ampcf {

namespace {

using Clock = std::chrono::steady_clock;

// Random stream tags (src/rng.h: MixSeed).
constexpr std::uint64_t kShuffleStream = 0x5b0ff1e, kNegativeStream = 0x9e9a71e;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

std::string Duration(double seconds) {
  const long total = std::lround(seconds);
  if (total >= 3600) return Cat(total / 3600, "h", (total % 3600) / 60, "m");
  if (total >= 60) return Cat(total / 60, "m", total % 60, "s");
  return Cat(total, "s");
}

std::vector<std::int32_t> OwnedUsers(const Dataset& data, const Layout& layout) {
  std::vector<std::int64_t> counts(data.n_users);
  for (std::int32_t u = 0; u < data.n_users; ++u) counts[u] = data.train_count(u);
  const std::vector<int> owner = AssignUsers(counts, layout.n_workers);
  std::vector<std::int32_t> mine;
  for (std::int32_t u = 0; u < data.n_users; ++u)
    if (owner[u] == layout.worker_index()) mine.push_back(u);
  return mine;
}

// Metrics files: one JSON object per line.
void AppendJson(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  out << line << "\n";
  out.flush();
  if (!out) throw UserError(Cat(path, ": cannot write"));
}

}  // namespace

ModelShape ShapeOf(const TrainConfig& config) {
  ModelShape shape;
  shape.personas = config.personas;
  shape.dim = config.dim;
  shape.att_dim = config.att_dim;
  return shape;
}

Trainer::Trainer(const Dataset& data, const DataConfig& data_config, const TrainConfig& config, const Layout& layout,
                 MPI_Comm workers, MPI_Comm checkpoint_comm, ps::Client& client)
    : data_(data),
      data_config_(data_config),
      config_(config),
      layout_(layout),
      workers_(workers),
      checkpoint_comm_(checkpoint_comm),
      client_(client),
      shape_(ShapeOf(config)),
      shard_(shape_, OwnedUsers(data, layout), config.init_std, config.persona_spread, config.seed),
      sampler_(data.item_train_counts, config.negative_power),
      rng_(config.seed) {
  AMPCF_CHECK_MPI(MPI_Comm_rank(workers, &worker_rank_));
  AMPCF_CHECK_MPI(MPI_Comm_size(workers, &n_workers_));
  weights_.gradient_scale = 1.0 / n_workers_;  // this worker computes 1/W of each batch
  weights_.alpha = config.alpha;
  weights_.lambda_p = config.lambda_p;
  weights_.lambda_n = config.lambda_n;
  weights_.l2_example = config.l2_example;
  weights_.l2_user_factor = config.l2_user_factor;
  weights_.persona_tie = config.persona_tie;
  adam_.lr = static_cast<float>(config.lr);
  adam_.l2 = static_cast<float>(config.l2);
  SetTrainingPairs(false);
  user_slot_of_.assign(shard_.users().size(), -1);
  item_slot_of_.assign(data.n_items, -1);
  att_keys_.resize(2 * shape_.dim);
  std::iota(att_keys_.begin(), att_keys_.end(), 0);
  att_rows_.resize(static_cast<std::size_t>(2) * shape_.dim * shape_.att_dim);
  att_gradients_.resize(att_rows_.size());
  batch_.candidates = 1 + config.negatives;
  staleness_ = config.deterministic ? 0 : config.staleness;
  use_logq_ = config.softmax_correction == "logq";
  averaging_ = config.average_decay > 0;
}

void Trainer::SetTrainingPairs(bool with_validation) {
  pair_user_.clear();
  pair_item_.clear();
  std::vector<std::int64_t> counts = data_.item_train_counts;
  for (std::size_t local = 0; local < shard_.users().size(); ++local) {
    const std::int32_t u = shard_.users()[local];
    for (auto i = data_.train_offsets[u]; i < data_.train_offsets[u + 1]; ++i) {
      pair_user_.push_back(static_cast<std::int32_t>(local));
      pair_item_.push_back(data_.train_items[i]);
    }
    if (with_validation && data_.val_item[u] >= 0) {
      pair_user_.push_back(static_cast<std::int32_t>(local));
      pair_item_.push_back(data_.val_item[u]);
    }
  }
  if (with_validation) {
    // The sampler follows the counts of what is trained on (every worker sees all users' items).
    for (std::int32_t u = 0; u < data_.n_users; ++u)
      if (data_.val_item[u] >= 0) ++counts[data_.val_item[u]];
    sampler_ = AliasSampler(counts, config_.negative_power);
  }
  log_q_.resize(data_.n_items);
  for (std::int32_t item = 0; item < data_.n_items; ++item)
    log_q_[item] = static_cast<float>(std::log(std::max(sampler_.Probability(item), 1e-30)));
}

std::int64_t Trainer::StepsPerEpoch() {
  const std::int64_t worker_batch = (config_.batch + n_workers_ - 1) / n_workers_;
  std::int64_t steps = (static_cast<std::int64_t>(pair_user_.size()) + worker_batch - 1) / worker_batch;
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &steps, 1, MPI_INT64_T, MPI_MAX, workers_));
  return std::max<std::int64_t>(steps, 1);
}

double Trainer::TrainEpoch(int epoch, std::int64_t steps, std::int64_t first_step, std::int64_t total_pairs,
                           double& loss_sum, bool checkpoints) {
  const bool verbose = worker_rank_ == 0 && !config_.quiet;
  const std::int64_t n_pairs = static_cast<std::int64_t>(pair_user_.size());
  // This epoch's order of this worker's positives: a shuffle seeded by (seed, epoch, worker), so
  // that a resumed run sees the same order.
  const auto worker = static_cast<std::uint64_t>(layout_.worker_index());
  Rng shuffle(MixSeed(MixSeed(config_.seed, kShuffleStream, static_cast<std::uint64_t>(epoch)), worker));
  order_.resize(n_pairs);
  std::iota(order_.begin(), order_.end(), 0);
  for (std::int64_t i = n_pairs - 1; i > 0; --i)
    std::swap(order_[i], order_[static_cast<std::int64_t>(UniformIndex(shuffle, static_cast<std::uint64_t>(i + 1)))]);
  const auto epoch_start = Clock::now();
  auto last_report = epoch_start;
  for (std::int64_t t = first_step; t < steps; ++t) {
    TrainStep(epoch, t, t * n_pairs / steps, (t + 1) * n_pairs / steps, loss_sum);
    state_.step = t + 1;
    if (checkpoints) {
      // Every worker decides alike: the clock is the same everywhere, the stop request is shared.
      int stop = StopSignal() != 0 || (config_.stop_after_steps > 0 && clock_ >= config_.stop_after_steps) ? 1 : 0;
      if (n_workers_ > 1) AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &stop, 1, MPI_INT, MPI_MAX, workers_));
      const bool periodic = config_.checkpoint_every > 0 && clock_ % config_.checkpoint_every == 0 && t + 1 < steps;
      if (periodic || stop) {
        const std::string path = WriteCheckpoint(loss_sum);
        if (stop) {
          last_checkpoint_ = path;
          return -1;
        }
      }
    }
    if (verbose && Seconds(last_report) > 10.0) {
      last_report = Clock::now();
      const double done = double(t + 1 - first_step) / (steps - first_step);
      spdlog::info("epoch {} {:.0f}%  {:.0f} pairs/s  epoch ETA {}", epoch, 100.0 * (t + 1) / steps,
                   done * total_pairs * (steps - first_step) / steps / Seconds(epoch_start),
                   Duration(Seconds(epoch_start) * (1 - done) / done));
    }
  }
  client_.Wait();
  double epoch_seconds = Seconds(epoch_start);
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &epoch_seconds, 1, MPI_DOUBLE, MPI_MAX, workers_));
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &loss_sum, 1, MPI_DOUBLE, MPI_SUM, workers_));
  return epoch_seconds;
}

void Trainer::TrainStep(int epoch, std::int64_t step, std::int64_t begin, std::int64_t end, double& loss_sum) {
  const int C = batch_.candidates, r = shape_.personas, d = shape_.dim, width = shape_.item_width();
  const std::size_t block = static_cast<std::size_t>(r) * d;
  const int n = static_cast<int>(end - begin);
  rng_.seed(MixSeed(MixSeed(config_.seed, kNegativeStream, static_cast<std::uint64_t>(epoch)),
                    static_cast<std::uint64_t>(step), static_cast<std::uint64_t>(layout_.worker_index())));

  // Slots: each distinct user and item of the batch gets one row in the gathered buffers.
  batch_.user.resize(n);
  batch_.item.resize(static_cast<std::size_t>(n) * C);
  slot_users_.clear();
  item_keys_.clear();
  for (int b = 0; b < n; ++b) {
    const std::int64_t pair = order_[begin + b];
    const std::int32_t local = pair_user_[pair];
    if (user_slot_of_[local] < 0) {
      user_slot_of_[local] = static_cast<std::int32_t>(slot_users_.size());
      slot_users_.push_back(local);
    }
    batch_.user[b] = user_slot_of_[local];
    const std::int32_t positive = pair_item_[pair];
    batch_.item[static_cast<std::size_t>(b) * C] = positive;
    // A negative is never the positive itself; with --exclude-seen, never one of the user's
    // training items either (redrawn a bounded number of times, for users who saw most items).
    const std::int32_t user = shard_.users()[local];
    for (int c = 1; c < C; ++c) {
      std::int32_t negative = sampler_.Draw(rng_);
      for (int retry = 0;
           retry < 32 && (negative == positive || (config_.exclude_seen && IsTrainItem(data_, user, negative)));
           ++retry)
        negative = sampler_.Draw(rng_);
      batch_.item[static_cast<std::size_t>(b) * C + c] = negative;
    }
  }
  for (std::int32_t item : batch_.item) {
    if (item_slot_of_[item] < 0) {
      item_slot_of_[item] = 0;
      item_keys_.push_back(item);
    }
  }
  std::sort(item_keys_.begin(), item_keys_.end());  // the protocol wants sorted keys
  for (std::size_t s = 0; s < item_keys_.size(); ++s) item_slot_of_[item_keys_[s]] = static_cast<std::int32_t>(s);
  for (std::int32_t& item : batch_.item) item = item_slot_of_[item];
  if (use_logq_) {
    item_log_q_.resize(item_keys_.size());
    for (std::size_t s = 0; s < item_keys_.size(); ++s) item_log_q_[s] = log_q_[item_keys_[s]];
  }

  // Pull what the batch reads; gather the personas.
  const std::int64_t required = staleness_ < 0 ? 0 : std::max<std::int64_t>(0, clock_ - staleness_);
  item_rows_.resize(item_keys_.size() * width);
  if (n > 0) client_.Pull(item_keys_, att_keys_, required, item_rows_.data(), att_rows_.data());
  user_rows_.resize(slot_users_.size() * block);
  for (std::size_t s = 0; s < slot_users_.size(); ++s)
    std::copy_n(shard_.rows(slot_users_[s]), block, &user_rows_[s * block]);

  if (n > 0) {
    BatchParams params;
    params.users = user_rows_.data();
    params.n_user_slots = static_cast<int>(slot_users_.size());
    params.items = item_rows_.data();
    params.n_item_slots = static_cast<int>(item_keys_.size());
    params.att_u = att_rows_.data();
    params.att_v = att_rows_.data() + static_cast<std::size_t>(d) * shape_.att_dim;
    if (use_logq_) params.item_log_q = item_log_q_.data();
    const BatchStats stats = ForwardBackward(shape_, weights_, batch_, params, gradients_);
    loss_sum += stats.loss * n;
    for (std::size_t s = 0; s < slot_users_.size(); ++s)
      shard_.Update(slot_users_[s], gradients_.users.data() + s * block, adam_);
    std::copy_n(gradients_.att_u.data(), gradients_.att_u.size(), att_gradients_.data());
    std::copy_n(gradients_.att_v.data(), gradients_.att_v.size(), att_gradients_.data() + gradients_.att_u.size());
  }
  ++clock_;
  static const std::vector<std::int32_t> kNoKeys;
  client_.Push(item_keys_, gradients_.items.data(), n > 0 ? att_keys_ : kNoKeys, att_gradients_.data(), clock_);

  for (std::int32_t local : slot_users_) user_slot_of_[local] = -1;
  for (std::int32_t item : item_keys_) item_slot_of_[item] = -1;
}

void Trainer::PullEverything() {
  std::vector<std::int32_t> keys(data_.n_items);
  std::iota(keys.begin(), keys.end(), 0);
  all_items_.resize(static_cast<std::size_t>(data_.n_items) * shape_.item_width());
  all_att_.resize(att_rows_.size());
  client_.Pull(keys, att_keys_, clock_, all_items_.data(), all_att_.data());
}

void Trainer::SwapInAverage(bool restart) {
  if (!averaging_) return;
  client_.Wait();
  if (worker_rank_ == 0) client_.SwapInAverage(clock_, restart);  // servers wait for every push of the epoch
  shard_.SwapInAverage(config_.average_decay, restart);
  AMPCF_CHECK_MPI(MPI_Barrier(workers_));  // nobody pulls before every server has swapped
}

void Trainer::SwapOutAverage() {
  if (!averaging_) return;
  if (worker_rank_ == 0) client_.SwapOutAverage();
  shard_.SwapOutAverage();
  AMPCF_CHECK_MPI(MPI_Barrier(workers_));  // nobody pushes before every server has swapped back
}

EvalTotals Trainer::Evaluate(HeldOut which, bool full) {
  PullEverything();
  const std::size_t half = static_cast<std::size_t>(shape_.dim) * shape_.att_dim;
  Scorer scorer(shape_, all_items_.data(), data_.n_items, all_att_.data(), all_att_.data() + half);
  EvalTotals totals = EvaluateUsers(
      scorer, data_, shard_.users(), [&](std::int32_t u) { return shard_.rows(shard_.local_index(u)); }, which, full);
  double sums[6] = {totals.sampled.hits, totals.sampled.ndcg, double(totals.sampled.users),
                    totals.full.hits,    totals.full.ndcg,    double(totals.full.users)};
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, sums, 6, MPI_DOUBLE, MPI_SUM, workers_));
  totals.sampled = RankingSums{sums[0], sums[1], static_cast<std::int64_t>(sums[2])};
  totals.full = RankingSums{sums[3], sums[4], static_cast<std::int64_t>(sums[5])};
  return totals;
}

void Trainer::Resume(const std::string& path, const CheckpointInfo& info) {
  shard_.ReadCheckpoint(path);
  state_ = info.state;
  resumed_workers_ = info.header.n_workers;
  resumed_ = true;
  resume_path_ = path;
  clock_ = state_.clock;
}

std::string Trainer::WriteCheckpoint(double loss_sum) {
  client_.Wait();
  const std::string dir = (std::filesystem::path(config_.out) / "checkpoints").string();
  const std::string path = CheckpointPath(dir, clock_), temporary = path + ".tmp";
  state_.clock = clock_;
  state_.worker_loss_sums.assign(n_workers_, 0.0);
  AMPCF_CHECK_MPI(
      MPI_Gather(&loss_sum, 1, MPI_DOUBLE, state_.worker_loss_sums.data(), 1, MPI_DOUBLE, 0, workers_));
  const int rank = layout_.world_rank, size = layout_.world_size;
  const auto start = Clock::now();
  // Ranks write their rows in turn, worker 0 first (it creates the file) and last (it finishes).
  try {
    if (worker_rank_ == 0) {
      client_.RequestCheckpoint(clock_);
      CheckpointHeader header;
      header.shape = shape_;
      header.dataset = data_.name;
      header.dataset_fingerprint = data_.Fingerprint();
      header.config = Describe(data_config_, config_);
      header.seed = config_.seed;
      header.n_workers = n_workers_;
      header.n_servers = layout_.n_servers;
      header.item_ids = data_.item_ids;
      header.user_ids = data_.user_ids;
      CreateCheckpoint(temporary, header, state_);
      shard_.WriteCheckpoint(temporary, averaging_);
      if (client_.local_shard() != nullptr) client_.local_shard()->WriteCheckpoint(temporary);
    } else {
      AMPCF_CHECK_MPI(MPI_Recv(nullptr, 0, MPI_CHAR, rank - 1, 0, checkpoint_comm_, MPI_STATUS_IGNORE));
      shard_.WriteCheckpoint(temporary, averaging_);
    }
    if (size > 1) {
      AMPCF_CHECK_MPI(MPI_Send(nullptr, 0, MPI_CHAR, (rank + 1) % size, 0, checkpoint_comm_));
      if (worker_rank_ == 0)
        AMPCF_CHECK_MPI(MPI_Recv(nullptr, 0, MPI_CHAR, size - 1, 0, checkpoint_comm_, MPI_STATUS_IGNORE));
    }
    if (worker_rank_ == 0) FinishCheckpoint(temporary, path, config_.keep_checkpoints);
  } catch (const UserError& error) {
    // A rank that cannot write would leave the others waiting for the token: end the job. The
    // earlier checkpoints are untouched (this one never got its final name).
    AbortJob(Cat("rank ", rank, " could not write checkpoint ", temporary, ": ", error.what()));
  }
  // Nobody trains on before every rank has written (a later push must not reach a server first).
  AMPCF_CHECK_MPI(MPI_Barrier(workers_));
  if (worker_rank_ == 0 && !config_.quiet)
    spdlog::info("checkpoint {} (epoch {}, step {}) in {:.2f}s", path, state_.epoch, state_.step, Seconds(start));
  return path;
}

void Trainer::TrimMetrics(const std::string& path, std::int64_t total_pairs) const {
  const std::int64_t completed = state_.epoch - 1;
  std::string kept, line;
  if (!std::filesystem::exists(path)) {
    // Resumed into another folder: the completed epochs' lines come from the checkpoint.
    for (std::int64_t e = 0; e < completed; ++e)
      kept += fmt::format("{{\"epoch\": {}, \"loss\": {:.6f}, \"val_hr@10\": {:.6f}, \"val_ndcg@10\": {:.6f}, "
                          "\"pairs_per_s\": {:.1f}, \"seconds\": {:.3f}}}\n",
                          e + 1, state_.loss[e], state_.val_hr[e], state_.val_ndcg[e],
                          total_pairs / std::max(state_.seconds[e], 1e-9), state_.seconds[e]);
    if (!kept.empty()) AppendJson(path, kept.substr(0, kept.size() - 1));
    return;
  }
  std::ifstream in(path);
  while (std::getline(in, line)) {
    const std::size_t at = line.find("{\"epoch\": ");
    if (at != 0) continue;  // the final summary line of an earlier finish
    if (std::stoll(line.substr(10)) <= completed) kept += line + "\n";
  }
  const std::string temporary = path + ".tmp";
  std::ofstream(temporary) << kept;
  std::filesystem::rename(temporary, path);
}

TrainSummary Trainer::Run() {
  const bool lead = worker_rank_ == 0;
  const bool verbose = lead && !config_.quiet;
  const bool checkpoints = !config_.out.empty();
  std::int64_t steps = StepsPerEpoch();
  std::int64_t total_pairs = static_cast<std::int64_t>(pair_user_.size());
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &total_pairs, 1, MPI_INT64_T, MPI_SUM, workers_));

  std::string metrics_path;
  if (lead && !config_.out.empty()) {
    std::filesystem::create_directories(std::filesystem::path(config_.out) / "checkpoints");
    metrics_path = (std::filesystem::path(config_.out) / "metrics.jsonl").string();
    if (resumed_) {
      TrimMetrics(metrics_path, total_pairs);
    } else if (std::filesystem::exists(metrics_path)) {
      // Keep an earlier run's metrics rather than mixing or losing them.
      const std::string kept = Cat(metrics_path, ".", std::time(nullptr));
      std::filesystem::rename(metrics_path, kept);
      spdlog::warn("kept the earlier {} as {}", metrics_path, kept);
    }
  }

  // Where to start: a fresh run, or the checkpoint's epoch and step. A checkpoint of another
  // layout (other workers, so other batches) goes on at the same fraction of the epoch.
  std::int64_t first_step = 0;
  double loss_sum = 0;
  if (resumed_) {
    const bool same_layout = resumed_workers_ == n_workers_ && state_.steps_per_epoch == steps;
    first_step = same_layout ? state_.step
                             : std::min<std::int64_t>(steps, std::llround(double(state_.step) * steps / state_.steps_per_epoch));
    double all_workers = 0;
    for (double sum : state_.worker_loss_sums) all_workers += sum;
    loss_sum = same_layout ? state_.worker_loss_sums[worker_rank_] : (lead ? all_workers : 0.0);
    if (verbose)
      spdlog::info("resumed from {}: epoch {}, step {} of {}{}", resume_path_, state_.epoch, first_step, steps,
                   same_layout ? "" : Cat(" (written by ", resumed_workers_, " worker(s) at step ", state_.step, " of ",
                                          state_.steps_per_epoch, ")"));
  }
  state_.steps_per_epoch = steps;

  TrainSummary summary;
  const auto start = Clock::now();
  const int first_epoch = static_cast<int>(state_.epoch);
  // A run resumed after early stopping has nothing left to train: it goes on to the test
  // (or to --refit) at once.
  const bool already_stopped = resumed_ && config_.patience > 0 && state_.since_best >= config_.patience;
  for (int epoch = first_epoch; !already_stopped && epoch <= config_.epochs; ++epoch) {
    state_.epoch = epoch;
    const double epoch_seconds = TrainEpoch(epoch, steps, first_step, total_pairs, loss_sum, checkpoints);
    if (epoch_seconds < 0) {
      summary.interrupted = true;
      summary.stop_signal = StopSignal();
      summary.checkpoint = last_checkpoint_;
      return summary;
    }
    const std::int64_t pairs_this_epoch = total_pairs * (steps - first_step) / steps;
    first_step = 0;
    state_.train_seconds += epoch_seconds;

    SwapInAverage(epoch == 1);
    const EvalTotals validation = Evaluate(HeldOut::kValidation, false);
    const double loss = loss_sum / std::max<std::int64_t>(total_pairs, 1);
    loss_sum = 0;
    const double val_hr = validation.sampled.hr(), val_ndcg = validation.sampled.ndcg_mean();
    const double pairs_per_s = pairs_this_epoch / epoch_seconds;
    state_.loss.push_back(loss);
    state_.val_hr.push_back(val_hr);
    state_.val_ndcg.push_back(val_ndcg);
    state_.seconds.push_back(epoch_seconds);

    // Worker 0 decides; the others wait at the Bcast, so no push of theirs reaches a server
    // before it has kept its rows of this epoch.
    const double score = config_.early_stop == "hr" ? val_hr : val_ndcg;
    int improved = score > state_.best_score ? 1 : 0;
    if (lead && improved) client_.Snapshot();
    AMPCF_CHECK_MPI(MPI_Bcast(&improved, 1, MPI_INT, 0, workers_));
    if (improved) {
      state_.best_score = score;
      state_.since_best = 0;
      state_.best_epoch = epoch;
      state_.best_val_hr = val_hr;
      state_.best_val_ndcg = val_ndcg;
      shard_.SaveBest();
    } else {
      ++state_.since_best;
    }
    SwapOutAverage();
    const bool stop = config_.patience > 0 && state_.since_best >= config_.patience;
    if (verbose) {
      const double elapsed = Seconds(start);
      const int done = epoch - first_epoch + 1;
      spdlog::info("epoch {:3d}/{}  loss {:.4f}  val HR@10 {:.4f} NDCG@10 {:.4f}{}  {:.0f} pairs/s  {:.1f}s  ETA {}",
                   epoch, config_.epochs, loss, val_hr, val_ndcg, improved ? " *" : "  ", pairs_per_s, epoch_seconds,
                   Duration(elapsed / done * (config_.epochs - epoch)));
    }
    if (!metrics_path.empty())
      AppendJson(metrics_path, fmt::format("{{\"epoch\": {}, \"loss\": {:.6f}, \"val_hr@10\": {:.6f}, \"val_ndcg@10\": "
                                           "{:.6f}, \"pairs_per_s\": {:.1f}, \"seconds\": {:.3f}}}",
                                           epoch, loss, val_hr, val_ndcg, pairs_per_s, epoch_seconds));
    state_.epoch = epoch + 1;
    state_.step = 0;
    if (checkpoints) last_checkpoint_ = WriteCheckpoint(0.0);
    if (stop) {
      if (verbose) spdlog::info("early stop: no better validation {} for {} epochs", config_.early_stop, config_.patience);
      break;
    }
  }
  summary.epochs = static_cast<int>(state_.loss.size());
  summary.best_epoch = state_.best_epoch;
  summary.best_val_hr = state_.best_val_hr;
  summary.best_val_ndcg = state_.best_val_ndcg;
  summary.train_seconds = state_.train_seconds;
  std::int64_t pairs_trained = total_pairs * summary.epochs;

  if (config_.refit) {
    // Start again from the initial parameters and train on training + validation items for
    // the number of epochs early stopping chose; that model is the one tested and saved.
    // A stop request ends the refit between epochs; the search's last checkpoint stays the
    // newest, and resuming it with --refit refits again from the start.
    if (last_checkpoint_.empty()) last_checkpoint_ = resume_path_;
    if (lead) client_.Reset();
    AMPCF_CHECK_MPI(MPI_Barrier(workers_));
    shard_.Reset();
    SetTrainingPairs(true);
    steps = StepsPerEpoch();
    total_pairs = static_cast<std::int64_t>(pair_user_.size());
    AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &total_pairs, 1, MPI_INT64_T, MPI_SUM, workers_));
    for (int epoch = 1; epoch <= summary.best_epoch; ++epoch) {
      loss_sum = 0;
      const double epoch_seconds = TrainEpoch(epoch, steps, 0, total_pairs, loss_sum, false);
      summary.train_seconds += epoch_seconds;
      pairs_trained += total_pairs;
      SwapInAverage(epoch == 1);  // the last epoch's average stays in: it is the model tested
      if (epoch < summary.best_epoch) SwapOutAverage();
      if (verbose)
        spdlog::info("refit epoch {:3d}/{}  loss {:.4f}  {:.0f} pairs/s  {:.1f}s", epoch, summary.best_epoch,
                     loss_sum / std::max<std::int64_t>(total_pairs, 1), total_pairs / epoch_seconds, epoch_seconds);
      int signal = StopSignal();
      AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &signal, 1, MPI_INT, MPI_MAX, workers_));
      if (signal != 0 && epoch < summary.best_epoch) {
        summary.interrupted = true;
        summary.during_refit = true;
        summary.stop_signal = signal;
        summary.checkpoint = last_checkpoint_;
        return summary;
      }
    }
  } else {
    // Test the best epoch's model.
    if (lead) client_.Restore();
    AMPCF_CHECK_MPI(MPI_Barrier(workers_));
    shard_.RestoreBest();
  }
  summary.pairs_per_s = pairs_trained / std::max(summary.train_seconds, 1e-9);
  std::string tdd;
  if (config_.out.empty()) {
    summary.test = Evaluate(HeldOut::kTest, true);
  } else {
    // The report of the tested model, DIR/eval.h5 (eval/report.h), with its taste space,
    // taste.h5; it ranks the test items in both protocols too, so they are not ranked twice.
    PullEverything();
    const std::filesystem::path dir(config_.out);
    const TasteSpace taste = ShareTasteSpace(data_, TasteOptions(), "", workers_);
    const std::size_t half = static_cast<std::size_t>(shape_.dim) * shape_.att_dim;
    Scorer scorer(shape_, all_items_.data(), data_.n_items, all_att_.data(), all_att_.data() + half);
    ReportOptions report;
    report.path = (dir / "eval.h5").string();
    report.model = (dir / "model.h5").string();
    summary.report = EvaluateReport(scorer, data_, taste, shard_.users(),
                                    [&](std::int32_t u) { return shard_.rows(shard_.local_index(u)); }, report, workers_);
    if (lead) WriteTasteSpace((dir / "taste.h5").string(), taste);
    const double users = summary.report.at("users");
    summary.test.sampled = RankingSums{summary.report.at("hr@10") * users, summary.report.at("ndcg@10") * users,
                                       static_cast<std::int64_t>(users)};
    summary.test.full = RankingSums{summary.report.at("full_hr@10") * users, summary.report.at("full_ndcg@10") * users,
                                    static_cast<std::int64_t>(users)};
    tdd = fmt::format(", \"tdd_js\": {:.6f}, \"tdd_hellinger\": {:.6f}", summary.report.at("tdd_js"),
                      summary.report.at("tdd_hellinger"));
  }
  if (!metrics_path.empty())
    AppendJson(metrics_path,
               fmt::format("{{\"best_epoch\": {}, \"refit\": {}, \"val_hr@10\": {:.6f}, \"val_ndcg@10\": {:.6f}, "
                           "\"test_hr@10\": {:.6f}, \"test_ndcg@10\": {:.6f}, \"test_full_hr@10\": {:.6f}, "
                           "\"test_full_ndcg@10\": {:.6f}{}, \"pairs_per_s\": {:.1f}, \"train_seconds\": {:.3f}}}",
                           summary.best_epoch, config_.refit ? "true" : "false", summary.best_val_hr,
                           summary.best_val_ndcg, summary.test.sampled.hr(), summary.test.sampled.ndcg_mean(),
                           summary.test.full.hr(), summary.test.full.ndcg_mean(), tdd, summary.pairs_per_s,
                           summary.train_seconds));
  return summary;
}

ModelData Trainer::GatherModel() {
  const std::size_t block = static_cast<std::size_t>(shape_.personas) * shape_.dim;
  int count = static_cast<int>(shard_.users().size());
  std::vector<int> counts(n_workers_), displacements(n_workers_, 0);
  AMPCF_CHECK_MPI(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, workers_));
  std::vector<std::int32_t> users;
  std::vector<float> rows;
  std::vector<int> row_counts(n_workers_), row_displacements(n_workers_, 0);
  if (worker_rank_ == 0) {
    for (int w = 1; w < n_workers_; ++w) displacements[w] = displacements[w - 1] + counts[w - 1];
    users.resize(displacements.back() + counts.back());
    rows.resize(users.size() * block);
    for (int w = 0; w < n_workers_; ++w) {
      row_counts[w] = counts[w] * static_cast<int>(block);
      row_displacements[w] = displacements[w] * static_cast<int>(block);
    }
  }
  AMPCF_CHECK_MPI(MPI_Gatherv(shard_.users().data(), count, MPI_INT32_T, users.data(), counts.data(),
                              displacements.data(), MPI_INT32_T, 0, workers_));
  AMPCF_CHECK_MPI(MPI_Gatherv(shard_.params().data(), count * static_cast<int>(block), MPI_FLOAT, rows.data(),
                              row_counts.data(), row_displacements.data(), MPI_FLOAT, 0, workers_));
  ModelData model;
  if (worker_rank_ != 0) return model;
  model.shape = shape_;
  model.dataset = data_.name;
  model.dataset_fingerprint = data_.Fingerprint();
  model.config = Describe(data_config_, config_);
  model.item_ids = data_.item_ids;
  model.items.assign(all_items_.begin(), all_items_.end());
  const std::size_t half = static_cast<std::size_t>(shape_.dim) * shape_.att_dim;
  model.att_u.assign(all_att_.begin(), all_att_.begin() + half);
  model.att_v.assign(all_att_.begin() + half, all_att_.end());
  model.user_ids = data_.user_ids;
  model.user_names = data_.user_names;
  model.item_names = data_.item_names;
  model.personas.resize(static_cast<std::size_t>(data_.n_users) * block);
  for (std::size_t i = 0; i < users.size(); ++i)
    std::copy_n(&rows[i * block], block, &model.personas[static_cast<std::size_t>(users[i]) * block]);
  return model;
}

}  // namespace ampcf
