// `ampcf eval`, `explain`, `aisp` and `popularity`: commands over a trained (or built) model.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>

#include "cli/collective.h"
#include "cli/commands.h"
#include "cli/model_loading.h"
#include "core/gather.h"
#include "data/dataset.h"
#include "data/id_lookup.h"
#include "data/item_info.h"
#include "eval/aisp.h"
#include "eval/diversified_scorer.h"
#include "eval/explain.h"
#include "eval/persona_views.h"
#include "eval/popularity.h"
#include "eval/ranking.h"
#include "eval/report.h"
#include "eval/taste_space.h"
#include "io/model_file.h"
#include "models/registry.h"
#include "core/file_ring.h"

namespace ampcf {

namespace {

// A trained model (model.h5 or a checkpoint) and the whole dataset it must have been trained on.
void LoadModelAndData(const std::string& model_path, const DataConfig& data_config, ModelData& model, Dataset& data) {
  model = LoadModel(model_path);
  data = LoadDataset(data_config);
  CheckSameDataset(model, model_path, data, data_config);
}

// A command's one-line JSON: `head` (its own fields, formatted), the report's figures with the
// test ones prefixed test_ (collapse ablation: collapsed_test_...), the user counts, `tail`.
std::string SummaryLine(const std::string& head, const Summary& summary, const std::string& tail) {
  std::string line = "{" + head;
  for (const auto& [name, value] : summary)
    if (name != "users" && name != "full_users") line += fmt::format(", \"{}\": {:.6f}", PrintedFigureName(name), value);
  return line + fmt::format(", \"users\": {:.0f}, \"full_users\": {:.0f}, {}}}", summary.at("users"),
                            summary.at("full_users"), tail);
}

// DiRec over the model's scorer for this rank's users; a user is recognised by their row (users
// with identical rows are indistinguishable to any scorer: the union of their items is left out).
std::unique_ptr<Scorer> MakeDirecScorer(const Scorer& inner, const ModelData& model, const Dataset& data, int pool) {
  const auto block = static_cast<std::size_t>(model.shape.user_width());
  auto seen = std::make_shared<std::unordered_map<std::string, std::vector<std::int32_t>>>();
  for (std::int32_t u : HeldUsers(data)) {
    const float* row = &model.personas[static_cast<std::size_t>(u - model.first_user) * block];
    std::vector<std::int32_t>& items = (*seen)[std::string(reinterpret_cast<const char*>(row), block * sizeof(float))];
    const std::span<const std::int32_t> train = data.TrainItems(u);
    items.insert(items.end(), train.begin(), train.end());
  }
  SeenItems lookup = [seen, block](const float* row) -> std::span<const std::int32_t> {
    const auto found = seen->find(std::string(reinterpret_cast<const char*>(row), block * sizeof(float)));
    AMPCF_ASSERT(found != seen->end(), "DiRec scores only the users of this rank");
    return found->second;
  };
  return std::make_unique<DiversifiedScorer>(inner, model.items.data(), model.shape.item_width(), model.shape.dim, pool,
                                             kTopK, std::move(lookup));
}

}  // namespace

int RunEval(const DataConfig& data_config, const EvalConfig& config) {
  Dataset data;
  ModelData model;
  if (!CollectiveSetup([&] {
        if (config.rerank != "none" && config.collapse_personas)
          throw UserError("--rerank re-ranks the model as trained; it does not combine with --collapse-personas");
      }) ||
      !LoadShareAndModel(data_config, config.model, data, model))
    return 2;
  // Every rank evaluates its share of the users (of the --users file).
  std::vector<std::int32_t> mine;
  if (!SelectUsersAndFoldIn(config, data, model, mine)) return 2;
  LoadedScorer loaded;
  if (!CollectiveSetup([&] { loaded = MakeScorer(model, config.model); })) return 2;
  const auto block = static_cast<std::size_t>(model.shape.user_width());
  std::unique_ptr<Scorer> reranked;
  if (config.rerank == "direc") {
    reranked = MakeDirecScorer(*loaded.scorer, model, data, config.rerank_pool);
  }
  const Scorer& scorer = reranked ? *reranked : *loaded.scorer;
  std::vector<float> collapsed(block);
  std::function<const float*(std::int32_t)> rows = [&](std::int32_t u) {
    return &model.personas[static_cast<std::size_t>(u - model.first_user) * block];
  };
  if (config.collapse_personas)
    rows = [&, own = rows](std::int32_t u) {
      CollapsePersonas(own(u), model.shape.personas, model.shape.user_width() / model.shape.personas, collapsed.data());
      return static_cast<const float*>(collapsed.data());
    };
  std::string folder = !config.out.empty() ? config.out : std::filesystem::path(config.model).parent_path().string();
  if (folder.empty()) folder = ".";
  if (!CollectiveSetup([&] {
        if (WorldRank() == 0) CheckWritableFolder(folder);
      }))
    return 2;
  const auto start = std::chrono::steady_clock::now();
  TasteSpace taste;
  if (!CollectiveSetup([&] { taste = ShareTasteSpace(data, TasteOptions(), config.taste, MPI_COMM_WORLD); }))
    return 2;
  const double taste_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ReportOptions report;
  report.top_k = config.top_k;
  report.model = config.collapse_personas ? Cat(config.model, " (personas collapsed to their mean)")
                 : reranked              ? Cat(config.model, " (DiRec re-ranked, pool ", config.rerank_pool, ")")
                                         : config.model;
  report.exclude_validation = model.trained_on_validation;
  report.persona_diagnostics = !config.collapse_personas && !reranked;
  report.sampled_from_candidates = reranked != nullptr;
  report.path = (std::filesystem::path(folder) / "eval.h5").string();
  report.sample = UserSample(config.eval_users, data.n_users, data_config.eval_seed);
  const Summary summary = EvaluateReport(scorer, data, taste, mine, rows, report, MPI_COMM_WORLD);
  EvalTotals validation = EvaluateUsers(scorer, data, mine, rows, HeldOut::kValidation, false);
  double sums[3] = {validation.sampled.hits, validation.sampled.ndcg, double(validation.sampled.users)};
  AMPCF_CHECK_MPI(MPI_Reduce(WorldRank() == 0 ? MPI_IN_PLACE : sums, sums, 3, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (WorldRank() == 0) {
    if (config.taste.empty()) WriteTasteSpace((std::filesystem::path(folder) / "taste.h5").string(), taste);
    const RankingSums vs{sums[0], sums[1], std::int64_t(sums[2])};
    const std::string head = fmt::format("\"val_hr@10\": {:.6f}, \"val_ndcg@10\": {:.6f}", vs.hr(), vs.ndcg_mean());
    const std::string tail = fmt::format("\"taste_seconds\": {:.3f}, \"seconds\": {:.3f}", taste_seconds, seconds);
    std::printf("%s\n", SummaryLine(head, summary, tail).c_str());
    std::fflush(stdout);
  }
  return 0;
}

int RunExplain(const DataConfig& data_config, const ExplainConfig& config) {
  Dataset data;
  ModelData model;
  std::int32_t user = -1;
  const bool from_file = !config.new_users.empty();
  if (!CollectiveSetup([&] {
        if (config.model.empty()) throw UserError("--model is required");
        if (config.user.empty()) throw UserError("--user is required (the dataset's own user id, or with --new-users the file's)");
        if (from_file && config.fold_in)
          throw UserError("--fold-in and --new-users: give one (--new-users folds its users in)");
        LoadModelAndData(config.model, data_config, model, data);
        if (from_file) return;  // the user is looked for in the file
        user = IdLookup(data).User(config.user);
        if (user < 0) throw UserError(Cat("--user ", config.user, ": no such user in ", data.name, " (after preparation)"));
      }))
    return 2;
  // The user explained: the dataset's (their row in `model`, refitted with --fold-in), or with
  // --new-users the file's (folded in; `file_users` and `file_rows`).
  Dataset file_users;
  std::vector<float> file_rows;
  if (from_file) {
    if (!FoldInNewUsers(FoldInRequestOf(config), config.new_users, config.replace_users, config.user, data, model,
                        file_users, file_rows))
      return 2;
    user = 0;
  } else if (config.fold_in && !FoldInRows(FoldInRequestOf(config), data, {user}, model)) {
    return 2;
  }
  const Dataset& users_data = from_file ? file_users : data;
  LoadedScorer loaded;
  std::map<std::int64_t, ItemInfo> item_info;  // titles (rank 0, which prints)
  if (!CollectiveSetup([&] {
        loaded = MakeScorer(model, config.model);
        if (WorldRank() == 0) item_info = LoadItemInfo(data_config.data);
      }))
    return 2;
  if (WorldRank() != 0) return 0;
  const Scorer& scorer = *loaded.scorer;
  const auto block = static_cast<std::size_t>(model.shape.user_width());
  const float* row = from_file ? file_rows.data() : &model.personas[user * block];
  const Explanation explanation =
      Explain(scorer, users_data, user, row, config.top, model.trained_on_validation && !from_file);
  std::fputs(FormatExplanation(explanation, users_data, item_info, model.shape.personas).c_str(),
             stdout);
  std::fflush(stdout);
  if (!config.out.empty()) {
    try {
      WriteExplanation(config.out, explanation, users_data, model.shape.personas);
    } catch (const UserError& error) {
      return ReportLocalError(error);
    }
  }
  return 0;
}


namespace {

// Evaluates a baseline that is built, not trained (`model`: its item side; `rows`: this rank's
// held users' per-user rows, user_width() floats each), prints its summary line (`label`) and,
// with an `out` folder, writes eval.h5, taste.h5 and model.h5 there (rank 0 the item side, every
// rank its users' rows in turn). Collective.
int EvaluateBuiltModel(const Dataset& data, const TasteSpace& taste, ModelData model, const std::vector<float>& rows,
                       const std::string& label, const std::string& out,
                       std::chrono::steady_clock::time_point start) {
  const std::vector<std::int32_t> mine = HeldUsers(data);
  const std::size_t block = static_cast<std::size_t>(model.shape.user_width());
  const LoadedScorer loaded = MakeScorer(model, label);
  ReportOptions report;
  if (!out.empty()) report.path = (std::filesystem::path(out) / "eval.h5").string();
  report.model = label;
  const Summary summary = EvaluateReport(
      *loaded.scorer, data, taste, mine,
      [&](std::int32_t u) { return &rows[static_cast<std::size_t>(u - data.held.begin) * block]; }, report,
      MPI_COMM_WORLD);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!out.empty()) {
    const std::filesystem::path dir(out);
    const std::string path = (dir / "model.h5").string(), temporary = path + ".tmp";
    model.user_names = GatherLines(MPI_COMM_WORLD, data.user_names);
    MPI_Comm ring_comm = MPI_COMM_NULL;
    AMPCF_CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &ring_comm));
    FileRing(ring_comm).WriteInTurn(
        temporary,
        [&] {
          if (WorldRank() == 0) CreateModelFile(temporary, model, data.n_users);
          WriteModelUsers(temporary, data.held.begin, data.user_ids, rows.data());
        },
        [&] { FinishModelFile(temporary, path); });
    AMPCF_CHECK_MPI(MPI_Comm_free(&ring_comm));
    if (WorldRank() == 0) WriteTasteSpace((dir / "taste.h5").string(), taste);
  }
  if (WorldRank() == 0) {
    std::printf("%s\n", SummaryLine(fmt::format("\"model\": \"{}\"", label), summary,
                                     fmt::format("\"seconds\": {:.3f}", seconds))
                             .c_str());
    std::fflush(stdout);
  }
  return 0;
}

// The dataset share of this rank and, where `out` is given, a check that it can be written.
bool LoadShareFor(const DataConfig& data_config, const std::string& out, Dataset& data) {
  return LoadShare(data_config, data) && CollectiveSetup([&] {
           if (WorldRank() == 0) CheckWritableFolder(out);
         });
}

}  // namespace

