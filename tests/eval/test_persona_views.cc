// Persona views (eval/persona_views.h) and the report's persona diagnostics: each persona's own
// list, their overlap, the test item's persona and the collapse ablation.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "data/synthetic.h"
#include "eval/persona_views.h"
#include "eval/ranking.h"
#include "eval/report.h"
#include "io/hdf5_util.h"
#include "models/amp/amp_model.h"
#include "core/rng.h"
#include "tests/test_util.h"

namespace ampcf {
namespace {

TEST(PersonaViews, CollapseRepeatsTheMean) {
  const std::vector<float> rows = {1, 2, 3, 5, -1, -1};  // r = 3, d = 2
  std::vector<float> out(6);
  CollapsePersonas(rows.data(), 3, 2, out.data());
  for (int k = 0; k < 3; ++k) {
    EXPECT_FLOAT_EQ(out[2 * k], 1.0f);
    EXPECT_FLOAT_EQ(out[2 * k + 1], 2.0f);
  }
}

TEST(PersonaViews, CollapseInPlace) {
  std::vector<float> rows = {2, 0, 0, 4};  // r = 2, d = 2
  CollapsePersonas(rows.data(), 2, 2, rows.data());
  EXPECT_EQ(rows, (std::vector<float>{1, 2, 1, 2}));
}

TEST(PersonaViews, AloneRepeatsOnePersona) {
  const std::vector<float> rows = {1, 2, 3, 4, 5, 6};
  std::vector<float> out(6);
  PersonaAlone(rows.data(), 3, 2, 1, out.data());
  EXPECT_EQ(out, (std::vector<float>{3, 4, 3, 4, 3, 4}));
}

TEST(PersonaViews, JaccardOfKnownLists) {
  const std::vector<std::int32_t> a = {1, 2, 3, 4}, b = {4, 3, 9, 8}, c = {7};
  EXPECT_DOUBLE_EQ(MeanPairwiseJaccard({a, a}), 1.0);
  EXPECT_DOUBLE_EQ(MeanPairwiseJaccard({a, b}), 2.0 / 6.0);
  EXPECT_DOUBLE_EQ(MeanPairwiseJaccard({a, b, c}), (2.0 / 6.0 + 0.0 + 0.0) / 3.0);
  EXPECT_DOUBLE_EQ(MeanPairwiseJaccard({a}), 1.0);
  EXPECT_DOUBLE_EQ(MeanPairwiseJaccard({{}, {}}), 1.0);
}

// With every persona equal, attention no longer matters: the score is w . v_j + b_j.
TEST(PersonaViews, EqualPersonasScoreAsOneVector) {
  ModelShape shape;
  shape.personas = 3;
  shape.dim = 5;
  shape.SetSize("att_dim", 4);
  const int n_items = 20;
  std::vector<float> items(n_items * shape.item_width()), att_u(20), att_v(20), rows(15), collapsed(15);
  FillNormal(items.data(), static_cast<int>(items.size()), 0.5, 1, 1, 0);
  FillNormal(att_u.data(), 20, 2.0, 1, 2, 0);
  FillNormal(att_v.data(), 20, 2.0, 1, 3, 0);
  FillNormal(rows.data(), 15, 0.5, 1, 4, 0);
  AmpScorer scorer(shape, items.data(), n_items, att_u.data(), att_v.data());
  CollapsePersonas(rows.data(), 3, 5, collapsed.data());
  std::vector<float> scores;
  scorer.Score(collapsed.data(), {}, scores);
  for (int j = 0; j < n_items; ++j) {
    float expected = items[j * shape.item_width() + shape.dim];  // bias
    for (int i = 0; i < 5; ++i) expected += collapsed[i] * items[j * shape.item_width() + i];
    EXPECT_NEAR(scores[j], expected, 1e-5) << "item " << j;
  }
}

// A model with r random personas, and the report's diagnostics over it.
struct DiagnosedModel {
  Dataset data;
  ModelShape shape;
  std::vector<float> items, att_u, att_v, users;
  std::unique_ptr<AmpScorer> scorer;
  TasteSpace taste;
  std::vector<std::int32_t> all;

