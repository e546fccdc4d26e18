#include "data/synthetic.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace ampcf {

SyntheticGenerator::SyntheticGenerator(const SyntheticSpec& spec) : spec_(spec), rng_(spec.seed) {
  if (spec.items < spec.clusters)
    throw UserError(Cat("synthetic data needs at least as many items as clusters (", spec.clusters, ")"));
  if (spec.max_tastes < 1 || spec.max_tastes > spec.clusters)
    throw UserError(Cat("synthetic data: tastes per user must be in [1, ", spec.clusters, "]"));
  if (spec.min_interactions < 2 || spec.max_interactions < spec.min_interactions)
    throw UserError("synthetic data: interactions per user must be at least 2, min <= max");
  // Items: a random cluster each; within a cluster, Zipf weights by a random rank.
  members_.resize(spec.clusters);
  item_cluster_.resize(spec.items);
  for (int item = 0; item < spec.items; ++item) {
    int cluster = item < spec.clusters ? item : static_cast<int>(UniformIndex(rng_, spec.clusters));
    item_cluster_[item] = cluster;
    members_[cluster].push_back(item);
  }
  cumulative_.resize(spec.clusters);
  for (int c = 0; c < spec.clusters; ++c) {
    double total = 0;
    for (std::size_t rank = 0; rank < members_[c].size(); ++rank) {
      total += 1.0 / std::pow(static_cast<double>(rank + 1), spec.zipf_exponent);
      cumulative_[c].push_back(total);
    }
  }
}

void SyntheticGenerator::NextUser(std::vector<Interaction>& rows, std::vector<int>& tastes, std::vector<double>& mix) {
  const int user = next_user_++;
  const int n_tastes = 1 + static_cast<int>(UniformIndex(rng_, spec_.max_tastes));
  tastes.clear();
  while (static_cast<int>(tastes.size()) < n_tastes) {
    int cluster = static_cast<int>(UniformIndex(rng_, spec_.clusters));
    if (std::find(tastes.begin(), tastes.end(), cluster) == tastes.end()) tastes.push_back(cluster);
  }
  mix.assign(n_tastes, 0.0);
  double mix_total = 0;
  for (double& weight : mix) mix_total += (weight = 0.2 + Uniform01(rng_));
  const int n = spec_.min_interactions +
                static_cast<int>(UniformIndex(rng_, spec_.max_interactions - spec_.min_interactions + 1));
  std::vector<int> chosen;
  for (int draws = 0; static_cast<int>(chosen.size()) < n && draws < 20 * n; ++draws) {
    double pick = Uniform01(rng_) * mix_total;
    int t = 0;
    while (t + 1 < n_tastes && pick >= mix[t]) pick -= mix[t++];
    const std::vector<double>& cdf = cumulative_[tastes[t]];
    double target = Uniform01(rng_) * cdf.back();
    std::size_t rank = std::upper_bound(cdf.begin(), cdf.end(), target) - cdf.begin();
    int item = members_[tastes[t]][std::min(rank, cdf.size() - 1)];
    if (std::find(chosen.begin(), chosen.end(), item) != chosen.end()) continue;
    chosen.push_back(item);
    rows.push_back(Interaction{user, item, ++clock_});
  }
  for (double& weight : mix) weight /= mix_total;
}

SyntheticData GenerateSynthetic(const SyntheticSpec& spec) {
  SyntheticGenerator generator(spec);
  SyntheticData out;
  out.raw.name = "synthetic";
  out.raw.has_timestamps = true;
  out.item_cluster = generator.item_cluster();
  out.user_tastes.resize(spec.users);
  std::vector<double> mix;
  for (int user = 0; user < spec.users; ++user) generator.NextUser(out.raw.rows, out.user_tastes[user], mix);
  return out;
}

}  // namespace ampcf
