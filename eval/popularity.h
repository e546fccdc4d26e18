// Popularity, the sanity anchor every learned model must beat: an item scores by how many users
// chose it in training, the same for every user. It is stored as an ordinary model so that eval,
// explain and TDD treat it like any other: AMP-CF's form with one persona of one zero
// dimension, zero item vectors and item biases b_j = ln(1 + training count of j), so
//   y_ij = a_ij1 (u_i1 . v_j) + b_j = b_j.
// Items of equal counts tie, and ties rank above the held-out item (eval/ranking.h): the
// figures are the pessimistic ones.
#pragma once

#include "data/dataset.h"
#include "io/model_file.h"

namespace ampcf {

// The item side of the model (every user's row is one 0, the same for all).
ModelData PopularityModel(const Dataset& data);

}  // namespace ampcf
