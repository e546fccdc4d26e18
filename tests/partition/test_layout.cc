#include <gtest/gtest.h>

#include <numeric>

#include "partition/layout.h"
#include "core/error.h"
#include "core/rng.h"

namespace ampcf {
namespace {

TEST(Partition, ItemsAndAttentionRowsCoverEveryKeyOnce) {
  for (int servers : {1, 2, 3, 5}) {
    std::int64_t total = 0;
    for (int s = 0; s < servers; ++s) total += ItemsOwned(101, s, servers);
    EXPECT_EQ(total, 101);
    for (std::int64_t item = 0; item < 101; ++item)
      EXPECT_LT(ItemLocalIndex(item, servers), ItemsOwned(101, ItemOwner(item, servers), servers));
  }
}

TEST(Partition, LayoutRolesAndErrors) {
  Layout one = MakeLayout(1, 0, 1, 100);
  EXPECT_TRUE(one.colocated && one.is_worker() && one.is_server());
  Layout four = MakeLayout(4, 3, 1, 100);
  EXPECT_EQ(four.n_workers, 3);
  EXPECT_TRUE(four.is_server());
  EXPECT_FALSE(four.is_worker());
  EXPECT_EQ(four.server_rank(0), 3);
  EXPECT_TRUE(MakeLayout(4, 0, 1, 100).is_worker());
  EXPECT_THROW(MakeLayout(4, 0, 4, 100), UserError);   // no worker left
  EXPECT_THROW(MakeLayout(4, 0, 3, 2), UserError);     // more servers than items
  EXPECT_THROW(MakeLayout(4, 0, 0, 100), UserError);   // no server
  EXPECT_THROW(MakeLayout(1, 0, 2, 100), UserError);   // one rank cannot host two servers
}

TEST(Partition, WorkersOfALayoutAreKnownBeforeTheModel) {
  EXPECT_EQ(WorkersOf(1, 3), 1);
  EXPECT_EQ(WorkersOf(4, 1), 3);
  EXPECT_EQ(WorkersOf(4, 1), MakeLayout(4, 0, 1, 100).n_workers);
  EXPECT_EQ(WorkersOf(2, 1), 1);
  // Requests MakeLayout refuses keep the input on every rank until it says so.
  EXPECT_EQ(WorkersOf(4, 4), 4);
  EXPECT_EQ(WorkersOf(4, 0), 4);
  EXPECT_EQ(WorkersOf(2, 2), 2);
}

}  // namespace
}  // namespace ampcf
