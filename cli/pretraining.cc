#include "cli/pretraining.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "cli/collective.h"
#include "cli/commands.h"
#include "core/mpi_env.h"
#include "models/registry.h"

namespace ampcf {

namespace {

// The shared options a pretraining run does not take from the user: its own model and files,
// the step size the user chose for the model that follows, and what ends or repeats that run
// (a stop after N steps would leave no model to start from; --refit would train the pretrained
// rows on the validation items that pick the final model's epoch).
bool NotInherited(const std::string& name) {
  return name == "model" || name == "out" || name == "resume" || name == "pretrained" || name == "lr" ||
         name == "stop_after_steps" || name == "refit";
}

// Rank 0's answer, on every rank: whether `path` is a file.
bool ExistsOnRankZero(const std::string& path) {
  std::error_code error;
  int exists = WorldRank() == 0 && std::filesystem::is_regular_file(path, error) ? 1 : 0;
  AMPCF_CHECK_MPI(MPI_Bcast(&exists, 1, MPI_INT, 0, MPI_COMM_WORLD));
  return exists != 0;
}

}  // namespace

Pretraining::Pretraining(const DataConfig& data_config, const TrainConfig& config, const std::set<std::string>& given)
    : data_config_(data_config), given_(given) {
  if (!config.out.empty()) {
    folder_ = (std::filesystem::path(config.out) / "pretrain").string();
    return;
  }
  if (WorldRank() == 0) {
    std::string pattern = (std::filesystem::temp_directory_path() / "ampcf-pretrain-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) folder_ = pattern;
  }
  BroadcastString(folder_, 0, MPI_COMM_WORLD);
  temporary_ = true;
}

Pretraining::~Pretraining() {
  if (!temporary_ || folder_.empty() || WorldRank() != 0) return;
  std::error_code error;
  std::filesystem::remove_all(folder_, error);
}

int Pretraining::Run(TrainConfig& config) {
  const ModelInfo& model = FindModel(config.model);
  if (model.pretrain.empty() || !config.pretrained.empty()) return 0;
  if (folder_.empty()) {
    if (WorldRank() == 0)
      std::fprintf(stderr, "ampcf: error: --model %s pretrains first and no temporary folder could be made: give --out\n",
                   config.model.c_str());
    return 2;
  }
  const std::map<std::string, std::string> user_values = DescribedValues(Describe(data_config_, config));
  std::string files;
  for (const std::string& name : model.pretrain) {
    const ModelInfo& first = FindModel(name);
    TrainConfig run;
    run.model = name;
    ApplyRecipe(first, run);
    for (const std::string& option : given_) {
      const auto value = user_values.find(option);
      if (value == user_values.end() || NotInherited(option)) continue;
      try {
        SetTrainOption(run, option, value->second);
      } catch (const UserError&) {
      }
    }
    for (const OptionSpec& spec : first.options)
      if (given_.count(spec.name) != 0)
        if (const std::string* value = config.model_options.Find(spec.name)) run.model_options.Set(spec.name, *value);
    run.out = (std::filesystem::path(folder_) / name).string();
    run.resume = "auto";
    const std::string path = (std::filesystem::path(run.out) / "model.h5").string();
    files += (files.empty() ? "" : ",") + path;
    if (ExistsOnRankZero(path)) {
      if (WorldRank() == 0 && !config.quiet) spdlog::info("--model {}: starts from {}, trained before", config.model, path);
      continue;
    }
    if (WorldRank() == 0 && !config.quiet)
      spdlog::info("--model {}: pretraining {} with its recipe into {}", config.model, name, run.out);
    // A server rank returns 0 where its workers were stopped by a signal: every rank takes the
    // worst, so that none goes on to the next run alone.
    int status = RunTrain(data_config_, run, given_);
    AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &status, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
    if (status != 0) return status;
    if (!ExistsOnRankZero(path)) {
      if (WorldRank() == 0)
        std::fprintf(stderr, "ampcf: error: --model %s: pretraining %s ended without %s\n", config.model.c_str(),
                     name.c_str(), path.c_str());
      return 2;
    }
  }
  config.pretrained = files;
  return 0;
}

}  // namespace ampcf
