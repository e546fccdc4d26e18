// The rows one parameter server owns of every server table (rows k % S == s; RowTable keeps
// their Adam state, best copy and average), and what it does with them: read rows (pull),
// apply gradients (push, or a synchronous clock's sum), keep and restore the best rows, swap in
// the running average, reset, and its part of a checkpoint.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/eigen_types.h"
#include "ps/protocol.h"
#include "tables/row_table.h"
#include "tables/table_spec.h"

namespace ampcf::ps {

// One push's keys and gradients (ps/protocol.h), viewed in place.
struct PushedGradients {
  KeyLists keys;
  const float* values = nullptr;
};

class ServerShard {
 public:
  // `tables`: the model's kOnServers tables, in order (at most kMaxTables).
  ServerShard(const std::vector<TableSpec>& tables, int server_index, int n_servers, double average_decay);

  int n_tables() const { return static_cast<int>(tables_.size()); }
  int width(int table) const { return tables_[table].width(); }
  // Copies the rows of table t's keys (owned by this shard) to `out`, in key order.
  void ReadRows(int table, const std::int32_t* keys, int n, float* out) const;
  // Every table's rows in turn, as a pull reply lays them out.
  void ReadRows(const KeyLists& keys, float* out) const;
  // One Adam step on every row named, the gradients laid out as ReadRows' output; with
  // `repeats` (one per key, tables in order), repeats[i] steps of the same gradient on key i's row.
  void ApplyGradients(int table, const std::int32_t* keys, int n, const float* gradients,
                      const std::int32_t* repeats = nullptr);
  void ApplyGradients(const KeyLists& keys, const float* gradients, const std::int32_t* repeats = nullptr);
  // Synchronous mode: the pushes of one clock (each laid out as above) are summed row by row,
  // in the order given, and every row they name takes one Adam step: the same update as one
  // rank computing the whole batch. Fixed order makes the sum bitwise reproducible.
  void ApplyClock(const std::vector<PushedGradients>& pushes);
  void SaveBest();
  void RestoreBest();
  // Folds the rows into their running average and swaps it in: until SwapOutAverage, reads,
  // SaveBest and checkpoints see the average (`restart`: the average starts from the rows).
  void SwapInAverage(bool restart);
  void SwapOutAverage();
  // This shard's rows of every table into / out of a checkpoint file (io/checkpoint_file.h).
  void WriteCheckpoint(const std::string& path) const;
  void ReadCheckpoint(const std::string& path);
  // Starts this shard's rows from a trained model's (RowTable::StartFrom): a per-item table's
  // rows by original item id (`item_ids`: the run's, by dense id; `source_item_ids`: the
  // source's, by row), a dense table's row by row. `warm` blends the per-item rows with their
  // initial ones; dense tables (attention maps, towers: shared by every row) are copied as
  // they are. Returns the rows found of the first per-item table. UserError naming the
  // source's file when a dense table's row count differs.
  std::int64_t StartFrom(const RowSource& source, std::span<const std::int64_t> item_ids,
                         std::span<const std::int64_t> source_item_ids, WarmStart warm = {});
  // Back to the initial rows and a fresh optimiser (the seed makes them the same as at start).
  void Reset();

 private:
  std::int64_t LocalRow(int table, std::int32_t key) const;
  std::vector<std::int64_t> LocalRows(int table, const std::int32_t* keys, int n) const;

  int server_index_, n_servers_;
  double average_decay_;  // 0: no averaging
  std::vector<std::int64_t> table_rows_;  // each table's global row count
  std::vector<bool> dense_;                // each table's TableSpec::dense
  std::vector<RowTable> tables_;
  // ApplyClock's scratch: which rows a clock touches, and their summed gradients.
  std::vector<std::pair<std::int32_t, const float*>> clock_rows_;
  std::vector<std::size_t> key_starts_;  // ApplyClock: where each key's rows start in clock_rows_
  std::vector<std::int64_t> local_rows_;   // ApplyClock: each key's local row
};

}  // namespace ampcf::ps
