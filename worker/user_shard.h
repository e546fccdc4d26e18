// The users one worker owns: their persona matrices and Adam state, updated locally.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/adam.h"
#include "src/amp_model.h"

namespace ampcf {

class UserShard {
 public:
  // users: the dense ids this worker owns, ascending. Rows are initialised from (seed, user):
  // persona k = sqrt(1 - s^2) * base + s * noise_k, base and noise N(0, init_std^2), s the
  // persona spread (1: independent personas; below 1 they start as variations of one vector).
  UserShard(const ModelShape& shape, std::vector<std::int32_t> users, double init_std, double persona_spread,
            std::uint64_t seed);

  const std::vector<std::int32_t>& users() const { return users_; }
  std::int32_t local_index(std::int32_t user) const { return local_of_[user]; }  // -1 if not owned
  const float* rows(std::int32_t local) const { return &params_[static_cast<std::size_t>(local) * block_]; }
  // Adam step on the r x d block of a local user.
  void Update(std::int32_t local, const float* gradient, const AdamConfig& adam);
  void SaveBest() { best_ = params_; }
  void RestoreBest() { params_ = best_; }
  // Folds the rows into their running average over epochs (decay: --average-decay) and swaps it
  // in, so that rows() and SaveBest see the average until SwapOutAverage (src/parameter_average.h).
  void SwapInAverage(double decay, bool restart);
  void SwapOutAverage();
  // Back to the initial rows and a fresh optimiser.
  void Reset() { *this = UserShard(shape_, users_, init_std_, persona_spread_, seed_); }
  const AlignedVector<float>& params() const { return params_; }
  // The users' rows, optimiser state, best rows and average into / out of a checkpoint file: one
  // block of the global users table, as workers own contiguous user ranges (partition/layout.h).
  // `averaging`: the average is kept (else the file's average is the rows themselves).
  void WriteCheckpoint(const std::string& path, bool averaging);
  void ReadCheckpoint(const std::string& path);

 private:
  ModelShape shape_;
  double init_std_;
  double persona_spread_;
  std::uint64_t seed_;
  std::size_t block_;
  std::vector<std::int32_t> users_;
  std::vector<std::int32_t> local_of_;
  AlignedVector<float> params_, first_moment_, second_moment_, best_, average_;
  bool average_in_ = false;
  std::vector<std::int32_t> steps_;
};

}  // namespace ampcf
