#include "data/dataset.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "core/error.h"
#include "core/parallel.h"
#include "data/fingerprint.h"
#include "data/holdout.h"
#include "data/id_span.h"
#include "data/prepared_file.h"
#include "core/rng.h"

namespace ampcf {

namespace {

// Whether ids spanning [low, high] are compact enough for a table over the range: at most
// kSpanPerId slots of it per id (a bitmap then costs at most 2 bits per id, a table of dense ids
// 32 bytes per id).
constexpr std::uint64_t kSpanPerId = 8;
bool Compact(std::int64_t low, std::int64_t high, std::size_t count) {
  return IdSpan(low, high) < kSpanPerId * static_cast<std::uint64_t>(std::max<std::size_t>(count, 64));
}

// The distinct ids that `for_each_id(visit)` passes to visit, sorted. Ids in a compact range
// (MovieLens', generated files') are marked in a bitmap and read back in order, in linear time and
// without a copy of every id: sorting the tens of millions of item ids of a large file took a
// tenth of its preparation.
template <typename ForEachId>
std::vector<std::int64_t> SortedUnique(ForEachId&& for_each_id) {
  std::int64_t low = std::numeric_limits<std::int64_t>::max(), high = std::numeric_limits<std::int64_t>::min();
  std::size_t count = 0;
  for_each_id([&](std::int64_t id) {
    low = std::min(low, id);
    high = std::max(high, id);
    ++count;
  });
  std::vector<std::int64_t> ids;
  if (count == 0) return ids;
  if (!Compact(low, high, count)) {
    ids.reserve(count);
    for_each_id([&](std::int64_t id) { ids.push_back(id); });
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    ids.shrink_to_fit();
    return ids;
  }
  std::vector<std::uint64_t> seen(static_cast<std::size_t>((high - low) / 64 + 1), 0);
  for_each_id([&](std::int64_t id) { seen[static_cast<std::size_t>((id - low) / 64)] |= std::uint64_t{1} << ((id - low) % 64); });
  for (std::size_t word = 0; word < seen.size(); ++word)
    for (std::uint64_t bits = seen[word]; bits != 0; bits &= bits - 1)
      ids.push_back(low + static_cast<std::int64_t>(word * 64) + std::countr_zero(bits));
  ids.shrink_to_fit();
  return ids;
}

// The dense ids of original ids: a table over the range of `sorted` where it is compact, else a
// binary search. `sorted` (sorted, distinct) must outlive this object.
class DenseIds {
 public:
  explicit DenseIds(const std::vector<std::int64_t>& sorted) : sorted_(sorted) {
    if (sorted.empty() || !Compact(sorted.front(), sorted.back(), sorted.size())) return;
    first_ = sorted.front();
    table_.assign(static_cast<std::size_t>(sorted.back() - first_ + 1), -1);
    for (std::size_t k = 0; k < sorted.size(); ++k) table_[static_cast<std::size_t>(sorted[k] - first_)] = static_cast<std::int32_t>(k);
  }
  // The dense id of `id`, -1 when `sorted` lacks it.
  std::int32_t Of(std::int64_t id) const {
    if (!table_.empty()) {
      if (id < first_) return -1;
      const std::uint64_t at = IdSpan(first_, id);
      return at < table_.size() ? table_[static_cast<std::size_t>(at)] : -1;
    }
    auto at = std::lower_bound(sorted_.begin(), sorted_.end(), id);
    if (at == sorted_.end() || *at != id) return -1;
    return static_cast<std::int32_t>(at - sorted_.begin());
  }

