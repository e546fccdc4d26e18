// One table's rows as a shard holds them: the values, Adam's moments and per-row step counts,
// the best epoch's copy, the running average over epochs, and the table's rows of a checkpoint.
// User rows on a worker, item rows and attention rows on a server are all RowTables; a shard
// only maps its keys to local row indices.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/eigen_types.h"
#include "io/checkpoint_file.h"
#include "tables/adam.h"
#include "tables/row_source.h"

namespace ampcf {

// Fills the row of a global key; the row arrives zeroed. Deterministic in the key (seeded from
// it), so that any shard layout and a Reset give the same rows.
using RowInitialiser = std::function<void(std::int64_t key, float* row)>;

class RowTable {
 public:
  // Holds the rows `rows` (global keys start, start + stride, ...) of the table `name`, each
  // `width` floats, initialised by `init` and updated by Adam with `adam`.
  // `averaging`: the table keeps a running average of its rows (--average-decay); without it no
  // memory is spent on one.
  RowTable(std::string name, int width, RowSelection rows, RowInitialiser init, AdamConfig adam, bool averaging);

  const std::string& name() const { return name_; }
  int width() const { return width_; }
  std::int64_t size() const { return rows_.count; }
  std::int64_t key(std::int64_t local) const { return rows_.start + local * rows_.stride; }
  float* row(std::int64_t local) { return &values_[Offset(local)]; }
  const float* row(std::int64_t local) const { return &values_[Offset(local)]; }
  const AlignedVector<float>& values() const { return values_; }

  // One Adam step on a local row (tables/adam.h).
  void Update(std::int64_t local, const float* gradient);
  // `times` updates with the same gradient at once (Adam::UpdateRowRepeated).
  void UpdateRepeated(std::int64_t local, const float* gradient, int times);

  void SaveBest() { best_ = values_; }
  void RestoreBest() { values_ = best_; }
  // Folds the rows into their running average (average = decay * average + (1 - decay) * rows;
  // `restart`: average = rows) and swaps it in: until SwapOutAverage, row(), SaveBest and reads
  // see the average (tables/parameter_average.h).
  void SwapInAverage(double decay, bool restart);
  void SwapOutAverage();
  bool average_in() const { return average_in_; }
  // Back to the initial rows and a fresh optimiser.
  void Reset();

  // This table's rows, optimiser state, best rows and average into / out of a checkpoint file
  // (io/checkpoint_file.h). Without averaging the file's average is the rows, and reading
  // ignores the file's.
  void WriteCheckpoint(const std::string& path) const;
  void ReadCheckpoint(const std::string& path);

  // Starts every row the source holds from it (`train --init-from`): its values blended with
  // the row's initial ones by `warm` (values = shrink x source + perturb x initial), and Adam's
  // state where the source has it (else a fresh optimiser); the other rows keep their initial
  // values. `ids[local]` is row local's original id, found among `source_ids` (the source
  // table's); with both empty, a row is the source's row of the same key (a table of a fixed
  // row count, which the source must have every key of). The best rows and the average become
  // the rows. Returns the rows found.
  std::int64_t StartFrom(const RowSource& source, std::span<const std::int64_t> ids,
                         std::span<const std::int64_t> source_ids, WarmStart warm = {});

 private:
  std::size_t Offset(std::int64_t local) const { return static_cast<std::size_t>(local) * width_; }
  RowArrays Arrays() const;

  std::string name_;
  int width_;
  RowSelection rows_;
  RowInitialiser init_;
  Adam adam_;
  bool averaging_;
  // Aligned: Eigen peels to the destination's alignment, and its vector and scalar paths round
  // differently (FMA), so a malloc-dependent alignment would break bitwise reproducibility.
  AlignedVector<float> values_, first_moment_, second_moment_, best_, average_;
  std::vector<std::int32_t> steps_;
  bool average_in_ = false;
};

}  // namespace ampcf
