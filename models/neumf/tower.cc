#include "models/neumf/tower.h"

#include <cmath>

#include "core/error.h"

namespace ampcf {

std::vector<FlatBlock> TowerBlocks(const TowerLayout& layout, std::size_t offset) {
  std::vector<FlatBlock> blocks;
  for (int l = 1; l <= layout.layers(); ++l) {
    blocks.push_back({Cat("mlp/W", l), layout.widths[l - 1], layout.widths[l], offset + layout.weights[l - 1]});
    blocks.push_back({Cat("mlp/c", l), 1, layout.widths[l], offset + layout.biases[l - 1]});
  }
  blocks.push_back({"output/h", 1, layout.gmf_dim + layout.mlp_out(), offset + layout.output});
  blocks.push_back({"output/h0", 1, 1, offset + layout.output_bias});
  return blocks;
}

namespace {
using ConstMatrixMap = Eigen::Map<const RowMatrixXf>;
using MatrixMap = Eigen::Map<RowMatrixXf>;
using ConstRowMap = Eigen::Map<const Eigen::RowVectorXf>;
using RowMap = Eigen::Map<Eigen::RowVectorXf>;
}  // namespace

TowerLayout::TowerLayout(int gmf_dim_, std::vector<int> widths_) : gmf_dim(gmf_dim_), widths(std::move(widths_)) {
  AMPCF_ASSERT(gmf_dim >= 0 && (gmf_dim > 0 || !widths.empty()), "a NeuMF needs a GMF or an MLP part");
  std::size_t at = 0;
  for (int l = 1; l <= layers(); ++l) {
    weights.push_back(at);
    at += static_cast<std::size_t>(widths[l - 1]) * widths[l];
    biases.push_back(at);
    at += widths[l];
  }
  output = at;
  output_bias = output + gmf_dim + mlp_out();
  size = output_bias + 1;
}

double TowerLayout::InitStd(std::size_t i) const {
  for (int l = 1; l <= layers(); ++l)
    if (i >= weights[l - 1] && i < biases[l - 1]) return std::sqrt(2.0 / (widths[l - 1] + widths[l]));
  if (i >= output && i < output_bias) return 1.0 / std::sqrt(double(gmf_dim + mlp_out()));
  return 0;
}

void TowerPass::Forward(const TowerLayout& layout, const float* theta, const RowMatrixXf& G, const RowMatrixXf& X,
                        Eigen::VectorXf& logits, const RowMatrixXf* first) {
  G_ = &G;
  X_ = &X;
  const Eigen::Index n = layout.gmf_dim > 0 ? G.rows() : first != nullptr ? first->rows() : X.rows();
  activations_.resize(layout.layers());
  for (int l = 1; l <= layout.layers(); ++l) {
    const ConstMatrixMap W(theta + layout.weights[l - 1], layout.widths[l - 1], layout.widths[l]);
    const ConstRowMap c(theta + layout.biases[l - 1], layout.widths[l]);
    RowMatrixXf& a = activations_[l - 1];
    if (l == 1 && first != nullptr)
      a = *first;
    else
      a.noalias() = (l == 1 ? X : activations_[l - 2]) * W;
    a.rowwise() += c;
    a = a.cwiseMax(0.0f);
  }
  const ConstRowMap h(theta + layout.output, layout.gmf_dim + layout.mlp_out());
  logits.setConstant(n, theta[layout.output_bias]);
  if (layout.gmf_dim > 0) logits.noalias() += G * h.head(layout.gmf_dim).transpose();
  if (layout.mlp_out() > 0) {
    const RowMatrixXf& top = layout.layers() > 0 ? activations_.back() : X;
    logits.noalias() += top * h.tail(layout.mlp_out()).transpose();
  }
}

void TowerPass::Backward(const TowerLayout& layout, const float* theta, const Eigen::VectorXf& dlogits,
                         RowMatrixXf& dG, RowMatrixXf& dX, float* theta_gradient) {
  const ConstRowMap h(theta + layout.output, layout.gmf_dim + layout.mlp_out());
  RowMap dh(theta_gradient + layout.output, layout.gmf_dim + layout.mlp_out());
  theta_gradient[layout.output_bias] += dlogits.sum();
  if (layout.gmf_dim > 0) {
    dh.head(layout.gmf_dim).noalias() += dlogits.transpose() * *G_;
    dG.noalias() = dlogits * h.head(layout.gmf_dim);
  }
  if (layout.mlp_out() == 0) return;
  const RowMatrixXf& top = layout.layers() > 0 ? activations_.back() : *X_;
  dh.tail(layout.mlp_out()).noalias() += dlogits.transpose() * top;
  // delta_: dL/d(pre-activation) of layer l, from the top down.
  delta_.noalias() = dlogits * h.tail(layout.mlp_out());
  for (int l = layout.layers(); l >= 1; --l) {
    const RowMatrixXf& a = activations_[l - 1];
    delta_ = (a.array() > 0.0f).select(delta_, 0.0f);  // relu'
    const RowMatrixXf& below = l == 1 ? *X_ : activations_[l - 2];
    MatrixMap dW(theta_gradient + layout.weights[l - 1], layout.widths[l - 1], layout.widths[l]);
    RowMap dc(theta_gradient + layout.biases[l - 1], layout.widths[l]);
    dW.noalias() += below.transpose() * delta_;
    dc.noalias() += delta_.colwise().sum();
    const ConstMatrixMap W(theta + layout.weights[l - 1], layout.widths[l - 1], layout.widths[l]);
    previous_delta_.noalias() = delta_ * W.transpose();
    std::swap(delta_, previous_delta_);
  }
  dX = delta_;  // with no hidden layer, dL/da_0 = dlogits h_mlp
}

}  // namespace ampcf
