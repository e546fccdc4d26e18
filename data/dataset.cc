#include "data/dataset.h"

#include <algorithm>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "data/prepared_file.h"
#include "core/rng.h"

namespace ampcf {

namespace {

constexpr std::uint64_t kStreamValidation = 1, kStreamTest = 2, kStreamValNegatives = 3, kStreamTestNegatives = 4;

// Dense ids sorted by original id.
std::vector<std::int64_t> SortedUnique(std::vector<std::int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::int32_t DenseOf(const std::vector<std::int64_t>& sorted, std::int64_t id) {
  auto at = std::lower_bound(sorted.begin(), sorted.end(), id);
  if (at == sorted.end() || *at != id) return -1;
  return static_cast<std::int32_t>(at - sorted.begin());
}

// Draws `count` distinct items uniformly from those not in `seen` (sorted), all in [0, n_items).
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
  std::size_t first = out.size();
  while (static_cast<int>(out.size() - first) < count) {
    auto item = static_cast<std::int32_t>(UniformIndex(rng, n_items));
    if (std::binary_search(seen.begin(), seen.end(), item)) continue;
    if (std::find(out.begin() + first, out.end(), item) != out.end()) continue;
    out.push_back(item);
  }
}

}  // namespace

Dataset Prepare(RawData raw, const DataConfig& config) {
  Dataset data;
  data.name = raw.name;
  if (config.min_item_ratings > 1) {
    if (raw.presplit) throw UserError("--min-item-ratings does not apply to pre-split (NCF) data");
    // Items rated fewer times than that are dropped before anything else (the paper's ML100K
    // keeps the 6278 items of ml-latest-small rated at least twice).
    std::unordered_map<std::int64_t, std::int64_t> ratings;
    for (const Interaction& row : raw.rows) ++ratings[row.item];
    std::erase_if(raw.rows, [&](const Interaction& row) { return ratings[row.item] < config.min_item_ratings; });
  }
  // Order every user's rows by time, ties in file order (stable sort over file positions).
  const std::size_t n_rows = raw.rows.size();
  std::vector<std::uint32_t> order(n_rows);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const Interaction& x = raw.rows[a];
    const Interaction& y = raw.rows[b];
    if (x.user != y.user) return x.user < y.user;
    return x.timestamp < y.timestamp;
  });

  // Users with too few distinct items are dropped; duplicates keep their latest occurrence.
  std::unordered_map<std::int64_t, std::vector<std::int64_t>> test_of;  // presplit: user -> test item
  for (const Interaction& row : raw.test_rows) test_of[row.user].push_back(row.item);

  std::vector<std::int64_t> kept_users, item_pool;
  struct UserRows {
    std::int64_t user;
    std::vector<std::uint32_t> rows;  // positions in raw.rows, time order, deduplicated
  };
  std::vector<UserRows> per_user;
  for (std::size_t start = 0; start < n_rows;) {
    std::size_t end = start;
    const std::int64_t user = raw.rows[order[start]].user;
    while (end < n_rows && raw.rows[order[end]].user == user) ++end;
    UserRows entry{user, {}};
    // Keep the last occurrence of each item: walk backwards, remember what was seen.
    std::unordered_set<std::int64_t> seen;
    for (std::size_t k = end; k-- > start;) {
      if (!seen.insert(raw.rows[order[k]].item).second) continue;
      entry.rows.push_back(order[k]);
    }
    std::reverse(entry.rows.begin(), entry.rows.end());
    std::size_t total_items = entry.rows.size() + (raw.presplit ? test_of.count(user) : 0);
    if (raw.presplit && test_of.count(user) == 0) total_items = 0;  // no test pair: unusable
    if (static_cast<int>(total_items) >= config.min_items) {
      kept_users.push_back(user);
      for (std::uint32_t r : entry.rows) item_pool.push_back(raw.rows[r].item);
      per_user.push_back(std::move(entry));
    }
    start = end;
  }
  if (per_user.empty())
    throw UserError(Cat("--data ", config.data, ": no user has at least ", config.min_items, " items"));
  if (raw.presplit) {
    for (const Interaction& row : raw.test_rows) item_pool.push_back(row.item);
    for (const auto& [user, negatives] : raw.given_negatives)
      item_pool.insert(item_pool.end(), negatives.begin(), negatives.end());
  }
  data.user_ids = kept_users;  // already sorted: `order` sorts by user
  data.item_ids = SortedUnique(std::move(item_pool));
  if (!raw.user_names.empty()) {
    for (std::int64_t id : data.user_ids) data.user_names.push_back(raw.user_names[static_cast<std::size_t>(id)]);
    for (std::int64_t id : data.item_ids) data.item_names.push_back(raw.item_names[static_cast<std::size_t>(id)]);
  }
  data.n_users = static_cast<std::int32_t>(data.user_ids.size());
  data.n_items = static_cast<std::int32_t>(data.item_ids.size());

  data.train_offsets.assign(1, 0);
  data.val_item.assign(data.n_users, -1);
  data.test_item.assign(data.n_users, -1);
  data.val_negative_offsets.assign(1, 0);
  data.test_negative_offsets.assign(1, 0);
  const bool timed = raw.has_timestamps || !raw.timestamp_known.empty();
  std::int64_t users_with_validation = 0, random_validations = 0;
  std::vector<std::int32_t> items;
  for (std::int32_t u = 0; u < data.n_users; ++u) {
    const UserRows& entry = per_user[u];
    items.clear();
    for (std::uint32_t r : entry.rows) items.push_back(DenseOf(data.item_ids, raw.rows[r].item));
    Rng holdout_rng(MixSeed(config.eval_seed, kStreamValidation, static_cast<std::uint64_t>(entry.user)));
    // Pick the held-out positions (test, then validation) from the time-ordered list.
    auto take = [&](std::size_t position) {
      std::int32_t item = items[position];
      items.erase(items.begin() + static_cast<std::ptrdiff_t>(position));
      return item;
    };
    if (raw.presplit) {
      data.test_item[u] = DenseOf(data.item_ids, test_of[entry.user].back());
      // Remove the test item from training if the file lists it there too.
      items.erase(std::remove(items.begin(), items.end(), data.test_item[u]), items.end());
      if (items.size() >= 2) {
        bool all_known = !raw.timestamp_known.empty() &&
                         std::all_of(entry.rows.begin(), entry.rows.end(),
                                     [&](std::uint32_t r) { return raw.timestamp_known[r] != 0; });
        if (raw.has_timestamps || all_known) {
          data.val_item[u] = take(items.size() - 1);
        } else if (config.untimed_validation == "random") {
          data.val_item[u] = take(UniformIndex(holdout_rng, items.size()));
          ++random_validations;
        }
      }
    } else if (timed) {
      data.test_item[u] = take(items.size() - 1);
      if (items.size() >= 2) data.val_item[u] = take(items.size() - 1);
    } else {
      Rng test_rng(MixSeed(config.eval_seed, kStreamTest, static_cast<std::uint64_t>(entry.user)));
      data.test_item[u] = take(UniformIndex(test_rng, items.size()));
      if (items.size() >= 2) {
        data.val_item[u] = take(UniformIndex(holdout_rng, items.size()));
        ++random_validations;
      }
    }
    if (data.val_item[u] >= 0) ++users_with_validation;
    std::sort(items.begin(), items.end());
    data.train_items.insert(data.train_items.end(), items.begin(), items.end());
    data.train_offsets.push_back(static_cast<std::int64_t>(data.train_items.size()));
  }
  data.total_interactions = data.num_train() + data.n_users + users_with_validation;

  // Evaluation candidates.
  std::vector<std::int32_t> seen;
  for (std::int32_t u = 0; u < data.n_users; ++u) {
    seen.assign(data.train_items.begin() + data.train_offsets[u], data.train_items.begin() + data.train_offsets[u + 1]);
    seen.push_back(data.test_item[u]);
    if (data.val_item[u] >= 0) seen.push_back(data.val_item[u]);
    std::sort(seen.begin(), seen.end());
    const std::uint64_t user_key = static_cast<std::uint64_t>(data.user_ids[u]);
    if (data.val_item[u] >= 0) {
      Rng rng(MixSeed(config.eval_seed, kStreamValNegatives, user_key));
      DrawUnseen(data.n_items, seen, config.eval_negatives, rng, data.val_negatives);
    }
    data.val_negative_offsets.push_back(static_cast<std::int64_t>(data.val_negatives.size()));
    auto given = raw.given_negatives.find(data.user_ids[u]);
    if (raw.presplit && given != raw.given_negatives.end()) {
      for (std::int64_t original : given->second) {
        std::int32_t item = DenseOf(data.item_ids, original);
        if (item != data.test_item[u]) data.test_negatives.push_back(item);
      }
    } else {
      Rng rng(MixSeed(config.eval_seed, kStreamTestNegatives, user_key));
      DrawUnseen(data.n_items, seen, config.eval_negatives, rng, data.test_negatives);
    }
    data.test_negative_offsets.push_back(static_cast<std::int64_t>(data.test_negatives.size()));
  }

  data.item_train_counts.assign(data.n_items, 0);
  for (std::int32_t item : data.train_items) ++data.item_train_counts[item];

  if (raw.presplit)
    data.holdout = Cat("test: given (NCF); validation: latest training item where timestamps are known, ",
                       config.untimed_validation == "random" ? Cat("seeded random for ", random_validations, " users")
                                                             : Cat("none for ", data.n_users - users_with_validation, " users"));
  else if (timed)
    data.holdout = "test: latest item; validation: second-latest (users with >= 3 items)";
  else
    data.holdout = "no timestamps: test and validation items are seeded random picks";
  return data;
}

