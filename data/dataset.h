// The prepared dataset: dense ids, the leave-last-out split and the evaluation candidates.
//
// Preparation (as the AMP-CF paper, following NCF):
//  - every interaction is a positive; a repeated (user, item) pair keeps its latest occurrence;
//  - users with fewer than --min-items items are dropped;
//  - per user, items in timestamp order (ties keep file order); the last item is the test item;
//  - the second-to-last is the validation item (for early stopping) when the user has at least
//    3 items, so that at least one item is left to train on; users with 2 items have none.
//    Without timestamps, (a dataset with no time column) the validation and test items are
//    seeded random picks, and pre-split data (NCF) takes the validation item as the latest
//    training item where timestamps are known and, elsewhere, a seeded random one or none
//    (--untimed-validation);
//  - evaluation candidates: --eval-negatives items drawn uniformly, once, from the items the
//    user never interacted with (seeded by --eval-seed and the user), or the given NCF negatives
//    (with the test item itself removed where NCF's file lists it among them).
// Ids are remapped densely (sorted by original id); user_ids / item_ids map back.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "options/config.h"
#include "data/readers.h"

namespace ampcf {

// Which held-out item of a user: the validation item (early stopping) or the test item.
enum class HeldOut { kValidation, kTest };

struct Dataset {
  std::string name;
  std::string holdout;  // how validation and test items were chosen, for the log
  std::int32_t n_users = 0;
  std::int32_t n_items = 0;
  std::vector<std::int64_t> user_ids;  // dense user -> original id
  std::vector<std::int64_t> item_ids;  // dense item -> original id
  // Datasets with string ids (Amazon): the original ids, dense order; ids above are then the
  // order of first appearance. Empty otherwise.
  std::vector<std::string> user_names, item_names;
  // Training items per user (CSR): train_items[train_offsets[u] .. train_offsets[u+1]).
  std::vector<std::int64_t> train_offsets;
  std::vector<std::int32_t> train_items;
  std::vector<std::int32_t> val_item;   // -1: the user has no validation item
  std::vector<std::int32_t> test_item;  // every kept user has one
  // Ranking candidates per user (CSR), drawn once.
  std::vector<std::int64_t> val_negative_offsets, test_negative_offsets;
  std::vector<std::int32_t> val_negatives, test_negatives;
  std::vector<std::int64_t> item_train_counts;  // positives per item in the training set
  std::int64_t total_interactions = 0;           // after dedup and user filtering

  std::int64_t num_train() const { return static_cast<std::int64_t>(train_items.size()); }
  std::int64_t train_count(std::int32_t user) const { return train_offsets[user + 1] - train_offsets[user]; }

  // Per-user lookups (dense user ids); code outside data/ reads users' data only through these.
  std::span<const std::int32_t> TrainItems(std::int32_t u) const {  // sorted
    return {train_items.data() + train_offsets[u], train_items.data() + train_offsets[u + 1]};
  }
  std::int32_t ValItem(std::int32_t u) const { return val_item[u]; }  // -1: none
  std::int32_t TestItem(std::int32_t u) const { return test_item[u]; }
  std::int32_t HeldOutItem(HeldOut which, std::int32_t u) const {
    return which == HeldOut::kTest ? test_item[u] : val_item[u];
  }
  // Replaces `out` with u's ranking candidates for `which` (the negatives, without the held-out
  // item itself); empty for a user without a validation item.
  void Candidates(HeldOut which, std::int32_t u, std::vector<std::int32_t>& out) const;
  std::int64_t UserId(std::int32_t u) const { return user_ids[u]; }
  // A 64-bit fingerprint of the split (ids, train, held-out and candidate items).
  std::uint64_t Fingerprint() const;
};

// Applies the preparation above; throws UserError when nothing usable is left.
Dataset Prepare(RawData raw, const DataConfig& config);

// Reads and prepares the dataset of `config`.
Dataset LoadDataset(const DataConfig& config);

// Per-user set lookups: whether `item` is among the user's training items (sorted per user).
bool IsTrainItem(const Dataset& data, std::int32_t user, std::int32_t item);

}  // namespace ampcf
