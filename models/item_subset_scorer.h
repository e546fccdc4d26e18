// A scorer that holds some item rows only, answering in the catalogue's item ids: per-epoch
// validation pulls just the rows its users' candidates need (eval/candidate_items.h) instead of
// the whole item table. Built over a model's scorer of those rows alone (Model::MakeScorer on an
// item table of items.size() rows); each candidate id is mapped to its row there.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "models/model.h"

namespace ampcf {

class ItemSubsetScorer : public Scorer {
 public:
  // `items`: the held item ids, ascending (row i of `rows` is item items[i]); `n_items`: the catalogue's.
  ItemSubsetScorer(std::unique_ptr<Scorer> rows, const std::vector<std::int32_t>& items, std::int32_t n_items);
  // Candidates must be given, and held here: not every item can be scored (nor ScoreBlock used).
  void Score(const float* user_row, const std::vector<std::int32_t>& candidates, std::vector<float>& scores,
             std::vector<float>* attention = nullptr) const override;
  std::int32_t n_items() const override { return static_cast<std::int32_t>(row_of_.size()); }
  int personas() const override { return rows_->personas(); }
  int dim() const override { return rows_->dim(); }

 private:
  std::unique_ptr<Scorer> rows_;
  std::vector<std::int32_t> row_of_;  // per catalogue item: its row in rows_, or -1
};

}  // namespace ampcf
