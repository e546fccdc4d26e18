// `ampcf recommend` and `similar-items`: using a trained model as recommender libraries' users do.
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/collective.h"
#include "cli/commands.h"
#include "cli/model_loading.h"
#include "data/id_lookup.h"
#include "data/item_info.h"
#include "eval/explain.h"
#include "eval/item_index.h"
#include "eval/recommend.h"
#include "eval/recommendation_file.h"
#include "eval/similar_items.h"
#include "models/registry.h"

namespace ampcf {

namespace {

// recommend --ann's figures as JSON fields: the index's build (or read) time and memory, and
// rank 0's per-user latency percentiles.
std::string AnnFigures(const ItemIndex& index, double index_seconds, bool built, std::vector<double> user_seconds) {
  const auto percentile = [&](double p) {
    if (user_seconds.empty()) return 0.0;
    const auto at = static_cast<std::size_t>(p * static_cast<double>(user_seconds.size() - 1));
    std::nth_element(user_seconds.begin(), user_seconds.begin() + static_cast<std::ptrdiff_t>(at), user_seconds.end());
    return user_seconds[at];
  };
  return fmt::format("\"ann\": true, \"index_{}_seconds\": {:.3f}, \"index_bytes\": {}, \"p50_ms\": {:.4f}, "
                     "\"p99_ms\": {:.4f}, ",
                     built ? "build" : "read", index_seconds, index.MemoryBytes(), 1e3 * percentile(0.5),
                     1e3 * percentile(0.99));
}

}  // namespace

int RunRecommend(const DataConfig& data_config, const RecommendConfig& config) {
  Dataset data;
  ModelData model;
  if (!CollectiveSetup([&] {
        if (config.out.empty()) throw UserError("--out is required (FILE.h5 for HDF5, any other name for CSV)");
        if (WorldRank() == 0) CheckWritableFolder(std::filesystem::path(config.out).parent_path().string());
      }) ||
      !LoadShareAndModel(data_config, config.model, data, model))
    return 2;
  // The users recommended for: the dataset's (their rows in `model`), or with --new-users the
  // file's (`file_users`, their rows in `file_rows`).
  std::vector<std::int32_t> users;
  Dataset file_users;
  std::vector<float> file_rows;
  const bool from_file = !config.new_users.empty();
  const auto fold_in_start = std::chrono::steady_clock::now();
  if (from_file) {
    if (!CollectiveSetup([&] {
          if (config.users != "all") throw UserError("--users and --new-users: give one (--new-users lists its users)");
          if (config.fold_in) throw UserError("--fold-in and --new-users: give one (--new-users folds its users in)");
        }) ||
        !FoldInNewUsers(FoldInRequestOf(config), config.new_users, config.replace_users, "", data, model, file_users,
                        file_rows))
      return 2;
    users = HeldUsers(file_users);
  } else if (!SelectUsersAndFoldIn(config, data, model, users)) {
    return 2;
  }
  double fold_in_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - fold_in_start).count();
  const Dataset& users_data = from_file ? file_users : data;
  LoadedScorer loaded;
  if (!CollectiveSetup([&] { loaded = MakeScorer(model, config.model); })) return 2;
  const auto block = static_cast<std::size_t>(model.shape.user_width());
  const auto rows = [&](std::int32_t u) -> const float* {
    if (from_file) return &file_rows[static_cast<std::size_t>(u - file_users.held.begin) * block];
    return &model.personas[static_cast<std::size_t>(u - model.first_user) * block];
  };
  const int top = std::min(config.top, data.n_items);  // no list is longer than the catalogue
  // --ann: every rank builds (or reads) the index of the whole catalogue, as it holds the item rows.
  std::unique_ptr<ItemIndex> index;
  double index_seconds = 0;
  if (config.ann) {
    const auto index_start = std::chrono::steady_clock::now();
    if (!CollectiveSetup([&] {
          const ItemIndexOptions build{config.ann_links, config.ann_build_breadth};
          index = config.ann_index.empty() ? std::make_unique<ItemIndex>(*loaded.scorer, build, model.model)
                                           : std::make_unique<ItemIndex>(config.ann_index, *loaded.scorer, model.model);
          index->SetSearchBreadth(config.ann_breadth);
        }))
      return 2;
    index_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - index_start).count();
  }
  const bool exclude_validation = model.trained_on_validation && !from_file;
  std::vector<double> user_seconds;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::vector<Recommended>> lists =
      index ? RecommendFromIndex(*loaded.scorer, *index, users_data, users, rows, top, exclude_validation,
                                 config.ann_candidates, &user_seconds)
            : Recommend(*loaded.scorer, users_data, users, rows, top, exclude_validation);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WriteRecommendations(config.out, config.model, top, users_data, users, lists, MPI_COMM_WORLD);
  const double write_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() - seconds;
  // The slowest rank's scoring time: the job's, as the ranks run side by side.
  std::int64_t total = static_cast<std::int64_t>(users.size());
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &fold_in_seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD));
  if (WorldRank() == 0) {
    const std::string fold_in = from_file || config.fold_in
                                    ? fmt::format("\"fold_in_seconds\": {:.3f}, ", fold_in_seconds)
                                    : std::string();
    const std::string ann = index ? AnnFigures(*index, index_seconds, config.ann_index.empty(), user_seconds)
                                  : std::string();
    std::printf("{\"users\": %lld, \"items\": %d, \"top\": %d, \"ranks\": %d, %s%s\"seconds\": %.3f, "
                "\"users_per_second\": %.1f, \"write_seconds\": %.3f, \"out\": \"%s\"}\n",
                static_cast<long long>(total), data.n_items, top, WorldSize(), fold_in.c_str(), ann.c_str(), seconds,
                seconds > 0 ? static_cast<double>(total) / seconds : 0.0, write_seconds, config.out.c_str());
    std::fflush(stdout);
  }
  return 0;
}

