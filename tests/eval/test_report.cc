// The evaluation report: its ranks agree with eval/ranking.h, its lists exclude training items
// and are ordered by score, each explanation is the persona with the highest attention, and the
// beyond-accuracy figures hold on hand-made cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>

#include "eval/aisp.h"
#include "eval/explain.h"
#include "eval/popularity.h"
#include "eval/ranking.h"
#include "eval/report.h"
#include "io/hdf5_util.h"
#include "models/amp/amp_model.h"
#include "models/registry.h"
#include "core/rng.h"
#include "data/synthetic.h"
#include "tests/test_util.h"

namespace ampcf {
namespace {

// A one-persona AMP-CF model of dimension 4 with seeded random rows for `data`'s users and items.
// `data` must outlive it.
class RandomModel {
 public:
  explicit RandomModel(const Dataset& data) {
    shape_.personas = 1;
    shape_.dim = 4;
    shape_.SetSize("att_dim", 2);
    items_.resize(static_cast<std::size_t>(data.n_items) * shape_.item_width());
    users_.resize(static_cast<std::size_t>(data.n_users) * 4);
    FillNormal(items_.data(), static_cast<int>(items_.size()), 0.5, 1, 1, 0);
    FillNormal(att_.data(), 8, 1.0, 1, 2, 0);
    FillNormal(users_.data(), static_cast<int>(users_.size()), 0.5, 1, 4, 0);
    scorer_ = std::make_unique<AmpScorer>(shape_, items_.data(), data.n_items, att_.data(), att_.data());
  }
  const AmpScorer& scorer() const { return *scorer_; }
  // User u's row, as EvaluateReport's user_rows wants it.
  std::function<const float*(std::int32_t)> rows() const {
    return [this](std::int32_t u) { return &users_[static_cast<std::size_t>(u) * 4]; };
  }

