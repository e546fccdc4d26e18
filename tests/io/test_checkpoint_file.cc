#include <gtest/gtest.h>
#include <hdf5.h>

#include <numeric>
#include <vector>

#include "io/checkpoint_file.h"
#include "core/error.h"
#include "tests/test_util.h"

namespace ampcf {
namespace {

// One small checkpoint: 3 users of width r*d = 4; items and attention left unwritten.
struct SmallCheckpoint {
  static constexpr int kUsers = 3, kWidth = 4;
  std::vector<float> values, adam_m, adam_v, best, average;
  std::vector<std::int32_t> steps;

  SmallCheckpoint() {
    const std::size_t n = kUsers * kWidth;
    for (auto* array : {&values, &adam_m, &adam_v, &best, &average}) array->resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      values[i] = 1.0f + i;
      adam_m[i] = 0.1f * i;
      adam_v[i] = 0.01f * i;
      best[i] = -1.0f - i;
      average[i] = 0.5f + i;
    }
    steps = {3, 1, 4};
  }
  RowArrays arrays() {
    return RowArrays{values.data(), adam_m.data(), adam_v.data(), best.data(), steps.data(), average.data()};
  }
  void Write(const std::string& path) {
    CheckpointHeader header;
    header.shape = ModelShape{2, 2, 0, {{"att_dim", "2"}}};
    header.tables = {{"items", 2, 3}, {"attention", 4, 2}, {"users", kUsers, kWidth}};
    header.dataset = "toy";
    header.item_ids = {10, 20};
    header.user_ids = {7, 8, 9};
    TrainingState state;
    state.steps_per_epoch = 1;
    state.worker_loss_sums = {0.0};
    CreateCheckpoint(path, header, state);
    WriteCheckpointRows(path, "users", kWidth, RowSelection{0, 1, kUsers}, arrays());
  }
};

TEST(CheckpointFile, RowsRoundTripWithTheirAverage) {
  testing::TempDir dir;
  const std::string path = dir.Path("checkpoint.h5");
  SmallCheckpoint written;
  written.Write(path);
  SmallCheckpoint read;
  for (auto* array : {&read.values, &read.adam_m, &read.adam_v, &read.best, &read.average})
    std::fill(array->begin(), array->end(), 0.0f);
  read.steps.assign(3, 0);
  ReadCheckpointRows(path, "users", SmallCheckpoint::kWidth, RowSelection{0, 1, 3}, read.arrays());
  EXPECT_EQ(read.values, written.values);
  EXPECT_EQ(read.best, written.best);
  EXPECT_EQ(read.average, written.average);
  EXPECT_EQ(read.steps, written.steps);
}

// A checkpoint from before parameter averaging has no /TABLE/average: its rows are their own
// average, so that resuming it with --average-decay starts the average from them.
TEST(CheckpointFile, FileWithoutAnAverageReadsTheRowsAsTheAverage) {
  testing::TempDir dir;
  const std::string path = dir.Path("old.h5");
  SmallCheckpoint written;
  written.Write(path);
  {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    ASSERT_GE(H5Ldelete(file, "/users/average", H5P_DEFAULT), 0);
    H5Fclose(file);
  }
  SmallCheckpoint read;
  std::fill(read.average.begin(), read.average.end(), 0.0f);
  ReadCheckpointRows(path, "users", SmallCheckpoint::kWidth, RowSelection{1, 1, 2}, read.arrays());
  // Rows 1 and 2 of the file: their values, and the same as the average.
  const std::vector<float> expected(written.values.begin() + SmallCheckpoint::kWidth, written.values.end());
  EXPECT_EQ(std::vector<float>(read.values.begin(), read.values.begin() + 2 * SmallCheckpoint::kWidth), expected);
  EXPECT_EQ(std::vector<float>(read.average.begin(), read.average.begin() + 2 * SmallCheckpoint::kWidth), expected);
}

}  // namespace
}  // namespace ampcf
