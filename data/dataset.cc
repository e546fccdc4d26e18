#include "data/dataset.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "data/fingerprint.h"
#include "data/holdout.h"
#include "data/prepared_file.h"
#include "core/rng.h"

namespace ampcf {

namespace {

// Whether ids spanning [low, high] are compact enough for a table over the range: at most
// kSpanPerId slots of it per id (a bitmap then costs at most 2 bits per id, a table of dense ids
// 32 bytes per id).
constexpr std::uint64_t kSpanPerId = 8;
bool Compact(std::int64_t low, std::int64_t high, std::size_t count) {
  // In unsigned arithmetic: ids may span more than int64's range (high - low would overflow).
  const std::uint64_t span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  return span < kSpanPerId * static_cast<std::uint64_t>(std::max<std::size_t>(count, 64));
}

// Dense ids sorted by original id. Ids in a compact range (MovieLens', generated files') are
// marked in a bitmap and read back in order, in linear time: sorting the tens of millions of
// item ids of a large file took a tenth of its preparation.
std::vector<std::int64_t> SortedUnique(std::vector<std::int64_t> ids) {
  if (ids.empty()) return ids;
  const auto [low, high] = std::minmax_element(ids.begin(), ids.end());
  if (!Compact(*low, *high, ids.size())) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  }
  const std::int64_t first = *low, span = *high - *low + 1;
  std::vector<std::uint64_t> seen(static_cast<std::size_t>((span + 63) / 64), 0);
  for (std::int64_t id : ids) seen[static_cast<std::size_t>((id - first) / 64)] |= std::uint64_t{1} << ((id - first) % 64);
  ids.clear();
  for (std::size_t word = 0; word < seen.size(); ++word)
    for (std::uint64_t bits = seen[word]; bits != 0; bits &= bits - 1)
      ids.push_back(first + static_cast<std::int64_t>(word * 64) + std::countr_zero(bits));
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
      const std::uint64_t at = static_cast<std::uint64_t>(id) - static_cast<std::uint64_t>(first_);
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

// Positions of `rows` ordered by user, then time; ties keep file order (stable sort).
std::vector<std::uint32_t> UserTimeOrder(const std::vector<Interaction>& rows) {
  std::vector<std::uint32_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const Interaction& x = rows[a];
    const Interaction& y = rows[b];
    if (x.user != y.user) return x.user < y.user;
    return x.timestamp < y.timestamp;
  });
  return order;
}

// Pre-split data: original user id -> the items of its test rows (file order).
using GivenTests = std::unordered_map<std::int64_t, std::vector<std::int64_t>>;

GivenTests GivenTestsByUser(const RawData& raw) {
  GivenTests test_of;
  for (const Interaction& row : raw.test_rows) test_of[row.user].push_back(row.item);
  return test_of;
}

// The positions order[start, end) (one user's rows, time order) with each item kept only at its
// last occurrence: walk backwards, remember what was seen, then restore time order.
std::vector<std::uint32_t> LatestOccurrences(const std::vector<Interaction>& rows,
                                             const std::vector<std::uint32_t>& order, std::size_t start,
                                             std::size_t end) {
  std::vector<std::uint32_t> kept;
  std::unordered_set<std::int64_t> seen;
  for (std::size_t k = end; k-- > start;) {
    if (!seen.insert(rows[order[k]].item).second) continue;
    kept.push_back(order[k]);
  }
  std::reverse(kept.begin(), kept.end());
  return kept;
}

// Groups the ordered rows by user, deduplicated, and keeps the users with at least `min_items`
// distinct items (a pre-split user's given test pair counts; one without a test pair has none).
// The result is sorted by user id, as `order` is.
std::vector<UserRows> KeptUsers(const RawData& raw, const std::vector<std::uint32_t>& order,
                                const GivenTests& given_tests, int min_items) {
  std::vector<UserRows> kept;
  const std::size_t n_rows = order.size();
  for (std::size_t start = 0; start < n_rows;) {
    std::size_t end = start;
    const std::int64_t user = raw.rows[order[start]].user;
    while (end < n_rows && raw.rows[order[end]].user == user) ++end;
    UserRows entry{user, LatestOccurrences(raw.rows, order, start, end)};
    std::size_t total_items = entry.rows.size() + (raw.presplit ? given_tests.count(user) : 0);
    if (raw.presplit && given_tests.count(user) == 0) total_items = 0;  // no test pair: unusable
    if (static_cast<int>(total_items) >= min_items) kept.push_back(std::move(entry));
    start = end;
  }
  return kept;
}