Dataset LoadDataset(const DataConfig& config) {
  if (IsPreparedFile(config.data)) return ReadPrepared(config.data);
  return Prepare(LoadRawData(config), config);
}

bool IsTrainItem(const Dataset& data, std::int32_t user, std::int32_t item) {
  auto begin = data.train_items.begin() + data.train_offsets[user];
  auto end = data.train_items.begin() + data.train_offsets[user + 1];
  return std::binary_search(begin, end, item);
}

std::uint64_t Dataset::Fingerprint() const {
  std::uint64_t hash = 0x243f6a8885a308d3ULL;
  auto mix = [&](std::uint64_t value) { hash = MixSeed(hash, value); };
  mix(static_cast<std::uint64_t>(n_users));
  mix(static_cast<std::uint64_t>(n_items));
  for (auto v : user_ids) mix(static_cast<std::uint64_t>(v));
  for (auto v : item_ids) mix(static_cast<std::uint64_t>(v));
  for (auto v : train_offsets) mix(static_cast<std::uint64_t>(v));
  for (auto v : train_items) mix(static_cast<std::uint64_t>(v));
  for (auto v : val_item) mix(static_cast<std::uint64_t>(v));
  for (auto v : test_item) mix(static_cast<std::uint64_t>(v));
  for (auto v : test_negatives) mix(static_cast<std::uint64_t>(v));
  for (auto v : val_negatives) mix(static_cast<std::uint64_t>(v));
  auto mix_names = [&](const std::vector<std::string>& names) {
    for (const std::string& name : names) {
      std::uint64_t fnv = 0xcbf29ce484222325ULL;  // FNV-1a: the same on every platform
      for (unsigned char c : name) fnv = (fnv ^ c) * 0x100000001b3ULL;
      mix(fnv);
    }
  };
  mix_names(user_names);
  mix_names(item_names);
  return hash;
}

}  // namespace ampcf
