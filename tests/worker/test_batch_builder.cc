// The batch builder's contract (worker/batch_builder.h), without MPI.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "data/dataset.h"
#include "data/synthetic.h"
#include "worker/batch_builder.h"

namespace ampcf {
namespace {

constexpr int kBatch = 64;

Dataset SmallData() {
  SyntheticSpec spec;
  spec.users = 60;
  spec.items = 40;  // few items: negatives often hit a positive and must be redrawn
  return Prepare(GenerateSynthetic(spec).raw, DataConfig());
}

std::vector<std::int32_t> AllUsers(const Dataset& data) {
  std::vector<std::int32_t> users(data.n_users);
  std::iota(users.begin(), users.end(), 0);
  return users;
}

// Every batch of the first epoch.
std::vector<Batch> Epoch(BatchBuilder& builder, int epoch) {
  builder.Shuffle(epoch);
  std::vector<Batch> batches;
  for (std::int64_t begin = 0, step = 0; begin < builder.n_pairs(); begin += kBatch, ++step) {
    batches.emplace_back();
    builder.Build(epoch, step, begin, std::min(builder.n_pairs(), begin + kBatch), batches.back());
  }
  return batches;
}

TEST(BatchBuilder, ANegativeNeverEqualsItsPositive) {
  const Dataset data = SmallData();
  BatchBuilder builder(data, AllUsers(data), BatchOptions());
  for (const Batch& batch : Epoch(builder, 1))
    for (int b = 0; b < batch.size(); ++b) {
      const std::int32_t positive = batch.items[batch.item[static_cast<std::size_t>(b) * batch.candidates]];
      for (int c = 1; c < batch.candidates; ++c)
        EXPECT_NE(batch.items[batch.item[static_cast<std::size_t>(b) * batch.candidates + c]], positive);
    }
}

TEST(BatchBuilder, ItemKeysAreSortedAndUniqueAndEverySlotIsUsed) {
  const Dataset data = SmallData();
  BatchBuilder builder(data, AllUsers(data), BatchOptions());
  for (const Batch& batch : Epoch(builder, 1)) {
    EXPECT_TRUE(std::is_sorted(batch.items.begin(), batch.items.end()));
    EXPECT_EQ(std::adjacent_find(batch.items.begin(), batch.items.end()), batch.items.end());
    std::set<std::int32_t> used(batch.item.begin(), batch.item.end());
    EXPECT_EQ(used.size(), batch.items.size());
  }
}

// A batch's distinct items come from a bitmap over the catalogue, or from a sort when the
// catalogue is large beside the batch: both keep the contract.
TEST(BatchBuilder, ItemKeysAreSortedAndUniqueForALargeCatalogueToo) {
  SyntheticSpec spec;
  spec.users = 300;
  spec.items = 20000;
  const Dataset data = Prepare(GenerateSynthetic(spec).raw, DataConfig());
  ASSERT_GT(data.n_items, 2 * 5 * 4 * 64);  // more than 4 words per candidate of a 2-positive batch
  BatchBuilder builder(data, AllUsers(data), BatchOptions());
  builder.Shuffle(1);
  for (const std::int64_t size : {2, 64}) {
    Batch batch;
    builder.Build(1, 0, 0, size, batch);
    EXPECT_TRUE(std::is_sorted(batch.items.begin(), batch.items.end())) << size;
    EXPECT_EQ(std::adjacent_find(batch.items.begin(), batch.items.end()), batch.items.end()) << size;
    std::set<std::int32_t> used(batch.item.begin(), batch.item.end());
    EXPECT_EQ(used.size(), batch.items.size()) << size;
    Batch again;  // the scratch is clean: the same call gives the same batch
    builder.Build(1, 0, 0, size, again);
    EXPECT_EQ(again.items, batch.items) << size;
    EXPECT_EQ(again.item, batch.item) << size;
  }
}

TEST(BatchBuilder, UserSlotsAreUniqueAndPointAtTheirPositivesUser) {
  const Dataset data = SmallData();
  BatchBuilder builder(data, AllUsers(data), BatchOptions());
  for (const Batch& batch : Epoch(builder, 1)) {
    std::set<std::int32_t> distinct(batch.users.begin(), batch.users.end());
    EXPECT_EQ(distinct.size(), batch.users.size());
    for (int b = 0; b < batch.size(); ++b) {
      const std::int32_t user = batch.users[batch.user[b]];
      const std::int32_t positive = batch.items[batch.item[static_cast<std::size_t>(b) * batch.candidates]];
      EXPECT_TRUE(IsTrainItem(data, user, positive)) << "user " << user << " item " << positive;
    }
  }
}

TEST(BatchBuilder, TheSameSeedGivesTheSameBatches) {
  const Dataset data = SmallData();
  BatchBuilder a(data, AllUsers(data), BatchOptions()), b(data, AllUsers(data), BatchOptions());
  const std::vector<Batch> first = Epoch(a, 3), second = Epoch(b, 3);
  ASSERT_EQ(first.size(), second.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].item, second[i].item);
    EXPECT_EQ(first[i].items, second[i].items);
    EXPECT_EQ(first[i].users, second[i].users);
  }
  BatchOptions other;
  other.seed = 2;
  BatchBuilder c(data, AllUsers(data), other);
  EXPECT_NE(Epoch(c, 3)[0].item, first[0].item);
  EXPECT_NE(Epoch(a, 4)[0].item, first[0].item);  // and another epoch, another order
}

TEST(BatchBuilder, RefitAddsTheValidationItems) {
  const Dataset data = SmallData();
  BatchBuilder builder(data, AllUsers(data), BatchOptions());
  const std::int64_t training = builder.n_pairs();
  builder.UseValidation(true);
  const auto validation = std::count_if(data.val_item.begin(), data.val_item.end(), [](std::int32_t i) { return i >= 0; });
  EXPECT_EQ(builder.n_pairs(), training + validation);
}

TEST(BatchBuilder, LogQIsTheSamplersPerItemSlot) {
  const Dataset data = SmallData();
  BatchOptions options;
  options.log_q = true;
  BatchBuilder builder(data, AllUsers(data), options);
  const Batch batch = Epoch(builder, 1)[0];
  ASSERT_EQ(batch.item_log_q.size(), batch.items.size());
  const AliasSampler sampler(data.item_train_counts, options.negative_power);
  for (std::size_t s = 0; s < batch.items.size(); ++s)
    EXPECT_FLOAT_EQ(batch.item_log_q[s], static_cast<float>(std::log(sampler.Probability(batch.items[s]))));
}

TEST(BatchBuilder, LeftOutUsersGiveNoPositives) {
  const Dataset data = SmallData();
  BatchBuilder builder(data, AllUsers(data), BatchOptions());
  const std::int64_t all = builder.n_pairs();
  builder.LeaveOut({2, 5});
  builder.UseValidation(false);
  EXPECT_EQ(builder.n_pairs(), all - data.train_count(2) - data.train_count(5));
  for (const Batch& batch : Epoch(builder, 0))
    for (std::int32_t local : batch.users) EXPECT_TRUE(local != 2 && local != 5);
}

}  // namespace
}  // namespace ampcf
