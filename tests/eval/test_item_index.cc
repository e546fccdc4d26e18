// The item index (eval/item_index.h) and recommend --ann (eval/recommend.h: RecommendFromIndex):
// on a small catalogue, where a wide search finds every item's true neighbours, the lists are
// the exact ones; models without an inner-product form and indexes of another model are refused.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "core/error.h"
#include "core/rng.h"
#include "data/synthetic.h"
#include "eval/item_index.h"
#include "eval/recommend.h"
#include "models/amp/amp_model.h"

namespace ampcf {
namespace {

// A random AMP-CF model with r = 3 over 2000 items; biases as spread as the dot products, so
// that a query that left them out would retrieve the wrong items.
struct RandomAmp {
  Dataset data;
  ModelShape shape;
  std::vector<float> items, att_u, att_v, users;
  std::unique_ptr<AmpScorer> scorer;
  std::vector<std::int32_t> all;

  explicit RandomAmp(std::uint64_t seed) {
    SyntheticSpec spec;
    spec.users = 200;
    spec.items = 2000;
    data = Prepare(GenerateSynthetic(spec).raw, DataConfig());
    shape.personas = 3;
    shape.dim = 8;
    shape.SetSize("att_dim", 4);
    items.resize(static_cast<std::size_t>(data.n_items) * shape.item_width());
    att_u.resize(32);
    att_v.resize(32);
    users.resize(static_cast<std::size_t>(data.n_users) * 24);
    FillNormal(items.data(), static_cast<int>(items.size()), 0.5, seed, 1, 0);
    FillNormal(att_u.data(), 32, 1.0, seed, 2, 0);
    FillNormal(att_v.data(), 32, 1.0, seed, 3, 0);
    FillNormal(users.data(), static_cast<int>(users.size()), 0.5, seed, 4, 0);
    scorer = std::make_unique<AmpScorer>(shape, items.data(), data.n_items, att_u.data(), att_v.data());
    all.resize(data.n_users);
    std::iota(all.begin(), all.end(), 0);
  }
  const float* row(std::int32_t u) const { return &users[static_cast<std::size_t>(u) * 24]; }
  std::vector<std::vector<Recommended>> Exact() const {
    return Recommend(*scorer, data, all, [&](std::int32_t u) { return row(u); }, 10, false);
  }
  std::vector<std::vector<Recommended>> FromIndex(const ItemIndex& index, int candidates) const {
    return RecommendFromIndex(*scorer, index, data, all, [&](std::int32_t u) { return row(u); }, 10, false, candidates);
  }
};

// A model whose score is no inner product (the Scorer default).
class OpaqueScorer final : public Scorer {
 public:
  void Score(const float*, const std::vector<std::int32_t>&, std::vector<float>&, std::vector<float>*) const override {}
  std::int32_t n_items() const override { return 5; }
  int personas() const override { return 1; }
  int dim() const override { return 4; }
};

std::string TempPath(const char* name) { return (std::filesystem::temp_directory_path() / name).string(); }

TEST(ItemIndex, AWideSearchGivesTheExactListsWithPersonasAndScores) {
  const RandomAmp model(1);
  ItemIndex index(*model.scorer, ItemIndexOptions{}, "amp-cf");
  index.SetSearchBreadth(500);
  const auto exact = model.Exact();
  const auto found = model.FromIndex(index, 50);
  ASSERT_EQ(found.size(), exact.size());
  for (std::size_t u = 0; u < exact.size(); ++u) {
    ASSERT_EQ(found[u].size(), exact[u].size()) << "user " << u;
    for (std::size_t i = 0; i < exact[u].size(); ++i) {
      EXPECT_EQ(found[u][i].item, exact[u][i].item) << "user " << u << ", rank " << i;
      EXPECT_NEAR(found[u][i].score, exact[u][i].score, 1e-4f);
      EXPECT_EQ(found[u][i].persona, exact[u][i].persona);
    }
  }
}

TEST(ItemIndex, NoListHoldsASeenItem) {
  const RandomAmp model(2);
  ItemIndex index(*model.scorer, ItemIndexOptions{}, "amp-cf");
  const auto found = model.FromIndex(index, 5);
  for (std::int32_t u = 0; u < model.data.n_users; ++u) {
    EXPECT_EQ(found[u].size(), 10u);
    for (const Recommended& e : found[u])
      for (std::int32_t j : model.data.TrainItems(u)) ASSERT_NE(e.item, j) << "user " << u;
  }
}

TEST(ItemIndex, AModelWithoutAnInnerProductIsRefusedByName) {
  const OpaqueScorer scorer;
  try {
    ItemIndex index(scorer, ItemIndexOptions{}, "neumf");
    FAIL() << "no error";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("--model neumf"), std::string::npos) << error.what();
  }
}

TEST(ItemIndex, AFileReadBackSearchesAlike) {
  const RandomAmp model(3);
  ItemIndex built(*model.scorer, ItemIndexOptions{}, "amp-cf");
  const std::string path = TempPath("ampcf_test_index.hnsw");
  built.Save(path);
  ItemIndex read(path, *model.scorer, "amp-cf");
  std::remove(path.c_str());
  std::vector<float> queries;
  model.scorer->InnerProductQueries(model.row(0), queries);
  std::vector<std::int32_t> a, b;
  built.Search(queries.data(), 20, a);
  read.Search(queries.data(), 20, b);
  EXPECT_EQ(a, b);
}

TEST(ItemIndex, AnotherModelsIndexOrAnUnreadableFileIsRefused) {
  const RandomAmp model(4), other(5);
  const std::string path = TempPath("ampcf_test_other.hnsw");
  ItemIndex(*other.scorer, ItemIndexOptions{}, "amp-cf").Save(path);
  EXPECT_THROW(ItemIndex(path, *model.scorer, "amp-cf"), UserError);
  std::filesystem::resize_file(path, 1000);
  EXPECT_THROW(ItemIndex(path, *model.scorer, "amp-cf"), UserError);
  std::ofstream(path) << "not an index";
  EXPECT_THROW(ItemIndex(path, *model.scorer, "amp-cf"), UserError);
  std::remove(path.c_str());
  EXPECT_THROW(ItemIndex(path, *model.scorer, "amp-cf"), UserError);
}

}  // namespace
}  // namespace ampcf
