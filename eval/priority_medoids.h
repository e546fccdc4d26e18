// DiRec's re-ranking as ampcf reads it: the candidates of a user's list, in the model's order
// (their priority), are organised as the levels of a cover tree (Beygelzimer et al. 2006; for
// diversification, Drosou and Pitoura 2012), built by inserting the items in priority order, so
// that each node of a level is the highest-priority item of the ball it covers: a priority
// medoid. Level l is a net of radius r_l:
//   nesting     level l holds every node of level l - 1;
//   separation  any two nodes of level l are more than r_l apart;
//   covering    every candidate lies within r_l of a node of level l.
// A cover tree halves the radius from level to level; in 64 dimensions item vectors are nearly
// all about equally far apart, so halving jumps from one node to all of them. Here each level's
// radius is instead the largest that gives the level at least K 2^l nodes (K: the list's length),
// found by bisection over the pairwise distances: level 0 is the K most diverse high-priority
// items, the next doubles them.
// The re-ranked list reads the levels top-down: the nodes of level 0, then those that join at
// level 1, 2, ..., each group in priority order. The pool's size sets how far relevance yields
// to diversity (a pool of K only keeps the model's top K, in its order).
// Distances are Euclidean between the items' unit vectors (a metric, as a cover tree needs:
// 1 - cosine is not one), so direction, not popularity-driven norm, makes two items alike.
#pragma once

#include <cstdint>
#include <vector>

#include "core/eigen_types.h"

namespace ampcf {

// `vectors`: one row per candidate, in priority order (row 0 first); `list_length`: K. Returns
// the candidates' row indices in the re-ranked order (a permutation of 0 .. rows-1).
// Candidates at distance 0 from a node (duplicates, zero vectors) come last, in priority order.
std::vector<int> PriorityMedoidOrder(const RowMatrixXf& vectors, int list_length);

}  // namespace ampcf
