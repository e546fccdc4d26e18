#include "models/convncf/outer_conv.h"

#include <cmath>

#include "core/error.h"

namespace ampcf {

namespace {
using ConstMatrixMap = Eigen::Map<const RowMatrixXf>;
using MatrixMap = Eigen::Map<RowMatrixXf>;

// Row of pixel (i, j) of instance n in a channels-last matrix of side s.
Eigen::Index Pixel(Eigen::Index n, int i, int j, int s) { return (n * s + i) * s + j; }

// patches row (n, i, j) = the 2 x 2 block at (2i, 2j) of `below` (side 2s), (di, dj) major.
void GatherPatches(const RowMatrixXf& below, Eigen::Index n_instances, int s, RowMatrixXf& patches) {
  const int c = static_cast<int>(below.cols());
  patches.resize(n_instances * s * s, 4 * c);
  for (Eigen::Index n = 0; n < n_instances; ++n)
    for (int i = 0; i < s; ++i)
      for (int j = 0; j < s; ++j) {
        auto row = patches.row(Pixel(n, i, j, s));
        for (int di = 0; di < 2; ++di)
          for (int dj = 0; dj < 2; ++dj) row.segment((2 * di + dj) * c, c) = below.row(Pixel(n, 2 * i + di, 2 * j + dj, 2 * s));
      }
}

// The inverse of GatherPatches: every pixel of `below` is in exactly one patch.
void ScatterPatches(const RowMatrixXf& patches, Eigen::Index n_instances, int s, RowMatrixXf& below) {
  const int c = static_cast<int>(patches.cols() / 4);
  below.resize(n_instances * 4 * s * s, c);
  for (Eigen::Index n = 0; n < n_instances; ++n)
    for (int i = 0; i < s; ++i)
      for (int j = 0; j < s; ++j) {
        const auto row = patches.row(Pixel(n, i, j, s));
        for (int di = 0; di < 2; ++di)
          for (int dj = 0; dj < 2; ++dj) below.row(Pixel(n, 2 * i + di, 2 * j + dj, 2 * s)) = row.segment((2 * di + dj) * c, c);
      }
}

}  // namespace

ConvLayout::ConvLayout(int dim_, std::vector<int> channels_) : dim(dim_), channels(std::move(channels_)) {
  AMPCF_ASSERT(dim >= 2 && (dim & (dim - 1)) == 0 && (1 << layers()) == dim, "ConvNCF needs log2(d) layers");
  std::size_t at = 0;
  for (int l = 1; l <= layers(); ++l) {
    weights.push_back(at);
    at += static_cast<std::size_t>(4 * in_channels(l)) * channels[l - 1];
    biases.push_back(at);
    at += channels[l - 1];
  }
  output = at;
  size = output + channels.back();
}

double ConvLayout::InitStd(std::size_t i) const {
  for (int l = 1; l <= layers(); ++l)
    if (i >= weights[l - 1] && i < biases[l - 1]) return std::sqrt(2.0 / (4 * in_channels(l) + channels[l - 1]));
  if (i >= output && i < size) return std::sqrt(2.0 / (channels.back() + 1));
  return 0;
}

void OuterConvPass::Forward(const ConvLayout& layout, const float* theta, const RowMatrixXf& P, const RowMatrixXf& Q,
                            Eigen::VectorXf& logits) {
  P_ = &P;
  Q_ = &Q;
  const Eigen::Index n = P.rows();
  const int L = layout.layers();
  patches_.resize(L);
  activations_.resize(L);
  // Layer 1's patches straight from p and q: E[i][j] = p_i q_j.
  const int s1 = layout.side(1);
  RowMatrixXf& first = patches_[0];
  first.resize(n * s1 * s1, 4);
  for (Eigen::Index k = 0; k < n; ++k)
    for (int i = 0; i < s1; ++i)
      for (int j = 0; j < s1; ++j)
        for (int di = 0; di < 2; ++di)
          for (int dj = 0; dj < 2; ++dj) first(Pixel(k, i, j, s1), 2 * di + dj) = P(k, 2 * i + di) * Q(k, 2 * j + dj);
  for (int l = 1; l <= L; ++l) {
    if (l > 1) GatherPatches(activations_[l - 2], n, layout.side(l), patches_[l - 1]);
    const ConstMatrixMap W(theta + layout.weights[l - 1], 4 * layout.in_channels(l), layout.channels[l - 1]);
    const Eigen::Map<const Eigen::RowVectorXf> c(theta + layout.biases[l - 1], layout.channels[l - 1]);
    RowMatrixXf& a = activations_[l - 1];
    a.noalias() = patches_[l - 1] * W;
    a.rowwise() += c;
    a = a.cwiseMax(0.0f);
  }
  const Eigen::Map<const Eigen::VectorXf> w(theta + layout.output, layout.channels.back());
  logits.noalias() = activations_.back() * w;  // the last layer is 1 x 1: one row per instance
}

void OuterConvPass::Backward(const ConvLayout& layout, const float* theta, const Eigen::VectorXf& dlogits,
                             RowMatrixXf& dP, RowMatrixXf& dQ, float* theta_gradient) {
  const RowMatrixXf& P = *P_;
  const RowMatrixXf& Q = *Q_;
  const Eigen::Index n = P.rows();
  const int L = layout.layers();
  const Eigen::Map<const Eigen::RowVectorXf> w(theta + layout.output, layout.channels.back());
  Eigen::Map<Eigen::RowVectorXf>(theta_gradient + layout.output, layout.channels.back()).noalias() +=
      dlogits.transpose() * activations_.back();
  delta_.noalias() = dlogits * w;  // dL/da_L
  for (int l = L; l >= 1; --l) {
    delta_ = (activations_[l - 1].array() > 0.0f).select(delta_, 0.0f);
    MatrixMap dW(theta_gradient + layout.weights[l - 1], 4 * layout.in_channels(l), layout.channels[l - 1]);
    dW.noalias() += patches_[l - 1].transpose() * delta_;
    Eigen::Map<Eigen::RowVectorXf>(theta_gradient + layout.biases[l - 1], layout.channels[l - 1]).noalias() +=
        delta_.colwise().sum();
    const ConstMatrixMap W(theta + layout.weights[l - 1], 4 * layout.in_channels(l), layout.channels[l - 1]);
    patch_delta_.noalias() = delta_ * W.transpose();
    if (l > 1) {
      ScatterPatches(patch_delta_, n, layout.side(l), below_delta_);
      std::swap(delta_, below_delta_);
    }
  }
  // patch_delta_ is now dL/dE in layer 1's patch order.
  const int s1 = layout.side(1);
  dP.setZero(n, layout.dim);
  dQ.setZero(n, layout.dim);
  for (Eigen::Index k = 0; k < n; ++k)
    for (int i = 0; i < s1; ++i)
      for (int j = 0; j < s1; ++j)
        for (int di = 0; di < 2; ++di)
          for (int dj = 0; dj < 2; ++dj) {
            const float dE = patch_delta_(Pixel(k, i, j, s1), 2 * di + dj);
            dP(k, 2 * i + di) += dE * Q(k, 2 * j + dj);
            dQ(k, 2 * j + dj) += dE * P(k, 2 * i + di);
          }
}

}  // namespace ampcf
