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
//  - evaluation candidates: --eval-negatives items drawn uniformly from the items the user
//    never interacted with (seeded by --eval-seed and the user, so they are the same whenever
//    and wherever they are drawn), or the given NCF negatives (with the test item itself
//    removed where NCF's file lists it among them).
// Ids are remapped densely (sorted by original id); user_ids / item_ids map back.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "options/config.h"
#include "data/readers.h"
#include "data/user_rows.h"

namespace ampcf {

// Which held-out item of a user: the validation item (early stopping) or the test item.
enum class HeldOut { kValidation, kTest };

// A contiguous range of dense user ids, [begin, end).
struct UserRange {
  std::int32_t begin = 0, end = 0;
  std::int32_t size() const { return end - begin; }
  bool contains(std::int32_t u) const { return u >= begin && u < end; }
};

// A prepared dataset as one rank holds it: what describes the whole dataset (its size, the
// item side, the fingerprint) and the per-user data of the users it holds, `held` (every user
// after Prepare or LoadDataset; a worker's share in a multi-rank run, data/dataset_share.h).
struct Dataset {
  std::string name;
  std::string holdout;  // how validation and test items were chosen, for the log
  std::int32_t n_users = 0;
  std::int32_t n_items = 0;
  std::int64_t n_train = 0;             // training pairs of all users
  std::int64_t total_interactions = 0;  // after dedup and user filtering
  // A 64-bit hash of the whole split (data/fingerprint.h), computed
  // once by Prepare (ComputeFingerprint) and carried by prepared files and shares.
  std::uint64_t fingerprint = 0;

  // The item side, dense order.
  std::vector<std::int64_t> item_ids;          // dense item -> original id
  std::vector<std::string> item_names;         // string ids (Amazon), else empty
  std::vector<std::int64_t> item_train_counts;       // positives per item in the training set
  std::vector<std::int64_t> item_validation_counts;  // users whose validation item it is

  // How validation candidates (always) and test candidates (unless stored) are drawn: seeded by
  // (eval_seed, the user's original id), so any rank can redraw any user's.
  std::uint64_t eval_seed = 0;
  int eval_negatives = 0;
  bool test_candidates_stored = false;  // pre-split (NCF): the given negatives, in test_candidates

  // The held users' data, indexed by u - held.begin. Datasets with string ids (Amazon) also
  // have the names of the ids above, which are then the order of first appearance.
  UserRange held;
  std::vector<std::int64_t> user_ids;  // original ids
  std::vector<std::string> user_names;
  std::vector<std::int64_t> train_offsets;  // CSR over train_items, held.size() + 1 entries from 0
  std::vector<std::int32_t> train_items;    // sorted per user
  std::vector<std::int32_t> val_item;       // -1: the user has no validation item
  std::vector<std::int32_t> test_item;      // every kept user has one
  std::vector<std::int64_t> test_candidate_offsets;  // when test_candidates_stored
  std::vector<std::int32_t> test_candidates;

  std::int64_t num_train() const { return n_train; }
  std::uint64_t Fingerprint() const { return fingerprint; }
  bool holds_all() const { return held.begin == 0 && held.end == n_users; }

  // Per-user lookups (dense user ids of held users); code outside data/ reads users' data only
  // through these.
  std::span<const std::int32_t> TrainItems(std::int32_t u) const {  // sorted
    const std::size_t l = Local(u);
    return {train_items.data() + train_offsets[l], train_items.data() + train_offsets[l + 1]};
  }
  std::int64_t train_count(std::int32_t u) const { return static_cast<std::int64_t>(TrainItems(u).size()); }
  std::int32_t ValItem(std::int32_t u) const { return val_item[Local(u)]; }  // -1: none
  std::int32_t TestItem(std::int32_t u) const { return test_item[Local(u)]; }
  std::int32_t HeldOutItem(HeldOut which, std::int32_t u) const {
    return which == HeldOut::kTest ? TestItem(u) : ValItem(u);
  }
  // Replaces `out` with u's ranking candidates for `which` (the negatives, without the held-out
  // item itself); empty for a user without a validation item. Drawn ones are redrawn per call.
  void Candidates(HeldOut which, std::int32_t u, std::vector<std::int32_t>& out) const;
  std::int64_t UserId(std::int32_t u) const { return user_ids[Local(u)]; }
  bool HasUserNames() const { return !user_names.empty(); }
  const std::string& UserName(std::int32_t u) const { return user_names[Local(u)]; }

 private:
  std::size_t Local(std::int32_t u) const { return static_cast<std::size_t>(u - held.begin); }
};

// The fingerprint (data/fingerprint.h) of a dataset holding every user.
std::uint64_t ComputeFingerprint(const Dataset& whole);

// The dense ids of the users `data` holds, ascending.
std::vector<std::int32_t> HeldUsers(const Dataset& data);

// A copy of `data`'s description and item side, holding no users.
Dataset ItemSideOf(const Dataset& data);

// A copy of `whole`'s description and item side with the users of `range` only.
Dataset TakeUsers(const Dataset& whole, UserRange range);

// Applies the preparation above; throws UserError when nothing usable is left.
Dataset Prepare(RawData raw, const DataConfig& config);

// Prepare's steps for a part of the users, each with every one of its rows (data/parallel_parse.h
// gives each rank the rows of a range of original user ids). Not for pre-split (NCF) data.
class UserPreparation {
 public:
  // Orders and deduplicates each user's rows (kept in file order) and keeps the users with
  // --min-items items; rare items must already be dropped.
  UserPreparation(RawData raw, const DataConfig& config);
  std::int32_t kept_users() const { return users_.size(); }
  // The original ids of the kept users' items, sorted and distinct.
  std::vector<std::int64_t> ItemPool() const;
  // The kept users as users [first_user, first_user + kept_users()) of `n_users`, held out, with
  // the item side `item_ids` (sorted; it holds ItemPool()). Its n_train, total_interactions and
  // item counts are these users' alone, and it has no fingerprint: the caller sums the parts'.
  Dataset HoldOut(std::vector<std::int64_t> item_ids, std::int32_t first_user, std::int32_t n_users) const;

 private:
  RawData raw_;
  DataConfig config_;
  KeptRows users_;
};

// Reads and prepares the dataset of `config`.
Dataset LoadDataset(const DataConfig& config);

// Whether `item` is among the (held) user's training items.
bool IsTrainItem(const Dataset& data, std::int32_t user, std::int32_t item);

}  // namespace ampcf
