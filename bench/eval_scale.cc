// Full-ranking evaluation on one core, the per-user path beside the block path on the same
// users: the per-user path is what evaluation did before block scoring (Scorer::Score of the
// candidates, then of every item, per user); the block path is EvaluateUsers
// (eval/score_blocks.h). A random AMP-CF model (d = da = 64) over a real or generated dataset:
// timing does not depend on what the model learned.
//   ampcf_bench_eval [--personas R] [--compare-users N] [data options of `ampcf train`]
#include <chrono>
#include <cstdio>
#include <numeric>

#include <CLI/CLI.hpp>

#include "core/process_setup.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "eval/ranking.h"
#include "eval/score_blocks.h"
#include "models/amp/amp_model.h"

namespace ampcf {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The evaluation loop as it was before block scoring.
EvalTotals PerUserFullRanking(const Scorer& scorer, const Dataset& data, const std::vector<std::int32_t>& users,
                              const std::function<const float*(std::int32_t)>& user_rows) {
  EvalTotals totals;
  std::vector<std::int32_t> candidates, negatives;
  std::vector<float> scores;
  std::vector<char> is_train(data.n_items, 0);
  for (std::int32_t u : users) {
    const std::int32_t target = data.TestItem(u);
    data.Candidates(HeldOut::kTest, u, negatives);
    candidates.assign(1, target);
    candidates.insert(candidates.end(), negatives.begin(), negatives.end());
    scorer.Score(user_rows(u), candidates, scores);
    totals.sampled.Add(RankAgainst(scores[0], scores.data() + 1, scores.size() - 1));
    scorer.Score(user_rows(u), {}, scores);
    const std::span<const std::int32_t> train = data.TrainItems(u);
    for (std::int32_t j : train) is_train[j] = 1;
    totals.full.Add(FullRank(data, u, HeldOut::kTest, scores, is_train));
    for (std::int32_t j : train) is_train[j] = 0;
  }
  return totals;
}

int Run(int argc, char** argv) {
  CLI::App app("full-ranking evaluation, per-user against block scoring");
  DataConfig data_config;
  AddOptions(app, data_config);
  int personas = 2, compare_users = 2000;
  app.add_option("--personas", personas, "personas r of the random model");
  app.add_option("--compare-users", compare_users, "users timed on both paths (the per-user path is slow)");
  CLI11_PARSE(app, argc, argv);

  auto start = std::chrono::steady_clock::now();
  const Dataset data = LoadDataset(data_config);
  std::printf("data %s: %d users, %d items (loaded in %.1f s); random AMP-%d, d = da = 64; one core\n",
              data.name.c_str(), data.n_users, data.n_items, SecondsSince(start), personas);
  ModelShape shape;
  shape.personas = personas;
  shape.SetSize("att_dim", 64);
  std::vector<float> items(static_cast<std::size_t>(data.n_items) * shape.item_width());
  std::vector<float> att(2 * shape.dim * shape.Size("att_dim"));
  std::vector<float> rows(static_cast<std::size_t>(data.n_users) * personas * shape.dim);
  FillNormal(items.data(), static_cast<int>(items.size()), 0.1, 1, 1, 1);
  FillNormal(att.data(), static_cast<int>(att.size()), 0.125, 1, 2, 1);
  FillNormal(rows.data(), static_cast<int>(rows.size()), 0.1, 1, 3, 1);
  const AmpScorer scorer(shape, items.data(), data.n_items, att.data(), att.data() + shape.dim * shape.Size("att_dim"));
  const auto user_rows = [&](std::int32_t u) { return &rows[static_cast<std::size_t>(u) * personas * shape.dim]; };

  std::vector<std::int32_t> all(data.n_users), some;
  std::iota(all.begin(), all.end(), 0);
  for (std::int32_t u = 0; u < data.n_users && static_cast<int>(some.size()) < compare_users; u += std::max(1, data.n_users / compare_users))
    some.push_back(u);
  start = std::chrono::steady_clock::now();
  const EvalTotals old_totals = PerUserFullRanking(scorer, data, some, user_rows);
  const double old_seconds = SecondsSince(start);
  start = std::chrono::steady_clock::now();
  const EvalTotals new_totals = EvaluateUsers(scorer, data, some, user_rows, HeldOut::kTest, true);
  const double new_seconds = SecondsSince(start);
  std::printf("%zu users: per-user %.2f s, block %.2f s (%d users a block): %.1fx; full HR@10 %.6f / %.6f, "
              "NDCG@10 %.6f / %.6f\n",
              some.size(), old_seconds, new_seconds, BlockUsers(scorer), old_seconds / new_seconds,
              old_totals.full.hr(), new_totals.full.hr(), old_totals.full.ndcg_mean(), new_totals.full.ndcg_mean());
  std::printf("  per-user path for all %d users, extrapolated: %.1f s\n", data.n_users,
              old_seconds * data.n_users / some.size());
  for (int block : {16, 64, 128, 256}) {
    start = std::chrono::steady_clock::now();
    ForEachScoredBlock(scorer, some, user_rows, [](std::span<const std::int32_t>, const float*) {}, block);
    std::printf("  scoring only, %zu users in blocks of %d: %.2f s\n", some.size(), block, SecondsSince(start));
  }
  start = std::chrono::steady_clock::now();
  const EvalTotals totals = EvaluateUsers(scorer, data, all, user_rows, HeldOut::kTest, true);
  std::printf("all %lld users, block path (sampled protocol and full ranking): %.2f s\n",
              static_cast<long long>(totals.full.users), SecondsSince(start));
  return 0;
}

}  // namespace
}  // namespace ampcf

int main(int argc, char** argv) {
  ampcf::SetUpComputeProcess();
  return ampcf::Run(argc, argv);
}
