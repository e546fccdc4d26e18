#include "models/amp/amp_model.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace ampcf {

namespace {
using Eigen::Dynamic;
using Eigen::OuterStride;
using ItemMap = Eigen::Map<const RowMatrixXf, 0, OuterStride<>>;
}  // namespace

BatchStats ForwardBackward(const ModelShape& shape, const LossWeights& weights, const Batch& batch,
                           const BatchParams& params, BatchGradients& gradients) {
  const int r = shape.personas, d = shape.dim, da = shape.Size("att_dim"), width = shape.item_width();
  const int n_pairs = batch.size(), C = batch.candidates, n_negatives = C - 1;
  AMPCF_ASSERT(static_cast<int>(batch.item.size()) == n_pairs * C);
  Eigen::Map<const RowMatrixXf> U(params.users, params.n_user_slots * r, d);
  ItemMap V(params.items, params.n_item_slots, d, OuterStride<>(width));
  Eigen::Map<const RowMatrixXf> Au(params.att_u, d, da), Av(params.att_v, d, da);

  // The two large products of the step: one GEMM each.
  const RowMatrixXf psi = U * Au;    // (users * r) x da
  const RowMatrixXf phi = V * Av;    // items x da
  RowMatrixXf d_psi = RowMatrixXf::Zero(psi.rows(), da);
  RowMatrixXf d_phi = RowMatrixXf::Zero(phi.rows(), da);
  gradients.users.setZero(U.rows(), d);
  gradients.items.setZero(params.n_item_slots, width);

  std::vector<float> attention(static_cast<std::size_t>(C) * r), dots(static_cast<std::size_t>(C) * r),
      log_attention(static_cast<std::size_t>(C) * r);
  std::vector<double> score(C), entropy(C);
  BatchStats stats;
  const double gradient_weight = weights.gradient_scale / std::max(n_pairs, 1);
  const double alpha = weights.alpha, beta = 1.0 - weights.alpha;

  for (int b = 0; b < n_pairs; ++b) {
    const int first_row = batch.user[b] * r;
    // Forward: attention, scores and entropies of every candidate.
    for (int c = 0; c < C; ++c) {
      const int slot = batch.item[static_cast<std::size_t>(b) * C + c];
      float* a = &attention[static_cast<std::size_t>(c) * r];
      float* log_a = &log_attention[static_cast<std::size_t>(c) * r];
      float* z = &dots[static_cast<std::size_t>(c) * r];
      float max_logit = -INFINITY;
      for (int k = 0; k < r; ++k) {
        log_a[k] = psi.row(first_row + k).dot(phi.row(slot));
        z[k] = U.row(first_row + k).dot(V.row(slot));
        max_logit = std::max(max_logit, log_a[k]);
      }
      float total = 0;
      for (int k = 0; k < r; ++k) total += a[k] = std::exp(log_a[k] - max_logit);
      const float log_total = std::log(total);
      double y = params.items[static_cast<std::size_t>(slot) * width + d], h = 0;
      for (int k = 0; k < r; ++k) {
        a[k] /= total;
        log_a[k] = log_a[k] - max_logit - log_total;  // finite even when a[k] underflows
        y += static_cast<double>(a[k]) * z[k];
        h -= static_cast<double>(a[k]) * log_a[k];
      }
      score[c] = params.item_log_q != nullptr ? y - params.item_log_q[slot] : y;
      entropy[c] = h;
    }
    const double max_score = *std::max_element(score.begin(), score.end());
    double partition = 0;
    for (int c = 0; c < C; ++c) partition += std::exp(score[c] - max_score);
    const double log_partition = max_score + std::log(partition);
    const double nll = log_partition - score[0];
    double mean_negative_entropy = 0;
    for (int c = 1; c < C; ++c) mean_negative_entropy += entropy[c];
    mean_negative_entropy /= std::max(n_negatives, 1);
    stats.sampled_nll += nll;
    stats.entropy_pos += entropy[0];
    stats.entropy_neg += mean_negative_entropy;
    stats.loss += alpha * nll + beta * (weights.lambda_p * entropy[0] - weights.lambda_n * mean_negative_entropy);
    if (weights.l2_example > 0) {
      const double user_l2 = weights.l2_example * weights.l2_user_factor;
      const float g_l2 = static_cast<float>(weights.l2_example * gradient_weight);
      gradients.users.middleRows(first_row, r) += static_cast<float>(user_l2 * gradient_weight) * U.middleRows(first_row, r);
      double item_squared_norm = 0;
      for (int c = 0; c < C; ++c) {
        const int slot = batch.item[static_cast<std::size_t>(b) * C + c];
        Eigen::Map<const Eigen::RowVectorXf> row(params.items + static_cast<std::size_t>(slot) * width, width);
        item_squared_norm += row.squaredNorm();
        gradients.items.row(slot) += g_l2 * row;
      }
      stats.loss += 0.5 * (user_l2 * U.middleRows(first_row, r).squaredNorm() + weights.l2_example * item_squared_norm);
    }
    if (weights.persona_tie > 0 && r > 1) {
      // d/du_k of (tie/2) sum_k ||u_k - mean||^2 is tie * (u_k - mean): the mean's own terms sum to 0.
      const Eigen::RowVectorXf mean = U.middleRows(first_row, r).colwise().mean();
      const RowMatrixXf deviation = U.middleRows(first_row, r).rowwise() - mean;
      gradients.users.middleRows(first_row, r) += static_cast<float>(weights.persona_tie * gradient_weight) * deviation;
      stats.loss += 0.5 * weights.persona_tie * deviation.squaredNorm();
    }

    // Backward.
    for (int c = 0; c < C; ++c) {
      const int slot = batch.item[static_cast<std::size_t>(b) * C + c];
      const float* a = &attention[static_cast<std::size_t>(c) * r];
      const float* log_a = &log_attention[static_cast<std::size_t>(c) * r];
      const float* z = &dots[static_cast<std::size_t>(c) * r];
      const double probability = std::exp(score[c] - log_partition);
      const float g_score = static_cast<float>(alpha * (probability - (c == 0 ? 1.0 : 0.0)) * gradient_weight);
      const float g_entropy = static_cast<float>(
          beta * (c == 0 ? weights.lambda_p : -weights.lambda_n / std::max(n_negatives, 1)) * gradient_weight);
      // dL/da_k, then through the softmax to the logits psi_ik . phi_j.
      float g_a[64];
      float* g_attention = r <= 64 ? g_a : nullptr;
      std::vector<float> g_heap;
      if (g_attention == nullptr) {
        g_heap.resize(r);
        g_attention = g_heap.data();
      }
      float weighted = 0;
      for (int k = 0; k < r; ++k) {
        g_attention[k] = g_score * z[k] - g_entropy * (log_a[k] + 1.0f);
        weighted += a[k] * g_attention[k];
      }
      auto d_item = gradients.items.row(slot);
      d_item(d) += g_score;
      for (int k = 0; k < r; ++k) {
        const float g_logit = a[k] * (g_attention[k] - weighted);
        d_psi.row(first_row + k) += g_logit * phi.row(slot);
        d_phi.row(slot) += g_logit * psi.row(first_row + k);
        const float g_dot = g_score * a[k];
        gradients.users.row(first_row + k) += g_dot * V.row(slot);
        d_item.head(d) += g_dot * U.row(first_row + k);
      }
    }
  }
  // Back through the two GEMMs.
  gradients.users.noalias() += d_psi * Au.transpose();
  gradients.items.leftCols(d).noalias() += d_phi * Av.transpose();
  gradients.att_u.noalias() = U.transpose() * d_psi;
  gradients.att_v.noalias() = V.transpose() * d_phi;
  const double per_positive = 1.0 / std::max(n_pairs, 1);
  stats.loss *= per_positive;
  stats.sampled_nll *= per_positive;
  stats.entropy_pos *= per_positive;
  stats.entropy_neg *= per_positive;
  return stats;
}

