#include "eval/priority_medoids.h"

#include <algorithm>
#include <cmath>

namespace ampcf {

namespace {

// The nodes of `previous` followed by every other candidate, in priority order, that lies more
// than `radius` from every node so far.
std::vector<int> NestedNet(const RowMatrixXf& distance, const std::vector<int>& previous,
                           const std::vector<char>& placed, float radius) {
  std::vector<int> nodes = previous;
  for (int i = 0; i < static_cast<int>(distance.rows()); ++i) {
    if (placed[i]) continue;
    bool separated = true;
    for (int node : nodes)
      if (distance(node, i) <= radius) {
        separated = false;
        break;
      }
    if (separated) nodes.push_back(i);
  }
  return nodes;
}

}  // namespace

std::vector<int> PriorityMedoidOrder(const RowMatrixXf& vectors, int list_length) {
  const int n = static_cast<int>(vectors.rows());
  std::vector<int> order;
  if (n == 0) return order;
  RowMatrixXf unit = vectors;
  for (int i = 0; i < n; ++i) {
    const float norm = unit.row(i).norm();
    if (norm > 0) unit.row(i) /= norm;
  }
  const RowMatrixXf gram = unit * unit.transpose();
  const RowMatrixXf distance = (2.0f - 2.0f * gram.array()).max(0.0f).sqrt().matrix();
  // The radii a level can take: the distinct pairwise distances, descending, then 0.
  std::vector<float> radii;
  for (int a = 0; a < n; ++a)
    for (int b = a + 1; b < n; ++b) radii.push_back(distance(a, b));
  radii.push_back(0.0f);
  std::sort(radii.begin(), radii.end(), std::greater<>());
  radii.erase(std::unique(radii.begin(), radii.end()), radii.end());

  std::vector<char> placed(n, 0);
  std::vector<int> nodes;
  for (std::int64_t target = std::max(1, list_length); static_cast<int>(nodes.size()) < n; target *= 2) {
    // Bisection for the first (largest) radius whose net has at least `target` nodes; a net
    // grows as its radius shrinks, up to every candidate not at distance 0 of another.
    std::size_t low = 0, high = radii.size() - 1;
    while (low < high) {
      const std::size_t mid = (low + high) / 2;
      if (static_cast<std::int64_t>(NestedNet(distance, nodes, placed, radii[mid]).size()) >= target)
        high = mid;
      else
        low = mid + 1;
    }
    const std::vector<int> level = NestedNet(distance, nodes, placed, radii[low]);
    if (level.size() == nodes.size()) break;  // only duplicates are left
    for (std::size_t k = nodes.size(); k < level.size(); ++k) {
      placed[level[k]] = 1;
      order.push_back(level[k]);
    }
    nodes = level;
  }
  for (int i = 0; i < n; ++i)
    if (!placed[i]) order.push_back(i);
  return order;
}

}  // namespace ampcf
