#include "eval/persona_views.h"

#include <algorithm>

namespace ampcf {

void CollapsePersonas(const float* rows, int r, int d, float* out) {
  std::vector<float> mean(d, 0.0f);
  for (int k = 0; k < r; ++k)
    for (int i = 0; i < d; ++i) mean[i] += rows[k * d + i];
  for (float& value : mean) value /= static_cast<float>(r);
  for (int k = 0; k < r; ++k) std::copy(mean.begin(), mean.end(), out + static_cast<std::size_t>(k) * d);
}

void PersonaAlone(const float* rows, int r, int d, int k, float* out) {
  for (int copy = 0; copy < r; ++copy) std::copy_n(rows + static_cast<std::size_t>(k) * d, d, out + copy * d);
}

double MeanPairwiseJaccard(const std::vector<std::span<const std::int32_t>>& lists) {
  if (lists.size() < 2) return 1.0;
  double total = 0;
  int pairs = 0;
  std::vector<std::int32_t> a, b, common;
  for (std::size_t x = 0; x < lists.size(); ++x)
    for (std::size_t y = x + 1; y < lists.size(); ++y, ++pairs) {
      a.assign(lists[x].begin(), lists[x].end());
      b.assign(lists[y].begin(), lists[y].end());
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      common.clear();
      std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(common));
      const std::size_t joined = a.size() + b.size() - common.size();
      total += joined == 0 ? 1.0 : static_cast<double>(common.size()) / static_cast<double>(joined);
    }
  return total / pairs;
}

}  // namespace ampcf
