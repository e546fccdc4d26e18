// RowTable::StartFrom (train --init-from): a table's rows start from a trained model's, found by
// original id.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tables/row_table.h"

namespace ampcf {
namespace {

constexpr int kWidth = 3;

// Source row r holds r + 0.5 (moments r + 0.25 and r + 0.125, r steps) in every column; its
// id is 1000 + 2r.
class FakeSource final : public RowSource {
 public:
  FakeSource(std::int64_t rows, bool with_state) : with_state_(with_state) {
    for (std::int64_t r = 0; r < rows; ++r) ids_.push_back(1000 + 2 * r);
  }
  const std::string& path() const override { return path_; }
  const std::vector<std::int64_t>& item_ids() const override { return ids_; }
  const std::vector<std::int64_t>& user_ids() const override { return ids_; }
  std::vector<std::string> ItemNames() const override { return {}; }
  std::vector<std::string> UserNames() const override { return {}; }
  bool has_optimiser_state() const override { return with_state_; }
  std::int64_t Rows(const std::string&, int) const override { return static_cast<std::int64_t>(ids_.size()); }
  void Read(const std::string&, int width, std::int64_t first, std::int64_t count,
            const RowArrays& arrays) const override {
    ++reads;
    for (std::int64_t r = 0; r < count; ++r) {
      for (int c = 0; c < width; ++c) {
        arrays.values[r * width + c] = static_cast<float>(first + r) + 0.5f;
        if (with_state_) {
          arrays.adam_m[r * width + c] = static_cast<float>(first + r) + 0.25f;
          arrays.adam_v[r * width + c] = static_cast<float>(first + r) + 0.125f;
        }
      }
      if (with_state_) arrays.adam_steps[r] = static_cast<std::int32_t>(first + r);
    }
  }
  mutable int reads = 0;

 private:
  std::string path_ = "fake.h5";
  std::vector<std::int64_t> ids_;
  bool with_state_;
};

RowTable MakeTable(std::int64_t rows, AdamConfig adam = {}) {
  return RowTable("items", kWidth, RowSelection{0, 1, rows}, [](std::int64_t, float* row) { row[0] = -1.0f; }, adam,
                  /*averaging=*/false);
}

TEST(RowTableStartFrom, KnownIdsTakeTheSourceRowsAndNewOnesKeepTheirs) {
  const FakeSource source(10, /*with_state=*/false);
  RowTable table = MakeTable(4);
  // Rows 0 and 2 are source rows 7 and 0; 1 and 3 are new ids.
  const std::vector<std::int64_t> ids = {1014, 5, 1000, 1001};
  EXPECT_EQ(table.StartFrom(source, ids, source.item_ids()), 2);
  EXPECT_EQ(table.row(0)[2], 7.5f);
  EXPECT_EQ(table.row(2)[0], 0.5f);
  EXPECT_EQ(table.row(1)[0], -1.0f);
  EXPECT_EQ(table.row(3)[0], -1.0f);
  EXPECT_EQ(table.row(3)[1], 0.0f);
}

TEST(RowTableStartFrom, AWarmStartBlendsKnownRowsWithTheirInitialOnes) {
  const FakeSource source(10, /*with_state=*/false);
  RowTable table = MakeTable(2);
  // Row 0 is source row 3 (3.5 in every column, initial -1, 0, 0); row 1 is a new id.
  const std::vector<std::int64_t> ids = {1006, 7};
  EXPECT_EQ(table.StartFrom(source, ids, source.item_ids(), WarmStart{0.5f, 0.25f}), 1);
  EXPECT_EQ(table.row(0)[0], 0.5f * 3.5f + 0.25f * -1.0f);
  EXPECT_EQ(table.row(0)[1], 0.5f * 3.5f);
  EXPECT_EQ(table.row(1)[0], -1.0f);
}

TEST(RowTableStartFrom, TheBestRowsAreTheStartingRows) {
  const FakeSource source(3, false);
  RowTable table = MakeTable(3);
  table.StartFrom(source, {}, {});
  const std::vector<float> gradient(kWidth, 1.0f);
  table.Update(1, gradient.data());
  table.RestoreBest();
  EXPECT_EQ(table.row(1)[0], 1.5f);
}

TEST(RowTableStartFrom, ACheckpointBringsAdamsStateAModelFileAFreshOne) {
  AdamConfig config;
  config.lr = 0.01f;
  const Adam adam(config);
  const std::vector<float> gradient = {0.3f, -0.2f, 0.1f};
  for (const bool with_state : {true, false}) {
    const FakeSource source(8, with_state);
    RowTable table = MakeTable(1, config);
    const std::vector<std::int64_t> ids = {1010};  // source row 5
    ASSERT_EQ(table.StartFrom(source, ids, source.item_ids()), 1);
    table.Update(0, gradient.data());
    std::vector<float> p(kWidth, 5.5f), m(kWidth, with_state ? 5.25f : 0.0f), v(kWidth, with_state ? 5.125f : 0.0f);
    std::int32_t steps = with_state ? 5 : 0;
    adam.UpdateRow(p.data(), m.data(), v.data(), gradient.data(), kWidth, steps);
    for (int c = 0; c < kWidth; ++c) EXPECT_EQ(table.row(0)[c], p[c]) << "with state " << with_state << ", column " << c;
  }
}

TEST(RowTableStartFrom, ReadsTheSourceInBlocksNotRowByRow) {
  const std::int64_t rows = 10000;
  const FakeSource source(rows, true);
  RowTable table = MakeTable(rows);
  std::vector<std::int64_t> ids;
  for (std::int64_t r = rows - 1; r >= 0; --r) ids.push_back(1000 + 2 * r);  // every source row, reversed
  EXPECT_EQ(table.StartFrom(source, ids, source.item_ids()), rows);
  EXPECT_LE(source.reads, 3);
  for (std::int64_t local = 0; local < rows; ++local)
    ASSERT_EQ(table.row(local)[1], static_cast<float>(rows - 1 - local) + 0.5f) << local;
}

TEST(RowTableStartFrom, ByKeyEveryRowIsTheSourcesOfTheSameKey) {
  const FakeSource source(9, false);
  RowTable table("attention", kWidth, RowSelection{1, 3, 3}, [](std::int64_t, float*) {}, AdamConfig{}, true);
  EXPECT_EQ(table.StartFrom(source, {}, {}), 3);
  EXPECT_EQ(table.row(0)[0], 1.5f);
  EXPECT_EQ(table.row(2)[0], 7.5f);
}

}  // namespace
}  // namespace ampcf
