#include "src/synthetic.h"

#include <algorithm>
#include <cmath>

#include "src/error.h"
#include "src/rng.h"

namespace ampcf {

SyntheticData GenerateSynthetic(const SyntheticSpec& spec) {
  if (spec.items < spec.clusters) throw UserError("--synthetic-items must be at least the number of clusters (10)");
  SyntheticData out;
  out.raw.name = "synthetic";
  out.raw.has_timestamps = true;
  Rng rng(spec.seed);
  // Items: a random cluster each; within a cluster, Zipf weights by a random rank.
  std::vector<std::vector<int>> members(spec.clusters);
  out.item_cluster.resize(spec.items);
  for (int item = 0; item < spec.items; ++item) {
    int cluster = item < spec.clusters ? item : static_cast<int>(UniformIndex(rng, spec.clusters));
    out.item_cluster[item] = cluster;
    members[cluster].push_back(item);
  }
  std::vector<std::vector<double>> cumulative(spec.clusters);
  for (int c = 0; c < spec.clusters; ++c) {
    double total = 0;
    for (std::size_t rank = 0; rank < members[c].size(); ++rank) {
      total += 1.0 / std::pow(static_cast<double>(rank + 1), spec.zipf_exponent);
      cumulative[c].push_back(total);
    }
  }
  out.user_tastes.resize(spec.users);
  std::int64_t clock = 0;
  for (int user = 0; user < spec.users; ++user) {
    int n_tastes = 1 + static_cast<int>(UniformIndex(rng, spec.max_tastes));
    std::vector<int>& tastes = out.user_tastes[user];
    while (static_cast<int>(tastes.size()) < n_tastes) {
      int cluster = static_cast<int>(UniformIndex(rng, spec.clusters));
      if (std::find(tastes.begin(), tastes.end(), cluster) == tastes.end()) tastes.push_back(cluster);
    }
    std::vector<double> mix(n_tastes);
    double mix_total = 0;
    for (double& weight : mix) mix_total += (weight = 0.2 + Uniform01(rng));
    int n = spec.min_interactions +
            static_cast<int>(UniformIndex(rng, spec.max_interactions - spec.min_interactions + 1));
    std::vector<int> chosen;
    for (int draws = 0; static_cast<int>(chosen.size()) < n && draws < 20 * n; ++draws) {
      double pick = Uniform01(rng) * mix_total;
      int t = 0;
      while (t + 1 < n_tastes && pick >= mix[t]) pick -= mix[t++];
      const std::vector<double>& cdf = cumulative[tastes[t]];
      double target = Uniform01(rng) * cdf.back();
      std::size_t rank = std::upper_bound(cdf.begin(), cdf.end(), target) - cdf.begin();
      int item = members[tastes[t]][std::min(rank, cdf.size() - 1)];
      if (std::find(chosen.begin(), chosen.end(), item) != chosen.end()) continue;
      chosen.push_back(item);
      out.raw.rows.push_back(Interaction{user, item, ++clock});
    }
  }
  return out;
}

}  // namespace ampcf
