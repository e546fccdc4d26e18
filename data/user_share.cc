#include "data/user_share.h"

#include <algorithm>

#include "core/error.h"

namespace ampcf {

int ShareOfUser(std::int64_t before, std::int64_t after, std::int64_t total, int shares) {
  if (total <= 0) return 0;
  // Offsets are exact in a double below 2^53 pairs.
  const double middle = static_cast<double>(before) + 0.5 * (static_cast<double>(after) - static_cast<double>(before));
  return std::clamp(static_cast<int>(middle * shares / static_cast<double>(total)), 0, shares - 1);
}

UserRange ShareOfUsers(std::int32_t n_users, int index, int shares, const std::function<std::int64_t(std::int32_t)>& offset) {
  AMPCF_ASSERT(shares >= 1 && index < shares, "share ", index, " of ", shares);
  if (index < 0) return {0, 0};
  const std::int64_t total = offset(n_users);
  auto share_of = [&](std::int32_t u) { return ShareOfUser(offset(u), offset(u + 1), total, shares); };
  // The first user whose share is at least `s`.
  auto first_of = [&](int s) {
    std::int32_t low = 0, high = n_users;
    while (low < high) {
      const std::int32_t mid = low + (high - low) / 2;
      if (share_of(mid) >= s) high = mid; else low = mid + 1;
    }
    return low;
  };
  return {index == 0 ? 0 : first_of(index), index == shares - 1 ? n_users : first_of(index + 1)};
}

}  // namespace ampcf
