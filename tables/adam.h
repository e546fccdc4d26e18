// Adam with a step count per row: a sparse row (an item seen in few batches) gets the bias
// correction of its own number of updates, not the global step. The L2 penalty lives here too
// (coupled, as PyTorch's Adam weight_decay): l2 * row joins the gradient of each row an update
// touches, once per update however many positives of the batch read the row.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>

namespace ampcf {

struct AdamConfig {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-8f;
  float l2 = 0.0f;
};

// Applies one update to a row of n floats. `step` is the row's update count (incremented here).
inline void AdamUpdateRow(const AdamConfig& adam, float* param, float* first_moment, float* second_moment,
                          const float* gradient, int n, std::int32_t& step) {
  ++step;
  const float correction1 = 1.0f - std::pow(adam.beta1, static_cast<float>(step));
  const float correction2 = 1.0f - std::pow(adam.beta2, static_cast<float>(step));
  const float rate = adam.lr * std::sqrt(correction2) / correction1;
  Eigen::Map<Eigen::ArrayXf> p(param, n), m(first_moment, n), v(second_moment, n);
  Eigen::Map<const Eigen::ArrayXf> data_gradient(gradient, n);
  const Eigen::ArrayXf g = data_gradient + adam.l2 * p;
  m = adam.beta1 * m + (1.0f - adam.beta1) * g;
  v = adam.beta2 * v + (1.0f - adam.beta2) * g.square();
  p -= rate * m / (v.sqrt() + adam.epsilon * std::sqrt(correction2));
}

// Stands for `times` updates with the same gradient: a worker's cached row pushes the mean of
// its gradients over `times` steps (worker/row_cache.h). The moments end where `times` identical
// updates leave them (m_i = beta^i m_0 + (1 - beta^i) g), the update count advances by `times`,
// and the row moves `times` steps taken at the moments' mean over those updates (a closed form:
// the mean of beta^i for i = 1..times is beta (1 - beta^times) / (times (1 - beta))).
// times == 1 is AdamUpdateRow.
inline void AdamUpdateRowRepeated(const AdamConfig& adam, float* param, float* first_moment, float* second_moment,
                                  const float* gradient, int n, std::int32_t& step, int times) {
  if (times == 1) return AdamUpdateRow(adam, param, first_moment, second_moment, gradient, n, step);
  step += times;
  const float c = static_cast<float>(times);
  const float decay1 = std::pow(adam.beta1, c), decay2 = std::pow(adam.beta2, c);
  const float mean_decay1 = adam.beta1 * (1.0f - decay1) / (c * (1.0f - adam.beta1));
  const float mean_decay2 = adam.beta2 * (1.0f - decay2) / (c * (1.0f - adam.beta2));
  const float correction1 = 1.0f - std::pow(adam.beta1, static_cast<float>(step));
  const float correction2 = 1.0f - std::pow(adam.beta2, static_cast<float>(step));
  const float rate = adam.lr * c * std::sqrt(correction2) / correction1;
  Eigen::Map<Eigen::ArrayXf> p(param, n), m(first_moment, n), v(second_moment, n);
  Eigen::Map<const Eigen::ArrayXf> data_gradient(gradient, n);
  const Eigen::ArrayXf g = data_gradient + adam.l2 * p;
  const Eigen::ArrayXf g2 = g.square();
  const Eigen::ArrayXf mean_m = g + (m - g) * mean_decay1, mean_v = g2 + (v - g2) * mean_decay2;
  m = decay1 * m + (1.0f - decay1) * g;
  v = decay2 * v + (1.0f - decay2) * g2;
  p -= rate * mean_m / (mean_v.sqrt() + adam.epsilon * std::sqrt(correction2));
}

}  // namespace ampcf
