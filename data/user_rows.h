// Preparation's first step (data/dataset.h): a file's rows grouped by user, each user's rows in
// time order with every item at its latest occurrence, and the users with too few items left out.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "data/readers.h"

namespace ampcf {

// Users per task of preparation's per-user steps (here and the hold-out, data/dataset.cc): the
// tasks do not depend on the thread count, so neither does the result.
constexpr int kUsersPerPreparationTask = 2048;

// Pre-split data: original user id -> the items of its test rows (file order).
using GivenTests = std::unordered_map<std::int64_t, std::vector<std::int64_t>>;

// The kept users and their rows: user k (original id users[k], ascending) has the positions
// rows[offsets[k], offsets[k + 1]) of RawData::rows, in time order (ties in file order), one per
// distinct item (its latest occurrence).
struct KeptRows {
  std::vector<std::int64_t> users;
  std::vector<std::uint32_t> rows;
  std::vector<std::int64_t> offsets{0};

  std::int32_t size() const { return static_cast<std::int32_t>(users.size()); }
  std::span<const std::uint32_t> RowsOf(std::int32_t k) const {
    return {rows.data() + offsets[static_cast<std::size_t>(k)],
            rows.data() + offsets[static_cast<std::size_t>(k) + 1]};
  }
};

// Groups `raw.rows` (fewer than 2^32) by user and keeps the users with at least `min_items`
// distinct items. Pre-split (`given_tests` not null), a user's given test pair counts among its
// items, and a user without one is left out. Runs on the compute threads (core/parallel.h); the
// result does not depend on their number.
KeptRows GroupUserRows(const RawData& raw, const GivenTests* given_tests, int min_items);

}  // namespace ampcf
