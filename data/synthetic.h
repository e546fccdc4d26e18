// Planted multi-persona data: the default dataset (no download) and the tests' data.
// K item taste clusters with Zipf-skewed popularity inside each; every user has 1..max_tastes
// tastes with random mixing proportions and draws each interaction from one of them.
// Timestamps are the order of drawing, so the split is leave-last-out as for real data.
#pragma once

#include <cstdint>
#include <vector>

#include "data/readers.h"
#include "core/rng.h"

namespace ampcf {

struct SyntheticSpec {
  int users = 2000;
  int items = 1000;
  int clusters = 10;
  int max_tastes = 3;
  int min_interactions = 10;
  int max_interactions = 60;
  double zipf_exponent = 0.8;
  std::uint64_t seed = 7;
};

struct SyntheticData {
  RawData raw;
  std::vector<int> item_cluster;                 // by item id (ids are 0..items-1)
  std::vector<std::vector<int>> user_tastes;     // by user id (ids are 0..users-1)
};

// Draws users one at a time, so that any number of them can be streamed to a file
// (`ampcf generate`); GenerateSynthetic collects them in memory.
class SyntheticGenerator {
 public:
  explicit SyntheticGenerator(const SyntheticSpec& spec);
  const std::vector<int>& item_cluster() const { return item_cluster_; }
  // The next user's interactions (appended to `rows`, in time order), tastes and mixing weights.
  void NextUser(std::vector<Interaction>& rows, std::vector<int>& tastes, std::vector<double>& mix);

 private:
  SyntheticSpec spec_;
  Rng rng_;
  std::vector<int> item_cluster_;
  std::vector<std::vector<int>> members_;
  std::vector<std::vector<double>> cumulative_;
  int next_user_ = 0;
  std::int64_t clock_ = 0;
};

SyntheticData GenerateSynthetic(const SyntheticSpec& spec);

}  // namespace ampcf
