// Fold-in (worker/fold_in.h), of the dataset's users and of a file's, and reading a model file's training options back
// (options/config.h: TrainConfigFromDescription), without MPI.
#include <gtest/gtest.h>

#include <functional>
#include <numeric>
#include <string>

#include "core/error.h"
#include "data/dataset.h"
#include "data/id_lookup.h"
#include "data/synthetic.h"
#include "data/user_items_file.h"
#include "models/amp/amp_options.h"
#include "models/registry.h"
#include "options/config.h"
#include "tests/test_util.h"
#include "worker/batch_builder.h"
#include "worker/fold_in.h"

namespace ampcf {
namespace {

Dataset SmallData() {
  SyntheticSpec spec;
  spec.users = 40;
  spec.items = 60;
  return Prepare(GenerateSynthetic(spec).raw, DataConfig());
}

// The dataset's original id of dense item j, as a file names it.
std::string Id(const Dataset& data, std::int32_t j) { return std::to_string(data.item_ids[j]); }

// Fold-in of `steps` steps at `lr`, the other options their defaults.
FoldInOptions StepsAt(int steps, double lr) {
  FoldInOptions options;
  options.steps = steps;
  options.lr = lr;
  return options;
}

// Every server table of `model` as its initialiser makes it: the item side of an untrained model.
std::vector<std::vector<float>> InitialTables(const Model& model) {
  std::vector<std::vector<float>> tables;
  for (const TableSpec& spec : ServerTables(model)) {
    tables.emplace_back(static_cast<std::size_t>(spec.rows * spec.width), 0.0f);
    for (std::int64_t key = 0; key < spec.rows; ++key) spec.init(key, &tables.back()[key * spec.width]);
  }
  return tables;
}

// The model's training loss over every positive of `users` with their rows `rows` (the same
// draw of negatives each call).
double Loss(Model& model, const TrainConfig& config, const std::vector<std::vector<float>>& tables, const Dataset& data,
            const std::vector<std::int32_t>& users, const std::vector<float>& rows) {
  BatchOptions options;
  options.negatives = config.negatives;
  options.log_q = config.softmax_correction == "logq";
  BatchBuilder builder(data, users, options);
  builder.Shuffle(0);
  Batch batch;
  builder.Build(0, 0, 0, builder.n_pairs(), batch);
  const int width = UserTable(model).width;
  std::vector<float> user_rows;
  for (std::int32_t local : batch.users) user_rows.insert(user_rows.end(), &rows[local * width], &rows[(local + 1) * width]);
  std::vector<std::vector<std::int32_t>> keys;
  model.RowsRead(batch, nullptr, keys);
  std::vector<std::vector<float>> read(keys.size());
  std::vector<const float*> pointers;
  const std::vector<TableSpec> specs = ServerTables(model);
  for (std::size_t t = 0; t < keys.size(); ++t) {
    for (std::int32_t key : keys[t])
      read[t].insert(read[t].end(), &tables[t][key * specs[t].width], &tables[t][(key + 1) * specs[t].width]);
    pointers.push_back(read[t].data());
  }
  const float* user_gradients = nullptr;
  std::vector<const float*> server_gradients;
  return model.ForwardBackward(batch, user_rows.data(), pointers, user_gradients, server_gradients).loss;
}

TEST(FoldIn, LowersTheTrainingLossOfTheFoldedUsers) {
  const Dataset data = SmallData();
  TrainConfig config;
  config.model_options.Set("personas", 2);
  config.dim = 8;
  config.model_options.Set("att_dim", 8);
  const std::unique_ptr<Model> model = MakeModel(config, data.n_items);
  const auto tables = InitialTables(*model);
  const std::vector<std::int32_t> users = {3, 4, 5};
  const int width = UserTable(*model).width;
  std::vector<float> start(users.size() * width, 0.0f);
  for (std::size_t i = 0; i < users.size(); ++i) UserTable(*model).init(users[i], &start[i * width]);
  EXPECT_EQ(FoldInUsers(*model, config, tables, data, users, StepsAt(0, 0.01)), start)
      << "no steps: the rows training starts from";
  const std::vector<float> folded = FoldInUsers(*model, config, tables, data, users, StepsAt(30, 0.05));
  EXPECT_LT(Loss(*model, config, tables, data, users, folded), Loss(*model, config, tables, data, users, start) - 0.1);
}

TEST(FoldIn, SameSeedSameRowsAnotherSeedOthers) {
  const Dataset data = SmallData();
  TrainConfig config;
  config.model_options.Set("personas", 1);
  config.dim = 8;
  const std::unique_ptr<Model> model = MakeModel(config, data.n_items);
  const auto tables = InitialTables(*model);
  const std::vector<std::int32_t> users = {0, 7};
  const FoldInOptions options = StepsAt(5, 0.01);
  FoldInOptions other = options;
  other.seed = 2;
  EXPECT_EQ(FoldInUsers(*model, config, tables, data, users, options),
            FoldInUsers(*model, config, tables, data, users, options));
  EXPECT_NE(FoldInUsers(*model, config, tables, data, users, options),
            FoldInUsers(*model, config, tables, data, users, other));
}

TEST(FoldIn, ItemBasedUsersAreTheirItems) {
  const Dataset data = SmallData();
  TrainConfig config;
  config.model = "fism";
  config.dim = 8;
  const std::unique_ptr<Model> model = MakeModel(config, data.n_items);
  const TableSpec& spec = UserTable(*model);
  ASSERT_TRUE(spec.from_items);
  std::vector<float> expected(spec.width, 0.0f);
  spec.from_items(2, data.TrainItems(2), expected.data());
  EXPECT_EQ(FoldInUsers(*model, config, InitialTables(*model), data, {2}, FoldInOptions{}), expected);
}

TEST(FoldIn, AFileUsersRowDependsOnTheirItemsAndKeysAlone) {
  const Dataset data = SmallData();
  TrainConfig config;
  config.model_options.Set("personas", 2);
  config.dim = 12;  // rows of 24 floats: the second user's row starts 32 bytes off the first's alignment
  config.model_options.Set("att_dim", 12);
  const std::unique_ptr<Model> model = MakeModel(config, data.n_items);
  const auto tables = InitialTables(*model);
  testing::TempDir dir;
  const std::string ann = "ann " + Id(data, 1) + "\nann " + Id(data, 4) + "\n";
  const UserItems both = ReadUserItems("--new-users", dir.File("both.txt", "bob " + Id(data, 2) + "\n" + ann), IdLookup(data));
  const UserItems alone = ReadUserItems("--new-users", dir.File("ann.txt", ann), IdLookup(data));
  FoldInOptions options;
  options.steps = 20;
  options.lr = 0.05;
  options.start_key = [](std::int32_t) { return std::int64_t{1000}; };
  const auto fold = [&](const UserItems& file, UserRange range) {
    options.seed_key = [&](std::int32_t u) { return std::hash<std::string>()(file.users[static_cast<std::size_t>(u)]); };
    const Dataset users = UsersOfFile(data, file, range);
    return FoldInUsers(*model, config, tables, users, HeldUsers(users), options);
  };
  const std::vector<float> both_rows = fold(both, {0, 2}), ann_alone = fold(alone, {0, 1});
  const std::vector<float> ann_beside_bob(both_rows.begin() + static_cast<std::ptrdiff_t>(ann_alone.size()), both_rows.end());
  EXPECT_EQ(ann_beside_bob, ann_alone);
  std::vector<float> start(ann_alone.size());
  UserTable(*model).init(1000, start.data());
  EXPECT_NE(ann_alone, start) << "the row moved from the start key's row";
}

TEST(TrainConfigFromDescription, ReadsBackWhatDescribeWrote) {
  TrainConfig config;
  config.model = "neumf";
  config.model_options.Set("personas", 3);
  config.lr = 0.0025;
  config.exclude_seen = true;
  config.model_options.Set("mlp_layers", "32,16,8");
  config.seed = 1234567890123ULL;
  const TrainConfig read = TrainConfigFromDescription(Describe(DataConfig(), config));
  EXPECT_EQ(read.model, "neumf");
  EXPECT_EQ(*read.model_options.Find("personas"), "3");
  EXPECT_DOUBLE_EQ(read.lr, 0.0025);
  EXPECT_TRUE(read.exclude_seen);
  EXPECT_EQ(*read.model_options.Find("mlp_layers"), "32,16,8");
  EXPECT_EQ(read.seed, 1234567890123ULL);
  EXPECT_EQ(TrainConfigFromDescription("").lr, TrainConfig().lr) << "absent options keep their defaults";
  EXPECT_TRUE(TrainConfigFromDescription("").model_options.all().empty());
}

TEST(TrainConfigFromDescription, AValueOfTheWrongTypeNamesTheOption) {
  try {
    TrainConfigFromDescription("lr = fast\n");
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("lr"), std::string::npos) << error.what();
  }
  // A model's option is text until the model reads it.
  const TrainConfig read = TrainConfigFromDescription("personas = two\n");
  try {
    AmpOptions::From(read.model_options);
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("personas"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace ampcf
