// Whole-catalogue scoring of many users, a block of users at a time (Scorer::ScoreBlock): the
// item matrix is packed for the GEMM once per block instead of once per user, which is where
// per-user full ranking spent most of its time.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "models/model.h"

namespace ampcf {

// Users per block: enough to amortise packing the item matrix, few enough that a block's
// scratch (about 2r + 1 floats per user and item: logits, dots, scores) stays near 32 MB.
int BlockUsers(const Scorer& scorer);

// Scores every item for `users`, in blocks of `block_users` (0: BlockUsers(scorer)): gathers a
// block's per-user rows (user_rows(u): personas() x dim() floats) into one buffer, calls
// ScoreBlock, and hands `each` the block's users and their scores (block.size() x n_items,
// row-major; valid during the call).
void ForEachScoredBlock(const Scorer& scorer, std::span<const std::int32_t> users,
                        const std::function<const float*(std::int32_t)>& user_rows,
                        const std::function<void(std::span<const std::int32_t> block, const float* scores)>& each,
                        int block_users = 0);

}  // namespace ampcf
