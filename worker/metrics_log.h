// DIR/metrics.jsonl: one JSON object per line, an epoch line per trained epoch and a summary
// line at the end of a run. Each line has one formatter here.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/counters.h"

#include "io/checkpoint_file.h"

namespace ampcf {

struct EpochRecord {
  int epoch = 0;
  double loss = 0, val_hr = 0, val_ndcg = 0, pairs_per_s = 0, seconds = 0;
  // The epoch's training, per world rank (workers, then servers; none for lines rebuilt from a
  // checkpoint), and the positive pairs it trained: "bytes_per_pair" is every rank's bytes out
  // over them.
  std::vector<RankCounters> ranks{};
  int n_workers = 0;
  double pairs = 0;
};

struct RunRecord {
  int best_epoch = 0;
  bool refit = false;
  double val_hr = 0, val_ndcg = 0;
  double test_hr = 0, test_ndcg = 0, test_full_hr = 0, test_full_ndcg = 0;
  std::int64_t test_users = 0, test_full_users = 0;  // users behind the sampled / full figures (--eval-users)
  bool has_tdd = false;
  double tdd_js = 0, tdd_hellinger = 0;
  // Further report figures by name (persona diagnostics, the collapse ablation), in this order.
  std::vector<std::pair<std::string, double>> figures;
  double pairs_per_s = 0, train_seconds = 0;
};

std::string FormatEpochLine(const EpochRecord& record);
std::string FormatRunLine(const RunRecord& record);

class MetricsLog {
 public:
  // `path` "" logs nothing.
  explicit MetricsLog(std::string path) : path_(std::move(path)) {}
  // A fresh run: an earlier run's file is kept under a new name rather than mixed or lost.
  void Start();
  // A resumed run: keeps the lines of the epochs the checkpoint has completed (rebuilt from its
  // history when the file is absent, as when resuming into another folder); `total_pairs`: the
  // positives of an epoch, for the rebuilt lines' pairs/s.
  void Resume(const TrainingState& state, std::int64_t total_pairs);
  void Append(const std::string& line) const;

 private:
  std::string path_;
};

}  // namespace ampcf
