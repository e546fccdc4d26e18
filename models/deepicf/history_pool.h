// How an item-based model turns a user's history into one vector for a target item: the user is
// the items they chose (rows q_h of the "history" table), the target is p (its "items" row).
//
//   FISM (Kabbur et al. 2013)   e = m^-alpha sum_h q_h                  (m history items)
//   DeepICF+a (Xue et al. 2019, as NAIS, He et al. 2018)
//                                e_h = q_h (.) p                         (elementwise)
//                                f_h = w . relu(W e_h + b)              (W: a x d; b, w: a)
//                                a_h = exp(f_h) / (sum_h' exp(f_h'))^beta
//                                e   = sum_h a_h e_h
// beta < 1 smooths the softmax so that a long history is not averaged away (NAIS: 0.5 best on
// MovieLens and Pinterest); alpha likewise for FISM. With m = 0, e = 0.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/eigen_types.h"

namespace ampcf {

constexpr double kFismAlpha = 0.5;
constexpr double kAttentionSmoothing = 0.5;  // beta

// Where W, b and w lie in a flat parameter vector, from `offset` on.
struct AttentionLayout {
  AttentionLayout(int dim, int factor, std::size_t offset);
  int dim = 0, factor = 0;
  std::size_t weights = 0, bias = 0, output = 0;  // offsets of W (row-major), b, w
  std::size_t end = 0;                            // one past w
};

// FISM's normaliser m^-alpha of a pool of m items; 0 for m = 0 (an empty history pools to 0).
float FismScale(std::int64_t m);

// DeepICF+a's attention pooling; keeps the last Forward's intermediates for Backward.
class AttentionPool {
 public:
  // e for history rows Q (m x d) and target p (d), with W, b, w read from theta.
  void Forward(const AttentionLayout& layout, const float* theta, const Eigen::Ref<const RowMatrixXf>& Q,
               const Eigen::Ref<const Eigen::RowVectorXf>& p, Eigen::Ref<Eigen::RowVectorXf> e);
  // From de (dL/de) of the last Forward: adds dL/dQ to dQ, dL/dp to dp, dL/dtheta to dtheta.
  void Backward(const AttentionLayout& layout, const float* theta, const Eigen::Ref<const RowMatrixXf>& Q,
                const Eigen::Ref<const Eigen::RowVectorXf>& p, const Eigen::Ref<const Eigen::RowVectorXf>& de,
                Eigen::Ref<RowMatrixXf> dQ, Eigen::Ref<Eigen::RowVectorXf> dp, float* dtheta);
  // The weights a_h of the last Forward (m).
  const Eigen::VectorXf& weights() const { return a_; }

 private:
  RowMatrixXf E_, Z_, dE_, dZ_;
  Eigen::VectorXf f_, s_, a_;
};

}  // namespace ampcf
