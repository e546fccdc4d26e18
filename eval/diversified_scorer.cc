#include "eval/diversified_scorer.h"

#include <algorithm>
#include <cmath>

#include "eval/priority_medoids.h"

namespace ampcf {

DiversifiedScorer::DiversifiedScorer(const Scorer& inner, const float* items, int stride, int dim, int pool,
                                     int list_length, SeenItems seen)
    : inner_(inner),
      items_(items),
      stride_(stride),
      dim_(dim),
      pool_(pool),
      list_length_(list_length),
      seen_(std::move(seen)) {}

void DiversifiedScorer::Score(const float* user_row, const std::vector<std::int32_t>& candidates,
                              std::vector<float>& scores, std::vector<float>* attention) const {
  inner_.Score(user_row, candidates, scores, attention);
  const bool all = candidates.empty();
  const auto n = static_cast<std::int32_t>(scores.size());
  const auto item = [&](std::int32_t c) { return all ? c : candidates[c]; };
  seen_flags_.assign(inner_.n_items(), 0);
  for (std::int32_t j : seen_(user_row)) seen_flags_[j] = 1;
  // The pool: positions c of the best-scored unseen items (finite scores only), best first.
  order_.clear();
  float top = -INFINITY;
  for (std::int32_t c = 0; c < n; ++c) {
    if (std::isfinite(scores[c])) top = std::max(top, scores[c]);
    if (!seen_flags_[item(c)] && std::isfinite(scores[c])) order_.push_back(c);
  }
  const auto pool = std::min<std::size_t>(pool_, order_.size());
  std::partial_sort(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(pool), order_.end(),
                    [&](std::int32_t a, std::int32_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); });
  order_.resize(pool);
  RowMatrixXf vectors(static_cast<Eigen::Index>(pool), dim_);
  for (std::size_t p = 0; p < pool; ++p)
    vectors.row(static_cast<Eigen::Index>(p)) =
        Eigen::Map<const Eigen::RowVectorXf>(items_ + static_cast<std::size_t>(item(order_[p])) * stride_, dim_);
  const std::vector<int> reranked = PriorityMedoidOrder(vectors, list_length_);
  // Above every score, in the re-ranked order: top + pool - position.
  for (std::size_t p = 0; p < pool; ++p)
    scores[order_[reranked[p]]] = top + static_cast<float>(pool - p);
}

}  // namespace ampcf
