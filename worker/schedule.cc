#include "worker/schedule.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "core/mpi_env.h"
#include "core/peer_wait.h"
#include "core/stop_signal.h"
#include "worker/timing.h"
#include "eval/report.h"
#include "eval/taste_space.h"
#include "worker/metrics_log.h"

namespace ampcf {

namespace {


// Where a run starts: a fresh run, or the checkpoint's epoch and step. A checkpoint of another
// layout (other workers, so other batches) goes on at the same fraction of the epoch.
struct StartPoint {
  std::int64_t first_step = 0;
  double loss_sum = 0;
};

StartPoint StartOf(Trainer& trainer, const TrainingState& state, std::int64_t steps) {
  StartPoint start;
  const RunCoordinator& run = trainer.run();
  if (!run.resumed()) return start;
  const int n_workers = trainer.n_workers(), worker = trainer.worker_rank();
  const bool same_layout = run.resumed_workers() == n_workers && state.steps_per_epoch == steps;
  start.first_step = same_layout ? state.step
                                 : std::min<std::int64_t>(steps, std::llround(double(state.step) * steps / state.steps_per_epoch));
  double all_workers = 0;
  for (double sum : state.worker_loss_sums) all_workers += sum;
  start.loss_sum = same_layout ? state.worker_loss_sums[worker] : (trainer.lead() ? all_workers : 0.0);
  if (trainer.lead() && !trainer.config().quiet)
    spdlog::info("resumed from {}: epoch {}, step {} of {}{}", run.resume_path(), state.epoch, start.first_step, steps,
                 same_layout ? "" : Cat(" (written by ", run.resumed_workers(), " worker(s) at step ", state.step,
                                        " of ", state.steps_per_epoch, ")"));
  return start;
}

// The search: epochs until --epochs or early stopping, its progress in `state`. Returns false
// when a stop was requested (summary then says where the checkpoint is).
bool Search(Trainer& trainer, MetricsLog& log, std::int64_t total_pairs, TrainingState& state, TrainSummary& summary) {
  const TrainConfig& config = trainer.config();
  const bool verbose = trainer.lead() && !config.quiet, checkpoints = !config.out.empty();
  ModelLifecycle& model = trainer.model();
  RunCoordinator& run = trainer.run();
  const std::int64_t steps = trainer.StepsPerEpoch();
  StartPoint start = StartOf(trainer, state, steps);
  state.steps_per_epoch = steps;
  const auto started = Clock::now();
  const int first_epoch = static_cast<int>(state.epoch);
  // A run resumed after early stopping has nothing left to train: it goes on to the test
  // (or to --refit) at once.
  const bool already_stopped = run.resumed() && config.patience > 0 && state.since_best >= config.patience;
  for (int epoch = first_epoch; !already_stopped && epoch <= config.epochs; ++epoch) {
    state.epoch = epoch;
    const EpochEnd end =
        trainer.TrainEpoch(epoch, steps, start.first_step, total_pairs, start.loss_sum, checkpoints ? &state : nullptr);
    if (end.stopped) {
      summary.interrupted = true;
      summary.stop_signal = StopSignal();
      summary.checkpoint = run.last_checkpoint();
      return false;
    }
    const double epoch_seconds = end.seconds;
    EpochRecord record;
    record.epoch = epoch;
    record.seconds = epoch_seconds;
    record.pairs = static_cast<double>(total_pairs) * (steps - start.first_step) / steps;
    record.pairs_per_s = record.pairs / epoch_seconds;
    record.ranks = trainer.EpochCounters();
    record.n_workers = trainer.n_workers();
    start.first_step = 0;
    state.train_seconds += epoch_seconds;

    model.SwapInAverage(epoch == 1, trainer.clock());
    const EvalTotals validation = model.Evaluate(HeldOut::kValidation, false, trainer.clock());
    record.loss = start.loss_sum / std::max<std::int64_t>(total_pairs, 1);
    start.loss_sum = 0;
    record.val_hr = validation.sampled.hr();
    record.val_ndcg = validation.sampled.ndcg_mean();
    state.loss.push_back(record.loss);
    state.val_hr.push_back(record.val_hr);
    state.val_ndcg.push_back(record.val_ndcg);
    state.seconds.push_back(epoch_seconds);

    const double score = config.early_stop == "hr" ? record.val_hr : record.val_ndcg;
    const bool improved = model.KeepIfBest(score > state.best_score);
    if (improved) {
      state.best_score = score;
      state.since_best = 0;
      state.best_epoch = epoch;
      state.best_val_hr = record.val_hr;
      state.best_val_ndcg = record.val_ndcg;
    } else {
      ++state.since_best;
    }
    model.SwapOutAverage();
    const bool stop = config.patience > 0 && state.since_best >= config.patience;
    if (verbose)
      spdlog::info("epoch {:3d}/{}  loss {:.4f}  val HR@10 {:.4f} NDCG@10 {:.4f}{}  {:.0f} pairs/s  {:.1f}s  ETA {}",
                   epoch, config.epochs, record.loss, record.val_hr, record.val_ndcg, improved ? " *" : "  ",
                   record.pairs_per_s, epoch_seconds,
                   Duration(Seconds(started) / (epoch - first_epoch + 1) * (config.epochs - epoch)));
    if (trainer.lead()) log.Append(FormatEpochLine(record));
    state.epoch = epoch + 1;
    state.step = 0;
    // The search's last epoch always ends in a checkpoint (a finished run resumes straight to the
    // test or --refit); others by --checkpoint-epochs or when --checkpoint-minutes ran out.
    const bool epoch_checkpoint = stop || epoch == config.epochs || run.timed_checkpoint_due() ||
                                  (config.checkpoint_epochs > 0 && epoch % config.checkpoint_epochs == 0);
    if (checkpoints && epoch_checkpoint) run.WriteCheckpoint(state, trainer.clock(), 0.0, model);
    if (stop) {
      if (verbose) spdlog::info("early stop: no better validation {} for {} epochs", config.early_stop, config.patience);
      break;
    }
  }
  return true;
}

// --refit: start again from the initial parameters and train on training + validation items
// for the number of epochs early stopping chose; that model is the one tested and saved. A stop
// request ends the refit between epochs; the search's last checkpoint stays the newest, and
// resuming it with --refit refits again from the start. Returns false when stopped.
bool Refit(Trainer& trainer, std::int64_t& pairs_trained, TrainSummary& summary) {
  const bool verbose = trainer.lead() && !trainer.config().quiet;
  ModelLifecycle& model = trainer.model();
  const RunCoordinator& run = trainer.run();
  const std::string search_checkpoint = run.last_checkpoint().empty() ? run.resume_path() : run.last_checkpoint();
  model.ResetRows();
  const std::int64_t total_pairs = trainer.UseValidation(true);
  const std::int64_t steps = trainer.StepsPerEpoch();
  for (int epoch = 1; epoch <= summary.best_epoch; ++epoch) {
    double loss_sum = 0;
    const double epoch_seconds = trainer.TrainEpoch(epoch, steps, 0, total_pairs, loss_sum, nullptr).seconds;
    summary.train_seconds += epoch_seconds;
    pairs_trained += total_pairs;
    model.SwapInAverage(epoch == 1, trainer.clock());  // the last epoch's average stays in: it is the model tested
    if (epoch < summary.best_epoch) model.SwapOutAverage();
    if (verbose)
      spdlog::info("refit epoch {:3d}/{}  loss {:.4f}  {:.0f} pairs/s  {:.1f}s", epoch, summary.best_epoch,
                   loss_sum / std::max<std::int64_t>(total_pairs, 1), total_pairs / epoch_seconds, epoch_seconds);
    int signal = StopSignal();
    peer::Allreduce(MPI_IN_PLACE, &signal, 1, MPI_INT, MPI_MAX, trainer.context().workers, kOtherWorkers);
    if (signal != 0 && epoch < summary.best_epoch) {
      summary.interrupted = true;
      summary.during_refit = true;
      summary.stop_signal = signal;
      summary.checkpoint = search_checkpoint;
      return false;
    }
  }
  return true;
}

// The tested model's metrics; with --out also DIR/eval.h5 (eval/report.h) and its taste space,
// DIR/taste.h5 (the report ranks the test items in both protocols, so they are not ranked twice).
void Test(Trainer& trainer, RunRecord& record, TrainSummary& summary) {
  const TrainConfig& config = trainer.config();
  ModelLifecycle& model = trainer.model();
  if (config.out.empty()) {
    summary.test = model.Evaluate(HeldOut::kTest, true, trainer.clock());
    return;
  }
  const std::unique_ptr<Scorer> scorer = model.PullScorer(trainer.clock());
  const Dataset& data = *trainer.context().data;
  const std::filesystem::path dir(config.out);
  const TasteSpace taste = ShareTasteSpace(data, TasteOptions(), "", trainer.context().workers);
  ReportOptions report;
  report.path = (dir / "eval.h5").string();
  report.model = (dir / "model.h5").string();
  report.exclude_validation = config.refit;
  report.sample = UserSample(config.eval_users, data.n_users, trainer.context().data_config->eval_seed);
  summary.report = EvaluateReport(*scorer, data, taste, model.users(),
                                  [&](std::int32_t u) { return model.user_row(u); }, report, trainer.context().workers);
  if (trainer.lead()) WriteTasteSpace((dir / "taste.h5").string(), taste);
  const double users = summary.report.at("users"), full_users = summary.report.at("full_users");
  summary.test.sampled = RankingSums{summary.report.at("hr@10") * users, summary.report.at("ndcg@10") * users,
                                     static_cast<std::int64_t>(users)};
  summary.test.full = RankingSums{summary.report.at("full_hr@10") * full_users,
                                  summary.report.at("full_ndcg@10") * full_users, static_cast<std::int64_t>(full_users)};
  record.has_tdd = true;
  record.tdd_js = summary.report.at("tdd_js");
  record.tdd_hellinger = summary.report.at("tdd_hellinger");
  // Beside the figures above: the sampled protocol without cold test items, the retrieval figures of full ranking, the histogram TDD, the
  // persona diagnostics and the collapse ablation.
  for (const char* name : {"cold_test_items", "warm_hr@10", "warm_ndcg@10", "full_recall@20", "full_recall@50",
                           "full_ndcg@50", "tdd_hist_js", "tdd_hist_hellinger",
                           "persona_similarity", "persona_overlap", "attention_entropy", "collapsed_hr@10",
                           "collapsed_ndcg@10", "collapsed_full_hr@10", "collapsed_full_ndcg@10",
                           "collapsed_full_recall@20", "collapsed_full_recall@50", "collapsed_full_ndcg@50",
                           "collapsed_tdd_js", "collapsed_tdd_hist_js"})
    if (summary.report.count(name) != 0) record.figures.emplace_back(PrintedFigureName(name), summary.report.at(name));
}

}  // namespace

TrainSummary RunSchedule(Trainer& trainer) {
  const TrainConfig& config = trainer.config();
  const std::int64_t total_pairs = trainer.UseValidation(false);
  MetricsLog log(trainer.lead() && !config.out.empty()
                     ? (std::filesystem::path(config.out) / "metrics.jsonl").string()
                     : std::string());
  if (trainer.lead() && !config.out.empty()) {
    std::filesystem::create_directories(std::filesystem::path(config.out) / "checkpoints");
    if (trainer.run().resumed())
      log.Resume(trainer.run().resumed_progress(), total_pairs);
    else
      log.Start();
  }
  // The run's progress: epochs, history, the best epoch (what a checkpoint stores with the rows).
  TrainingState state = trainer.run().resumed() ? trainer.run().resumed_progress() : TrainingState{};
  TrainSummary summary;
  if (!Search(trainer, log, total_pairs, state, summary)) return summary;
  summary.epochs = static_cast<int>(state.loss.size());
  summary.best_epoch = state.best_epoch;
  summary.best_val_hr = state.best_val_hr;
  summary.best_val_ndcg = state.best_val_ndcg;
  summary.train_seconds = state.train_seconds;
  std::int64_t pairs_trained = total_pairs * summary.epochs;
  if (config.refit) {
    if (!Refit(trainer, pairs_trained, summary)) return summary;
  } else {
    trainer.model().RestoreBest();  // test the best epoch's model
  }
  summary.pairs_per_s = pairs_trained / std::max(summary.train_seconds, 1e-9);
  RunRecord record;
  Test(trainer, record, summary);
  record.best_epoch = summary.best_epoch;
  record.refit = config.refit;
  record.val_hr = summary.best_val_hr;
  record.val_ndcg = summary.best_val_ndcg;
  record.test_hr = summary.test.sampled.hr();
  record.test_ndcg = summary.test.sampled.ndcg_mean();
  record.test_full_hr = summary.test.full.hr();
  record.test_full_ndcg = summary.test.full.ndcg_mean();
  record.test_users = summary.test.sampled.users;
  record.test_full_users = summary.test.full.users;
  record.pairs_per_s = summary.pairs_per_s;
  record.train_seconds = summary.train_seconds;
  if (trainer.lead()) log.Append(FormatRunLine(record));
  return summary;
}

}  // namespace ampcf
