#include "models/deepicf/history_pool.h"

#include <cmath>

namespace ampcf {

AttentionLayout::AttentionLayout(int dim_, int factor_, std::size_t offset) : dim(dim_), factor(factor_) {
  weights = offset;
  bias = weights + static_cast<std::size_t>(factor) * dim;
  output = bias + factor;
  end = output + factor;
}

float FismScale(std::int64_t m) {
  return m == 0 ? 0.0f : static_cast<float>(std::pow(static_cast<double>(m), -kFismAlpha));
}

void AttentionPool::Forward(const AttentionLayout& layout, const float* theta, const Eigen::Ref<const RowMatrixXf>& Q,
                            const Eigen::Ref<const Eigen::RowVectorXf>& p, Eigen::Ref<Eigen::RowVectorXf> e) {
  const Eigen::Index m = Q.rows();
  if (m == 0) {
    a_.resize(0);
    e.setZero();
    return;
  }
  Eigen::Map<const RowMatrixXf> W(theta + layout.weights, layout.factor, layout.dim);
  Eigen::Map<const Eigen::RowVectorXf> b(theta + layout.bias, layout.factor);
  Eigen::Map<const Eigen::VectorXf> w(theta + layout.output, layout.factor);
  E_ = Q.array().rowwise() * p.array();
  Z_.noalias() = E_ * W.transpose();
  Z_.rowwise() += b;
  f_.noalias() = Z_.cwiseMax(0.0f) * w;
  // a_h = s_h S^(1 - beta), s the softmax of f and S = sum exp(f), computed from max(f) on.
  const float top = f_.maxCoeff();
  s_ = (f_.array() - top).exp();
  const double sum = s_.sum();
  s_ /= static_cast<float>(sum);
  const double scale = std::exp((1.0 - kAttentionSmoothing) * (top + std::log(sum)));
  a_ = s_ * static_cast<float>(scale);
  e.noalias() = a_.transpose() * E_;
}

void AttentionPool::Backward(const AttentionLayout& layout, const float* theta, const Eigen::Ref<const RowMatrixXf>& Q,
                             const Eigen::Ref<const Eigen::RowVectorXf>& p,
                             const Eigen::Ref<const Eigen::RowVectorXf>& de, Eigen::Ref<RowMatrixXf> dQ,
                             Eigen::Ref<Eigen::RowVectorXf> dp, float* dtheta) {
  if (Q.rows() == 0) return;
  Eigen::Map<const RowMatrixXf> W(theta + layout.weights, layout.factor, layout.dim);
  Eigen::Map<const Eigen::VectorXf> w(theta + layout.output, layout.factor);
  Eigen::Map<RowMatrixXf> dW(dtheta + layout.weights, layout.factor, layout.dim);
  Eigen::Map<Eigen::RowVectorXf> db(dtheta + layout.bias, layout.factor);
  Eigen::Map<Eigen::VectorXf> dw(dtheta + layout.output, layout.factor);
  // dL/da_h = de . e_h; da_h/df_k = a_h [h = k] - beta a_h s_k.
  const Eigen::VectorXf c = E_ * de.transpose();
  const float ac = a_.dot(c);
  const Eigen::VectorXf df =
      (a_.array() * c.array() - static_cast<float>(kAttentionSmoothing) * ac * s_.array()).matrix();
  dw.noalias() += Z_.cwiseMax(0.0f).transpose() * df;
  dZ_ = (df * w.transpose()).array() * (Z_.array() > 0.0f).cast<float>();
  dE_.noalias() = a_ * de;
  dE_.noalias() += dZ_ * W;
  dW.noalias() += dZ_.transpose() * E_;
  db += dZ_.colwise().sum();
  dQ.array() += dE_.array().rowwise() * p.array();
  dp += (dE_.array() * Q.array()).colwise().sum().matrix();
}

}  // namespace ampcf
