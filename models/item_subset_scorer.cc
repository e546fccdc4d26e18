#include "models/item_subset_scorer.h"

#include "core/error.h"

namespace ampcf {

ItemSubsetScorer::ItemSubsetScorer(std::unique_ptr<Scorer> rows, const std::vector<std::int32_t>& items,
                                   std::int32_t n_items)
    : rows_(std::move(rows)), row_of_(n_items, -1) {
  for (std::size_t i = 0; i < items.size(); ++i) row_of_[items[i]] = static_cast<std::int32_t>(i);
}

void ItemSubsetScorer::Score(const float* user_row, const std::vector<std::int32_t>& candidates,
                             std::vector<float>& scores, std::vector<float>* attention) const {
  AMPCF_ASSERT(!candidates.empty(), "a scorer of some items cannot score the whole catalogue");
  std::vector<std::int32_t> mapped(candidates.size());
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    mapped[c] = row_of_[candidates[c]];
    AMPCF_ASSERT(mapped[c] >= 0, "item not held by this scorer");
  }
  rows_->Score(user_row, mapped, scores, attention);
}

}  // namespace ampcf
