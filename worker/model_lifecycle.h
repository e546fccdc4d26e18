// The model over a run, as one worker sees it: its users' rows (the per-user table, which the
// step pipeline updates) beside the servers' tables. Keeping and restoring the best rows,
// resetting them (--refit), the running average (--average-decay), scorers over the pulled server
// tables for evaluation, and model.h5. Collective calls are collective over the workers, and
// worker 0 speaks for them to the servers.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/eigen_types.h"
#include "data/dataset.h"
#include "eval/ranking.h"
#include "models/model.h"
#include "options/config.h"
#include "ps/servers.h"
#include "tables/row_table.h"
#include "worker/trainer_context.h"

namespace ampcf {

class ModelLifecycle {
 public:
  // `users`: this worker's users, one contiguous range of dense ids (context.left_out: those of
  // them not evaluated). `context` must outlive the lifecycle.
  ModelLifecycle(const TrainerContext& context, const std::vector<std::int32_t>& users);

  RowTable& user_table() { return user_table_; }
  const RowTable& user_table() const { return user_table_; }
  // Whether training updates the user rows (else they are made from the users' items).
  bool user_rows_trained() const { return user_rows_trained_; }
  std::int32_t first_user() const { return first_user_; }

  // Best rows: worker 0 decides; every rank keeps its rows if `improved` (returned on every
  // worker). Collective.
  bool KeepIfBest(bool improved);
  void RestoreBest();
  // Every rank back to its initial rows and a fresh optimiser (--refit). Collective.
  void ResetRows();
  // --average-decay: every rank folds its rows into their running average and swaps it in
  // (validation, the best model and the test see it), then swaps the rows back before training
  // goes on. `clock`: this worker's steps so far (the servers wait for every push up to it).
  // No-ops without averaging. Collective.
  void SwapInAverage(bool restart, std::int64_t clock);
  void SwapOutAverage();

  // Validation or test metrics of every worker's users, summed; the server rows pulled as of
  // `clock`. Collective.
  EvalTotals Evaluate(HeldOut which, bool full, std::int64_t clock);
  // The whole server tables, pulled as of `clock` (after the last push), and a scorer over them.
  std::unique_ptr<Scorer> PullScorer(std::int64_t clock);
  // The users evaluated: this worker's, less those left out of training.
  const std::vector<std::int32_t>& users() const { return evaluated_users_; }
  const float* user_row(std::int32_t user) const { return user_table_.row(user - first_user_); }
  // Writes model.h5 at `path` (after PullScorer): worker 0 the item side, every worker its
  // users' rows in turn (no rank holds every user's). Collective over the workers.
  void WriteModelFile(const std::string& path);

 private:
  bool lead() const { return worker_rank_ == 0; }
  // A scorer of the held-out items of `which` of this worker's users and their candidates: only
  // those rows of the item table are pulled (the other server tables whole).
  std::unique_ptr<Scorer> PullCandidateScorer(HeldOut which, std::int64_t clock);
  // Pulls every row of each server table into `into`, or of the item table only `items` (null:
  // all); returns the tables' pointers in server-table order.
  std::vector<const float*> PullTables(const std::vector<std::int32_t>* items, std::int64_t clock,
                                       std::vector<AlignedVector<float>>& into);

  const TrainerContext& context_;
  int worker_rank_ = 0;
  std::int32_t first_user_ = 0;
  std::vector<std::int32_t> evaluated_users_;
  RowTable user_table_;
  bool user_rows_trained_;
  std::vector<AlignedVector<float>> whole_tables_;       // every row of each server table
  std::vector<AlignedVector<float>> candidate_tables_;   // the rows PullCandidateScorer pulled
  std::vector<std::int32_t> candidate_items_[2];          // per HeldOut: CandidateItems, once computed
};

}  // namespace ampcf
