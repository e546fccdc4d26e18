// DiRec's re-ranking as ampcf reads it: the candidates of a user's list, in the model's order
// (its priority), are organised as the levels of a cover tree (Beygelzimer et al. 2006; for
// diversification, Drosou and Pitoura 2012), built by inserting the items in priority order, so
// that each node of a level is the highest-priority item of the ball it covers: a priority
// medoid. Level l is a net of radius r_l = R / 2^l (R: the largest distance from the top item):
//   nesting     level l holds every node of level l - 1;
//   separation  any two nodes of level l are more than r_l apart;
//   covering    every candidate lies within r_l of a node of level l.
// The re-ranked list reads the levels top-down: the items of level 0 (the top item), then those
// that join at level 1, at level 2, ..., each group in priority order. Its head therefore covers
// the candidates' regions before it repeats one; the pool's size sets how far relevance yields
// to diversity (a pool of K only reorders the model's top K).
// Distances are Euclidean between the items' unit vectors (a metric, as a cover tree needs:
// 1 - cosine is not one), so direction, not popularity-driven norm, makes two items alike.
#pragma once

#include <cstdint>
#include <vector>

#include "core/eigen_types.h"

namespace ampcf {

// `vectors`: one row per candidate, in priority order (row 0 first). Returns the candidates'
// row indices in the re-ranked order (a permutation of 0 .. rows-1). Candidates at distance 0
// from a node (duplicates, zero vectors) join at the last level, in priority order.
std::vector<int> PriorityMedoidOrder(const RowMatrixXf& vectors);

}  // namespace ampcf
