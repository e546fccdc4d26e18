// Views of a user's personas that any scorer scores like a user's own rows (r x d, persona-major):
// with every persona equal to one vector w, the attention weights sum to 1 whatever they are,
// so the AMP-CF score is w . v_j + b_j. Two views follow:
//   collapsed:      every persona replaced by the mean of the r (the collapse ablation: the
//                   model as matrix factorisation with the user vector mean_k u_k);
//   persona k alone: every persona replaced by u_k (what persona k on its own recommends).
// And the figure that compares the personas' own lists.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ampcf {

// out (r x d) = the mean of rows' r personas, repeated r times. out may equal rows.
void CollapsePersonas(const float* rows, int r, int d, float* out);

// out (r x d) = persona k of rows, repeated r times; out must not overlap rows.
void PersonaAlone(const float* rows, int r, int d, int k, float* out);

// Mean Jaccard index |A n B| / |A u B| over the pairs of `lists` (each of distinct items);
// 1 for fewer than two lists (nothing differs), and a pair of empty lists counts as 1.
double MeanPairwiseJaccard(const std::vector<std::span<const std::int32_t>>& lists);

}  // namespace ampcf
