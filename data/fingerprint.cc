#include "data/fingerprint.h"

#include "core/rng.h"
#include "core/text_hash.h"
#include "data/dataset.h"

namespace ampcf {

namespace {
enum Section { kUserIds, kUserNames, kTrainCounts, kTrainItems, kValItems, kTestItems, kStoredCandidates, kItems };

// One element's hash from (section, position, value): two rounds of SplitMix64's mixer, so
// that any change of a value or a position changes the sum unpredictably.
std::uint64_t ElementHash(int section, std::int64_t position, std::uint64_t value) {
  std::uint64_t state = static_cast<std::uint64_t>(position) * 8 + static_cast<std::uint64_t>(section);
  std::uint64_t key = SplitMix64(state) ^ value;
  return SplitMix64(key);
}
}  // namespace

void FingerprintSums::Add(int section, std::int64_t position, std::uint64_t value) {
  sums_[section] += ElementHash(section, position, value);
}

void FingerprintSums::AddUsers(const Dataset& part, std::int64_t first_train) {
  std::int64_t train_position = first_train;
  for (std::int32_t u = part.held.begin; u < part.held.end; ++u) {
    const std::size_t l = static_cast<std::size_t>(u - part.held.begin);
    Add(kUserIds, u, static_cast<std::uint64_t>(part.user_ids[l]));
    if (part.HasUserNames()) Add(kUserNames, u, TextHash(part.user_names[l]));
    Add(kTrainCounts, u, static_cast<std::uint64_t>(part.train_count(u)));
    for (std::int32_t item : part.TrainItems(u)) Add(kTrainItems, train_position++, static_cast<std::uint64_t>(item));
    Add(kValItems, u, static_cast<std::uint64_t>(part.val_item[l]));
    Add(kTestItems, u, static_cast<std::uint64_t>(part.test_item[l]));
    if (part.test_candidates_stored) {
      // Positioned by (user, place in the user's list, below 2^32): a part need not know other
      // users' counts.
      for (std::int64_t k = part.test_candidate_offsets[l]; k < part.test_candidate_offsets[l + 1]; ++k)
        Add(kStoredCandidates, (static_cast<std::int64_t>(u) << 32) + (k - part.test_candidate_offsets[l]),
            static_cast<std::uint64_t>(part.test_candidates[static_cast<std::size_t>(k)]));
    }
  }
}

void FingerprintSums::AddItems(const Dataset& any_part) {
  for (std::size_t j = 0; j < any_part.item_ids.size(); ++j) {
    std::uint64_t value = static_cast<std::uint64_t>(any_part.item_ids[j]);
    if (!any_part.item_names.empty()) value ^= TextHash(any_part.item_names[j]);
    Add(kItems, static_cast<std::int64_t>(j), value);
  }
}

std::uint64_t FingerprintSums::Finish(const Dataset& description) const {
  std::uint64_t hash = 0x243f6a8885a308d3ULL;  // pi's first hex digits: any fixed start
  auto mix = [&](std::uint64_t value) { hash = MixSeed(hash, value); };
  mix(static_cast<std::uint64_t>(description.n_users));
  mix(static_cast<std::uint64_t>(description.n_items));
  mix(description.eval_seed);
  mix(static_cast<std::uint64_t>(description.eval_negatives));
  mix(description.test_candidates_stored ? 1 : 0);
  for (std::uint64_t sum : sums_) mix(sum);
  return hash;
}

}  // namespace ampcf
