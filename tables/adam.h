// Adam with a step count per row: a sparse row (an item seen in few batches) gets the bias
// correction of its own number of updates, not the global step. The L2 penalty lives here too
// (coupled, as PyTorch's Adam weight_decay): l2 * row joins the gradient of each row an update
// touches, once per update however many positives of the batch read the row.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace ampcf {

struct AdamConfig {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-8f;
  float l2 = 0.0f;
};

// beta^t as std::pow(beta, float(t)) gives it, looked up: two powers per row update cost as much
// as the update of a 64-float row. Kept for t up to where 1 - beta^t rounds to 1 in float (past
// it a bias correction is exactly 1, and 0 stands for beta^t); for beta = 0.999 that is t of
// about 17,000, 68 KiB.
class BetaPowers {
 public:
  explicit BetaPowers(float beta);
  // For a bias correction 1 - beta^t: past the table, where that is 1, 0.
  float operator()(std::int64_t t) const {
    if (static_cast<std::uint64_t>(t) < powers_.size()) return powers_[static_cast<std::size_t>(t)];
    return saturated_ ? 0.0f : std::pow(beta_, static_cast<float>(t));
  }
  // beta^t itself, wherever t is.
  float Exact(std::int64_t t) const {
    if (static_cast<std::uint64_t>(t) < powers_.size()) return powers_[static_cast<std::size_t>(t)];
    return std::pow(beta_, static_cast<float>(t));
  }

 private:
  float beta_;
  std::vector<float> powers_;
  bool saturated_ = false;  // beyond powers_, 1 - beta^t is 1 in float
};

// An AdamConfig with its powers of beta1 and beta2.
class Adam {
 public:
  explicit Adam(const AdamConfig& config) : config_(config), beta1_powers_(config.beta1), beta2_powers_(config.beta2) {}
  const AdamConfig& config() const { return config_; }

  // Applies one update to a row of n floats. `step` is the row's update count (incremented here).
  void UpdateRow(float* param, float* first_moment, float* second_moment, const float* gradient, int n,
                 std::int32_t& step) const;
  // Stands for `times` updates with the same gradient: a worker's cached row pushes the mean of
  // its gradients over `times` steps (worker/row_cache.h). The moments end where `times`
  // identical updates leave them (m_i = beta^i m_0 + (1 - beta^i) g), the update count advances
  // by `times`, and the row moves `times` steps taken at the moments' mean over those updates (a
  // closed form: the mean of beta^i for i = 1..times is beta (1 - beta^times) / (times (1 - beta))).
  // times == 1 is UpdateRow.
  void UpdateRowRepeated(float* param, float* first_moment, float* second_moment, const float* gradient, int n,
                         std::int32_t& step, int times) const;

 private:
  AdamConfig config_;
  BetaPowers beta1_powers_, beta2_powers_;
};

}  // namespace ampcf
