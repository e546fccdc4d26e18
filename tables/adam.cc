#include "tables/adam.h"

namespace ampcf {

namespace {
// Past this many powers a table stops growing and computes the rest (betas within about 4e-6 of 1).
constexpr std::size_t kMostPowers = std::size_t{1} << 22;
}  // namespace

BetaPowers::BetaPowers(float beta) : beta_(beta) {
  for (std::size_t t = 0; t < kMostPowers; ++t) {
    const float power = std::pow(beta, static_cast<float>(t));
    if (1.0f - power == 1.0f) {
      saturated_ = true;
      break;
    }
    powers_.push_back(power);
  }
}

// The loops are written element by element so that they vectorise without temporaries (the
// four arrays never overlap); each element takes the same operations wherever the row starts.
void Adam::UpdateRow(float* __restrict param, float* __restrict first_moment, float* __restrict second_moment,
                     const float* __restrict gradient, int n, std::int32_t& step) const {
  ++step;
  const float correction1 = 1.0f - beta1_powers_(step), correction2 = 1.0f - beta2_powers_(step);
  const float rate = config_.lr * std::sqrt(correction2) / correction1;
  const float epsilon = config_.epsilon * std::sqrt(correction2);
  const float beta1 = config_.beta1, beta2 = config_.beta2, l2 = config_.l2;
  for (int i = 0; i < n; ++i) {
    const float g = gradient[i] + l2 * param[i];
    const float m = beta1 * first_moment[i] + (1.0f - beta1) * g;
    const float v = beta2 * second_moment[i] + (1.0f - beta2) * (g * g);
    first_moment[i] = m;
    second_moment[i] = v;
    param[i] -= rate * m / (std::sqrt(v) + epsilon);
  }
}

void Adam::UpdateRowRepeated(float* __restrict param, float* __restrict first_moment,
                             float* __restrict second_moment, const float* __restrict gradient, int n,
                             std::int32_t& step, int times) const {
  if (times == 1) return UpdateRow(param, first_moment, second_moment, gradient, n, step);
  step += times;
  const float c = static_cast<float>(times);
  const float beta1 = config_.beta1, beta2 = config_.beta2, l2 = config_.l2;
  const float decay1 = beta1_powers_.Exact(times), decay2 = beta2_powers_.Exact(times);
  const float mean_decay1 = beta1 * (1.0f - decay1) / (c * (1.0f - beta1));
  const float mean_decay2 = beta2 * (1.0f - decay2) / (c * (1.0f - beta2));
  const float correction1 = 1.0f - beta1_powers_(step), correction2 = 1.0f - beta2_powers_(step);
  const float rate = config_.lr * c * std::sqrt(correction2) / correction1;
  const float epsilon = config_.epsilon * std::sqrt(correction2);
  for (int i = 0; i < n; ++i) {
    const float g = gradient[i] + l2 * param[i], g2 = g * g;
    const float m = first_moment[i], v = second_moment[i];
    const float mean_m = g + (m - g) * mean_decay1, mean_v = g2 + (v - g2) * mean_decay2;
    first_moment[i] = decay1 * m + (1.0f - decay1) * g;
    second_moment[i] = decay2 * v + (1.0f - decay2) * g2;
    param[i] -= rate * mean_m / (std::sqrt(mean_v) + epsilon);
  }
}

}  // namespace ampcf
