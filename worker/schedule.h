// The training schedule a worker follows: the search (epochs with validation and early
// stopping, a checkpoint after each), the optional refit on training + validation items for the
// chosen number of epochs, and the finish (the tested model's evaluation, eval.h5 with --out,
// the summary line of metrics.jsonl).
#pragma once

#include <map>
#include <string>

#include "eval/ranking.h"
#include "worker/trainer.h"

namespace ampcf {

struct TrainSummary {
  int epochs = 0;  // trained (before early stopping)
  int best_epoch = 0;
  double best_val_hr = 0, best_val_ndcg = 0;
  EvalTotals test;                       // of the tested model, summed over all workers
  std::map<std::string, double> report;  // eval/report.h figures (with --out)
  double pairs_per_s = 0;                // over all epochs and all ranks
  double train_seconds = 0;
  // Stopped early by SIGTERM/SIGINT (core/stop_signal.h) or --stop-after-steps, after writing `checkpoint`.
  bool interrupted = false;
  int stop_signal = 0;
  std::string checkpoint;
  bool during_refit = false;  // stopped in --refit: `checkpoint` is the search's last (may be "")
};

// Trains, tests the chosen model and, on worker 0 with --out, writes the report files. Returns
// the summary on every worker. Collective over the workers.
TrainSummary RunSchedule(Trainer& trainer);

}  // namespace ampcf
