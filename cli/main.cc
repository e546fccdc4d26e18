// ampcf: distributed AMP-CF training and evaluation. Every MPI rank runs this binary.
#include <mpi.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "options/config.h"
#include "options/config_file.h"
#include "core/error.h"
#include "core/mpi_env.h"
#include "core/parallel.h"
#include "core/fault_injection.h"
#include "core/peer_wait.h"
#include "core/process_setup.h"
#include "core/transport_defaults.h"
#include "models/registry.h"
#include "options/model_options.h"

namespace {

// `train --help`'s last lines: the model's recipe and the other models.
std::string TrainFooter(const ampcf::ModelInfo& model) {
  std::string text = "\n--model " + model.name + ": " + model.summary + ".\n";
  if (!model.recipe.empty()) {
    text += "Its recipe (the defaults above):";
    for (const auto& [name, value] : model.recipe) text += " " + name + " = " + value + ";";
    text.back() = '.';
    text += "\n";
  }
  if (!model.pretrain.empty()) {
    text += "Pretrained from:";
    for (const std::string& name : model.pretrain) text += " " + name;
    text += " (each trained first into --out/pretrain/NAME unless --pretrained gives their model.h5 files).\n";
  }
  text += "\nModels (ampcf train --model NAME --help lists one's options and recipe):\n";
  for (const ampcf::ModelInfo* other : ampcf::KnownModels()) text += "  " + other->name + ": " + other->summary + "\n";
  return text;
}

// The options the command line or a config file set, by member name ("negative_power").
std::set<std::string> OptionsGiven(const CLI::App& command) {
  std::set<std::string> given;
  for (const CLI::Option* option : command.get_options()) {
    if (option->count() == 0 || option->get_lnames().empty()) continue;
    std::string name = option->get_lnames().front();
    std::replace(name.begin(), name.end(), '-', '_');
    given.insert(name);
  }
  return given;
}

int Main(int argc, char** argv) {
  using namespace ampcf;
  const int rank = WorldRank();
  spdlog::set_pattern("[%H:%M:%S] %v");
  if (rank != 0) spdlog::set_level(spdlog::level::warn);

  CLI::App app{"ampcf: distributed AMP-CF (Attentive Multi-Persona Collaborative Filtering). Run under mpirun."};
  app.require_subcommand(1);
  DataConfig train_data, eval_data, stats_data, explain_data, recommend_data, similar_data, aisp_data, popularity_data,
      prepare_data;
  RecommendConfig recommend;
  SimilarItemsConfig similar;
  PrepareConfig prepare;
  TrainConfig train;
  EvalConfig eval;
  ExplainConfig explain;
  AispConfig aisp;
  PopularityConfig popularity;
  std::string config_file;
  // A subcommand that reads a dataset: its data options, its own options and --config.
  auto add_command = [&](const char* name, const char* help, DataConfig& data, auto&... options) {
    CLI::App* command = app.add_subcommand(name, help);
    command->add_option("--config", config_file, "TOML file setting any long option (personas = 3); the command line wins");
    AddOptions(*command, data);
    (AddOptions(*command, options), ...);
    return command;
  };
  // --model picks which options train has and their defaults (its recipe), so it is read first.
  std::vector<std::string> arguments(argv, argv + argc);
  const ModelInfo* train_model = nullptr;
  if (arguments.size() >= 2 && arguments[1] == "train") {
    const std::string name = RequestedValue(arguments, "model");
    try {
      train_model = &FindModel(name.empty() ? train.model : name);
    } catch (const UserError& error) {
      if (rank == 0) std::fprintf(stderr, "ampcf: error: %s\n", error.what());
      return 2;
    }
    ApplyRecipe(*train_model, train);
    train.model = train_model->name;
  }
  CLI::App* train_command =
      add_command("train", "train a model on a dataset, early-stopped on validation (AMP-CF unless --model says)",
                  train_data, train);
  if (train_model != nullptr) {
    AddModelOptions(*train_command, train_model->options, train.model_options, "Options of --model " + train_model->name);
    train_command->footer(TrainFooter(*train_model));
  }
  CLI::App* eval_command =
      add_command("eval", "evaluate a model.h5 or a checkpoint on its dataset (HR@10, NDCG@10, TDD): eval.h5", eval_data, eval);
  add_command("stats", "print the dataset's Table 1 statistics", stats_data);  // the remaining case below
  CLI::App* explain_command = add_command(
      "explain", "show which persona explains each of a user's recommendations (Fig. 2)", explain_data, explain);
  CLI::App* recommend_command = add_command(
      "recommend", "every user's (or the listed users') top unseen items with their explaining persona, to HDF5 or CSV",
      recommend_data, recommend);
  CLI::App* similar_command =
      add_command("similar-items", "the items nearest to one item by embedding (cosine)", similar_data, similar);
  CLI::App* aisp_command = add_command(
      "aisp", "the AISP-p baseline (PCA items, per-user K-Means personas, no learning), evaluated", aisp_data, aisp);
  CLI::App* popularity_command = add_command(
      "popularity", "the popularity baseline (items ranked by their training count, for every user), evaluated",
      popularity_data, popularity);
  CLI::App* prepare_command = add_command(
      "prepare", "read and prepare a dataset once into an HDF5 file that the other commands load fast", prepare_data,
      prepare);
  GenerateConfig generate;
  CLI::App* generate_command =
      app.add_subcommand("generate", "write planted multi-persona data (ratings.csv) and its ground truth (truth.h5)");
  AddOptions(*generate_command, generate);
  ExportIndexConfig export_index;
  CLI::App* export_index_command = app.add_subcommand(
      "export-index", "build the inner-product index of a model's items (hnswlib) and write it, for recommend --ann and Python");
  AddOptions(*export_index_command, export_index);
  CLI::App* inspect_command = app.add_subcommand("inspect", "verify a checkpoint's checksums and summarise it");
  std::string inspect_file;
  inspect_command->add_option("file", inspect_file, "checkpoint-*.h5 written by train --out")->required();

  try {
    try {
      arguments = ExpandConfigFile(arguments, app);
    } catch (const UserError& error) {
      if (rank == 0) std::fprintf(stderr, "ampcf: error: %s\n", error.what());
      return 2;
    }
    arguments.erase(arguments.begin());  // CLI11 takes the arguments without argv[0], reversed
    std::reverse(arguments.begin(), arguments.end());
    app.parse(arguments);
  } catch (const CLI::CallForHelp& help) {
    if (rank == 0) app.exit(help);
    return 0;
  } catch (const CLI::CallForAllHelp& help) {
    if (rank == 0) app.exit(help);
    return 0;
  } catch (const CLI::ExtrasError& error) {
    // An option of another model (--personas with --model gmf) is the likeliest extra.
    if (rank == 0 && train_model != nullptr && train_command->parsed())
      std::fprintf(stderr, "ampcf: error: %s (--model %s's options: ampcf train --model %s --help)\n", error.what(),
                   train_model->name.c_str(), train_model->name.c_str());
    else if (rank == 0)
      std::fprintf(stderr, "ampcf: error: %s (see ampcf --help)\n", error.what());
    return 2;
  } catch (const CLI::ParseError& error) {
    if (rank == 0) std::fprintf(stderr, "ampcf: error: %s (see ampcf --help)\n", error.what());
    return 2;
  }
  SetUpComputeProcess();
  if (train_command->parsed()) return RunTrain(train_data, train, OptionsGiven(*train_command));
  if (eval_command->parsed()) return RunEval(eval_data, eval);
  if (inspect_command->parsed()) return RunInspect(inspect_file);
  if (explain_command->parsed()) return RunExplain(explain_data, explain);
  if (recommend_command->parsed()) return RunRecommend(recommend_data, recommend);
  if (similar_command->parsed()) return RunSimilarItems(similar_data, similar);
  if (aisp_command->parsed()) return RunAisp(aisp_data, aisp);
  if (popularity_command->parsed()) return RunPopularity(popularity_data, popularity);
  if (prepare_command->parsed()) return RunPrepare(prepare_data, prepare);
  if (generate_command->parsed()) return RunGenerate(generate);
  if (export_index_command->parsed()) return RunExportIndex(export_index);
  return RunStats(stats_data);
}

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  ampcf::SetTransportDefaults();
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  if (provided < MPI_THREAD_FUNNELED) {
    // Compute threads never call MPI, but below FUNNELED the library may assume they do not exist.
    ampcf::LimitComputeThreads(1);
    if (ampcf::WorldRank() == 0)
      std::fprintf(stderr, "ampcf: warning: the MPI library gives thread level %d (below MPI_THREAD_FUNNELED): one compute thread per rank\n", provided);
  }
  ampcf::peer::Start();
  int code = 0;
  try {
    ampcf::fault::Load();
    code = Main(argc, argv);
  } catch (const ampcf::UserError& error) {
    // A user error on one rank only, after setup (a file that cannot be written, say).
    ampcf::AbortJob(ampcf::Cat("error: ", error.what()), 2);
  } catch (const std::exception& error) {
    ampcf::AbortJob(ampcf::Cat("unexpected error: ", error.what()), 3);
  }
  MPI_Finalize();
  return code;
}
