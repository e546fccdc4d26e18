#include "eval/persona_figures.h"

#include <algorithm>
#include <cmath>

#include "core/eigen_types.h"
#include "eval/persona_views.h"
#include "eval/ranking.h"

namespace ampcf {

int DominantPersona(const std::vector<float>& attention, int r, std::size_t i, float* weight) {
  const float* a = &attention[i * r];
  const int best = static_cast<int>(std::max_element(a, a + r) - a);
  if (weight != nullptr) *weight = a[best];
  return best;
}

double AttentionEntropy(const std::vector<float>& attention, int r, int k) {
  double entropy = 0;
  for (int i = 0; i < k; ++i) {
    const float* a = &attention[static_cast<std::size_t>(i) * r];
    for (int p = 0; p < r; ++p)
      if (a[p] > 0) entropy -= a[p] * std::log(static_cast<double>(a[p]));
  }
  return entropy / std::max(k, 1);
}

int PersonasUsed(const std::vector<float>& attention, int r, std::size_t first, std::size_t n_train) {
  std::vector<char> used(r, 0);
  for (std::size_t i = first; i < first + n_train; ++i) used[DominantPersona(attention, r, i, nullptr)] = 1;
  return static_cast<int>(std::count(used.begin(), used.end(), 1));
}

double PersonaSimilarity(const float* rows, int r, int d) {
  if (r <= 1) return 1.0;
  Eigen::Map<const RowMatrixXf> u_rows(rows, r, d);
  double total = 0;
  int pairs = 0;
  for (int a = 0; a < r; ++a)
    for (int b = a + 1; b < r; ++b, ++pairs) {
      const double norms = u_rows.row(a).norm() * u_rows.row(b).norm();
      total += norms > 0 ? u_rows.row(a).dot(u_rows.row(b)) / norms : 0.0;
    }
  return total / pairs;
}

void PersonaLists(const Scorer& scorer, const Dataset& data, std::span<const std::int32_t> block, const float* scores,
                  const std::function<const float*(std::int32_t)>& user_rows, bool exclude_validation,
                  UserScratch& scratch) {
  const int r = scorer.personas(), d = scorer.dim(), P = 2 * r * kTopK;
  const std::size_t row = static_cast<std::size_t>(r) * d, n = data.n_items;
  scratch.persona_lists.assign(block.size() * P, -1);
  scratch.view_rows.resize(block.size() * row);
  // Marks user i's seen items, fills scratch.order's front with the top `count` unseen by
  // `user_scores`, unmarks; returns how many.
  auto top_unseen = [&](std::size_t i, const float* user_scores, int count) {
    const std::span<const std::int32_t> train = data.TrainItems(block[i]);
    const std::int32_t trained_validation = exclude_validation ? data.ValItem(block[i]) : -1;
    MarkSeen(scratch.is_train, train, trained_validation, 1);
    const int length = SortTopUnseen({user_scores, n}, scratch.is_train, count, scratch.order);
    MarkSeen(scratch.is_train, train, trained_validation, 0);
    return length;
  };
  for (int k = 0; k < r; ++k) {
    for (std::size_t i = 0; i < block.size(); ++i) PersonaAlone(user_rows(block[i]), r, d, k, &scratch.view_rows[i * row]);
    scorer.ScoreBlock(scratch.view_rows.data(), static_cast<int>(block.size()), scratch.view_scores);
    for (std::size_t i = 0; i < block.size(); ++i) {
      const int length = top_unseen(i, &scratch.view_scores[i * n], kTopK);
      std::copy_n(scratch.order.begin(), length, &scratch.persona_lists[i * P + k * kTopK]);
    }
  }
  std::vector<int> filled(r);
  for (std::size_t i = 0; i < block.size(); ++i) {
    const int length = top_unseen(i, scores + i * n, kExplainedPool);
    scratch.attended.assign(scratch.order.begin(), scratch.order.begin() + length);
    scorer.Score(user_rows(block[i]), scratch.attended, scratch.attended_scores, &scratch.attention);
    std::fill(filled.begin(), filled.end(), 0);
    for (int at = 0; at < length; ++at) {  // in score order
      const int k = DominantPersona(scratch.attention, r, at, nullptr);
      if (filled[k] < kTopK) scratch.persona_lists[i * P + (r + k) * kTopK + filled[k]++] = scratch.attended[at];
    }
  }
}

double PersonaOverlap(const UserScratch& scratch, std::size_t i, int r) {
  std::vector<std::span<const std::int32_t>> lists;
  for (int k = 0; k < r; ++k) {
    const std::int32_t* first = &scratch.persona_lists[i * 2 * r * kTopK + k * kTopK];
    lists.emplace_back(first, std::find(first, first + kTopK, -1));
  }
  return MeanPairwiseJaccard(lists);
}

}  // namespace ampcf
