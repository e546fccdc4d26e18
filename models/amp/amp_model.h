// AMP-CF: the forward and backward pass, and scoring. Everything the model computes is here;
// models/amp/amp_cf.h plugs it into the machinery.
//
// Item j: v_j (d) and bias b_j. User i: personas u_ik (r x d). Attention maps A_u, A_v (d x da).
//   psi_ik = u_ik A_u,  phi_j = v_j A_v,  a_ijk = softmax_k(psi_ik . phi_j)
//   x_ij = sum_k a_ijk u_ik,  y_ij = x_ij . v_j + b_j = sum_k a_ijk (u_ik . v_j) + b_j
// Training computes each logit as q_ik . v_j with q_ik = u_ik M, M = A_u A_v^T (d x d): the same
// number, and the step's only large products are then over the batch's persona rows, not also
// over its item rows (about half the flops of a step at d = da = 64).
// Training loss per positive (i, j) with negatives N (mean over the batch's positives):
//   alpha * L_D + (1 - alpha) * (lambda_p * H_p - lambda_n * H_n)
//   L_D = -log softmax over {j} U N of y at j   (sampled softmax; with the log-Q correction
//         the softmax runs over y - log q(item), q the negative sampler's distribution, so that
//         y estimates log p(item | user) rather than that divided by the sampling bias)
//   H_p = entropy of a_ij.,  H_n = mean over n in N of the entropy of a_in.
// so that one persona explains a positive (low entropy) while negatives are not pinned on any.
// L2: --l2-example adds (l2/2)||row||^2 to the loss of each positive for every row it reads
// (LossWeights::l2_example); --l2 is applied by the optimiser once per updated row (tables/adam.h).
// --persona-tie adds (tie/2) sum_k ||u_ik - mean_k u_ik||^2 per positive (LossWeights::persona_tie).
//
// Layout: item rows are (d+1) floats, [v_j, b_j], exactly as the parameter servers store and
// send them; persona rows are r consecutive rows of d floats per user.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "core/eigen_types.h"
#include "io/model_shape.h"
#include "models/model.h"

