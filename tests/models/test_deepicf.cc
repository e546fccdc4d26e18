// FISM and DeepICF+a through the model interface: finite-difference gradients, hand-computed
// pooling and scores, the user's item sample, the model file's arrays, FISM pretraining.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "io/model_file.h"
#include "models/deepicf/deepicf.h"
#include "models/flat_table.h"
#include "models/registry.h"
#include "tests/finite_difference.h"
#include "tests/test_util.h"

namespace ampcf {
namespace {

double Softplus(double x) { return std::log1p(std::exp(x)); }

TrainConfig SmallConfig(const std::string& model) {
  TrainConfig config;
  config.model = model;
  config.dim = 3;
  config.model_options.Set("att_dim", 2);
  config.model_options.Set("mlp_layers", "3,2");
  config.model_options.Set("history_items", 4);
  config.seed = 5;
  return config;
}

// Two users with histories that hold some of the batch's items (left out when scored), five
// items in the batch, three positives with two negatives each; rows drawn at random.
struct Problem {
  TrainConfig config;
  Batch batch;
  std::vector<float> users = {3, 4, 9, -1, 5, 6, 7, 8};  // the users' item samples
  std::vector<float> items, context, network;

  explicit Problem(const std::string& model) : config(SmallConfig(model)) {
    const DeepIcf shape_of(config, 10);
    const int d = config.dim;
    batch.candidates = 3;
    batch.user = {0, 1, 0};
    batch.item = {0, 2, 3, 1, 2, 4, 4, 0, 1};
    batch.users = {10, 11};
    batch.items = {3, 5, 7, 8, 9};
    batch.gradient_scale = 0.5;
    items.resize(batch.items.size() * (d + 1));
    context.resize(7 * d);  // items 3 .. 9
    FillNormal(items.data(), static_cast<int>(items.size()), 0.7, 1, 2, 0);
    FillNormal(context.data(), static_cast<int>(context.size()), 0.7, 1, 3, 0);
    if (shape_of.attention()) {
      network.assign(FlatRows(shape_of.network_size()) * kFlatRowWidth, 0.0f);
      FillNormal(network.data(), static_cast<int>(shape_of.network_size()), 0.7, 1, 4, 0);
    }
  }
  std::vector<const float*> Servers() const {
    std::vector<const float*> rows = {items.data(), context.data()};
    if (!network.empty()) rows.push_back(network.data());
    return rows;
  }
  BatchStats Run(DeepIcf& model, const float*& user_gradients, std::vector<const float*>& server_gradients) const {
    return model.ForwardBackward(batch, users.data(), Servers(), user_gradients, server_gradients);
  }
  double Loss() const {
    DeepIcf model(config, 10);
    const float* unused = nullptr;
    std::vector<const float*> unused_server;
    return Run(model, unused, unused_server).loss;
  }
};

class DeepIcfGradients : public ::testing::TestWithParam<const char*> {};

TEST_P(DeepIcfGradients, MatchFiniteDifferences) {
  Problem p(GetParam());
  DeepIcf model(p.config, 10);
  std::vector<std::vector<std::int32_t>> keys;
  model.RowsRead(p.batch, p.users.data(), keys);
  EXPECT_EQ(keys[1], (std::vector<std::int32_t>{3, 4, 5, 6, 7, 8, 9}));
  const float* user_gradients = nullptr;
  std::vector<const float*> server_gradients;
  p.Run(model, user_gradients, server_gradients);
  const std::vector<float> items(server_gradients[0], server_gradients[0] + p.items.size());
  const std::vector<float> context(server_gradients[1], server_gradients[1] + p.context.size());
  const auto loss = [&] { return p.Loss(); };
  testing::CheckAgainstFiniteDifferences(loss, p.items, items.data(), "items", p.batch.gradient_scale);
  testing::CheckAgainstFiniteDifferences(loss, p.context, context.data(), "context", p.batch.gradient_scale);
  if (model.attention()) {
    const std::vector<float> network(server_gradients[2], server_gradients[2] + p.network.size());
    testing::CheckAgainstFiniteDifferences(loss, p.network, network.data(), "network", p.batch.gradient_scale);
  }
  for (std::size_t i = 0; i < p.users.size(); ++i) EXPECT_EQ(user_gradients[i], 0.0f);  // not trained
}

INSTANTIATE_TEST_SUITE_P(Models, DeepIcfGradients, ::testing::Values("fism", "deepicf"));

// FISM, d = 2: one user of items {0, 1}; q_0 = [1, 0], q_1 = [0, 2]; p_0 = [2, 1], b_0 = 0;
// p_2 = [1, 1], b_2 = 0.5.
//   item 2 (a negative): e = 2^-0.5 [1, 2], y = 3 / sqrt 2 + 0.5
//   item 0 (the positive, in the history, so left out): e = 1^-0.5 q_1 = [0, 2], y = 2
TEST(Fism, ScoresLeaveTheScoredItemOutOfTheHistory) {
  TrainConfig config = SmallConfig("fism");
  config.dim = 2;
  config.model_options.Set("history_items", 3);
  DeepIcf model(config, 3);
  const std::vector<float> user = {0, 1, -1};
  const std::vector<float> items = {2, 1, 0, 0, 0, 0, 1, 1, 0.5f};
  const std::vector<float> context = {1, 0, 0, 2};  // keys 0, 1
  Batch batch;
  batch.candidates = 2;
  batch.user = {0};
  batch.item = {0, 1};
  batch.users = {0};
  batch.items = {0, 2};
  const std::vector<float> batch_items = {2, 1, 0, 1, 1, 0.5f};
  const float* user_gradients = nullptr;
  std::vector<const float*> server_gradients;
  const BatchStats stats =
      model.ForwardBackward(batch, user.data(), {batch_items.data(), context.data()}, user_gradients, server_gradients);
  const double negative = 3 / std::sqrt(2.0) + 0.5;
  EXPECT_NEAR(stats.loss, Softplus(2.0) - 2.0 + Softplus(negative), 1e-5);
  const auto scorer = model.MakeScorer({items.data(), context.data()}, 3);
  std::vector<float> scores;
  scorer->Score(user.data(), {2}, scores);
  EXPECT_NEAR(scores[0], negative, 1e-5);
}

// FISM's explanation of item 2 for the user above: each history item's term of the score,
// 2^-0.5 q_h . p_2: item 1 2 / sqrt 2, item 0 1 / sqrt 2.
TEST(Fism, BecauseNamesEachHistoryItemsTermOfTheScore) {
  TrainConfig config = SmallConfig("fism");
  config.dim = 2;
  config.model_options.Set("history_items", 3);
  const DeepIcf model(config, 3);
  const std::vector<float> user = {0, 1, -1};
  const std::vector<float> items = {2, 1, 0, 0, 0, 0, 1, 1, 0.5f};
  const std::vector<float> context = {1, 0, 0, 2, 0, 0};
  const auto scorer = model.MakeScorer({items.data(), context.data()}, 3);
  const auto because = scorer->Because(user.data(), 2, 3);
  ASSERT_EQ(because.size(), 2u);
  EXPECT_EQ(because[0].first, 1);
  EXPECT_NEAR(because[0].second, 2 / std::sqrt(2.0), 1e-5);
  EXPECT_EQ(because[1].first, 0);
  EXPECT_NEAR(because[1].second, 1 / std::sqrt(2.0), 1e-5);
  EXPECT_EQ(scorer->Because(user.data(), 2, 1).size(), 1u);  // at most `top`
}

// DeepICF+a's explanation: the history items by their attention weight for the scored item,
// the weights AttentionPool gives.
TEST(DeepIcf, BecauseNamesTheHistoryItemsByAttentionWeight) {
  const TrainConfig config = SmallConfig("deepicf");
  const DeepIcf model(config, 6);
  const int d = config.dim;
  std::vector<float> items(6 * (d + 1)), context(6 * d), network(model.network_size());
  FillNormal(items.data(), static_cast<int>(items.size()), 1.0, 3, 1, 0);
  FillNormal(context.data(), static_cast<int>(context.size()), 1.0, 3, 2, 0);
  FillNormal(network.data(), static_cast<int>(network.size()), 1.0, 3, 3, 0);
  const std::vector<float> user = {1, 3, 4, -1};
  const auto scorer = model.MakeScorer({items.data(), context.data(), network.data()}, 6);
  const auto because = scorer->Because(user.data(), 5, 3);
  RowMatrixXf Q(3, d);
  for (int h = 0; h < 3; ++h) Q.row(h) = Eigen::Map<const Eigen::RowVectorXf>(&context[user[h] * d], d);
  AttentionPool pool;
  Eigen::RowVectorXf e(d);
  pool.Forward(model.attention_layout(), network.data(), Q, Eigen::Map<const Eigen::RowVectorXf>(&items[5 * (d + 1)], d), e);
  ASSERT_EQ(because.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    const auto h = std::find(user.begin(), user.end(), static_cast<float>(because[k].first)) - user.begin();
    EXPECT_NEAR(because[k].second, pool.weights()[h], 1e-6);
    if (k > 0) {
      EXPECT_GE(because[k - 1].second, because[k].second);
    }
  }
}

// The attention, d = a = 1, W = 1, b = 0, w = 1, target p = 1, history q = [0, ln 3]:
// f = [0, ln 3], exp f = [1, 3], sum 4, a = exp f / 4^0.5 = [0.5, 1.5], e = 1.5 ln 3.
TEST(AttentionPool, SmoothedSoftmaxMatchesAHandComputation) {
  const AttentionLayout layout(1, 1, 0);
  const float theta[] = {1, 0, 1};
  RowMatrixXf Q(2, 1);
  Q << 0, std::log(3.0f);
  const Eigen::RowVectorXf p = Eigen::RowVectorXf::Ones(1);
  Eigen::RowVectorXf e(1);
  AttentionPool pool;
  pool.Forward(layout, theta, Q, p, e);
  EXPECT_NEAR(pool.weights()[0], 0.5f, 1e-6);
  EXPECT_NEAR(pool.weights()[1], 1.5f, 1e-6);
  EXPECT_NEAR(e[0], 1.5f * std::log(3.0f), 1e-6);
  RowMatrixXf empty(0, 1);
  pool.Forward(layout, theta, empty, p, e);
  EXPECT_EQ(e[0], 0.0f);  // no history: nothing to pool
}

TEST(SampleHistory, KeepsEveryItemWhenTheyFitAndPadsWithMinusOne) {
  const std::vector<std::int32_t> items = {2, 5, 9};
  std::vector<float> row(5);
  SampleHistory(7, items, 5, 1, row.data());
  EXPECT_EQ(row, (std::vector<float>{2, 5, 9, -1, -1}));
  std::vector<std::int32_t> back;
  HistoryOf(row.data(), 5, back);
  EXPECT_EQ(back, items);
}

TEST(SampleHistory, DrawsASortedSeededSubsetWhenTheyDoNot) {
  std::vector<std::int32_t> items(100);
  for (int i = 0; i < 100; ++i) items[i] = 3 * i;
  std::vector<float> a(10), b(10), c(10);
  SampleHistory(7, items, 10, 1, a.data());
  SampleHistory(7, items, 10, 1, b.data());
  SampleHistory(8, items, 10, 1, c.data());
  EXPECT_EQ(a, b);  // the same user and seed: the same sample on every rank
  EXPECT_NE(a, c);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::adjacent_find(a.begin(), a.end()), a.end());
  for (float id : a) EXPECT_TRUE(std::binary_search(items.begin(), items.end(), static_cast<std::int32_t>(id)));
}

TEST(DeepIcf, UserRowsAreMadeFromTheUsersItemsAndNotTrained) {
  const DeepIcf model(SmallConfig("deepicf"), 10);
  const TableSpec& users = model.tables()[0];
  ASSERT_TRUE(static_cast<bool>(users.from_items));
  EXPECT_EQ(users.width, 4);
  std::vector<float> row(4);
  const std::vector<std::int32_t> items = {1, 8};
  users.from_items(3, items, row.data());
  EXPECT_EQ(row, (std::vector<float>{1, 8, -1, -1}));
}

TEST(DeepIcf, ScorerMatchesTrainingLogitsForItemsOutsideTheHistory) {
  Problem p("deepicf");
  DeepIcf model(p.config, 10);
  // A catalogue of 10 items whose rows are the batch's (items 3, 5, 7, 8, 9) and zeros elsewhere.
  const int d = p.config.dim;
  std::vector<float> items(10 * (d + 1), 0.0f), context(10 * d, 0.0f);
  for (std::size_t j = 0; j < p.batch.items.size(); ++j)
    std::copy_n(&p.items[j * (d + 1)], d + 1, &items[p.batch.items[j] * (d + 1)]);
  std::copy(p.context.begin(), p.context.end(), context.begin() + 3 * d);
  const auto scorer = model.MakeScorer({items.data(), context.data(), p.network.data()}, 10);
  // User 1 (items 5..8) and its negative item 9, alone in a batch: the loss is softplus(y_9)
  // beside the positive 3's term; recover y_9 from the scorer and check the loss.
  Batch batch;
  batch.candidates = 2;
  batch.user = {0};
  batch.item = {0, 1};
  batch.users = {11};
  batch.items = {3, 9};
  const std::vector<float> batch_items = [&] {
    std::vector<float> rows(&items[3 * (d + 1)], &items[4 * (d + 1)]);
    rows.insert(rows.end(), &items[9 * (d + 1)], &items[10 * (d + 1)]);
    return rows;
  }();
  const std::vector<float> user(p.users.begin() + 4, p.users.end());
  const std::vector<float> batch_context(context.begin() + 5 * d, context.begin() + 9 * d);
  const float* user_gradients = nullptr;
  std::vector<const float*> server_gradients;
  const BatchStats stats = model.ForwardBackward(batch, user.data(), {batch_items.data(), batch_context.data(), p.network.data()},
                                                 user_gradients, server_gradients);
  std::vector<float> scores;
  scorer->Score(user.data(), {3, 9}, scores);
  EXPECT_NEAR(stats.loss, Softplus(scores[0]) - scores[0] + Softplus(scores[1]), 1e-5);
  EXPECT_EQ(scorer->dim(), 4);  // a user row is the sample's width
}

TEST(DeepIcf, ModelFileArraysRoundTripAndTheShapeNamesTheModel) {
  for (const char* name : {"fism", "deepicf"}) {
    Problem p(name);
    DeepIcf model(p.config, 5);
    ModelData data;
    data.item_ids = {1, 2, 3, 4, 5};
    std::vector<float> context(5 * p.config.dim);
    FillNormal(context.data(), static_cast<int>(context.size()), 1.0, 2, 2, 0);
    std::vector<const float*> tables = {p.items.data(), context.data()};
    if (model.attention()) tables.push_back(p.network.data());
    model.ExportTables(tables, data);
    EXPECT_EQ(data.model, name);
    const std::unique_ptr<Model> loaded = ModelOf(data, "model.h5");
    EXPECT_EQ(loaded->name(), name);
    EXPECT_EQ(loaded->shape(), model.shape());
    const std::vector<std::vector<float>> back = loaded->ImportTables(data, "model.h5");
    EXPECT_EQ(back[0], p.items);
    EXPECT_EQ(back[1], context);
    if (model.attention()) {
      EXPECT_EQ(back[2], p.network);
    }
  }
}

TEST(DeepIcf, ATowerThatDoesNotStartAtDimIsRefusedNamingTheOption) {
  TrainConfig config = SmallConfig("deepicf");
  config.model_options.Set("mlp_layers", "4,2");
  try {
    DeepIcf model(config, 5);
    FAIL() << "accepted a tower of another input width";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("--mlp-layers 4,2"), std::string::npos) << error.what();
  }
  config.model_options.Set("mlp_layers", "");
  config.dim = 64;
  EXPECT_EQ(DeepIcf(config, 5).shape().Widths("tower"), (std::vector<int>{64, 32, 16}));
}

