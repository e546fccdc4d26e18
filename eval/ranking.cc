#include "eval/ranking.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/peer_wait.h"
#include "eval/score_blocks.h"

namespace ampcf {

void MarkSeen(std::vector<char>& is_train, std::span<const std::int32_t> train, std::int32_t trained_validation,
              char value) {
  for (std::int32_t j : train) is_train[j] = value;
  if (trained_validation >= 0) is_train[trained_validation] = value;
}

int SortTopUnseen(std::span<const float> scores, const std::vector<char>& is_train, int K, std::vector<std::int32_t>& order) {
  std::iota(order.begin(), order.end(), 0);
  auto unseen_end = std::partition(order.begin(), order.end(), [&](std::int32_t j) { return !is_train[j]; });
  const int k = static_cast<int>(std::min<std::ptrdiff_t>(K, unseen_end - order.begin()));
  // A non-finite score sorts last (as a diverged model's never ranks: RanksAbove), which also
  // keeps the order strict and weak for partial_sort.
  auto key = [&](std::int32_t j) { return std::isfinite(scores[j]) ? scores[j] : -std::numeric_limits<float>::infinity(); };
  std::partial_sort(order.begin(), order.begin() + k, unseen_end, [&](std::int32_t a, std::int32_t b) {
    const float ka = key(a), kb = key(b);
    return ka > kb || (ka == kb && a < b);
  });
  return k;
}

double NdcgAt(std::int64_t rank, int k) {
  // One relevant item: the ideal DCG is 1, and the item at 1-based position rank + 1 is
  // discounted by log2(position + 1).
  return HitAt(rank, k) ? 1.0 / std::log2(static_cast<double>(rank) + 2.0) : 0.0;
}

void RankingSums::Add(std::int64_t rank, int k) {
  ++users;
  hits += HitAt(rank, k) ? 1.0 : 0.0;
  ndcg += NdcgAt(rank, k);
}

std::int64_t RankAgainst(float target, const float* others, std::size_t n) {
  std::int64_t above = 0;
  for (std::size_t i = 0; i < n; ++i) above += RanksAbove(others[i], target) ? 1 : 0;
  return above;
}

std::int64_t RankAmong(std::span<const float> scores, std::int32_t target, std::span<const std::int32_t> candidates) {
  const float target_score = scores[target];
  std::int64_t above = 0;
  for (std::int32_t j : candidates) above += RanksAbove(scores[j], target_score) ? 1 : 0;
  return above;
}

std::int64_t FullRank(const Dataset& data, std::int32_t u, HeldOut which, std::span<const float> scores,
                      const std::vector<char>& is_train) {
  const std::int32_t target = data.HeldOutItem(which, u);
  const std::int32_t also_held_out = which == HeldOut::kTest ? data.ValItem(u) : -1;  // -1 matches no item
  const float target_score = scores[target];
  std::int64_t above = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const auto j = static_cast<std::int32_t>(i);
    if (!is_train[i] && j != target && j != also_held_out && RanksAbove(scores[i], target_score)) ++above;
  }
  return above;
}

EvalTotals EvaluateUsers(const Scorer& scorer, const Dataset& data, const std::vector<std::int32_t>& users,
                         const std::function<const float*(std::int32_t)>& user_rows, HeldOut which, bool full,
                         const UserSample& full_sample) {
  EvalTotals totals;
  std::vector<std::int32_t> candidates, negatives, ranked;
  std::vector<float> scores;
  for (std::int32_t u : users) {
    if (u % 256 == 0) peer::AnswerRollCall();  // present to roll calls through a long evaluation
    const std::int32_t target = data.HeldOutItem(which, u);
    if (target < 0) continue;
    data.Candidates(which, u, negatives);
    candidates.assign(1, target);
    candidates.insert(candidates.end(), negatives.begin(), negatives.end());
    scorer.Score(user_rows(u), candidates, scores);
    totals.sampled.Add(RankAgainst(scores[0], scores.data() + 1, scores.size() - 1));
    if (full && (full_sample.everyone() || full_sample.Contains(data.UserId(u)))) ranked.push_back(u);
  }
  std::vector<char> is_train(ranked.empty() ? 0 : data.n_items, 0);
  const std::size_t n = data.n_items;
  ForEachScoredBlock(scorer, ranked, user_rows, [&](std::span<const std::int32_t> block, const float* block_scores) {
    for (std::size_t i = 0; i < block.size(); ++i) {
      const std::span<const std::int32_t> train = data.TrainItems(block[i]);
      for (std::int32_t j : train) is_train[j] = 1;
      totals.full.Add(FullRank(data, block[i], which, {block_scores + i * n, n}, is_train));
      for (std::int32_t j : train) is_train[j] = 0;
    }
  });
  return totals;
}

}  // namespace ampcf
