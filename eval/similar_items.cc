#include "eval/similar_items.h"

#include <Eigen/Core>
#include <algorithm>
#include <numeric>

namespace ampcf {

std::vector<std::pair<std::int32_t, float>> SimilarItems(const float* rows, std::int32_t n_items, int width, int dim,
                                                         std::int32_t item, int top) {
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const Matrix, 0, Eigen::OuterStride<>> v(rows, n_items, dim, Eigen::OuterStride<>(width));
  const Eigen::VectorXf norms = v.rowwise().norm();
  const Eigen::VectorXf dots = v * v.row(item).transpose();
  std::vector<std::pair<std::int32_t, float>> out;
  for (std::int32_t j = 0; j < n_items; ++j) {
    if (j == item) continue;
    const float denominator = norms[j] * norms[item];
    out.emplace_back(j, denominator > 0 ? dots[j] / denominator : 0.0f);
  }
  const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(std::max(top, 0)), out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k), out.end(), [](const auto& a, const auto& b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  });
  out.resize(k);
  return out;
}

}  // namespace ampcf
