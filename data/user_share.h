// Which users a worker holds: contiguous ranges of user ids whose training pairs are as equal as
// whole users allow. Each user goes to the share whose slice of all pairs holds the middle of the
// user's own pairs, so shares differ by at most about one user's pairs.
#pragma once

#include <cstdint>
#include <functional>

#include "data/dataset.h"

namespace ampcf {

// The share of a user whose training pairs are pairs [before, after) of all `total`: the share
// whose slice of the pairs holds the middle of the user's. Non-decreasing in the user.
int ShareOfUser(std::int64_t before, std::int64_t after, std::int64_t total, int shares);

// Share `index` (0-based) of `shares` over users [0, n_users), given `offset(u)`: the training
// pairs of users before u (a CSR offset, offset(n_users) the total). Asks for O(log n_users)
// offsets, so a rank can find its share in a file without reading every user's. index -1: none.
UserRange ShareOfUsers(std::int32_t n_users, int index, int shares, const std::function<std::int64_t(std::int32_t)>& offset);

}  // namespace ampcf
