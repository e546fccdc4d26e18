// Explanations (the AMP-CF paper's Fig. 2): for one user, each recommended item with the persona
// that gives it the highest attention and that weight (item-based models, whose one "persona" is
// the user's history: the history items that weigh most in its score); each persona's own top-k (unseen items
// ranked by u_ik . v_j + b_j); the user's training items labelled by their dominant persona.
// `ampcf explain --user ID` prints it with titles and genres where the dataset has them and
// writes it to HDF5:
//   /            attributes: format ("ampcf-explanation"), user (original id), personas
//   /recommendations/{items, scores, persona, weight}   [top]
//   /recommendations/{because_items, because_share}     [top, 3], item-based models only: the
//                                    history items that make each score (Scorer::Because), -1 past the last
//   /personas/{items, scores}                           [r, top]
//   /history/{items, persona, weight}                   [training items]
// Items are original ids; personas count from 0. Where the dataset's item ids are text, each
// group also holds `item_names` (and /recommendations `because_item_names`, "" past the last):
// one name per element of its items array, row by row (h5::WriteLines).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "eval/recommend.h"
#include "models/model.h"
#include "data/dataset.h"
#include "data/item_info.h"

namespace ampcf {

struct Explained : Recommended {
  std::vector<std::pair<std::int32_t, float>> because;  // item-based models: Scorer::Because
};

// History items named per recommendation by item-based models.
constexpr int kBecauseItems = 3;

// An item as outputs name it: its title and genres where the dataset has them, else "item ID".
std::string ItemLabel(const Dataset& data, const std::map<std::int64_t, ItemInfo>& info, std::int32_t item);

struct Explanation {
  std::int32_t user = 0;  // dense id
  std::vector<Explained> recommendations;           // best first
  std::vector<std::vector<Explained>> per_persona;  // [r], best first; score = the persona's own
  std::vector<Explained> history;                   // training items, by dominant persona then item
};

// `exclude_validation`: the model trained on the user's validation item too (--refit), so it is
// not recommended either.
Explanation Explain(const Scorer& scorer, const Dataset& data, std::int32_t user, const float* user_rows, int top,
                    bool exclude_validation = false);

std::string FormatExplanation(const Explanation& explanation, const Dataset& data,
                              const std::map<std::int64_t, ItemInfo>& info, int personas);
void WriteExplanation(const std::string& path, const Explanation& explanation, const Dataset& data, int personas);

}  // namespace ampcf
