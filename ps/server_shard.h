// The rows one parameter server owns, with their Adam state, and what it does with them:
// read rows (pull), apply gradients (push), keep and restore the best model's rows, and swap in
// the rows' running average over epochs for evaluation (src/parameter_average.h).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "src/adam.h"
#include "src/amp_model.h"
#include "src/checkpoint_file.h"

namespace ampcf::ps {

struct ShardOptions {
  ModelShape shape;
  AdamConfig adam;
  double init_std = 0.1;
  double att_init_scale = 0.25;  // A_u, A_v start as N(0, (scale / sqrt(d))^2) ...
  double att_init_identity = 0.0;  // ... plus this times the identity (first min(d, da) columns)
  double att_l2 = 0.0;           // L2 on the attention rows (adam.l2 is for item rows)
  double att_lr_scale = 1.0;     // the attention rows learn at adam.lr times this
  double average_decay = 0.0;    // --average-decay (0: no averaging)
  std::uint64_t seed = 1;
  std::int64_t n_items = 0;
  int server_index = 0;
  int n_servers = 1;
};

// Table tags of the row initialisation streams (src/rng.h: FillNormal).
constexpr std::uint64_t kItemTable = 1, kAttentionTable = 2, kUserTable = 3, kUserBaseTable = 4;

// One push's keys and gradients (ps/protocol.h), viewed in place.
struct PushedGradients {
  const std::int32_t* item_keys = nullptr;
  int n_item_keys = 0;
  const std::int32_t* att_keys = nullptr;
  int n_att_keys = 0;
  const float* values = nullptr;
};

class ServerShard {
 public:
  explicit ServerShard(const ShardOptions& options);

  // Copies the rows of the keys (owned by this shard, see ps/protocol.h) to `out`, item rows
  // first (d+1 floats each), then attention rows (da floats each).
  void ReadRows(const std::int32_t* item_keys, int n_item_keys, const std::int32_t* att_keys, int n_att_keys,
                float* out) const;
  // Applies one Adam step to every row named, with gradients laid out as ReadRows' output.
  // `gradient_scale` multiplies the gradients first (src/adam.h: AdamUpdateRow).
  void ApplyGradients(const std::int32_t* item_keys, int n_item_keys, const std::int32_t* att_keys, int n_att_keys,
                      const float* gradients, float gradient_scale = 1.0f);
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
  bool average_swapped_in() const { return average_in_; }
  // This shard's rows, optimiser state and best rows into / out of a checkpoint file (rows
  // j % S == s of the global item and attention tables; src/checkpoint_file.h).
  void WriteCheckpoint(const std::string& path);
  void ReadCheckpoint(const std::string& path);
  // Back to the initial rows and a fresh optimiser (the seed makes them the same as at start).
  void Reset() { *this = ServerShard(options_); }

  const ShardOptions& options() const { return options_; }
  std::int64_t n_local_items() const { return n_local_items_; }

 private:
  float* ItemRow(std::int32_t key);
  float* AttentionRow(std::int32_t key);

  ShardOptions options_;
  AdamConfig att_adam_;  // options_.adam with the attention maps' own L2
  std::int64_t n_local_items_ = 0;
  int n_local_att_ = 0;
  // Aligned: Eigen peels to the destination's alignment, and its vector and scalar paths round
  // differently (FMA), so a malloc-dependent alignment would break bitwise reproducibility.
  // *_average_: the running average of the rows (a copy of them when averaging is off).
  AlignedVector<float> items_, item_m_, item_v_, best_items_, item_average_;
  std::vector<std::int32_t> item_steps_;
  AlignedVector<float> att_, att_m_, att_v_, best_att_, att_average_;
  bool average_in_ = false;
  std::vector<std::int32_t> att_steps_;
  // ApplyClock's scratch: which rows a clock touches, and their summed gradients.
  std::vector<std::pair<std::int32_t, const float*>> clock_rows_;
  AlignedVector<float> clock_sum_;
};

}  // namespace ampcf::ps
