// How one user's items are split into a test item, a validation item and the items to train on
// (data/dataset.h: Prepare applies it to every user).
#pragma once

#include <cstdint>
#include <vector>

namespace ampcf {

// The random streams of data preparation, each keyed further by (--eval-seed, the user's
// original id): the hold-out's picks here, the evaluation candidates' draws in dataset.cc.
constexpr std::uint64_t kStreamValidation = 1, kStreamTest = 2, kStreamValNegatives = 3, kStreamTestNegatives = 4;

// A validation item is held out only when at least this many items are left after the test
// item, so that at least one is left to train on.
constexpr std::size_t kMinItemsForValidation = 2;

// One user's held-out items and the rest, to train on.
struct UserSplit {
  std::int32_t test_item = -1;
  std::int32_t val_item = -1;       // -1: none
  bool random_validation = false;   // val_item is a seeded random pick
  std::vector<std::int32_t> train;  // in the order given
};

// Each takes the user's distinct items in time order (file order without timestamps).

// Pre-split: the given test item (removed from training if the file lists it there too); the
// validation item is the latest training item when `latest_known`, else a seeded random one
// (`random_untimed`) or none.
UserSplit SplitGiven(std::vector<std::int32_t> items, std::int32_t test_item, bool latest_known, bool random_untimed,
                     std::uint64_t eval_seed, std::uint64_t user_key);

// Timestamps: the latest item is the test item, the second-latest the validation item.
UserSplit SplitLatest(std::vector<std::int32_t> items);

// No timestamps: the test and then the validation item are seeded random picks, each from its
// own stream keyed by the user.
UserSplit SplitRandom(std::vector<std::int32_t> items, std::uint64_t eval_seed, std::uint64_t user_key);

}  // namespace ampcf