  explicit DiagnosedModel(bool equal_personas) {
    SyntheticSpec spec;
    spec.users = 150;
    spec.items = 90;
    data = Prepare(GenerateSynthetic(spec).raw, DataConfig());
    shape.personas = 3;
    shape.dim = 6;
    shape.SetSize("att_dim", 4);
    items.resize(static_cast<std::size_t>(data.n_items) * shape.item_width());
    att_u.resize(24);
    att_v.resize(24);
    users.resize(static_cast<std::size_t>(data.n_users) * 18);
    FillNormal(items.data(), static_cast<int>(items.size()), 0.5, 1, 1, 0);
    FillNormal(att_u.data(), 24, 1.0, 1, 2, 0);
    FillNormal(att_v.data(), 24, 1.0, 1, 3, 0);
    FillNormal(users.data(), static_cast<int>(users.size()), 0.5, 1, 4, 0);
    if (equal_personas)
      for (std::int32_t u = 0; u < data.n_users; ++u) PersonaAlone(row(u), 3, 6, 0, row(u));
    scorer = std::make_unique<AmpScorer>(shape, items.data(), data.n_items, att_u.data(), att_v.data());
    TasteOptions taste_options;
    taste_options.components = 6;
    taste_options.clusters = 4;
    taste = BuildTasteSpace(data, taste_options);
    all.resize(data.n_users);
    std::iota(all.begin(), all.end(), 0);
  }
  float* row(std::int32_t u) { return &users[static_cast<std::size_t>(u) * 18]; }
  Summary Report(const std::string& path) {
    ReportOptions options;
    options.top_k = 10;
    options.path = path;
    return EvaluateReport(*scorer, data, taste, all, [&](std::int32_t u) { return row(u); }, options, MPI_COMM_SELF);
  }
  // One /users array of the report's eval.h5.
  std::vector<std::int64_t> ReportArray(const char* name) {
    testing::TempDir dir;
    const std::string path = dir.File("eval.h5", "");
    Report(path);
    h5::Handle file = h5::OpenFileReadOnly(path);
    return h5::ReadInts(file.get(), Cat("/users/", name), path);
  }
  // User u's unseen items, best score first (ties: lower id first), as the report orders them.
  std::vector<std::int32_t> UnseenByScore(std::int32_t u, const std::vector<float>& scores) const {
    std::vector<std::int32_t> unseen;
    for (std::int32_t j = 0; j < data.n_items; ++j)
      if (!IsTrainItem(data, u, j)) unseen.push_back(j);
    std::sort(unseen.begin(), unseen.end(),
              [&](std::int32_t a, std::int32_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); });
    return unseen;
  }
};

TEST(PersonaDiagnostics, EachPersonasListIsItsOwnTopUnseen) {
  DiagnosedModel m(false);
  const std::vector<std::int64_t> lists = m.ReportArray("persona_top_items");
  ASSERT_EQ(lists.size(), static_cast<std::size_t>(m.data.n_users) * 3 * kTopK);
  std::vector<float> alone(18), scores;
  for (std::int32_t u = 0; u < m.data.n_users; ++u)
    for (int k = 0; k < 3; ++k) {
      PersonaAlone(m.row(u), 3, 6, k, alone.data());
      m.scorer->Score(alone.data(), {}, scores);
      const std::vector<std::int32_t> unseen = m.UnseenByScore(u, scores);
      for (int i = 0; i < kTopK; ++i)
        EXPECT_EQ(lists[(static_cast<std::size_t>(u) * 3 + k) * kTopK + i], m.data.item_ids[unseen[i]])
            << "user " << u << " persona " << k;
    }
}

// Each persona's explained list: the best-scored of the top 200 unseen items that it explains.
TEST(PersonaDiagnostics, ExplainedListsSplitTheTopByAttention) {
  DiagnosedModel m(false);
  const std::vector<std::int64_t> lists = m.ReportArray("persona_explained_items");
  ASSERT_EQ(lists.size(), static_cast<std::size_t>(m.data.n_users) * 3 * kTopK);
  std::vector<float> scores, attention;
  for (std::int32_t u = 0; u < m.data.n_users; ++u) {
    m.scorer->Score(m.row(u), {}, scores, &attention);
    // Fewer than 200: the pool is every unseen item.
    const std::vector<std::int32_t> unseen = m.UnseenByScore(u, scores);
    std::vector<std::vector<std::int64_t>> expected(3);
    for (std::int32_t j : unseen) {
      const float* a = &attention[static_cast<std::size_t>(j) * 3];
      const auto k = std::max_element(a, a + 3) - a;
      if (expected[k].size() < kTopK) expected[k].push_back(m.data.item_ids[j]);
    }
    for (int k = 0; k < 3; ++k) {
      expected[k].resize(kTopK, -1);
      const auto first = lists.begin() + (static_cast<std::size_t>(u) * 3 + k) * kTopK;
      EXPECT_EQ(std::vector<std::int64_t>(first, first + kTopK), expected[k]) << "user " << u << " persona " << k;
    }
  }
}

TEST(PersonaDiagnostics, DistinctPersonasOverlapLessThanCopies) {
  DiagnosedModel distinct(false), copies(true);
  const Summary a = distinct.Report(""), b = copies.Report("");
  EXPECT_LT(a.at("persona_overlap"), 0.8);
  EXPECT_DOUBLE_EQ(b.at("persona_overlap"), 1.0);
}

// The ablation equals evaluating the collapsed rows directly; copies of one persona collapse to themselves.
TEST(PersonaDiagnostics, CollapseAblationIsTheCollapsedModel) {
  DiagnosedModel m(false);
  const Summary summary = m.Report("");
  std::vector<float> collapsed(18);
  const EvalTotals totals = EvaluateUsers(
      *m.scorer, m.data, m.all,
      [&](std::int32_t u) {
        CollapsePersonas(m.row(u), 3, 6, collapsed.data());
        return static_cast<const float*>(collapsed.data());
      },
      HeldOut::kTest, true);
  EXPECT_NEAR(summary.at("collapsed_hr@10"), totals.sampled.hr(), 1e-12);
  EXPECT_NEAR(summary.at("collapsed_ndcg@10"), totals.sampled.ndcg_mean(), 1e-12);
  EXPECT_NEAR(summary.at("collapsed_full_hr@10"), totals.full.hr(), 1e-12);
  EXPECT_NE(summary.at("collapsed_ndcg@10"), summary.at("ndcg@10"));  // the random personas do differ

  DiagnosedModel copies(true);
  const Summary same = copies.Report("");
  for (const char* figure : {"hr@10", "ndcg@10", "full_hr@10", "full_ndcg@10", "tdd_js"})
    EXPECT_NEAR(same.at(Cat("collapsed_", figure)), same.at(figure), 1e-6) << figure;
}

TEST(PersonaDiagnostics, TestPersonaHasTheHighestAttention) {
  DiagnosedModel m(false);
  const std::vector<std::int64_t> persona = m.ReportArray("test_persona");
  std::vector<float> scores, attention;
  int seen[3] = {0, 0, 0};
  for (std::int32_t u = 0; u < m.data.n_users; ++u) {
    m.scorer->Score(m.row(u), {m.data.TestItem(u)}, scores, &attention);
    EXPECT_EQ(persona[u], std::max_element(attention.begin(), attention.end()) - attention.begin());
    ++seen[persona[u]];
  }
  EXPECT_GT(seen[0] * seen[1] * seen[2], 0);  // the check is not trivially 0
}

}  // namespace
}  // namespace ampcf
