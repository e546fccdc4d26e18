#include "data/sampler.h"

#include <cmath>

#include "core/error.h"

namespace ampcf {

AliasSampler::AliasSampler(const std::vector<std::int64_t>& counts, double power) {
  const std::size_t n = counts.size();
  AMPCF_ASSERT(n > 0, "sampler needs items");
  probability_.resize(n);
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) total += probability_[i] = counts[i] > 0 ? std::pow(double(counts[i]), power) : 0.0;
  AMPCF_ASSERT(total > 0, "sampler needs a positive count");
  threshold_.resize(n);
  alias_.resize(n);
  std::vector<std::int32_t> small, large;
  for (std::size_t i = 0; i < n; ++i) {
    probability_[i] /= total;
    threshold_[i] = probability_[i] * static_cast<double>(n);
    alias_[i] = static_cast<std::int32_t>(i);
    (threshold_[i] < 1.0 ? small : large).push_back(static_cast<std::int32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    std::int32_t s = small.back(), l = large.back();
    small.pop_back();
    alias_[s] = l;
    threshold_[l] -= 1.0 - threshold_[s];
    if (threshold_[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  for (std::int32_t i : large) threshold_[i] = 1.0;
  for (std::int32_t i : small) threshold_[i] = 1.0;  // rounding leftovers
}

std::int32_t AliasSampler::Draw(Rng& rng) const {
  std::uint64_t bits = rng();
  auto column = static_cast<std::int32_t>((static_cast<unsigned __int128>(bits) * threshold_.size()) >> 64);
  double coin = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return coin < threshold_[column] ? column : alias_[column];
}

}  // namespace ampcf
