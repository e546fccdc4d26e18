// Everything `ampcf train --model NAME` knows of a model, declared by the model's own folder
// (AmpCfInfo() in models/amp/amp_cf.h, ...) and listed in one line of models/registry.cc:
// its name, its own options, its recipe and the models it is pretrained from.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/model.h"
#include "options/config.h"
#include "options/model_options.h"

namespace ampcf {

// Shared training options by member name and the value a recipe gives them ("negative_power", "0").
using OptionDefaults = std::vector<std::pair<std::string, std::string>>;

struct ModelInfo {
  std::string name;     // --model's value
  std::string summary;  // one line of --help
  std::vector<OptionSpec> options;  // the model's own option table (options/model_options.h)
  // The recipe: the shared options' defaults this model trains with, chosen on validation. The
  // command line and config files still win over them.
  OptionDefaults recipe;
  // Models trained first, each with its own recipe, whose model.h5 files start this one, in the
  // order --pretrained takes them (empty: random rows only).
  std::vector<std::string> pretrain;
  std::function<std::unique_ptr<Model>(const TrainConfig&, std::int64_t n_items)> for_training;
  std::function<std::unique_ptr<Model>(const ModelShape&)> for_scoring;
};

// A ModelInfo whose factories construct M: M(config, n_items) and M(shape).
template <typename M>
ModelInfo MakeModelInfo(std::string name, std::string summary, std::vector<OptionSpec> options, OptionDefaults recipe,
                        std::vector<std::string> pretrain = {}) {
  ModelInfo info;
  info.name = std::move(name);
  info.summary = std::move(summary);
  info.options = std::move(options);
  info.recipe = std::move(recipe);
  info.pretrain = std::move(pretrain);
  info.for_training = [](const TrainConfig& config, std::int64_t n_items) { return std::make_unique<M>(config, n_items); };
  info.for_scoring = [](const ModelShape& shape) { return std::make_unique<M>(shape); };
  return info;
}

// NCF's training recipe (He et al. 2017), which its family of baselines shares: uniform negatives
// never among the user's training items, no L2, embeddings N(0, 0.01^2), and an epoch budget
// for models that stop early (100 epochs, patience 10).
OptionDefaults NcfRecipe();

}  // namespace ampcf
