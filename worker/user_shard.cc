#include "worker/user_shard.h"

#include <algorithm>
#include <cmath>

#include "ps/server_shard.h"
#include "src/checkpoint_file.h"
#include "src/error.h"
#include "src/parameter_average.h"
#include "src/rng.h"

namespace ampcf {

UserShard::UserShard(const ModelShape& shape, std::vector<std::int32_t> users, double init_std,
                     double persona_spread, std::uint64_t seed)
    : shape_(shape),
      init_std_(init_std),
      persona_spread_(persona_spread),
      seed_(seed),
      block_(static_cast<std::size_t>(shape.personas) * shape.dim),
      users_(std::move(users)) {
  const std::int32_t max_user = users_.empty() ? 0 : *std::max_element(users_.begin(), users_.end());
  local_of_.assign(max_user + 1, -1);
  params_.assign(users_.size() * block_, 0.0f);
  const bool shared_base = persona_spread < 1.0;
  const float base_weight = static_cast<float>(std::sqrt(std::max(0.0, 1.0 - persona_spread * persona_spread)));
  std::vector<float> base(shape.dim);
  for (std::size_t local = 0; local < users_.size(); ++local) {
    const auto user = static_cast<std::uint64_t>(users_[local]);
    local_of_[users_[local]] = static_cast<std::int32_t>(local);
    float* block = &params_[local * block_];
    FillNormal(block, static_cast<int>(block_), init_std, seed, ps::kUserTable, user);
    if (!shared_base) continue;
    FillNormal(base.data(), shape.dim, init_std, seed, ps::kUserBaseTable, user);
    for (int k = 0; k < shape.personas; ++k)
      for (int c = 0; c < shape.dim; ++c) {
        float& value = block[static_cast<std::size_t>(k) * shape.dim + c];
        value = base_weight * base[c] + static_cast<float>(persona_spread) * value;
      }
  }
  first_moment_.assign(params_.size(), 0.0f);
  second_moment_.assign(params_.size(), 0.0f);
  steps_.assign(users_.size(), 0);
  best_ = params_;
  average_ = params_;
}

void UserShard::SwapInAverage(double decay, bool restart) {
  AMPCF_ASSERT(!average_in_, "the average is already swapped in");
  FoldAverage(average_, params_, decay, restart);
  std::swap(params_, average_);
  average_in_ = true;
}

void UserShard::SwapOutAverage() {
  AMPCF_ASSERT(average_in_, "the average is not swapped in");
  std::swap(params_, average_);
  average_in_ = false;
}

void UserShard::Update(std::int32_t local, const float* gradient, const AdamConfig& adam) {
  const std::size_t offset = static_cast<std::size_t>(local) * block_;
  AdamUpdateRow(adam, &params_[offset], &first_moment_[offset], &second_moment_[offset], gradient,
                static_cast<int>(block_), steps_[local]);
}

}  // namespace ampcf

namespace ampcf {

namespace {
RowSelection UserRange(const std::vector<std::int32_t>& users) {
  if (users.empty()) return RowSelection{};
  AMPCF_ASSERT(users.back() - users.front() + 1 == static_cast<std::int32_t>(users.size()),
               "a worker's users must be one contiguous range");
  return RowSelection{users.front(), 1, static_cast<std::int64_t>(users.size())};
}
}  // namespace

void UserShard::WriteCheckpoint(const std::string& path, bool averaging) {
  AMPCF_ASSERT(!average_in_, "checkpoint written while the average is swapped in");
  WriteCheckpointRows(path, kCheckpointUsers, static_cast<int>(block_), UserRange(users_),
                      RowArrays{params_.data(), first_moment_.data(), second_moment_.data(), best_.data(), steps_.data(),
                                averaging ? average_.data() : params_.data()});
}

void UserShard::ReadCheckpoint(const std::string& path) {
  ReadCheckpointRows(path, kCheckpointUsers, static_cast<int>(block_), UserRange(users_),
                     RowArrays{params_.data(), first_moment_.data(), second_moment_.data(), best_.data(), steps_.data(),
                               average_.data()});
}

}  // namespace ampcf
