// Recommendations as a library user asks for them: for each user, the best `top` items they
// have not seen, each with its score and the persona that explains it (the highest attention on
// it, and that weight; single-vector models: persona 0, weight 1).
//
// "Seen" is what the model was trained on: the user's training items, and the validation item
// when the model was trained on it too (ModelData::trained_on_validation). Items whose score is
// not finite are never recommended (a diverged model gives shorter lists, not NaN-ranked ones).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "data/dataset.h"
#include "eval/item_index.h"
#include "models/model.h"

namespace ampcf {

struct Recommended {
  std::int32_t item = 0;  // dense id
  float score = 0;
  int persona = 0;   // highest attention
  float weight = 0;  // its attention weight
};

// The `top` best-scored items not marked in `seen` (one flag per item), best first; ties go to
// the lower item id. persona and weight are left 0.
std::vector<Recommended> TopUnseen(std::span<const float> scores, std::span<const char> seen, int top);

// Sets each item's persona and weight from the attention of `user_row` on it (one Scorer::Score
// call over the listed items).
void LabelPersonas(const Scorer& scorer, const float* user_row, std::vector<Recommended>& items);

// The recommendations of every user of `users` (held by this rank), in that order: scored a
// block of users at a time (eval/score_blocks.h), then labelled. `user_rows(u)`: u's per-user row.
std::vector<std::vector<Recommended>> Recommend(const Scorer& scorer, const Dataset& data,
                                                std::span<const std::int32_t> users,
                                                const std::function<const float*(std::int32_t)>& user_rows, int top,
                                                bool exclude_validation);

// Recommend's lists through an item index (eval/item_index.h): per user, each query of the
// model (one per persona) retrieves its `candidates` nearest items plus as many as the user has
// seen (a seen item takes no place in the list); the union, less the seen items, is scored
// exactly (attention included) and the best `top` kept. `seconds_per_user`, when given, gets
// each user's time, in `users`' order.
std::vector<std::vector<Recommended>> RecommendFromIndex(const Scorer& scorer, const ItemIndex& index,
                                                         const Dataset& data, std::span<const std::int32_t> users,
                                                         const std::function<const float*(std::int32_t)>& user_rows,
                                                         int top, bool exclude_validation, int candidates,
                                                         std::vector<double>* seconds_per_user = nullptr);

}  // namespace ampcf