AmpScorer::AmpScorer(const ModelShape& shape, const float* items, std::int32_t n_items, const float* att_u,
               const float* att_v)
    : shape_(shape), items_(items), n_items_(n_items), att_u_(att_u, shape.dim, shape.Size("att_dim")) {
  ItemMap V(items, n_items, shape.dim, OuterStride<>(shape.item_width()));
  Eigen::Map<const RowMatrixXf> Av(att_v, shape.dim, shape.Size("att_dim"));
  phi_ = V * Av;
  bias_.resize(n_items);
  for (std::int32_t j = 0; j < n_items; ++j) bias_(j) = items[static_cast<std::size_t>(j) * shape.item_width() + shape.dim];
}

void AmpScorer::ScoreBlock(const float* user_rows, int n_users, std::vector<float>& scores) const {
  const int r = shape_.personas, d = shape_.dim, da = shape_.Size("att_dim");
  const Eigen::Index n = n_items_, B = n_users;
  Eigen::Map<const RowMatrixXf> U(user_rows, B * r, d);
  ItemMap V(items_, n, d, OuterStride<>(shape_.item_width()));
  const RowMatrixXf psi = U * att_u_;  // (B * r) x da
  // With one persona the attention is exactly 1 (exp(0) / exp(0)): no logits are needed.
  if (r > 1) logits_.resize(B * r, n);
  dots_.resize(B * r, n);
  for (int k = 0; k < r; ++k) {
    // Persona k of every user of the block: rows k, k + r, ... of U and psi.
    Eigen::Map<const RowMatrixXf, 0, OuterStride<>> U_k(user_rows + k * d, B, d, OuterStride<>(r * d));
    Eigen::Map<const RowMatrixXf, 0, OuterStride<>> psi_k(psi.data() + k * da, B, da, OuterStride<>(r * da));
    dots_.middleRows(k * B, B).noalias() = U_k * V.transpose();
    if (r > 1) logits_.middleRows(k * B, B).noalias() = psi_k * phi_.transpose();
  }
  scores.resize(static_cast<std::size_t>(B) * n);
  // Element by element as Score does it (max-shifted softmax over k, then bias + sum_k a_k dot_k
  // in k order), one user's row at a time while it is in cache.
  Eigen::ArrayXf max_logit(n), total(n);
  for (Eigen::Index b = 0; b < B; ++b) {
    Eigen::Map<Eigen::ArrayXf> y(scores.data() + b * n, n);
    y = bias_;
    if (r == 1) {
      y += dots_.row(b).array().transpose();
      continue;
    }
    max_logit = logits_.row(b).array().transpose();
    for (int k = 1; k < r; ++k) max_logit = max_logit.max(logits_.row(k * B + b).array().transpose());
    total.setZero();
    for (int k = 0; k < r; ++k) {
      auto e = logits_.row(k * B + b).array();
      e = (e - max_logit.transpose()).exp();
      total += e.transpose();
    }
    for (int k = 0; k < r; ++k)
      y += (logits_.row(k * B + b).array().transpose() / total) * dots_.row(k * B + b).array().transpose();
  }
}

