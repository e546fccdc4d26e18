#include "eval/priority_medoids.h"

#include <algorithm>
#include <cmath>

namespace ampcf {

namespace {
// Levels below this radius (a fraction of R) would only separate near-duplicates.
constexpr double kSmallestRadius = 1e-6;
}  // namespace

std::vector<int> PriorityMedoidOrder(const RowMatrixXf& vectors) {
  const int n = static_cast<int>(vectors.rows());
  std::vector<int> order;
  if (n == 0) return order;
  RowMatrixXf unit = vectors;
  for (int i = 0; i < n; ++i) {
    const float norm = unit.row(i).norm();
    if (norm > 0) unit.row(i) /= norm;
  }
  // Squared distances between unit vectors: 2 - 2 cos.
  const RowMatrixXf gram = unit * unit.transpose();
  const auto distance = [&](int a, int b) { return std::sqrt(std::max(0.0f, 2.0f - 2.0f * gram(a, b))); };
  double radius = 0;
  for (int i = 1; i < n; ++i) radius = std::max<double>(radius, distance(0, i));
  std::vector<char> placed(n, 0);
  std::vector<int> nodes = {0};  // the current level's nodes
  placed[0] = 1;
  order.push_back(0);
  for (double r = radius / 2; r > kSmallestRadius * radius && static_cast<int>(order.size()) < n; r /= 2) {
    // The level of radius r: the previous nodes, then each unplaced candidate in priority order
    // that lies more than r from every node so far.
    for (int i = 0; i < n; ++i) {
      if (placed[i]) continue;
      bool separated = true;
      for (int node : nodes)
        if (distance(node, i) <= r) {
          separated = false;
          break;
        }
      if (!separated) continue;
      placed[i] = 1;
      nodes.push_back(i);
      order.push_back(i);
    }
  }
  for (int i = 0; i < n; ++i)
    if (!placed[i]) order.push_back(i);
  return order;
}

}  // namespace ampcf
