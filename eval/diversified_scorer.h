// DiRec as a re-ranking step on any trained model: a Scorer over the model's scorer whose scores
// put each user's diversified list first (eval/priority_medoids.h), so that every figure of
// `ampcf eval` (sampled and full-ranking HR/NDCG, TDD, coverage, eval.h5's lists) is of the
// re-ranked lists.
//
// Per user: the pool is the `pool` best-scored of the items asked for that the user does not
// already have (`seen`); its items get scores above every other item, in PriorityMedoidOrder;
// the other items keep the model's scores. Re-ranked scores therefore give an order, not a
// model's confidence.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "models/model.h"

namespace ampcf {

// The items a user already has (training items, and any other held-out item the ranking leaves
// out), for the user whose row is `user_row`.
using SeenItems = std::function<std::span<const std::int32_t>(const float* user_row)>;

class DiversifiedScorer : public Scorer {
 public:
  // `inner` (which must outlive this scorer) scores every item; `items` holds the item vectors,
  // `dim` floats from the start of each row of `stride` floats, n_items rows; `pool` and
  // `list_length` as PriorityMedoidOrder's; `seen` as above.
  DiversifiedScorer(const Scorer& inner, const float* items, int stride, int dim, int pool, int list_length,
                    SeenItems seen);

  void Score(const float* user_row, const std::vector<std::int32_t>& candidates, std::vector<float>& scores,
             std::vector<float>* attention = nullptr) const override;
  std::int32_t n_items() const override { return inner_.n_items(); }
  int personas() const override { return inner_.personas(); }
  int dim() const override { return inner_.dim(); }

 private:
  const Scorer& inner_;
  const float* items_;
  int stride_, dim_, pool_, list_length_;
  SeenItems seen_;
  mutable std::vector<std::int32_t> order_;
  mutable std::vector<char> seen_flags_;
};

}  // namespace ampcf
