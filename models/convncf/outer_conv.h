// ConvNCF's network (He et al. 2018, "Outer Product-based Neural Collaborative Filtering") over
// a block of N (user, item) instances, with every parameter in one flat vector theta:
//
//   E      = p q^T                                   d x d, one channel
//   layer l: 2 x 2 kernels with stride 2, C_l channels, relu: each output pixel reads its own
//            2 x 2 patch of the layer below, so a layer is one GEMM of the patches
//            (N (H/2)^2 rows, 4 C_{l-1} columns, ordered (di, dj, channel)) with W_l (4 C_{l-1}
//            x C_l), plus c_l; log2(d) layers take d x d to 1 x 1
//   y      = a_L . w                                  (a_L: the last layer's C_L values)
//
// theta lays out W_1, c_1, ..., W_L, c_L (row-major), then w. Activations are channels-last:
// row (n, i, j) of a layer's matrix holds pixel (i, j) of instance n.
#pragma once

#include <cstddef>
#include <vector>

#include "core/eigen_types.h"

namespace ampcf {

struct ConvLayout {
  // `dim` must be a power of two >= 2; `channels` has log2(dim) entries.
  ConvLayout(int dim, std::vector<int> channels);

  int dim = 0;
  std::vector<int> channels;
  std::vector<std::size_t> weights, biases;  // offsets of W_l, c_l (l = 1 .. L at l - 1)
  std::size_t output = 0;                    // offset of w
  std::size_t size = 0;                      // floats in theta

  int layers() const { return static_cast<int>(channels.size()); }
  int in_channels(int l) const { return l == 1 ? 1 : channels[l - 2]; }  // l = 1 .. L
  int side(int l) const { return dim >> l; }                              // output side of layer l
  // Glorot for W_l and w (2 / (fan_in + fan_out)), 0 for the biases.
  double InitStd(std::size_t i) const;
};

// One forward and backward pass over a block; keeps the activations between the two.
class OuterConvPass {
 public:
  // logits[n] for instances whose user rows are P (N x d) and item rows Q (N x d).
  void Forward(const ConvLayout& layout, const float* theta, const RowMatrixXf& P, const RowMatrixXf& Q,
               Eigen::VectorXf& logits);
  // From dlogits of the last Forward: dP, dQ, and dtheta added to `theta_gradient`.
  void Backward(const ConvLayout& layout, const float* theta, const Eigen::VectorXf& dlogits, RowMatrixXf& dP,
                RowMatrixXf& dQ, float* theta_gradient);

 private:
  const RowMatrixXf* P_ = nullptr;
  const RowMatrixXf* Q_ = nullptr;
  std::vector<RowMatrixXf> patches_;      // layer l's input patches at l - 1
  std::vector<RowMatrixXf> activations_;  // layer l's output (after relu) at l - 1
  RowMatrixXf delta_, patch_delta_, below_delta_;
};

}  // namespace ampcf