int RunExportIndex(const ExportIndexConfig& config) {
  if (!CollectiveSetup([&] {
        if (config.model.empty()) throw UserError("--model is required");
        if (config.out.empty()) throw UserError("--out is required (the index file)");
        if (WorldRank() == 0) CheckWritableFolder(std::filesystem::path(config.out).parent_path().string());
      }))
    return 2;
  if (WorldRank() != 0) return 0;
  try {
    const ModelData model = LoadModel(config.model, 0, 0);  // the item side only
    const LoadedScorer loaded = MakeScorer(model, config.model);
    const auto start = std::chrono::steady_clock::now();
    const ItemIndex index(*loaded.scorer, ItemIndexOptions{config.ann_links, config.ann_build_breadth}, model.model);
    const double build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    index.Save(config.out);
    std::printf("{\"items\": %d, \"dim\": %d, \"space\": \"ip\", \"links\": %d, \"build_breadth\": %d, "
                "\"build_seconds\": %.3f, \"index_bytes\": %lld, \"out\": \"%s\"}\n",
                index.size(), index.width(), config.ann_links, config.ann_build_breadth, build_seconds,
                static_cast<long long>(index.MemoryBytes()), config.out.c_str());
    std::fflush(stdout);
  } catch (const UserError& error) {
    return ReportLocalError(error);
  }
  return 0;
}

int RunSimilarItems(const DataConfig& data_config, const SimilarItemsConfig& config) {
  Dataset data;
  ModelData model;
  std::int32_t item = -1;
  std::map<std::int64_t, ItemInfo> info;
  if (!CollectiveSetup([&] {
        if (config.item.empty()) throw UserError("--item is required (the dataset's own item id)");
      }) ||
      !LoadShare(data_config, data) || !CollectiveSetup([&] {
        if (config.model.empty()) throw UserError("--model is required");
        model = LoadModel(config.model, 0, 0);  // the item side only
        CheckSameDataset(model, config.model, data, data_config);
        item = IdLookup(data).Item(config.item);
        if (item < 0) throw UserError(Cat("--item ", config.item, ": no such item in ", data.name, " (after preparation)"));
        if (WorldRank() == 0) info = LoadItemInfo(data_config.data);  // titles, for rank 0's printing
      }))
    return 2;
  if (WorldRank() != 0) return 0;
  const auto name = [&](std::int32_t j) { return ItemLabel(data, info, j); };
  std::printf("items like %s (cosine of the item vectors):\n", name(item).c_str());
  const auto similar = SimilarItems(model.items.data(), data.n_items, model.shape.item_width(), model.shape.dim, item,
                                    config.top);
  for (std::size_t i = 0; i < similar.size(); ++i)
    std::printf("%3zu. %6.3f  %s\n", i + 1, similar[i].second, name(similar[i].first).c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace ampcf
