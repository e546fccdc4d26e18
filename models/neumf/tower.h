// NeuMF's network (He et al. 2017, "Neural Collaborative Filtering") over a block of N
// (user, item) instances, with every parameter in one flat vector theta:
//
//   GMF part   g = p_g (.) q_g                                   (gmf_dim; absent when 0)
//   MLP part   a_0 = [p_m, q_m]   (widths[0] = 2 x the MLP embedding size)
//              a_l = relu(a_{l-1} W_l + c_l),  W_l: widths[l-1] x widths[l]   (l = 1 .. L-1)
//   logit      y = [g, a_{L-1}] . h + h_0                        (h: gmf_dim + widths[L-1])
//
// theta lays out W_1, c_1, ..., W_{L-1}, c_{L-1} (row-major), then h, then h_0. With only
// gmf_dim the model is GMF; with gmf_dim 0 it is NCF's MLP model.
#pragma once

#include <cstddef>
#include <vector>

#include "core/eigen_types.h"
#include "models/flat_table.h"

namespace ampcf {

struct TowerLayout {
  TowerLayout(int gmf_dim, std::vector<int> widths);

  int gmf_dim = 0;
  std::vector<int> widths;            // empty: no MLP part
  std::vector<std::size_t> weights;   // offset of W_l in theta, l = 1 .. L-1 at index l-1
  std::vector<std::size_t> biases;    // offset of c_l
  std::size_t output = 0;             // offset of h
  std::size_t output_bias = 0;        // offset of h_0
  std::size_t size = 0;               // floats in theta

  int mlp_dim() const { return widths.empty() ? 0 : widths.front() / 2; }  // |p_m| = |q_m|
  int mlp_out() const { return widths.empty() ? 0 : widths.back(); }
  int layers() const { return widths.empty() ? 0 : static_cast<int>(widths.size()) - 1; }  // hidden layers
  // The standard deviation theta[i] is drawn with: Glorot for W_l (2 / (fan_in + fan_out)),
  // LeCun for h (1 / fan_in), as NCF's Keras code initialises them; 0 for the biases.
  double InitStd(std::size_t i) const;
};

// The model file's arrays of a tower whose theta starts at `offset` of a flat table: mlp/W1,
// mlp/c1, ... (W_l: widths[l-1] x widths[l], c_l: 1 x widths[l]), output/h (1 x |h|),
// output/h0 (1 x 1).
std::vector<FlatBlock> TowerBlocks(const TowerLayout& layout, std::size_t offset = 0);

// One forward and backward pass over a block; keeps the activations between the two.
class TowerPass {
 public:
  // logits[n] for instances n of G (N x gmf_dim) and X (N x widths[0]); `first` (optional,
  // N x widths[1]) replaces X W_1 when the caller has it cheaper (scoring: the item half of
  // the first layer is computed once per item, not per user).
  void Forward(const TowerLayout& layout, const float* theta, const RowMatrixXf& G, const RowMatrixXf& X,
               Eigen::VectorXf& logits, const RowMatrixXf* first = nullptr);
  // From dlogits (dL/dy per instance) of the last Forward: dG, dX and dtheta (added to
  // `theta_gradient`, which has layout.size floats).
  void Backward(const TowerLayout& layout, const float* theta, const Eigen::VectorXf& dlogits, RowMatrixXf& dG,
                RowMatrixXf& dX, float* theta_gradient);

 private:
  const RowMatrixXf* G_ = nullptr;
  const RowMatrixXf* X_ = nullptr;
  std::vector<RowMatrixXf> activations_;  // a_1 .. a_{L-1} (after relu)
  RowMatrixXf delta_, previous_delta_;
};

}  // namespace ampcf
