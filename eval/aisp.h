// AISP-p, the AMP-CF paper's own baseline: no learning. Items are their PCA vectors (the taste
// space's coordinates, eval/taste_space.h); a user's p personas are the means of a K-Means with
// p clusters over the user's training items (fewer distinct items than p: the means repeat);
// scoring is AMP-CF's with identity attention maps and no item bias:
//   a_ijk = softmax_k(u_ik . v_j),  y_ij = sum_k a_ijk (u_ik . v_j).
// The result is an ordinary model (model.h5), so eval, explain and TDD treat it like any other.
#pragma once

#include <cstdint>
#include <vector>

#include "eval/taste_space.h"
#include "data/dataset.h"
#include "io/model_file.h"

namespace ampcf {

// Persona rows (p x components floats per user) of `users`, in the order given.
std::vector<float> AispPersonas(const Dataset& data, const TasteSpace& space, int personas,
                                const std::vector<std::int32_t>& users, std::uint64_t seed);

// The model around the personas of every user (dense order): items, identity maps, no bias.
ModelData AispModel(const Dataset& data, const TasteSpace& space, int personas, std::vector<float> all_personas);

}  // namespace ampcf
