// A trained model's rows that a new run starts from (`train --init-from`): its tables by name,
// the original ids of its item and user rows, and blocks of rows. RowTable::StartFrom matches a
// table's rows to a source's by original id, so the new run may hold more users and items, in
// another order, on another rank layout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/checkpoint_file.h"

namespace ampcf {

// How a trained row becomes a new run's starting row: shrink x the trained row + perturb x the
// row a fresh run starts from ("shrink and perturb", Ash and Adams, "On Warm-Starting Neural
// Network Training", NeurIPS 2020). A warm start that keeps its rows whole stops early near its
// old optimum and generalises worse than retraining; shrinking them and adding a little of a
// fresh start closes most of that gap (docs/results.md, "Incremental training"). {1, 0} keeps
// the trained rows as they are.
struct WarmStart {
  float shrink = 1.0f;
  float perturb = 0.0f;
};

class RowSource {
 public:
  virtual ~RowSource() = default;
  // The file the rows come from, for messages.
  virtual const std::string& path() const = 0;
  // Original ids of the source's item rows (every per-item table's) and user rows.
  virtual const std::vector<std::int64_t>& item_ids() const = 0;
  virtual const std::vector<std::int64_t>& user_ids() const = 0;
  // Datasets with string ids (Amazon) number them by first appearance, which differs between
  // files: their rows are matched by these names instead. Empty when the ids are numbers.
  // UserError naming the file when the source cannot have them (a checkpoint keeps no names).
  virtual std::vector<std::string> ItemNames() const = 0;
  virtual std::vector<std::string> UserNames() const = 0;
  // Whether Read fills Adam's state (a checkpoint) or only the values (a model file).
  virtual bool has_optimiser_state() const = 0;
  // The row count of table `name`; UserError naming the source's file when it lacks the table
  // or its rows are not `width` floats wide.
  virtual std::int64_t Rows(const std::string& name, int width) const = 0;
  // Rows [first, first + count) of table `name` into arrays.values (count x width) and, with
  // has_optimiser_state(), arrays.adam_m, adam_v (count x width) and adam_steps (count); the
  // other pointers are ignored. Reads from disk: call it for blocks of rows, not row by row.
  virtual void Read(const std::string& name, int width, std::int64_t first, std::int64_t count,
                    const RowArrays& arrays) const = 0;
};

// The rows of a checkpoint (io/checkpoint_file.h), with Adam's state: `values`, not the best
// or averaged rows, so that training goes on from where the checkpoint's run stood.
class CheckpointRowSource final : public RowSource {
 public:
  // `info`: ReadCheckpointInfo(path).
  CheckpointRowSource(std::string path, const CheckpointInfo& info);

  const std::string& path() const override { return path_; }
  const std::vector<std::int64_t>& item_ids() const override { return header_.item_ids; }
  const std::vector<std::int64_t>& user_ids() const override { return header_.user_ids; }
  std::vector<std::string> ItemNames() const override { return {}; }
  std::vector<std::string> UserNames() const override { return {}; }
  bool has_optimiser_state() const override { return true; }
  std::int64_t Rows(const std::string& name, int width) const override;
  void Read(const std::string& name, int width, std::int64_t first, std::int64_t count,
            const RowArrays& arrays) const override;

 private:
  std::string path_;
  CheckpointHeader header_;
};

}  // namespace ampcf
