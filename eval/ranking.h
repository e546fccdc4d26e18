// HR@K and NDCG@K of the held-out item, in the NCF sampled protocol (against the user's drawn
// or given negatives) and in full ranking (against every item not in the user's training set).
// Ties count against the held-out item: a model that scores everything alike gets no credit.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "models/model.h"
#include "data/dataset.h"

namespace ampcf {

constexpr int kTopK = 10;

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

enum class HeldOut { kValidation, kTest };

struct EvalTotals {
  RankingSums sampled;
  RankingSums full;
};

// Evaluates `users` (dense ids) of `data` with their persona rows from `user_rows(u)` (r x d).
// Users without a held-out item of that kind are skipped. Full ranking excludes the training
// items and, for the test item, the validation item too.
EvalTotals EvaluateUsers(const Scorer& scorer, const Dataset& data, const std::vector<std::int32_t>& users,
                         const std::function<const float*(std::int32_t)>& user_rows, HeldOut which, bool full);

}  // namespace ampcf