namespace ampcf {

struct LossWeights {
  double alpha = 1.0;
  double lambda_p = 0.0;
  double lambda_n = 0.0;
  // Multiplies every gradient (not the reported loss). A worker that computes its 1/W part of a
  // batch split over W workers uses 1/W, so the sum of a clock's W pushes is the batch gradient.
  double gradient_scale = 1.0;
  // Frequency-proportional L2: (l2_example / 2) * ||row||^2 joins the loss of every positive for
  // each row it reads (the user's r personas, and [v, b] of the positive and each negative), so a
  // row is shrunk in proportion to how often the data uses it, as in per-example SGD.
  double l2_example = 0.0;
  double l2_user_factor = 1.0;  // the users' rows get l2_example times this
  // Persona tie: (persona_tie / 2) * sum_k ||u_ik - mean_k u_ik||^2 joins the loss of every
  // positive of user i. It shrinks each persona towards the user's mean persona, so that personas
  // share what the user's data says in common and differ only where it pays (0: independent
  // personas; large: every persona the same vector, which is matrix factorisation).
  double persona_tie = 0.0;
  // Scales a positive's tie by (1 / Batch::relative_history of its user)^power: 0 ties every
  // positive alike, so a user's tie grows with its history; 1 gives every user the same total
  // tie, as a prior over the user's personas (not over each interaction) would.
  double persona_tie_power = 0.0;
  // Hard negatives h: a negative's term exp(s_j) of the sampled softmax's partition is weighted by
  // |N| softmax_j(h y_j) over the positive's negatives (y: the model's score), so negatives it
  // scores high count more, as REMI's interest-aware hard negatives (Xie et al., RecSys 2023)
  // and Robinson et al. (ICLR 2021) weigh them. The weights are part of the loss, gradients
  // included; 0: every weight is 1.
  double hard_negatives = 0.0;
};

// The rows a batch reads. `users`: n_user_slots * r rows of d; `items`: n_item_slots rows of d+1.
struct BatchParams {
  const float* users = nullptr;
  int n_user_slots = 0;
  const float* items = nullptr;
  int n_item_slots = 0;
  const float* att_u = nullptr;  // d x da, row-major
  const float* att_v = nullptr;  // d x da, row-major
  const float* item_log_q = nullptr;  // optional, per item slot: log-Q correction of the softmax
};

// What ForwardBackward keeps between its phases (and between calls, so that a step allocates
// nothing): M = A_u A_v^T, the queries Q = U M, their gradients, each candidate's gradient
// factors, and which positives read each user slot and each item slot.
struct ForwardBackwardScratch {
  RowMatrixXf map, d_map;      // d x d
  RowMatrixXf query, d_query;  // n_user_slots * r x d
  // Per candidate e = b * C + c: dL/dy (g_score), and per persona k the gradient of the logit
  // q_ik . v_j (g_logit) and of the dot u_ik . v_j (g_dot), at e * r + k.
  std::vector<float> g_score, g_logit, g_dot;
  // Per positive: the terms of the batch's statistics, summed in positive order.
  std::vector<double> nll, entropy_pos, entropy_neg, loss, loss_l2, loss_tie;
  // Positives of user slot s: user_pairs[user_first[s] .. user_first[s + 1]), ascending; the
  // candidates e of item slot j: item_entries[item_first[j] .. item_first[j + 1]), ascending.
  std::vector<int> user_first, user_pairs, item_first, item_entries;
  std::vector<float> tie_scale;  // per user slot: its share of the persona tie
};

// Gradients, in the same layouts as BatchParams (resized by ForwardBackward).
struct BatchGradients {
  RowMatrixXf users;   // n_user_slots * r x d
  RowMatrixXf items;   // n_item_slots x (d+1)
  RowMatrixXf att_u;   // d x da
  RowMatrixXf att_v;   // d x da
  ForwardBackwardScratch scratch;
};

// Computes the loss of the batch (models/model.h; user slot s reads rows s*r .. s*r+r-1 of
// params.users) and its gradient with respect to every row it read.
// Runs on the compute threads (core/parallel.h): the work is split by rows, positives, user
// slots and item slots into tasks of fixed sizes, and each gradient row is summed by one task in
// positive order, so the results do not depend on the thread count.
BatchStats ForwardBackward(const ModelShape& shape, const LossWeights& weights, const Batch& batch,
                           const BatchParams& params, BatchGradients& gradients);

// Scores items for users against a fixed set of item rows (evaluation and explanation).
class AmpScorer : public Scorer {
 public:
  // items: n_items rows of d+1 floats; att_u, att_v: d x da. Keeps pointers; computes phi once.
  AmpScorer(const ModelShape& shape, const float* items, std::int32_t n_items, const float* att_u, const float* att_v);
  // user_rows: the user's r personas (r x d); attention: r weights per scored item.
  void Score(const float* user_rows, const std::vector<std::int32_t>& candidates, std::vector<float>& scores,
             std::vector<float>* attention = nullptr) const override;
  // Per persona k, two GEMMs against the whole catalogue (logits psi_k phi^T and dots U_k V^T,
  // n_users x n_items each), then the softmax over k element by element.
  void ScoreBlock(const float* user_rows, int n_users, std::vector<float>& scores) const override;
  // [v_j, b_j] per item, [u_k, 1] per persona (models/model.h).
  int InnerProductWidth() const override { return shape_.dim + 1; }
  void InnerProductItem(std::int32_t item, float* out) const override;
  int InnerProductQueries(const float* user_rows, std::vector<float>& queries) const override;
  std::int32_t n_items() const override { return n_items_; }
  int personas() const override { return shape_.personas; }
  int dim() const override { return shape_.dim; }

 private:
  ModelShape shape_;
  const float* items_;
  std::int32_t n_items_;
  Eigen::Map<const RowMatrixXf> att_u_;
  RowMatrixXf phi_;  // n_items x da
  Eigen::ArrayXf bias_;  // n_items
  // ScoreBlock's logits and dots (persona k: rows k*n_users ..), kept between calls so that a
  // block does not page-fault fresh memory in: a scorer serves one thread.
  mutable RowMatrixXf logits_, dots_;
};

}  // namespace ampcf