 private:
  ModelShape shape_;
  std::vector<float> items_, users_, att_ = std::vector<float>(8);
  std::unique_ptr<AmpScorer> scorer_;
};

TEST(Report, GiniOfKnownCounts) {
  EXPECT_NEAR(Gini({1, 1, 1, 1}), 0.0, 1e-12);
  EXPECT_NEAR(Gini({0, 0, 0, 10}), 0.75, 1e-12);  // all on one of four items: (n - 1) / n
  EXPECT_NEAR(Gini({0, 0, 0, 0}), 0.0, 1e-12);
}

// A --refit model trained on the validation items: its top-K lists leave them out.
TEST(Report, TopListsOfARefittedModelLeaveOutTheValidationItems) {
  SyntheticSpec spec;
  spec.users = 60;
  spec.items = 30;  // a small catalogue: top-20 lists would hold most validation items
  const Dataset data = Prepare(GenerateSynthetic(spec).raw, DataConfig());
  const RandomModel model(data);
  const AmpScorer& scorer = model.scorer();
  const auto rows = model.rows();
  std::vector<std::int32_t> all(data.n_users);
  for (std::int32_t u = 0; u < data.n_users; ++u) all[u] = u;
  TasteOptions taste_options;
  taste_options.components = 4;
  taste_options.clusters = 3;
  const TasteSpace taste = BuildTasteSpace(data, taste_options);
  testing::TempDir dir;
  auto validation_items_listed = [&](bool exclude) {
    ReportOptions options;
    options.top_k = 20;
    options.path = dir.Path(exclude ? "refit.h5" : "plain.h5");
    options.exclude_validation = exclude;
    EvaluateReport(scorer, data, taste, all, rows, options, MPI_COMM_SELF);
    h5::Handle file = h5::OpenFileReadOnly(options.path);
    const std::vector<std::int64_t> top = h5::ReadInts(file.get(), "/users/top_items", options.path);
    int listed = 0;
    for (std::int32_t u = 0; u < data.n_users; ++u)
      for (int i = 0; i < options.top_k; ++i)
        listed += data.val_item[u] >= 0 && top[static_cast<std::size_t>(u) * options.top_k + i] == data.item_ids[data.val_item[u]];
    return listed;
  };
  EXPECT_GT(validation_items_listed(false), 0);  // the check can see them
  EXPECT_EQ(validation_items_listed(true), 0);
  const Explanation explained = Explain(scorer, data, 0, rows(0), 20, /*exclude_validation=*/true);
  for (const Explained& e : explained.recommendations) EXPECT_NE(e.item, data.val_item[0]);
}

TEST(Report, AgreesWithRankingAndExplainsByAttention) {
  SyntheticSpec spec;
  spec.users = 200;
  spec.items = 120;
  const Dataset data = Prepare(GenerateSynthetic(spec).raw, DataConfig());
  ModelShape shape;
  shape.personas = 3;
  shape.dim = 8;
  shape.SetSize("att_dim", 4);
  std::vector<float> items(static_cast<std::size_t>(data.n_items) * shape.item_width()), att_u(32), att_v(32),
      users(static_cast<std::size_t>(data.n_users) * 3 * 8);
  FillNormal(items.data(), static_cast<int>(items.size()), 0.5, 1, 1, 0);
  FillNormal(att_u.data(), 32, 1.0, 1, 2, 0);
  FillNormal(att_v.data(), 32, 1.0, 1, 3, 0);
  FillNormal(users.data(), static_cast<int>(users.size()), 0.5, 1, 4, 0);
  AmpScorer scorer(shape, items.data(), data.n_items, att_u.data(), att_v.data());
  auto rows = [&](std::int32_t u) { return &users[static_cast<std::size_t>(u) * 24]; };
  std::vector<std::int32_t> all(data.n_users);
  for (std::int32_t u = 0; u < data.n_users; ++u) all[u] = u;
  TasteOptions taste_options;
  taste_options.components = 10;
  taste_options.clusters = 5;
  const TasteSpace taste = BuildTasteSpace(data, taste_options);

  testing::TempDir dir;
  ReportOptions options;
  options.top_k = 7;
  options.path = dir.File("eval.h5", "");
  const Summary summary = EvaluateReport(scorer, data, taste, all, rows, options, MPI_COMM_SELF);
  const EvalTotals totals = EvaluateUsers(scorer, data, all, rows, HeldOut::kTest, true);
  EXPECT_NEAR(summary.at("hr@10"), totals.sampled.hr(), 1e-12);
  EXPECT_NEAR(summary.at("ndcg@10"), totals.sampled.ndcg_mean(), 1e-12);
  EXPECT_NEAR(summary.at("full_hr@10"), totals.full.hr(), 1e-12);
  EXPECT_NEAR(summary.at("full_ndcg@10"), totals.full.ndcg_mean(), 1e-12);
  {
    // The retrieval figures from eval.h5's per-user full ranks: Recall@K is the share of users
    // whose test item ranks in their top K of every unseen item.
    h5::Handle file = h5::OpenFileReadOnly(options.path);
    const std::vector<std::int64_t> ranks = h5::ReadInts(file.get(), "/users/full_rank", options.path);
    RankingSums at20, at50;
    for (std::int64_t rank : ranks) {
      at20.Add(rank, 20);
      at50.Add(rank, 50);
    }
    EXPECT_NEAR(summary.at("full_recall@20"), at20.hr(), 1e-12);
    EXPECT_NEAR(summary.at("full_recall@50"), at50.hr(), 1e-12);
    EXPECT_NEAR(summary.at("full_ndcg@50"), at50.ndcg_mean(), 1e-12);
    EXPECT_LE(summary.at("full_hr@10"), summary.at("full_recall@20"));
    EXPECT_LT(summary.at("full_recall@20"), summary.at("full_recall@50")) << "120 items: some rank in 20-49";
  }
  EXPECT_GT(summary.at("coverage"), 0.0);
  EXPECT_LE(summary.at("coverage"), 1.0);

  h5::Handle file = h5::OpenFileReadOnly(options.path);
  const std::vector<std::int64_t> ids = h5::ReadInts(file.get(), "/users/ids", options.path);
  const std::vector<std::int64_t> top = h5::ReadInts(file.get(), "/users/top_items", options.path);
  const std::vector<std::int64_t> persona = h5::ReadInts(file.get(), "/users/top_persona", options.path);
  const std::vector<float> scores = h5::ReadFloats(file.get(), "/users/top_scores", options.path);
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(data.n_users));
  ASSERT_EQ(top.size(), ids.size() * 7);
  std::vector<float> user_scores, attention;
  for (std::int32_t u = 0; u < data.n_users; ++u) {
    ASSERT_EQ(ids[u], data.user_ids[u]);  // rows in dense user order
    scorer.Score(rows(u), {}, user_scores, &attention);
    for (int i = 0; i < 7; ++i) {
      const auto dense = std::lower_bound(data.item_ids.begin(), data.item_ids.end(), top[u * 7 + i]) - data.item_ids.begin();
      EXPECT_FALSE(IsTrainItem(data, u, static_cast<std::int32_t>(dense))) << "user " << u;
      EXPECT_NEAR(scores[u * 7 + i], user_scores[dense], 1e-5);
      if (i > 0) {
        EXPECT_GE(scores[u * 7 + i - 1], scores[u * 7 + i]);
      }
      const float* a = &attention[static_cast<std::size_t>(dense) * 3];
      EXPECT_EQ(persona[u * 7 + i], std::max_element(a, a + 3) - a);
    }
  }
}

// --eval-users: the sampled protocol still covers every user; full ranking, the lists and the
// eval.h5 rows cover the sample, the same users as EvaluateUsers ranks fully.
TEST(Report, EvalUsersSampleCoversFullRankingOnly) {
  SyntheticSpec spec;
  spec.users = 300;
  spec.items = 80;
  const Dataset data = Prepare(GenerateSynthetic(spec).raw, DataConfig());
  ModelShape shape;
  shape.personas = 2;
  shape.dim = 4;
  shape.SetSize("att_dim", 3);
  std::vector<float> items(static_cast<std::size_t>(data.n_items) * shape.item_width()), att(24),
      users(static_cast<std::size_t>(data.n_users) * 8);
  FillNormal(items.data(), static_cast<int>(items.size()), 0.5, 1, 1, 0);
  FillNormal(att.data(), 24, 1.0, 1, 2, 0);
  FillNormal(users.data(), static_cast<int>(users.size()), 0.5, 1, 4, 0);
  AmpScorer scorer(shape, items.data(), data.n_items, att.data(), att.data() + 12);
  auto rows = [&](std::int32_t u) { return &users[static_cast<std::size_t>(u) * 8]; };
  std::vector<std::int32_t> all(data.n_users);
  for (std::int32_t u = 0; u < data.n_users; ++u) all[u] = u;
  TasteOptions taste_options;
  taste_options.components = 4;
  taste_options.clusters = 3;
  const TasteSpace taste = BuildTasteSpace(data, taste_options);
  testing::TempDir dir;
  ReportOptions options;
  options.top_k = 5;
  options.path = dir.File("sample.h5", "");
  options.sample = UserSample(100, data.n_users, 3);
  const Summary summary = EvaluateReport(scorer, data, taste, all, rows, options, MPI_COMM_SELF);
  const EvalTotals everyone = EvaluateUsers(scorer, data, all, rows, HeldOut::kTest, false);
  const EvalTotals sampled = EvaluateUsers(scorer, data, all, rows, HeldOut::kTest, true, options.sample);
  EXPECT_EQ(summary.at("users"), data.n_users);
  EXPECT_NEAR(summary.at("hr@10"), everyone.sampled.hr(), 1e-12);
  EXPECT_EQ(summary.at("full_users"), sampled.full.users);
  EXPECT_GT(sampled.full.users, 50);
  EXPECT_LT(sampled.full.users, 150);
  EXPECT_NEAR(summary.at("full_ndcg@10"), sampled.full.ndcg_mean(), 1e-12);
  h5::Handle file = h5::OpenFileReadOnly(options.path);
  const std::vector<std::int64_t> ids = h5::ReadInts(file.get(), "/users/ids", options.path);
  ASSERT_EQ(static_cast<std::int64_t>(ids.size()), sampled.full.users);
  for (std::int64_t id : ids) EXPECT_TRUE(options.sample.Contains(id));
}

// A test item never trained on is cold: its rank comes from its initial row. The report counts
// those users and gives the sampled protocol without them; a --refit model (validation items
// trained) counts an item that is another user's validation item as warm.
TEST(Report, CountsColdTestItemsAndRanksTheWarmOnesApart) {
  RawData raw;
  raw.name = "toy";
  raw.has_timestamps = true;
  // Every user: training items, then the validation item (second latest), then the test item.
  raw.rows = {{1, 10, 1}, {1, 11, 2}, {1, 12, 3}, {1, 14, 4}, {1, 90, 5},   // test 90: nowhere else
              {2, 10, 1}, {2, 11, 2}, {2, 12, 3}, {2, 91, 4}, {2, 14, 5}};  // test 14: user 1's validation
  for (std::int64_t u = 3; u <= 8; ++u)
    raw.rows.insert(raw.rows.end(), {{u, 13, 1}, {u, 12, 2}, {u, 11, 3}, {u, 10, 4}});  // test 10: trained
  // User 9 trains 20 items no one else has, so that 12 negatives can push a test item past 10.
  for (std::int64_t j = 100; j < 120; ++j) raw.rows.push_back({9, j, j - 99});
  raw.rows.insert(raw.rows.end(), {{9, 11, 30}, {9, 10, 31}});
  DataConfig config;
  config.eval_negatives = 12;
  const Dataset data = Prepare(raw, config);
  const RandomModel model(data);
  const AmpScorer& scorer = model.scorer();
  const auto rows = model.rows();
  std::vector<std::int32_t> all(data.n_users), warm;
  for (std::int32_t u = 0; u < data.n_users; ++u) all[u] = u;
  TasteOptions taste_options;
  taste_options.components = 2;
  taste_options.clusters = 2;
  const TasteSpace taste = BuildTasteSpace(data, taste_options);
  for (const bool refit : {false, true}) {
    ReportOptions options;
    options.top_k = 3;
    options.exclude_validation = refit;
    const Summary summary = EvaluateReport(scorer, data, taste, all, rows, options, MPI_COMM_SELF);
    warm.clear();
    for (std::int32_t u = 0; u < data.n_users; ++u)
      if (data.user_ids[u] > 2 || (refit && data.user_ids[u] == 2)) warm.push_back(u);
    const EvalTotals expected = EvaluateUsers(scorer, data, warm, rows, HeldOut::kTest, false);
    EXPECT_NEAR(summary.at("cold_test_items"), (refit ? 1.0 : 2.0) / 9, 1e-12) << "refit " << refit;
    EXPECT_NEAR(summary.at("warm_ndcg@10"), expected.sampled.ndcg_mean(), 1e-12) << "refit " << refit;
    EXPECT_NEAR(summary.at("warm_hr@10"), expected.sampled.hr(), 1e-12) << "refit " << refit;
    // The data tells the groups apart: misses exist, and the cold users change the figures.
    EXPECT_LT(summary.at("hr@10"), 1.0);
    EXPECT_GT(std::abs(summary.at("ndcg@10") - summary.at("warm_ndcg@10")), 1e-3) << "refit " << refit;
  }
}

// AISP-p on planted data: p = 1 is the mean of the user's item vectors; p = 2 ranks far above chance.
TEST(Aisp, PlantedTastes) {
  SyntheticSpec spec;
  spec.users = 400;
  spec.items = 200;
  spec.max_tastes = 2;
  const Dataset data = Prepare(GenerateSynthetic(spec).raw, DataConfig());
  TasteOptions options;
  options.components = 16;
  options.clusters = 10;
  const TasteSpace space = BuildTasteSpace(data, options);
  std::vector<std::int32_t> all(data.n_users);
  for (std::int32_t u = 0; u < data.n_users; ++u) all[u] = u;
  const std::vector<float> one = AispPersonas(data, space, 1, {5}, 1);
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(16);
  for (std::int32_t j : data.TrainItems(5)) mean += space.item_coordinates.row(j).transpose();
  mean /= static_cast<double>(data.train_count(5));
  for (int c = 0; c < 16; ++c) EXPECT_NEAR(one[c], mean[c], 1e-4);

  const ModelData model = AispModel(data, space, 2, AispPersonas(data, space, 2, all, 1));
  const LoadedScorer loaded = MakeScorer(model, "AISP");
  const EvalTotals totals = EvaluateUsers(
      *loaded.scorer, data, all, [&](std::int32_t u) { return &model.personas[static_cast<std::size_t>(u) * 32]; },
      HeldOut::kTest, false);
  EXPECT_GT(totals.sampled.hr(), 0.4);  // chance: 0.1
}

// Popularity scores item j at ln(1 + its training count) for every user, through the ordinary
// model machinery (a stored amp-cf model of zero vectors), so the order is the counts' order.
TEST(Popularity, ScoresEveryItemByItsTrainingCountForEveryUser) {
  SyntheticSpec spec;
  spec.users = 80;
  spec.items = 40;
  const Dataset data = Prepare(GenerateSynthetic(spec).raw, DataConfig());
  const ModelData model = PopularityModel(data);
  const LoadedScorer loaded = MakeScorer(model, "popularity");
  const float user_row = 0.0f;
  std::vector<float> scores;
  loaded.scorer->Score(&user_row, {}, scores);
  ASSERT_EQ(scores.size(), static_cast<std::size_t>(data.n_items));
  for (std::int32_t j = 0; j < data.n_items; ++j) {
    EXPECT_NEAR(scores[j], std::log1p(static_cast<double>(data.item_train_counts[j])), 1e-5) << "item " << j;
    for (std::int32_t k = 0; k < data.n_items; ++k)
      if (data.item_train_counts[j] > data.item_train_counts[k]) {
        EXPECT_GT(scores[j], scores[k]);
      }
  }
  std::vector<float> attention;
  loaded.scorer->Score(&user_row, {0, 1}, scores, &attention);
  EXPECT_EQ(attention, std::vector<float>({1.0f, 1.0f}));  // one persona explains every item
}

TEST(Explain, ConsistentWithScoresAndAttention) {
  SyntheticSpec spec;
  spec.users = 50;
  spec.items = 80;
  const Dataset data = Prepare(GenerateSynthetic(spec).raw, DataConfig());
  ModelShape shape;
  shape.personas = 2;
  shape.dim = 6;
  shape.SetSize("att_dim", 3);
  std::vector<float> items(static_cast<std::size_t>(data.n_items) * shape.item_width()), att_u(18), att_v(18), user(12);
  FillNormal(items.data(), static_cast<int>(items.size()), 0.5, 2, 1, 0);
  FillNormal(att_u.data(), 18, 1.0, 2, 2, 0);
  FillNormal(att_v.data(), 18, 1.0, 2, 3, 0);
  FillNormal(user.data(), 12, 0.7, 2, 4, 0);
  AmpScorer scorer(shape, items.data(), data.n_items, att_u.data(), att_v.data());
  const Explanation e = Explain(scorer, data, 3, user.data(), 5);
  std::vector<float> scores, attention;
  scorer.Score(user.data(), {}, scores, &attention);
  ASSERT_EQ(e.recommendations.size(), 5u);
  for (std::size_t i = 0; i < e.recommendations.size(); ++i) {
    const Explained& r = e.recommendations[i];
    EXPECT_FALSE(IsTrainItem(data, 3, r.item));
    EXPECT_FLOAT_EQ(r.score, scores[r.item]);
    if (i > 0) {
      EXPECT_GE(e.recommendations[i - 1].score, r.score);
    }
    const float* a = &attention[static_cast<std::size_t>(r.item) * 2];
    EXPECT_EQ(r.persona, a[1] > a[0] ? 1 : 0);
    EXPECT_FLOAT_EQ(r.weight, std::max(a[0], a[1]));
  }
  // Per persona: ranked by u_k . v_j + b_j.
  for (int k = 0; k < 2; ++k) {
    for (const Explained& x : e.per_persona[k]) {
      double own = items[static_cast<std::size_t>(x.item) * 7 + 6];
      for (int c = 0; c < 6; ++c) own += double(user[k * 6 + c]) * items[static_cast<std::size_t>(x.item) * 7 + c];
      EXPECT_NEAR(x.score, own, 1e-4);
    }
  }
  EXPECT_EQ(static_cast<std::int64_t>(e.history.size()), data.train_count(3));
}

// A dataset of text item ids: every item array of the explanation file has its names beside it,
// row by row, and the history items behind a recommendation are named too.
TEST(Explain, FileNamesTheItemsOfTextIdDatasets) {
  Dataset data;
  data.n_users = 1;
  data.n_items = 4;
  data.user_ids = {0};
  data.user_names = {"ann"};
  data.item_ids = {0, 1, 2, 3};
  data.item_names = {"B00A", "B00B", "B00C", "007"};
  Explanation e;
  Explained top;
  top.item = 2;
  top.because = {{3, 0.75f}, {0, 0.25f}};
  e.recommendations = {top};
  Explained first, second;
  first.item = 1;
  second.item = 3;
  e.per_persona = {{first}, {second}};
  e.history = {second};
  testing::TempDir dir;
  WriteExplanation(dir.Path("e.h5"), e, data, 2);
  h5::Handle file = h5::OpenFileReadOnly(dir.Path("e.h5"));
  EXPECT_EQ(h5::ReadLines(file.get(), "recommendations/item_names", "e.h5"), (std::vector<std::string>{"B00C"}));
  EXPECT_EQ(h5::ReadLines(file.get(), "recommendations/because_item_names", "e.h5"),
            (std::vector<std::string>{"007", "B00A", ""}));
  EXPECT_EQ(h5::ReadLines(file.get(), "personas/item_names", "e.h5"), (std::vector<std::string>{"B00B", "007"}));
  EXPECT_EQ(h5::ReadLines(file.get(), "history/item_names", "e.h5"), (std::vector<std::string>{"007"}));
}

}  // namespace
}  // namespace ampcf
