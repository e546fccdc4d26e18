#include "eval/candidate_items.h"

#include <algorithm>

namespace ampcf {

std::vector<std::int32_t> CandidateItems(const Dataset& data, const std::vector<std::int32_t>& users, HeldOut which) {
  std::vector<std::int32_t> items, negatives;
  for (std::int32_t u : users) {
    const std::int32_t target = data.HeldOutItem(which, u);
    if (target < 0) continue;
    data.Candidates(which, u, negatives);
    items.push_back(target);
    items.insert(items.end(), negatives.begin(), negatives.end());
  }
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return items;
}

}  // namespace ampcf
