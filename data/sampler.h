// Negative sampling from the unigram^power distribution of training item counts (power 0.5 in
// the paper), by Vose's alias method: O(n) to build, O(1) per draw.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"

namespace ampcf {

class AliasSampler {
 public:
  // weights[i] = counts[i]^power; items with count 0 are never drawn. Needs a positive count.
  AliasSampler(const std::vector<std::int64_t>& counts, double power);
  std::int32_t Draw(Rng& rng) const;
  // The probability of drawing `item` (for tests).
  double Probability(std::int32_t item) const { return probability_[item]; }
  std::int32_t size() const { return static_cast<std::int32_t>(threshold_.size()); }

 private:
  std::vector<double> threshold_;
  std::vector<std::int32_t> alias_;
  std::vector<double> probability_;
};

}  // namespace ampcf