int RunAisp(const DataConfig& data_config, const AispConfig& config) {
  Dataset data;
  if (!LoadShareFor(data_config, config.out, data)) return 2;
  const auto start = std::chrono::steady_clock::now();
  const TasteSpace taste = ShareTasteSpace(data, TasteOptions(), "", MPI_COMM_WORLD);
  const std::vector<float> rows = AispPersonas(data, taste, config.personas, HeldUsers(data), config.seed);
  ModelData model = AispModel(data, taste, config.personas, {});
  model.model = FindModel("").name;  // its arrays are AMP-CF's, with identity attention maps
  return EvaluateBuiltModel(data, taste, std::move(model), rows,
                            Cat("AISP-", config.personas), config.out, start);
}

int RunPopularity(const DataConfig& data_config, const PopularityConfig& config) {
  Dataset data;
  if (!LoadShareFor(data_config, config.out, data)) return 2;
  const auto start = std::chrono::steady_clock::now();
  const TasteSpace taste = ShareTasteSpace(data, TasteOptions(), "", MPI_COMM_WORLD);
  const std::vector<float> rows(HeldUsers(data).size(), 0.0f);
  ModelData model = PopularityModel(data);
  model.model = FindModel("").name;  // AMP-CF's arrays: zero vectors, the count as each item's bias
  return EvaluateBuiltModel(data, taste, std::move(model), rows, "popularity", config.out, start);
}

}  // namespace ampcf
