// `ampcf stats`, `inspect`, `prepare` and `generate`: commands over data and files.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/collective.h"
#include "cli/commands.h"
#include "core/parallel.h"
#include "data/dataset.h"
#include "data/prepared_file.h"
#include "data/readers.h"
#include "data/stats.h"
#include "data/synthetic.h"
#include "io/checkpoint_file.h"
#include "io/hdf5_util.h"

namespace ampcf {

int RunStats(const DataConfig& data_config) {
  Dataset data;
  if (!CollectiveSetup([&] { data = LoadDataset(data_config); })) return 2;
  if (WorldRank() == 0) {
    std::fputs(FormatStats(data, ComputeStats(data)).c_str(), stdout);
    std::fflush(stdout);
  }
  return 0;
}


int RunInspect(const std::string& path) {
  std::string summary;
  if (!CollectiveSetup([&] {
        if (WorldRank() == 0) summary = DescribeCheckpoint(path);
      }))
    return 2;
  if (WorldRank() == 0) {
    std::fputs(summary.c_str(), stdout);
    std::fflush(stdout);
  }
  return 0;
}


int RunPrepare(const DataConfig& data_config, const PrepareConfig& config) {
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  Dataset data;
  double parse_seconds = 0;
  if (!CollectiveSetup([&] {
        if (config.out.empty()) throw UserError("--out is required (the prepared file to write)");
        if (IsPreparedFile(data_config.data)) throw UserError(Cat("--data ", data_config.data, " is already prepared"));
        const auto start = Clock::now();
        // Rank 0 prepares alone, on the cores it may run on; the other ranks wait.
        if (WorldRank() == 0) {
          SetComputeThreads(DefaultComputeThreads(1));
          data = LoadDataset(data_config);
        }
        parse_seconds = seconds_since(start);
      }))
    return 2;
  if (WorldRank() != 0) return 0;
  try {
    auto start = Clock::now();
    WritePrepared(config.out, data, data_config);
    const double write_seconds = seconds_since(start);
    start = Clock::now();
    const Dataset loaded = ReadPrepared(config.out);
    const double load_seconds = seconds_since(start);
    std::printf("{\"prepared\": \"%s\", \"users\": %d, \"items\": %d, \"training_pairs\": %lld, \"parse_seconds\": %.3f, "
                "\"write_seconds\": %.3f, \"load_seconds\": %.3f, \"bytes\": %lld}\n",
                config.out.c_str(), loaded.n_users, loaded.n_items, static_cast<long long>(loaded.num_train()), parse_seconds,
                write_seconds, load_seconds, static_cast<long long>(std::filesystem::file_size(config.out)));
    std::fflush(stdout);
  } catch (const UserError& error) {
    return ReportLocalError(error);
  }
  return 0;
}


int RunGenerate(const GenerateConfig& config) {
  if (WorldRank() != 0) return 0;
  try {
    if (config.out.empty()) throw UserError("--out is required (the folder for ratings.csv and truth.h5)");
    CheckWritableFolder(config.out);
    SyntheticSpec spec;
    spec.users = config.users;
    spec.items = config.items;
    spec.clusters = config.clusters;
    spec.max_tastes = config.max_tastes;
    spec.min_interactions = config.min_interactions;
    spec.max_interactions = config.max_interactions;
    spec.zipf_exponent = config.zipf;
    spec.seed = config.seed;
    SyntheticGenerator generator(spec);
    const std::filesystem::path dir(config.out);
    const std::string ratings = (dir / "ratings.csv").string();
    std::FILE* file = std::fopen((ratings + ".tmp").c_str(), "w");
    if (file == nullptr) throw UserError(Cat(ratings, ": cannot write"));
    std::fputs("userId,itemId,rating,timestamp\n", file);
    std::vector<Interaction> rows;
    std::vector<int> tastes;
    std::vector<double> mix;
    std::vector<std::int64_t> taste_offsets{0};
    std::vector<std::int32_t> taste_clusters;
    std::vector<double> taste_weights;
    std::int64_t lines = 0;
    for (int user = 0; user < config.users; ++user) {
      rows.clear();
      generator.NextUser(rows, tastes, mix);
      for (const Interaction& row : rows)
        std::fprintf(file, "%lld,%lld,1,%lld\n", static_cast<long long>(row.user), static_cast<long long>(row.item),
                     static_cast<long long>(row.timestamp));
      lines += static_cast<std::int64_t>(rows.size());
      taste_clusters.insert(taste_clusters.end(), tastes.begin(), tastes.end());
      taste_weights.insert(taste_weights.end(), mix.begin(), mix.end());
      taste_offsets.push_back(static_cast<std::int64_t>(taste_clusters.size()));
    }
    if (std::fclose(file) != 0) throw UserError(Cat(ratings, ": cannot write"));
    std::filesystem::rename(ratings + ".tmp", ratings);
    const std::vector<std::int32_t> item_cluster(generator.item_cluster().begin(), generator.item_cluster().end());
    h5::WriteAtomically((dir / "truth.h5").string(), [&](hid_t truth) {
      h5::WriteAttribute(truth, "format", std::string("ampcf-planted-truth"));
      h5::WriteAttribute(truth, "clusters", std::int64_t{config.clusters});
      h5::WriteAttribute(truth, "seed", static_cast<std::int64_t>(config.seed));
      h5::WriteInt32s(truth, "item_cluster", item_cluster.data(), {item_cluster.size()});
      h5::WriteInts(truth, "user_taste_offsets", taste_offsets.data(), {taste_offsets.size()});
      h5::WriteInt32s(truth, "user_tastes", taste_clusters.data(), {taste_clusters.size()});
      h5::WriteDoubles(truth, "user_taste_weights", taste_weights.data(), {taste_weights.size()});
    });
    std::printf("{\"ratings\": \"%s\", \"users\": %d, \"items\": %d, \"interactions\": %lld}\n", ratings.c_str(),
                config.users, config.items, static_cast<long long>(lines));
  } catch (const UserError& error) {
    return ReportLocalError(error);
  }
  return 0;
}

}  // namespace ampcf
