#include "data/holdout.h"

#include <algorithm>

#include "core/rng.h"

namespace ampcf {

namespace {

// Removes items[position] from `items` and returns it.
std::int32_t TakeAt(std::vector<std::int32_t>& items, std::size_t position) {
  std::int32_t item = items[position];
  items.erase(items.begin() + static_cast<std::ptrdiff_t>(position));
  return item;
}

}  // namespace

UserSplit SplitGiven(std::vector<std::int32_t> items, std::int32_t test_item, bool latest_known, bool random_untimed,
                     std::uint64_t eval_seed, std::uint64_t user_key) {
  UserSplit split;
  split.test_item = test_item;
  items.erase(std::remove(items.begin(), items.end(), test_item), items.end());
  if (items.size() >= kMinItemsForValidation) {
    if (latest_known) {
      split.val_item = TakeAt(items, items.size() - 1);
    } else if (random_untimed) {
      Rng holdout_rng(MixSeed(eval_seed, kStreamValidation, user_key));
      split.val_item = TakeAt(items, UniformIndex(holdout_rng, items.size()));
      split.random_validation = true;
    }
  }
  split.train = std::move(items);
  return split;
}

UserSplit SplitLatest(std::vector<std::int32_t> items) {
  UserSplit split;
  split.test_item = TakeAt(items, items.size() - 1);
  if (items.size() >= kMinItemsForValidation) split.val_item = TakeAt(items, items.size() - 1);
  split.train = std::move(items);
  return split;
}

UserSplit SplitRandom(std::vector<std::int32_t> items, std::uint64_t eval_seed, std::uint64_t user_key) {
  UserSplit split;
  Rng test_rng(MixSeed(eval_seed, kStreamTest, user_key));
  split.test_item = TakeAt(items, UniformIndex(test_rng, items.size()));
  if (items.size() >= kMinItemsForValidation) {
    Rng holdout_rng(MixSeed(eval_seed, kStreamValidation, user_key));
    split.val_item = TakeAt(items, UniformIndex(holdout_rng, items.size()));
    split.random_validation = true;
  }
  split.train = std::move(items);
  return split;
}

}  // namespace ampcf
