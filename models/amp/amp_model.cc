#include "models/amp/amp_model.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/parallel.h"

namespace ampcf {

namespace {
using Eigen::Dynamic;
using Eigen::OuterStride;
using ItemMap = Eigen::Map<const RowMatrixXf, 0, OuterStride<>>;

// Task sizes (core/parallel.h): fixed, so that each result is computed alike on any thread count.
// A product's row blocks are large because each packs the d x d map again.
constexpr int kRowsPerTask = 128, kPairsPerTask = 32, kUserSlotsPerTask = 32, kItemSlotsPerTask = 64;

// first[s] .. first[s + 1] index the entries e (ascending) whose slot_of[e] is s.
void GroupBySlot(const std::vector<std::int32_t>& slot_of, int n_slots, std::vector<int>& first,
                 std::vector<int>& entries) {
  first.assign(static_cast<std::size_t>(n_slots) + 1, 0);
  for (std::int32_t slot : slot_of) {
    AMPCF_ASSERT(slot >= 0 && slot < n_slots, "slot ", slot, " of a batch with ", n_slots);
    ++first[static_cast<std::size_t>(slot) + 1];
  }
  for (int s = 0; s < n_slots; ++s) first[s + 1] += first[s];
  entries.resize(slot_of.size());
  std::vector<int> next(first.begin(), first.end() - 1);
  for (std::size_t e = 0; e < slot_of.size(); ++e) entries[next[slot_of[e]]++] = static_cast<int>(e);
}

// A row of D floats at `row` (D = Eigen::Dynamic: d of them). The per-candidate phases read and
// add such rows a few thousand times a step; at a fixed D Eigen unrolls each over whole vector
// registers, where a dynamic row peels to its alignment, which an item row of d + 1 floats
// changes from row to row.
template <int D>
Eigen::Map<const Eigen::Matrix<float, 1, D>> RowAt(const float* row, int d) {
  return {row, d};
}
template <int D>
Eigen::Map<Eigen::Matrix<float, 1, D>> RowAt(float* row, int d) {
  return {row, d};
}

// ForwardBackward at d = D (or any d, D = Eigen::Dynamic).
template <int D>
BatchStats ForwardBackwardOfDim(const ModelShape& shape, const LossWeights& weights, const Batch& batch,
                                const BatchParams& params, BatchGradients& gradients) {
  const int r = shape.personas, d = shape.dim, da = shape.Size("att_dim"), width = shape.item_width();
  const int n_pairs = batch.size(), C = batch.candidates, n_negatives = C - 1;
  const int n_user_rows = params.n_user_slots * r, n_items = params.n_item_slots;
  AMPCF_ASSERT(static_cast<int>(batch.item.size()) == n_pairs * C);
  Eigen::Map<const RowMatrixXf> U(params.users, n_user_rows, d);
  Eigen::Map<const RowMatrixXf> Au(params.att_u, d, da), Av(params.att_v, d, da);
  ForwardBackwardScratch& s = gradients.scratch;
  RowMatrixXf &map = s.map, &query = s.query, &d_query = s.d_query;
  map.noalias() = Au * Av.transpose();
  query.resize(n_user_rows, d);
  d_query.resize(n_user_rows, d);
  gradients.users.resize(n_user_rows, d);
  // Row i of a table of persona rows (U, Q, their gradients), and an item slot's vector, as
  // fixed-width rows.
  const auto persona_row = [d](auto* rows, int i) { return RowAt<D>(rows + static_cast<std::size_t>(i) * d, d); };
  const auto item_vector = [&](int slot) { return RowAt<D>(params.items + static_cast<std::size_t>(slot) * width, d); };
  gradients.items.resize(n_items, width);
  const std::size_t n_entries = static_cast<std::size_t>(n_pairs) * C;
  s.g_score.resize(n_entries);
  s.g_logit.resize(n_entries * r);
  s.g_dot.resize(n_entries * r);
  for (auto* terms : {&s.nll, &s.entropy_pos, &s.entropy_neg, &s.loss, &s.loss_l2, &s.loss_tie}) terms->assign(n_pairs, 0.0);
  GroupBySlot(batch.user, params.n_user_slots, s.user_first, s.user_pairs);
  GroupBySlot(batch.item, n_items, s.item_first, s.item_entries);

  const double gradient_weight = weights.gradient_scale / std::max(n_pairs, 1);
  const double alpha = weights.alpha, beta = 1.0 - weights.alpha;
  const double user_l2 = weights.l2_example * weights.l2_user_factor;
  const float g_user_l2 = static_cast<float>(user_l2 * gradient_weight);
  const float g_item_l2 = static_cast<float>(weights.l2_example * gradient_weight);
  const float g_tie = static_cast<float>(weights.persona_tie * gradient_weight);
  const bool tie = weights.persona_tie > 0 && r > 1;
  const double hardness = weights.hard_negatives;
  const bool hard = hardness > 0 && n_negatives > 0;
  // Each user slot's share of the tie (LossWeights::persona_tie_power).
  s.tie_scale.assign(static_cast<std::size_t>(params.n_user_slots), 1.0f);
  if (tie && weights.persona_tie_power > 0 && !batch.relative_history.empty())
    for (int slot = 0; slot < params.n_user_slots; ++slot)
      s.tie_scale[slot] = static_cast<float>(std::pow(std::max(batch.relative_history[slot], 1e-6f), -weights.persona_tie_power));

  // 1. Each persona's query q_ik = u_ik M, by blocks of rows: the step's one large product.
  ParallelForBlocks(n_user_rows, kRowsPerTask, [&](TaskRange rows) {
    query.middleRows(rows.begin, rows.end - rows.begin).noalias() = U.middleRows(rows.begin, rows.end - rows.begin) * map;
  });

  // 2. Per positive: attention, scores and entropies of its candidates, its loss, and the
  // gradient factors of each candidate.
  ParallelForBlocks(n_pairs, kPairsPerTask, [&](TaskRange pairs) {
    std::vector<float> attention(static_cast<std::size_t>(C) * r), dots(attention.size()), log_attention(attention.size()),
        g_attention(r);
    std::vector<double> score(C), entropy(C), model_score(C), hard_share(C);
    for (int b = pairs.begin; b < pairs.end; ++b) {
      const int first_row = batch.user[b] * r;
      const std::int32_t* slots = &batch.item[static_cast<std::size_t>(b) * C];
      for (int c = 0; c < C; ++c) {
        float* a = &attention[static_cast<std::size_t>(c) * r];
        float* log_a = &log_attention[static_cast<std::size_t>(c) * r];
        float* z = &dots[static_cast<std::size_t>(c) * r];
        float max_logit = -INFINITY;
        const auto v = item_vector(slots[c]);
        for (int k = 0; k < r; ++k) {
          log_a[k] = persona_row(query.data(), first_row + k).dot(v);
          z[k] = persona_row(params.users, first_row + k).dot(v);
          max_logit = std::max(max_logit, log_a[k]);
        }
        float total = 0;
        for (int k = 0; k < r; ++k) total += a[k] = std::exp(log_a[k] - max_logit);
        const float log_total = std::log(total);
        double y = params.items[static_cast<std::size_t>(slots[c]) * width + d], h = 0;
        for (int k = 0; k < r; ++k) {
          a[k] /= total;
          log_a[k] = log_a[k] - max_logit - log_total;  // finite even when a[k] underflows
          y += static_cast<double>(a[k]) * z[k];
          h -= static_cast<double>(a[k]) * log_a[k];
        }
        model_score[c] = y;
        score[c] = params.item_log_q != nullptr ? y - params.item_log_q[slots[c]] : y;
        entropy[c] = h;
      }
      if (hard) {
        // LossWeights::hard_negatives: each negative's logit gains log(|N| share), its share of
        // softmax(h y) over the negatives.
        double top = -INFINITY, sum = 0;
        for (int c = 1; c < C; ++c) top = std::max(top, hardness * model_score[c]);
        for (int c = 1; c < C; ++c) sum += std::exp(hardness * model_score[c] - top);
        const double log_sum = std::log(sum), log_n = std::log(static_cast<double>(n_negatives));
        for (int c = 1; c < C; ++c) {
          const double log_share = hardness * model_score[c] - top - log_sum;
          hard_share[c] = std::exp(log_share);
          score[c] += log_share + log_n;
        }
      }
      const double max_score = *std::max_element(score.begin(), score.end());
      double partition = 0;
      for (int c = 0; c < C; ++c) partition += std::exp(score[c] - max_score);
      const double log_partition = max_score + std::log(partition);
      const double nll = log_partition - score[0];
      double mean_negative_entropy = 0;
      for (int c = 1; c < C; ++c) mean_negative_entropy += entropy[c];
      mean_negative_entropy /= std::max(n_negatives, 1);
      s.nll[b] = nll;
      s.entropy_pos[b] = entropy[0];
      s.entropy_neg[b] = mean_negative_entropy;
      s.loss[b] = alpha * nll + beta * (weights.lambda_p * entropy[0] - weights.lambda_n * mean_negative_entropy);
      if (weights.l2_example > 0) {
        double item_squared_norm = 0;
        for (int c = 0; c < C; ++c)
          item_squared_norm +=
              Eigen::Map<const Eigen::RowVectorXf>(params.items + static_cast<std::size_t>(slots[c]) * width, width)
                  .squaredNorm();
        s.loss_l2[b] = 0.5 * (user_l2 * U.middleRows(first_row, r).squaredNorm() + weights.l2_example * item_squared_norm);
      }
      if (tie) {
        const Eigen::RowVectorXf mean = U.middleRows(first_row, r).colwise().mean();
        const RowMatrixXf deviation = U.middleRows(first_row, r).rowwise() - mean;
        s.loss_tie[b] = 0.5 * weights.persona_tie * s.tie_scale[batch.user[b]] * deviation.squaredNorm();
      }
      // Backward to each candidate's score, and through the attention softmax to its logits.
      const double positive_probability = std::exp(score[0] - log_partition);
      for (int c = 0; c < C; ++c) {
        const std::size_t e = static_cast<std::size_t>(b) * C + c;
        const float* a = &attention[static_cast<std::size_t>(c) * r];
        const float* log_a = &log_attention[static_cast<std::size_t>(c) * r];
        const float* z = &dots[static_cast<std::size_t>(c) * r];
        const double probability = std::exp(score[c] - log_partition);
        double g_nll = probability - (c == 0 ? 1.0 : 0.0);
        // A hard negative's weight moves with every negative's score: the softmax(h y) term.
        if (hard && c > 0) g_nll = probability * (1 + hardness) - hardness * hard_share[c] * (1 - positive_probability);
        const float g_score = static_cast<float>(alpha * g_nll * gradient_weight);
        const float g_entropy = static_cast<float>(
            beta * (c == 0 ? weights.lambda_p : -weights.lambda_n / std::max(n_negatives, 1)) * gradient_weight);
        float weighted = 0;  // dL/da_k, then through the softmax
        for (int k = 0; k < r; ++k) {
          g_attention[k] = g_score * z[k] - g_entropy * (log_a[k] + 1.0f);
          weighted += a[k] * g_attention[k];
        }
        s.g_score[e] = g_score;
        for (int k = 0; k < r; ++k) {
          s.g_logit[e * r + k] = a[k] * (g_attention[k] - weighted);
          s.g_dot[e * r + k] = g_score * a[k];
        }
      }
    }
  });

  // 3. Each user slot's rows and each item slot's row gather their positives' terms, in positive
  // order.
  const int user_tasks = TaskCount(params.n_user_slots, kUserSlotsPerTask);
  const int item_tasks = TaskCount(n_items, kItemSlotsPerTask);
  ParallelFor(user_tasks + item_tasks, [&](int task) {
    if (task < user_tasks) {
      const TaskRange slots = TaskItems(task, params.n_user_slots, kUserSlotsPerTask);
      d_query.middleRows(slots.begin * r, (slots.end - slots.begin) * r).setZero();
      gradients.users.middleRows(slots.begin * r, (slots.end - slots.begin) * r).setZero();
      for (int slot = slots.begin; slot < slots.end; ++slot) {
        const int first_row = slot * r;
        auto g_user = gradients.users.middleRows(first_row, r);
        // d/du_k of (tie/2) sum_k ||u_k - mean||^2 is tie * (u_k - mean): the mean's own terms sum to 0.
        RowMatrixXf deviation;
        if (tie) {
          const Eigen::RowVectorXf mean = U.middleRows(first_row, r).colwise().mean();
          deviation = U.middleRows(first_row, r).rowwise() - mean;
        }
        for (int i = s.user_first[slot]; i < s.user_first[slot + 1]; ++i) {
          const int b = s.user_pairs[i];
          if (weights.l2_example > 0) g_user += g_user_l2 * U.middleRows(first_row, r);
          if (tie) g_user += (g_tie * s.tie_scale[slot]) * deviation;
          for (int c = 0; c < C; ++c) {
            const std::size_t e = static_cast<std::size_t>(b) * C + c;
            const auto v = item_vector(batch.item[e]);
            for (int k = 0; k < r; ++k) {
              persona_row(d_query.data(), first_row + k) += s.g_logit[e * r + k] * v;
              persona_row(gradients.users.data(), first_row + k) += s.g_dot[e * r + k] * v;
            }
          }
        }
      }
    } else {
      const TaskRange slots = TaskItems(task - user_tasks, n_items, kItemSlotsPerTask);
      gradients.items.middleRows(slots.begin, slots.end - slots.begin).setZero();
      for (int item = slots.begin; item < slots.end; ++item) {
        auto d_item = gradients.items.row(item);
        auto d_v = RowAt<D>(d_item.data(), d);  // d_item's first d floats: the item vector's gradient
        Eigen::Map<const Eigen::RowVectorXf> row(params.items + static_cast<std::size_t>(item) * width, width);
        const int last = s.item_first[item + 1];
        // A positive's candidates may name the item more than once: its L2 terms come first, as
        // a positive's loss is formed before its backward pass.
        for (int i = s.item_first[item]; i < last;) {
          const int b = s.item_entries[i] / C;
          int end = i;
          while (end < last && s.item_entries[end] / C == b) ++end;
          if (weights.l2_example > 0)
            for (int j = i; j < end; ++j) d_item += g_item_l2 * row;
          for (; i < end; ++i) {
            const std::size_t e = static_cast<std::size_t>(s.item_entries[i]);
            const int first_row = batch.user[b] * r;
            d_item(d) += s.g_score[e];
            for (int k = 0; k < r; ++k)
              d_v += s.g_logit[e * r + k] * persona_row(query.data(), first_row + k) +
                     s.g_dot[e * r + k] * persona_row(params.users, first_row + k);
          }
        }
      }
    }
  });

  // 4. Back through the queries: dL/dM = U^T dL/dQ, the largest task, first; then the maps'
  // gradients from it (dL/dA_u = dL/dM A_v, dL/dA_v = (dL/dM)^T A_u), and each user row's.
  const int user_row_tasks = TaskCount(n_user_rows, kRowsPerTask);
  ParallelFor(1 + user_row_tasks, [&](int task) {
    if (task == 0) {
      s.d_map.noalias() = U.transpose() * d_query;
      gradients.att_u.noalias() = s.d_map * Av;
      gradients.att_v.noalias() = s.d_map.transpose() * Au;
    } else {
      const TaskRange rows = TaskItems(task - 1, n_user_rows, kRowsPerTask);
      gradients.users.middleRows(rows.begin, rows.end - rows.begin).noalias() +=
          d_query.middleRows(rows.begin, rows.end - rows.begin) * map.transpose();
    }
  });

  BatchStats stats;
  for (int b = 0; b < n_pairs; ++b) {
    stats.sampled_nll += s.nll[b];
    stats.entropy_pos += s.entropy_pos[b];
    stats.entropy_neg += s.entropy_neg[b];
    stats.loss += s.loss[b];
    if (weights.l2_example > 0) stats.loss += s.loss_l2[b];
    if (tie) stats.loss += s.loss_tie[b];
  }
  const double per_positive = 1.0 / std::max(n_pairs, 1);
  stats.loss *= per_positive;
  stats.sampled_nll *= per_positive;
  stats.entropy_pos *= per_positive;
  stats.entropy_neg *= per_positive;
  return stats;
}

}  // namespace

BatchStats ForwardBackward(const ModelShape& shape, const LossWeights& weights, const Batch& batch,
                           const BatchParams& params, BatchGradients& gradients) {
  // d = 64 is the default and the paper's; other dimensions take the general path.
  if (shape.dim == 64) return ForwardBackwardOfDim<64>(shape, weights, batch, params, gradients);
  return ForwardBackwardOfDim<Eigen::Dynamic>(shape, weights, batch, params, gradients);
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

void AmpScorer::InnerProductItem(std::int32_t item, float* out) const {
  std::copy_n(items_ + static_cast<std::size_t>(item) * (shape_.dim + 1), shape_.dim + 1, out);
}

int AmpScorer::InnerProductQueries(const float* user_rows, std::vector<float>& queries) const {
  const int d = shape_.dim, r = shape_.personas;
  queries.resize(static_cast<std::size_t>(r) * (d + 1));
  for (int k = 0; k < r; ++k) {
    std::copy_n(user_rows + static_cast<std::size_t>(k) * d, d, &queries[static_cast<std::size_t>(k) * (d + 1)]);
    queries[static_cast<std::size_t>(k) * (d + 1) + d] = 1.0f;
  }
  return r;
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
