#include "eval/ranking.h"

#include <cmath>
#include <limits>

namespace ampcf {

void RankingSums::Add(std::int64_t rank, int k) {
  ++users;
  if (rank < k) {
    hits += 1.0;
    ndcg += 1.0 / std::log2(static_cast<double>(rank) + 2.0);
  }
}

std::int64_t RankAgainst(float target, const float* others, std::size_t n) {
  std::int64_t above = 0;
  for (std::size_t i = 0; i < n; ++i) above += others[i] >= target ? 1 : 0;
  return above;
}

EvalTotals EvaluateUsers(const Scorer& scorer, const Dataset& data, const std::vector<std::int32_t>& users,
                         const std::function<const float*(std::int32_t)>& user_rows, HeldOut which, bool full) {
  EvalTotals totals;
  std::vector<std::int32_t> candidates;
  std::vector<float> scores;
  const std::vector<std::int32_t>& none = {};
  for (std::int32_t u : users) {
    const std::int32_t target = which == HeldOut::kTest ? data.test_item[u] : data.val_item[u];
    if (target < 0) continue;
    const auto& offsets = which == HeldOut::kTest ? data.test_negative_offsets : data.val_negative_offsets;
    const auto& negatives = which == HeldOut::kTest ? data.test_negatives : data.val_negatives;
    candidates.assign(1, target);
    candidates.insert(candidates.end(), negatives.begin() + offsets[u], negatives.begin() + offsets[u + 1]);
    const float* rows = user_rows(u);
    scorer.Score(rows, candidates, scores);
    totals.sampled.Add(RankAgainst(scores[0], scores.data() + 1, scores.size() - 1));
    if (!full) continue;
    scorer.Score(rows, none, scores);
    const float target_score = scores[target];
    // Items the user is known to have: out of the ranking, as is the target itself.
    for (auto i = data.train_offsets[u]; i < data.train_offsets[u + 1]; ++i)
      scores[data.train_items[i]] = -std::numeric_limits<float>::infinity();
    if (which == HeldOut::kTest && data.val_item[u] >= 0)
      scores[data.val_item[u]] = -std::numeric_limits<float>::infinity();
    scores[target] = -std::numeric_limits<float>::infinity();
    totals.full.Add(RankAgainst(target_score, scores.data(), scores.size()));
  }
  return totals;
}

}  // namespace ampcf
