// NeuMF, GMF and MLP through the model interface: finite-difference gradients, hand-computed
// logits and losses, the scorer against the hand computation, the model file's arrays.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "models/flat_table.h"
#include "models/neumf/neumf.h"
#include "models/registry.h"
#include "io/model_file.h"
#include "tests/finite_difference.h"
#include "tests/test_util.h"

namespace ampcf {
namespace {

double Softplus(double x) { return std::log1p(std::exp(x)); }

TrainConfig SmallConfig(const std::string& model) {
  TrainConfig config;
  config.model = model;
  config.dim = 3;
  config.model_options.Set("mlp_layers", "4,3,2");
  config.l2_example = 0.2;
  config.l2_user_factor = 1.5;
  config.seed = 5;
  return config;
}

// Two users, five items, three positives with two negatives each; rows drawn at random.
struct Problem {
  TrainConfig config;
  Batch batch;
  std::vector<float> users, items, tower;

  explicit Problem(const std::string& model) : config(SmallConfig(model)) {
    const NeuMf shape_of(config, 5);
    const int d = shape_of.shape().dim;
    batch.candidates = 3;
    batch.user = {0, 1, 0};
    batch.item = {0, 2, 3, 1, 2, 4, 2, 0, 4};
    batch.users = {10, 11};
    batch.items = {3, 5, 7, 8, 9};
    batch.gradient_scale = 0.5;
    users.resize(batch.users.size() * d);
    items.resize(batch.items.size() * (d + 1));
    tower.resize(kFlatRowWidth * ((shape_of.layout().size + kFlatRowWidth - 1) / kFlatRowWidth));
    FillNormal(users.data(), static_cast<int>(users.size()), 0.7, 1, 1, 0);
    FillNormal(items.data(), static_cast<int>(items.size()), 0.7, 1, 2, 0);
    FillNormal(tower.data(), static_cast<int>(shape_of.layout().size), 0.7, 1, 3, 0);
    for (std::size_t j = 0; j < batch.items.size(); ++j) items[j * (d + 1) + d] = 0;  // NeuMF's item bias stays 0
  }
  BatchStats Run(NeuMf& model, const float*& user_gradients, std::vector<const float*>& server_gradients) const {
    return model.ForwardBackward(batch, users.data(), {items.data(), tower.data()}, user_gradients, server_gradients);
  }
  double Loss() const {
    NeuMf model(config, 10);
    const float* unused = nullptr;
    std::vector<const float*> unused_server;
    return Run(model, unused, unused_server).loss;
  }
};

class NeuMfGradients : public ::testing::TestWithParam<const char*> {};

TEST_P(NeuMfGradients, MatchFiniteDifferences) {
  Problem p(GetParam());
  NeuMf model(p.config, 10);
  const float* user_gradients = nullptr;
  std::vector<const float*> server_gradients;
  p.Run(model, user_gradients, server_gradients);
  const std::vector<float> users(user_gradients, user_gradients + p.users.size());
  const std::vector<float> items(server_gradients[0], server_gradients[0] + p.items.size());
  const std::vector<float> tower(server_gradients[1], server_gradients[1] + p.tower.size());
  const auto loss = [&] { return p.Loss(); };
  testing::CheckAgainstFiniteDifferences(loss, p.users, users.data(), "users", p.batch.gradient_scale);
  testing::CheckAgainstFiniteDifferences(loss, p.items, items.data(), "items", p.batch.gradient_scale);
  testing::CheckAgainstFiniteDifferences(loss, p.tower, tower.data(), "tower", p.batch.gradient_scale);
}

INSTANTIATE_TEST_SUITE_P(Models, NeuMfGradients, ::testing::Values("neumf", "gmf", "mlp"));

// One user, two items (a positive and a negative), a GMF of 1 factor and an MLP of widths 2, 1:
//   user [p_g, p_m] = [2, 1]; items [q_g, q_m, b] = [0.5, 3, 0] and [-1, -2, 0]
//   W_1 = [1; -0.5], c_1 = 0.25, h = [2, -1], h_0 = 0.1
//   positive: g = 1,  a_1 = relu(1 - 1.5 + 0.25) = 0,   y = 2 - 0 + 0.1 = 2.1
//   negative: g = -2, a_1 = relu(1 + 1 + 0.25) = 2.25,  y = -4 - 2.25 + 0.1 = -6.15
struct HandCase {
  TrainConfig config;
  std::vector<float> user = {2, 1}, items = {0.5f, 3, 0, -1, -2, 0}, tower;
  HandCase() {
    config.model = "neumf";
    config.dim = 1;
    config.model_options.Set("mlp_layers", "2,1");
    config.l2_example = 0;
    tower.assign(kFlatRowWidth, 0.0f);
    const float theta[] = {1, -0.5f, 0.25f, 2, -1, 0.1f};  // W_1 (2 x 1), c_1, h, h_0
    std::copy(std::begin(theta), std::end(theta), tower.begin());
  }
};

TEST(NeuMf, LogitsAndLossMatchAHandComputation) {
  HandCase hand;
  NeuMf model(hand.config, 2);
  ASSERT_EQ(model.layout().size, 6u);
  Batch batch;
  batch.candidates = 2;
  batch.user = {0};
  batch.item = {0, 1};
  batch.users = {0};
  batch.items = {0, 1};
  const float* user_gradients = nullptr;
  std::vector<const float*> server_gradients;
  const BatchStats stats =
      model.ForwardBackward(batch, hand.user.data(), {hand.items.data(), hand.tower.data()}, user_gradients, server_gradients);
  // Log loss: softplus(y) - y for the positive, softplus(y) for the negative.
  EXPECT_NEAR(stats.loss, Softplus(2.1) - 2.1 + Softplus(-6.15), 1e-6);
  EXPECT_EQ(server_gradients[0][2], 0.0f);  // the item bias is not a parameter of NeuMF
  EXPECT_EQ(server_gradients[0][5], 0.0f);
}

TEST(NeuMf, ScorerGivesTheHandComputedLogits) {
  HandCase hand;
  NeuMf model(hand.config, 2);
  const auto scorer = model.MakeScorer({hand.items.data(), hand.tower.data()}, 2);
  std::vector<float> all, some, attention;
  scorer->Score(hand.user.data(), {}, all, &attention);
  EXPECT_NEAR(all[0], 2.1f, 1e-6);
  EXPECT_NEAR(all[1], -6.15f, 1e-6);
  EXPECT_EQ(attention, (std::vector<float>{1, 1}));
  scorer->Score(hand.user.data(), {1}, some);
  EXPECT_NEAR(some[0], -6.15f, 1e-6);
  EXPECT_EQ(scorer->personas(), 1);
}

TEST(NeuMf, ScoreBlockEqualsScorePerUser) {
  for (const char* name : {"neumf", "gmf", "mlp"}) {
    Problem p(name);
    NeuMf model(p.config, 5);
    const auto scorer = model.MakeScorer({p.items.data(), p.tower.data()}, 5);
    std::vector<float> block, one;
    scorer->ScoreBlock(p.users.data(), 2, block);
    for (int u = 0; u < 2; ++u) {
      scorer->Score(p.users.data() + u * model.shape().dim, {}, one);
      for (int j = 0; j < 5; ++j) EXPECT_NEAR(block[u * 5 + j], one[j], 1e-5) << name;
    }
  }
}

TEST(NeuMf, ModelFileArraysRoundTripAndTheShapeNamesTheModel) {
  for (const char* name : {"neumf", "gmf", "mlp"}) {
    Problem p(name);
    NeuMf model(p.config, 5);
    ModelData data;
    data.item_ids = {1, 2, 3, 4, 5};
    model.ExportTables({p.items.data(), p.tower.data()}, data);
    EXPECT_EQ(data.model, name);
    const std::unique_ptr<Model> loaded = ModelOf(data, "model.h5");
    EXPECT_EQ(loaded->name(), name);
    const std::vector<std::vector<float>> tables = loaded->ImportTables(data, "model.h5");
    EXPECT_EQ(tables[0], p.items);
    EXPECT_EQ(tables[1], p.tower);
  }
}

TEST(NeuMf, AnOddMlpInputWidthIsRefusedNamingTheOption) {
  TrainConfig config = SmallConfig("neumf");
  config.model_options.Set("mlp_layers", "5,3");
  try {
    NeuMf model(config, 5);
    FAIL() << "accepted an odd input width";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("--mlp-layers 5,3"), std::string::npos) << error.what();
  }
}

TEST(NeuMf, InitialTowerFollowsGlorotAndLeCunWithZeroBiases) {
  TrainConfig config = SmallConfig("neumf");
  config.model_options.Set("mlp_layers", "64,32");
  config.dim = 16;
  NeuMf model(config, 5);
  const TableSpec& tower = model.tables()[2];
  const TowerLayout& layout = model.layout();
  std::vector<float> theta(tower.rows * tower.width);
  for (std::int64_t r = 0; r < tower.rows; ++r) tower.init(r, theta.data() + r * tower.width);
  double sum_w = 0;
  for (std::size_t i = layout.weights[0]; i < layout.biases[0]; ++i) sum_w += theta[i] * theta[i];
  EXPECT_NEAR(std::sqrt(sum_w / (64 * 32)), std::sqrt(2.0 / 96), 0.01);
  for (int c = 0; c < 32; ++c) EXPECT_EQ(theta[layout.biases[0] + c], 0.0f);
  EXPECT_EQ(theta[layout.output_bias], 0.0f);
  for (std::size_t i = layout.size; i < theta.size(); ++i) EXPECT_EQ(theta[i], 0.0f);
}

// NCF's pretraining: a GMF of 2 factors and an MLP of widths 2, 3 (embedding 1), 2 users, 3 items.
struct PretrainedFiles {
  testing::TempDir dir;
  ModelData gmf, mlp;
  PretrainedFiles() {
    for (ModelData* model : {&gmf, &mlp}) {
      model->dataset = "toy";
      model->item_ids = {10, 20, 30};
      model->user_ids = {1, 2};
    }
    gmf.model = "gmf";
    gmf.shape = ModelShape{1, 2, 0, {}};  // r = 1, d = 2, no sizes
    gmf.items = {1, 2, 0, 3, 4, 0, 5, 6, 0};
    gmf.personas = {0.1f, 0.2f, 0.3f, 0.4f};
    gmf.dense = {{"output/h", 1, 2, {0.6f, 0.8f}}, {"output/h0", 1, 1, {0.2f}}};
    mlp.model = "mlp";
    mlp.shape = ModelShape{1, 1, 0, {{"tower", "2,3"}}};
    mlp.items = {-1, 0, -2, 0, -3, 0};
    mlp.personas = {-0.5f, -0.7f};
    mlp.dense = {{"mlp/W1", 2, 3, {1, 2, 3, 4, 5, 6}}, {"mlp/c1", 1, 3, {7, 8, 9}},
                 {"output/h", 1, 3, {2, 4, 6}}, {"output/h0", 1, 1, {1.0f}}};
    WriteModel(dir.Path("gmf.h5"), gmf);
    WriteModel(dir.Path("mlp.h5"), mlp);
  }
  TrainConfig Config(const std::string& files) const {
    TrainConfig config;
    config.model = "neumf";
    config.dim = 2;
    config.model_options.Set("mlp_layers", "2,3");
    config.pretrained = files;
    return config;
  }
};

std::vector<float> InitialRow(const TableSpec& table, std::int64_t key) {
  std::vector<float> row(table.width, 0.0f);
  table.init(key, row.data());
  return row;
}

TEST(NeuMf, PretrainedStartPutsGmfAndMlpSideBySideWithHalfOfEachOutput) {
  PretrainedFiles files;
  const NeuMf model(files.Config(files.dir.Path("gmf.h5") + "," + files.dir.Path("mlp.h5")), 3);
  EXPECT_EQ(InitialRow(model.tables()[0], 1), (std::vector<float>{0.3f, 0.4f, -0.7f}));
  EXPECT_EQ(InitialRow(model.tables()[1], 2), (std::vector<float>{5, 6, -3, 0}));
  std::vector<float> theta = InitialRow(model.tables()[2], 0);
  theta.resize(model.layout().size);
  // W_1, c_1 of MLP; h = [0.5 h_GMF, 0.5 h_MLP]; h_0 = 0.5 (0.2 + 1).
  EXPECT_EQ(theta, (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 0.3f, 0.4f, 1, 2, 3, 0.6f}));
}

TEST(NeuMf, PretrainedFilesOfTheWrongKindOrShapeAreRefusedNamingTheFile) {
  PretrainedFiles files;
  const std::string gmf = files.dir.Path("gmf.h5"), mlp = files.dir.Path("mlp.h5");
  const auto refusal = [&](const TrainConfig& config) {
    try {
      NeuMf model(config, 3);
    } catch (const UserError& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(refusal(files.Config(mlp + "," + gmf)).find("--pretrained " + mlp + ": a mlp model"), std::string::npos);
  EXPECT_NE(refusal(files.Config(gmf)).find("give GMF.h5,MLP.h5"), std::string::npos);
  TrainConfig wider = files.Config(gmf + "," + mlp);
  wider.dim = 4;
  EXPECT_NE(refusal(wider).find("has --dim 2; this run has --dim 4"), std::string::npos);
  EXPECT_NE(refusal(files.Config(gmf + "," + mlp)).find("accepted"), std::string::npos);
}

}  // namespace
}  // namespace ampcf