void AmpScorer::Score(const float* user_rows, const std::vector<std::int32_t>& candidates, std::vector<float>& scores,
                   std::vector<float>* attention) const {
  const int r = shape_.personas, d = shape_.dim, width = shape_.item_width();
  Eigen::Map<const RowMatrixXf> U(user_rows, r, d);
  const RowMatrixXf psi = U * att_u_;  // r x da
  const bool all = candidates.empty();
  const std::int32_t n = all ? n_items_ : static_cast<std::int32_t>(candidates.size());
  RowMatrixXf logits(r, n), dots(r, n);
  if (all) {
    ItemMap V(items_, n_items_, d, OuterStride<>(width));
    logits.noalias() = psi * phi_.transpose();
    dots.noalias() = U * V.transpose();
  } else {
    for (std::int32_t c = 0; c < n; ++c) {
      const std::int32_t item = candidates[c];
      Eigen::Map<const Eigen::RowVectorXf> v(items_ + static_cast<std::size_t>(item) * width, d);
      logits.col(c) = psi * phi_.row(item).transpose();
      dots.col(c) = U * v.transpose();
    }
  }
  scores.resize(n);
  if (attention != nullptr) attention->resize(static_cast<std::size_t>(n) * r);
  for (std::int32_t c = 0; c < n; ++c) {
    const std::int32_t item = all ? c : candidates[c];
    const float max_logit = logits.col(c).maxCoeff();
    float total = 0;
    for (int k = 0; k < r; ++k) total += logits(k, c) = std::exp(logits(k, c) - max_logit);
    float y = items_[static_cast<std::size_t>(item) * width + d];
    for (int k = 0; k < r; ++k) {
      const float a = logits(k, c) / total;
      y += a * dots(k, c);
      if (attention != nullptr) (*attention)[static_cast<std::size_t>(c) * r + k] = a;
    }
    scores[c] = y;
  }
}

}  // namespace ampcf