TEST(DeepIcf, PretrainingStartsFromFismsRowsAndRefusesAnotherModel) {
  testing::TempDir dir;
  ModelData fism;
  fism.model = "fism";
  fism.dataset = "toy";
  fism.shape = DeepIcf(SmallConfig("fism"), 2).shape();
  fism.item_ids = {10, 20};
  fism.user_ids = {1};
  fism.personas = {0, 1, -1, -1};
  fism.items = {1, 2, 3, 0.5f, 4, 5, 6, -0.5f};
  fism.dense = {{"context/q", 2, 3, {7, 8, 9, 10, 11, 12}}};
  WriteModel(dir.Path("fism.h5"), fism);
  TrainConfig config = SmallConfig("deepicf");
  config.pretrained = dir.Path("fism.h5");
  const DeepIcf model(config, 2);
  std::vector<float> row(4);
  model.tables()[1].init(1, row.data());
  EXPECT_EQ(row, (std::vector<float>{4, 5, 6, -0.5f}));
  row.assign(3, 0);
  model.tables()[2].init(0, row.data());
  EXPECT_EQ(row, (std::vector<float>{7, 8, 9}));
  config.dim = 4;
  config.model_options.Set("mlp_layers", "4");
  try {
    DeepIcf wider(config, 2);
    FAIL() << "accepted a FISM of another --dim";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("has --dim 3"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace ampcf
