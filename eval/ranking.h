// HR@K and NDCG@K of the held-out item, in the NCF sampled protocol (against the user's drawn
// or given negatives) and in full ranking (against every item not in the user's training set).
// Ties count against the held-out item: a model that scores everything alike gets no credit.
//
// Every rank and NDCG figure of ampcf (validation, test, eval.h5) comes from the functions here.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "models/model.h"
#include "data/dataset.h"
#include "eval/user_sample.h"

namespace ampcf {

// The K of HR@K and NDCG@K.
constexpr int kTopK = 10;

// Whether an item scoring `other` ranks above a held-out item scoring `target`. Ties rank above,
// and a non-finite score ranks last: a diverged model's NaN or infinite score never makes a hit
// (NaN compares false with everything, so `>=` alone would rank a NaN target first).
inline bool RanksAbove(float other, float target) {
  return !std::isfinite(target) || (std::isfinite(other) && other >= target);
}

// The cut-offs of the retrieval figures in full ranking, Recall@20 and Recall@50 (and NDCG@50), as
// multi-interest retrieval work (MIND, ComiRec) reports them over whole catalogues. With one
// held-out item per user, Recall@K is HR@K: the share of users whose item is in their top K.
constexpr int kRecallShort = 20, kRecallLong = 50;

// HR@k and NDCG@k of a held-out item at 0-based `rank`.
inline bool HitAt(std::int64_t rank, int k = kTopK) { return rank < k; }
double NdcgAt(std::int64_t rank, int k = kTopK);

struct RankingSums {
  double hits = 0;
  double ndcg = 0;
  std::int64_t users = 0;
  void Add(std::int64_t rank, int k = kTopK);  // rank is 0-based
  double hr() const { return users > 0 ? hits / users : 0.0; }
  double ndcg_mean() const { return users > 0 ? ndcg / users : 0.0; }
};

// 0-based rank of a target scoring `target` against `others`: how many score at least as high.
std::int64_t RankAgainst(float target, const float* others, std::size_t n);

// The same for item `target` against the items `candidates` (the target not among them), with
// `scores` indexed by item.
std::int64_t RankAmong(std::span<const float> scores, std::int32_t target, std::span<const std::int32_t> candidates);

// Full-ranking rank of user `u`'s held-out item, with `scores` indexed by item: against every
// item but the target, u's training items (flagged in `is_train`, indexed by item; the caller
// sets and clears them) and, for the test item, u's validation item, which the user also has.
std::int64_t FullRank(const Dataset& data, std::int32_t u, HeldOut which, std::span<const float> scores,
                      const std::vector<char>& is_train);

// Sets is_train[j] = value for the items `train` and, when >= 0, `trained_validation`: the items
// a user's lists leave out (set before, cleared after, so one flag array serves every user).
void MarkSeen(std::vector<char>& is_train, std::span<const std::int32_t> train, std::int32_t trained_validation,
              char value);

// Sorts the top-K unseen items (is_train false) by score, ties to the lower id and non-finite
// scores last, to the front of `order` (sized to every item); returns how many (fewer than K
// when fewer are unseen). eval/recommend.h's TopUnseen returns the list itself, without the
// non-finite scores.
int SortTopUnseen(std::span<const float> scores, const std::vector<char>& is_train, int K, std::vector<std::int32_t>& order);

struct EvalTotals {
  RankingSums sampled;
  RankingSums full;
};

// Evaluates `users` (dense ids) of `data` with their persona rows from `user_rows(u)` (r x d).
// Users without a held-out item of that kind are skipped. The sampled protocol scores each
// user's candidates alone (the scorer need not hold every item); full ranking scores the users
// of `full_sample` against every item, in blocks (eval/score_blocks.h), and excludes the
// training items and, for the test item, the validation item too.
EvalTotals EvaluateUsers(const Scorer& scorer, const Dataset& data, const std::vector<std::int32_t>& users,
                         const std::function<const float*(std::int32_t)>& user_rows, HeldOut which, bool full,
                         const UserSample& full_sample = {});

}  // namespace ampcf