// Every original item id the prepared data refers to: the kept users' rows and, pre-split, the
// given test items and negatives.
std::vector<std::int64_t> ItemPool(const RawData& raw, const std::vector<UserRows>& users) {
  std::vector<std::int64_t> pool;
  for (const UserRows& entry : users)
    for (std::uint32_t r : entry.rows) pool.push_back(raw.rows[r].item);
  if (raw.presplit) {
    for (const Interaction& row : raw.test_rows) pool.push_back(row.item);
    for (const auto& [user, negatives] : raw.given_negatives) pool.insert(pool.end(), negatives.begin(), negatives.end());
  }
  return pool;
}

// Sets the dense ids (sorted by original id), the names of string ids, and the counts.
void AssignDenseIds(const RawData& raw, const std::vector<UserRows>& users, Dataset& data) {
  for (const UserRows& entry : users) data.user_ids.push_back(entry.user);  // already sorted
  data.item_ids = SortedUnique(ItemPool(raw, users));
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

// Whether every row of `entry` got its timestamp (NCF + --ncf-timestamps).
bool AllTimestampsKnown(const RawData& raw, const UserRows& entry) {
  return !raw.timestamp_known.empty() && std::all_of(entry.rows.begin(), entry.rows.end(),
                                                     [&](std::uint32_t r) { return raw.timestamp_known[r] != 0; });
}

// Splits every kept user's time-ordered items into test, validation and training items (sorted),
// filling data's train CSR, val_item and test_item.
HoldoutCounts HoldOut(const RawData& raw, const std::vector<UserRows>& users, const GivenTests& given_tests,
                      const DataConfig& config, HoldoutMode mode, Dataset& data) {
  data.train_offsets.assign(1, 0);
  data.val_item.assign(data.n_users, -1);
  data.test_item.assign(data.n_users, -1);
  const bool random_untimed = config.untimed_validation == "random";
  const DenseIds dense(data.item_ids);
  HoldoutCounts counts;
  for (std::int32_t u = 0; u < data.n_users; ++u) {
    const UserRows& entry = users[u];
    const auto user_key = static_cast<std::uint64_t>(entry.user);
    std::vector<std::int32_t> items;
    items.reserve(entry.rows.size());
    for (std::uint32_t r : entry.rows) items.push_back(dense.Of(raw.rows[r].item));
    UserSplit split;
    if (mode == HoldoutMode::kGiven) {
      const std::int32_t test_item = dense.Of(given_tests.at(entry.user).back());
      const bool latest_known = raw.has_timestamps || AllTimestampsKnown(raw, entry);
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
    data.train_items.insert(data.train_items.end(), split.train.begin(), split.train.end());
    data.train_offsets.push_back(static_cast<std::int64_t>(data.train_items.size()));
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
  const GivenTests given_tests = GivenTestsByUser(raw);
  const std::vector<UserRows> users = KeptUsers(raw, UserTimeOrder(raw.rows), given_tests, config.min_items);
  if (users.empty())
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
  if (raw_.rows.size() > std::numeric_limits<std::uint32_t>::max())
    throw UserError(Cat("--data ", config.data, ": more than 2^32 rows on one rank; run on more ranks"));
  users_ = KeptUsers(raw_, UserTimeOrder(raw_.rows), {}, config.min_items);
}

std::vector<std::int64_t> UserPreparation::ItemPool() const { return SortedUnique(ampcf::ItemPool(raw_, users_)); }

Dataset UserPreparation::HoldOut(std::vector<std::int64_t> item_ids, std::int32_t first_user,
                                 std::int32_t n_users) const {
  Dataset data;
  data.name = raw_.name;
  data.item_ids = std::move(item_ids);
  data.n_items = static_cast<std::int32_t>(data.item_ids.size());
  for (const UserRows& entry : users_) data.user_ids.push_back(entry.user);
  data.n_users = kept_users();  // HoldOut's loop runs over the users held here
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
