#include <gtest/gtest.h>

#include <vector>

#include "core/parallel.h"
#include "core/rng.h"
#include "data/user_rows.h"

namespace ampcf {
namespace {

RawData Rows(std::vector<Interaction> rows) {
  RawData raw;
  raw.rows = std::move(rows);
  raw.has_timestamps = true;
  return raw;
}

// User k's rows as (item, timestamp) pairs, in the order kept.
std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> Listed(const RawData& raw, const KeptRows& kept) {
  std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> users;
  for (std::int32_t k = 0; k < kept.size(); ++k) {
    users.emplace_back();
    for (std::uint32_t r : kept.RowsOf(k)) users.back().emplace_back(raw.rows[r].item, raw.rows[r].timestamp);
  }
  return users;
}

// Rows of users 5 and 3 interleaved, out of time order, with item 20 of user 5 repeated.
std::vector<Interaction> Interleaved() {
  return {{5, 20, 4}, {3, 11, 2}, {5, 10, 3}, {3, 12, 1}, {5, 20, 1}, {5, 30, 2}, {3, 13, 2}};
}

TEST(GroupUserRows, OrdersUsersByIdAndRowsByTimeKeepingTheLatestOfARepeatedItem) {
  const RawData raw = Rows(Interleaved());
  const KeptRows kept = GroupUserRows(raw, nullptr, 1);
  EXPECT_EQ(kept.users, (std::vector<std::int64_t>{3, 5}));
  using Listing = std::vector<std::pair<std::int64_t, std::int64_t>>;
  // Ties in time keep file order (items 11 and 13 of user 3).
  EXPECT_EQ(Listed(raw, kept)[0], (Listing{{12, 1}, {11, 2}, {13, 2}}));
  EXPECT_EQ(Listed(raw, kept)[1], (Listing{{30, 2}, {10, 3}, {20, 4}}));
}

TEST(GroupUserRows, SparseIdsAreGroupedAsCompactOnesAre) {
  // Ids spread over int64's range take the sort and the hash set instead of the tables.
  std::vector<Interaction> spread = Interleaved();
  for (Interaction& row : spread) {
    row.user = row.user * 1000000007LL - 4000000000000000000LL;
    row.item = row.item * -300000000000000007LL;
  }
  const RawData compact = Rows(Interleaved()), sparse = Rows(spread);
  const KeptRows a = GroupUserRows(compact, nullptr, 1), b = GroupUserRows(sparse, nullptr, 1);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.offsets, b.offsets);
  EXPECT_EQ(b.users, (std::vector<std::int64_t>{spread[1].user, spread[0].user}));
}

TEST(GroupUserRows, UsersWithTooFewDistinctItemsAreLeftOut) {
  const RawData raw = Rows(Interleaved());
  EXPECT_EQ(GroupUserRows(raw, nullptr, 3).users, (std::vector<std::int64_t>{3, 5}));
  EXPECT_EQ(GroupUserRows(raw, nullptr, 4).size(), 0);  // user 5's 4 rows hold 3 items
}

TEST(GroupUserRows, PreSplitAGivenTestCountsAndAUserWithoutOneIsLeftOut) {
  const RawData raw = Rows(Interleaved());
  const GivenTests given{{5, {99}}};
  const KeptRows kept = GroupUserRows(raw, &given, 4);
  EXPECT_EQ(kept.users, (std::vector<std::int64_t>{5}));
  EXPECT_EQ(kept.RowsOf(0).size(), 3u);
}

TEST(GroupUserRows, TheResultDoesNotDependOnTheThreadCount) {
  Rng rng(7);
  std::vector<Interaction> rows;
  for (int r = 0; r < 60000; ++r)  // more users than one task holds
    rows.push_back({static_cast<std::int64_t>(UniformIndex(rng, 9000)), static_cast<std::int64_t>(UniformIndex(rng, 300)),
                    static_cast<std::int64_t>(UniformIndex(rng, 50))});
  const RawData raw = Rows(rows);
  SetComputeThreads(1);
  const KeptRows one = GroupUserRows(raw, nullptr, 3);
  SetComputeThreads(3);
  const KeptRows three = GroupUserRows(raw, nullptr, 3);
  SetComputeThreads(1);
  EXPECT_EQ(one.users, three.users);
  EXPECT_EQ(one.rows, three.rows);
  EXPECT_EQ(one.offsets, three.offsets);
  EXPECT_GT(one.size(), 2048);
}

}  // namespace
}  // namespace ampcf
