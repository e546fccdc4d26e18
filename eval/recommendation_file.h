// The output of `ampcf recommend`: every rank writes its own users' lists, one rank at a time
// (core/file_ring.h), into a temporary file that rank 0 moves into place at the end, so no rank
// holds another's lists and an interrupted run leaves no half-written file at the path.
//
// HDF5 (FILE.h5):
//   /             attributes: format ("ampcf-recommendations"), model (its path), top
//   /users        [n]       original user ids (string ids: indices into /user_names)
//   /items        [n, top]  original item ids, best first, -1 past a user's last
//                           (string ids: indices into /item_names)
//   /scores       [n, top]  float, NaN past the last
//   /persona      [n, top]  int32, the explaining persona counted from 0 (-1 past the last)
//   /weight       [n, top]  float, its attention weight
//   /user_names, /item_names   where users, items have string ids (h5::WriteLines); users
//                           folded in from a file may have them where the dataset has not
// CSV (any other name): a header "user,rank,item,score,persona,weight", then one line per
// recommendation, rank from 1, persona from 0, ids as the dataset writes them.
// Users appear in the order of the ranks' shares (dense user order).
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "eval/recommend.h"

namespace ampcf {

constexpr const char* kRecommendationFormat = "ampcf-recommendations";

// Collective over `comm`: writes `lists[i]` for this rank's `users[i]` (dense ids of `data`, this
// rank's share). `model` is recorded as an attribute.
void WriteRecommendations(const std::string& path, const std::string& model, int top, const Dataset& data,
                          const std::vector<std::int32_t>& users, const std::vector<std::vector<Recommended>>& lists,
                          MPI_Comm comm);

}  // namespace ampcf
