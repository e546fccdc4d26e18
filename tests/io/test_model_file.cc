#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "io/hdf5_util.h"
#include "io/model_file.h"
#include "tests/test_util.h"

namespace ampcf {
namespace {

ModelData SmallModel() {
  ModelData model;
  model.model = "amp-cf";
  model.shape = ModelShape{2, 3, 0, {{"att_dim", "4"}}};
  model.dataset = "toy";
  model.dataset_fingerprint = 0xfeedbeefcafe1234ULL;
  model.config = "personas = 2\n";
  model.item_ids = {10, 20};
  model.items = {1, 2, 3, 0.5f, 4, 5, 6, -0.5f};
  model.dense = {{"attention/A_u", 3, 4, std::vector<float>(12, 0.25f)},
                 {"attention/A_v", 3, 4, std::vector<float>(12, -0.25f)}};
  model.user_ids = {7};
  model.personas = {1, 2, 3, 4, 5, 6};
  return model;
}

TEST(ModelFile, RoundTrip) {
  testing::TempDir dir;
  const std::string path = dir.Path("model.h5");
  WriteModel(path, SmallModel());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  const ModelData read = ReadModel(path);
  EXPECT_EQ(read.shape.personas, 2);
  EXPECT_EQ(read.shape.Size("att_dim"), 4);
  EXPECT_EQ(read.dataset_fingerprint, 0xfeedbeefcafe1234ULL);
  EXPECT_EQ(read.item_ids, SmallModel().item_ids);
  EXPECT_EQ(read.items, SmallModel().items);
  EXPECT_EQ(read.personas, SmallModel().personas);
  EXPECT_EQ(read.config, "personas = 2\n");
  EXPECT_EQ(read.model, "amp-cf");
  EXPECT_FALSE(read.trained_on_validation);
  ModelData refitted = SmallModel();
  refitted.trained_on_validation = true;
  WriteModel(path, refitted);
  EXPECT_TRUE(ReadModel(path).trained_on_validation);
  ASSERT_EQ(read.dense.size(), 2u);
  EXPECT_EQ(read.dense[1].path, "attention/A_v");
  EXPECT_EQ(read.dense[1].values, SmallModel().dense[1].values);
}

// Models without attention maps (att_dim 0) and a tower's widths: written and read back.
TEST(ModelFile, ShapeWithoutAttentionAndWithATowerRoundTrips) {
  testing::TempDir dir;
  const std::string path = dir.Path("model.h5");
  ModelData model = SmallModel();
  model.model = "neumf";
  model.shape = ModelShape{};
  model.shape.personas = 1;
  model.shape.dim = 6;
  model.shape.SetWidths("tower", {8, 4, 2});
  model.items.assign(2 * 7, 0.5f);
  model.personas.assign(6, 1.0f);
  WriteModel(path, model);
  const ModelData read = ReadModel(path);
  EXPECT_EQ(read.shape.Size("att_dim"), 0);
  EXPECT_EQ(read.shape.Widths("tower"), (std::vector<int>{8, 4, 2}));
  WriteModel(path, SmallModel());
  EXPECT_TRUE(ReadModel(path).shape.Widths("tower").empty());  // no tower attribute: none
}

// A model's dense arrays are found by name and shape; a missing or misshapen one names the file.
TEST(ModelFile, DenseArraysAreCheckedByNameAndShape) {
  const ModelData model = SmallModel();
  EXPECT_EQ(FindDense(model, "attention/A_u", 3, 4, "m.h5").values[0], 0.25f);
  EXPECT_THROW(FindDense(model, "attention/A_u", 4, 4, "m.h5"), UserError);
  EXPECT_THROW(FindDense(model, "mlp/W1", 3, 4, "m.h5"), UserError);
}

TEST(ModelFile, TruncatedCorruptAndForeignFilesAreClearErrors) {
  testing::TempDir dir;
  const std::string path = dir.Path("model.h5");
  WriteModel(path, SmallModel());
  const std::string truncated = dir.Path("truncated.h5");
  std::filesystem::copy_file(path, truncated);
  std::filesystem::resize_file(truncated, std::filesystem::file_size(path) / 2);
  EXPECT_THROW(ReadModel(truncated), UserError);
  const std::string garbage = dir.File("garbage.h5", "this is not hdf5 at all");
  try {
    ReadModel(garbage);
    FAIL();
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("garbage.h5"), std::string::npos);
  }
  EXPECT_THROW(ReadModel(dir.Path("missing.h5")), UserError);
  // An HDF5 file that is not an ampcf model.
  const std::string foreign = dir.Path("foreign.h5");
  { h5::Handle file = h5::CreateFile(foreign); h5::WriteAttribute(file.get(), "format", std::string("other")); }
  EXPECT_THROW(ReadModel(foreign), UserError);
  // A future version is refused rather than misread.
  const std::string future = dir.Path("future.h5");
  {
    h5::Handle file = h5::CreateFile(future);
    h5::WriteAttribute(file.get(), "format", std::string("ampcf-model"));
    h5::WriteAttribute(file.get(), "version", std::int64_t{99});
  }
  try {
    ReadModel(future);
    FAIL();
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("version 99"), std::string::npos);
  }
}

}  // namespace
}  // namespace ampcf