 private:
  const std::vector<std::int64_t>& sorted_;
  std::int64_t first_ = 0;
  std::vector<std::int32_t> table_;  // by id - first_; empty: search sorted_
};

// Draws `count` distinct items uniformly from those not in `seen` (sorted), all in [0, n_items).
// The draws are a rejection loop over one seeded stream; which items are rejected is looked up in
// a bitmap of the catalogue kept per thread (cleared again before returning), not searched.
void DrawUnseen(std::int32_t n_items, const std::vector<std::int32_t>& seen, int count, Rng& rng,
                std::vector<std::int32_t>& out) {
  std::int64_t available = n_items - static_cast<std::int64_t>(seen.size());
  if (available <= 0) return;
  if (count >= available / 2) {
    // Few unseen items: enumerate them and take a seeded sample.
    std::vector<std::int32_t> pool;
    pool.reserve(available);
    for (std::int32_t item = 0; item < n_items; ++item)
      if (!std::binary_search(seen.begin(), seen.end(), item)) pool.push_back(item);
    int take = static_cast<int>(std::min<std::int64_t>(count, available));
    for (int i = 0; i < take; ++i) {
      std::size_t j = i + UniformIndex(rng, pool.size() - i);
      std::swap(pool[i], pool[j]);
      out.push_back(pool[i]);
    }
    return;
  }
  thread_local std::vector<bool> taken;  // seen or drawn already; all false between calls
  if (taken.size() < static_cast<std::size_t>(n_items)) taken.resize(static_cast<std::size_t>(n_items), false);
  out.reserve(out.size() + static_cast<std::size_t>(count));  // nothing below throws with items marked
  for (std::int32_t item : seen) taken[item] = true;
  std::size_t first = out.size();
  while (static_cast<int>(out.size() - first) < count) {
    auto item = static_cast<std::int32_t>(UniformIndex(rng, n_items));
    if (taken[item]) continue;
    taken[item] = true;
    out.push_back(item);
  }
  for (std::int32_t item : seen) taken[item] = false;
  for (std::size_t k = first; k < out.size(); ++k) taken[out[k]] = false;
}

// Draws u's candidates for `which` (u must have that held-out item): --eval-negatives items
// the user never interacted with, from a stream keyed by (eval seed, which, the user's id).
void DrawCandidates(const Dataset& data, HeldOut which, std::int32_t u, std::vector<std::int32_t>& out) {
  const std::span<const std::int32_t> train = data.TrainItems(u);
  std::vector<std::int32_t> seen(train.begin(), train.end());  // every item of u, sorted
  seen.push_back(data.TestItem(u));
  if (data.ValItem(u) >= 0) seen.push_back(data.ValItem(u));
  std::sort(seen.begin(), seen.end());
  const std::uint64_t stream = which == HeldOut::kTest ? kStreamTestNegatives : kStreamValNegatives;
  Rng rng(MixSeed(data.eval_seed, stream, static_cast<std::uint64_t>(data.UserId(u))));
  DrawUnseen(data.n_items, seen, data.eval_negatives, rng, out);
}

// Rows of items rated fewer than `min_ratings` times are dropped before anything else (the
// paper's ML100K keeps the 6278 items of ml-latest-small rated at least twice).
std::vector<Interaction> WithoutRareItems(std::vector<Interaction> rows, int min_ratings) {
  std::unordered_map<std::int64_t, std::int64_t> ratings;
  for (const Interaction& row : rows) ++ratings[row.item];
  std::erase_if(rows, [&](const Interaction& row) { return ratings[row.item] < min_ratings; });
  return rows;
}

// Pre-split data: each user's given test items (data/user_rows.h: GivenTests).
GivenTests GivenTestsByUser(const RawData& raw) {
  GivenTests test_of;
  for (const Interaction& row : raw.test_rows) test_of[row.user].push_back(row.item);
  return test_of;
}

// Row positions are 32-bit (data/user_rows.h).
void CheckRowCount(const RawData& raw, const DataConfig& config) {
  if (raw.rows.size() >= (std::uint64_t{1} << 32))
    throw UserError(Cat("--data ", config.data, ": 2^32 rows or more on one rank; run on more ranks"));
}

// Every original item id the prepared data refers to, sorted and distinct: the kept users' rows
// and, pre-split, the given test items and negatives.
std::vector<std::int64_t> DistinctItems(const RawData& raw, const KeptRows& users) {
  return SortedUnique([&](auto&& visit) {
    for (std::uint32_t r : users.rows) visit(raw.rows[r].item);
    if (!raw.presplit) return;
    for (const Interaction& row : raw.test_rows) visit(row.item);
    for (const auto& [user, negatives] : raw.given_negatives)
      for (std::int64_t item : negatives) visit(item);
  });
}

// Sets the dense ids (sorted by original id), the names of string ids, and the counts.
void AssignDenseIds(const RawData& raw, const KeptRows& users, Dataset& data) {
  data.user_ids = users.users;  // already sorted
  data.item_ids = DistinctItems(raw, users);
  if (!raw.user_names.empty()) {
    for (std::int64_t id : data.user_ids) data.user_names.push_back(raw.user_names[static_cast<std::size_t>(id)]);
    for (std::int64_t id : data.item_ids) data.item_names.push_back(raw.item_names[static_cast<std::size_t>(id)]);
  }
  data.n_users = static_cast<std::int32_t>(data.user_ids.size());
  data.n_items = static_cast<std::int32_t>(data.item_ids.size());
}

// How the test and validation items are chosen.
enum class HoldoutMode {
  kGiven,   // pre-split (NCF): the test item is given
  kLatest,  // timestamps: the latest items
  kRandom,  // no timestamps: seeded random picks
};

HoldoutMode HoldoutModeOf(const RawData& raw) {
  if (raw.presplit) return HoldoutMode::kGiven;
  const bool timed = raw.has_timestamps || !raw.timestamp_known.empty();
  return timed ? HoldoutMode::kLatest : HoldoutMode::kRandom;
}

struct HoldoutCounts {
  std::int64_t users_with_validation = 0;
  std::int64_t random_validations = 0;
};

// Whether every one of `rows` got its timestamp (NCF + --ncf-timestamps).
bool AllTimestampsKnown(const RawData& raw, std::span<const std::uint32_t> rows) {
  return !raw.timestamp_known.empty() && std::all_of(rows.begin(), rows.end(),
                                                     [&](std::uint32_t r) { return raw.timestamp_known[r] != 0; });
}

// Splits every kept user's time-ordered items into test, validation and training items (sorted),
// filling data's train CSR, val_item and test_item. Runs on the compute threads: each user's
// training items are written where its rows start in `users`, then moved down into place.
HoldoutCounts HoldOut(const RawData& raw, const KeptRows& users, const GivenTests& given_tests,
                      const DataConfig& config, HoldoutMode mode, Dataset& data) {
  const std::int32_t n_users = users.size();
  data.train_offsets.assign(static_cast<std::size_t>(n_users) + 1, 0);
  data.val_item.assign(n_users, -1);
  data.test_item.assign(n_users, -1);
  const bool random_untimed = config.untimed_validation == "random";
  const DenseIds dense(data.item_ids);
  const int tasks = TaskCount(n_users, kUsersPerPreparationTask);
  std::vector<HoldoutCounts> task_counts(static_cast<std::size_t>(tasks));
  data.train_items.resize(users.rows.size());  // a user trains on some of its rows
  ParallelFor(tasks, [&](int task) {
    HoldoutCounts& counts = task_counts[static_cast<std::size_t>(task)];
    const TaskRange block = TaskItems(task, n_users, kUsersPerPreparationTask);
    for (std::int32_t u = block.begin; u < block.end; ++u) {
      const std::span<const std::uint32_t> rows = users.RowsOf(u);
      const std::int64_t user = users.users[static_cast<std::size_t>(u)];
      const auto user_key = static_cast<std::uint64_t>(user);
      std::vector<std::int32_t> items;
      items.reserve(rows.size());
      for (std::uint32_t r : rows) items.push_back(dense.Of(raw.rows[r].item));
      UserSplit split;
      if (mode == HoldoutMode::kGiven) {
        const std::int32_t test_item = dense.Of(given_tests.at(user).back());
        const bool latest_known = raw.has_timestamps || AllTimestampsKnown(raw, rows);
        split = SplitGiven(std::move(items), test_item, latest_known, random_untimed, config.eval_seed, user_key);
      } else if (mode == HoldoutMode::kLatest) {
        split = SplitLatest(std::move(items));
      } else {
        split = SplitRandom(std::move(items), config.eval_seed, user_key);
      }
      data.test_item[u] = split.test_item;
      data.val_item[u] = split.val_item;
      if (split.val_item >= 0) ++counts.users_with_validation;
      if (split.random_validation) ++counts.random_validations;
      std::sort(split.train.begin(), split.train.end());
      std::copy(split.train.begin(), split.train.end(), data.train_items.begin() + users.offsets[static_cast<std::size_t>(u)]);
      data.train_offsets[static_cast<std::size_t>(u) + 1] = static_cast<std::int64_t>(split.train.size());
    }
  });
  for (std::size_t u = 0; u < static_cast<std::size_t>(n_users); ++u) {
    const auto from = data.train_items.begin() + users.offsets[u];
    if (users.offsets[u] != data.train_offsets[u])  // (std::copy onto itself is undefined)
      std::copy(from, from + data.train_offsets[u + 1], data.train_items.begin() + data.train_offsets[u]);
    data.train_offsets[u + 1] += data.train_offsets[u];
  }
  data.train_items.resize(static_cast<std::size_t>(data.train_offsets.back()));
  HoldoutCounts counts;
  for (const HoldoutCounts& part : task_counts) {
    counts.users_with_validation += part.users_with_validation;
    counts.random_validations += part.random_validations;
  }
  return counts;
}

// Pre-split data: NCF's given test negatives of every user (without the test item itself)
// are stored; a user the file gives none gets drawn ones, stored too.
void StoreGivenCandidates(const RawData& raw, Dataset& data) {
  data.test_candidates_stored = true;
  data.test_candidate_offsets.assign(1, 0);
  std::vector<std::int32_t> drawn;
  const DenseIds dense(data.item_ids);
  for (std::int32_t u = 0; u < data.n_users; ++u) {
    auto given = raw.given_negatives.find(data.user_ids[u]);
    if (given != raw.given_negatives.end()) {
      for (std::int64_t original : given->second) {
        const std::int32_t item = dense.Of(original);
        if (item != data.test_item[u]) data.test_candidates.push_back(item);
      }
    } else {
      drawn.clear();
      DrawCandidates(data, HeldOut::kTest, u, drawn);
      data.test_candidates.insert(data.test_candidates.end(), drawn.begin(), drawn.end());
    }
    data.test_candidate_offsets.push_back(static_cast<std::int64_t>(data.test_candidates.size()));
  }
}

// The hold-out rule in one line, for the log and the prepared file.
std::string DescribeHoldout(HoldoutMode mode, const DataConfig& config, const HoldoutCounts& counts,
                            std::int32_t n_users) {
  switch (mode) {
    case HoldoutMode::kGiven:
      return Cat("test: given (NCF); validation: latest training item where timestamps are known, ",
                 config.untimed_validation == "random"
                     ? Cat("seeded random for ", counts.random_validations, " users")
                     : Cat("none for ", n_users - counts.users_with_validation, " users"));
    case HoldoutMode::kLatest:
      return "test: latest item; validation: second-latest (users with >= 3 items)";
    case HoldoutMode::kRandom:
      break;
  }
  return "no timestamps: test and validation items are seeded random picks";
}

// After the hold-out of the users `data` holds: their pair counts, the evaluation settings and
// the per-item counts of their training and validation items.
void CountHeldUsers(const HoldoutCounts& counts, const DataConfig& config, Dataset& data) {
  data.n_train = static_cast<std::int64_t>(data.train_items.size());
  data.total_interactions = data.n_train + data.held.size() + counts.users_with_validation;
  data.eval_seed = config.eval_seed;
  data.eval_negatives = config.eval_negatives;
  data.item_train_counts.assign(data.n_items, 0);
  for (std::int32_t item : data.train_items) ++data.item_train_counts[item];
  data.item_validation_counts.assign(data.n_items, 0);
  for (std::int32_t item : data.val_item)
    if (item >= 0) ++data.item_validation_counts[item];
}

}  // namespace

// Preparation in steps (each documented in dataset.h): drop rare items, order and deduplicate
// every user's rows, keep users with enough items, remap ids densely, hold out the test and
// validation items, draw the evaluation candidates.
Dataset Prepare(RawData raw, const DataConfig& config) {
  Dataset data;
  data.name = raw.name;
  if (config.min_item_ratings > 1) {
    if (raw.presplit) throw UserError("--min-item-ratings does not apply to pre-split (NCF) data");
    raw.rows = WithoutRareItems(std::move(raw.rows), config.min_item_ratings);
  }
  CheckRowCount(raw, config);
  const GivenTests given_tests = GivenTestsByUser(raw);
  const KeptRows users = GroupUserRows(raw, raw.presplit ? &given_tests : nullptr, config.min_items);
  if (users.size() == 0)
    throw UserError(Cat("--data ", config.data, ": no user has at least ", config.min_items, " items"));
  AssignDenseIds(raw, users, data);

  const HoldoutMode mode = HoldoutModeOf(raw);
  const HoldoutCounts counts = HoldOut(raw, users, given_tests, config, mode, data);
  data.held = {0, data.n_users};
  CountHeldUsers(counts, config, data);
  if (raw.presplit) StoreGivenCandidates(raw, data);
  data.holdout = DescribeHoldout(mode, config, counts, data.n_users);
  data.fingerprint = ComputeFingerprint(data);
  return data;
}

UserPreparation::UserPreparation(RawData raw, const DataConfig& config) : raw_(std::move(raw)), config_(config) {
  AMPCF_ASSERT(!raw_.presplit, "pre-split data is prepared whole");
  CheckRowCount(raw_, config);
  users_ = GroupUserRows(raw_, nullptr, config.min_items);
}

std::vector<std::int64_t> UserPreparation::ItemPool() const { return DistinctItems(raw_, users_); }

Dataset UserPreparation::HoldOut(std::vector<std::int64_t> item_ids, std::int32_t first_user,
                                 std::int32_t n_users) const {
  Dataset data;
  data.name = raw_.name;
  data.item_ids = std::move(item_ids);
  data.n_items = static_cast<std::int32_t>(data.item_ids.size());
  data.user_ids = users_.users;
  const HoldoutMode mode = HoldoutModeOf(raw_);
  const HoldoutCounts counts = ampcf::HoldOut(raw_, users_, {}, config_, mode, data);
  data.n_users = n_users;
  data.held = {first_user, first_user + kept_users()};
  CountHeldUsers(counts, config_, data);
  data.holdout = DescribeHoldout(mode, config_, counts, n_users);
  return data;
}

Dataset LoadDataset(const DataConfig& config) {
  if (IsPreparedFile(config.data)) return ReadPrepared(config.data);
  return Prepare(LoadRawData(config), config);
}

bool IsTrainItem(const Dataset& data, std::int32_t user, std::int32_t item) {
  const std::span<const std::int32_t> train = data.TrainItems(user);
  return std::binary_search(train.begin(), train.end(), item);
}

void Dataset::Candidates(HeldOut which, std::int32_t u, std::vector<std::int32_t>& out) const {
  out.clear();
  const std::size_t l = Local(u);
  if (which == HeldOut::kTest && test_candidates_stored) {
    out.assign(test_candidates.begin() + test_candidate_offsets[l], test_candidates.begin() + test_candidate_offsets[l + 1]);
    return;
  }
  if (which == HeldOut::kValidation && val_item[l] < 0) return;
  DrawCandidates(*this, which, u, out);
}

std::uint64_t ComputeFingerprint(const Dataset& data) {
  AMPCF_ASSERT(data.holds_all(), "the fingerprint hashes every user");
  FingerprintSums sums;
  sums.AddUsers(data, 0);
  sums.AddItems(data);
  return sums.Finish(data);
}

std::vector<std::int32_t> HeldUsers(const Dataset& data) {
  std::vector<std::int32_t> users(static_cast<std::size_t>(data.held.size()));
  std::iota(users.begin(), users.end(), data.held.begin);
  return users;
}

Dataset ItemSideOf(const Dataset& data) {
  Dataset side;
  side.name = data.name;
  side.holdout = data.holdout;
  side.n_users = data.n_users;
  side.n_items = data.n_items;
  side.n_train = data.n_train;
  side.total_interactions = data.total_interactions;
  side.fingerprint = data.fingerprint;
  side.item_ids = data.item_ids;
  side.item_names = data.item_names;
  side.item_train_counts = data.item_train_counts;
  side.item_validation_counts = data.item_validation_counts;
  side.eval_seed = data.eval_seed;
  side.eval_negatives = data.eval_negatives;
  side.test_candidates_stored = data.test_candidates_stored;
  side.held = {0, 0};
  side.train_offsets = {0};
  return side;
}

Dataset TakeUsers(const Dataset& whole, UserRange range) {
  AMPCF_ASSERT(whole.holds_all() && range.begin >= 0 && range.begin <= range.end && range.end <= whole.n_users);
  Dataset part = ItemSideOf(whole);
  part.held = range;
  const auto b = static_cast<std::size_t>(range.begin), e = static_cast<std::size_t>(range.end);
  auto slice = [&](const auto& v) { return std::decay_t<decltype(v)>(v.begin() + b, v.begin() + e); };
  part.user_ids = slice(whole.user_ids);
  if (!whole.user_names.empty()) part.user_names = slice(whole.user_names);
  part.val_item = slice(whole.val_item);
  part.test_item = slice(whole.test_item);
  auto csr = [&](const std::vector<std::int64_t>& offsets, const std::vector<std::int32_t>& values,
                 std::vector<std::int64_t>& part_offsets, std::vector<std::int32_t>& part_values) {
    part_values.assign(values.begin() + offsets[b], values.begin() + offsets[e]);
    part_offsets.resize(e - b + 1);
    for (std::size_t i = b; i <= e; ++i) part_offsets[i - b] = offsets[i] - offsets[b];
  };
  csr(whole.train_offsets, whole.train_items, part.train_offsets, part.train_items);
  if (whole.test_candidates_stored)
    csr(whole.test_candidate_offsets, whole.test_candidates, part.test_candidate_offsets, part.test_candidates);
  return part;
}

}  // namespace ampcf
