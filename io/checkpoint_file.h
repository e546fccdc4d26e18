// Checkpoints: one HDF5 file holds everything needed to continue a run, keyed by global ids,
// so that it loads on any rank layout. Readable with h5py and h5dump.
//
//   /                 attributes: format ("ampcf-checkpoint"), version (2), model (its name),
//                     tables (one line per table: name rows width), the shape
//                     (io/shape_attributes.h), dataset, dataset_fingerprint, config (the effective options),
//                     seed, n_workers and n_servers (the layout that wrote it), and the training
//                     state: epoch (the epoch in progress, from 1), step (its steps done),
//                     steps_per_epoch, clock (steps every worker has completed), best_epoch,
//                     best_score, best_val_hr, best_val_ndcg, since_best, train_seconds;
//                     complete (1, written last: a file without it is unfinished)
//   /TABLE            one group per table of the model (models/model.h), e.g. AMP-CF's
//                     items (by dense id, width d+1: [v_j, b_j]; ids: original item ids),
//                     attention (A_u rows 0..d-1 then A_v rows, width da) and users (by dense
//                     id, width r*d: the personas; ids: original user ids)
//     each table:     values, adam_m, adam_v, best, average   float [rows, width]   (best: the rows
//                     of the best validation epoch so far; average: their running average over
//                     epochs, --average-decay, or the rows themselves when averaging is off);
//                     adam_steps int32 [rows] (per-row Adam count)
//   /history          loss, val_hr, val_ndcg, seconds   float64 [completed epochs]
//   /workers/loss_sum float64 [n_workers]: each worker's loss sum so far in the epoch in progress
//
// The RNG needs no state: the shuffle of epoch e and the negatives of step t are seeded from
// (--seed, e, t, worker), so (epoch, step) says where every random stream stands.
// Arrays are chunked with Fletcher-32 checksums: HDF5 refuses to read a corrupted chunk.
// Every rank writes its own rows in turn (serial HDF5, one writer at a time), so no rank ever
// holds the whole model; a file is written as NAME.tmp and renamed only once complete.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "io/model_shape.h"

namespace ampcf {

struct CheckpointTable {
  std::string name;
  std::int64_t rows = 0;
  int width = 0;
};

struct CheckpointHeader {
  std::string model;  // models/registry.h names it; empty in version-1 files, which predate the name
  std::vector<CheckpointTable> tables;  // "items" and "users" also get the ids below
  ModelShape shape;
  std::string dataset;
  std::uint64_t dataset_fingerprint = 0;
  std::string config;
  std::uint64_t seed = 0;
  int n_workers = 1, n_servers = 1;
  // Original ids. Empty user_ids: every rank writes its users' (WriteCheckpointIds).
  std::vector<std::int64_t> item_ids, user_ids;
};

struct TrainingState {
  std::int64_t epoch = 1;  // the epoch in progress
  std::int64_t step = 0;   // steps of it completed
  std::int64_t steps_per_epoch = 0;
  std::int64_t clock = 0;
  int best_epoch = 0;
  double best_score = -1, best_val_hr = 0, best_val_ndcg = 0;
  int since_best = 0;
  double train_seconds = 0;
  std::vector<double> loss, val_hr, val_ndcg, seconds;  // per completed epoch
  std::vector<double> worker_loss_sums;                 // per worker of the writing layout
};

// Rows start, start + stride, ... (count of them) of a table: one shard's part.
struct RowSelection {
  std::int64_t start = 0, stride = 1, count = 0;
};

// A shard's arrays for its selected rows, count x width floats each (adam_steps: count).
struct RowArrays {
  float* values = nullptr;
  float* adam_m = nullptr;
  float* adam_v = nullptr;
  float* best = nullptr;
  std::int32_t* adam_steps = nullptr;
  float* average = nullptr;  // required for writing; reading skips the file's when null
};

// DIR/checkpoint-<clock, 12 digits>.h5
std::string CheckpointPath(const std::string& dir, std::int64_t clock);

// Creates `path` (truncating) with every attribute but `complete` and every table, unfilled.
void CreateCheckpoint(const std::string& path, const CheckpointHeader& header, const TrainingState& state);
// Writes one shard's rows of `table` into the file at `path`, then reads them back (checksums).
void WriteCheckpointRows(const std::string& path, const char* table, int width, const RowSelection& rows,
                         const RowArrays& arrays);
// Marks `temporary` complete, flushes it to disk, renames it to `path` and keeps only the
// newest `keep` checkpoints in its folder.
// Writes the original ids of rows [first, first + ids.size()) of `table` (when the header left
// them to the ranks).
void WriteCheckpointIds(const std::string& path, const char* table, std::int64_t first, std::span<const std::int64_t> ids);
void FinishCheckpoint(const std::string& temporary, const std::string& path, int keep);

// Opens a complete checkpoint of this format and version; UserError naming the file otherwise.
struct CheckpointInfo {
  CheckpointHeader header;
  TrainingState state;
};
CheckpointInfo ReadCheckpointInfo(const std::string& path);
// Whether the HDF5 file at `path` says it is a checkpoint (else, say, a model file); UserError
// naming it when it is no HDF5 file.
bool IsCheckpointFile(const std::string& path);
// Reads one shard's rows of `table` (its width must match).
void ReadCheckpointRows(const std::string& path, const char* table, int width, const RowSelection& rows,
                        const RowArrays& arrays);
// Reads every array of the file in blocks, so that HDF5 checks every checksum; UserError if
// any chunk is corrupt or the file is incomplete.
void VerifyCheckpoint(const std::string& path);
// The newest checkpoint in `dir` that verifies ("" if none); each newer one that does not is
// named in `warnings`.
std::string FindLatestCheckpoint(const std::string& dir, std::vector<std::string>& warnings);

// A readable summary (ampcf inspect).
std::string DescribeCheckpoint(const std::string& path);

}  // namespace ampcf
