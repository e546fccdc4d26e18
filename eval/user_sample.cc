#include "eval/user_sample.h"

#include "core/rng.h"

namespace ampcf {

namespace {
constexpr std::uint64_t kSampleStream = 31;  // apart from the hold-out and negative streams of data/dataset.cc
}  // namespace

UserSample::UserSample(std::int64_t wanted, std::int64_t n_users, std::uint64_t seed)
    : fraction_(wanted <= 0 || wanted >= n_users ? 1.0 : static_cast<double>(wanted) / n_users), seed_(seed) {}

bool UserSample::Contains(std::int64_t original_user_id) const {
  if (everyone()) return true;
  const std::uint64_t hash = MixSeed(seed_, kSampleStream, static_cast<std::uint64_t>(original_user_id));
  return static_cast<double>(hash >> 11) * 0x1.0p-53 < fraction_;
}

}  // namespace ampcf
